#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL CLI (tools/net/ynl/cli.py of linux-source-6.12)
# drives the family from Documentation/netlink/specs/vsr.yaml alone: the
# spec validates against the genetlink-legacy schema; add, get, dump, set,
# del work; a subscriber to "events" sees add-ntf, set-ntf and del-ntf with
# the instance's attributes.  The CLI comes from build/ynl (staged on the
# host by `tools/ynl-regen.sh --stage build/ynl`), $VSR_YNL_DIR, or is
# extracted from /usr/src/linux-source-6.12.tar.xz.
# timeout: 600
# kernels: stock 6.12 -- the debug guest has no time left; netlink.sh drives the same operations there
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
fail() { echo "FAIL: $*" >&2; exit 1; }
spec=$top/Documentation/netlink/specs/vsr.yaml

ynl=${VSR_YNL_DIR:-}
[ -z "$ynl" ] && [ -f "$top/build/ynl/cli.py" ] && ynl=$top/build/ynl
if [ -z "$ynl" ]; then
	tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | head -n1)
	[ -n "$tarball" ] || { echo "no ynl CLI: stage it with tools/ynl-regen.sh --stage build/ynl"; exit 4; }
	echo "extracting the ynl CLI from $tarball (slow)"
	mkdir -p /tmp/ynl-src
	tar -xJf "$tarball" -C /tmp/ynl-src --wildcards '*/tools/net/ynl/cli.py' \
		'*/tools/net/ynl/lib/*' '*/Documentation/netlink/genetlink-legacy.yaml'
	d=$(ls -d /tmp/ynl-src/*/)
	ynl=/tmp/ynl-stage
	mkdir -p "$ynl/lib"
	cp "$d/tools/net/ynl/cli.py" "$ynl/"
	cp "$d"/tools/net/ynl/lib/*.py "$ynl/lib/"
	cp "$d/Documentation/netlink/genetlink-legacy.yaml" "$ynl/"
fi
# The schema check is slow under TCG: once, then --no-schema.
cli() { python3 "$ynl/cli.py" --spec "$spec" --no-schema "$@"; }

grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO"
trap 'kill $sub $sub2 2>/dev/null || true; rmmod vsr 2>/dev/null || true' EXIT
sub= sub2=

python3 "$ynl/cli.py" --spec "$spec" --schema "$ynl/genetlink-legacy.yaml" --list-ops \
	> /dev/null || fail "the spec does not validate against the genetlink-legacy schema"

# Subscribe first; the subscriber sleeps, then prints what it received.
# Wait until its socket has joined a multicast group (/proc/net/netlink).
grp_sockets() { awk '$2 == 16 && $4 != "00000000"' /proc/net/netlink | wc -l; }
want=2	# the CLI and the library subscriber
before=$(grp_sockets)
cli --subscribe events --sleep 60 --output-json > /tmp/ynl-events.json 2>&1 &
sub=$!
# The CLI prints what it got only after its fixed sleep; the same library
# (lib/ynl.py: ntf_subscribe + check_ntf) polled until del-ntf arrives
# checks the whole sequence however slow the guest is.
python3 - "$ynl" "$spec" > /tmp/ynl-events-lib.json 2>&1 <<'PY' &
import json, sys, time
sys.path.insert(0, sys.argv[1])
from lib import YnlFamily
ynl = YnlFamily(sys.argv[2], '')
ynl.ntf_subscribe('events')
seen = []
deadline = time.time() + 500
while time.time() < deadline and 'del-ntf' not in [m['name'] for m in seen]:
    time.sleep(0.5)
    ynl.check_ntf()
    seen.extend(ynl.async_msg_queue)
    ynl.async_msg_queue.clear()
print(json.dumps([{'name': m['name'], 'msg': {'name': m['msg'].get('name')}} for m in seen]))
PY
sub2=$!
gid=$("$VSRADM" family | sed -n 's/.* events \([0-9]*\)$/\1/p')
if [ "${gid:-99}" -le 32 ]; then	# /proc/net/netlink shows groups 1..32
	for i in $(seq 300); do
		[ "$(grp_sockets)" -ge $((before + want)) ] && break
		sleep 0.2
	done
	[ "$(grp_sockets)" -ge $((before + want)) ] || fail "the ynl subscribers did not join the events group"
else
	sleep 30
fi

cli --do add --json '{"name": "vsrlog40", "replica": 1, "cluster-id": 42,
	"peer": [{"addr": "7f000002", "port": 7400}, {"addr": "7f000001", "port": 7400},
		 {"addr": "00000000000000000000000000000001", "port": 7401}],
	"heartbeat-ms": 40, "view-change-timeout-ms": 400}' || fail "ynl add"
cli --do get --json '{"name": "vsrlog40"}' --output-json > /tmp/ynl-get.json || fail "ynl get"
python3 - /tmp/ynl-get.json <<'PY' || fail "ynl get content: $(cat /tmp/ynl-get.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["name"] == "vsrlog40" and d["cluster-id"] == 42 and d["replica"] == 1, d
assert [(p["addr"], p["port"]) for p in d["peer"]] == \
    [("127.0.0.2", 7400), ("127.0.0.1", 7400), ("::1", 7401)], d["peer"]
assert d["heartbeat-ms"] == 40 and d["view-change-timeout-ms"] == 400, d
for k in ("epoch", "view", "status", "primary", "op", "commit", "trim-point", "log-bytes", "stats"):
    assert k in d, k
PY
echo "ok: ynl add + get: $(cat /tmp/ynl-get.json)"

[ -c /dev/vsrlog40 ] || fail "no /dev/vsrlog40 after ynl add"
"$VSRADM" show vsrlog40 | grep -q 'cluster 42 replica 1 of 3' || fail "vsradm does not see the ynl-added instance"
cli --dump get --output-json | grep -q '"vsrlog40"' || fail "ynl dump"
cli --do set --json '{"name": "vsrlog40", "client-timeout-ms": 2500}' || fail "ynl set"
"$VSRADM" -j show vsrlog40 | grep -q '"client-timeout-ms":2500' || fail "ynl set had no effect"
if cli --do add --json '{"name": "vsrlog40", "replica": 0, "peer": [{"addr": "7f000001", "port": 7402}]}' \
	> /tmp/ynl-err 2>&1; then
	fail "ynl: duplicate add succeeded"
fi
grep -q 'exists' /tmp/ynl-err || fail "ynl: duplicate add error lacks the extack message: $(cat /tmp/ynl-err)"
cli --do del --json '{"name": "vsrlog40"}' || fail "ynl del"
[ -e /dev/vsrlog40 ] && fail "/dev/vsrlog40 left after ynl del"
echo "ok: ynl dump, set, extack, del"

wait "$sub" || fail "ynl CLI subscriber failed: $(cat /tmp/ynl-events.json)"
sub=
wait "$sub2" || fail "ynl library subscriber failed: $(cat /tmp/ynl-events-lib.json)"
cat /tmp/ynl-events.json /tmp/ynl-events-lib.json
python3 - /tmp/ynl-events.json /tmp/ynl-events-lib.json <<'PY' || fail "ynl events"
import json, sys
cli = json.load(open(sys.argv[1]))    # the CLI prints its queue as one list
lib = json.load(open(sys.argv[2]))
for evs, wants in ((cli, ("add-ntf",)), (lib, ("add-ntf", "set-ntf", "del-ntf"))):
    names = [e["name"] for e in evs]
    for want in wants:
        assert want in names, (want, names)
    for e in evs:
        if e["name"] in ("add-ntf", "set-ntf", "del-ntf"):
            assert e["msg"]["name"] == "vsrlog40", e
    idx = [names.index(w) for w in wants]
    assert idx == sorted(idx), names
PY
echo "ok: ynl CLI subscriber saw add-ntf; ynl library subscriber saw add-ntf, set-ntf, del-ntf in order"
rmmod vsr
trap - EXIT
