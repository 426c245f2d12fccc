# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the rig's tests (selftests/rig/*.sh), after tools/vm/rig.sh:
# node I is guest I, with one instance, vsrlog0, replica I of cluster 78.

# fail, info and exactly_once are the guest selftests' own.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
VSRADM=tools/vsradm/vsradm

# node_add I N [vsradm args]: replica I of an N-replica cluster on guest I.
node_add() {
	local i=$1 n=$2
	shift 2
	rig_run "$i" "$VSRADM add vsrlog0 replica $i peers $(rig_peers "$n") cluster 78 $*"
}

node_del() { rig_run "$1" "$VSRADM del vsrlog0"; }

# node_join I: a joining instance on guest I, for cluster 78.
node_join() {
	rig_run "$1" "$VSRADM add vsrlog0 join $(rig_addr "$1"):$RIG_PORT cluster 78"
}

# node_direct I V: guest I's module writes the log ring of the instances
# added from now on with direct I/O (V 1) or through the page cache (0).
node_direct() { rig_run "$1" "echo $2 > /sys/module/vsr/parameters/direct_io"; }

# node_direct_is I V: whether node I's vsrlog0 writes its ring so.
node_direct_is() {
	rig_run "$1" "grep -q ' direct $2\$' /sys/kernel/debug/vsr/vsrlog0/state"
}

# node_field I FIELD: a field of the instance's line in `vsradm show`.
node_field() {
	rig_run "$1" "$VSRADM show vsrlog0" | awk -v k="$2" '
		$1 == "peer" { next }
		{ for (j = 1; j < NF; j++) if ($j == k) { print $(j + 1); exit } }'
}

# node_wait I FIELD VALUE [SECS]
node_wait() {
	local end=$((SECONDS + ${4:-60})) v
	while v=$(node_field "$1" "$2"); [ "$v" != "$3" ]; do
		if [ $SECONDS -ge $end ]; then
			info "node $1: $2 is '$v', want $3:"
			rig_run "$1" "$VSRADM show vsrlog0" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.2
	done
}

# node_wait_new_primary I OLD [SECS]: node I is normal with a primary
# other than OLD.
node_wait_new_primary() {
	local end=$((SECONDS + ${3:-60})) out
	while :; do
		out=$(rig_run "$1" "$VSRADM show vsrlog0" | head -n1)
		case " $out " in
		*" status normal "*)
			[[ " $out " == *" primary $2 "* ]] || return 0 ;;
		esac
		[ $SECONDS -lt $end ] || { info "node $1: $out"; return 1; }
		sleep 0.2
	done
}

# writer_start I NAME: a writer (one client session) on node I, until
# writer_stop; acknowledged records in $(rig_dir I)/NAME.out.
writer_start() {
	local d
	d=$(rig_dir "$1")
	rm -f "$d/$2.stop"
	rig_spawn "$1" "$2" python3 -S selftests/lib/writer.py /dev/vsrlog0 "$2" 1 0.01 0 "$d/$2.stop"
}

acked_count() {
	local f
	f=$(rig_dir "$1")/$2.out
	[ -f "$f" ] && wc -l < "$f" || echo 0
}

# writer_wait_acked I NAME COUNT [SECS]
writer_wait_acked() {
	local end=$((SECONDS + ${4:-120}))
	until [ "$(acked_count "$1" "$2")" -ge "$3" ]; do
		[ $SECONDS -lt $end ] || { info "$2 on node $1: $(acked_count "$1" "$2") acknowledged, want $3"; return 1; }
		sleep 0.2
	done
}

# writer_stop I NAME: stop it; fails if any of its writes failed.
writer_stop() {
	local d
	d=$(rig_dir "$1")
	touch "$d/$2.stop"
	rig_spawn_wait "$1" "$2" 120 || { sed 's/^/#   /' "$d/$2.err"; return 1; }
}

# converge I...: the nodes reach the highest commit among them, and their
# logs (in $RIG_DIR/log.I, "OP RECORD" lines) are identical.
converge() {
	local i c=0 ci end
	for i in "$@"; do
		ci=$(node_field "$i" commit)
		[ "${ci:-0}" -gt "$c" ] && c=$ci
	done
	for i in "$@"; do
		end=$((SECONDS + 120))
		while ci=$(node_field "$i" commit); [ "${ci:-0}" -lt "$c" ]; do
			[ $SECONDS -lt $end ] || { info "node $i at commit $ci, want $c"; return 1; }
			sleep 0.2
		done
		rig_run "$i" "python3 -S selftests/lib/readlog.py /dev/vsrlog0" > "$RIG_DIR/log.$i" ||
			{ info "read the log of node $i"; return 1; }
	done
	for i in "$@"; do
		cmp -s "$RIG_DIR/log.$1" "$RIG_DIR/log.$i" ||
			{ diff "$RIG_DIR/log.$1" "$RIG_DIR/log.$i" | head -n 5; return 1; }
	done
	info "nodes $* agree on $(wc -l < "$RIG_DIR/log.$1") records through op $c"
}
