#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Status of the replicas of a selftest cluster from one process (one exec,
however many replicas and polls: the debug guest pays ~0.8 s per exec).

Replica I is /dev/vsrlogI (minors are host-wide, so the status ioctl works
from any namespace) and instance vsrlogI in netns vsr-rI.

  vsrstat.py get I FIELD...      print FIELDs of replica I (ioctl), one line
  vsrstat.py wait SECS EXPR I... wait until the Python expression EXPR over
                                 the fields holds on every replica I
  vsrstat.py watch STOP I...     until the file STOP exists, take status
                                 snapshots of replicas I... by ioctl and by
                                 netlink GET (in the replica's netns); each
                                 must be self-consistent (primary of its
                                 view, commit <= op, trim point <= commit +
                                 1); deleted instances are skipped

Fields: cluster epoch view op commit trim_point log_bytes replica primary
n_peers status (0 normal, 1 view change, 2 recovering, 3 failed).
"""

import ctypes
import errno
import fcntl
import os
import re
import struct
import sys
import time

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sys.path.insert(0, os.path.join(TOP, 'selftests'))
import vsr_nlraw as nl  # noqa: E402

FIELDS = ('cluster', 'epoch', 'view', 'op', 'commit', 'trim_point', 'log_bytes',
          'replica', 'primary', 'n_peers', 'status')


UAPI = os.path.join(TOP, 'include/uapi/linux/vsr.h')


def _uapi():
    """VSR_IOC_TYPE and the VSR_STATUS_SIZE_VER<n> sizes, from the uapi
    header: the sizes of struct vsr_status, oldest first."""
    uapi = open(UAPI).read()
    ioc_type = int(re.search(r'#define\s+VSR_IOC_TYPE\s+(0x[0-9a-fA-F]+)\b', uapi).group(1), 16)
    vers = {int(n): int(v, 0) for n, v in
            re.findall(r'#define\s+VSR_STATUS_SIZE_VER(\d+)\s+(\w+)\b', uapi)}
    if sorted(vers) != list(range(len(vers))) or not vers:
        raise ValueError('%s: VSR_STATUS_SIZE_VER<n> are %s' % (UAPI, sorted(vers)))
    return ioc_type, [vers[n] for n in sorted(vers)]


IOC_TYPE, SIZES = _uapi()
SIZE = SIZES[-1]                 # sizeof(struct vsr_status), this header
# VSR_IOC_GET_STATUS = _IOWR(VSR_IOC_TYPE, 1, struct vsr_status_hdr),
# the header being { __u32 size; __u32 reserved; }.
HDR = struct.Struct('<II')
IOC_GET_STATUS = (3 << 30) | (HDR.size << 16) | (IOC_TYPE << 8) | 1
# The deprecated VSR_IOC_STATUS_V1 = _IOR(0xb5, 1, struct vsr_status_v1):
# frozen, like the binaries that use it.
IOC_STATUS_V1 = 0x81a8b501
SIZE_V1 = 424
# The first fields of struct vsr_status (after the header) and of
# struct vsr_status_v1: FIELDS.
PREFIX = struct.Struct('<7Q3IB')


def get_status(fd, size=None, buf_len=None, reserved=0, fill=0):
    """VSR_IOC_GET_STATUS on fd with hdr.size SIZE (or size), in a buffer
    of buf_len bytes (default: as large as size), the rest of which is
    fill bytes.  Returns the buffer; raises OSError."""
    size = SIZE if size is None else size
    buf = bytearray([fill]) * (size if buf_len is None else buf_len)
    HDR.pack_into(buf, 0, size, reserved)
    fcntl.ioctl(fd, IOC_GET_STATUS, buf)
    return buf


def fields(buf, off=HDR.size):
    """FIELDS of a struct vsr_status (or, off 0, struct vsr_status_v1)."""
    return dict(zip(FIELDS, PREFIX.unpack_from(buf, off)))


def ioctl_status(i):
    """Replica i's status by VSR_IOC_GET_STATUS, or None if it does not
    exist.  It asks for the first version of the struct: FIELDS are in it."""
    try:
        fd = os.open('/dev/vsrlog%d' % i, os.O_RDONLY)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return None
        raise
    try:
        buf = get_status(fd, SIZES[0])
    finally:
        os.close(fd)
    return fields(buf)


def nl_socket(i):
    """A vsr genetlink socket in replica i's network namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open('/proc/self/ns/net', os.O_RDONLY)
    fd = os.open('/run/netns/vsr-r%d' % i, os.O_RDONLY)
    try:
        if libc.setns(fd, 0x40000000):    # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), 'setns vsr-r%d' % i)
        return nl.Genl()
    finally:
        libc.setns(own, 0x40000000)
        os.close(fd)
        os.close(own)


def nl_status(g, i):
    """Replica i's status by VSR_NL_CMD_GET, or None if it does not exist."""
    err, _, msgs = g.vsr('get', nl.a_str(nl.A['name'], 'vsrlog%d' % i))
    if err == -errno.ENOENT:
        return None
    if err or len(msgs) != 1:
        raise OSError(-err, 'get vsrlog%d' % i)
    a = dict(nl.parse_attrs(msgs[0][4:]))
    u = lambda k, f: struct.unpack(f, a[nl.A[k]][:struct.calcsize(f)])[0]
    return dict(view=u('view', 'Q'), primary=u('primary', 'I'), op=u('op', 'Q'),
                commit=u('commit', 'Q'), trim_point=u('trim_point', 'Q'),
                status=u('status', 'B'), n_peers=sum(1 for t, _ in nl.parse_attrs(
                    msgs[0][4:]) if t == nl.A['peer']))


def inconsistent(s):
    """Why snapshot s cannot be one moment of a replica, or None."""
    if s['primary'] != s['view'] % s['n_peers']:
        return 'primary %d is not the primary of view %d' % (s['primary'], s['view'])
    if s['commit'] > s['op']:
        return 'commit %d beyond op %d' % (s['commit'], s['op'])
    if s['trim_point'] > s['commit'] + 1:
        return 'trim point %d beyond commit %d + 1' % (s['trim_point'], s['commit'])
    if s['status'] > 3:
        return 'status %d' % s['status']
    return None


def watch(stop, reps):
    socks = {i: nl_socket(i) for i in reps}
    n = views = 0
    seen = {}
    while not os.path.exists(stop):
        for i in reps:
            for how, s in (('ioctl', ioctl_status(i)), ('netlink', nl_status(socks[i], i))):
                if s is None:
                    continue
                why = inconsistent(s)
                if why:
                    print('replica %d (%s): %s: %s' % (i, how, why, s))
                    return 1
                n += 1
                if seen.get(i) != s['view']:
                    seen[i] = s['view']
                    views += 1
        time.sleep(0.002)
    print('# %d status snapshots consistent (%d views seen)' % (n, views))
    return 0


def wait(secs, expr, reps):
    code = compile(expr, 'EXPR', 'eval')
    deadline = time.monotonic() + secs
    while True:
        st = {i: ioctl_status(i) for i in reps}
        if all(s and eval(code, {}, dict(s)) for s in st.values()):
            return 0
        if time.monotonic() > deadline:
            for i, s in st.items():
                print('replica %d: %s' % (i, s and {k: s[k] for k in FIELDS[2:]}))
            print('not within %s s: %s' % (secs, expr))
            return 1
        time.sleep(0.05)


def main(argv):
    cmd = argv[1]
    if cmd == 'get':
        s = ioctl_status(int(argv[2]))
        if s is None:
            return 1
        print(' '.join(str(s[f]) for f in argv[3:]))
        return 0
    if cmd == 'wait':
        return wait(float(argv[2]), argv[3], [int(i) for i in argv[4:]])
    if cmd == 'watch':
        return watch(argv[2], [int(i) for i in argv[3:]])
    sys.exit(__doc__)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
