#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /dev/vsrlogN semantics on a 3-replica cluster: zero and oversize writes
# are refused (EINVAL, EMSGSIZE) and add nothing; a 60 KiB record goes
# through whole; read() returns one whole record and a too-small buffer
# fails with EMSGSIZE without advancing; O_NONBLOCK gives EAGAIN at the end;
# lseek SEEK_SET/CUR/END move by op number; poll() reports POLLIN/POLLOUT;
# fsync() is a read barrier on a backup; ioctl(VSR_IOC_GET_STATUS) fills
# min(hdr.size, its size) and says so in hdr.size, never past it, EINVAL
# below the first version's size or with reserved set; the deprecated
# VSR_IOC_STATUS_V1 number still fills the original layout; the node is
# root-only (0600).
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

# VSR_IOC_GET_STATUS (selftests/lib/vsrstat.py has the numbers and the
# sizes, from the uapi header).  hdr.size in: the caller's size; out: the
# bytes filled, min(hdr.size, the module's size); nothing written past it.
sys.path.insert(0, os.path.join(os.environ['VSR_TOP'], 'selftests/lib'))
import vsrstat as vs
FILL = 0xa5                                        # to see any byte written

def status(size, buf_len=None, reserved=0):
    buf = vs.get_status(r, size, buf_len, reserved, FILL)
    got, res = vs.HDR.unpack_from(buf)
    return buf, got, res

def untouched(buf, start, what):
    if buf[start:] != bytes([FILL]) * (len(buf) - start):
        sys.exit('%s: bytes written past %d' % (what, start))

# The current size: echoed, reserved 0, the fields sane.
buf, got, res = status(vs.SIZE)
if got != vs.SIZE or res != 0:
    sys.exit('size %d: hdr.size %d reserved %d back' % (vs.SIZE, got, res))
st = vs.fields(buf)
if st['cluster'] != 77 or st['commit'] < end - 1 or st['op'] < st['commit']:
    sys.exit('status: %s' % st)
if st['n_peers'] != 3 or st['replica'] != 2 or st['status'] > 3:
    sys.exit('status: %s' % st)
# Version 1's fields (after struct vsr_stats at 432): drop_version, the
# formats this replica and the module speak (the default: the newest), the
# format spoken to each peer (0 for itself), zero reserved bytes.
if vs.SIZE >= 464:
    drop_version, wv, wmax = struct.unpack_from('<QBB', buf, 432)
    peer_wv = list(buf[442:458])
    if wv != wmax or wmax < 2 or peer_wv[2] != 0 or \
            not all(0 <= v <= wmax for v in peer_wv[:2]) or any(peer_wv[3:]) or \
            any(buf[458:464]):
        sys.exit('version 1 fields: drop_version %d wire %d/%d peers %s rest %s' %
                 (drop_version, wv, wmax, peer_wv, bytes(buf[458:464])))
# Every version's size, a caller built against that header: its prefix,
# its size back, nothing past it although the buffer is larger.
for size in vs.SIZES:
    buf, got, res = status(size, vs.SIZE + 64)
    if got != size or res != 0:
        sys.exit('size %d: hdr.size %d reserved %d back' % (size, got, res))
    untouched(buf, size, 'size %d' % size)
    s1 = vs.fields(buf)
    if (s1['cluster'], s1['replica'], s1['n_peers']) != (77, 2, 3) or s1['commit'] < st['commit']:
        sys.exit('size %d: %s' % (size, s1))
# A caller built against a newer header (64 bytes more, a huge size): the
# module's size back, the bytes past it untouched.
for size in (vs.SIZE + 64, 1 << 20, 0xffffffff):
    buf, got, res = status(size, vs.SIZE + 64)
    if got != vs.SIZE or res != 0:
        sys.exit('size %d: hdr.size %d back, want %d' % (size, got, vs.SIZE))
    untouched(buf, vs.SIZE, 'size %d' % size)
# Below the first version, or reserved set: EINVAL.
for size in (0, vs.HDR.size, vs.SIZES[0] - 1):
    buf = bytearray([FILL]) * vs.SIZE
    vs.HDR.pack_into(buf, 0, size, 0)
    expect_errno(lambda: fcntl.ioctl(r, vs.IOC_GET_STATUS, buf), errno.EINVAL,
                 'hdr.size %d' % size)
expect_errno(lambda: status(vs.SIZE, reserved=1), errno.EINVAL, 'hdr.reserved 1')
# The deprecated number, as binaries built against the first header use
# it: the original layout, without a header.
buf = bytearray([FILL]) * (vs.SIZE_V1 + 64)
fcntl.ioctl(r, vs.IOC_STATUS_V1, buf, True)
untouched(buf, vs.SIZE_V1, 'VSR_IOC_STATUS_V1')
v1 = vs.fields(buf, 0)
if (v1['cluster'], v1['replica'], v1['n_peers']) != (77, 2, 3) or v1['status'] > 3 or \
        v1['commit'] < st['commit'] or v1['op'] < v1['commit'] or buf[69:72] != b'\0\0\0':
    sys.exit('VSR_IOC_STATUS_V1: %s' % v1)
# Its counters (struct vsr_stats at 328, msgs_in first) are the new
# struct's (at 8 + 328), taken later: msgs_in only grows.
old_in = struct.unpack_from('<Q', buf, 328)[0]
new_in = struct.unpack_from('<Q', vs.get_status(r), vs.HDR.size + 328)[0]
if not 0 < old_in <= new_in:
    sys.exit('msgs_in %d by VSR_IOC_STATUS_V1, %d by VSR_IOC_GET_STATUS' % (old_in, new_in))
expect_errno(lambda: fcntl.ioctl(r, 0x1234), errno.ENOTTY, 'unknown ioctl')
print('# device semantics ok (struct vsr_status %d bytes, versions %s, commit %d)' % (vs.SIZE, vs.SIZES, st['commit']))
PY
echo ok
