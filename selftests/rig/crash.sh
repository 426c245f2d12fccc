#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three machines, one replica each, of mixed kernels (Debian's 6.1 and
# 6.12 by default: $RIG_KERNELS).  Writers run on every node; the
# primary's machine loses power (kill -9 of its QEMU) in the middle of
# the load; the survivors elect a new primary and their writers go on;
# the dead machine boots again, its replica is added back and recovers
# from the others (the log is in memory).  Every acknowledged record,
# the dead node's too, is in every replica's log exactly once, and the
# three logs are identical.
#
# usage: crash.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

rig_init 3 "$1" || fail "rig_init"
trap rig_cleanup EXIT
read -r -a kernels <<< "${RIG_KERNELS:-stock 6.12 stock}"
rig_boot_all "${kernels[@]:0:3}" || fail "booting the guests"
for i in 0 1 2; do
	node_add "$i" 3 || fail "add on node $i"
done
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
p=$(node_field 0 primary)
v0=$(node_field 0 view)
info "primary: node $p (${kernels[p]}), view $v0"

for i in 0 1 2; do
	writer_start "$i" "w$i" || fail "writer on node $i"
done
writer_wait_acked "$p" w$p 20 || fail "nothing acknowledged on the primary"
rig_kill "$p" || fail "kill node $p"
s=$(( (p + 1) % 3 ))
before=$(acked_count "$s" "w$s")
node_wait_new_primary "$s" "$p" 120 || fail "no new primary after node $p died"
info "new primary: node $(node_field "$s" primary), view $(node_field "$s" view)"
writer_wait_acked "$s" "w$s" $((before + 20)) || fail "the writer on node $s made no progress"

info "node $p boots again, empty, and its replica recovers"
rig_boot "$p" "${kernels[p]}" || fail "boot node $p again"
node_add "$p" 3 || fail "add on node $p again"
node_wait "$p" status normal 120 || fail "node $p did not recover"
writer_start "$p" "w${p}b" || fail "writer on node $p"
writer_wait_acked "$p" "w${p}b" 20 || fail "the writer on recovered node $p made no progress"

for i in 0 1 2; do
	w=w$i
	[ "$i" = "$p" ] && w=w${p}b
	writer_stop "$i" "$w" || fail "writer $w on node $i"
done
converge 0 1 2 || fail "logs differ"
cat "$RIG_DIR"/node*/w*.out > "$RIG_DIR/acked"
exactly_once "$RIG_DIR/acked" "$RIG_DIR/log.0" || fail "acknowledged records lost or duplicated"
for i in 0 1 2; do
	node_del "$i" || fail "del on node $i"
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
echo "ok"
