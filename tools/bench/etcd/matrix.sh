#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the guest: etcdload over a grid of clients x value sizes, one JSON
# line per point on stdout.  Each point gets a fresh 3-member cluster, so
# no point pays for the data (tmpfs, i.e. RAM) of the ones before it and
# all start from an empty store.
#
#   CLIENTS="1 4 16 64" SIZES="64 1024 16384" DURATION=5s MODE=closed
#   RATE=... (MODE=open) ETCDLOAD_ARGS=... (passed through)
#
#   make vm KERNEL=stock RUN='tools/bench/etcd/matrix.sh'
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
[ -n "${VSR_GUEST:-}" ] || { echo "matrix.sh: run me in the guest (make vm RUN=...), it makes network namespaces" >&2; exit 1; }
load=$top/build/bench/etcdload
[ -x "$load" ] || { echo "matrix.sh: no $load; run tools/bench/etcd/build.sh on the host" >&2; exit 1; }

# shellcheck source=../../../selftests/lib/cluster.sh
. "$top/selftests/lib/cluster.sh"
# shellcheck source=cluster.sh
. "$top/tools/bench/etcd/cluster.sh"

clients=${CLIENTS:-1 4 16 64}
sizes=${SIZES:-64 1024 16384}
duration=${DURATION:-5s}
mode=${MODE:-closed}
rate=${RATE:-0}
members=${MEMBERS:-3}

# cluster_cleanup is not written for set -e (it deletes namespaces that
# may not exist): keep the script's own status.
# shellcheck disable=SC2154 # rc is set inside the trap
trap 'rc=$?; set +e; etcd_down; cluster_cleanup; exit $rc' EXIT
cluster_net "$members"
for s in $sizes; do
	for c in $clients; do
		etcd_up "$members" >&2
		# shellcheck disable=SC2086
		ip netns exec "$(ns 0)" "$load" --endpoints "$(etcd_endpoints)" \
			--clients "$c" --size "$s" --duration "$duration" \
			--mode "$mode" --rate "$rate" ${ETCDLOAD_ARGS:-} ||
			{ echo "matrix.sh: etcdload failed at clients=$c size=$s" >&2; exit 1; }
		etcd_down
	done
done
