# Helpers for dom0's scenarios (sourced by dom0-init.sh; busybox sh).
# Every line the host runner reads starts with "E2E-".

up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "E2E-MARK: $* (dom0 uptime $(up))"; }

# --- time limits -------------------------------------------------------------
# Every time limit of the scenarios bounds a hang, never a speed.  Each is written as what
# would be ample on a quiet 2-core machine, and sc multiplies it by SCALE: 5, because TCG on
# one host thread runs several times slower on a loaded machine (a guest took over 100 s to
# boot with two QEMUs and four builds beside it), times this boot's own slowness, dom0's
# kernel boot time (its uptime when /init starts) in units of 30 s, rounded up, at least 1.
BOOT_S=$(cut -d. -f1 /proc/uptime)
SLOW=$(( (BOOT_S + 29) / 30 ))
[ "$SLOW" -ge 1 ] || SLOW=1
SCALE=$((5 * SLOW))
# sc N: N scaled (seconds, loop counts, milliseconds).  Limits calibrated on a measurement
# made in this boot (7-hostile, bench) are not scaled again.
sc() { echo $(( $1 * SCALE )); }

# wait_until SECONDS COMMAND...: polls every 0.5 s (each poll costs dom0, and so pcibackd, a
# fork under TCG); 0 when COMMAND succeeded.
wait_until() {
	local end=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ] && return 1
		sleep 0.5
	done
	return 0
}

console_log() { echo "/var/log/xen/console/guest-$1.log"; }

# guest_create NAME FRONT [CFG-LINE...]: creates the paused PV guest, prints its domid.
# Guests run on physical CPU 1; dom0 has CPU 0 to itself (run.sh).
# GUEST_EXTRA: more words for the guest kernel's command line.
guest_create() {
	local name=$1 front=$2 cfg=/tmp/$1.cfg l
	shift 2
	cat > "$cfg" <<EOF
name = "$name"
type = "pv"
kernel = "/guest/vmlinux"
ramdisk = "/guest/guest.cpio.gz"
extra = "console=hvc0 loglevel=1 e2e_front=$front${GUEST_EXTRA:+ $GUEST_EXTRA}"
memory = 192
vcpus = 1
cpus = "1"
e820_host = 1
passthrough = "enabled"
on_poweroff = "destroy"
on_crash = "destroy"
EOF
	for l in "$@"; do echo "$l" >> "$cfg"; done
	rm -f "$(console_log "$name")"
	xl create -p "$cfg" > "/tmp/$name.create.log" 2>&1 || { cat "/tmp/$name.create.log"; return 1; }
	xl domid "$name"
}

# guest_start NAME: unpauses it and waits until its command loop runs.
guest_start() {
	local d
	d=$(xl domid "$1") || return 1
	xl unpause "$1" || return 1
	wait_until "$(sc 90)" xenstore-read "/local/domain/$d/data/e2e/ready"
}

# gcmd NAME TIMEOUT COMMAND: runs COMMAND in the guest; its output goes to /tmp/gout,
# its exit status is gcmd's (124 on timeout).  Kernel lines on the console are left out.
gcmd() {
	local name=$1 tmo=$2 cmd d n log
	# One line: xenstore-read escapes newlines.
	cmd=$(echo "$3" | grep -v '^[[:space:]]*$' | sed 's/$/;/' | tr '\n' ' ')
	d=$(xl domid "$name") || return 125
	n=$(cat "/tmp/$name.ncmd" 2>/dev/null || echo 0)
	echo $((n + 1)) > "/tmp/$name.ncmd"
	log=$(console_log "$name")
	xenstore-write "/local/domain/$d/data/e2e/cmd-$n" "$cmd"
	if ! wait_until "$tmo" grep -q "^E2E-OUT-END $n rc=" "$log"; then
		tr -d '\r' < "$log" | sed -n "/^E2E-OUT-BEGIN $n\$/,\$p" | sed 1d > /tmp/gout
		return 124
	fi
	tr -d '\r' < "$log" | sed -n "/^E2E-OUT-BEGIN $n\$/,/^E2E-OUT-END $n rc=/p" | sed '1d;$d' |
		grep -v -e '^\[ *[0-9]*\.[0-9]*\] ' -e '^E2E-GUEST:' > /tmp/gout # kernel and guest-init lines interleave
	return "$(tr -d '\r' < "$log" | sed -n "s/^E2E-OUT-END $n rc=\([0-9]*\).*/\1/p" | tail -1)"
}

# guest_gone NAME [TIMEOUT]: waits until the domain no longer exists.
guest_gone() { wait_until "$(sc "${2:-30}")" sh -c "! xl domid $1"; }

# Device helpers (dom0's view).
drv_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }

# --- results -----------------------------------------------------------------
# A scenario function returns 0 (pass), 77 (skip) or anything else (fail), with
# its reason in WHY.  Its log lines are framed so the host can show them on failure.
NPASS=0
NFAIL=0
NSKIP=0
run_scenario() {
	local name=$1 fn=$2 t0 t1 rc
	WHY=
	t0=$(up)
	echo "E2E-BEGIN $name"
	"$fn"
	rc=$?
	t1=$(up)
	local secs
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	case $rc in
	0)
		NPASS=$((NPASS + 1))
		echo "E2E-RESULT: PASS $name (${secs} s)" ;;
	77)
		NSKIP=$((NSKIP + 1))
		echo "E2E-RESULT: SKIP $name: $WHY" ;;
	*)
		NFAIL=$((NFAIL + 1))
		echo "E2E-CONTEXT $name: ---- dom0 dmesg (last 25 lines)"
		dmesg | tail -25
		for f in /tmp/pcibackd*.log; do
			[ -s "$f" ] || continue
			echo "E2E-CONTEXT $name: ---- $f (last 40 lines)"
			tail -40 "$f"
		done
		for f in /var/log/xen/console/guest-*.log; do
			[ -s "$f" ] || continue
			echo "E2E-CONTEXT $name: ---- $f (last 30 lines)"
			tr -d '\r' < "$f" | tail -30
		done
		echo "E2E-RESULT: FAIL $name: $WHY (${secs} s)" ;;
	esac
	echo "E2E-END $name"
}
