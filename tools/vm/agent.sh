#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A node of the rig (tools/vm/rig.sh), in its guest: brings up eth0 with
# ADDR (CIDR), then runs the host's requests, $VSR_OUT/req/0, 1, ... in
# order, each as "sh FILE" with its output in FILE.out and its exit status
# in FILE.rc, until $VSR_OUT/halt appears.  The output directory is the
# host's, over 9p without a cache: both sides see each other's files.
#
# The loop is agent.py's: see there why it is not the shell's.
#
# usage: agent.sh ADDR
addr=$1
out=${VSR_OUT:?agent.sh runs in a rig guest}

# Debian's kernels have the drivers as modules; the debug kernel has them
# built in.
modprobe -q virtio_net 2>/dev/null
modprobe -q virtio_blk 2>/dev/null
i=0
while ! ip link show eth0 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "agent: no eth0" >&2; exit 1; }
	sleep 0.1
done
ip addr add "$addr" dev eth0 || exit 1
ip link set eth0 up || exit 1
hostname "node-${addr%/*}" 2>/dev/null

echo "$(uname -r) $addr" > "$out/agent.ready"
PYTHONCOERCECLOCALE=0 exec python3 "$(dirname "$0")/agent.py" "$out"
