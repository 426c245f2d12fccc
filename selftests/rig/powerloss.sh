#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three machines of mixed kernels, each replica's log durable on its own
# virtio disk (/dev/vda in the guest, formatted by vsradm add).  Writers
# run on every node; then every machine loses power at once (kill -9 of
# every QEMU) in the middle of the load, boots again, and each replica is
# added back from its disk alone (vsradm add vsrlog0 log-file /dev/vda).
# The cluster comes back by a view change among them, every record a
# write() acknowledged before the power loss is in every replica's log
# exactly once, and the writers go on.  $RIG_POWER_ROUNDS rounds (2).
#
# usage: powerloss.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

rig_init 3 "$1" || fail "rig_init"
trap rig_cleanup EXIT
read -r -a kernels <<< "${RIG_KERNELS:-stock 6.12 stock}"
rounds=${RIG_POWER_ROUNDS:-2}
acked=$RIG_DIR/acked
: > "$acked"

# boot_all: every guest, in parallel.
boot_all() {
	local i
	for i in 0 1 2; do
		rig_start "$i" "${kernels[i]}" || fail "boot guest $i"
	done
	for i in 0 1 2; do
		rig_wait_ready "$i" || fail "boot guest $i"
	done
}

# writers_start TAG: a writer on every node.
writers_start() {
	local i
	for i in 0 1 2; do
		writer_start "$i" "w$i$1" || fail "writer on node $i"
	done
}

boot_all
for i in 0 1 2; do
	node_add "$i" 3 log-file /dev/vda format || fail "add on node $i"
done
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
for ((r = 1; r <= rounds; r++)); do
	writers_start "r$r"
	for i in 0 1 2; do
		writer_wait_acked "$i" "w${i}r$r" 30 || fail "nothing acknowledged on node $i"
	done
	info "round $r: every machine loses power at once, in the middle of the load"
	for i in 0 1 2; do
		rig_kill "$i" || fail "kill node $i"
	done
	for i in 0 1 2; do
		cat "$(rig_dir "$i")/w${i}r$r.out" >> "$acked"
	done
	info "round $r: $(wc -l < "$acked") records acknowledged so far"
	boot_all
	for i in 0 1 2; do
		rig_run "$i" "$VSRADM add vsrlog0 log-file /dev/vda" ||
			fail "re-add node $i from its disk"
	done
	for i in 0 1 2; do
		node_wait "$i" status normal 120 || fail "node $i not normal after the power loss"
	done
	rig_run 0 "dmesg | grep -e 'restarted from' -e 'cannot restart'" | sed 's/^/# /'
done

writers_start end
for i in 0 1 2; do
	writer_wait_acked "$i" "w${i}end" 20 || fail "the writer on node $i made no progress"
	writer_stop "$i" "w${i}end" || fail "writer on node $i"
	cat "$(rig_dir "$i")/w${i}end.out" >> "$acked"
done
converge 0 1 2 || fail "logs differ"
exactly_once "$acked" "$RIG_DIR/log.0" || fail "acknowledged records lost or doubled"
for i in 0 1 2; do
	rig_halt "$i" || fail "guest $i"
done
echo ok
