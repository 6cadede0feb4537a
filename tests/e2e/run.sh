#!/bin/bash
# The end-to-end harness: Xen 4.17, a Debian dom0 and PV guests under QEMU (TCG),
# pcibackd serving the real Linux xen-pcifront with emulated NVMe, e1000e and
# pci-testdev devices, compared with Debian's in-kernel xen-pciback.
#
#   tests/e2e/run.sh --build BUILDDIR [--only SCENARIO,...] [--keep]
#
# Installs what it needs with apt-get, downloads (never installs) the Debian kernel
# and Xen hypervisor packages into $E2E_CACHE (default /var/tmp/pcibackd-e2e),
# boots once and runs every scenario (tests/e2e/scenarios.sh).  Prints one line
# per scenario and "N passed, N failed"; exit 1 if any failed, 77 if the harness
# cannot run here.  QEMU's only network is an isolated hub.
set -uo pipefail
HERE=$(dirname "$(readlink -f "$0")")
BUILD=
ONLY=
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$(readlink -f "$2"); shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: $0 --build BUILDDIR [--only SCENARIO,...] [--keep]" >&2; exit 2 ;;
	esac
done
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "e2e: --build BUILDDIR is required" >&2; exit 2; }
skip() { echo "e2e: SKIP (whole harness): $*"; exit 77; }

CACHE=$(readlink -m "${E2E_CACHE:-/var/tmp/pcibackd-e2e}")  # absolute: QEMU runs in $WORK
# How long QEMU may run: the boot ends when dom0 powers off.  A hang is caught by silence,
# not by a total: dom0 prints a line every 5 s of its time (dom0-init.sh), so E2E_STALL seconds
# without a console line means Xen, dom0 or QEMU stopped.  Each wait inside dom0 has its own
# bound, scaled to this boot's speed (dom0-lib.sh).  E2E_TIMEOUT is only a last resort, ~9x
# an idle 2-core machine's boot and scenarios (417 s), for a hang that still prints.
STALL=${E2E_STALL:-300}
TIMEOUT=${E2E_TIMEOUT:-3600}
PKGS=(qemu-system-x86 xen-utils-4.17 libxen-dev busybox-static cpio kmod xz-utils pciutils gdb)
T0=$(date +%s)

# --- 1. host packages -------------------------------------------------------------
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || skip "missing packages ${missing[*]} and not root to install them"
	echo "e2e: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > /dev/null ||
		skip "apt-get install ${missing[*]} failed"
fi

# --- 2. the Debian kernel and Xen, downloaded and extracted (nothing installed) ----
KPKG=$(apt-cache depends linux-image-amd64 2> /dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$KPKG" ] || skip "apt-cache knows no linux-image-amd64"
KROOT=$CACHE/kroot-$KPKG
if [ ! -e "$KROOT/boot/xen-4.17-amd64.gz" ]; then
	mkdir -p "$CACHE/debs" && cd "$CACHE/debs" || skip "cannot create $CACHE"
	ls "${KPKG}"_*.deb xen-hypervisor-4.17-amd64_*.deb > /dev/null 2>&1 ||
		apt-get download "$KPKG" xen-hypervisor-4.17-amd64 > /dev/null 2>&1 ||
		skip "apt-get download $KPKG xen-hypervisor-4.17-amd64 failed"
	rm -rf "$KROOT.tmp" && mkdir -p "$KROOT.tmp"
	for f in "${KPKG}"_*.deb xen-hypervisor-4.17-amd64_*.deb; do dpkg-deb -x "$f" "$KROOT.tmp" || skip "dpkg-deb -x $f failed"; done
	mv "$KROOT.tmp" "$KROOT"
	cd - > /dev/null || exit 2
fi

# --- 3. images ----------------------------------------------------------------------
findbin() { find "$BUILD" -path "$BUILD/meson-*" -prune -o -type f -name "$1" -perm -u+x -print 2> /dev/null | head -1; }
BINS=
for b in pcibackd pcibackctl pcibackctl-xen e2e-hostile; do
	p=$(findbin "$b")
	[ -n "$p" ] && BINS="$BINS $p"
done
GUEST_BINS="$(findbin e2e-cfgbench) $(findbin e2e-hostile)"
[ -n "$(findbin e2e-cfgbench)" ] || skip "e2e-cfgbench is not built in $BUILD"
WORK=$CACHE/work-$$
OUT=$WORK/out
mkdir -p "$OUT"
cleanup() { [ "$KEEP" = 1 ] && echo "e2e: kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
KROOT=$KROOT OUT=$OUT WORK=$WORK BINS=$BINS GUEST_BINS=$GUEST_BINS "$HERE/images.sh" > "$WORK/images.log" 2>&1 ||
	{ tail -20 "$WORK/images.log"; echo "0 passed, 1 failed"; echo "e2e: building the images failed"; exit 1; }
truncate -s 16M "$WORK/nvme.img" "$WORK/nvme-nb.img"
T1=$(date +%s)

# --- 4. one boot: every scenario runs inside -----------------------------------------
LOG=$WORK/serial.log
XENCMD="console=com1 com1=115200,8n1 console_timestamps=boot loglvl=all guest_loglvl=all"
# dom0 (the backends) has physical CPU 0 to itself and the guests (the frontends) have CPU 1
# (dom0-lib.sh pins them): with both vCPUs on one TCG thread, a vCPU that spins waiting for
# another (a lock, a TLB flush) holds the thread until a timer switches it; with no domain on
# two CPUs, there are no such waits between a backend and its frontend.
XENCMD="$XENCMD dom0_mem=1024M,max:1024M dom0_max_vcpus=1 dom0_vcpus_pin bootscrub=false iommu=required"
DOM0CMD="console=hvc0 earlyprintk=xen loglevel=4${ONLY:+ e2e_only=${ONLY//,/+}}"  # a comma would split -initrd
# 06.0 and 07.0 are a second NVMe and e1000e that no dom0 driver ever binds (9-never-bound).
# The NVMe MSI-X table gets its own BAR: Xen 4.17 does not give a guest MSI-X whose table
# shares a page with other registers (the guest falls back to INTx).
# TCG runs both vCPUs on one host thread (E2E_TCG_THREAD=single, the default): with a thread
# per vCPU, QEMU 7.2 segfaulted in memory_region_dispatch_read() on a vCPU whose MMIO access
# raced a memory-map change made by the other vCPU (dom0 resetting devices in 4-release; the
# MemoryRegion pointer was freshly allocated memory, 0x5d5d...).  bench.sh uses "multi".
# QEMU runs in $WORK with core dumps on (guest RAM left out: dump-guest-core=off), so a
# crash of QEMU itself leaves a core that step 5 turns into a backtrace.
# With one thread, the guests' clock counts instructions (-icount shift=0: 1 ns each) and skips
# ahead when every vCPU is idle (sleep=off), so every time limit inside the guests bounds
# emulated work, not the host's speed or load: the guest kernel's pcifront, which gives up an
# op its backend has not answered within 2 s, gave up on some under pcibackd without it when
# builds shared the host; dom0's own limits and the benchmark's ns are in this time too.
TCG_THREAD=${E2E_TCG_THREAD:-single}
case $TCG_THREAD in
single) ICOUNT=(-icount shift=0,sleep=off) ;;
multi) ICOUNT=() ;; # icount needs one thread
*) echo "e2e: E2E_TCG_THREAD is single or multi" >&2; exit 2 ;;
esac
START=$EPOCHREALTIME
touch "$LOG"
# The watchdog: stops QEMU (through its timeout process) after STALL silent seconds, or 30 s
# after dom0's summary when dom0's poweroff does not end QEMU (it did not under -icount).
(while sleep 10; do
	[ -s "$WORK/qemu.pid" ] || continue
	kill -0 "$(cat "$WORK/qemu.pid")" 2> /dev/null || exit 0
	quiet=$(($(date +%s) - $(stat -c %Y "$LOG")))
	if grep -q '\] E2E-SUMMARY: ' "$LOG" && [ "$quiet" -ge 30 ]; then
		echo "dom0 did not power QEMU off within 30 s of its summary: QEMU stopped" > "$WORK/finished"
		kill "$(cat "$WORK/qemu.pid")"
		exit 0
	fi
	if [ "$quiet" -ge "$STALL" ]; then
		echo "no console line for $quiet s (E2E_STALL=$STALL)" > "$WORK/stalled"
		kill "$(cat "$WORK/qemu.pid")"
		exit 0
	fi
done) &
WATCHDOG=$!
# QEMU runs at nice -10 (when root), so that builds beside the suite slow it less.
(cd "$WORK" && ulimit -c unlimited 2> /dev/null
echo "$BASHPID" > "$WORK/qemu.pid"
exec nice -n -10 timeout "$TIMEOUT" qemu-system-x86_64 -machine q35,dump-guest-core=off -accel tcg,thread="$TCG_THREAD" "${ICOUNT[@]}" -cpu qemu64 -smp 2 -m 2048 \
	-display none -vga none -no-reboot -nic none -monitor none -serial stdio \
	-device intel-iommu,intremap=on \
	-drive if=none,id=d0,file="$WORK/nvme.img",format=raw \
	-device nvme,serial=e2e0001,drive=d0,addr=03.0,msix-exclusive-bar=on \
	-netdev hubport,id=n0,hubid=0 -device e1000e,netdev=n0,addr=04.0 \
	-device pci-testdev,addr=05.0 \
	-drive if=none,id=d1,file="$WORK/nvme-nb.img",format=raw \
	-device nvme,serial=e2e0002,drive=d1,addr=06.0,msix-exclusive-bar=on \
	-netdev hubport,id=n1,hubid=1 -device e1000e,netdev=n1,addr=07.0 \
	-kernel "$OUT/xen" -append "$XENCMD" \
	-initrd "$OUT/vmlinuz $DOM0CMD,$OUT/dom0.cpio.gz" < /dev/null 2>&1) |
	while IFS= read -r line; do
		now=$EPOCHREALTIME
		d=$(( ${now/./} - ${START/./} ))
		printf '[%4d.%03d] %s\n' $((d / 1000000)) $(((d / 1000) % 1000)) "${line//$'\r'/}"
	done > "$LOG"
QRC=${PIPESTATUS[0]}
kill "$WATCHDOG" 2> /dev/null
wait "$WATCHDOG" 2> /dev/null
T2=$(date +%s)

# --- 5. report ----------------------------------------------------------------------
E2E=$WORK/e2e.lines
sed -n 's/^\[[ 0-9.]*\] \(E2E-[A-Z]*[: ]\)/\1/p' "$LOG" > "$E2E"
pass=0
fail=0
skipn=0
failed=()
# An image check turns a passed I/O scenario into a failure when the pattern is not on the disk.
on_image() { # TAG BLOCK
	local want
	want=$(yes "pcibackd-e2e-$1" | head -c 4096 | md5sum | cut -d' ' -f1)
	[ "$(dd if="$WORK/nvme.img" bs=4096 skip="$2" count=1 2> /dev/null | md5sum | cut -d' ' -f1)" = "$want" ]
}
while IFS= read -r r; do
	set -- $r
	verdict=$2
	name=${3%:}
	if [ "$verdict" = PASS ] && [ "$name" = kernel-io ] && ! on_image kernel 256; then
		r="E2E-RESULT: FAIL kernel-io: the guest's pattern is not on the NVMe image (block 256)"
		verdict=FAIL
	fi
	if [ "$verdict" = PASS ] && [ "$name" = 2-real-io ] && ! on_image pcibackd 512; then
		r="E2E-RESULT: FAIL 2-real-io: the guest's pattern is not on the NVMe image (block 512)"
		verdict=FAIL
	fi
	echo "${r#E2E-RESULT: }"
	case $verdict in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skipn=$((skipn + 1)) ;;
	*) fail=$((fail + 1)); failed+=("$name") ;;
	esac
done < <(grep '^E2E-RESULT: ' "$E2E")

for name in "${failed[@]}"; do
	echo "---- $name: serial console and pcibackd log lines ----"
	sed -n "/E2E-BEGIN $name\$/,/E2E-END $name\$/p" "$LOG" | grep -v '\] E2E-ALIVE: ' | tail -150
done

# The benchmark: kernel backend versus pcibackd, from inside the guest.
kb=$(grep '^E2E-BENCH: kernel ' "$E2E" | tail -1)
pb=$(grep '^E2E-BENCH: pcibackd ' "$E2E" | tail -1)
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
[ -n "$kb" ] && echo "bench: kernel xen-pciback: enumeration $(field "$kb" enum_s) s, $(field "$kb" reads) config reads $(field "$kb" total_ms) ms ($(field "$kb" ns_per_read) ns/read)"
[ -n "$pb" ] && echo "bench: pcibackd:           enumeration $(field "$pb" enum_s) s, $(field "$pb" reads) config reads $(field "$pb" total_ms) ms ($(field "$pb" ns_per_read) ns/read)"
if [ -n "$kb" ] && [ -n "$pb" ] && [ -n "$(field "$pb" ns_per_read)" ]; then
	awk -v a="$(field "$pb" ns_per_read)" -v b="$(field "$kb" ns_per_read)" -v c="$(field "$pb" enum_s)" -v d="$(field "$kb" enum_s)" \
		'BEGIN { printf "bench: ratio pcibackd/kernel: config read %.2f, enumeration %.2f\n", a / b, (d > 0 ? c / d : 0) }'
fi

if ! grep -q '^E2E-SUMMARY: ' "$E2E"; then
	echo "---- dom0 did not finish (qemu rc $QRC): last serial lines ----"
	tail -40 "$LOG"
	fail=$((fail + 1))
fi
if [ -s "$WORK/finished" ]; then
	echo "e2e: $(cat "$WORK/finished")"
elif [ -s "$WORK/stalled" ]; then
	echo "---- stopped QEMU: $(cat "$WORK/stalled") ----"
elif [ "$QRC" = 124 ]; then
	echo "---- stopped QEMU after E2E_TIMEOUT=$TIMEOUT s ----"
# QEMU killed by a signal: show where, from its core.
elif [ "$QRC" -gt 128 ]; then
	echo "---- qemu died on signal $((QRC - 128)) ----"
	core=$(ls -t "$WORK"/core* 2> /dev/null | head -1)
	if [ -z "$core" ]; then
		echo "no core file in $WORK (core_pattern: $(cat /proc/sys/kernel/core_pattern 2> /dev/null))"
	elif ! command -v gdb > /dev/null; then
		echo "gdb is not installed to read the core file"
	else
		gdb -batch -nx -ex 'info registers rip' -ex 'x/6i $pc' \
			-ex 'thread apply all bt 16' "$(command -v qemu-system-x86_64)" "$core" 2>&1 |
			grep -v '^\[New LWP\|^warning: ' | head -120
	fi
	if [ -n "$core" ]; then
		mv -f "$core" "$CACHE/qemu.core" && echo "core kept as $CACHE/qemu.core (the newest crash only)"
	fi
fi
echo "timing: images $((T1 - T0)) s, boot and scenarios $((T2 - T1)) s (qemu rc $QRC, TCG thread=$TCG_THREAD)"
[ "$KEEP" = 1 ] && echo "e2e: serial log $LOG"
echo "$pass passed, $fail failed${skipn:+, $skipn skipped}"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
