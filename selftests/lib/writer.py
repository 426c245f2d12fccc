#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write records to a vsr device, keeping one file (one client session)
open, and print each record whose write() succeeded, one per line.

usage: writer.py DEVICE PREFIX COUNT [INTERVAL_S] [SIZE] [UNTIL_FILE]
Records are "PREFIX-<k>" padded with '.' to SIZE bytes (default: no pad).
With UNTIL_FILE, COUNT is a minimum: the writes go on until that file
exists (for a writer that must span steps of unknown duration).
A failed write is reported on stderr with its errno; the writer goes on
unless the device is gone (ENODEV), then it stops with exit status 3, or
its replica was removed from the cluster (EROFS), then with status 5.
"""
import errno
import os
import sys
import time


def main():
    dev, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    until = sys.argv[6] if len(sys.argv) > 6 else None
    fd = os.open(dev, os.O_WRONLY)
    failed = 0
    k = 0
    while k < count or (until and not os.path.exists(until)):
        rec = ('%s-%d' % (prefix, k)).encode()
        if size > len(rec):
            rec += b'.' * (size - len(rec))
        try:
            os.write(fd, rec)
            print(rec[:64].decode(), flush=True)
        except OSError as e:
            print('%s: write %s: %s' % (prefix, k, errno.errorcode.get(e.errno, e.errno)),
                  file=sys.stderr, flush=True)
            failed += 1
            if e.errno == errno.ENODEV:
                return 3
            if e.errno == errno.EROFS:
                return 5
        if interval:
            time.sleep(interval)
        k += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
