#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The keys of a selftest cluster, by raw generic netlink (selftests/auth.sh).

Replica I is instance vsrlogI in netns vsr-rI (selftests/lib/cluster.sh);
this tool enters the namespaces itself, so run it from the root one.  It
computes key ids as the module does (vsr_mod/auth.c): what it expects is
derived here from the key files, not read back from the kernel.

  authctl.py genkey                   a key file's content: base64 of 32
                                      random bytes (as `wg genkey`)
  authctl.py keyid FILE               the key id of a key file, 0x%08x
  authctl.py add I N FILE [TUNABLE V]...
                                      add replica I of N (cluster 77, port
                                      7000) with the key in FILE; heartbeat
                                      and timeout are scaled by $VSR_SLOW as
                                      replica_add does
  authctl.py set I ARG...             change replica I's keys, in vsradm's
                                      syntax: key-file FILE|none,
                                      accept-key-file FILE|none|off, key-swap
  authctl.py expect I... [--key FILE|none] [--accept FILE|none|off]
                 [--peers FILE|none [--all-peers]] [--drop-auth-zero]
                 [--vsradm] [--wait S]
                                      every replica I sends with --key and
                                      accepts --accept too; the last
                                      datagram of each peer it hears from
                                      in normal status (a primary every
                                      backup, a backup the primary; with
                                      --all-peers every peer heard from)
                                      carried --peers (waits up to S s);
                                      --drop-auth-zero: no datagram failed
                                      authentication, in total or per peer;
                                      --vsradm: `vsradm -j show` says so too
  authctl.py peer I J [--key FILE|none] [--not-accepted] [--drop-auth-min N]
                 [--wait S]           replica I's view of its peer J: J's
                                      last datagram carried --key (which I
                                      does not accept, with --not-accepted),
                                      and at least N of J's failed
  authctl.py drop-auth I [J]          replica I's drop-auth (from peer J)
  authctl.py snap FILE I...           save every drop-auth counter of the
                                      replicas I... in FILE
  authctl.py same FILE I...           they are all as in FILE
  authctl.py never-normal STOP I      until the file STOP exists, replica I
                                      is never in normal status (absent is
                                      fine); exit 1 the moment it is
  authctl.py reject I                 bad key requests by raw netlink are
                                      refused with the right errno and
                                      message, and change nothing

Exit status 0 when all is as expected, 1 (with one line saying why) if not.
"""

import base64
import ctypes
import errno
import json
import os
import hashlib
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
import vsr_nlraw as nl  # noqa: E402
import vsrstat  # noqa: E402

A, P, S = nl.A, nl.P, nl.S
STAT_NAMES = {v: k.replace('_', '-') for k, v in S.items() if k != 'pad'}
STATES = ('normal', 'view-change', 'recovering', 'failed')
KEY_LEN = 32
CLUSTER = 77
PORT = 7000
SLOW = int(os.environ.get('VSR_SLOW', '1') or 1)
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    print('%s: %s' % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(1)


# --- keys, as vsr_mod/auth.c derives them ---------------------------------

def read_key(path):
    """The 32-byte key of a key file (base64, as `wg genkey` writes)."""
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


def key_id(key):
    """vsr_auth_key_id(): le32 of BLAKE2s-256 keyed with @key over a label."""
    d = hashlib.blake2s(b'vsr key id 1', key=key, digest_size=32).digest()
    return struct.unpack_from('<I', d)[0]


def link_key(key, cluster, epoch, frm, to):
    """vsr_auth_link_key(): the key of the direction @frm -> @to."""
    msg = b'vsr link key 1' + struct.pack('<QIBB', cluster, epoch, frm, to)
    return hashlib.blake2s(msg, key=key, digest_size=32).digest()


def trailer(msg, key, cluster, frm, to, epoch=0, kid=None):
    """The 20-byte trailer vsr_auth_seal() appends to @msg on link @frm -> @to."""
    t = struct.pack('<I', key_id(key) if kid is None else kid)
    tag = hashlib.blake2s(msg + t, key=link_key(key, cluster, epoch, frm, to),
                          digest_size=16).digest()
    return t + tag


def want_key(arg):
    """A --key/--peers argument: None for 'none', else the key file's id."""
    return None if arg == 'none' else key_id(read_key(arg))


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


def get(i):
    """Replica i's status and keys by VSR_NL_CMD_GET, or None if absent:
    view, status, op, commit, cluster, replica, heartbeat, key_id and
    accept_key_id (None if absent), accept_none, stats (by spec name) and
    peers (index -> key_id, unauth, drop_auth)."""
    err, text, msgs = sock(i).vsr('get', nl.a_str(A['name'], 'vsrlog%d' % i))
    if err == -errno.ENOENT:
        return None
    if err or len(msgs) != 1:
        raise OSError(-err, 'get vsrlog%d: %s' % (i, text))
    d = dict(key_id=None, accept_key_id=None, accept_none=False, stats={}, peers={})
    names = {A[k]: k for k in ('view', 'op', 'commit', 'cluster_id', 'replica', 'primary',
                               'heartbeat_ms', 'key_id', 'accept_key_id')}
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


def must_get(i):
    d = get(i)
    if d is None:
        die('replica %d does not exist' % i)
    return d


def hexid(v):
    return 'none' if v is None else '0x%08x' % v


# --- commands ---------------------------------------------------------------

def key_attrs(args, what):
    """Netlink attributes for key arguments in vsradm's syntax."""
    out = []
    k = 0
    while k < len(args):
        a = args[k]
        if a == 'key-swap':
            out.append(nl.a_flag(A['key_swap']))
            k += 1
            continue
        if k + 1 >= len(args):
            die('%s: "%s" needs a value' % (what, a))
        v = args[k + 1]
        if a == 'key-file':
            out.append(nl.a_flag(A['key_none']) if v == 'none' else
                       nl.attr(A['key'], read_key(v)))
        elif a == 'accept-key-file':
            out.append(nl.a_flag(A['accept_key_none']) if v == 'none' else
                       nl.a_flag(A['accept_key_off']) if v == 'off' else
                       nl.attr(A['accept_key'], read_key(v)))
        elif a in ('heartbeat', 'timeout', 'client-timeout'):
            out.append(nl.a_u32(A[{'heartbeat': 'heartbeat_ms',
                                   'timeout': 'view_change_timeout_ms',
                                   'client-timeout': 'client_timeout_ms'}[a]],
                                int(v) * (SLOW if a != 'client-timeout' else 1)))
        else:
            die('%s: unknown argument "%s"' % (what, a))
        k += 2
    return out


def cmd_set(i, args):
    what = 'set vsrlog%d' % i
    err, text, _ = sock(i).vsr('set', nl.a_str(A['name'], 'vsrlog%d' % i),
                                *key_attrs(args, what))
    if err:
        die('%s: %s' % (what, text or os.strerror(-err)))


def cmd_add(i, n, keyfile, args):
    what = 'add vsrlog%d' % i
    peers = [nl.peer('10.77.0.%d' % (j + 1), PORT) for j in range(n)]
    err, text, _ = sock(i).vsr('add', nl.a_str(A['name'], 'vsrlog%d' % i),
                                nl.a_u32(A['replica'], i), *peers,
                                nl.a_u64(A['cluster_id'], CLUSTER),
                                nl.attr(A['key'], read_key(keyfile)),
                                *key_attrs(args, what))
    if err:
        die('%s: %s' % (what, text or os.strerror(-err)))


def check_expect(i, d, o):
    """What is wrong with replica i's state d for the options o, or []."""
    bad = []
    if o['key'] is not None:
        want = want_key(o['key'])
        if d['key_id'] != want:
            bad.append('sends with key %s, want %s' % (hexid(d['key_id']), hexid(want)))
    if o['accept'] is not None:
        if o['accept'] == 'off':
            if d['accept_key_id'] is not None or d['accept_none']:
                bad.append('accepts a second key (%s%s), want none' %
                           (hexid(d['accept_key_id']),
                            ', unauthenticated' if d['accept_none'] else ''))
        elif o['accept'] == 'none':
            # Reported only next to a key: without one, unauthenticated
            # datagrams are what the replica sends and accepts anyway.
            if d['accept_key_id'] is not None or (d['key_id'] is not None and
                                                  not d['accept_none']):
                bad.append('accept-key %s accept-key-none %s, want unauthenticated' %
                           (hexid(d['accept_key_id']), d['accept_none']))
        else:
            want = want_key(o['accept'])
            if d['accept_key_id'] != want or d['accept_none']:
                bad.append('accepts %s%s too, want %s' %
                           (hexid(d['accept_key_id']),
                            ' and unauthenticated' if d['accept_none'] else '',
                            hexid(want)))
    if o['peers'] is not None:
        want = want_key(o['peers'])
        for j, pe in sorted(d['peers'].items()):
            if j == i or not (talks(i, j, d) or o['all_peers'] and heard(pe)):
                continue
            if want is None and not pe['unauth']:
                bad.append('peer %d last sent with key %s, want unauthenticated' %
                           (j, hexid(pe['key_id'])))
            elif want is not None and (pe['key_id'] != want or pe['unauth']):
                bad.append('peer %d last sent %s, want key %s' %
                           (j, 'unauthenticated' if pe['unauth'] else
                            'with key ' + hexid(pe['key_id']), hexid(want)))
    if o['drop_auth_zero']:
        if d['stats'].get('drop-auth') != 0:
            bad.append('drop-auth %s' % d['stats'].get('drop-auth'))
        for j, pe in sorted(d['peers'].items()):
            if j != i and pe['drop_auth'] != 0:
                bad.append('peer %d drop-auth %s' % (j, pe['drop_auth']))
    return bad


def talks(i, j, d):
    """Whether replica i (state d) hears from peer j in normal status: a
    primary from every backup, a backup from the primary only."""
    return d.get('primary') in (i, j)


def heard(pe):
    """Whether a peer has sent anything yet."""
    return pe['unauth'] or pe['key_id'] is not None


def json_id(v):
    """A key id as vsradm's JSON may write it: a number or a hex string."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    s = str(v)
    try:
        return int(s, 0)
    except ValueError:
        return int(s, 16)


def vsradm_show(i):
    vsradm = os.environ.get('VSRADM', 'vsradm')
    r = subprocess.run([vsradm, '-n', ns(i), '-j', 'show', 'vsrlog%d' % i],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        die('vsradm -j show vsrlog%d: exit %d: %s' % (i, r.returncode, r.stderr.strip()))
    j = json.loads(r.stdout)
    if isinstance(j, list):
        j = j[0]
    return j


def check_vsradm(i, d, o):
    """`vsradm -j show` reports what netlink reported (d, just read)."""
    bad = []
    j = vsradm_show(i)
    if json_id(j.get('key-id')) != d['key_id']:
        bad.append('vsradm key-id %r, netlink %s' % (j.get('key-id'), hexid(d['key_id'])))
    if json_id(j.get('accept-key-id')) != d['accept_key_id']:
        bad.append('vsradm accept-key-id %r, netlink %s' %
                   (j.get('accept-key-id'), hexid(d['accept_key_id'])))
    accepts_none = d['key_id'] is None or d['accept_none']
    if bool(j.get('accept-unauthenticated')) != accepts_none:
        bad.append('vsradm accept-unauthenticated %r, want %s' %
                   (j.get('accept-unauthenticated'), accepts_none))
    if 'drop-auth' not in j.get('stats', {}):
        bad.append('vsradm shows no stats drop-auth')
    elif o['drop_auth_zero'] and j['stats']['drop-auth'] != 0:
        bad.append('vsradm stats drop-auth %r' % j['stats']['drop-auth'])
    for pe in j.get('peer', []):
        k = pe.get('index')
        if k == i or k not in d['peers']:
            continue
        nd = d['peers'][k]
        if o['peers'] is not None and (talks(i, k, d) or o['all_peers'] and heard(nd)):
            if json_id(pe.get('key-id')) != nd['key_id'] or \
               bool(pe.get('unauthenticated')) != nd['unauth']:
                bad.append('vsradm peer %d key-id %r unauthenticated %r, netlink %s %s' %
                           (k, pe.get('key-id'), pe.get('unauthenticated'),
                            hexid(nd['key_id']), nd['unauth']))
        if 'drop-auth' not in pe:
            bad.append('vsradm shows no drop-auth for peer %d' % k)
        elif o['drop_auth_zero'] and pe['drop-auth'] != 0:
            bad.append('vsradm peer %d drop-auth %r' % (k, pe['drop-auth']))
    return bad


def parse_opts(args, spec):
    """--name [VALUE] options after positional replica numbers."""
    reps, o = [], {k.lstrip('-').replace('-', '_'): (False if not v else None)
                   for k, v in spec.items()}
    k = 0
    while k < len(args):
        a = args[k]
        if a in spec:
            name = a.lstrip('-').replace('-', '_')
            if spec[a]:
                if k + 1 >= len(args):
                    die('%s needs a value' % a)
                o[name] = args[k + 1]
                k += 2
            else:
                o[name] = True
                k += 1
        elif a.isdigit():
            reps.append(int(a))
            k += 1
        else:
            die('unknown argument "%s"' % a)
    return reps, o


def wait_for(secs, check):
    """Calls check() (a list of problems) until it returns [] or secs pass;
    returns the last problems."""
    deadline = time.monotonic() + secs
    while True:
        bad = check()
        if not bad or time.monotonic() > deadline:
            return bad
        time.sleep(0.02)


def cmd_expect(args):
    reps, o = parse_opts(args, {'--key': 1, '--accept': 1, '--peers': 1, '--all-peers': 0,
                                '--drop-auth-zero': 0, '--vsradm': 0, '--wait': 1})
    secs = float(o['wait'] or 30 * SLOW)
    for i in reps:
        state = {}

        def check(i=i, state=state):
            state['d'] = must_get(i)
            return check_expect(i, state['d'], o)
        bad = wait_for(secs, check)
        if not bad and o['vsradm']:
            bad = check_vsradm(i, state['d'], o)
        if bad:
            die('replica %d: %s' % (i, '; '.join(bad)))
        d = state['d']
        print('# replica %d: key %s accept %s%s; peers %s; drop-auth %d' %
              (i, hexid(d['key_id']), hexid(d['accept_key_id']),
               ' unauthenticated' if d['accept_none'] else '',
               ' '.join('%d:%s' % (j, 'unauth' if pe['unauth'] else hexid(pe['key_id']))
                        for j, pe in sorted(d['peers'].items()) if j != i),
               d['stats'].get('drop-auth', -1)))


def cmd_peer(args):
    reps, o = parse_opts(args, {'--key': 1, '--not-accepted': 0, '--drop-auth-min': 1,
                                '--wait': 1})
    if len(reps) != 2:
        die('peer I J: two replicas')
    i, j = reps
    want = want_key(o['key']) if o['key'] is not None else 'any'
    secs = float(o['wait'] or 30 * SLOW)
    state = {}

    def check():
        d = state['d'] = must_get(i)
        pe = d['peers'][j]
        bad = []
        if want is None and not pe['unauth']:
            bad.append('last datagram with key %s, want unauthenticated' % hexid(pe['key_id']))
        elif want not in ('any', None) and pe['key_id'] != want:
            bad.append('last datagram %s, want key %s' %
                       ('unauthenticated' if pe['unauth'] else
                        'with key ' + hexid(pe['key_id']), hexid(want)))
        if o['not_accepted'] and pe['key_id'] is not None and \
           pe['key_id'] in (d['key_id'], d['accept_key_id']):
            bad.append('its key %s is one replica %d accepts' % (hexid(pe['key_id']), i))
        if o['drop_auth_min'] is not None and pe['drop_auth'] < int(o['drop_auth_min']):
            bad.append('drop-auth %d, want at least %s' % (pe['drop_auth'], o['drop_auth_min']))
        return bad
    bad = wait_for(secs, check)
    if bad:
        die('replica %d, peer %d: %s' % (i, j, '; '.join(bad)))
    pe = state['d']['peers'][j]
    print('# replica %d sees peer %d with %s, drop-auth %d' %
          (i, j, 'unauthenticated' if pe['unauth'] else 'key ' + hexid(pe['key_id']),
           pe['drop_auth']))


def counters(reps):
    out = {}
    for i in reps:
        d = must_get(i)
        out[str(i)] = dict(total=d['stats']['drop-auth'],
                           peers={str(j): pe['drop_auth'] for j, pe in d['peers'].items()
                                  if j != i})
    return out


def cmd_same(path, reps):
    before = json.load(open(path))
    now = counters(reps)
    bad = ['replica %s drop-auth %s -> %s' % (i, before[i], now[i])
           for i in now if before.get(i) != now[i]]
    if bad:
        die('; '.join(bad))
    print('# drop-auth unchanged: %s' % ' '.join('%s:%d' % (i, c['total'])
                                                 for i, c in sorted(now.items())))


def cmd_never_normal(stop, i):
    polls = 0
    seen = set()
    while not os.path.exists(stop):
        s = vsrstat.ioctl_status(i)
        if s is not None:
            polls += 1
            seen.add(s['status'])
            if s['status'] == 0:
                die('replica %d became normal (view %d commit %d)' % (i, s['view'], s['commit']))
        time.sleep(0.01)
    print('# replica %d never normal in %d polls (status seen: %s)' %
          (i, polls, ' '.join(STATES[s] for s in sorted(seen) if s < len(STATES))))


def cmd_reject(i):
    """Bad key requests by raw netlink: refused, with the kernel's message,
    and nothing changed (keys, tunables, no instance added)."""
    g = sock(i)
    name = nl.a_str(A['name'], 'vsrlog%d' % i)
    before = must_get(i)
    if before['key_id'] is None or before['accept_key_id'] is not None or before['accept_none']:
        die('reject needs replica %d with one key and no second one' % i)
    k = os.urandom(KEY_LEN)
    EINVAL, ERANGE = errno.EINVAL, errno.ERANGE
    key, flag = nl.attr, nl.a_flag
    hb = nl.a_u32(A['heartbeat_ms'], before['heartbeat_ms'] + 10)
    peers = [nl.peer('10.77.0.%d' % (j + 1), 7999) for j in range(3)]
    add = (nl.a_str(A['name'], 'vsrlog9'), nl.a_u32(A['replica'], 0), *peers,
           nl.a_u64(A['cluster_id'], CLUSTER))
    # (what, command, attributes, errno, part of the extack message)
    size = 'binary attribute size out of range'
    one_of = 'give one of accept-key, accept-key-none and accept-key-off'
    second = 'key-swap needs a second key'
    cases = [
        ('set: a key of 31 bytes', 'set', (name, key(A['key'], k[:31])), ERANGE, size),
        ('set: a key of 33 bytes', 'set', (name, key(A['key'], k + b'x')), ERANGE, size),
        ('set: an accept-key of 16 bytes', 'set', (name, key(A['accept_key'], k[:16])),
         ERANGE, size),
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
        ('set: a heartbeat and key-swap without a second key', 'set',
         (name, hb, flag(A['key_swap'])), EINVAL, second),
        ('set: the read-only key-id', 'set', (name, nl.a_u32(A['key_id'], 1)), EINVAL, None),
        ('add: a key of 16 bytes', 'add', add + (key(A['key'], k[:16]),), ERANGE, size),
        ('add: accept-key (set only)', 'add',
         add + (key(A['key'], k), key(A['accept_key'], k)), EINVAL, None),
        ('add: key-none (set only)', 'add', add + (flag(A['key_none']),), EINVAL, None),
        ('add: key-swap (set only)', 'add', add + (key(A['key'], k), flag(A['key_swap'])),
         EINVAL, None),
    ]
    fails = 0
    for what, cmd, attrs, want, msg in cases:
        e, text, _ = g.vsr(cmd, *attrs)
        ok = e == -want and (msg is None or (text is not None and msg in text))
        print('%s %s: errno %s message %r' % ('ok  ' if ok else 'FAIL', what,
                                               errno.errorcode.get(-e, e) if e else 0, text))
        if not ok:
            print('     expected errno %s and a message containing %r' %
                  (errno.errorcode[want], msg))
        fails += not ok
        after = must_get(i)
        for f in ('key_id', 'accept_key_id', 'accept_none', 'heartbeat_ms'):
            if after[f] != before[f]:
                print('FAIL %s changed %s: %r -> %r' % (what, f, before[f], after[f]))
                fails += 1
        if g.vsr('get', nl.a_str(A['name'], 'vsrlog9'))[0] != -errno.ENOENT:
            print('FAIL %s created vsrlog9' % what)
            g.vsr('dele', nl.a_str(A['name'], 'vsrlog9'))
            fails += 1
    if fails:
        die('%d bad key requests misjudged' % fails)
    print('# %d bad key requests refused, replica %d unchanged' % (len(cases), i))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'genkey':
        print(base64.b64encode(os.urandom(KEY_LEN)).decode())
    elif cmd == 'keyid':
        print(hexid(key_id(read_key(args[0]))))
    elif cmd == 'add':
        cmd_add(int(args[0]), int(args[1]), args[2], args[3:])
    elif cmd == 'set':
        cmd_set(int(args[0]), args[1:])
    elif cmd == 'expect':
        cmd_expect(args)
    elif cmd == 'peer':
        cmd_peer(args)
    elif cmd == 'drop-auth':
        d = must_get(int(args[0]))
        print(d['stats']['drop-auth'] if len(args) < 2 else d['peers'][int(args[1])]['drop_auth'])
    elif cmd == 'snap':
        json.dump(counters([int(a) for a in args[1:]]), open(args[0], 'w'))
    elif cmd == 'same':
        cmd_same(args[0], [int(a) for a in args[1:]])
    elif cmd == 'never-normal':
        cmd_never_normal(args[0], int(args[1]))
    elif cmd == 'reject':
        cmd_reject(int(args[0]))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
