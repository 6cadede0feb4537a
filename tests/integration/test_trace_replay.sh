#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Trace and replay as a regression test: a session recorded (--trace) from the
# demo's devices (tools/demo.devices) replays against a new daemon with the same
# devices with no difference; against one whose device has one byte changed
# (web's 00:00.0, revision 01 -> 02) it reports exactly the ops that read that
# byte, each off by exactly that byte, and nothing of the unchanged guest.
# A bad trace (a bad line, no op of the guest, not a file) is refused with a
# message naming the line, and nothing is posted.
. "$(dirname "$0")/lib.sh"

# The demo's devices (tools/demo.devices, beside the fixtures), from the dumps in folder $1.
demo_devices() {
	grep -v '^#' "$FIX/../../tools/demo.devices" | sed "s|^\([^=]*\)=\(.*\)|--device \1=sim:$1/\2|"
}

[ "$(demo_devices "$FIX" | head -n 1)" = "--device web=sim:$FIX/cap-pcie-2.lspci" ] ||
	fail "the demo's first device is no longer cap-pcie-2 for web (00:00.0), which this test changes"

# Record: the demo's session (each guest's lspci, web's read), plus a write and MSI-X.
start_daemon --trace "$T/demo.jsonl" $(demo_devices "$FIX")
front web lspci >/dev/null || fail "web lspci"
front db lspci >/dev/null || fail "db lspci"
front web read 00:00.0 0 4 >/dev/null || fail "web read"
front web write 00:00.0 4 2 6 || fail "web command write"
front web msix-enable 00:00.0 2 >/dev/null || fail "web msix-enable"
front web msix-disable 00:00.0 >/dev/null || fail "web msix-disable"
stop_daemon
python3 - "$T/demo.jsonl" >"$T/counts" <<'PY' || fail "the trace is not JSON lines: $(cat "$T/counts")"
import json, sys, collections
c = collections.Counter(json.loads(l)["guest"] for l in open(sys.argv[1]))
print(c["web"], c["db"])
PY
read -r nweb ndb <"$T/counts"
[ "$nweb" -gt 1000 ] && [ "$ndb" -gt 1000 ] || fail "recorded too few ops: web $nweb, db $ndb"
grep -q '"op":"enable_msix",.*"entries":\[0,1\],"vectors":\[' "$T/demo.jsonl" || fail "enable_msix not traced"
pass "recorded $nweb ops of web and $ndb of db"

# Replay against the same devices: no difference.
start_daemon $(demo_devices "$FIX")
front web replay "$T/demo.jsonl" >"$T/out" || fail "web replay against the same devices: $(tail -5 "$T/out")"
grep -qx "replayed $nweb ops of guest web from $T/demo.jsonl: 0 differ" "$T/out" || fail "web replay: $(cat "$T/out")"
front db replay "$T/demo.jsonl" >"$T/out" || fail "db replay against the same devices: $(tail -5 "$T/out")"
grep -qx "replayed $ndb ops of guest db from $T/demo.jsonl: 0 differ" "$T/out" || fail "db replay: $(cat "$T/out")"
# Another guest replays web's session: the same answers.
# Guest db replaying web's session (other devices at the same addresses): differences, exit 1.
rc=0
front db replay "$T/demo.jsonl" web >"$T/out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "db replaying web's session exited $rc, expected 1: $(tail -3 "$T/out")"
grep -q "^replayed $nweb ops of guest web from $T/demo.jsonl: [1-9][0-9]* differ\$" "$T/out" || fail "db: $(tail -1 "$T/out")"
stop_daemon
pass "replay against the same devices: no difference"

# One changed device: cap-pcie-2's revision ID (byte 0x08) 01 -> 02.
mkdir "$T/fix2"
cp "$FIX"/*.lspci "$T/fix2/"
sed -i 's/^00: 86 80 c9 10 07 04 10 00 01 /00: 86 80 c9 10 07 04 10 00 02 /' "$T/fix2/cap-pcie-2.lspci"
cmp -s "$FIX/cap-pcie-2.lspci" "$T/fix2/cap-pcie-2.lspci" && fail "the fixture copy was not changed"
start_daemon $(demo_devices "$T/fix2")
rc=0
front web replay "$T/demo.jsonl" >"$T/out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "web replay against a changed device exited $rc, expected 1: $(tail -5 "$T/out")"
python3 - "$T/demo.jsonl" "$T/out" <<'PY' || fail "differences are not exactly the changed byte's reads"
import json, re, sys
expected = {}
for n, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    if (o["guest"] == "web" and o["op"] == "conf_read" and o["device"] == "0000:00:00.0" and o["err"] == 0
            and o["offset"] <= 8 < o["offset"] + o["size"]):
        expected[n] = o
got = {}
for l in open(sys.argv[2]):
    m = re.match(r"line (\d+): conf_read 0000:00:00\.0 offset 0x([0-9a-f]+) size (\d) in 0x0: "
                 r"out 0x([0-9a-f]+) \(recorded 0x([0-9a-f]+)\)$", l)
    if m:
        got[int(m[1])] = m
    elif not l.startswith("replayed "):
        sys.exit("unexpected line: " + l)
if not expected or set(got) != set(expected):
    sys.exit("reported lines %s, expected %s" % (sorted(got), sorted(expected)))
for n, m in got.items():
    o = expected[n]
    now, rec = int(m[4], 16), int(m[5], 16)
    if rec != o["out"] or now ^ rec != 0x03 << (8 * (8 - o["offset"])):
        sys.exit("line %d: %s" % (n, m[0]))
print("ok: %d differences, each the revision byte" % len(got))
PY
grep -q "^replayed $nweb ops of guest web from $T/demo.jsonl: [1-9][0-9]* differ\$" "$T/out" || fail "summary: $(tail -1 "$T/out")"
front db replay "$T/demo.jsonl" >"$T/out" || fail "db replay (its devices unchanged) found differences: $(cat "$T/out")"
stop_daemon
pass "replay against one changed device: exactly the reads of the changed byte differ"

# Bad traces: refused with the line named, nothing posted.
start_daemon $(demo_devices "$FIX")
ops_of() { ctl stats "$1" | sed -n 's/.* ops=\([0-9]*\) .*/\1/p'; }
before=$(ops_of web)
head -n 5 "$T/demo.jsonl" >"$T/bad.jsonl"
echo '{"guest":"web","device":"0000:00:00.0","cmd":0,"offset":8,"size":1,"in":0,"out":1,"err":"x"}' >>"$T/bad.jsonl"
refuse() { # TRACE MESSAGE [GUEST]
	rc=0
	front web replay "$1" ${3:-} >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "replay of $1 exited $rc, expected 2: $(cat "$T/out" "$T/err")"
	grep -qF -- "$2" "$T/err" || fail "replay of $1: message is not \"$2\": $(cat "$T/err")"
}
refuse "$T/bad.jsonl" "pcifront: replay: $T/bad.jsonl:6: \"err\" is not a number"
printf '%s\n' '{"guest":"web",' >"$T/bad2.jsonl"
refuse "$T/bad2.jsonl" "$T/bad2.jsonl:1: not a JSON object: column 16: expected a key"
# Cut in the middle of line 3 (a daemon killed while writing it): that line is named.
head -n 2 "$T/demo.jsonl" >"$T/cut.jsonl"
sed -n 3p "$T/demo.jsonl" | head -c 40 >>"$T/cut.jsonl"
refuse "$T/cut.jsonl" "$T/cut.jsonl:3: not a JSON object: column 41: "
printf 'guest=web op=conf_read\n' >"$T/old.jsonl"
refuse "$T/old.jsonl" "$T/old.jsonl:1: not a JSON object"
printf '{"a":1}\0{"b":2}\n' >"$T/nul.jsonl"
refuse "$T/nul.jsonl" "$T/nul.jsonl:1: a NUL byte"
head -c 100000 /dev/zero | tr '\0' ' ' >"$T/long.jsonl"
refuse "$T/long.jsonl" "$T/long.jsonl:1: longer than 65536 bytes"
refuse "$T/demo.jsonl" "$T/demo.jsonl has no op of guest \"nobody\" (it has ops of \"web\", \"db\")" nobody
# A guest name with terminal escapes: quoted, no control byte reaches stderr.
sed -n 1p "$T/demo.jsonl" | sed 's/"guest":"web"/"guest":"\\u001b[2J"/' >"$T/esc.jsonl"
refuse "$T/esc.jsonl" '(it has ops of "\u001b[2J")'
! grep -q "$(printf '\033')" "$T/err" || fail "an escape byte from the trace reached stderr"
refuse "$T/none.jsonl" "$T/none.jsonl: No such file or directory"
refuse "$T" "$T: Is a directory"
: >"$T/empty.jsonl"
refuse "$T/empty.jsonl" "$T/empty.jsonl has no op of guest \"web\""
[ "$(ops_of web)" = "$before" ] || fail "a refused replay posted ops ($before before, $(ops_of web) after)"
daemon_alive
stop_daemon
pass "bad traces refused with the line named; nothing posted"
