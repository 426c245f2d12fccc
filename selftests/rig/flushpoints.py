#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crash consistency at every flush point, inside one rig guest.

usage: flushpoints.py VSRADM DATA LOGDEV ADDR WRITERSxRECORDS@RETENTION...

For each run given: a one-replica durable cluster (replica 0 of cluster
78 at ADDR, that log retention) keeps its log on device-mapper's
log-writes target over DATA (zeroed first), which records every write
that reaches DATA, in the order they were flushed, on LOGDEV.  WRITERS
writers append RECORDS records each; after each
write() returns, the writer puts a mark naming its record in the write
log (dmsetup message).  The block layer only logs a flush once the
writes before it are done, and the mark comes after the flush that made
the record durable, so at each flush entry of the log, the records whose
marks come before it are acknowledged, and the disk holds at least what
the log holds up to there.

Then the log is replayed onto a copy of DATA, and at every flush entry
after the format (and at the end) a copy of that image is restarted as
the replica (vsradm add vsrlog1 log-file IMAGE): it must come back
normal (from its disk alone: there is no other replica) with its log
committed and every acknowledged record in it once, unless a checkpoint
since has trimmed it away (check_log()).  Before about every third
flush, a state with a random subset of the sectors written since the
flush before (the disk may have taken any of them, tearing a write) must
restart too, with what was acknowledged at the flush before.  A short retention moves the
checkpoint every few ops, so that its writes are among the flush points.

Prints one line per checked point on stdout ("# ..."); exit status 1 at
the first point that fails, with what it found.
"""
import collections
import json
import os
import random
import re
import stat
import struct
import subprocess
import sys
import threading
import time

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK = 1, 2, 4, 8
TABLE = 'vsr-lw'
IMAGE = '/tmp/replay.img'
CHECK = '/tmp/check.img'
TORN = 0.3


def run(*args, check=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if check and r.returncode:
        sys.exit('flushpoints: %s: %s' % (' '.join(args), (r.stderr or r.stdout).strip()))
    return r


def show(vsradm, name):
    r = run(vsradm, '-j', 'show', name, check=False)
    if r.returncode:
        return None
    return json.loads(r.stdout)[0]


def wait_normal(vsradm, name, secs):
    """The instance is normal and has committed its whole log."""
    end = time.monotonic() + secs
    while True:
        st = show(vsradm, name)
        if st and st['status'] == 'normal' and st['commit'] == st['op']:
            return st
        if time.monotonic() > end:
            return st
        time.sleep(0.1)


def read_log(dev):
    """The committed records of DEV, without blocking."""
    recs = []
    fd = os.open(dev, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                rec = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not rec:
                break
            recs.append(rec.decode(errors='replace'))
    finally:
        os.close(fd)
    return recs


def write_load(vsradm, dev, addr, writers, records, retention):
    """Format the replica on the log-writes target and write; the marks."""
    run(vsradm, 'add', 'vsrlog0', 'replica', '0', 'peers', addr, 'cluster', '78',
        'retention', str(retention), 'log-file', dev, 'format')
    st = wait_normal(vsradm, 'vsrlog0', 120)
    if not st or st['status'] != 'normal':
        sys.exit('flushpoints: the replica did not become normal: %s' % st)
    run('dmsetup', 'message', TABLE, '0', 'mark', 'formatted')
    errors = []

    def writer(w):
        fd = os.open('/dev/vsrlog0', os.O_WRONLY)
        for k in range(records):
            rec = 'w%d-%d' % (w, k)
            try:
                os.write(fd, rec.encode())
            except OSError as e:
                errors.append('%s: %s' % (rec, e))
                continue
            run('dmsetup', 'message', TABLE, '0', 'mark', rec)
        os.close(fd)

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit('flushpoints: writes failed: %s' % errors[:5])
    run(vsradm, 'del', 'vsrlog0')


def entries(logdev):
    """The write log's entries: (flags, byte offset, data or mark)."""
    with open(logdev, 'rb') as f:
        magic, version, n, ss = struct.unpack('<QQQI', f.read(28))
        if magic != MAGIC or version != 1:
            sys.exit('flushpoints: %s holds no write log' % logdev)
        pos = ss
        for _ in range(n):
            f.seek(pos)
            sector, nr, flags, dlen = struct.unpack('<QQQQ', f.read(32))
            pos += ss
            data = b''
            if flags & MARK:
                data = f.read(dlen)
            elif nr and not flags & DISCARD:
                f.seek(pos)
                data = f.read(nr * ss)
                pos += nr * ss
            yield flags, sector * ss, nr * ss, data


def check_log(log, trim, acked):
    """What is wrong with the restarted log LOG (records from op TRIM on),
    given the acknowledged records ACKED, or None.

    A writer waits for each write, so its records are in the log in the
    order it wrote them, one after another: the ones still readable (above
    the checkpoint, which TRIM passes) are a run that must reach its last
    acknowledged one, and start at its first while nothing is trimmed.
    """
    runs = collections.defaultdict(list)
    for rec in log:
        w, k = rec[1:].split('-')
        runs[int(w)].append(int(k))
    last = {}
    for a in acked:
        w, k = a[1:].split('-')
        last[int(w)] = max(last.get(int(w), -1), int(k))
    for w, ks in runs.items():
        if ks != list(range(ks[0], ks[0] + len(ks))):
            return 'writer %d\'s records are not one run: %s' % (w, ks)
        if trim <= 1 and ks[0] != 0:
            return 'writer %d\'s first records are gone (nothing trimmed): %s' % (w, ks[:5])
    for w, k in last.items():
        if not runs[w] or runs[w][-1] < k:
            return ('writer %d: record %d acknowledged, the log ends its records at %s'
                    % (w, k, runs[w][-1] if runs[w] else 'none'))
    return None


def sync_check(used):
    """Make CHECK the image again, copying only the MiB that differ (the
    replay's progress, and what the last restart wrote): far cheaper than
    a copy in the emulated guest.  Nothing is written at or past USED."""
    mib = 1 << 20
    with open(IMAGE, 'rb') as a, open(CHECK, 'r+b') as b:
        for off in range(0, used, mib):
            x = a.read(mib)
            y = b.read(mib)
            if x != y:
                b.seek(off)
                b.write(x)


def check_point(vsradm, what, acked, used, writes=()):
    """Restart a copy of the image with WRITES (offset, bytes) over it;
    what is wrong with it, or None."""
    sync_check(used)
    with open(CHECK, 'r+b') as f:
        for off, d in writes:
            f.seek(off)
            f.write(d)
    r = run(vsradm, 'add', 'vsrlog1', 'log-file', CHECK, check=False)
    if r.returncode:
        return 'vsradm add: %s' % (r.stderr or r.stdout).strip()
    try:
        st = wait_normal(vsradm, 'vsrlog1', 60)
        if not st or st['status'] != 'normal' or st['commit'] != st['op']:
            return 'not normal with its log committed: %s' % st
        log = read_log('/dev/vsrlog1')
        err = check_log(log, st['trim-point'], acked)
        if err:
            return '%s (op %d, trim point %d)' % (err, st['op'], st['trim-point'])
        print('# %s: %d acknowledged; restarted with %d records readable, ops %d..%d'
              % (what, len(acked), len(log), st['trim-point'], st['op']), flush=True)
        return None
    finally:
        run(vsradm, 'del', 'vsrlog1', check=False)


def one_run(vsradm, data, logdev, addr, writers, records, retention, seed):
    """One load on a zeroed DATA, then every flush point checked."""
    rng = random.Random(seed)
    size = int(run('blockdev', '--getsize64', data).stdout)
    run('dd', 'if=/dev/zero', 'of=' + data, 'bs=1M', 'count=%d' % (size >> 20), 'oflag=direct')
    run('dmsetup', 'create', TABLE, '--table',
        '0 %d log-writes %s %s' % (size // 512, data, logdev))
    # The device node devtmpfs made (no udev here to make /dev/mapper's).
    dev = '/dev/' + run('dmsetup', 'info', '-c', '--noheadings', '-o', 'blkdevname',
                        TABLE).stdout.strip()
    try:
        if not stat.S_ISBLK(os.stat(dev).st_mode):
            sys.exit('flushpoints: %s is no block device' % dev)
        write_load(vsradm, dev, addr, writers, records, retention)
    finally:
        run('dmsetup', 'remove', TABLE, check=False)

    # What the page cache may hold of either device predates the target.
    run('blockdev', '--flushbufs', data)
    run('blockdev', '--flushbufs', logdev)
    # First the marks: at a flush, the records acknowledged before the
    # next one must be there (an ack comes after the flush that made its
    # record durable, and nothing later is sure to be on the disk).
    log = list(entries(logdev))
    want = []
    formatted = None
    acked = []
    for i, (flags, off, nbytes, d) in enumerate(log):
        if flags & MARK:
            mark = d.decode()
            if mark == 'formatted':
                formatted = len(want)
            elif mark == 'dm-log-writes-end':	# the target's own, at its removal
                pass
            elif re.fullmatch(r'w\d+-\d+', mark):
                acked.append(mark)
            else:
                sys.exit('flushpoints: a mark the writers did not put: %r' % mark)
        elif flags & (FLUSH | FUA):
            want.append(len(acked))
    if formatted is None:
        sys.exit('flushpoints: no mark of the format in the write log')
    # Acked records count at the flush after; the last flush, all of them.
    upto = want[1:] + [len(acked)]

    # Where the writes end (the format wrote over all it uses), in MiB.
    used = max([off + len(d) for flags, off, nbytes, d in log if not flags & MARK] + [0])
    used = min(size, (used + (1 << 20) - 1) & ~((1 << 20) - 1))
    for path in (IMAGE, CHECK):
        with open(path, 'wb') as f:
            f.truncate(size)
    points = flushes = subsets = 0
    nents = len(log)
    img = open(IMAGE, 'r+b')
    since = []	# the writes since the last flush
    for flags, off, nbytes, d in log:
        if flags & MARK:
            continue
        if flags & DISCARD:
            d = bytes(nbytes)
        if d:
            since.append((off, d))
        if not flags & (FLUSH | FUA):
            continue
        flushes += 1
        # Before this flush is done, any sectors of the writes since the
        # last may have reached the disk (a write tears between sectors),
        # and no more is acknowledged than at the last flush: one such
        # state, at random, before every third flush or so.
        sectors = [(off + i, d[i:i + 512]) for off, d in since for i in range(0, len(d), 512)]
        if flushes > formatted and len(sectors) > 1 and rng.random() < TORN:
            keep = [w for w in sectors if rng.random() < 0.5]
            what = ('before flush %d, %d of the %d sectors of its %d writes'
                    % (flushes, len(keep), len(sectors), len(since)))
            img.flush()
            err = check_point(vsradm, what, acked[:upto[flushes - 2]], used, keep)
            if err:
                sys.exit('flushpoints: %s (seed %d): %s' % (what, seed, err))
            subsets += 1
        for off, d in since:
            img.seek(off)
            img.write(d)
        since = []
        # From the format's flush on.
        if flushes >= formatted:
            img.flush()
            err = check_point(vsradm, 'flush %d' % flushes, acked[:upto[flushes - 1]], used)
            if err:
                sys.exit('flushpoints: at flush %d: %s' % (flushes, err))
            points += 1
    for off, d in since:
        img.seek(off)
        img.write(d)
    img.close()
    # The replay must end where the disk did: a check of the replayer.
    r = run('cmp', IMAGE, data, check=False)
    if r.returncode:
        sys.exit('flushpoints: the replayed image differs from %s: %s (%d entries, %d flushes)'
                 % (data, r.stdout.strip(), nents, flushes))
    err = check_point(vsradm, 'the end', acked, used)
    if err:
        sys.exit('flushpoints: at the end: %s' % err)
    if len(acked) != writers * records:
        sys.exit('flushpoints: %d marks in the write log, want %d' % (len(acked), writers * records))
    print('# %d writers x %d records, retention %d: %d flushes, %d checked after the format, '
          'and %d torn states before one' % (writers, records, retention, flushes, points,
                                                 subsets), flush=True)


def main():
    if len(sys.argv) < 6:
        sys.exit('usage: flushpoints.py VSRADM DATA LOGDEV ADDR WRITERSxRECORDS@RETENTION...')
    vsradm, data, logdev, addr = sys.argv[1:5]
    run('modprobe', 'dm-log-writes', check=False)
    seed = int(os.environ.get('RIG_SEED') or time.time())
    print('# seed %d (RIG_SEED=%d repeats the choices)' % (seed, seed), flush=True)
    for spec in sys.argv[5:]:
        load, retention = spec.split('@')
        writers, records = load.split('x')
        one_run(vsradm, data, logdev, addr, int(writers), int(records), int(retention), seed)


if __name__ == '__main__':
    main()
