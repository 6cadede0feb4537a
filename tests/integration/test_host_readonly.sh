#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# This machine's own PCI devices served --read-only to a pcifront guest: the guest sees
# each device's real vendor, device, class and capability chain, and nothing is written
# (no device is seized or touched: --read-only refuses every write path).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "skip: needs root to read full config spaces"; exit 77; }
devs=""
n=0
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/config" ] || continue
	case "$(cat "$d/class")" in 0x06*) continue ;; esac # bridges are never exported
	devs="$devs $(basename "$d")"
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "skip: no PCI endpoint on this machine"; exit 77; }

# The config bytes before, to prove nothing was written.
for a in $devs; do cat "/sys/bus/pci/devices/$a/config" >"$T/before.$a"; done
args=""
for a in $devs; do args="$args --device g=host:$a"; done
# shellcheck disable=SC2086
start_daemon --read-only --mode passthrough $args
front g lspci >"$T/guest.lspci" || fail "pcifront lspci failed"
for a in $devs; do
	short=${a#0000:}
	real=$(lspci -n -s "$a" | cut -d' ' -f2-)
	seen=$(ids_of "$T/guest.lspci" "$a")
	[ "$seen" = "$real" ] || fail "$a: guest sees '$seen', the host '$real'"
	lspci -s "$a" -vvv | sed -n 's/^[[:space:]]*Capabilities: \(\[[0-9a-f v]*\]\) \([^:]*\).*/\1 \2/p' >"$T/real.caps"
	caps_of "$T/guest.lspci" "$a" >"$T/guest.caps"
	cmp -s "$T/real.caps" "$T/guest.caps" || fail "$a ($short): capability chains differ: $(diff "$T/real.caps" "$T/guest.caps" | head -5)"
	[ -s "$T/real.caps" ] && pass "$a: ids and $(wc -l <"$T/real.caps") capabilities match" || pass "$a: ids match"
done
# A guest write is refused or dropped, and nothing reached the device.
first=${devs%% *}; first=${first# }
front g write "$first" 4 2 0 >/dev/null 2>&1 || true
front g write "$first" 0x3c 1 0x55 >/dev/null 2>&1 || true
stop_daemon
for a in $devs; do
	cmp -s "$T/before.$a" "/sys/bus/pci/devices/$a/config" || fail "$a: config space changed under --read-only"
done
pass "$n devices served read-only, no byte written"
