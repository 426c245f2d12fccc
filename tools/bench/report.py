#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's results.jsonl into report.md, summary.json and plots.

usage: report.py RESULTS_DIR [--no-plots] [--check]

RESULTS_DIR holds results.jsonl (written by tools/bench/bench.sh in the
guest).  Writes RESULTS_DIR/report.md, RESULTS_DIR/summary.json and, with
gnuplot, RESULTS_DIR/latency-cdf-<size>.png and throughput.png; prints the
bars to stdout.  --check exits 1 if a stage that ran produced no figure or
a figure that cannot be right (zero throughput, errors), which is what the
smoke run in `make check` asserts; the bars themselves never fail it.
"""
import json
import os
import shutil
import subprocess
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def pick(rs, **kw):
    return [r for r in rs if all(r.get(k) == v for k, v in kw.items())]


def one(rs, **kw):
    m = pick(rs, **kw)
    return m[0] if m else None


def fmt(v, nd=1):
    if v is None:
        return '-'
    if isinstance(v, float):
        if abs(v) >= 100:
            return '%.0f' % v
        return ('%.' + str(nd) + 'f') % v
    return str(v)


def ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


def median(rs):
    """The middle one of the sorted @rs, the lower of the two middle ones
    for an even count; None for none."""
    return rs[(len(rs) - 1) // 2] if rs else None


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join('---' for _ in head) + '|']
    for r in rows:
        out.append('| ' + ' | '.join(fmt(c) for c in r) + ' |')
    return '\n'.join(out) + '\n'


class Report:
    def __init__(self, rs):
        self.rs = rs
        self.env = one(rs, stage='env') or {}
        self.md = []
        self.bars = []
        self.problems = []

    # The floor is the better of the pinned run (both ends on CPU 0, as
    # vsr's commit path runs) and the unpinned one; see raw() in bench.sh.
    def raw_rr(self, size, mtu=1500, pinned=None):
        rs = pick(self.rs, stage='raw', test='udp_rr', size=size, mtu=mtu)
        if pinned is not None:
            rs = pick(rs, pinned=pinned)
        return min(rs, key=lambda r: r['lat_us']['p50']) if rs else None

    def raw_stream(self, size, mtu=1500, pinned=None):
        rs = pick(self.rs, stage='raw', test='udp_stream', size=size, mtu=mtu)
        if pinned is not None:
            rs = pick(rs, pinned=pinned)
        return max(rs, key=lambda r: r['recv_mb_per_s']) if rs else None

    def vsr(self, **kw):
        return pick(self.rs, stage='vsr', **kw)

    def bar(self, name, value, limit, met, how):
        self.bars.append({'bar': name, 'value': value, 'limit': limit,
                          'met': met, 'how': how})

    def section_raw(self):
        for mtu in (1500, 65535):
            rr = pick(self.rs, stage='raw', test='udp_rr', mtu=mtu)
            if not rr:
                continue
            rows = []
            for r in sorted(rr, key=lambda r: (not r['pinned'], r['size'])):
                st = self.raw_stream(r['size'], mtu, r['pinned']) or {}
                rows.append(['CPU 0' if r['pinned'] else 'any', r['size'], r['rtt_per_s'],
                             r['lat_us']['p50'], r['lat_us']['p99'],
                             st.get('recv_mb_per_s')])
            self.md.append('## Raw UDP between two replicas\' namespaces, MTU %d\n\n' % mtu)
            if mtu == 1500:
                self.md.append('Under TCG a wakeup on the other vCPU waits for its next timer '
                               'tick, so the round trip is also measured with both ends '
                               'pinned to CPU 0, where vsr\'s commit path runs too.  The '
                               'floor in the bars is the better of the two runs.\n\n')
            self.md.append(table(['CPUs', 'size B', 'round trips/s', 'RTT p50 µs',
                                  'RTT p99 µs', 'stream MB/s'], rows))

    def section_vsr(self):
        rows = []
        for r in sorted(self.vsr(mode='closed'),
                        key=lambda r: (r['mtu'], r['role'], r['size'], r['clients'])):
            prep_s = r['prepares'] / r['seconds'] if r.get('prepares') is not None else None
            batch = ratio(r.get('ops'), r.get('prepares'))
            rows.append([r['mtu'], r['role'], r['size'], r['clients'],
                         r['records_per_s'], r['mb_per_s'], r['lat_us']['p50'],
                         r['lat_us']['p99'], r['lat_us']['p999'], prep_s, batch,
                         (r['cpu_s_per_record'] or 0) * 1e6])
            if not r['records'] or r['errors']:
                self.problems.append('vsr %s %d B x%d: %d records, errors %s' %
                                     (r['role'], r['size'], r['clients'],
                                      r['records'], r['errors']))
        if rows:
            self.md.append('## vsr, closed loop (each writer waits for its commit)\n\n')
            self.md.append(table(['MTU', 'writes on', 'size B', 'writers', 'records/s',
                                  'MB/s', 'p50 µs', 'p99 µs', 'p99.9 µs',
                                  'PREPAREs/s', 'ops/PREPARE', 'CPU µs/record'], rows))
        rows = []
        for r in sorted(self.vsr(mode='open'), key=lambda r: (r['size'], r['load_pct'])):
            rows.append([r['size'], r['clients'], r['load_pct'], r['rate_target'],
                         r['records_per_s'], r['lat_us']['p50'], r['lat_us']['p99'],
                         r['lat_us']['p999'], r.get('backlog')])
        if rows:
            self.md.append('\n## vsr, open loop (latency from the scheduled arrival)\n\n')
            self.md.append(table(['size B', 'writers', '% of max', 'target/s', 'records/s',
                                  'p50 µs', 'p99 µs', 'p99.9 µs', 'backlog'], rows))

    def section_etcd(self):
        rows = []
        for e in sorted(pick(self.rs, stage='etcd'), key=lambda r: (r['size'], r['clients'])):
            v = one(self.rs, stage='vsr', role='primary', mode='closed', mtu=1500,
                    size=e['size'], clients=e['clients'])
            rows.append([e['size'], e['clients'], e['ops_per_s'], e['lat_us']['p50'],
                         e['lat_us']['p99'], (e.get('cpu_s_per_op') or 0) * 1e6,
                         v and v['records_per_s'], ratio(v and v['records_per_s'], e['ops_per_s']),
                         ratio(e['lat_us']['p50'], v and v['lat_us']['p50'])])
            if not e['ops']:
                self.problems.append('etcd %d B x%d: no puts' % (e['size'], e['clients']))
        if rows:
            self.md.append('\n## etcd 3.4 (3 members, data on tmpfs) against vsr on the primary\n\n')
            self.md.append('Neither system fsyncs to a disk here: etcd\'s WAL is on tmpfs, '
                           'vsr keeps its log in memory only.\n\n')
            self.md.append(table(['size B', 'clients', 'etcd puts/s', 'etcd p50 µs',
                                  'etcd p99 µs', 'etcd CPU µs/put', 'vsr records/s',
                                  'vsr/etcd throughput', 'etcd/vsr p50'], rows))

    def section_failover(self):
        fo = pick(self.rs, stage='failover')
        rr = self.raw_rr(64)
        rows = []
        for t in ('default', 'short'):
            runs = pick(fo, timeouts=t)
            if not runs:
                continue
            ms = sorted(r['failover_ms'] for r in runs)
            to = runs[0]['view_change_timeout_ms']
            limit = to + 3 * rr['lat_us']['p50'] / 1e3 if rr else None
            kill = sorted(r.get('kill_cmd_ms', 0) for r in runs)[len(runs) // 2]
            rows.append([t, to, len(ms), ' '.join('%.0f' % m for m in ms), max(ms), limit,
                         kill])
            if limit is not None:
                self.bar('failover, %s timeouts (%d ms): worst of %d' % (t, to, len(ms)),
                         max(ms), limit, max(ms) <= limit,
                         'ms without commits (last in the old view to first in the new) '
                         '<= view-change timeout + 3 raw 64 B RTT p50')
        if rows:
            self.md.append('\n## Failover: primary deleted under a backup\'s writes\n\n')
            self.md.append('A writer on a backup commits back to back; the primary is '
                           'deleted (`vsradm del`); failover is the gap between the last '
                           'commit it saw in the old view and the first in the new one.  The '
                           'primary died within that gap, within a round trip of its start.'
                           '\n\n')
            self.md.append(table(['timeouts', 'view-change timeout ms', 'runs',
                                  'ms to first commit in new view', 'worst ms',
                                  'bar ms', 'vsradm del took ms (median)'], rows))

    def section_catchup(self):
        rows = []
        base = one(self.rs, stage='vsr', role='primary', mode='closed', mtu=1500,
                   size=64, clients=16)
        for c in sorted(pick(self.rs, stage='catchup'), key=lambda r: r['records']):
            fg = one(self.rs, stage='catchup_fg', records=c['records'])
            rows.append([c['records'], c['behind'], c['normal_s'], c['catchup_s'],
                         fg and fg['records_per_s'], base and base['records_per_s'],
                         ratio(fg and fg['records_per_s'], base and base['records_per_s'])])
        if rows:
            self.md.append('\n## Catch-up: a backup recreated empty, foreground load on the primary\n\n')
            self.md.append('Foreground: 16 writers of 64 B on the primary during the catch-up '
                           '(their whole run, which starts 1 s before the re-add).\n\n')
            self.md.append(table(['records written while down', 'primary\'s commit at re-add',
                                  's to normal', 's to current', 'foreground records/s',
                                  'records/s without catch-up', 'ratio'], rows))

    def section_reconfig(self):
        rows = []
        for c in sorted(pick(self.rs, stage='reconfig'), key=lambda r: r['records']):
            n = c['records']
            fg = {ph: one(self.rs, stage='reconfig_fg', records=n, phase=ph)
                  for ph in ('baseline', 'change')}
            pzs = sorted(pick(self.rs, stage='reconfig_pause', records=n),
                         key=lambda r: r['pause_rtt'])
            pz = median(pzs)
            warm = one(self.rs, stage='reconfig_pause_warmup', records=n)
            if not all(fg.values()) or not pz:
                self.problems.append('reconfig after %d records: a result is missing' % n)
                continue
            tp = ratio(fg['change']['records_per_s'], fg['baseline']['records_per_s'])
            rows.append([n, c['behind'], c['reconfig_s'], c['new_recoveries'],
                         fg['baseline']['records_per_s'], fg['change']['records_per_s'], tp,
                         pz['reconfig_s'], pz['new_recoveries'], pz['write_p50_us'],
                         pz['write_p99_before_us'], pz['pause_us'], pz['pause_rtt'],
                         ' '.join('%.1f' % r['pause_rtt'] for r in pzs),
                         warm and warm['pause_rtt'],
                         ' '.join('%.1f' % r.get('worst_near_rtt', 0) for r in pzs),
                         ' '.join('%.1f' % r.get('inflight_before_rtt', 0) for r in pzs)])
            for r in [c] + pzs + ([warm] if warm else []):
                if r['new_status'] != 'normal' or r['new_recoveries']:
                    self.problems.append('reconfig after %d records: the new member is %s '
                                         'after %d recoveries' % (n, r['new_status'],
                                                                  r['new_recoveries']))
            for ph in ('baseline', 'change'):
                if not fg[ph]['records'] or fg[ph]['errors']:
                    self.problems.append('reconfig after %d records, %s: %d records, errors %s'
                                         % (n, ph, fg[ph]['records'], fg[ph]['errors']))
            self.bar('replace after %d records: the pause, the write the switch held '
                     '(median of %d)' % (n, len(pzs)), pz['pause_rtt'], 5,
                     pz['pause_rtt'] <= 5,
                     'round trips (its median write before the change), <= 5')
            self.bar('replace after %d records: 16 writers\' records/s while the new member '
                     'learns / without a change' % n, tp, 0.8, tp is not None and tp >= 0.8,
                     'ratio, >= 0.8')
        if rows:
            self.md.append('\n## Reconfiguration: a backup replaced by a new machine\n\n')
            self.md.append('A joining instance takes the place of a backup (`vsradm '
                           'reconfigure` at the primary).  While the primary waits to propose '
                           'the change, it teaches the new member the log; the change commits '
                           'once it caught up, and it enters the new epoch without '
                           'recovering.  First under 16 writers of 64 B on the primary, which '
                           'start 1 s before the change (the same load just before is the '
                           'baseline); then the new member is replaced by another, and that '
                           'one by the first again, a change to warm up and five more, with one '
                           'writer alone: the write the switch held (the first to end after '
                           'the primary switched), in its median writes before, is the pause '
                           '(the warm-up\'s is shown apart: the guest\'s first such change '
                           'paused 10 to 32 round trips every time, the later ones 3 to 12: '
                           'likely code the emulator translated as it first ran). '
                           'Beside it, in the same unit: its worst write within 20 ms of the '
                           'switch (the pause as measured until 2026-12-05), and the median '
                           'write in flight at a random instant before the change (the '
                           'pause\'s measure without a switch); its p99 before says how much '
                           'the emulated machine stalls anyway.\n\n')
            self.md.append(table(['records before', 'primary\'s commit', 's to change',
                                  'recoveries', 'fg records/s, baseline',
                                  'fg records/s, change', 'ratio', 'quiet: s to change',
                                  'recoveries', 'write p50 µs', 'p99 before µs',
                                  'pause µs', 'pause (RTT), median', 'each (RTT)',
                                  'warm-up change (RTT)',
                                  'worst within 20 ms (RTT)', 'in flight before (RTT)'],
                                 rows))

    def section_reconfig_rig(self):
        rs = sorted(pick(self.rs, stage='reconfig_rig'), key=lambda r: r['pause_rtt'])
        fg = {ph: one(self.rs, stage='reconfig_rig_fg', phase=ph) for ph in ('baseline', 'change')}
        if not rs and not any(fg.values()):
            return
        if not rs or not all(fg.values()):
            self.problems.append('reconfig on the rig: a result is missing')
            return
        for r in rs:
            if r['new_status'] != 'normal' or r['new_recoveries']:
                self.problems.append('reconfig on the rig, replace %d: the new member is %s '
                                     'after %d recoveries' % (r['rep'], r['new_status'],
                                                              r['new_recoveries']))
        for ph in ('baseline', 'change'):
            if not fg[ph]['records'] or fg[ph]['errors']:
                self.problems.append('reconfig on the rig, %s: %d records, errors %s'
                                     % (ph, fg[ph]['records'], fg[ph]['errors']))
        n = fg['change']['filled']
        tp = ratio(fg['change']['records_per_s'], fg['baseline']['records_per_s'])
        # Asked over netlink by the script (no process ends at the switch),
        # or by vsradm, whose exit takes the primary's one vCPU there.
        by = {via: [r for r in rs if r.get('asked', 'vsradm') == via]
              for via in ('netlink', 'vsradm')}
        bar = by['netlink'] or by['vsradm']
        med = median(bar)
        other = ''
        if by['netlink'] and by['vsradm']:
            v = median(by['vsradm'])
            other = '; asked by vsradm: %.2f, median of %d' % (v['pause_rtt'], len(by['vsradm']))
        self.bar('replace on the rig of separate machines: the pause, the write the switch '
                 'held (asked %s, median of %d%s)'
                 % ('over netlink' if by['netlink'] else 'by vsradm', len(bar), other),
                 med['pause_rtt'], 5, med['pause_rtt'] <= 5,
                 'round trips (its median write before the change), <= 5')
        self.bar('replace on the rig after %d records: 16 writers\' records/s while the new '
                 'member learns / without a change' % n, tp, 0.8,
                 tp is not None and tp >= 0.8, 'ratio, >= 0.8')
        self.md.append('\n## Reconfiguration between separate machines (the rig)\n\n')
        self.md.append('The reconfig stage on the rig (`tools/vm/rig.sh`): four guests of one '
                       'vCPU each, one replica per guest, on a bridge.  After %d records, a '
                       'backup is replaced by a joining machine, asked at the primary, while '
                       '16 writers of 64 B run there (the same load just before is the '
                       'baseline); then, %d times, with one writer alone at the primary, whose '
                       'median write before the change is the round trip, asked in turn by '
                       'the script over netlink and by `vsradm reconfigure` (whose exit comes '
                       'at the switch, on the primary\'s one vCPU).  The pause is the write the '
                       'switch held (the first to end after the primary switched); beside it, '
                       'its worst write within 20 ms of the switch, and the median write in '
                       'flight at a random instant before the change.\n\n' % (n, len(rs)))
        self.md.append(table(['fg records/s, baseline', 'fg records/s, change', 'ratio'],
                             [[fg['baseline']['records_per_s'], fg['change']['records_per_s'],
                               tp]]))
        self.md.append('\n')
        self.md.append(table(['replace', 'asked', 'kernel', 's to change', 'write p50 µs',
                              'p99 before µs', 'pause µs', 'pause (RTT)',
                              'worst within 20 ms (RTT)', 'in flight before (RTT)'],
                             [[r['rep'], r.get('asked', 'vsradm'), r['kernel'],
                               r['reconfig_s'], r['write_p50_us'], r['write_p99_before_us'],
                               r['pause_us'], r['pause_rtt'], r.get('worst_near_rtt'),
                               r.get('inflight_before_rtt')]
                              for r in sorted(rs, key=lambda r: (r['rep'],
                                                                 r.get('asked', '')))]))

    def section_durable(self):
        rs = pick(self.rs, stage='durable')
        raw = one(self.rs, stage='durable_raw')
        fl1 = one(self.rs, stage='durable_flush', together=1)
        fl3 = one(self.rs, stage='durable_flush', together=3, load='none')
        fl = one(self.rs, stage='durable_flush', together=3, load='memory-1')
        if not rs and not raw and not fl1:
            return
        runs = {(s, lg, c): one(rs, system=s, log=lg, clients=c)
                for s, lg in (('vsr', 'durable'), ('vsr', 'memory'), ('etcd', 'durable'))
                for c in (1, 64)}
        if not raw or not fl or not fl1 or not fl3 or not all(runs.values()):
            self.problems.append('durable on the rig: a result is missing')
            return
        # The ring through the page cache, beside it (runs before it had none).
        shown = dict(runs)
        shown.update({('vsr', 'buffered', c): one(rs, system='vsr', log='buffered', clients=c)
                      for c in (1, 64) if one(rs, system='vsr', log='buffered', clients=c)})
        order = ('durable', 'buffered', 'memory')
        rows = []
        for (s, lg, c), r in sorted(shown.items(),
                                    key=lambda kv: (kv[0][0] != 'vsr', order.index(kv[0][1])
                                                    if kv[0][0] == 'vsr' else 0, kv[0][2])):
            tp = r['records_per_s'] if s == 'vsr' else r['ops_per_s']
            errs = r['errors'] if s == 'etcd' else sum(r['errors'].values())
            if not tp or errs:
                self.problems.append('durable on the rig, %s %s x%d: %s/s, %s errors'
                                     % (s, lg, c, fmt(tp), errs))
            per = ratio(r.get('entries'), r.get('flushes'))
            rows.append([s, lg, c, tp, r['lat_us']['p50'], r['lat_us']['p99'], per,
                         r.get('write_us'), r.get('flush_us'), r.get('backup_write_us'),
                         r.get('backup_flush_us')])
        floor = raw['lat_us']['p50'] + fl['lat_us']['p50']
        v1, v64, e64 = runs['vsr', 'durable', 1], runs['vsr', 'durable', 64], runs['etcd', 'durable', 64]
        r = ratio(v64['records_per_s'], e64['ops_per_s'])
        self.bar('64 writers, 64 B, durable, on the rig: vsr records/s / etcd puts/s '
                 '(%s records per flush)' % fmt(ratio(v64['entries'], v64['flushes'])),
                 r, 10, r is not None and r >= 10, 'ratio, >= 10')
        self.bar('1 writer, 64 B, durable, on the rig: p50 commit latency',
                 v1['lat_us']['p50'], floor, v1['lat_us']['p50'] <= floor,
                 'µs, <= raw UDP RTT p50 (%.0f µs) + one flush p50 (%.0f µs, all three '
                 'guests flushing under one writer in memory)'
                 % (raw['lat_us']['p50'], fl['lat_us']['p50']))
        self.md.append('\n## A durable log against etcd, between separate machines (the rig)\n\n')
        self.md.append('Three guests of one vCPU each, one replica or etcd member per guest, each '
                       'with virtio disks (files on the host, QEMU\'s writeback cache: a flush '
                       'in the guest is an fdatasync on the host).  vsr\'s log is the raw '
                       '/dev/vda; etcd\'s data directory is on ext4 on /dev/vdb, fsync on (its '
                       'default).  Writers of 64 B at the primary (the leader\'s endpoint).  '
                       'Raw UDP round trip between two guests, 64 B: p50 %.0f µs.  One flush, '
                       'a 4 KiB write with O_DSYNC on /dev/vda: p50 %.0f µs (p99 %.0f) alone; '
                       '%.0f µs (p99 %.0f) while the other two guests flush too, as all three '
                       'replicas do for each op (their emulated disks share the host\'s); '
                       '%.0f µs (p99 %.0f) so while the machines also carry one writer in '
                       'memory: the emulated CPUs then compete with QEMU\'s I/O for the host\'s '
                       'two cores.  The bar takes the last.  Records per flush: entries the '
                       'primary\'s journal wrote per flush; then the mean time of a write '
                       '(direct, until the disk took it; through the page cache for log '
                       'buffered, the module\'s direct_io off) and of a flush '
                       '(vfs_fsync_range()) inside vsr\'s journal, on the primary and on a '
                       'backup, in the same runs.\n\n'
                       % (raw['lat_us']['p50'], fl1['lat_us']['p50'], fl1['lat_us']['p99'],
                          fl3['lat_us']['p50'], fl3['lat_us']['p99'],
                          fl['lat_us']['p50'], fl['lat_us']['p99']))
        self.md.append(table(['system', 'log', 'writers', 'records/s', 'p50 µs', 'p99 µs',
                              'records per flush', 'write µs', 'flush µs',
                              'backup\'s write µs', 'backup\'s flush µs'], rows))

    def auth_points(self, mode, size):
        """The auth stage's points of @mode (none, key, encrypt) at @size without
        the flood, one per round."""
        return [r for r in pick(self.rs, stage='auth', auth=mode, size=size) if 'flood' not in r]

    def auth_point(self, mode, size):
        """The median by records/s of auth_points(@mode, @size) (the lower of the
        two middle ones for an even count), or None."""
        rs = sorted(self.auth_points(mode, size), key=lambda r: r['records_per_s'])
        return median(rs)

    def section_auth(self):
        rows = []
        for size in sorted({r['size'] for r in pick(self.rs, stage='auth')}):
            none, key, enc = (self.auth_point(m, size) for m in ('none', 'key', 'encrypt'))
            rps = [x and x['records_per_s'] for x in (none, key, enc)]
            runs = '/'.join(str(len(self.auth_points(m, size))) for m in ('none', 'key', 'encrypt'))
            rows.append([size, runs] + rps + [ratio(rps[1], rps[0]), ratio(rps[2], rps[0])])
        if not rows:
            return
        self.md.append('\n## Authentication and encryption\n\n')
        self.md.append('64 writers on the primary of a cluster without a key, of one with '
                       'a key (a ChaCha20-Poly1305 MAC on every datagram but AUTH) and of one that encrypts '
                       '(ChaCha20-Poly1305 on every datagram but AUTH), same run.  Where a point '
                       'was run more than once (runs: without a key / key / encrypted), each run '
                       'on a cluster of its own and alternating, its figure is the median.  The '
                       'ratios are to the cluster without a key; encryption\'s is reported, not '
                       'barred.\n\n')
        self.md.append(table(['size', 'runs', 'records/s, no key', 'records/s, key',
                              'records/s, encrypted', 'ratio key', 'ratio encrypted'], rows))
        fl = one(self.rs, stage='auth_flood')
        fv = [r for r in pick(self.rs, stage='auth', auth='key', size=64) if 'flood' in r]
        if fl and fl['sent'] and 'nic_rx' in fl and not fl['nic_rx']:
            self.problems.append('none of the flood\'s %d forged datagrams reached the guest\'s NIC'
                                 % fl['sent'])
        if fl and fl['sent'] and not fl['drop_auth']:
            self.problems.append('the flood\'s %d forged datagrams were not counted as drop-auth'
                                 % fl['sent'])
        if fl and fv:
            secs = fl['seconds'] or 1
            self.md.append('\nA flood of forged datagrams (%d B, valid but for the tag) at the '
                           'primary from a backup\'s address, sent by the host through a NIC of '
                           'the guest: %.0f/s sent; %.0f/s reached the NIC (QEMU drops what the '
                           'guest does not take); %d failed the MAC (drop-auth) and %d were '
                           'dropped before it (drop-nomem), %d of them because the address '
                           'owed the receive work more time than its share (rx-flood-drops).  '
                           '64 writers of 64 B meanwhile: %s records/s.\n'
                           % (fl['size'], fl['per_s'], fl.get('nic_rx', 0) / secs,
                              fl['drop_auth'], fl.get('drop_nomem', 0),
                              fl.get('drop_flood', 0), fmt(fv[0]['records_per_s'])))

    def compute_bars(self):
        for size in sorted({r['size'] for r in self.vsr(role='primary', mode='closed',
                                                         clients=1, mtu=1500)}):
            v = one(self.rs, stage='vsr', role='primary', mode='closed', clients=1,
                    size=size, mtu=1500)
            rr = self.raw_rr(size)
            if v and rr:
                lim = 1.5 * rr['lat_us']['p50']
                self.bar('1 writer on the primary, %d B: p50 commit latency' % size,
                         v['lat_us']['p50'], lim, v['lat_us']['p50'] <= lim,
                         'µs, <= 1.5 x raw UDP RTT p50 (%.0f µs)' % rr['lat_us']['p50'])
        v = one(self.rs, stage='vsr', role='primary', mode='closed', clients=64,
                size=64, mtu=1500)
        e = one(self.rs, stage='etcd', clients=64, size=64)
        rr = self.raw_rr(64)
        if v and e:
            r = ratio(v['records_per_s'], e['ops_per_s'])
            self.bar('64 writers, 64 B: vsr records/s / etcd puts/s', r, 10, r >= 10,
                     'ratio, >= 10')
        if v and rr:
            r = ratio(v['records_per_s'], rr['rtt_per_s'])
            self.bar('64 writers, 64 B: vsr records/s / raw round trips/s', r, 3, r >= 3,
                     'ratio, >= 3 (batching must carry it)')
        for mtu in (1500, 65535):
            st = self.raw_stream(16384, mtu)
            vs = [r for r in self.vsr(role='primary', mode='closed', size=16384, mtu=mtu)]
            if st and vs:
                best = max(vs, key=lambda r: r['mb_per_s'])
                r = ratio(best['mb_per_s'], st['recv_mb_per_s'])
                self.bar('16 KiB records, MTU %d: vsr MB/s / raw stream MB/s (best: %d writers)'
                         % (mtu, best['clients']), r, 0.5, r >= 0.5, 'ratio, >= 0.5')

    def auth_bars(self):
        for size, lim in ((64, 0.9), (16384, 0.75)):
            none, key = self.auth_point('none', size), self.auth_point('key', size)
            if none and key:
                r = ratio(key['records_per_s'], none['records_per_s'])
                self.bar('64 writers, %d B: records/s with a key / without (medians)' % size,
                         r, lim, r is not None and r >= lim, 'ratio, >= %g' % lim)
        fv = [r for r in pick(self.rs, stage='auth', auth='key', size=64) if 'flood' in r]
        # The flood ran on the first round's keyed cluster: compare with that.
        key = [r for r in self.auth_points('key', 64) if r.get('round', 1) == fv[0].get('round', 1)] \
            if fv else []
        fl = one(self.rs, stage='auth_flood')
        if key and fv and fl:
            r = ratio(fv[0]['records_per_s'], key[0]['records_per_s'])
            self.bar('64 writers, 64 B, keyed, under %.0f forged datagrams/s: '
                     'records/s / without the flood' % fl['per_s'],
                     r, 0.5, r is not None and r >= 0.5,
                     'ratio, >= 0.5 (at a flood of 100,000/s)')
            if fl['per_s'] < 0.9 * fv[0].get('flood', 0):
                self.md.append('\nThe flooder reached %.0f of the %d datagrams/s asked '
                               'for: the host could not send more.\n'
                               % (fl['per_s'], fv[0]['flood']))

    def write(self, outdir):
        self.section_raw()
        self.section_vsr()
        self.section_etcd()
        self.section_failover()
        self.section_catchup()
        self.section_reconfig()
        self.section_reconfig_rig()
        self.section_durable()
        self.section_auth()
        self.compute_bars()
        self.auth_bars()
        head = ['# vsr benchmark\n\n',
                'Guest: %s CPUs, kernel %s, QEMU TCG; %s s per point%s.  Ratios are '
                'from this one run; absolute figures are an emulated machine\'s.\n\n'
                % (self.env.get('cpus'), self.env.get('kernel'),
                   self.env.get('seconds_per_point'),
                   ', SMOKE RUN (not a measurement)' if self.env.get('smoke') else '')]
        bars = ['## The bars\n\n', table(['bar', 'measured', 'limit', 'met', 'unit'],
                                          [[b['bar'], b['value'], b['limit'],
                                            'yes' if b['met'] else 'NO', b['how']]
                                           for b in self.bars]), '\n']
        with open(os.path.join(outdir, 'report.md'), 'w') as f:
            f.write(''.join(head + bars + self.md))
        with open(os.path.join(outdir, 'summary.json'), 'w') as f:
            json.dump({'env': self.env, 'bars': self.bars, 'results': self.rs,
                       'problems': self.problems}, f, indent=1, sort_keys=True)

    def plots(self, outdir):
        if not shutil.which('gnuplot'):
            print('report: gnuplot not found, no plots', file=sys.stderr)
            return
        series = []
        for size in sorted({r['size'] for r in self.rs if r.get('stage') in ('vsr', 'etcd')}):
            curves = []
            for label, rs in (('vsr primary', self.vsr(role='primary', mode='closed',
                                                       mtu=1500, size=size)),
                              ('etcd', pick(self.rs, stage='etcd', size=size))):
                for r in sorted(rs, key=lambda r: r['clients']):
                    if 'cdf_us' not in r:
                        continue
                    dat = os.path.join(outdir, 'cdf-%s-%d-%d.dat' % (
                        label.split()[0], size, r['clients']))
                    with open(dat, 'w') as f:
                        for p, us in r['cdf_us']:
                            f.write('%g %g\n' % (us, p))
                    curves.append((dat, '%s, %d writers' % (label, r['clients'])))
            if curves:
                series.append((size, curves))
        script = ['set terminal png size 900,600', 'set grid', 'set key bottom right']
        for size, curves in series:
            script += ['set output "%s"' % os.path.join(outdir, 'latency-cdf-%d.png' % size),
                       'set title "commit latency CDF, %d B records"' % size,
                       'set logscale x', 'set xlabel "latency (µs)"',
                       'set ylabel "percentile"',
                       'plot ' + ', '.join('"%s" using 1:2 with linespoints title "%s"'
                                           % (d, t) for d, t in curves)]
        tp = []
        for size in sorted({r['size'] for r in self.rs if r.get('stage') in ('vsr', 'etcd')}):
            for label, rs, key in (('vsr primary', self.vsr(role='primary', mode='closed',
                                                            mtu=1500, size=size), 'records_per_s'),
                                   ('vsr backup', self.vsr(role='backup', mode='closed',
                                                           mtu=1500, size=size), 'records_per_s'),
                                   ('etcd', pick(self.rs, stage='etcd', size=size), 'ops_per_s')):
                if not rs:
                    continue
                dat = os.path.join(outdir, 'tp-%s-%d.dat' % (label.replace(' ', '-'), size))
                with open(dat, 'w') as f:
                    for r in sorted(rs, key=lambda r: r['clients']):
                        f.write('%d %g\n' % (r['clients'], r[key]))
                tp.append((dat, '%s, %d B' % (label, size)))
        if tp:
            script += ['unset logscale', 'set output "%s"' % os.path.join(outdir, 'throughput.png'),
                       'set title "throughput against concurrent writers (closed loop)"',
                       'set logscale x 2', 'set logscale y', 'set xlabel "writers"',
                       'set ylabel "records (puts) per second"', 'set key outside right',
                       'plot ' + ', '.join('"%s" using 1:2 with linespoints title "%s"'
                                           % (d, t) for d, t in tp)]
        r = subprocess.run(['gnuplot'], input='\n'.join(script) + '\n', text=True,
                           capture_output=True)
        if r.returncode:
            print('report: gnuplot failed: %s' % r.stderr.strip(), file=sys.stderr)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 1:
        sys.exit('usage: report.py RESULTS_DIR [--no-plots] [--check]')
    outdir = args[0]
    path = os.path.join(outdir, 'results.jsonl')
    try:
        rs = load(path)
    except (OSError, ValueError) as e:
        sys.exit('report: cannot read %s: %s' % (path, e))
    rep = Report(rs)
    rep.write(outdir)
    if '--no-plots' not in sys.argv:
        rep.plots(outdir)
    print('bars (from %s):' % os.path.join(outdir, 'report.md'))
    for b in rep.bars:
        print('  %-4s %-70s %10s  (limit %s)' % ('met' if b['met'] else 'NOT', b['bar'],
                                                fmt(b['value'], 2), fmt(b['limit'], 2)))
    if '--check' in sys.argv:
        stages = {r.get('stage') for r in rs}
        for want in ('raw', 'vsr', 'failover', 'catchup', 'reconfig', 'auth', 'auth_flood',
                     'etcd', 'reconfig_rig', 'durable'):
            if want not in stages:
                rep.problems.append('no %s result' % want)
        for p in rep.problems:
            print('report: problem: %s' % p, file=sys.stderr)
        sys.exit(1 if rep.problems else 0)


if __name__ == '__main__':
    main()
