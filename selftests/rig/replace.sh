#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Four machines (kernels mixed, $RIG_KERNELS): a cluster of three on
# machines 0-2 and a joining instance on machine 3.
#
# 1. A backup is replaced by machine 3, asked at the primary, while one
#    writer there appends back to back (tools/bench/reconfig.py): it
#    prints the pause at the switch in round trips of the same run, on
#    separate machines (a measure, not checked here: see make bench).
#    Machine 3's receive work is slowed meanwhile, and it must take the
#    epoch's first PREPARE, queued before it learned who sent it.
# 2. The removed machine joins again and replaces the other backup, asked
#    at machine 3 (a backup), while writers run on every member: the
#    writer of the removed backup stops with EROFS, the others go on.
#
# Then every acknowledged record is in every member's log exactly once,
# the members' logs are identical, and the removed member's log is a
# prefix of theirs.
#
# usage: replace.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

rig_init 4 "$1" || fail "rig_init"
trap rig_cleanup EXIT
read -r -a kernels <<< "${RIG_KERNELS:-stock 6.12 6.12 stock}"
rig_boot_all "${kernels[@]:0:4}" || fail "booting the guests"
for i in 0 1 2; do
	node_add "$i" 3 || fail "add on node $i"
done
node_join 3 || fail "add join on node 3"
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
node_wait 3 status joining 30 || fail "node 3 not joining"
p=$(node_field 0 primary)
b=$(( (p + 1) % 3 ))
c=$(( (p + 2) % 3 ))
info "primary: node $p; node 3 replaces backup $c"

# 1. The pause, one writer at the primary.  The new member's receive work
#    is slowed (1 ms a datagram), so that the primary's last lesson, its
#    notice and the epoch's first PREPARE (the writer's, right behind the
#    notice) are all queued before the new member reads the notice: the
#    PREPARE came from an address that was none of its peers then, and
#    is the primary's once the notice is read.  It must take it (nothing
#    dropped as from no peer), not fetch it after the next one.
rig_run 3 "echo 1000 > /sys/kernel/debug/vsr/vsrlog0/rx-check-delay-us" ||
	fail "slowing node 3's receive work"
# Counted since the instance was added: only those of the switch count.
dropped_before=$(node_field 3 drop-not-peer)
rig_run "$p" "python3 tools/bench/reconfig.py --writer /dev/vsrlog0 $VSRADM - vsrlog0 - - \
	$(rig_addr "$p"):$RIG_PORT,$(rig_addr "$b"):$RIG_PORT,$(rig_addr 3):$RIG_PORT" \
	> "$RIG_DIR/pause.json" || { cat "$RIG_DIR/pause.json"; fail "reconfigure (replace $c by 3)"; }
info "pause (node 3 slowed): $(cat "$RIG_DIR/pause.json")"
node_wait 3 status normal 60 || fail "node 3 not normal"
[ "$(node_field 3 epoch)" = 1 ] || fail "node 3 not in epoch 1"
rig_run 3 "echo 0 > /sys/kernel/debug/vsr/vsrlog0/rx-check-delay-us" ||
	fail "node 3's receive work"
dropped=$(( $(node_field 3 drop-not-peer) - dropped_before ))
[ "$dropped" = 0 ] ||
	fail "node 3 dropped $dropped datagrams as from no peer at the switch"
node_wait "$c" status removed 60 || fail "node $c not removed"

# 2. Writers everywhere; node c comes back and replaces node b.
node_del "$c" || fail "del on removed node $c"
node_join "$c" || fail "add join on node $c"
for i in "$p" "$b" 3; do
	writer_start "$i" "w$i" || fail "writer on node $i"
done
for i in "$p" "$b" 3; do
	writer_wait_acked "$i" "w$i" 20 || fail "writer on node $i"
done
rig_run 3 "$VSRADM reconfigure vsrlog0 peers \
	$(rig_addr "$p"):$RIG_PORT,$(rig_addr 3):$RIG_PORT,$(rig_addr "$c"):$RIG_PORT" ||
	fail "reconfigure at node 3 (replace $b by $c)"
node_wait "$c" status normal 60 || fail "node $c not normal"
node_wait "$b" status removed 60 || fail "node $b not removed"
for i in "$p" 3; do
	before=$(acked_count "$i" "w$i")
	writer_wait_acked "$i" "w$i" $((before + 20)) || fail "writer on node $i after the change"
	writer_stop "$i" "w$i" || fail "writer on node $i"
done
touch "$(rig_dir "$b")/w$b.stop"
rig_spawn_wait "$b" "w$b" 60
[ $? = 5 ] || { cat "$(rig_dir "$b")/w$b.err"; fail "the writer on removed node $b did not end with EROFS"; }
grep -q EROFS "$(rig_dir "$b")/w$b.err" || fail "no EROFS on removed node $b"

converge "$p" 3 "$c" || fail "the members' logs differ"
cat "$RIG_DIR"/node*/w*.out > "$RIG_DIR/acked"
exactly_once "$RIG_DIR/acked" "$RIG_DIR/log.$p" || fail "acknowledged records lost or duplicated"
rig_run "$b" "python3 -S selftests/lib/readlog.py /dev/vsrlog0" > "$RIG_DIR/log.$b" ||
	fail "read the removed node's log"
n=$(wc -l < "$RIG_DIR/log.$b")
head -n "$n" "$RIG_DIR/log.$p" | cmp -s - "$RIG_DIR/log.$b" ||
	fail "the removed node's log ($n records) is not a prefix of the members'"
info "the removed node $b's log: $n records, a prefix of the members' $(wc -l < "$RIG_DIR/log.$p")"
for i in 0 1 2 3; do
	node_del "$i" || fail "del on node $i"
	rig_halt "$i" || fail "node $i: unclean kernel log or unload"
done
echo "ok"
