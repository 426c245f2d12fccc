#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print every committed record of a vsr device, one per line as
"OP RECORD" (record cut to 64 bytes), without blocking, up to the last
one committed (or the end of file, on a removed replica).

usage: readlog.py DEVICE [FROM_OP]
"""
import os
import sys


def main():
    fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
    if len(sys.argv) > 2:
        os.lseek(fd, int(sys.argv[2]), os.SEEK_SET)
    while True:
        try:
            rec = os.read(fd, 65536)
        except BlockingIOError:
            return 0
        # End of file: a removed replica's log ends at the change.
        if not rec:
            return 0
        # The position now points past the record: its op is pos' - 1.
        op = os.lseek(fd, 0, os.SEEK_CUR) - 1
        print(op, rec[:64].decode(errors='replace'), flush=True)


if __name__ == '__main__':
    sys.exit(main())
