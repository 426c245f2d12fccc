#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the guest: three etcd members on the selftests' netns topology, ~3 s
# of closed-loop puts (4 clients, 64-byte values) from vsr-r0, one JSON
# line on stdout.  Build etcdload on the host first (build.sh): the
# repository is read-only in the guest.
#
#   make vm KERNEL=stock RUN='tools/bench/etcd/smoke.sh'
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
[ -n "${VSR_GUEST:-}" ] || { echo "smoke.sh: run me in the guest (make vm RUN=...), it makes network namespaces" >&2; exit 1; }
load=$top/build/bench/etcdload
[ -x "$load" ] || { echo "smoke.sh: no $load; run tools/bench/etcd/build.sh on the host" >&2; exit 1; }

# shellcheck source=../../../selftests/lib/cluster.sh
. "$top/selftests/lib/cluster.sh"
# shellcheck source=cluster.sh
. "$top/tools/bench/etcd/cluster.sh"

# cluster_cleanup is not written for set -e (it deletes namespaces that
# may not exist): keep the script's own status.
# shellcheck disable=SC2154 # rc is set inside the trap
trap 'rc=$?; set +e; etcd_down; cluster_cleanup; exit $rc' EXIT
cluster_net 3
etcd_up 3
ip netns exec "$(ns 0)" "$load" --endpoints "$(etcd_endpoints)" \
	--clients 4 --size 64 --duration 3s
