#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The steps of an epoch switch on the rig, from rig-switch-trace.sh's DIR.

usage: rig-switch-steps.py DIR

DIR holds trace-I.txt of each guest and roles ("P B OLD NEW": the primary,
the backup that stays, the member replaced and the one that replaces it).
Each guest's trace clock is its own: the offset of each to the primary's
is estimated from the PREPAREs and PREPAREOKs of the ops before the
change (half the difference of the least one-way delays each way, as NTP
does).  Prints, in ms from the primary's PREPARE of the RECONFIG k (on
the primary's clock), every datagram sent or received by any guest until
the primary commits k + 1, the first packet each NIC sent or received
after each datagram, and how long each guest's vCPU was busy (not idle)
in that window, with the tasks that took most of it.
"""
import collections
import os
import re
import sys

LINE = re.compile(r'^\s*(?P<task>.+?)-(?P<pid>\d+)\s+\[\d+\]\s+\S+\s+'
                  r'(?P<t>\d+\.\d+): (?P<ev>\w+): (?P<rest>.*)$')
DGRAM = re.compile(r'vsrlog\d+ replica=\d+ peer=(-?\d+) cmd=(\S+) sender=(\d+) '
                   r'epoch=(\d+) view=(\d+) op=(\d+) commit=(\d+) flags=(\S+) ret=(-?\d+)')


def parse(path):
    events = []
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if m:
            events.append((float(m.group('t')), m.group('task'), m.group('ev'),
                           m.group('rest')))
    return events


def datagrams(events, ev):
    """(time, cmd, sender, epoch, op, peer) of each vsr_send or vsr_recv."""
    out = []
    for t, _, e, rest in events:
        if e != ev:
            continue
        m = DGRAM.match(rest)
        if m:
            out.append((t, m.group(2), int(m.group(3)), int(m.group(4)),
                        int(m.group(6)), int(m.group(1))))
    return out


def offset(prim, other, peer, epoch, k):
    """other's clock minus the primary's, from epoch EPOCH's ops below K;
    other is PEER in the primary's peers (a guest's index on the rig)."""
    def times(evs, ev, cmd, to=None):
        out = {}
        for d in datagrams(evs, ev):
            if d[1] == cmd and d[3] == epoch and d[4] < k and to in (None, d[5]):
                out.setdefault(d[4], d[0])
        return out

    def least(delays):
        # An op acked twice (again after a repair) pairs wrongly: drop
        # what is far from the median.
        mid = sorted(delays)[len(delays) // 2]
        return min(x for x in delays if abs(x - mid) < 0.1)
    p_prep = times(prim, 'vsr_send', 'prepare', peer)
    o_prep = times(other, 'vsr_recv', 'prepare')
    o_ok = times(other, 'vsr_send', 'prepareok')
    p_ok = times(prim, 'vsr_recv', 'prepareok', peer)
    there = [o_prep[op] - p_prep[op] for op in p_prep if op in o_prep]
    back = [p_ok[op] - o_ok[op] for op in o_ok if op in p_ok]
    if not there or not back:
        return None
    return (least(there) - least(back)) / 2


def busy(events, lo, hi):
    """Seconds the vCPU ran something other than its idle task in [lo, hi],
    and by task."""
    by = collections.Counter()
    cur, since = None, lo
    for t, task, e, rest in events:
        if e != 'sched_switch':
            continue
        m = re.search(r'prev_comm=(.+?) prev_pid=(\d+) .*==> next_comm=(.+?) next_pid=(\d+)', rest)
        if not m:
            continue
        if cur is None:
            cur = (m.group(1), m.group(2))
        if t > lo:
            a, b = max(since, lo), min(t, hi)
            if b > a and cur[1] != '0':
                by[cur[0]] += b - a
        cur, since = (m.group(3), m.group(4)), t
        if t > hi:
            break
    if cur and since < hi and cur[1] != '0':
        by[cur[0]] += hi - max(since, lo)
    return sum(by.values()), by


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: rig-switch-steps.py DIR')
    d = sys.argv[1]
    p, b, old, new = (int(x) for x in open(os.path.join(d, 'roles')).read().split())
    names = {p: 'primary', b: 'stays', old: 'removed', new: 'new'}
    ev = {i: parse(os.path.join(d, 'trace-%d.txt' % i)) for i in names}
    sent = datagrams(ev[p], 'vsr_send')
    notices = [s for s in sent if s[1] == 'epoch']
    if not notices:
        sys.exit('rig-switch-steps.py: the primary sent no notice')
    epoch = max(s[3] for s in notices)
    k = next(s[4] for s in notices if s[3] == epoch)
    t0 = next((s[0] for s in sent if s[1] == 'prepare' and s[3] == epoch - 1 and s[4] == k), None)
    t1 = next((t for t, _, e, rest in ev[p] if e == 'vsr_commit' and
               re.search(r'ops=\d+\.\.(\d+)', rest) and
               int(re.search(r'ops=\d+\.\.(\d+)', rest).group(1)) > k), None)
    if t0 is None or t1 is None:
        sys.exit('rig-switch-steps.py: no PREPARE of k=%d or no commit past it' % k)
    off = {p: 0.0}
    for i in (b, old):
        off[i] = offset(ev[p], ev[i], i, epoch - 1, k)
    # The new member acked nothing before: from the new epoch's ops.
    off[new] = offset(ev[p], ev[new], new, epoch, 1 << 62)
    print('epoch %d, k = %d; offsets to the primary (ms): %s' %
          (epoch, k, ', '.join('%s %s' % (names[i], 'unknown' if off[i] is None
                                          else '%.3f' % (off[i] * 1e3)) for i in names)))
    rows = []
    for i in names:
        if off[i] is None:
            continue
        last_nic = {}
        for t, task, e, rest in ev[i]:
            tp = t - off[i]
            if tp < t0 - 0.0005 or tp > t1 + 0.0005:
                continue
            if e in ('vsr_send', 'vsr_recv'):
                m = DGRAM.match(rest)
                if m:
                    rows.append((tp, names[i], '%s %s e%s op=%s peer=%s [%s]' % (
                        'send' if e == 'vsr_send' else 'recv', m.group(2), m.group(4),
                        m.group(6), m.group(1), task)))
                    last_nic[i] = e
            elif e in ('net_dev_xmit', 'netif_receive_skb') and last_nic.get(i):
                rows.append((tp, names[i], '  %s [%s]' % (e, task)))
                last_nic[i] = None
    for tp, who, what in sorted(rows):
        print('%8.3f  %-8s %s' % ((tp - t0) * 1e3, who, what))
    print('window %.3f ms (PREPARE k to commit past k, primary clock)' % ((t1 - t0) * 1e3))
    for i in names:
        if off[i] is None:
            print('%-8s clock unknown' % names[i])
            continue
        tot, by = busy(ev[i], t0 + off[i], t1 + off[i])
        print('%-8s busy %.3f ms: %s' % (names[i], tot * 1e3, ', '.join(
            '%s %.2f' % (task, s * 1e3) for task, s in by.most_common(4))))


if __name__ == '__main__':
    main()
