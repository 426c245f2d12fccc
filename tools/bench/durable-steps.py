#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The steps of one writer's durable commits, from durable-trace.sh's traces.

usage: durable-steps.py PRIMARY TRACE-0 TRACE-1 TRACE-2

Each TRACE-I is guest I's ftrace output (vsr_send, vsr_recv, vsr_commit,
block_rq_issue/complete, net_dev_xmit, netif_receive_skb).  Each guest has
its own clock, so every step is measured within one guest: on the
primary, from the PREPARE of an op to each backup's PREPAREOK and to the
op's commit; on a backup, from the PREPARE's arrival at its NIC to its
core, its journal's first write, its flush and its PREPAREOK, and that
PREPAREOK to its NIC.  The wires are what the primary waited for a backup
beyond the time both spent between their NICs and their cores.  Prints
the median and p90 of each step in µs, over the ops that went through
every step: medians, so they need not add up.
"""
import re
import sys

LINE = re.compile(r'^\s*(?P<task>.+?)-(?P<pid>\d+)\s+\[\d+\]\s+\S+\s+(?P<ts>[\d.]+):\s+'
                  r'(?P<ev>\w+):\s+(?P<rest>.*)$')
FIELD = re.compile(r'(\w+)=(\S+)')
# block_rq_issue: "dev rwbs bytes (cmd) sector + sectors", block_rq_complete:
# "dev rwbs (cmd) sector + sectors": a flush has no sectors.
BLOCK = re.compile(r'^\d+,\d+\s+(?P<rwbs>\S+)\s+(?:\d+\s+)?\(.*?\)\s+\d+\s+\+\s+(?P<sectors>\d+)')


def parse(path):
    """The events of one trace: (µs, event, fields or text)."""
    evs = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            ts = float(m['ts']) * 1e6
            ev, rest = m['ev'], m['rest']
            if ev in ('vsr_send', 'vsr_recv', 'vsr_commit'):
                d = dict(FIELD.findall(rest))
                if ev == 'vsr_commit':
                    a, b = rest.split('ops=')[1].split('..')
                    d['from'], d['to'] = int(a), int(b)
                else:
                    d['op'] = int(d['op'])
                evs.append((ts, ev, d))
            elif ev in ('block_rq_issue', 'block_rq_complete'):
                b = BLOCK.match(rest)
                if b:
                    evs.append((ts, ev, {'rwbs': b['rwbs'], 'sectors': int(b['sectors'])}))
            elif ev in ('net_dev_xmit', 'netif_receive_skb'):
                evs.append((ts, ev, {}))
    return evs


def first(evs, start, pred):
    """The first event from index @start on that @pred accepts: (index, µs)."""
    for i in range(start, len(evs)):
        if pred(evs[i]):
            return i, evs[i][0]
    return None, None


def last(evs, end, ev):
    """The µs of the last event @ev before index @end."""
    for i in range(end - 1, -1, -1):
        if evs[i][1] == ev:
            return evs[i][0]
    return None


def idx_at(evs, ts):
    """The index of the first event at or after @ts."""
    lo, hi = 0, len(evs)
    while lo < hi:
        mid = (lo + hi) // 2
        if evs[mid][0] < ts:
            lo = mid + 1
        else:
            hi = mid
    return lo


def is_flush(e):
    return 'F' in e[2]['rwbs'] and not e[2]['sectors']


def is_write(e):
    return 'W' in e[2]['rwbs'] and e[2]['sectors']


def backup_steps(evs):
    """op -> steps on a backup, in µs from the PREPARE's arrival."""
    out = {}
    for i, (ts, ev, d) in enumerate(evs):
        if ev != 'vsr_recv' or d.get('cmd') != 'prepare' or d['op'] in out:
            continue
        op = d['op']
        s, sent = first(evs, i, lambda e: e[1] == 'vsr_send' and
                        e[2].get('cmd') == 'prepareok' and e[2]['op'] >= op)
        if sent is None:
            continue
        arrived = last(evs, i, 'netif_receive_skb')
        _, xmit = first(evs, s, lambda e: e[1] == 'net_dev_xmit')
        if arrived is None or xmit is None:
            continue
        k, w_iss = first(evs, i, lambda e: e[1] == 'block_rq_issue' and is_write(e))
        f, f_iss = first(evs, i, lambda e: e[1] == 'block_rq_issue' and is_flush(e))
        if None in (w_iss, f_iss) or f_iss > sent:
            continue
        _, f_done = first(evs, f, lambda e: e[1] == 'block_rq_complete' and is_flush(e))
        if f_done is None or f_done > sent:
            continue
        out[op] = {'NIC to core (PREPARE)': ts - arrived,
                   'to write issue': w_iss - ts,
                   'write issue to flush issue': f_iss - w_iss,
                   'flush': f_done - f_iss, 'flush done to PREPAREOK': sent - f_done,
                   'backup total': sent - ts, 'core to NIC (PREPAREOK)': xmit - sent,
                   'NIC to NIC': xmit - arrived}
    return out


def primary_steps(evs, backups):
    """op -> steps on the primary from the PREPARE's send."""
    out = {}
    for i, (ts, ev, d) in enumerate(evs):
        if ev != 'vsr_send' or d.get('cmd') != 'prepare' or d['op'] in out:
            continue
        op = d['op']
        s = {}
        _, xmit = first(evs, i, lambda e: e[1] == 'net_dev_xmit')
        for b in backups:
            k, ok = first(evs, i, lambda e: e[1] == 'vsr_recv' and
                          e[2].get('cmd') == 'prepareok' and e[2].get('sender') == b and
                          e[2]['op'] >= op)
            if ok is not None:
                s[b] = ok - ts
                s['nic ' + b] = last(evs, k, 'netif_receive_skb') - ts
        if xmit is None:
            continue
        s['xmit'] = xmit - ts
        _, c = first(evs, i, lambda e: e[1] == 'vsr_commit' and e[2]['to'] >= op)
        f, f_iss = first(evs, i, lambda e: e[1] == 'block_rq_issue' and is_flush(e))
        f_done = None
        if f is not None:
            _, f_done = first(evs, f, lambda e: e[1] == 'block_rq_complete' and is_flush(e))
        if c is None or any(b not in s for b in backups) or f_done is None:
            continue
        s['commit'] = c - ts
        s['own flush done'] = f_done - ts
        out[op] = s
    return out


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    p = int(sys.argv[1])
    traces = [parse(t) for t in sys.argv[2:]]
    backups = [str(i) for i in range(3) if i != p]
    prim = primary_steps(traces[p], backups)
    rows = []
    for b in backups:
        bs = backup_steps(traces[int(b)])
        ops = [op for op in bs if op in prim]
        if not ops:
            sys.exit('durable-steps.py: no op went through every step on backup %s' % b)
        for step in bs[ops[0]]:
            rows.append(('backup %s' % b, step, [bs[op][step] for op in ops]))
        rows.append(('backup %s' % b, 'primary waited for it',
                     [prim[op][b] for op in ops]))
        rows.append(('backup %s' % b, 'wire (waited - backup total)',
                     [prim[op][b] - bs[op]['backup total'] for op in ops]))
        rows.append(('backup %s' % b, 'NIC to core (PREPAREOK)',
                     [prim[op][b] - prim[op]['nic ' + b] for op in ops]))
        rows.append(('backup %s' % b, 'wires (NIC to NIC both ways)',
                     [prim[op]['nic ' + b] - prim[op]['xmit'] - bs[op]['NIC to NIC']
                      for op in ops]))
        rows.append(('backup %s' % b, 'first PREPAREOK',
                     [prim[op][b] for op in ops if prim[op][b] <= min(prim[op][x] for x in backups)]))
    ops = list(prim)
    for step in ('xmit', 'own flush done', 'commit'):
        rows.append(('primary', step, [prim[op][step] for op in ops]))
    rows.append(('primary', 'commit - first PREPAREOK',
                 [prim[op]['commit'] - min(prim[op][b] for b in backups) for op in ops]))
    print('%-10s %-30s %6s %9s %9s' % ('where', 'step', 'ops', 'p50 µs', 'p90 µs'))
    for where, step, v in rows:
        if v:
            print('%-10s %-30s %6d %9.0f %9.0f' % (where, step, len(v), pct(v, 0.5), pct(v, 0.9)))


if __name__ == '__main__':
    main()
