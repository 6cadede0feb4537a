#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every pcibackctl command through the control socket in its human form
# (trace's own test: test_trace_ctl.sh), and list, stats, irq, aer-status,
# quarantine and writes with --json too: each
# --json answer is one document that python3's json module parses, carrying
# the same values as the human lines (every key=value of a human line is in
# the matching JSON object, with the same value) and the expected ones.
# Commands without a JSON form refuse --json; a failing --json command
# prints no document.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed to parse the JSON answers"

# g1: 00:00.0 = cap-address-xlation (MSI-X), 00:01.0 = virtio block, 00:02.0 = cap-dev3; g2: 00:00.0 = virtio.
start_daemon --aer-timeout 3000 --device "g1=sim:$FIX/cap-address-xlation.lspci#02:00.0" \
	--device "g1=sim:$FIX/microvm-virtio.lspci#00:02.0" --device "g1=sim:$FIX/cap-dev3.lspci#01:00.0" \
	--device "g2=sim:$FIX/microvm-virtio.lspci#00:03.0"

# both NAME ARGS...: runs the command in both forms, into $T/NAME.txt and $T/NAME.json.
both() {
	n=$1
	shift
	ctl "$@" >"$T/$n.txt" || fail "$*: $(cat "$T/$n.txt")"
	ctl --json "$@" >"$T/$n.json" || fail "--json $*: $(cat "$T/$n.json")"
}

# json_check NAME PYTHON: parses $T/NAME.json (one line, one document) as d, checks that it
# says what $T/NAME.txt says, then runs PYTHON (asserts on d); prints the failure.
json_check() {
	python3 - "$T/$1.txt" "$T/$1.json" "$2" <<'PY' || fail "$1: the JSON answer is wrong: $(cat "$T/$1.json")"
import json, re, sys
human, raw, extra = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
assert raw.endswith("\n") and raw.count("\n") == 1, "not one line: %r" % raw
d = json.loads(raw)
assert isinstance(d, dict), "not an object"

def records(v):
    """The objects of the document, in order: each is one human line."""
    if isinstance(v, list):
        for x in v:
            yield from records(x)
    elif isinstance(v, dict):
        yield {k: x for k, x in v.items() if not isinstance(x, (dict, list)) or k.endswith("pirqs")}
        for k, x in v.items():
            if isinstance(x, (dict, list)) and not k.endswith("pirqs"):
                yield from records(x)

def same(h, j):
    if isinstance(j, bool):
        return h in (("on", "yes") if j else ("off", "no"))
    if isinstance(j, int):
        return int(re.match(r"0x[0-9a-f]+|\d+", h).group(0), 0) == j
    if isinstance(j, list):
        return h == (",".join(map(str, j)) or "-")
    if isinstance(j, str):
        return j.startswith(h.strip('"'))   # a human value ends at a space
    return False

lines = [l for l in human.splitlines() if "=" in l]
recs = [r for r in records(d) if r]
assert len(lines) == len(recs), "%d human lines, %d JSON objects" % (len(lines), len(recs))
for line, rec in zip(lines, recs):
    for k, h in re.findall(r'(\w+)=("[^"]*"|\S+)', line):
        if k == "devices":           # the human count of the JSON list
            continue
        assert k in rec, "%s missing for line %r" % (k, line)
        assert same(h, rec[k]), "%s: human %s, JSON %r" % (k, h, rec[k])
exec(extra)
PY
}

# A write record, memory decoding and two MSI-X vectors on g1 00:00.0; a connected g2.
front g1 write 00:00.0 c 1 10 || fail "write refused"
front g1 write 00:00.0 4 2 0x6 || fail "command register write refused"
front g1 msix-enable 00:00.0 2 >"$T/vec" || fail "msix-enable failed: $(cat "$T/vec")"

ctl help >"$T/help" || fail "help failed"
for c in help list stats permissive writes irq aer aer-status detach attach quarantine quirk owner trace; do
	grep -q "^$c " "$T/help" || fail "help does not list $c"
done
for c in help "aer g1 00:00.0" "detach g1 00:00.0" "permissive g1 00:00.0 on" "owner g1" "trace g1 off"; do
	# shellcheck disable=SC2086
	if ctl --json $c >"$T/out" 2>"$T/err"; then fail "--json $c succeeded"; fi
	grep -q "has no --json form" "$T/err" || fail "--json $c: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "--json $c printed $(cat "$T/out")"
done
pass "help lists every command; commands without a JSON form refuse --json"

# The names lspci gives the simulated devices, from the same pci.ids: "Vendor Device".
lspci_name() { # FILE ADDR
	lspci -F "$1" -mm -s "$2" | python3 -c 'import shlex, sys; f = shlex.split(sys.stdin.read()); print(f[2], f[3])'
}
virtio=$(lspci_name "$FIX/microvm-virtio.lspci" 00:02.0)
dev3=$(lspci_name "$FIX/cap-dev3.lspci" 01:00.0)
[ -n "$virtio" ] && [ "$virtio" != "$dev3" ] || fail "lspci names: \"$virtio\", \"$dev3\""
both list list
NAMES="$virtio
$dev3" json_check list '
import os
names = [v["name"] for v in d["guests"][0]["devices"]]
assert names[1:] == os.environ["NAMES"].split("\n"), names
'
grep -qF "  0000:00:01.0 real=0000:00:02.0 id=1af4:1042 class=018000 permissive=off source=sim:$FIX/microvm-virtio.lspci#0000:00:02.0 name=\"$virtio\"" \
	"$T/list.txt" || fail "list does not end the device's line with its name: $(cat "$T/list.txt")"
json_check list '
g = d["guests"]
assert [x["name"] for x in g] == ["g1", "g2"]
assert [v["vaddr"] for v in g[0]["devices"]] == ["0000:00:00.0", "0000:00:01.0", "0000:00:02.0"]
v = g[0]["devices"][1]
assert v["real"] == "0000:00:02.0" and v["id"] == "1af4:1042" and v["class"] == "018000", v
assert v["permissive"] is False and v["source"].endswith("microvm-virtio.lspci#0000:00:02.0"), v
assert isinstance(g[0]["state"], int) and g[0]["state_name"], g[0]
assert d["free"] == []
'
grep -q "^guest g1 mode=vpci state=[0-9]*([A-Za-z]*) devices=3$" "$T/list.txt" || fail "list: $(cat "$T/list.txt")"
pass "list in both forms, with the names lspci gives the devices"

both stats stats
json_check stats '
s = {x["name"]: x for x in d["guests"]}
assert s["g1"]["conf_write"] >= 2 and s["g1"]["ops"] >= s["g1"]["conf_write"] and s["g1"]["errors"] == 0, s
assert "g2" in s
'
both stats1 stats g1
json_check stats1 'assert [x["name"] for x in d["guests"]] == ["g1"]'
for f in "" --json; do
	# shellcheck disable=SC2086
	if ctl $f stats nope >"$T/out" 2>"$T/err"; then fail "$f stats of an unknown guest succeeded"; fi
	grep -q "no guest nope" "$T/err" || fail "$f stats nope: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$f stats nope printed $(cat "$T/out")"
done
pass "stats in both forms; an unknown guest is an error with no document"

both irq irq
json_check irq '
assert "device" not in d and d["provider"]["maps"] == 2 and d["provider"]["live"] == 2, d
'
both irqd irq g1 00:00.0
pirqs=$(sed -n 's/^entry=[0-9]* pirq=\([0-9]*\)$/\1/p' "$T/vec" | paste -sd, -)
json_check irqd "
x = d['device']
assert x['msix'] is True and x['msix_nvec'] == 2 and x['msix_pirqs'] == [$pirqs], x
assert x['hw_msix'] == 'on' and x['msi'] is False and isinstance(x['intx'], int), x
"
pass "irq in both forms, with the MSI-X vectors' pirqs"

both writes writes g1 00:00.0
json_check writes '
assert {"off": 12, "size": 1, "value": 16} in d["writes"], d
assert all(set(w) == {"off", "size", "value"} for w in d["writes"]), d
'
grep -q '^off=0x00c size=1 value=0x10$' "$T/writes.txt" || fail "writes: $(cat "$T/writes.txt")"
pass "writes in both forms"

# The commands that change things, in their human form.
ctl permissive g1 00:01.0 on >"$T/out" || fail "permissive failed"
ctl --json list >"$T/list2.json" || fail "list failed"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["guests"][0]["devices"][1]["permissive"] is True' \
	"$T/list2.json" || fail "permissive on is not in the JSON list: $(cat "$T/list2.json")"
ctl quirk 0000:00:02.0-94:2:00ff | grep -q '^quirk 0000:00:02.0-94:2:00ff added$' || fail "quirk failed"
ctl owner g1 | grep -q "^guest g1 uid=$(id -u)\$" || fail "owner: $(ctl owner g1)"
ctl detach g1 00:02.0 | grep -q '^detached 00:02.0 (real 0000:01:00.0) from g1$' || fail "detach failed"
both list3 list
json_check list3 '
assert [f["real"] for f in d["free"]] == ["0000:01:00.0"] and d["free"][0]["quarantined"] is False, d["free"]
assert d["free"][0]["being_reset"] is False, d["free"]
'
grep -qF "free 0000:01:00.0 source=sim:$FIX/cap-dev3.lspci#0000:01:00.0 name=\"$dev3\"" "$T/list3.txt" ||
	fail "list does not name the free device: $(cat "$T/list3.txt")"
ctl attach g1 "sim:$FIX/cap-dev3.lspci#01:00.0" | grep -q '^attached .* to g1 at ' || fail "attach failed"
ctl --json list | python3 -c 'import json, sys; assert json.load(sys.stdin)["free"] == []' ||
	fail "the attached device is still free"
pass "permissive, quirk, owner, detach, attach"

# aer: g2 answers none, the recovery fails and its device is quarantined (policy detach).
serve_start e g2 8 --aer none
ctl aer g2 00:00.0 | grep -q '^aer g2 00:00.0 channel=frozen: ' || fail "aer failed"
# The guest's rescan shows the device gone: the recovery has failed and the device is quarantined.
wait_for "$T/e.out" '^reconfigured: devices:' "g2's rescan after the failed recovery"
serve_stop e 8
both aer aer-status
json_check aer '
a = {x["name"]: x for x in d["guests"]}
assert a["g2"]["failed"] == 1 and a["g2"]["busy"] is False and a["g2"]["policy"] == "detach", a
assert a["g2"]["last"].endswith("-> failed") and a["g1"]["failed"] == 0, a
'
both aer1 aer-status g2
json_check aer1 'assert [x["name"] for x in d["guests"]] == ["g2"]'
both quarantine quarantine
json_check quarantine '
q = d["devices"]
assert len(q) == 1 and q[0]["real"] == "0000:00:03.0" and q[0]["reason"].startswith("AER recovery failed"), q
assert q[0]["being_reset"] is False, q
'
grep -q '^0000:00:03.0 source=.* reason=AER recovery failed' "$T/quarantine.txt" ||
	fail "quarantine: $(cat "$T/quarantine.txt")"
pass "aer, aer-status and quarantine in both forms"

# Owner-only: the socket is mode 0600, and were it opened to everyone, a client of
# another uid than the daemon's (or root's) is still refused, with the reason.
[ "$(stat -c %a "$T/ctl")" = 600 ] || fail "control socket mode $(stat -c %a "$T/ctl"), expected 600"
if [ "$(id -u)" -eq 0 ]; then
	chmod 0755 "$T"
	chmod 0666 "$T/ctl"
	for f in "" --json; do
		# shellcheck disable=SC2086
		if setpriv --reuid=65534 --regid=65534 --clear-groups "$PCIBACKCTL" --control "$T/ctl" $f list \
			>"$T/out" 2>"$T/err"; then
			fail "uid 65534 ran $f list: $(cat "$T/out")"
		fi
		grep -q "^pcibackctl: uid 65534 may not use this control socket (only uid 0 and root)$" "$T/err" ||
			fail "uid 65534 was not refused with the reason: $(cat "$T/err")"
		[ ! -s "$T/out" ] || fail "uid 65534 got an answer: $(cat "$T/out")"
	done
	grep -q "control connection of uid 65534 (pid [0-9]*) refused" "$T/daemon.log" ||
		fail "the refusal is not logged"
	chmod 0600 "$T/ctl"
	ctl list >/dev/null || fail "the daemon's uid is refused after a refusal"
	pass "the control socket refuses other uids"
else
	echo "skip: not root: cannot connect as another uid"
fi

stop_daemon
