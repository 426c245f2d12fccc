#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cost of one flush, for the benchmark's durable stage.

usage: flush.py PATH COUNT [SIZE]

Writes COUNT blocks of SIZE bytes (default 4096, one journal slot) one
after another at the start of PATH, each with O_DSYNC: a buffered write
and then a flush of the device's cache, as vsr's journal does for a batch
(kernel_write() and vfs_fsync_range()).  Prints one JSON object: the
latency of each write, p50 and p99 in µs, and writes per second.  PATH is
overwritten: use it before a log is formatted on it.
"""
import json
import os
import sys
import time


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit('usage: flush.py PATH COUNT [SIZE]')
    path, count = sys.argv[1], int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) == 4 else 4096
    if count < 1 or size < 1:
        sys.exit('flush.py: COUNT and SIZE must be positive')
    buf = b'\xa5' * size
    try:
        fd = os.open(path, os.O_WRONLY | os.O_DSYNC)
    except OSError as e:
        sys.exit('flush.py: %s: %s' % (path, e.strerror))
    lat = []
    start = time.perf_counter()
    for i in range(count):
        t = time.perf_counter()
        if os.pwrite(fd, buf, i * size) != size:
            sys.exit('flush.py: %s: short write' % path)
        lat.append((time.perf_counter() - t) * 1e6)
    total = time.perf_counter() - start
    os.close(fd)
    lat.sort()
    print(json.dumps({'path': path, 'size': size, 'writes': count,
                      'writes_per_s': count / total,
                      'lat_us': {'p50': lat[(count - 1) // 2],
                                 'p99': lat[min(count - 1, count * 99 // 100)],
                                 'max': lat[-1]}}, sort_keys=True))


if __name__ == '__main__':
    main()
