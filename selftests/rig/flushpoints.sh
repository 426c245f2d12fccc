#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash consistency at every flush point: one machine with two virtio
# disks runs a one-replica durable cluster whose log is on dm-log-writes
# over dm-delay (slower flushes) over /dev/vda, the write log on /dev/vdb,
# while writers append and mark each acknowledged record in the write
# log; then the writes are replayed, and at every flush point after the
# format, and in torn states before flushes, the image restarts as the
# replica, which must come back with every record acknowledged before
# that point (selftests/rig/flushpoints.py).  Two runs: three writers,
# and one writer with a retention of 4, so that checkpoints move.
# $RIG_KERNELS picks the kernel (the first; stock by default: the debug
# kernel has no dm-delay), $RIG_SEED the torn states.
#
# usage: flushpoints.sh DIR (tools/vm/cluster.sh runs it)
set -u
. "$(dirname "$0")/../../tools/vm/rig.sh"
. "$(dirname "$0")/lib.sh"

read -r kernel _ <<< "${RIG_KERNELS:-stock}"
RIG_DISKS=2 rig_init 1 "$1" || fail "rig_init"
trap rig_cleanup EXIT
rig_boot 0 "$kernel" || fail "boot guest 0 ($kernel)"
RIG_RUN_SECS=900 rig_run 0 "RIG_SEED=${RIG_SEED:-} python3 selftests/rig/flushpoints.py $VSRADM /dev/vda /dev/vdb \
	$(rig_addr 0):$RIG_PORT ${RIG_FLUSH_RUNS:-3x8@128 1x40@4}" || fail "crash consistency"
rig_halt 0 || fail "guest 0"
echo ok
