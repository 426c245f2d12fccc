#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three machines of mixed kernels, each replica's log durable on its own
# virtio disk (/dev/vda in the guest, formatted by vsradm add).  Writers
# run on every node.  First every machine loses power at once (kill -9 of
# every QEMU) in the middle of the load; then, each round, a random subset
# of the machines does, at a random moment, while the others go on.  The
# machines boot again and each replica is added back from its disk alone
# (vsradm add vsrlog0 log-file /dev/vda).  The cluster comes back, every
# record a write() acknowledged is in every replica's log exactly once,
# and the writers go on.  $RIG_POWER_ROUNDS rounds (4), $RIG_SEED for the
# random choices (printed).  Nodes 0 and 1 write their log rings with
# direct I/O, node 2 through the page cache (the module's direct_io 0).
#
# usage: powerloss.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

rig_init 3 "$1" || fail "rig_init"
trap rig_cleanup EXIT
read -r -a kernels <<< "${RIG_KERNELS:-stock 6.12 stock}"
rounds=${RIG_POWER_ROUNDS:-4}
seed=${RIG_SEED:-$(date +%s)}
RANDOM=$seed
info "seed $seed (RIG_SEED=$seed repeats the choices)"
acked=$RIG_DIR/acked
: > "$acked"
declare -a cur	# each node's running writer
# A write waits through a round in which a majority is down.
wait="client-timeout 120000"
direct=(1 1 0)

# add NODE ARGS...: vsradm add on the node, its ring written as direct[NODE]
# says.
add() {
	local i=$1
	shift
	node_direct "$i" "${direct[i]}" || fail "direct_io on node $i"
	rig_run "$i" "$VSRADM add vsrlog0 $*" || return 1
	node_direct_is "$i" "${direct[i]}" || fail "node $i: its ring is not written with direct ${direct[i]}"
}

# boot NODE...: those guests, in parallel.
boot() {
	local i
	for i in "$@"; do
		rig_start "$i" "${kernels[i]}" || fail "boot guest $i"
	done
	for i in "$@"; do
		rig_wait_ready "$i" || fail "boot guest $i"
	done
}

# writer TAG NODE...: a new writer on each node, named wNODE-TAG.
writer() {
	local tag=$1 i
	shift
	for i in "$@"; do
		cur[i]=w$i-$tag
		writer_start "$i" "${cur[i]}" || fail "writer on node $i"
	done
}

boot 0 1 2
for i in 0 1 2; do
	add "$i" replica "$i" peers "$(rig_peers 3)" cluster 78 log-file /dev/vda format $wait ||
		fail "add on node $i"
done
for i in 0 1 2; do
	node_wait "$i" status normal 120 || fail "node $i not normal"
done
writer r1 0 1 2
for ((r = 1; r <= rounds; r++)); do
	for i in 0 1 2; do
		writer_wait_acked "$i" "${cur[i]}" 20 || fail "nothing acknowledged on node $i"
	done
	if [ "$r" = 1 ]; then
		down=(0 1 2)
	else
		down=()
		while [ ${#down[@]} = 0 ]; do
			for i in 0 1 2; do
				[ $((RANDOM % 2)) = 1 ] && down+=("$i")
			done
		done
		sleep "0.$((RANDOM % 10))"
	fi
	info "round $r: machines ${down[*]} lose power at once, in the middle of the load"
	for i in "${down[@]}"; do
		rig_kill "$i" || fail "kill node $i"
	done
	for i in "${down[@]}"; do
		cat "$(rig_dir "$i")/${cur[i]}.out" >> "$acked"
	done
	boot "${down[@]}"
	for i in "${down[@]}"; do
		add "$i" log-file /dev/vda $wait || fail "re-add node $i from its disk"
	done
	for i in "${down[@]}"; do
		node_wait "$i" status normal 120 || fail "node $i not normal after the power loss"
		rig_run "$i" "dmesg | grep -e 'restarted from' -e 'cannot restart'" | sed "s/^/# node $i: /"
	done
	writer "r$((r + 1))" "${down[@]}"
done

for i in 0 1 2; do
	writer_wait_acked "$i" "${cur[i]}" 20 || fail "the writer on node $i made no progress"
	writer_stop "$i" "${cur[i]}" || fail "writer on node $i"
	cat "$(rig_dir "$i")/${cur[i]}.out" >> "$acked"
done
converge 0 1 2 || fail "logs differ"
exactly_once "$acked" "$RIG_DIR/log.0" || fail "acknowledged records lost or doubled"
for i in 0 1 2; do
	rig_halt "$i" || fail "guest $i"
done
echo ok
