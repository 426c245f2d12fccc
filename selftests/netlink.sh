#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vsr control plane through vsradm: add/show/set/trim/del round trips
# with IPv4 and IPv6 peers, text and JSON output (JSON checked with
# python3: always an array, keys and counters named as in the netlink
# spec, the retention in force, no key), the global options (-j, -p, -n NETNS,
# unknown ones refused), /dev/vsrlogN created root-only and removed, the
# monitor's end-of-state marker, one-line errors and
# exit codes for bad input (client side and kernel side), every malformed
# raw netlink request rejected with the right errno and extack message
# (vsr_nlraw.py), a multi-part dump, and rmmod with instances present.
# timeout: 600
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
V=$VSRADM

spec=$here/../Documentation/netlink/specs/vsr.yaml
grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO"
cleanup() { ip netns del vsr-nl 2>/dev/null; rmmod vsr 2>/dev/null || true; }
trap cleanup EXIT

# err CMD...: must fail with exit status 1 (or $want_rc) and a one-line
# message containing $want.
expect_err() {
	local want=$1 want_rc=$2 out rc
	shift 2
	set +e
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	set -e
	[ "$rc" -eq "$want_rc" ] || fail "$*: exit $rc, expected $want_rc ($out)"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "$*: error is not one line: $out"
	case $out in *"$want"*) ;; *) fail "$*: error '$out' lacks '$want'" ;; esac
	echo "ok: rejected: $* -> $out"
}

# --- add / show / del round trip, IPv4 and IPv6 peers -----------------------
$V add vsrlog0 replica 0 peers 127.0.0.1:7000,127.0.0.2:7001,[::1]:7002 cluster 7
$V add vsrlog1 replica 2 peers 127.0.0.1:7100,127.0.0.1:7101,[::1]:7102 \
	heartbeat 50 timeout 500 client-timeout 3000 retention 1000
[ -c /dev/vsrlog0 ] && [ -c /dev/vsrlog1 ] || fail "no /dev/vsrlog0 or /dev/vsrlog1"
[ "$(stat -c %a:%u /dev/vsrlog0)" = 600:0 ] || fail "/dev/vsrlog0 is $(stat -c %a:%u /dev/vsrlog0), not 0600 root"
[ "$(cat /sys/class/vsrlog/vsrlog1/dev | cut -d: -f2)" = 1 ] || fail "vsrlog1 is not minor 1"

out=$($V show vsrlog0)
echo "$out"
echo "$out" | grep -q '^vsrlog0: cluster 7 replica 0 of 3 ' || fail "show vsrlog0 header"
echo "$out" | grep -q 'peer 1 127.0.0.2:7001' || fail "show vsrlog0: peer 1"
echo "$out" | grep -q 'peer 2 \[::1\]:7002' || fail "show vsrlog0: IPv6 peer 2"
# The retention in force: 0 (the default) stands for 4096.
echo "$out" | grep -q 'heartbeat 100 timeout 1000 client-timeout 5000 retention 4096' ||
	fail "show vsrlog0: default tunables"
for w in 'view ' 'epoch ' 'primary ' 'status ' 'op ' 'commit ' 'trim-point ' 'log-bytes ' \
	 'last-heard ' 'auth none (unauthenticated)'; do
	echo "$out" | grep -q "$w" || fail "show lacks '$w'"
done

# JSON: global -j and -p, and -j after the command as before; always an
# array, even for one named instance.
$V -j show > /tmp/show.json
$V show -j > /tmp/show-compat.json
$V --json show vsrlog1 > /tmp/show1.json
$V -p show vsrlog1 > /tmp/show1-pretty.json
echo "$out" > /tmp/show0.txt
python3 - "$spec" /tmp/show.json /tmp/show1.json /tmp/show1-pretty.json /tmp/show0.txt \
	/tmp/show-compat.json <<'PY' || fail "show -j content"
import json, sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
sets = {s["name"]: [a["name"] for a in s["attributes"] if a["type"] not in ("unused", "pad")]
        for s in spec["attribute-sets"]}
d = json.load(open(sys.argv[2]))
one = json.load(open(sys.argv[3]))
pretty = open(sys.argv[4]).read()
text = open(sys.argv[5]).read()
compat = json.load(open(sys.argv[6]))
assert isinstance(d, list) and [i["name"] for i in d] == ["vsrlog0", "vsrlog1"], d
assert isinstance(one, list) and len(one) == 1 and one[0]["name"] == "vsrlog1", one
pretty_d = json.loads(pretty)
assert [(i["name"], sorted(i)) for i in pretty_d] == [(i["name"], sorted(i)) for i in one] and \
    len(pretty.splitlines()) > 20 and pretty.startswith('[\n    {\n        "name": "vsrlog1",'), pretty[:200]
# (counters move between the calls: the same instances, the same keys)
assert [(i["name"], sorted(i)) for i in compat] == [(i["name"], sorted(i)) for i in d], compat
a, b = d
# One spelling: every key is the spec's attribute name ("self" aside), those
# of a get reply (accept-key-none is the boolean accept-unauthenticated).
ops = {o["name"]: o for o in spec["operations"]["list"]}
want = set(ops["get"]["do"]["reply"]["attributes"]) - {"accept-key-none"} | \
    {"accept-unauthenticated"}
assert set(a) == want, (set(a) ^ want)
assert set(a["stats"]) == set(sets["stats"]), set(a["stats"]) ^ set(sets["stats"])
for p in a["peer"]:
    assert set(p) == set(sets["peer"]) | {"self"}, set(p) ^ set(sets["peer"])
# ... and the same names in the text output, counters included.
for k in sets["stats"]:
    assert (" %s " % k) in text or ("\t%s " % k) in text, k
assert a["cluster-id"] == 7 and a["replica"] == 0 and a["minor"] == 0
assert [(p["addr"], p["port"]) for p in a["peer"]] == \
    [("127.0.0.1", 7000), ("127.0.0.2", 7001), ("::1", 7002)], a["peer"]
assert [p["self"] for p in a["peer"]] == [True, False, False]
assert (a["heartbeat-ms"], a["view-change-timeout-ms"], a["client-timeout-ms"],
        a["log-retention"]) == (100, 1000, 5000, 4096)
assert (b["heartbeat-ms"], b["view-change-timeout-ms"], b["client-timeout-ms"],
        b["log-retention"]) == (50, 500, 3000, 1000)
assert b["replica"] == 2 and b["cluster-id"] == 0
assert all(isinstance(v, int) for v in a["stats"].values()), a["stats"]
# No key: unauthenticated datagrams, sent and accepted.
assert (a["key-id"], a["accept-key-id"], a["accept-unauthenticated"]) == (None, None, True), a
assert all(p["key-id"] is None and p["drop-auth"] == 0 for p in a["peer"]), a["peer"]
assert all(isinstance(p["unauthenticated"], bool) for p in a["peer"]), a["peer"]
assert a["status"] in ("normal", "view-change", "recovering")
PY
echo "ok: add/show text and JSON"

# -n NETNS: as ip -n, in /run/netns/NETNS; the instances are that netns's.
ip netns add vsr-nl
ip -n vsr-nl link set lo up
$V -n vsr-nl add vsrlog4 replica 0 peers 127.0.0.1:7400
[ "$($V --netns vsr-nl -j show | python3 -S -c 'import json,sys; print([i["name"] for i in json.load(sys.stdin)])')" = "['vsrlog4']" ] ||
	fail "-n vsr-nl show does not see only vsrlog4"
[ "$(ip netns exec vsr-nl "$V" show | head -n1 | cut -d: -f1)" = vsrlog4 ] ||
	fail "vsrlog4 is not in netns vsr-nl"
$V show | grep -q '^vsrlog4:' && fail "vsrlog4 shows in the initial netns"
ip netns del vsr-nl
echo "ok: -n NETNS"

# vsrlog0's socket is IPv4: its datagrams to [::1] fail, and are counted as
# send errors, not as a lack of memory.
for i in $(seq 50); do
	c=$($V -j show vsrlog0 | python3 -S -c 'import json,sys; c=json.load(sys.stdin)[0]["stats"]; print(c["send-errors"], c["drop-nomem"])')
	[ "${c% *}" -gt 0 ] && break
	sleep 0.1
done
[ "${c% *}" -gt 0 ] || fail "no send error counted for an IPv6 peer of an IPv4 socket"
[ "${c#* }" = 0 ] || fail "failed sends counted as drop-nomem ($c)"
echo "ok: sends to an unreachable peer counted as send errors"

$V set vsrlog1 heartbeat 20 timeout 100
$V -j show vsrlog1 | python3 -S -c '
import json, sys
d = json.load(sys.stdin)[0]
assert (d["heartbeat-ms"], d["view-change-timeout-ms"], d["client-timeout-ms"]) == (20, 100, 3000), d
' || fail "set did not change the tunables"
echo "ok: set"

# --- bad input: vsradm's own parsing (exit 2) --------------------------------
expect_err 'invalid instance name' 2 $V add foo replica 0 peers 127.0.0.1:1
expect_err 'port must not be 0' 2 $V add vsrlog5 replica 0 peers 127.0.0.1:0
expect_err 'port 70000 out of range' 2 $V add vsrlog5 replica 0 peers 127.0.0.1:70000
expect_err 'invalid peer address' 2 $V add vsrlog5 replica 0 peers 300.0.0.1:1
expect_err 'invalid peer' 2 $V add vsrlog5 replica 0 peers ::1:7000
expect_err 'invalid replica' 2 $V add vsrlog5 replica x peers 127.0.0.1:1
expect_err 'needs "replica N"' 2 $V add vsrlog5 peers 127.0.0.1:1
expect_err 'needs "peers' 2 $V add vsrlog5 replica 0
expect_err 'needs a value' 2 $V add vsrlog5 replica 0 peers
expect_err 'unknown argument' 2 $V add vsrlog5 replica 0 peers 127.0.0.1:1 color blue
expect_err 'given twice' 2 $V add vsrlog5 replica 0 replica 1 peers 127.0.0.1:1
expect_err 'set needs' 2 $V set vsrlog1
expect_err 'usage' 2 $V trim vsrlog1
expect_err 'invalid op' 2 $V trim vsrlog1 -5
expect_err 'unknown command' 2 $V frobnicate
expect_err 'unknown option "-x"' 2 $V -x show
expect_err 'unknown option "--bogus" for show' 2 $V show --bogus
expect_err 'unknown option "-x" for show' 2 $V show vsrlog0 -x
expect_err 'unknown option "-q" for log' 2 $V log -q vsrlog0
expect_err 'unknown option "-x" for monitor' 2 $V monitor -x
expect_err 'unknown option "-f"' 2 $V del -f
expect_err 'no command after the options' 2 $V -j
expect_err 'unknown option "-n" for show' 2 $V show -n vsr-nl
expect_err 'needs a network namespace name' 2 $V -n
expect_err 'invalid network namespace name' 2 $V -n ../x show
expect_err 'cannot open network namespace "vsr-none"' 1 $V -n vsr-none show
# --- bad input: the kernel's reasons (exit 1) --------------------------------
expect_err 'replica index must be below the number of peers' 1 \
	$V add vsrlog5 replica 3 peers 127.0.0.1:1,127.0.0.1:2,127.0.0.1:3
expect_err 'duplicate peer' 1 $V add vsrlog5 replica 0 peers 127.0.0.1:1,127.0.0.2:1,127.0.0.1:1
expect_err 'duplicate peer' 1 $V add vsrlog5 replica 0 peers [::1]:1,[::1]:1
expect_err 'File exists' 1 $V add vsrlog0 replica 0 peers 127.0.0.1:7300
expect_err 'instance name must be vsrlog<N>' 1 $V add vsrlog300 replica 0 peers 127.0.0.1:1
expect_err 'no such instance' 1 $V del vsrlog9
expect_err 'no such instance' 1 $V show vsrlog9
expect_err 'twice the heartbeat' 1 $V set vsrlog1 heartbeat 1000
expect_err 'beyond the commit point' 1 $V trim vsrlog1 1000000
expect_err 'cannot open /dev/vsrlog9' 1 $V log vsrlog9
[ "$($V show -j | python3 -S -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
	fail "a rejected add left an instance behind"

# --- raw netlink: every malformed request, errno + extack --------------------
python3 -S "$here/vsr_nlraw.py" reject || fail "raw netlink rejections"
python3 -S "$here/vsr_nlraw.py" dumpmany || fail "multi-part dump"

# --- monitor: the current state, then live events ----------------------------
mon_out=$(mktemp)
mon_txt=$(mktemp)
$V -j monitor > "$mon_out" &
mon=$!
$V monitor > "$mon_txt" &
mon2=$!
for i in $(seq 100); do
	grep -q '"state-end"' "$mon_out" && grep -q '^\[state-end\]$' "$mon_txt" && break
	sleep 0.1
done
kill "$mon2"
wait "$mon2" 2>/dev/null || true
# (vsrlog0, alone, may change views meanwhile: its events come after.)
[ "$(sed '/^\[state-end\]$/q' "$mon_txt" | grep '^\[' | cut -d' ' -f1-2 | tr '\n' ' ')" = \
	"[state] vsrlog0: [state] vsrlog1: [state-end] " ] ||
	fail "monitor text: $(cat "$mon_txt")"
$V add vsrlog3 replica 0 peers 127.0.0.1:7300
$V set vsrlog3 heartbeat 200
$V del vsrlog3
for i in $(seq 100); do
	grep -q '"del"' "$mon_out" && break
	sleep 0.1
done
kill "$mon"
wait "$mon" 2>/dev/null || true
python3 -S - "$mon_out" <<'PY' || fail "monitor output: $(cat "$mon_out")"
import json, sys
ev = [json.loads(line) for line in open(sys.argv[1])]
first = [(e["event"], e["instance"]["name"]) for e in ev[:2]]
assert sorted(first) == [("state", "vsrlog0"), ("state", "vsrlog1")], first
# The end of the initial state, then events only.
assert ev[2] == {"event": "state-end"}, ev[2]
assert all("instance" in e and e["event"] not in ("state", "state-end") for e in ev[3:]), ev
mine = [e["event"] for e in ev[3:] if e["instance"]["name"] == "vsrlog3"]
# The engine's own events (primary, status, ...) come between add and del.
assert mine[0] == "add" and mine[-1] == "del" and "set" in mine[1:-1], mine
print("ok: monitor: state of 2 instances, then", " ".join(mine))
PY
rm -f "$mon_out" "$mon_txt"

# --- del, and rmmod with instances present -----------------------------------
$V del vsrlog0
[ -e /dev/vsrlog0 ] && fail "/dev/vsrlog0 left after del"
[ -e /sys/class/vsrlog/vsrlog0 ] && fail "vsrlog0 device left after del"
$V show | grep -q '^vsrlog0:' && fail "vsrlog0 still shown after del"
$V add vsrlog0 replica 0 peers 127.0.0.1:7000 || fail "name not reusable after del"
$V add vsrlog2 replica 0 peers [::1]:7200
rmmod vsr || fail "rmmod with instances present"
for n in 0 1 2; do
	[ -e /dev/vsrlog$n ] && fail "/dev/vsrlog$n left after rmmod"
done
[ -e /sys/class/vsrlog ] && fail "class left after rmmod"
trap - EXIT
echo "ok: del, rmmod with instances"
