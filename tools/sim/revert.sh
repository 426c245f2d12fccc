#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the simulator against a copy of the core with one of the
# protocol fixes reverted, to measure how fast random search finds it.
#
#   revert.sh BUG [vsr-sim-fast arguments]
#
#   BUG 1  even-n quorum: f + 1 = (n - 1) / 2 + 1 instead of n / 2 + 1
#   BUG 2  recovery keeps a stale tail across attempts
#   BUG 3  a checksum "matches" below the trim point
#   BUG 4  a DOVIEWCHANGE counts unconfirmed (a dead incarnation's promise)
#   BUG 5  recovery attempts never take longer (liveness: a slow network
#          restarts every attempt for ever)
#   BUG 6  no grace for a new primary's first answers (liveness: on a slow
#          network every new primary abdicates)
#   BUG 7  the view-change time is not kept doubled into the new view
#          (liveness: late votes end every new view)
#   BUG 8  automatic trims without waiting for the last one (liveness: on a
#          slow network trims make trims for ever)
#   BUG 9  a primary appends after a RECONFIG of its epoch (rule 2)
#   BUG 10 a notice of the next epoch is taken as proof that our own op k
#          committed, without comparing k's checksum
#   BUG 11 the proposing primary switches when it appends its RECONFIG,
#          not when the op commits
#   BUG 12 a replica of an older epoch is served ops past the RECONFIG that
#          ended it, and takes them
#   BUG 13 any incarnation that applies the RECONFIG enters the new epoch
#          normal, not only the one the op recorded
#   BUG 14 a recorded member that cannot reach k enters behind even when
#          the change left members out
#   BUG 15 a lone member recovering in a later epoch starts afresh
#   BUG 16 a change does not wait for the next epoch's members to be
#          recorded and caught up (liveness: the epoch wedges)
#   BUG 17 a member counts as ready for the next epoch under a dead
#          incarnation (liveness: the epoch wedges after one more crash)
#   BUG 18 a removed replica that a later epoch names again enters it
#          normal with its old log, not recovering
#   BUG 19 a joining replica's request for the notice names the log it
#          learned (the core sends what it refuses: a learner never asks)
#   BUG 20 a change that keeps fewer than f + 1 members is not refused
#          (liveness: one crash leaves nobody to serve the learners k)
#   BUG 21 a primary that pulls the ops up to the next epoch's start still
#          leads its view (the core sends PREPAREs it refuses)
#   BUG 22 a removed replica checks its epoch's sender indices against its
#          old members, and a removed member's NEWSTATE (its old index) is
#          a bad sender (the core refuses intact datagrams as malformed)
#   BUG 23 a backup whose ring is full of applied ops does not move its
#          checkpoint up by itself (liveness: a ring smaller than the
#          primary's never takes the TRIM that frees it)
#   BUG 24 a backup acks ops that its disk did not say are durable
#   BUG 25 a primary counts ops that its disk did not say are durable
#   BUG 26 a primary's own durable report commits the RECONFIG that ends
#          its epoch and leaves the switch pending until its next input
#   BUG 27 a durable report is taken without checking that the log still
#          holds the op as it was written (not replaced since)
#   BUG 28 a durable replica promises a view (ENTERED STARTVIEWCHANGE,
#          DOVIEWCHANGE) before the view is on its disk
#   BUG 29 a durable primary-elect counts its own DOVIEWCHANGE before its
#          view is on its disk
#   BUG 30 a durable backup acks as whole for its log view before that is
#          on its disk
#   BUG 31 a durable primary counts itself before its log view is on its
#          disk
#   BUG 32 a durable replica acks, counts itself and leads in a new
#          epoch's view 0 before the switch is on its disk
#   BUG 33 a durable primary appends ops in a new epoch's view 0 before
#          the switch is on its disk, and sends them (it still neither acks
#          nor counts itself)
#   BUG 34 a durable replica reuses ring slots that the checkpoint on its
#          disk still needs (room counted from the checkpoint in memory)
#   BUG 35 after a checkpoint taken over, durable reports are taken before
#          the disk holds the checkpoint
#   BUG 36 a stale report of a record is taken as what is on the disk (it
#          may go back; liveness: what waits for the newer write waits
#          for ever)
#   BUG 37 a view change is given up before its promises are written, and
#          the time to write them counts against it (liveness: on disks
#          slower than the longest stall, views are given up for ever;
#          found with --disk 150)
#   BUG 38 a replica restarted from its disk may lead its persisted view
#          again
#   BUG 39 a replica restarted from its disk keeps the entries above its
#          record's head that it dropped when its log became whole
#   BUG 40 a durable primary whose own disk hangs never gives way
#          (liveness: its ring fills and no write passes; random search
#          has no hung disks: vsr_durable_primary_disk_hangs)
#   BUG 41 a durable replica acks and leads before its disk says that it
#          is in service (after a power loss, a cluster whose disks look
#          fresh bootstraps view 0 again)
#   BUG 42 a durable replica whose log was truncated writes the new log
#          over the head that the record on its disk names, without
#          lowering that record first (a restart refuses its intact disk)
#   BUG 43 the lowered record is built from the replica's state in memory
#          (its view and log view) instead of the disk's own record
#   BUG 44 the lowered record's head goes down to the disk's checkpoint
#          instead of the op before the batch (the replica restarts
#          without ops it acked as whole)
#   BUG 45 a durable replica whose disk holds its history enters the next
#          epoch normal only as the incarnation the RECONFIG recorded
#          (liveness: after a power loss between the append and the
#          switch, no member can start the epoch)
#   BUG 46 a replica restarted from its disk in a later epoch compares
#          the views of the ops of earlier epochs with its own (it cuts
#          ops it acked)
#   BUG 47 a durable replica that recovered from the others never says
#          that its disk holds its history (liveness: after a power loss
#          in a change, too few members can start the epoch)
#   BUG 48 a restart in a later epoch takes the ops up to the RECONFIG that
#          started it as committed without checking that its log holds
#          that op (a ring's uncommitted ops of an earlier incarnation)
#   BUG 49 a restart keeps the ops after a RECONFIG of the next epoch (a
#          backup that switched before its switch was on the disk)
#   BUG 50 a restart goes by a record written while the replica recovered
#          (the single member of an epoch it entered recovering comes
#          back with an empty log and leads)
#   BUG 51 the same when the record's head is that RECONFIG (not found by
#          random search: the window needs a new epoch's entries written
#          before its record; helper-80 reached it by forcing that)
#   BUG 52 a restart takes the log as far as it chains when that ends below
#          the record's head (a slot lost to a latent sector error there:
#          the replica comes back without ops it acked)
#   BUG 53 a primary whose ring is full to the last slot (a backup's
#          smaller ring, filled by the log it led with) cannot append the
#          TRIM that would free it (liveness: every write -EBUSY for ever)
#   BUG 54 a primary that gave up pulling the ops up to the next epoch's
#          start leads its view again with the entries of later views it
#          pulled (the core sends PREPAREs it refuses; seed 2127090)
#   BUG 55 a restart checks that the log reaches the record's head, not
#          that it holds the head's checksum (a lost write left an older
#          view's entry there, which chains on the op below)
#   BUG 56 a restart reads one copy of the ring only (the mirror reverted:
#          a slot damaged above the record's head ends the log there, and
#          the replica comes back without ops it acked)
#   BUG 57 a restart takes the first valid copy of a slot, not the one
#          written last (a lost write left the older entry in copy 0)
#   BUG 58 a primary deposed unawares (its machine stopped) that pulled
#          the ops up to the next epoch's start from a later view still
#          teaches, and sends its learners a last lesson with entries of
#          views above its own (the core sends what it refuses).  The fix
#          of 60 cuts every NEWSTATE at the first entry of a view above
#          its header's, lessons included, so 58 alone fails no seed: this
#          reverts 60's cut too (60 alone is its own row)
#   BUG 59 a replica that a restart took back to the epoch before its
#          switch counts a learner's pull of the ops up to the next epoch's
#          start as from a bad sender (an intact datagram refused)
#   BUG 60 a NEWSTATE carries entries of views above its header's (a
#          replica that gave up pulling the next epoch's start serves
#          them; the deposed episode of the simulator)
#   BUG 61 a replica that gave up pulling the next epoch's start goes on
#          normal in its view, whose log it no longer holds (its pull
#          replaced ops past its commit number): as its primary it
#          announces commit numbers over the backups' other ops (a fork)
#   BUG 62 a replica that applied ops of a pull of the next epoch's start
#          and gave it up follows a deposed primary of a view after k's
#          append but before its commit, whose log lacks them (a WARN, and
#          the replica failed; found by review, then by the dropped
#          schedule: at sweep seed 638 since 2026-12-06)
#   BUG 0  nothing reverted (the same build, as a control)
#
# The binary is build/sim-revert/BUG/vsr-sim-fast; with more arguments it
# is run with them, e.g.  revert.sh 4 --seeds 200000 --jobs 2 --stop
# The worktree is not touched.
set -euo pipefail

sim=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$sim/../.." && pwd)
bug=${1:?usage: revert.sh BUG [vsr-sim-fast arguments]}
shift
out=$top/build/sim-revert/$bug
core="wire log client_table replica normal view_change recovery state_transfer epoch learn restart disk"

rm -rf "$out"
mkdir -p "$out/vsr_mod/tests"
cp "$top"/vsr_mod/*.[ch] "$out/vsr_mod/"
cp "$top"/vsr_mod/tests/sim.[ch] "$out/vsr_mod/tests/"
cd "$out/vsr_mod"

# One substitution that must match exactly once.
subst() {	# FILE PERL-EXPR
	local before
	before=$(md5sum < "$1")
	perl -0pi -e "$2" "$1"
	if [ "$(md5sum < "$1")" = "$before" ]; then
		echo "revert.sh: bug $bug: the fix is not where expected in $1" >&2
		exit 1
	fi
}

case $bug in
0)	;;
1)	subst replica.c 's/r->quorum = r->n \/ 2 \+ 1;/r->quorum = (r->n - 1) \/ 2 + 1;/' ;;
2)	subst recovery.c 's/\tif \(r->log\.head > max\(r->commit, r->log\.base\)\)\n\t\tvsr_log_truncate\(&r->log, max\(r->commit, r->log\.base\)\);\n//'
	subst recovery.c 's/\tif \(op < r->log\.head\) \{\n.*?\n\t\}\n//s' ;;
3)	subst replica.c 's/(\n\treturn vsr_log_csum\(&r->log, op, &c\) && c == csum;)/\n\tif (op < r->log.base)\n\t\treturn true;$1/' ;;
4)	subst view_change.c 's/(d->arrived = \+\+r->dvc_clock;\n\t\td->confirmed = )0;/$1U64_MAX;/' ;;
5)	subst recovery.c 's/ << min_t\(u32, r->rec_streak, 4\)//' ;;
6)	subst normal.c 's/grace = r->ticks - r->normal_tick <= 2 \* abdicate;/grace = false;/' ;;
7)	subst normal.c 's/if \(r->vc_streak && r->ticks - r->normal_tick > vsr_stall_ticks\(r\)\)/if (r->vc_streak)/' ;;
8)	subst normal.c 's/if \(r->cfg.retain && vsr_can_lead\(r\) && r->trim_op <= r->commit &&/if (r->cfg.retain \&\& vsr_can_lead(r) \&\&/' ;;
9)	subst normal.c 's/\n\tif \(vsr_reconfig_pending\(r\)\)\n\t\treturn -EAGAIN;\n/\n/' ;;
10)	subst epoch.c 's/if \(vsr_has_csum\(r, k, m->h.head_csum\)\) \{/if (k <= r->log.head) {/' ;;
11)	subst epoch.c 's/(\t\t\t  VSR_RECONFIG_SIZE\(count\)\);\n)/$1\tif (!ret) {\n\t\tr->commit_max = r->log.head;\n\t\tvsr_apply_to(r, r->log.head);\n\t}\n/' ;;
12)	subst state_transfer.c 's/\t\tlast = min\(last, min\(r->epoch_hdr.op, r->commit\)\);\n//'
	subst epoch.c 's/\t\/\* Nothing of the next epoch in ours; and k must be the one named. \*\/\n\tif \(r->log.head > r->fetch.op\)\n\t\tvsr_log_truncate\(&r->log, r->fetch.op\);\n//' ;;
13)	subst epoch.c 's/r->switch_how = vsr_recorded\(r, e->data\) \? VSR_ENTER_SWITCHED :/r->switch_how = r->status != VSR_STATUS_RECOVERING ? VSR_ENTER_SWITCHED :/' ;;
14)	subst epoch.c 's/\t\tif \(vsr_reconfig_same_set\(r, conf\)\) \{/\t\tif (true) {/' ;;
15)	subst recovery.c 's/if \(r->n == 1 && !r->epoch && !vsr_in_service\(r\)\) \{/if (r->n == 1 \&\& !vsr_in_service(r)) {/' ;;
16)	subst epoch.c 's/\tif \(!vsr_next_epoch_ready\(r, nonce, members, from, count\)\)\n\t\treturn -EAGAIN;\n//' ;;
17)	subst epoch.c 's/\(r->incs\[i\] && r->ok_tick\[i\] &&\n\t\tr->ticks \+ 1 - r->ok_tick\[i\] <= r->cfg.abdicate_ticks &&/(r->incs[i] \&\& r->ticks - r->heard[i] <= r->cfg.abdicate_ticks \&\&/'
	subst recovery.c 's/\tr->incs\[m->h.replica\] = 0;\n//' ;;
18)	subst epoch.c 's/vsr_enter_epoch\(r, &eh, conf, VSR_ENTER_RECOVERING\);\n\t\treturn 0;/vsr_enter_epoch(r, \&eh, conf, r->status == VSR_STATUS_REMOVED ? VSR_ENTER_SWITCHED : VSR_ENTER_RECOVERING);\n\t\treturn 0;/' ;;
19)	subst epoch.c 's/\th.op = 0;\n\th.commit = 0;\n\th.flags = VSR_EPOCH_JOINING;/\th.flags = VSR_EPOCH_JOINING;/' ;;
20)	subst epoch.c 's/\tif \(stay < \(count - 1\) \/ 2 \+ 1\)\n\t\treturn -EDOM;/\tif (!stay)\n\t\treturn -EDOM;/' ;;
21)	subst normal.c 's/\n\t       !vsr_epoch_learning\(r\) &&//' ;;
22)	subst replica.c 's/(\tif \(r->status == VSR_STATUS_REMOVED\)\n\t\treturn -ESTALE;\n)(\tif \(m->h.replica >= r->n \|\| m->h.replica == r->self\)\n\t\treturn )m->h.command == VSR_CMD_NEWSTATE && !m->h.arg1 \?\n\t\t       -ESTALE : -EINVAL;\n/$2-EINVAL;\n$1/' ;;
23)	subst state_transfer.c 's/\tif \(!vsr_log_room\(&r->log\) && r->commit > r->log.base\)\n\t\tvsr_checkpoint_to\(r, r->commit\);\n//' ;;
24)	subst normal.c 's/\tu64 op = vsr_log_durable\(&r->log\);/\tu64 op = r->log.head;/' ;;
25)	subst normal.c 's/\t\tself = vsr_log_durable\(&r->log\);/\t\tself = r->log.head;/' ;;
26)	subst replica.c 's/\t\/\* A primary.s own report may commit the RECONFIG that ends its epoch. \*\/\n\tvsr_epoch_settle\(r\);\n//' ;;
27)	subst replica.c 's/ \|\|\n\t    !vsr_has_csum\(r, op, csum\)\)\n\t\treturn;/)\n\t\treturn;/' ;;
28)	subst view_change.c 's/(void vsr_promise_view\(struct vsr_replica \*r\)\n\{\n)\tif \(!vsr_persisted\(r\)\)\n\t\treturn;\n/$1\tvsr_persisted(r);\n/; s/\tif \(vsr_persisted\(r\)\)\n\t\tvsr_say_entered\(r\);/\tvsr_persisted(r);\n\tvsr_say_entered(r);/' ;;
29)	subst view_change.c 's/\tif \(!vsr_persisted\(r\) \|\| \(r->no_lead/\tif ((r->no_lead/' ;;
30)	subst normal.c 's/\tif \(op < h.op \|\| !written\) \{\n\t\tif \(!written \|\| !vsr_log_csum/\tif (op < h.op) {\n\t\tif (!vsr_log_csum/' ;;
31)	subst normal.c 's/\tif \(vsr_persisted\(r\)\)\n\t\tself = vsr_log_durable/\tif (1)\n\t\tself = vsr_log_durable/' ;;
32)	subst replica.c 's/\tif \(!r->cfg.durable \|\|\n\t    \(r->persisted.epoch/\tif (!r->cfg.durable || !r->view ||\n\t    (r->persisted.epoch/' ;;
33)	subst normal.c 's/\(r->persisted.epoch != r->epoch \|\|\n\t     \(r->persisted.flags & VSR_PERSIST_RECOVERING\)/((r->persisted.flags \& VSR_PERSIST_RECOVERING)/' ;;
34)	subst log.h 's/\tif \(log->reported && log->kept < from\)\n\t\tfrom = log->kept;\n//' ;;
35)	subst replica.c 's/\tif \(r->log.durable < r->log.base && r->log.kept < r->log.base\)\n\t\treturn;\n//' ;;
36)	subst replica.c 's/ \|\|\n\t    vsr_persist_covers\(&r->persisted, p\)\)/)/' ;;
37)	subst view_change.c 's/vsr_stall_ticks\(r\) && vsr_persisted\(r\)\)/vsr_stall_ticks(r))/'
	subst replica.c 's/\t\tif \(!had_view\)\n\t\t\tr->vc_tick = r->ticks;\n//' ;;
38)	subst view_change.c 's/ \(r->no_lead && r->view == r->no_lead_view\) \|\|\n\t    !vsr_confirmed_quorum/\n\t    !vsr_confirmed_quorum/' ;;
39)	subst restart.c 's/\t\tif \(view < p->log_view \|\| view > p->view\) \{/\t\tif (view > p->view) {/' ;;
40)	subst normal.c 's/ \|\| r->ticks - r->full_tick > abdicate\) &&/) \&\&/' ;;
41)	subst replica.c 's/\n\t     \(r->status != VSR_STATUS_NORMAL \|\|\n\t      \(r->persisted.flags & VSR_PERSIST_SERVICE\)\) &&//'
	subst normal.c 's/ \|\|\n\t     !\(r->persisted.flags & VSR_PERSIST_SERVICE\)\) && !vsr_persisted/) \&\& !vsr_persisted/' ;;
42)	subst tests/sim.c 's/\t\tif \(sim_lower\(s, nd, from\)\)\n\t\t\treturn;\n//' ;;
43)	subst tests/sim.c 's/\tstruct vsr_persist low = \*d;/\tstruct vsr_persist low = *d;\n\n\tlow.view = r->view;\n\tlow.log_view = r->log_view;/' ;;
44)	subst tests/sim.c 's/\tlow.op = t;\n\tlow.csum = csum;\n/\tlow.op = t;\n\tlow.csum = csum;\n\tif (t > d->ckpt) {\n\t\tlow.op = d->ckpt;\n\t\tlow.csum = nd->disk_ck.csum;\n\t}\n/' ;;
45)	subst epoch.c 's/\treturn r->cfg.durable && r->origin && r->origin <= r->epoch \+ 1 &&\n\t       r->persisted.epoch <= r->epoch;/\treturn false;/' ;;
46)	subst restart.c 's/\n\t\tfrom = r->epoch_hdr.op;//' ;;
47)	subst recovery.c 's/\tif \(!vsr_reconfig_pending\(r\)\)\n\t\tvsr_originate\(r\);\n//' ;;
48)	subst restart.c 's/\tif \(r->epoch && from < r->epoch_hdr.op\) \{\n.*?\n\t\tfrom = r->epoch_hdr.op;\n\t\}/\tfrom = max(from, r->epoch_hdr.op);/s' ;;
49)	subst restart.c 's/\t\tif \(vsr_log_get\(&r->log, op\)->h.type == VSR_OP_RECONFIG &&\n\t\t    op < r->log.head\) \{/\t\tif (0) {/' ;;
50)	subst restart.c 's/\n\t    \(p->flags & VSR_PERSIST_RECOVERING\) \|\|//' ;;
51)	subst restart.c 's/\tif \(from > max\(r->log.base, r->epoch_hdr.op\) && from < r->log.head &&/\tif (0 \&\&/' ;;
52)	subst restart.c 's/\tif \(p->op > r->log.head \|\|\n/\tif (p->op > r->log.head)\n\t\tgoto whole;\n\tif (\n/' ;;
53)	subst normal.c 's/\tif \(type == VSR_OP_TRIM && !vsr_log_room\(&r->log\)\)\n\t\tvsr_checkpoint_to\(r, min\(r->commit, r->log.base \+ 1\)\);\n//' ;;
54)	subst normal.c 's/ &&\n\t       \(!e \|\| r->log.head <= r->epoch_hdr.op \|\| e->h.view <= r->view\)//' ;;
55)	subst restart.c 's/\t     \(!vsr_log_csum\(&r->log, p->op, &csum\) \|\| csum != p->csum\)\)\)/\t     !vsr_log_csum(\&r->log, p->op, \&csum)))/' ;;
56)	subst disk.c 's/\tif \(!a \|\| !b\)\n\t\treturn a \? 0 : b \? 1 : -1;\n.*?return b->n > a->n;/\treturn a ? 0 : -1;/s' ;;
57)	subst disk.c 's/\tif \(b->seq != a->seq\)\n.*?return b->n > a->n;/\treturn 0;/s' ;;
58)	subst learn.c 's/ && !vsr_epoch_learning\(r\);/;/'
	subst learn.c 's/if \(!vsr_teacher\(r\) \|\| k->h.view != r->view\)/if (!vsr_teacher(r))/'
	subst state_transfer.c 's/\t\tif \(e->h.view > view \|\|\n\t\t    off/\t\tif (off/' ;;
59)	subst replica.c 's/\|\|\n\t\t       m->h.command == VSR_CMD_GETSTATE \? -ESTALE/? -ESTALE/' ;;
60)	subst state_transfer.c 's/\t\tif \(e->h.view > view \|\|\n\t\t    off/\t\tif (off/' ;;
61)	subst epoch.c 's/\tr->fetch.active = false;\n\tif \(r->status == VSR_STATUS_NORMAL \|\|\n\t    r->status == VSR_STATUS_VIEW_CHANGE\)\n\t\tvsr_start_view_change\(r, max\(r->view, r->fetch.log_view\) \+ 1\);\n/\tr->fetch.active = false;\n/' ;;
62)	subst epoch.c 's/\tif \(r->commit > commit\) \{\n\t\tif \(!r->pulled_hi\)\n\t\t\tr->pulled_lo = commit;\n\t\tr->pulled_hi = r->commit;\n\t\}\n//' ;;
*)	echo "revert.sh: no bug $bug" >&2
	exit 2 ;;
esac

srcs=$sim/main.c
for f in $core; do
	srcs+=" $out/vsr_mod/$f.c"
done
# main.c includes the worktree's sim.h; the headers are not reverted.
${CC:-cc} -O2 -g -std=gnu11 -I"$sim/shim" -I"$out/vsr_mod" \
	-DVSR_ALLOC_FAULT_HOOK -o "$out/vsr-sim-fast" $srcs \
	"$out/vsr_mod/tests/sim.c" "$sim/crc32c.c" "$sim/shim.c"
[ $# -eq 0 ] && exit 0
exec "$out/vsr-sim-fast" "$@"
