#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crash consistency at every flush point, inside one rig guest.

usage: flushpoints.py VSRADM DATA LOGDEV ADDR WRITERSxRECORDS@RETENTION...

For each run given: a one-replica durable cluster (replica 0 of cluster
78 at ADDR, that log retention) keeps its log on device-mapper's
log-writes target over a delay target over DATA (zeroed first).  The
log-writes target records every write that reaches DATA on LOGDEV, in
the order they were flushed; the delay target makes each flush take
FLUSH_DELAY_MS longer.  WRITERS writers append RECORDS records each;
after each write() returns, the writer puts a mark naming its record in
the write log (dmsetup message).  A flush is logged once it is done,
after the writes before it, and an ack that waited for the flush that
made its record durable puts its mark after it; one that did not, before
it (the flush is slower than the mark).  So at each flush entry, the
records marked before the next one must be on the disk.

Then the log is replayed onto a copy of DATA (which the whole replay
must reproduce), and at every flush from the format's last on (and at
the end) a copy of that image is restarted as the replica (vsradm add
vsrlog1 log-file IMAGE): it must come back normal (from its disk alone:
there is no other replica) with its log committed, every acknowledged
record in it once unless a checkpoint since trimmed it (check_log()),
and the last RETENTION ops readable.  Before every flush whose writes
touch the superblocks or checkpoints, and before about one in three of
the others, a state where each sector written since the flush before is
old, new or garbage (a write torn, a sector being written at the power
cut) must restart too, with what was acknowledged at the flush before.

Prints one line per checked point on stdout ("# ..."); exit status 1 at
the first point that fails, with what it found.
"""
import collections
import json
import os
import random
import re
import signal
import stat
import struct
import subprocess
import sys
import threading
import time

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK = 1, 2, 4, 8
TABLE = 'vsr-lw'
DELAY = 'vsr-delay'
FLUSH_DELAY_MS = 200
IMAGE = '/tmp/replay.img'
CHECK = '/tmp/check.img'
TORN = 0.3
# No restart takes this long (about 2 s each under TCG): past it, the
# point is stuck, and what it is stuck in is shown (stuck()).
POINT_SECS = 150
# What the point being checked is doing now, for stuck().
step = 'starting'
# The slowest point so far: seconds, what.
slowest = [0.0, 'none']
# Below this, the superblock copies and the checkpoint slots (disk.h).
LOG_OFF = 4 * 4096 + 2 * (4096 + 1024 * 32)


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
    """The first op readable and the committed records of DEV, without
    blocking; None if a trim overtook the reading (then read again).  A
    new file starts at the trim point."""
    recs = []
    fd = os.open(dev, os.O_RDONLY | os.O_NONBLOCK)
    try:
        first = os.lseek(fd, 0, os.SEEK_CUR)
        while True:
            try:
                rec = os.read(fd, 65536)
            except BlockingIOError:
                break
            except BrokenPipeError:
                return None
            if not rec:
                break
            recs.append(rec.decode(errors='replace'))
    finally:
        os.close(fd)
    return first, recs


def dm_node(table):
    """The block device node devtmpfs made for TABLE (no udev here to
    make /dev/mapper's)."""
    dev = '/dev/' + run('dmsetup', 'info', '-c', '--noheadings', '-o', 'blkdevname',
                        table).stdout.strip()
    if not stat.S_ISBLK(os.stat(dev).st_mode):
        sys.exit('flushpoints: %s is no block device' % dev)
    return dev


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


def set_step(what, doing):
    global step
    step = '%s: %s' % (what, doing)


def stuck(signum, frame):
    """A point took POINT_SECS: say where, with what the guest's tasks
    and kernel show, and fail (rather than leave the rig to time out with
    nothing said)."""
    print('flushpoints: stuck for %d s at %s' % (POINT_SECS, step), file=sys.stderr, flush=True)
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if fields[0] != 'D' and 'vsr' not in open('/proc/%s/comm' % pid).read():
                continue
            with open('/proc/%s/cmdline' % pid) as f:
                cmd = f.read().replace('\0', ' ').strip()
            with open('/proc/%s/stack' % pid) as f:
                stack = f.read().strip().replace('\n', ' < ')
            print('flushpoints: task %s (%s, %s): %s' % (pid, cmd, fields[0], stack),
                  file=sys.stderr)
        except (OSError, IndexError):
            pass
    r = subprocess.run(['dmesg'], capture_output=True, text=True)
    for line in r.stdout.splitlines()[-30:]:
        print('flushpoints: dmesg: %s' % line, file=sys.stderr)
    print('flushpoints: stuck for %d s at %s (above: its tasks, dmesg)' % (POINT_SECS, step),
          file=sys.stderr, flush=True)
    os._exit(1)


def check_point(vsradm, what, acked, used, retention, writes=()):
    """Restart a copy of the image with WRITES (offset, bytes) over it;
    what is wrong with it, or None."""
    signal.alarm(POINT_SECS)
    began = time.monotonic()
    set_step(what, 'copying the image')
    sync_check(used)
    with open(CHECK, 'r+b') as f:
        for off, d in writes:
            f.seek(off)
            f.write(d)
    set_step(what, 'vsradm add')
    r = run(vsradm, 'add', 'vsrlog1', 'log-file', CHECK, check=False)
    if r.returncode:
        return 'vsradm add: %s' % (r.stderr or r.stdout).strip()
    try:
        set_step(what, 'waiting to be normal')
        st = wait_normal(vsradm, 'vsrlog1', 60)
        if not st or st['status'] != 'normal' or st['commit'] != st['op']:
            return 'not normal with its log committed: %s' % st
        set_step(what, 'reading /dev/vsrlog1')
        for _ in range(100):
            got = read_log('/dev/vsrlog1')
            if got is not None:
                break
            time.sleep(0.05)
        else:
            return 'reads keep failing with EPIPE (trimmed): %s' % show(vsradm, 'vsrlog1')
        trim, log = got
        err = check_log(log, trim, acked)
        # A checkpoint keeps the last RETENTION ops readable.
        if not err and trim > max(1, st['commit'] + 1 - retention):
            err = 'trimmed past the retention of %d' % retention
        if err:
            return '%s (op %d, trim point %d)' % (err, st['op'], trim)
        secs = time.monotonic() - began
        slowest[:] = max(slowest, [secs, what])
        print('# %s: %d acknowledged; restarted with %d records readable, ops %d..%d, in %.1f s'
              % (what, len(acked), len(log), trim, st['op'], secs), flush=True)
        return None
    finally:
        set_step(what, 'vsradm del')
        run(vsradm, 'del', 'vsrlog1', check=False)
        signal.alarm(0)


def one_run(vsradm, data, logdev, addr, writers, records, retention, seed):
    """One load on a zeroed DATA, then every flush point checked."""
    rng = random.Random(seed)
    size = int(run('blockdev', '--getsize64', data).stdout)
    run('dd', 'if=/dev/zero', 'of=' + data, 'bs=1M', 'count=%d' % (size >> 20), 'oflag=direct')
    # Flushes take FLUSH_DELAY_MS longer (dm-delay under the log): an ack
    # that did not wait for its flush puts its mark in the write log
    # before that flush, however long the mark takes.
    run('dmsetup', 'create', DELAY, '--table', '0 %d delay %s 0 0 %s 0 0 %s 0 %d'
        % (size // 512, data, data, data, FLUSH_DELAY_MS))
    try:
        run('dmsetup', 'create', TABLE, '--table',
            '0 %d log-writes %s %s' % (size // 512, dm_node(DELAY), logdev))
        try:
            dev = dm_node(TABLE)
            signal.alarm(POINT_SECS * 2)
            set_step('the load', '%d writers x %d records' % (writers, records))
            write_load(vsradm, dev, addr, writers, records, retention)
            signal.alarm(0)
            st = run('dmsetup', 'status', TABLE).stdout
            if 'logging_disabled' in st:
                sys.exit('flushpoints: the write log stopped (full?): %s' % st.strip())
        finally:
            run('dmsetup', 'remove', TABLE, check=False)
    finally:
        run('dmsetup', 'remove', DELAY, check=False)

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
    # The format's third flush completes it (checkpoint, superblock pair,
    # pair): from there on every flush point must restart.
    checked = min(3, formatted)
    if checked < 1:
        sys.exit('flushpoints: no flush before the format returned')

    # Where the writes end (the format wrote over all it uses), in MiB.
    used = max([off + len(d) for flags, off, nbytes, d in log if not flags & MARK] + [0])
    used = min(size, (used + (1 << 20) - 1) & ~((1 << 20) - 1))
    # The replay must end where the disk did: a check of the replayer
    # before anything is blamed on the journal.
    with open(IMAGE, 'wb') as f:
        f.truncate(size)
        for flags, off, nbytes, d in log:
            if not flags & MARK:
                f.seek(off)
                f.write(bytes(nbytes) if flags & DISCARD else d)
    r = run('cmp', IMAGE, data, check=False)
    if r.returncode:
        sys.exit('flushpoints: the replayed image differs from %s: %s (%d entries)'
                 % (data, r.stdout.strip(), len(log)))
    for path in (IMAGE, CHECK):
        with open(path, 'wb') as f:
            f.truncate(size)
    points = flushes = subsets = 0
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
        meta = any(off < LOG_OFF for off, d in since)
        if flushes > checked and sectors and (meta or rng.random() < TORN):
            keep = []
            for off, d in sectors:
                c = rng.randrange(3)
                if c == 1:
                    keep.append((off, d))
                elif c == 2:
                    keep.append((off, rng.randbytes(len(d))))
            what = ('before flush %d, %d of the %d sectors of its %d writes new or garbage'
                    % (flushes, len(keep), len(sectors), len(since)))
            img.flush()
            err = check_point(vsradm, what, acked[:upto[flushes - 2]], used, retention, keep)
            if err:
                sys.exit('flushpoints: %s (seed %d): %s' % (what, seed, err))
            subsets += 1
        for off, d in since:
            img.seek(off)
            img.write(d)
        since = []
        if flushes >= checked:
            img.flush()
            err = check_point(vsradm, 'flush %d' % flushes, acked[:upto[flushes - 1]], used,
                              retention)
            if err:
                sys.exit('flushpoints: at flush %d: %s' % (flushes, err))
            points += 1
    for off, d in since:
        img.seek(off)
        img.write(d)
    img.close()
    err = check_point(vsradm, 'the end', acked, used, retention)
    if err:
        sys.exit('flushpoints: at the end: %s' % err)
    if len(acked) != writers * records:
        sys.exit('flushpoints: %d marks in the write log, want %d' % (len(acked), writers * records))
    print('# %d writers x %d records, retention %d: %d flushes, %d checked after the format, '
          'and %d torn states before one; the slowest, %s, took %.1f s'
          % (writers, records, retention, flushes, points, subsets, slowest[1], slowest[0]),
          flush=True)
    slowest[:] = [0.0, 'none']


def main():
    if len(sys.argv) < 6:
        sys.exit('usage: flushpoints.py VSRADM DATA LOGDEV ADDR WRITERSxRECORDS@RETENTION...')
    vsradm, data, logdev, addr = sys.argv[1:5]
    run('modprobe', 'dm-log-writes', check=False)
    run('modprobe', 'dm-delay', check=False)
    signal.signal(signal.SIGALRM, stuck)
    seed = int(os.environ.get('RIG_SEED') or time.time())
    print('# seed %d (RIG_SEED=%d repeats the choices)' % (seed, seed), flush=True)
    for spec in sys.argv[5:]:
        load, retention = spec.split('@')
        writers, records = load.split('x')
        one_run(vsradm, data, logdev, addr, int(writers), int(records), int(retention), seed)


if __name__ == '__main__':
    main()
