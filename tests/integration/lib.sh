# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the integration tests (sourced).
# Arguments of every test: PCIBACKD PCIFRONT PCIBACKCTL FIXTURES_DIR [ROGUE_CLIENT]
set -eu
PCIBACKD=$1 PCIFRONT=$2 PCIBACKCTL=$3 FIX=$4 ROGUE=${5:-}
T=$(mktemp -d /tmp/pbtest.XXXXXX)
DPID=
SPIDS=
cleanup() {
	for p in $SPIDS; do kill -KILL "$p" 2>/dev/null || true; done
	if [ -n "$DPID" ]; then kill -KILL "$DPID" 2>/dev/null || true; fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/daemon.log" ]; then echo "--- daemon log:" >&2; tail -n 30 "$T/daemon.log" >&2; fi
	exit 1
}
pass() { echo "ok: $*"; }

# start_daemon ARGS...: runs pcibackd on $T/sock with control socket $T/ctl; log in $T/daemon.log.
start_daemon() {
	rm -f "$T/sock"
	"$PCIBACKD" --socket "$T/sock" --control "$T/ctl" "$@" 2>"$T/daemon.log" &
	DPID=$!
	wait_socket "$T/sock"
}

# wait_socket PATH: until the daemon ($DPID) has created the socket PATH (at most 5 s).
wait_socket() {
	i=0
	while [ ! -S "$1" ]; do
		kill -0 "$DPID" 2>/dev/null || fail "pcibackd exited at start: $(cat "$T/daemon.log")"
		i=$((i + 1))
		[ $i -lt 2500 ] || fail "pcibackd did not create $1"
		sleep 0.002
	done
}

# stop_daemon: SIGTERM, and the daemon must exit 0 and remove its sockets.
stop_daemon() {
	kill -TERM "$DPID"
	rc=0
	wait "$DPID" || rc=$?
	DPID=
	[ $rc -eq 0 ] || fail "pcibackd exited $rc on SIGTERM"
	[ ! -e "$T/sock" ] || fail "pcibackd left its socket behind"
}

daemon_alive() { kill -0 "$DPID" 2>/dev/null || fail "pcibackd died"; }
ctl() { "$PCIBACKCTL" --control "$T/ctl" "$@"; }
front() { g=$1; shift; "$PCIFRONT" --socket "$T/sock" --guest "$g" "$@"; }

# The names of the capabilities lspci decodes, one "[off] Name" per line.
caps_of() { # FILE ADDR
	lspci -F "$1" -vvv -s "$2" 2>/dev/null |
		sed -n 's/^[[:space:]]*Capabilities: \(\[[0-9a-f v]*\]\) \([^:]*\).*/\1 \2/p'
}
# "CCCC: VVVV:DDDD (rev RR)..." as lspci -n prints it, without the address.
ids_of() { lspci -F "$1" -n -s "$2" 2>/dev/null | cut -d' ' -f2-; }

# wait_for FILE PATTERN [WHAT]: until a line of FILE matches PATTERN (grep -E), at most 10 s.
wait_for() {
	i=0
	until grep -qE "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "${3:-$1} never showed \"$2\": $(cat "$1" 2>/dev/null | tail -n 5)"
		sleep 0.05
	done
}

# serve_start NAME GUEST FD [pcifront options]: a guest that stays connected (pcifront serve);
# its output goes to $T/NAME.out, and `serve_cmd FD LINE` runs a pcifront command in it.
serve_start() {
	sn=$1 sg=$2 sfd=$3
	shift 3
	rm -f "$T/$sn.in" "$T/$sn.out"
	mkfifo "$T/$sn.in"
	"$PCIFRONT" --socket "$T/sock" --guest "$sg" "$@" serve <"$T/$sn.in" >"$T/$sn.out" 2>&1 &
	eval "SPID_$sn=$!"
	SPIDS="$SPIDS $!"
	eval "exec $sfd>\"\$T/\$sn.in\""
	wait_for "$T/$sn.out" '^connected: devices:' "pcifront serve for $sg"
}
serve_cmd() { echo "$2" >&"$1"; }
# serve_stop NAME FD: SIGTERM; pcifront must exit 0.
serve_stop() {
	eval "sp=\$SPID_$1"
	eval "exec $2>&-"
	kill -TERM "$sp"
	src=0
	wait "$sp" || src=$?
	[ $src -eq 0 ] || fail "pcifront serve ($1) exited $src: $(tail -n 5 "$T/$1.out")"
}
# The number of lines of FILE matching PATTERN.
count() { grep -cE "$2" "$1" 2>/dev/null || true; }
