#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The keys of a selftest cluster, as the module derives them, and what its
replicas report of them by raw generic netlink (selftests/auth.sh; the
normal key flows go through vsradm, see selftests/keys.sh).

Replica I is instance vsrlogI in netns vsr-rI (selftests/lib/cluster.sh);
this tool enters the namespaces itself, so run it from the root one.  Key
ids and MACs are computed here from the key files (vsr_mod/auth.h), not
read back from the kernel.

  authctl.py keyid FILE               the key id of a key file, as vsradm
                                      keyid prints it (8 hex digits)
  authctl.py snap FILE I... [--caught-up]
                                      save the state of replicas I... in
                                      FILE: drop counters (drop-auth in
                                      total and per peer, every other
                                      drop-*), view, op, commit, status and
                                      the committed records (once all are
                                      normal with the same commit)
  authctl.py check FILE I... [--caught-up] [--drops] [--state] [--not-back]
                 [--save FILE2]       the replicas against FILE: first
                                      (--caught-up) all normal with the same
                                      commit; the drop counters as in FILE;
                                      view, op, commit, status and records
                                      as in FILE; all normal, no view or
                                      commit below FILE's; then their state
                                      saved in FILE2 (records only with
                                      --state), as snap does
  authctl.py exactly-once ACKED I...  caught up, the same records on each,
                                      every line of ACKED once
  authctl.py reject I                 bad key requests by raw netlink are
                                      refused with the right errno and
                                      message, and change nothing; a set
                                      that is right for what it leaves in
                                      force (a key with wire-version 2, no
                                      key with 1) is taken

Exit status 0 when all is as expected, 1 (with one line saying why) if not.
"""

import base64
import ctypes
import errno
import hashlib
import json
import os
import socket
import struct
import sys
import time

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
except ImportError:
    # The tests run python3 -S (it starts faster under TCG): the site
    # packages, where Debian's python3-cryptography is, come in only now.
    import site
    site.main()
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
import vsr_nlraw as nl  # noqa: E402

A, P, S = nl.A, nl.P, nl.S
STAT_NAMES = {v: k.replace('_', '-') for k, v in S.items() if k != 'pad'}
STATES = ('normal', 'view-change', 'recovering', 'failed')
KEY_LEN = 32
NONCE = 16
CLUSTER = 77
SLOW = int(os.environ.get('VSR_SLOW', '1') or 1)
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    print('%s: %s' % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(1)


# --- keys, as vsr_mod/auth.c derives them ---------------------------------

def read_key(path):
    """The 32-byte key of a key file (base64, as vsradm genkey writes)."""
    try:
        text = open(path, 'rb').read().strip()
    except OSError as e:
        die('%s: %s' % (path, e.strerror))
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b''
    if len(key) != KEY_LEN:
        die('%s: not a key (base64 of %d bytes)' % (path, KEY_LEN))
    return key


def _b2(data, key, size=32):
    return hashlib.blake2s(data, key=key, digest_size=size).digest()


def key_id(key):
    """vsr_auth_key_id(): le32 of BLAKE2s-256_K("vsr key id 1")."""
    return struct.unpack_from('<I', _b2(b'vsr key id 1', key))[0]


# A replica's UDP address as the keys name it (vsr_node_member_id(),
# VSR_AUTH_ADDR_SIZE): the family (le16: Linux's AF_INET 2, AF_INET6 10),
# the port and the address (network order), zeros to 24 bytes.
ADDR_SIZE = 24
AF_INET, AF_INET6 = 2, 10
PORT = 7000                 # cluster.sh's VSR_PORT
ENCRYPTED = 1 << 63         # VSR_AUTH_CTR_ENCRYPTED
CLEAR = 56                  # VSR_AUTH_CLEAR: what encryption leaves in clear
CSUMS = 8                   # VSR_AUTH_CSUMS: of which these go as zeros


def addr_id(host, port=PORT):
    """The 24-byte name of the UDP address host:port in the keys."""
    if ':' in host:
        fam, raw = AF_INET6, socket.inet_pton(socket.AF_INET6, host)
    else:
        fam, raw = AF_INET, socket.inet_pton(socket.AF_INET, host)
    return (struct.pack('<H', fam) + struct.pack('!H', port) + raw).ljust(ADDR_SIZE, b'\0')


def replica_addr(i):
    """Replica i's IPv4 address (cluster.sh's addr)."""
    return '10.77.0.%d' % (i + 1)


def replica_id(i):
    """The name in the keys of replica i's address, replica_addr(i):PORT,
    as every instance of cluster.sh has it in its peer list."""
    return addr_id(replica_addr(i))


def _id(a):
    if len(a) != ADDR_SIZE:
        raise ValueError('an address name of %d bytes' % len(a))
    return a


def link_key(key, cluster, a, b):
    """L(a, b): the key of AUTH messages from address a to address b
    (both as addr_id() names them)."""
    return _b2(b'vsr link key 2' + struct.pack('<Q', cluster) + _id(a) + _id(b), key)


def sender_key(key, cluster, a, nonce):
    """S(a, nonce): the key of every other datagram of the incarnation
    @nonce at address a."""
    return _b2(b'vsr sender key 2' + struct.pack('<Q', cluster) + _id(a) + nonce, key)


def auth_trailer(msg, key, cluster, a, b, ctr=0, kid=None):
    """The 28-byte trailer vsr_auth_seal() puts on an AUTH from address a
    to address b: key id, counter (0), BLAKE2s-128_L(a, b)(msg | id |
    counter)."""
    head = struct.pack('<IQ', key_id(key) if kid is None else kid, ctr)
    return head + _b2(msg + head, link_key(key, cluster, a, b), 16)


def session_key(key, cluster, a, na, b, nb):
    """E(a, na, b, nb): the key of a session's datagrams, from address a
    (incarnation nonce na) to address b (nonce nb)."""
    return _b2(b'vsr encrypt key 2' + _id(b) + nb, sender_key(key, cluster, a, na))


def data_trailer(msg, key, cluster, a, na, b, nb, ctr, kid=None):
    """The trailer vsr_auth_seal() puts on any other datagram from address
    a (incarnation nonce na) to address b (nonce nb) with counter @ctr:
    the tag of ChaCha20-Poly1305 with key E(a, na, b, nb) and nonce the
    counter, over no plaintext and msg | id | counter."""
    head = struct.pack('<IQ', key_id(key) if kid is None else kid, ctr)
    aead = ChaCha20Poly1305(session_key(key, cluster, a, na, b, nb))
    return head + aead.encrypt(struct.pack('<IQ', 0, ctr), b'', msg + head)


def _enc_ad(clear, head, nb):
    """The AEAD's additional data of an encrypted datagram: its clear part
    (checksums zeroed) | key id | counter | N_b (the receiver's nonce)."""
    return bytes(CSUMS) + clear[CSUMS:CLEAR] + head + nb


def seal_encrypted(msg, key, cluster, a, na, b, nb, ctr, kid=None):
    """The datagram vsr_auth_seal_encrypted() makes of message @msg from
    address a (nonce na) to b (nonce nb) with counter @ctr (the encrypted
    bit is set here): its first CLEAR bytes in clear but for the checksums
    (zeros), the rest encrypted, then key id | counter | the AEAD's tag."""
    ctr |= ENCRYPTED
    head = struct.pack('<IQ', key_id(key) if kid is None else kid, ctr)
    aead = ChaCha20Poly1305(session_key(key, cluster, a, na, b, nb))
    out = aead.encrypt(struct.pack('<IQ', 0, ctr), msg[CLEAR:], _enc_ad(msg, head, nb))
    return bytes(CSUMS) + msg[CSUMS:CLEAR] + out[:-16] + head + out[-16:]


def open_encrypted(d, key, cluster, a, na, b, nb):
    """The message (its checksums still zero) of an encrypted datagram d
    from address a (nonce na) to b (nonce nb), as vsr_auth_open() decrypts
    it, or None if its tag does not verify."""
    size = len(d) - 28
    head, tag = d[size:size + 12], d[size + 12:]
    ctr = struct.unpack_from('<Q', head, 4)[0]
    aead = ChaCha20Poly1305(session_key(key, cluster, a, na, b, nb))
    try:
        body = aead.decrypt(struct.pack('<IQ', 0, ctr), d[CLEAR:size] + tag,
                            _enc_ad(d, head, nb))
    except InvalidTag:
        return None
    return d[:CLEAR] + body


# --- namespaces and netlink ----------------------------------------------

class netns:
    """`with netns(NAME):` runs the block in network namespace NAME; the
    sockets made there stay there."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.own = os.open('/proc/self/ns/net', os.O_RDONLY)
        fd = os.open('/run/netns/' + self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), 'setns ' + self.name)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if _libc.setns(self.own, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), 'setns back from ' + self.name)
        os.close(self.own)


def ns(i):
    return 'vsr-r%d' % i


_socks = {}


def sock(i):
    """A vsr genetlink socket in replica i's namespace (one per replica)."""
    if i not in _socks:
        with netns(ns(i)):
            _socks[i] = nl.Genl()
    return _socks[i]


def _uint(p):
    return struct.unpack({1: 'B', 2: 'H', 4: 'I', 8: 'Q'}[len(p)], p)[0]


def get(i, name=None):
    """Instance NAME (default vsrlogI) in replica i's netns by
    VSR_NL_CMD_GET, or None if absent: view, status, op, commit,
    cluster_id, primary, heartbeat_ms, wire_version, key_id and
    accept_key_id (None if absent), accept_none, stats (by spec name:
    drop-auth, ...) and peers (index -> key_id, unauth, drop_auth)."""
    name = name or 'vsrlog%d' % i
    err, text, msgs = sock(i).vsr('get', nl.a_str(A['name'], name))
    if err == -errno.ENOENT:
        return None
    if err or len(msgs) != 1:
        raise OSError(-err, 'get %s: %s' % (name, text))
    d = dict(key_id=None, accept_key_id=None, accept_none=False, stats={}, peers={})
    names = {A[k]: k for k in ('view', 'op', 'commit', 'cluster_id', 'replica', 'primary',
                               'heartbeat_ms', 'wire_version', 'key_id', 'accept_key_id')}
    for t, p in nl.parse_attrs(msgs[0][4:]):
        if t in names:
            d[names[t]] = _uint(p)
        elif t == A['status']:
            d['status'] = STATES[p[0]] if p[0] < len(STATES) else str(p[0])
        elif t == A['accept_key_none']:
            d['accept_none'] = True
        elif t == A['stats']:
            for st, sp in nl.parse_attrs(p):
                if st in STAT_NAMES:
                    d['stats'][STAT_NAMES[st]] = _uint(sp)
        elif t == A['peer']:
            pe = dict(key_id=None, unauth=False, drop_auth=None, index=None)
            for pt, pp in nl.parse_attrs(p):
                if pt == P['index']:
                    pe['index'] = _uint(pp)
                elif pt == P['key_id']:
                    pe['key_id'] = _uint(pp)
                elif pt == P['unauthenticated']:
                    pe['unauth'] = True
                elif pt == P['drop_auth']:
                    pe['drop_auth'] = _uint(pp)
            d['peers'][pe['index']] = pe
    d['n'] = len(d['peers'])
    return d


def must_get(i, name=None):
    d = get(i, name)
    if d is None:
        die('%s does not exist' % (name or 'replica %d' % i))
    return d


def hexid(v):
    return 'none' if v is None else '%08x' % v


# --- commands ---------------------------------------------------------------

DROPS = ('drop-not-peer', 'drop-cluster', 'drop-checksum', 'drop-malformed', 'drop-stale',
         'drop-nomem', 'drop-version', 'drop-auth')


def read_log(i):
    """Replica i's committed records, as [op, record (hex)]."""
    out = []
    fd = os.open('/dev/vsrlog%d' % i, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                rec = os.read(fd, 65536)
            except BlockingIOError:
                return out
            # The position now points past the record: its op is pos - 1.
            out.append([os.lseek(fd, 0, os.SEEK_CUR) - 1, rec.hex()])
    finally:
        os.close(fd)


def state(i, logs=True):
    """What snap saves of replica i."""
    d = must_get(i)
    return dict(drops=dict({k: d['stats'][k] for k in DROPS},
                           peers={str(j): pe['drop_auth'] for j, pe in d['peers'].items()
                                  if j != i}),
                view=d['view'], op=d['op'], commit=d['commit'], status=d['status'],
                log=read_log(i) if logs else None)


def caught_up(reps):
    """Waits until every replica is normal with the highest commit among
    them (no writes meanwhile); their states, without logs."""
    deadline = time.monotonic() + 60 * SLOW
    while True:
        st = {i: state(i, logs=False) for i in reps}
        top = max(s['commit'] for s in st.values())
        if all(s['status'] == 'normal' and s['commit'] == top for s in st.values()):
            return st
        if time.monotonic() > deadline:
            die('not caught up within %d s: %s' %
                (60 * SLOW, '; '.join('replica %d %s view %d commit %d' %
                                      (i, s['status'], s['view'], s['commit'])
                                      for i, s in sorted(st.items()))))
        time.sleep(0.02)


def cmd_check(path, reps, opts, save=None):
    """The replicas against a snap (see the usage); their state now saved
    in @save if given."""
    before = {int(i): v for i, v in json.load(open(path)).items()}
    if '--caught-up' in opts:
        caught_up(reps)
    if '--not-back' in opts:
        deadline = time.monotonic() + 60 * SLOW
        while not all(must_get(i)['status'] == 'normal' for i in reps):
            if time.monotonic() > deadline:
                die('not all normal within %d s' % (60 * SLOW))
            time.sleep(0.02)
    now = {i: state(i, logs='--state' in opts) for i in reps}
    bad = []
    for i in reps:
        b, n = before[i], now[i]
        if '--drops' in opts:
            for k, v in sorted(n['drops'].items()):
                if b['drops'].get(k) != v:
                    bad.append('replica %d %s %s -> %s' % (i, k, b['drops'].get(k), v))
        if '--state' in opts:
            for k in ('view', 'op', 'commit', 'status'):
                if b[k] != n[k]:
                    bad.append('replica %d %s %s -> %s' % (i, k, b[k], n[k]))
            if b['log'] != n['log']:
                bad.append("replica %d's log changed" % i)
        if '--not-back' in opts:
            for k in ('view', 'commit'):
                if n[k] < b[k]:
                    bad.append('replica %d %s %s -> %s: back' % (i, k, b[k], n[k]))
    if bad:
        die('; '.join(bad))
    if save:
        json.dump(now, open(save, 'w'))
    print('# %s as before (%s)' %
          (', '.join(o[2:] for o in opts if o != '--caught-up'),
           '; '.join('replica %d %s view %d commit %d drop-auth %d' %
                     (i, n['status'], n['view'], n['commit'], n['drops']['drop-auth'])
                     for i, n in sorted(now.items()))))


def cmd_exactly_once(acked, reps):
    """Caught up, the same logs, every acknowledged record once."""
    caught_up(reps)
    logs = {i: read_log(i) for i in reps}
    for i in reps[1:]:
        if logs[i] != logs[reps[0]]:
            die('the logs of replicas %d and %d differ' % (reps[0], i))
    count = {}
    for _, rec in logs[reps[0]]:
        count[rec] = count.get(rec, 0) + 1
    want = [line.rstrip('\n') for line in open(acked) if line.strip()]
    bad = [r for r in want if count.get(r.encode().hex()) != 1]
    dups = [bytes.fromhex(r).decode(errors='replace') for r, c in count.items() if c > 1]
    if bad or dups:
        die('acknowledged %d, log %d; not exactly once: %s; duplicated: %s' %
            (len(want), len(logs[reps[0]]), bad[:5], dups[:5]))
    print('# %d acknowledged records, each exactly once in the %d of the logs (the same '
          'on replicas %s)' % (len(want), len(logs[reps[0]]), ' '.join(map(str, reps))))


WIRE2 = 'a key needs wire format 2'


def instance_add(i, name, port, *extra):
    """Attributes of an add of NAME as replica i of 3 on PORT, in replica
    i's netns, cluster id 78 (its peers never answer: nothing listens on
    PORT)."""
    peers = [nl.peer(replica_addr(j), port) for j in range(3)]
    return (nl.a_str(A['name'], name), nl.a_u32(A['replica'], i), *peers,
            nl.a_u64(A['cluster_id'], CLUSTER + 1)) + extra


def run_cases(g, i, name, cases):
    """Each case (what, command, attributes, errno, part of the message or
    None) must be refused so, and change nothing of instance NAME nor add
    vsrlog9; returns the number of failures."""
    fails = 0
    before = must_get(i, name)
    for what, cmd, attrs, want, msg in cases:
        e, text, _ = g.vsr(cmd, *attrs)
        ok = e == -want and (msg is None or (text is not None and msg in text))
        print('%s %s: errno %s message %r' % ('ok  ' if ok else 'FAIL', what,
                                               errno.errorcode.get(-e, e) if e else 0, text))
        if not ok:
            print('     expected errno %s and a message containing %r' %
                  (errno.errorcode[want], msg))
        fails += not ok
        after = must_get(i, name)
        for f in ('key_id', 'accept_key_id', 'accept_none', 'heartbeat_ms', 'wire_version'):
            if after.get(f) != before.get(f):
                print('FAIL %s changed %s of %s: %r -> %r' %
                      (what, f, name, before.get(f), after.get(f)))
                fails += 1
        if name != 'vsrlog9' and get(i, 'vsrlog9') is not None:
            print('FAIL %s created vsrlog9' % what)
            g.vsr('dele', nl.a_str(A['name'], 'vsrlog9'))
            fails += 1
    return fails


def accepted(g, i, name, what, want, *attrs):
    """A set of NAME that must succeed and leave the fields want (key_id,
    wire_version, ...); returns the number of failures."""
    e, text, _ = g.vsr('set', nl.a_str(A['name'], name), *attrs)
    after = must_get(i, name)
    got = {f: after.get(f) for f in want}
    ok = not e and got == want
    print('%s %s: errno %s message %r; %s' %
          ('ok  ' if ok else 'FAIL', what, errno.errorcode.get(-e, e) if e else 0, text,
           ', '.join('%s %s' % (f, hexid(v) if f.endswith('key_id') else v)
                     for f, v in sorted(got.items()))))
    if not ok:
        print('     expected success and %s' % want)
    return not ok


def cmd_reject(i):
    """Bad key requests by raw netlink: refused, with the kernel's message,
    and nothing changed (keys, tunables, no instance added).  Then, on an
    instance of its own, the wire format a key needs, judged on what a
    set leaves in force."""
    g = sock(i)
    name = nl.a_str(A['name'], 'vsrlog%d' % i)
    before = must_get(i)
    if before['key_id'] is None or before['accept_key_id'] is not None or before['accept_none']:
        die('reject needs replica %d with one key and no second one' % i)
    k = os.urandom(KEY_LEN)
    EINVAL, ERANGE = errno.EINVAL, errno.ERANGE
    key, flag, u32 = nl.attr, nl.a_flag, nl.a_u32
    hb = u32(A['heartbeat_ms'], before['heartbeat_ms'] + 10)
    wv1 = u32(A['wire_version'], 1)
    add = instance_add(i, 'vsrlog9', 7999)
    size = 'binary attribute size out of range'
    one_of = 'give one of accept-key, accept-key-none and accept-key-off'
    second = 'key-swap needs a second key'
    cases = [
        ('set: a key of 31 bytes', 'set', (name, key(A['key'], k[:31])), ERANGE, size),
        ('set: a key of 33 bytes', 'set', (name, key(A['key'], k + b'x')), ERANGE, size),
        ('set: an empty key', 'set', (name, key(A['key'], b'')), ERANGE, size),
        ('set: an accept-key of 16 bytes', 'set', (name, key(A['accept_key'], k[:16])),
         ERANGE, size),
        ('set: a good key and an accept-key of 64 bytes', 'set',
         (name, key(A['key'], k), key(A['accept_key'], k + k)), ERANGE, size),
        ('set: key and key-none', 'set', (name, key(A['key'], k), flag(A['key_none'])),
         EINVAL, 'key and key-none exclude each other'),
        ('set: accept-key and accept-key-off', 'set',
         (name, key(A['accept_key'], k), flag(A['accept_key_off'])), EINVAL, one_of),
        ('set: accept-key-none and accept-key-off', 'set',
         (name, flag(A['accept_key_none']), flag(A['accept_key_off'])), EINVAL, one_of),
        ('set: accept-key and accept-key-none', 'set',
         (name, key(A['accept_key'], k), flag(A['accept_key_none'])), EINVAL, one_of),
        ('set: key-swap without a second key', 'set', (name, flag(A['key_swap'])),
         EINVAL, second),
        ('set: a new key and key-swap without a second key', 'set',
         (name, key(A['key'], k), flag(A['key_swap'])), EINVAL, second),
        ('set: accept-key-off then key-swap', 'set',
         (name, flag(A['accept_key_off']), flag(A['key_swap'])), EINVAL, second),
        ('set: a heartbeat and key-swap without a second key (all or nothing)', 'set',
         (name, hb, flag(A['key_swap'])), EINVAL, second),
        ('set: the read-only key-id', 'set', (name, u32(A['key_id'], 1)), EINVAL, None),
        ('set: wire-version 1 with a key', 'set', (name, wv1), EINVAL, WIRE2),
        ('set: a heartbeat and wire-version 1 with a key (all or nothing)', 'set',
         (name, hb, wv1), EINVAL, WIRE2),
        ('set: a new key and wire-version 1', 'set', (name, key(A['key'], k), wv1),
         EINVAL, WIRE2),
        ('set: a new key, accept-key-none, a heartbeat and wire-version 1', 'set',
         (name, key(A['key'], k), flag(A['accept_key_none']), hb, wv1), EINVAL, WIRE2),
        ('add: a key of 16 bytes', 'add', add + (key(A['key'], k[:16]),), ERANGE, size),
        ('add: a key with wire-version 1', 'add', add + (key(A['key'], k), wv1),
         EINVAL, WIRE2),
        ('add: accept-key (set only)', 'add',
         add + (key(A['key'], k), key(A['accept_key'], k)), EINVAL, None),
        ('add: accept-key-none (set only)', 'add',
         add + (key(A['key'], k), flag(A['accept_key_none'])), EINVAL, None),
        ('add: accept-key-off (set only)', 'add', add + (flag(A['accept_key_off']),),
         EINVAL, None),
        ('add: key-none (set only)', 'add', add + (flag(A['key_none']),), EINVAL, None),
        ('add: key-swap (set only)', 'add', add + (key(A['key'], k), flag(A['key_swap'])),
         EINVAL, None),
    ]
    fails = run_cases(g, i, 'vsrlog%d' % i, cases)
    n = len(cases)

    # An instance without a key at wire-version 1 (vsrlog9, its own port).
    n9 = nl.a_str(A['name'], 'vsrlog9')
    e, text, _ = g.vsr('add', *instance_add(i, 'vsrlog9', 7999, wv1))
    if e:
        die('add vsrlog9 wire-version 1: %s' % (text or os.strerror(-e)))
    try:
        cases = [
            ('set: a key at wire-version 1', 'set', (n9, key(A['key'], k)), EINVAL, WIRE2),
            ('set: a second key and key-swap at wire-version 1', 'set',
             (n9, key(A['accept_key'], k), flag(A['key_swap'])), EINVAL, WIRE2),
            ('set: a key and a heartbeat at wire-version 1', 'set',
             (n9, key(A['key'], k), hb), EINVAL, WIRE2),
            ('set: a second key at wire-version 1', 'set', (n9, key(A['accept_key'], k)),
             EINVAL, WIRE2),
        ]
        fails += run_cases(g, i, 'vsrlog9', cases)
        n += len(cases)
        # What will be in force is judged: a key and format 2 in one set,
        # then no key and format 1 in one set.
        fails += accepted(g, i, 'vsrlog9', 'set: a key and wire-version 2 at wire-version 1',
                          dict(key_id=key_id(k), wire_version=2),
                          key(A['key'], k), u32(A['wire_version'], 2))
        fails += accepted(g, i, 'vsrlog9', 'set: key-none and wire-version 1 with a key',
                          dict(key_id=None, accept_key_id=None, wire_version=1),
                          flag(A['key_none']), wv1)
        n += 2
    finally:
        g.vsr('dele', n9)
    if fails:
        die('%d key requests misjudged' % fails)
    print('# %d key requests judged right: the bad ones refused, changing nothing' % n)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'keyid':
        print(hexid(key_id(read_key(args[0]))))
    elif cmd == 'snap':
        reps = [int(a) for a in args[1:] if a.isdigit()]
        if '--caught-up' in args:
            caught_up(reps)
        json.dump({i: state(i) for i in reps}, open(args[0], 'w'))
    elif cmd == 'check':
        rest = args[1:]
        save = None
        if '--save' in rest:
            k = rest.index('--save')
            save = rest[k + 1]
            rest = rest[:k] + rest[k + 2:]
        cmd_check(args[0], [int(a) for a in rest if a.isdigit()],
                  [a for a in rest if not a.isdigit()], save)
    elif cmd == 'exactly-once':
        cmd_exactly_once(args[0], [int(a) for a in args[1:]])
    elif cmd == 'reject':
        cmd_reject(int(args[0]))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
