#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /dev/vsrlogN semantics on a 3-replica cluster: zero and oversize writes
# are refused (EINVAL, EMSGSIZE) and add nothing; a 60 KiB record goes
# through whole; read() returns one whole record and a too-small buffer
# fails with EMSGSIZE without advancing; O_NONBLOCK gives EAGAIN at the end;
# lseek SEEK_SET/CUR/END move by op number; poll() reports POLLIN/POLLOUT;
# fsync() is a read barrier on a backup; ioctl(VSR_IOC_STATUS) answers; the
# node is root-only (0600).
# timeout: 450
set -u
. "$(dirname "$0")/lib/cluster.sh"
trap cluster_cleanup EXIT

cluster_up 3
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
[ "$(stat -c %a /dev/vsrlog0)" = 600 ] || fail "mode of /dev/vsrlog0 is $(stat -c %a /dev/vsrlog0)"

VSR_TOP=$(cd "$(dirname "$0")/.." && pwd) python3 -S - <<'PY' || fail "device semantics"
import errno, fcntl, os, re, select, struct, sys

def expect_errno(fn, want, what):
    try:
        fn()
    except OSError as e:
        if e.errno != want:
            sys.exit('%s: errno %s, want %s' % (what, errno.errorcode[e.errno], errno.errorcode[want]))
        return
    sys.exit('%s: succeeded, want %s' % (what, errno.errorcode[want]))

w = os.open('/dev/vsrlog1', os.O_RDWR)          # a backup
expect_errno(lambda: os.write(w, b''), errno.EINVAL, 'zero-length write')
expect_errno(lambda: os.write(w, b'x' * (60 * 1024 + 1)), errno.EMSGSIZE, 'oversize write')
big = bytes(range(256)) * 240                      # 60 KiB
assert os.write(w, big) == len(big)
assert os.write(w, b'small') == 5

r = os.open('/dev/vsrlog2', os.O_RDONLY | os.O_NONBLOCK)
start = os.lseek(r, 0, os.SEEK_CUR)
os.fsync(w)                                        # barrier on replica 1
expect_errno(lambda: os.read(r, 100), errno.EMSGSIZE, 'read of 60 KiB into 100 bytes')
pos = os.lseek(r, 0, os.SEEK_CUR)
rec = os.read(r, 65536)
if rec != big:
    sys.exit('big record came back as %d bytes' % len(rec))
big_op = os.lseek(r, 0, os.SEEK_CUR) - 1
if pos > big_op:
    sys.exit('too-small read advanced the position past the record')
if os.read(r, 100) != b'small':
    sys.exit('second record')
end = os.lseek(r, 0, os.SEEK_CUR)
expect_errno(lambda: os.read(r, 100), errno.EAGAIN, 'non-blocking read at the end')

p = select.poll()
p.register(r, select.POLLIN | select.POLLOUT)
ev = dict(p.poll(0)).get(r, 0)
if ev & select.POLLIN:
    sys.exit('POLLIN at the end of the log')
os.lseek(r, big_op, os.SEEK_SET)
ev = dict(p.poll(0)).get(r, 0)
if not ev & select.POLLIN or not ev & select.POLLOUT:
    sys.exit('poll at a record: %#x' % ev)
if os.lseek(r, 1, os.SEEK_CUR) != big_op + 1:
    sys.exit('SEEK_CUR')
# SEEK_END: one past the last committed op (which may be a non-record op,
# like fsync's barrier): nothing to read there, and no record skipped.
e = os.lseek(r, 0, os.SEEK_END)
if e < end:
    sys.exit('SEEK_END %d before the end of the records %d' % (e, end))
expect_errno(lambda: os.read(r, 100), errno.EAGAIN, 'read at SEEK_END')
expect_errno(lambda: os.lseek(r, -5, os.SEEK_SET), errno.EINVAL, 'negative seek')

# fsync on a backup: everything committed anywhere before is readable here.
os.write(w, b'before-barrier')
b = os.open('/dev/vsrlog2', os.O_RDONLY | os.O_NONBLOCK)
os.fsync(b)
os.lseek(b, end, os.SEEK_SET)
if os.read(b, 100) != b'before-barrier':
    sys.exit('fsync is not a read barrier')

# VSR_IOC_STATUS = _IOR(0xb5, 1, struct vsr_status), the size computed
# from the uapi layout: 7 u64, 3 u32, u8 + 3 pad, peers[VSR_MAX_PEERS] of
# 2 u64, then the u64 counters of struct vsr_stats.
hdr = open(os.path.join(os.environ['VSR_TOP'], 'include/uapi/linux/vsr_genl.h')).read()
max_peers = int(re.search(r'#define VSR_MAX_PEERS\s+(\d+)', hdr).group(1))
uapi = open(os.path.join(os.environ['VSR_TOP'], 'include/uapi/linux/vsr.h')).read()
counters = re.search(r'struct vsr_stats \{([^}]*)\}', uapi).group(1).count('__u64')
size = 7 * 8 + 3 * 4 + 4 + max_peers * 16 + counters * 8
buf = bytearray(size)
fcntl.ioctl(r, (2 << 30) | (size << 16) | (0xb5 << 8) | 1, buf)
cluster, epoch, view, op, commit = struct.unpack_from('<5Q', buf)
if cluster != 77 or commit < end - 1 or op < commit:
    sys.exit('status: cluster %d op %d commit %d' % (cluster, op, commit))
expect_errno(lambda: fcntl.ioctl(r, 0x1234), errno.ENOTTY, 'unknown ioctl')
print('# device semantics ok (status struct %d bytes, commit %d)' % (size, commit))
PY
echo ok
