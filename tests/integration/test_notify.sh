#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Readiness and log priorities for a service manager: READY=1 reaches $NOTIFY_SOCKET only once
# the daemon serves (its sockets accept at that moment, checked with the daemon stopped by
# SIGSTOP as the datagram arrives), STOPPING=1 on SIGTERM; without $NOTIFY_SOCKET one
# "ready" line on stderr whatever the log level; "<N>" priorities when $JOURNAL_STREAM names stderr.
. "$(dirname "$0")/lib.sh"
DEV="sim:$FIX/cap-pcie-2.lspci"

python3 - "$T" "$PCIBACKD" "$DEV" >"$T/notify.out" 2>&1 <<'PY' || fail "notify: $(cat "$T/notify.out")"
import os, signal, socket, subprocess, sys
t, daemon, dev = sys.argv[1:4]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind(t + "/notify")
n.settimeout(20)
env = dict(os.environ, NOTIFY_SOCKET=t + "/notify")
log = open(t + "/daemon.log", "w")
p = subprocess.Popen([daemon, "--socket", t + "/sock", "--control", t + "/ctl", "--device", "g1=" + dev],
                     env=env, stderr=log)
msg = n.recv(4096).decode()
p.send_signal(signal.SIGSTOP)  # frozen as it said READY: whatever serves now was set up before
try:
    assert msg.startswith("READY=1\n"), "first message: %r" % msg
    assert "STATUS=serving 1 devices to 1 guests" in msg, msg
    for path, kind in (("sock", socket.SOCK_SEQPACKET), ("ctl", socket.SOCK_STREAM)):
        s = socket.socket(socket.AF_UNIX, kind)
        s.connect(t + "/" + path)  # a listening socket accepts into its backlog while the daemon is stopped
        s.close()
finally:
    p.send_signal(signal.SIGCONT)
p.send_signal(signal.SIGTERM)
assert n.recv(4096).decode() == "STOPPING=1"
assert p.wait(20) == 0, "exit status %d" % p.returncode
print("ok")
PY
pass "READY=1 arrives once the guest and control sockets accept; STOPPING=1 on SIGTERM"
grep -q "info: serving 1 devices" "$T/daemon.log" || fail "no serving line in the log"
! grep -q "ready:" "$T/daemon.log" || fail "a ready line on stderr although the service manager was told"
pass "under a service manager the summary is an info line, not the stderr ready line"

rm -f "$T/sock"
"$PCIBACKD" --socket "$T/sock" --device "g1=$DEV" --log-level err 2>"$T/daemon.log" &
DPID=$!
wait_for "$T/daemon.log" "ready" "the daemon's stderr"
front g1 read 00:00.0 0 2 >/dev/null || fail "not serving after its ready line"
stop_daemon
[ "$(wc -l <"$T/daemon.log")" -eq 1 ] || fail "expected one line: $(cat "$T/daemon.log")"
grep -qx "pcibackd: ready: serving 1 devices to 1 guests on $T/sock (vpci)" "$T/daemon.log" ||
	fail "ready line: $(cat "$T/daemon.log")"
pass "without a service manager: one ready line on stderr, even at --log-level err"

: >"$T/daemon.log"
rm -f "$T/sock"
JOURNAL_STREAM=$(stat -c %d:%i "$T/daemon.log") "$PCIBACKD" --socket "$T/sock" --device "g1=$DEV" \
	--device "g1=sim:$FIX/nosuch.lspci" 2>>"$T/daemon.log" && fail "a missing dump was accepted"
grep -q '^<3>error: ' "$T/daemon.log" || fail "no <3> priority under the journal: $(cat "$T/daemon.log")"
! grep -q '^pcibackd: ' "$T/daemon.log" || fail "unprefixed lines under the journal: $(cat "$T/daemon.log")"
: >"$T/daemon.log"
JOURNAL_STREAM=1:1 "$PCIBACKD" --socket "$T/sock" --device "g1=sim:$FIX/nosuch.lspci" 2>>"$T/daemon.log" &&
	fail "a missing dump was accepted"
grep -q '^pcibackd: error: ' "$T/daemon.log" || fail "a stale JOURNAL_STREAM changed the log: $(cat "$T/daemon.log")"
pass "log lines carry <N> priorities only when JOURNAL_STREAM names stderr"
