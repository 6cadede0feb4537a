#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pcibackctl trace GUEST on|off|FILE switches one guest's trace at run time:
# each op of that guest, and only of it, is one JSON line in the file it is
# switched to (two guests can share one); off writes nothing more; on goes
# to the --trace file, and is refused with a message when there is none.
. "$(dirname "$0")/lib.sh"

# lines FILE [GUEST]: the number of trace lines (of GUEST), each parsed by Python's json.
lines() {
	python3 - "$@" <<'PY' || fail "trace $1 is not JSON lines"
import json, sys
n = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    assert {"time", "guest", "device", "op", "offset", "size", "in", "out", "err", "latency_ns"} <= o.keys(), o
    if len(sys.argv) < 3 or o["guest"] == sys.argv[2]:
        n += 1
print(n)
PY
}
expect() { # WHAT WANT GOT
	[ "$2" = "$3" ] || fail "$1: expected $2, got $3"
}
# op GUEST...: one op (a read of the vendor ID) by each GUEST.
op() { for g in "$@"; do front "$g" read 00:00.0 0 2 >/dev/null || fail "$g read"; done; }

start_daemon --device "g1=sim:$FIX/cap-pcie-2.lspci" --device "g2=sim:$FIX/microvm-virtio.lspci#00:02.0"
expect "trace g1 at start" "guest g1 trace=off" "$(ctl trace g1)"
ctl trace g1 on 2>"$T/err" && fail "trace g1 on without --trace succeeded"
grep -q "runs without --trace" "$T/err" || fail "trace on without --trace: $(cat "$T/err")"
ctl trace g1 rel.jsonl 2>"$T/err" && fail "a relative trace FILE was accepted"
grep -q "not an absolute path" "$T/err" || fail "relative FILE: $(cat "$T/err")"
ctl trace g1 "$T/no/such/dir" 2>"$T/err" && fail "an unopenable trace FILE was accepted"
grep -q "No such file or directory" "$T/err" || fail "unopenable FILE: $(cat "$T/err")"
mkfifo "$T/fifo"
ctl trace g1 "$T/fifo" 2>"$T/err" && fail "a FIFO was accepted as a trace FILE"
grep -q "not a regular file" "$T/err" || fail "FIFO: $(cat "$T/err")"
ctl trace g1 /dev/null 2>"$T/err" && fail "a device was accepted as a trace FILE"
grep -q "not a regular file" "$T/err" || fail "/dev/null: $(cat "$T/err")"
# Another user's link or file: never followed, never truncated.
echo precious >"$T/victim"
ln -s "$T/victim" "$T/link"
ctl trace g1 "$T/link" 2>"$T/err" && fail "a symbolic link was accepted as a trace FILE"
grep -q "symbolic link" "$T/err" || fail "symlink: $(cat "$T/err")"
[ "$(cat "$T/victim")" = precious ] || fail "the link's target was written"
ln "$T/victim" "$T/hard"
ctl trace g1 "$T/hard" 2>"$T/err" && fail "a file with another hard link was accepted as a trace FILE"
[ "$(cat "$T/victim")" = precious ] || fail "the hard link's file was truncated"
if [ "$(id -u)" = 0 ]; then
	echo theirs >"$T/other"
	chown 65534 "$T/other"
	ctl trace g1 "$T/other" 2>"$T/err" && fail "another user's file was accepted as a trace FILE"
	[ "$(cat "$T/other")" = theirs ] || fail "another user's file was truncated"
fi
# The same for --trace at start: the daemon refuses to start, the target untouched.
if timeout 10 "$PCIBACKD" --socket "$T/sock2" --trace "$T/link" --device "g9=sim:$FIX/cap-pcie-2.lspci" 2>"$T/err"; then
	fail "pcibackd --trace through a symbolic link started"
fi
grep -q "symbolic link" "$T/err" || fail "--trace through a symlink: $(cat "$T/err")"
[ "$(cat "$T/victim")" = precious ] || fail "--trace wrote through the link"
expect "trace g1 after refusals" "guest g1 trace=off" "$(ctl trace g1)"
ctl trace nosuch off 2>"$T/err" && fail "trace of an unknown guest succeeded"
grep -q "no guest nosuch" "$T/err" || fail "unknown guest: $(cat "$T/err")"
pass "refusals: no --trace, relative or unopenable FILE, a FIFO (no reader: the daemon must not block), a device, a symbolic or hard link, another user's file, unknown guest; nothing switched or written"

echo old >"$T/a.jsonl"
chmod 644 "$T/a.jsonl"
expect "switch g1" "guest g1 trace=$T/a.jsonl" "$(ctl trace g1 "$T/a.jsonl")"
[ "$(stat -c %a "$T/a.jsonl")" = 600 ] || fail "trace FILE is not owner-only: $(stat -c %a "$T/a.jsonl")"
op g1 g2
expect "lines in a.jsonl after one op each" 1 "$(lines "$T/a.jsonl")"
expect "g1 lines in a.jsonl" 1 "$(lines "$T/a.jsonl" g1)"
pass "FILE: the guest's op is one JSON line there, the other guest's is not"

expect "switch g2 to the same file" "guest g2 trace=$T/a.jsonl" "$(ctl trace g2 "$T/a.jsonl")"
op g2
expect "a.jsonl shared (not truncated)" 2 "$(lines "$T/a.jsonl")"
expect "g2 lines" 1 "$(lines "$T/a.jsonl" g2)"
expect "switch g1 off" "guest g1 trace=off" "$(ctl trace g1 off)"
op g1
expect "nothing more after off" 2 "$(lines "$T/a.jsonl")"
pass "two guests share a FILE; off writes nothing more"
stop_daemon

start_daemon --trace "$T/all.jsonl" --device "g1=sim:$FIX/cap-pcie-2.lspci" \
	--device "g2=sim:$FIX/microvm-virtio.lspci#00:02.0"
expect "trace g1 with --trace" "guest g1 trace=on ($T/all.jsonl)" "$(ctl trace g1)"
ctl trace g1 off >/dev/null || fail "trace g1 off"
op g1 g2
expect "g1 lines while off" 0 "$(lines "$T/all.jsonl" g1)"
expect "g2 lines" 1 "$(lines "$T/all.jsonl" g2)"
expect "trace g1 on" "guest g1 trace=on ($T/all.jsonl)" "$(ctl trace g1 on)"
op g1
expect "g1 lines once on again" 1 "$(lines "$T/all.jsonl" g1)"
# A relative name is refused even when, from the daemon's working directory (this one), it names the --trace file.
ctl trace g2 "$(realpath --relative-to=. "$T/all.jsonl")" 2>"$T/err" && fail "a relative FILE naming the --trace file was accepted"
grep -q "not an absolute path" "$T/err" || fail "relative FILE: $(cat "$T/err")"
# Switched to the --trace file by name: that is on, the file is not opened again (nor truncated).
expect "trace g2 to the --trace file" "guest g2 trace=on ($T/all.jsonl)" "$(ctl trace g2 "$T/all.jsonl")"
op g2
expect "all.jsonl kept" 3 "$(lines "$T/all.jsonl")"
pass "with --trace: off and on again per guest; the --trace file named as FILE is on"
stop_daemon
