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


def _ioc_size():
    """sizeof(struct vsr_status), from the uapi headers (as device.sh)."""
    hdr = open(os.path.join(TOP, 'include/uapi/linux/vsr_genl.h')).read()
    max_peers = int(re.search(r'#define VSR_MAX_PEERS\s+(\d+)', hdr).group(1))
    uapi = open(os.path.join(TOP, 'include/uapi/linux/vsr.h')).read()
    counters = re.search(r'struct vsr_stats \{([^}]*)\}', uapi).group(1).count('__u64')
    return 7 * 8 + 3 * 4 + 4 + max_peers * 16 + counters * 8


SIZE = _ioc_size()
IOC_STATUS = (2 << 30) | (SIZE << 16) | (0xb5 << 8) | 1


def ioctl_status(i):
    """Replica i's status by VSR_IOC_STATUS, or None if it does not exist."""
    try:
        fd = os.open('/dev/vsrlog%d' % i, os.O_RDONLY)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return None
        raise
    try:
        buf = bytearray(SIZE)
        fcntl.ioctl(fd, IOC_STATUS, buf)
    finally:
        os.close(fd)
    return dict(zip(FIELDS, struct.unpack_from('<7Q3IB', buf)))


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
