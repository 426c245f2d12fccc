#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A rolling upgrade.  The module speaks wire formats 1 and 2; an instance
# set to wire-version 1 speaks and accepts only format 1, and sends no
# HELLO: exactly what a module of format 1 (vsr 0.1.0) does.  So a cluster
# of three such instances is an old cluster, and deleting one and adding
# it back without the setting is upgrading that node: its log is in
# memory, it recovers from the others as a restarted node does.
#
# Node by node, under writes, the cluster goes from all-old to all-new:
# every mixed step commits, each pair of replicas speaks the newest format
# both know (old-new 1, new-new 2), the new nodes' HELLOs are the only
# thing the old ones drop, and no acknowledged record is lost.  Then a
# rollback of one node (restarted old) and the primary pinned to format 1
# live bring their links down to 1.
# timeout: 900
# kernels: stock 6.12 -- the debug guest has no time left; KUnit vsr_wire_versions decodes format 1 there
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT
tmp=$(mktemp -d)
VSR_ACKED=$tmp/acked
: > "$VSR_ACKED"
TUN=(heartbeat 50 timeout 500 client-timeout 20000)

# link I J: the wire format replica I speaks to replica J (from show).
link() {
	local out line re="^[[:space:]]*peer $2 .* wire-version ([0-9]+)"
	out=$("$VSRADM" -n "$(ns "$1")" show "vsrlog$1") || return 1
	while IFS= read -r line; do
		[[ $line =~ $re ]] && { echo "${BASH_REMATCH[1]}"; return 0; }
	done <<< "$out"
	return 1
}

# wait_link I J V [SECS]: replica I comes to speak format V to J.
wait_link() {
	local end=$((SECONDS + ${4:-30})) v
	while :; do
		v=$(link "$1" "$2")
		[ "$v" = "$3" ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	info "replica $1 speaks ${v:-?} to replica $2 after ${4:-30} s, want $3"
	return 1
}

# links: every pair speaks the newest format both speak (old[] says
# which replicas are old), in both directions.
links() {
	local i j want
	for i in 0 1 2; do
		for j in 0 1 2; do
			[ "$i" = "$j" ] && continue
			want=2
			[ "${old[$i]}" = 1 ] || [ "${old[$j]}" = 1 ] && want=1
			wait_link "$i" "$j" "$want" 30 || fail "link $i->$j not at $want"
		done
	done
	info "links: ${old[*]} (1 = old node): old-new and old-old links 1, new-new 2"
}

info "an old cluster: every replica at wire-version 1"
cluster_up 3 "${TUN[@]}" wire-version 1
old=(1 1 1)
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
out=$("$VSRADM" -n "$(ns 0)" show vsrlog0)
[[ $out == *"wire-version 1 (set)"* ]] || fail "show lacks wire-version 1 (set): $out"
links
writes "$(primary_of 0)" 20 old
for i in 0 1 2; do
	[ "$(status "$i" drop-version)" = 0 ] || fail "old cluster: replica $i dropped a datagram for its version"
done

# Upgrade the backups first, then the primary (the usual order: one view
# change in all), each under a writer on another node.
p=$(primary_of 0)
order=($(( (p + 1) % 3 )) $(( (p + 2) % 3 )) "$p")
for u in "${order[@]}"; do
	w=$(( (u + 1) % 3 ))
	info "upgrading replica $u, writes through replica $w"
	python3 -S "$VSR_LIB/writer.py" "/dev/vsrlog$w" "during-$u" "$(scaled 100)" 0.01 \
		>> "$VSR_ACKED" 2> "$tmp/err" &
	wpid=$!
	ip netns exec "$(ns "$u")" "$VSRADM" del "vsrlog$u" || fail "del $u"
	c=$(status "$w" commit)
	replica_add "$u" "${TUN[@]}" || fail "re-add $u without wire-version"
	old[$u]=0
	wait_normal "$u" 60 || fail "upgraded replica $u did not recover"
	wait_commit "$u" "$c" 60 || fail "upgraded replica $u did not catch up to $c"
	wait "$wpid" || { cat "$tmp/err"; fail "writes through $w during the upgrade of $u"; }
	links
	writes "$u" 10 "after-$u"
	# An old node drops the new nodes' HELLOs (counted), nothing else:
	# the writes above committed through it or without it.
	for i in 0 1 2; do
		[ "${old[$i]}" = 1 ] || continue
		d=$(status "$i" drop-version)
		info "old replica $i dropped $d HELLOs"
		[ "$d" -gt 0 ] || fail "old replica $i got no HELLO from the new ones"
	done
done

info "all new: format 2 everywhere, no datagram dropped for its version any more"
for i in 0 1 2; do d[$i]=$(status "$i" drop-version); done
writes "$(primary_of 0)" 20 new
sleep 2
for i in 0 1 2; do
	[ "$(status "$i" drop-version)" = "${d[$i]}" ] ||
		fail "replica $i still drops datagrams for their version"
done

r=${order[0]}
info "rollback: replica $r restarted as an old node"
ip netns exec "$(ns "$r")" "$VSRADM" del "vsrlog$r" || fail "del $r"
c=$(status "$(( (r + 1) % 3 ))" commit)
replica_add "$r" "${TUN[@]}" wire-version 1 || fail "re-add $r at wire-version 1"
old[$r]=1
wait_normal "$r" 60 || fail "rolled-back replica $r did not recover"
wait_commit "$r" "$c" 60 || fail "rolled-back replica $r did not catch up to $c"
links
writes "$r" 10 rollback

p=$(primary_of 0)
info "the primary, replica $p, pinned to wire-version 1 live"
ip netns exec "$(ns "$p")" "$VSRADM" set "vsrlog$p" wire-version 1 || fail "set wire-version 1"
old[$p]=1
links
writes "$p" 10 pinned

info "bad settings are refused"
err=$(ip netns exec "$(ns 0)" "$VSRADM" set vsrlog0 wire-version 3 2>&1) &&
	fail "wire-version 3 accepted"
[[ $err == *"wire-version must be 0 (the newest) or 1..2"* ]] || fail "wire-version 3: $err"
echo "ok: $err"

converge "$tmp/log" 0 1 2
exactly_once "$VSR_ACKED" "$tmp/log.0" || fail "records lost"
echo ok
