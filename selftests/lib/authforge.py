#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forged, captured and replayed authenticated vsr datagrams, for
selftests/auth.sh.  (lib/forge.py, for garbage.sh, sends unauthenticated
garbage; this one builds well-formed messages and their MAC trailers.)

Every message is built as vsr_mod/wire.c seals it: crc32c (Castagnoli, raw
update from ~0 without a final inversion, as vsr_crc32c()) over header bytes
4..79 and over the body (0 for a PREPARE), log entries chained by their own
checksums.  Trailers are computed as vsr_mod/auth.h describes (authctl.py):
the keys name the replicas by their UDP addresses (replica I's is
10.77.0.I+1 port 7000, lib/cluster.sh), not by their indices:

  key id (le32) | counter (le64) | tag (16 bytes)
  AUTH:  counter 0, BLAKE2s-128 keyed with L(a, b) over message | id | counter
  other: counter 1, 2, ... per destination, ChaCha20-Poly1305's tag with
         the session key E(a, N_a, b, N_b) and the counter as nonce, over
         no plaintext and message | id | counter

N_a and N_b, the incarnation nonces of sender and receiver, travel in clear
in AUTH bodies (nonce | challenge | echo | the receiver's nonce as the
sender adopted it).  A replica answers a datagram whose tag does not verify
with an AUTH (at most every 10 ticks per peer): to learn the nonces of a
link P -> V, this tool sends V such a datagram as P (a "provocation", one
drop-auth at V) and reads V's AUTH to P on the bridge.  Its tag is checked
against L(V, P) computed here.

A datagram "from replica P" leaves P's network namespace from P's own
address with UDP source port 7000 (a raw socket: the instance's kernel
socket holds the port), so the receiver takes it for P's.  Run as root in
the root namespace: the tool enters the namespaces of selftests/lib/
cluster.sh itself (replica I in vsr-rI, the bridge in vsr-hub).

Datagrams are sent in batches, each followed by a marker from the same
sender (an unauthenticated COMMIT, one drop-auth at a keyed receiver, which
takes it after everything the sender sent before); the tool waits until
the receivers counted every marker, then checks their counters exactly:
drop-auth in total and per sender, and every other drop counter.

  authforge.py forge --to V --from P --key FILE [--other-key FILE]
               [--cmds C,...] [--variants X,...] [--count N]
      COUNT datagrams of each command and variant to replica V as P.
      Commands: prepare startview newstate recoveryresponse commit, each
      built so that V would move to a later view of P or take forged
      entries if it accepted it, and auth: an AUTH with a made-up nonce
      that echoes V's current challenge, which V would adopt (its session
      with P broken) if it accepted it.  Variants, each a correct
      datagram (tag computed here from the learnt nonces, a counter far
      above any used) but for one thing:
        none          no trailer
        random-id     a key id V does not know, a random tag
        wrong-tag     the right key id, a random tag
        other-key     a correct trailer of another key (--other-key)
        reflected     the trailer of the direction V -> P
        other-dest    sealed for the third replica
        other-cluster derived for cluster id + 1
        other-port    derived for P's address with another port (7001)
        other-family  derived for P's address as IPv6 names it
                      (::ffff:10.77.0.x, family AF_INET6)
        old-sender    sealed by another incarnation of P (data only)
        old-receiver  sealed for another incarnation of V (data only)
        cross-rule    a data message tagged as an AUTH, an AUTH as data
        zero-counter  the right tag over counter 0 (data only)
        tampered      the message changed after its tag was computed
        tampered-counter  the counter changed after the tag was computed
        short, long   the right trailer a byte short, a byte long
        stale         (auth only) the right tag on an AUTH that echoes no
                      challenge of V's: authenticated, then ignored
      Every datagram must fail authentication (drop-auth), except short
      and long, whose length fits neither form (drop-malformed), and
      stale (no counter); V's view must not move.

  authforge.py control --to V --from P --key FILE
      The positive control: datagrams sealed here for the session P -> V
      with counters from 2^62 on, far above any P used, in messages that
      V authenticates and then drops for a reason of their own (wire
      format 3: drop-version; epoch 1: drop-stale), some of them
      encrypted (decrypted, then dropped; one with a byte of its
      ciphertext changed is refused).  Each is accepted once and refused
      when sent again; the counter window (1024) is checked at its
      edges.  Afterwards V refuses every datagram P really sends it
      (their counters are too old): restart V.

  authforge.py nonces --out FILE [--auths FILE] I...
      Learns the nonce of each replica I (provoking I+1 from I, around the
      ring); each nonce is seen twice (in its owner's AUTH and in the one
      of a peer that adopted it) and must agree.  Writes {I: hex} to FILE,
      and the AUTHs read to --auths (JSON lines, as sniff).

  authforge.py sniff --out FILE --stop STOP --ready READY
      Captures every vsr datagram between the replicas on the bridge (IP
      fragments reassembled) as JSON lines {src, dst, msg (hex)} until the
      file STOP exists; creates READY once it listens.

  authforge.py check-capture FILE --key KEYFILE --nonces FILE
      Every captured datagram carries the key's trailer with the tag
      computed here (data tags from the nonces, AUTH tags from the link
      keys; an encrypted one is decrypted here), checksums as computed
      here (zero in an encrypted one), counter 0 on AUTH and otherwise a
      counter used once per direction: the kernel's derivations and this
      tool's agree.

  authforge.py scan FILE --marker TEXT [--encrypted]
      Looks for TEXT (a record's bytes) in the captured datagrams.  With
      --encrypted: in none of them, and every one but AUTH is encrypted
      (its counter's top bit set, both checksums zero); else (the control
      that the capture sees records) in at least one.

  authforge.py replay FILE...
      Sends the captured datagrams again, each from its original sender to
      its original receiver.  Every data datagram must fail authentication
      (a counter accepted before, or the tag of an incarnation gone); an
      AUTH verifies (its link key does not change) and is ignored: no
      counter moves for it.
"""

import argparse
import json
import os
import random
import re
import socket
import struct
import sys
import time

import authctl
from authctl import (ENCRYPTED, NONCE, PORT, addr_id, auth_trailer, data_trailer, die,
                     key_id, open_encrypted, read_key, replica_addr, replica_id,
                     seal_encrypted)

MAGIC = 0x31525356
HDR_SIZE = 80
TRAILER = 28
CMD = dict(request=1, prepare=2, prepareok=3, commit=4, startviewchange=5,
           doviewchange=6, startview=7, getstate=8, newstate=9, recovery=10,
           recoveryresponse=11, hello=12, auth=13)
CMD_NAME = {v: k for k, v in CMD.items()}
OP_DATA = 2
RR_NORMAL = 0x1
FORGE_CMDS = ('prepare', 'startview', 'newstate', 'recoveryresponse', 'commit', 'auth')
# variant: (applies to data, applies to AUTH, what the receiver does)
VARIANTS = {
    'none': (1, 1, 'auth'), 'random-id': (1, 1, 'auth'), 'wrong-tag': (1, 1, 'auth'),
    'other-key': (1, 1, 'auth'), 'reflected': (1, 1, 'auth'), 'other-dest': (1, 1, 'auth'),
    'other-cluster': (1, 1, 'auth'), 'other-port': (1, 1, 'auth'),
    'other-family': (1, 1, 'auth'),
    'old-sender': (1, 0, 'auth'), 'old-receiver': (1, 0, 'auth'),
    'cross-rule': (1, 1, 'auth'), 'zero-counter': (1, 0, 'auth'),
    'tampered': (1, 1, 'auth'), 'tampered-counter': (1, 1, 'auth'),
    'short': (1, 1, 'drop-malformed'), 'long': (1, 1, 'drop-malformed'),
    'stale': (0, 1, None),
}
# Header after hdr_csum: body_csum magic version command replica cluster
# epoch view op commit size log_view head_csum flags arg0 arg1.
HFMT = struct.Struct('<IIHBBQIIQQIIIIQQ')
HFIELDS = ('body_csum', 'magic', 'version', 'command', 'replica', 'cluster', 'epoch',
           'view', 'op', 'commit', 'size', 'log_view', 'head_csum', 'flags', 'arg0',
           'arg1')
assert HFMT.size == HDR_SIZE - 4
EFMT = struct.Struct('<QQQIIIB7x')    # entry header bytes 0..43
SLOW = authctl.SLOW
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
HIGH = 1 << 62


def _crc_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
        t.append(c)
    return t


CRC_TABLE = _crc_table()


def crc32c(data, crc=0xffffffff):
    """vsr_crc32c(crc, data): raw crc32c update, no inversion."""
    t = CRC_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc


assert crc32c(b'123456789') ^ 0xffffffff == 0xe3069283   # the check value


# --- messages -----------------------------------------------------------

def seal(body=b'', **f):
    """A message as vsr_msg_seal() makes it; fields default to 0, version
    2, magic, size and both checksums filled in."""
    h = dict.fromkeys(HFIELDS, 0)
    h.update(magic=MAGIC, version=2)
    h.update(f)
    h['size'] = HDR_SIZE + len(body)
    h['body_csum'] = 0 if h['command'] == CMD['prepare'] else crc32c(body)
    hdr = HFMT.pack(*(h[k] for k in HFIELDS))
    return struct.pack('<I', crc32c(hdr)) + hdr + body


def unseal(msg):
    """(header fields, body) of a message (without its trailer)."""
    h = dict(zip(HFIELDS, HFMT.unpack_from(msg, 4)))
    h['hdr_csum'] = struct.unpack_from('<I', msg)[0]
    return h, msg[HDR_SIZE:h['size']]


def restamp(msg, body=None, **changes):
    """msg with header fields (or its body) changed, sealed again."""
    h, b = unseal(msg)
    h.update(changes)
    for k in ('hdr_csum', 'size', 'body_csum'):
        h.pop(k)
    return seal(b if body is None else body, **h)


def entries(first, count, view, parent, session):
    """count log entries from op first, chained from parent: (bytes, the
    last one's checksum)."""
    out = b''
    for op in range(first, first + count):
        data = b'forged-%d-%d' % (session, op)
        e = EFMT.pack(op, session, 1 + op - first, view, len(data), parent, OP_DATA)
        parent = crc32c(data, crc32c(e))
        out += e + struct.pack('<I', parent) + data
    return out, parent


def later_view(st, sender, n):
    """A view after the victim's whose primary is the sender."""
    v = st['view'] + 2
    while v % n != sender:
        v += 1
    return v


def auth_msg(c, frm, nonce, challenge, echo, known):
    """An AUTH as vsr_auth_msg_seal() builds it."""
    return seal(nonce + challenge + echo + known, command=CMD['auth'], replica=frm, cluster=c)


def harmful(cmd, ctx):
    """A message from P that would move replica V (status st) to a later
    view of P, or hand it forged entries, or replace P's nonce in V's
    session, if it were accepted."""
    c, P, n, st = ctx['cluster'], ctx['P'], ctx['n'], ctx['st']
    v2 = later_view(st, P, n)
    r32 = random.getrandbits
    base = dict(command=CMD[cmd], replica=P, cluster=c, view=v2, log_view=v2)
    if cmd == 'prepare':
        body, last = entries(st['op'] + 1, 2, v2, r32(32), r32(48))
        return seal(body, op=st['op'] + 2, commit=st['commit'], head_csum=last, **base)
    if cmd == 'startview':
        return seal(op=st['op'] + 5, commit=st['commit'], head_csum=r32(32), **base)
    if cmd == 'commit':
        return seal(op=st['op'] + 3, commit=st['op'] + 3, head_csum=r32(32), **base)
    if cmd == 'newstate':
        first = st['op'] + 1
        body, last = entries(first, 2, v2, r32(32), r32(48))
        return seal(body, op=first + 1, commit=st['commit'], head_csum=last, arg0=first,
                    arg1=1, **base)
    if cmd == 'recoveryresponse':
        return seal(op=st['op'] + 10, commit=st['op'] + 10, head_csum=r32(32),
                    flags=RR_NORMAL, arg0=r32(64), arg1=r32(16), **base)
    if cmd == 'auth':
        # V adopts the nonce of an AUTH that echoes its current challenge.
        return auth_msg(c, P, os.urandom(NONCE), os.urandom(NONCE), ctx['chal'], ctx['nv'])
    raise ValueError(cmd)


def is_auth(m):
    return len(m) > 14 and m[14] == CMD['auth']


def trailer(m, ctx, ctr=None, key=None, frm=None, nfrm=None, to=None, nto=None,
            cluster=None, afrm=None, ato=None, rule=None):
    """The trailer of message m on the link P -> V of ctx, but for what is
    given: the AUTH rule for an AUTH (or rule='auth'), else the data rule
    with counter ctr (a fresh one far above any used if None).  frm and to
    are replicas (their nonces the learnt ones unless nfrm, nto), afrm and
    ato the names of the addresses the keys are derived for (those of frm
    and to unless given)."""
    key = ctx['key'] if key is None else key
    frm = ctx['P'] if frm is None else frm
    to = ctx['V'] if to is None else to
    afrm = replica_id(frm) if afrm is None else afrm
    ato = replica_id(to) if ato is None else ato
    cluster = ctx['cluster'] if cluster is None else cluster
    if (rule or ('auth' if is_auth(m) else 'data')) == 'auth':
        return auth_trailer(m, key, cluster, afrm, ato, ctr or 0)
    if ctr is None:
        ctr = HIGH + random.getrandbits(61)
    nfrm = ctx['nonces'][frm] if nfrm is None else nfrm
    nto = ctx['nonces'][to] if nto is None else nto
    return data_trailer(m, key, cluster, afrm, nfrm, ato, nto, ctr)


def datagram(variant, cmd, ctx):
    """The datagram of a variant of a command."""
    m = harmful(cmd, ctx)
    auth = cmd == 'auth'
    P, V, W = ctx['P'], ctx['V'], ctx['W']
    if variant == 'none':
        return m
    if variant == 'random-id':
        kid = key_id(ctx['key'])
        while kid in (key_id(ctx['key']), key_id(ctx['other_key'])):
            kid = random.getrandbits(32)
        return m + struct.pack('<IQ', kid, 0 if auth else HIGH) + os.urandom(16)
    if variant == 'wrong-tag':
        return m + trailer(m, ctx)[:12] + os.urandom(16)
    if variant == 'other-key':
        return m + trailer(m, ctx, key=ctx['other_key'])
    if variant == 'reflected':
        return m + trailer(m, ctx, frm=V, to=P)
    if variant == 'other-dest':
        return m + trailer(m, ctx, to=W, nto=ctx['nonces'][V])
    if variant == 'other-cluster':
        return m + trailer(m, ctx, cluster=ctx['cluster'] + 1)
    if variant == 'other-port':
        return m + trailer(m, ctx, afrm=addr_id(replica_addr(P), PORT + 1))
    if variant == 'other-family':
        return m + trailer(m, ctx, afrm=addr_id('::ffff:' + replica_addr(P)))
    if variant == 'old-sender':
        return m + trailer(m, ctx, nfrm=os.urandom(NONCE))
    if variant == 'old-receiver':
        return m + trailer(m, ctx, nto=os.urandom(NONCE))
    if variant == 'cross-rule':
        return m + trailer(m, ctx, rule='data' if auth else 'auth',
                           ctr=None if auth else HIGH)
    if variant == 'zero-counter':
        return m + trailer(m, ctx, ctr=0)
    if variant == 'tampered':
        if auth:
            body = bytearray(unseal(m)[1])
            body[0] ^= 1        # another made-up nonce
            return restamp(m, body=bytes(body)) + trailer(m, ctx)
        h, _ = unseal(m)
        return restamp(m, view=h['view'] + ctx['n'], log_view=h['log_view'] + ctx['n']) + \
            trailer(m, ctx)
    if variant == 'tampered-counter':
        t = bytearray(trailer(m, ctx))
        struct.pack_into('<Q', t, 4, struct.unpack_from('<Q', t, 4)[0] + 1)
        return m + bytes(t)
    if variant == 'short':
        return m + trailer(m, ctx)[:-1]
    if variant == 'long':
        return m + trailer(m, ctx) + b'\0'
    if variant == 'stale':
        s = auth_msg(ctx['cluster'], P, os.urandom(NONCE), os.urandom(NONCE),
                     os.urandom(NONCE), ctx['nv'])
        return s + trailer(s, ctx)
    die('unknown variant ' + variant)


def marker(cluster, P):
    """An unauthenticated COMMIT from P: a keyed receiver counts it in
    drop-auth, after everything P sent it before."""
    return seal(command=CMD['commit'], replica=P, cluster=cluster)


# --- sending and sniffing -------------------------------------------------

_tx = {}


def tx(i):
    """A raw UDP socket in replica i's namespace: its datagrams come from
    i's address."""
    if i not in _tx:
        with authctl.netns(authctl.ns(i)):
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        # It would get a copy of every UDP datagram the namespace receives.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 0)
        _tx[i] = s
    return _tx[i]


def send(frm, to, payload):
    udp = struct.pack('!HHHH', PORT, PORT, 8 + len(payload), 0) + payload
    tx(frm).sendto(udp, (replica_addr(to), 0))


PORT_RE = re.compile(r'^p(\d+)$')


def frame_datagram(frame, ifname, pkttype, frags):
    """(src, dst, message) of a vsr datagram in an Ethernet frame that the
    bridge sends out of port p<dst>, or None (not one, or a fragment of
    one not complete yet: frags holds the pieces)."""
    m = PORT_RE.match(ifname)
    if not m or pkttype != PACKET_OUTGOING or frame[12:14] != b'\x08\x00':
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0xf) * 4
    total, ident, frag = struct.unpack_from('!HHH', ip, 2)
    if ip[9] != socket.IPPROTO_UDP or ip[12:15] != b'\x0a\x4d\x00' or \
       ip[16:19] != b'\x0a\x4d\x00' or ip[19] != int(m.group(1)) + 1:
        return None
    l4 = ip[ihl:total]
    if frag & 0x3fff:    # a fragment: MF set or an offset
        fk = (ip[12:20], ident)
        parts = frags.setdefault(fk, {})
        parts[(frag & 0x1fff) * 8] = (l4, not frag & 0x2000)
        whole, end, last = b'', 0, False
        for off in sorted(parts):
            if off != end:
                break
            whole += parts[off][0]
            end += len(parts[off][0])
            last = parts[off][1]
        if not last:
            return None
        del frags[fk]
        l4 = whole
    sport, dport, ulen = struct.unpack_from('!HHH', l4)
    if sport != PORT or dport != PORT:
        return None
    return ip[15] - 1, ip[19] - 1, l4[8:ulen]


class Sniffer:
    """The vsr datagrams the bridge forwards between the replicas."""

    def __init__(self):
        with authctl.netns('vsr-hub'):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        try:
            self.s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        except OSError:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.frags = {}

    def next(self, timeout):
        """(src, dst, message) of the next one, or None after timeout s."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                frame, where = self.s.recvfrom(1 << 17)
            except socket.timeout:
                return None
            got = frame_datagram(frame, where[0], where[2], self.frags)
            if got is not None:
                return got

    def close(self):
        self.s.close()


def auth_fields(d):
    """(nonce, challenge, echo, known) of an AUTH datagram."""
    b = d[HDR_SIZE:HDR_SIZE + 4 * NONCE]
    return tuple(b[k * NONCE:(k + 1) * NONCE] for k in range(4))


def learn(P, V, key, cluster, tally=None):
    """Provokes V with datagrams from P whose tag does not verify until
    V's AUTH to P is seen; checks its tag.  Returns (V's nonce, P's nonce
    as V adopted it, V's challenge to P, the AUTH, provocations sent)."""
    sn = Sniffer()
    sent = 0
    deadline = time.monotonic() + 30 * SLOW
    prov = marker(cluster, P)
    try:
        while True:
            send(P, V, prov + struct.pack('<IQ', key_id(key), HIGH) + os.urandom(16))
            sent += 1
            if tally:
                tally.exp[(V, P)] = tally.exp.get((V, P), 0) + 1
            wait_end = time.monotonic() + 0.2 * SLOW
            while True:
                got = sn.next(wait_end - time.monotonic())
                if got is None:
                    break
                src, dst, d = got
                if src != V or dst != P or not is_auth(d):
                    continue
                h, _ = unseal(d)
                m = d[:h['size']]
                want = auth_trailer(m, key, cluster, replica_id(V), replica_id(P))
                if d[h['size']:] != want:
                    die('the AUTH of replica %d to %d has the trailer %s, computed here %s' %
                        (V, P, d[h['size']:].hex(), want.hex()))
                nv, chal, _, known = auth_fields(d)
                if known != bytes(NONCE):
                    return nv, known, chal, d, sent
            if time.monotonic() > deadline:
                die('replica %d sent replica %d no AUTH with its nonce within %d s '
                    '(%d provocations)' % (V, P, 30 * SLOW, sent))
    finally:
        sn.close()


# --- counting -------------------------------------------------------------

OTHER = ('drop-not-peer', 'drop-cluster', 'drop-checksum', 'drop-malformed', 'drop-stale',
         'drop-nomem', 'drop-version')


class Tally:
    """Counters of receivers before a run, and what the run must add:
    exp[(dst, src)] drop-auth from src at dst, stat[dst][name] any other
    drop counter (0 unless said)."""

    def __init__(self, dsts):
        self.base = {d: authctl.must_get(d) for d in dsts}
        self.exp = {}
        self.stat = {d: dict.fromkeys(OTHER, 0) for d in dsts}

    def delta(self, now, d, src=None):
        if src is None:
            return now['stats']['drop-auth'] - self.base[d]['stats']['drop-auth']
        return now['peers'][src]['drop_auth'] - self.base[d]['peers'][src]['drop_auth']

    def dstat(self, now, d, k):
        return now['stats'][k] - self.base[d]['stats'][k]

    def problems(self, now):
        """(counts short of what is due, counts over it)."""
        short, over = [], []
        for (d, s), e in sorted(self.exp.items()):
            got = self.delta(now[d], d, s)
            if got != e:
                (short if got < e else over).append(
                    'replica %d: drop-auth from %d +%d, want +%d' % (d, s, got, e))
        for d in self.base:
            e = sum(v for (dd, _), v in self.exp.items() if dd == d)
            got = self.delta(now[d], d)
            if got != e:
                (short if got < e else over).append(
                    'replica %d: drop-auth +%d, want +%d' % (d, got, e))
            for k, e in self.stat[d].items():
                got = self.dstat(now[d], d, k)
                if got != e:
                    (short if got < e else over).append(
                        'replica %d: %s +%d, want +%d' % (d, k, got, e))
        return short, over

    def wait(self):
        """Until every receiver counted what it must, and no more; the
        counts."""
        deadline = time.monotonic() + 60 * SLOW
        while True:
            now = {d: authctl.must_get(d) for d in self.base}
            short, over = self.problems(now)
            if over:
                die('more than expected: ' + '; '.join(over + short))
            if not short:
                return now
            if time.monotonic() > deadline:
                die('not counted within %d s: %s' % (60 * SLOW, '; '.join(short)))
            time.sleep(0.01)


def context(a):
    V, P = a.to, a.frm
    st = authctl.must_get(V)
    n = st['n']
    key = read_key(a.key)
    other = read_key(a.other_key) if getattr(a, 'other_key', None) else os.urandom(32)
    W = [i for i in range(n) if i not in (P, V)][0]
    return dict(key=key, other_key=other, cluster=st['cluster_id'], P=P, V=V, W=W, n=n,
                st=st)


def learn_into(ctx, tally):
    nv, np_, chal, _, sent = learn(ctx['P'], ctx['V'], ctx['key'], ctx['cluster'], tally)
    ctx.update(nv=nv, np=np_, chal=chal, nonces={ctx['P']: np_, ctx['V']: nv}, provoked=sent)


def cmd_forge(a):
    ctx = context(a)
    V, P = ctx['V'], ctx['P']
    t = Tally([V])
    t.exp[(V, P)] = 0
    learn_into(ctx, t)
    t.wait()
    cmds = a.cmds.split(',')
    variants = a.variants.split(',')
    for c in cmds:
        if c not in FORGE_CMDS:
            die('unknown command ' + c)
    for v in variants:
        if v not in VARIANTS:
            die('unknown variant ' + v)
    plan = [(v, c) for _ in range(a.count) for c in cmds for v in variants
            if VARIANTS[v][1 if c == 'auth' else 0]]
    grams = [(v, c, datagram(v, c, ctx)) for v, c in plan]
    mark = marker(ctx['cluster'], P)
    fates = {}
    for k in range(0, len(grams), a.batch):
        for v, c, d in grams[k:k + a.batch]:
            send(P, V, d)
            fate = VARIANTS[v][2]
            if fate == 'auth':
                t.exp[(V, P)] += 1
            elif fate:
                t.stat[V][fate] += 1
            fates[fate or 'ignored'] = fates.get(fate or 'ignored', 0) + 1
        send(P, V, mark)
        t.exp[(V, P)] += 1
        t.wait()
    after = authctl.must_get(V)
    if after['view'] != ctx['st']['view']:
        die('replica %d moved from view %d to %d' % (V, ctx['st']['view'], after['view']))
    marks = (len(grams) + a.batch - 1) // a.batch
    print('# %d forged datagrams to replica %d as replica %d (%s; %d variants): '
          'drop-auth %d, drop-malformed %d, authenticated and ignored %d; '
          'besides %d provocations and %d markers (drop-auth); no other drop, view %d' %
          (len(grams), V, P, ','.join(cmds), len(variants), fates.get('auth', 0),
           fates.get('drop-malformed', 0), fates.get('ignored', 0), ctx['provoked'], marks,
           after['view']))


def control_steps(ctx):
    """(what, datagram, fate) of the positive control on the link of ctx."""
    def v3(ctr):
        m = restamp(harmful('startview', ctx), version=3)
        return m + trailer(m, ctx, ctr=ctr)

    def epoch1(ctr):
        m = restamp(harmful('startview', ctx), epoch=1)
        return m + trailer(m, ctx, ctr=ctr)

    def v3enc(ctr):
        """Encrypted (the counter's top bit set here)."""
        P, V = ctx['P'], ctx['V']
        m = restamp(harmful('startview', ctx), version=3)
        return seal_encrypted(m, ctx['key'], ctx['cluster'], replica_id(P), ctx['nonces'][P],
                              replica_id(V), ctx['nonces'][V], ctr)

    T = HIGH
    first = v3(T)
    old = epoch1(T - 1)
    edge = v3(T - 1023)
    later = v3(T + 2047)
    enc = v3enc(T + 2049)
    bad = bytearray(v3enc(T + 2050))
    bad[HDR_SIZE - 1] ^= 1      # in the ciphertext (flags, arguments)
    return [
        ('format 3, counter 2^62: authenticated, then dropped for its format', first,
         'drop-version'),
        ('the same datagram again', first, 'auth'),
        ('epoch 1, counter 2^62-1: authenticated, then stale', old, 'drop-stale'),
        ('the same datagram again', old, 'auth'),
        ('counter 2^62-1023, never used: the oldest the window holds', edge,
         'drop-version'),
        ('the same datagram again', edge, 'auth'),
        ('counter 2^62-1024, never used: too old', v3(T - 1024), 'auth'),
        ('counter 2^62+2048: the window moves past everything before', v3(T + 2048),
         'drop-version'),
        ('counter 2^62+2047, never used: in the window', later, 'drop-version'),
        ('the same datagram again', later, 'auth'),
        ('counter 2^62+1024, never used: too old now', v3(T + 1024), 'auth'),
        ('counter 2^62+1025, never used: the oldest the window holds', v3(T + 1025),
         'drop-version'),
        ('encrypted, counter 2^62+2049: decrypted, then dropped for its format', enc,
         'drop-version'),
        ('the same datagram again', enc, 'auth'),
        ('encrypted, counter 2^62+2050, a byte of its ciphertext changed', bytes(bad),
         'auth'),
        ('encrypted, counter 2^62+2050 (the refused one did not use it): decrypted, then '
         'dropped for its format', v3enc(T + 2050), 'drop-version'),
        ('the right tag over counter 0', v3(0), 'auth'),
    ]


def cmd_control(a):
    ctx = context(a)
    V, P = ctx['V'], ctx['P']
    t = Tally([V])
    t.exp[(V, P)] = 0
    learn_into(ctx, t)
    t.wait()
    mark = marker(ctx['cluster'], P)
    steps = control_steps(ctx)
    for what, d, fate in steps:
        send(P, V, d)
        send(P, V, mark)
        t.exp[(V, P)] += 1 + (fate == 'auth')
        if fate != 'auth':
            t.stat[V][fate] += 1
        t.wait()
        print('ok: %s: %s' % (what, 'drop-auth' if fate == 'auth' else
                              'accepted, then ' + fate))
    print('# positive control, replica %d from %d: %d datagrams sealed here, %d accepted '
          'once; besides %d provocations and %d markers' %
          (V, P, len(steps), sum(f != 'auth' for _, _, f in steps), ctx['provoked'],
           len(steps)))


def cmd_nonces(a):
    reps = [int(r) for r in a.replicas]
    key = read_key(a.key)
    cluster = authctl.must_get(reps[0])['cluster_id']
    own, adopted, auths = {}, {}, []
    for k, P in enumerate(reps):
        V = reps[(k + 1) % len(reps)]
        nv, np_, _, d, sent = learn(P, V, key, cluster)
        own[V] = nv
        adopted[P] = np_
        auths.append(dict(src=V, dst=P, msg=d.hex()))
        print('# replica %d nonce %s (its AUTH to %d; %d provocations)' %
              (V, nv.hex(), P, sent))
    for i in reps:
        if own[i] != adopted[i]:
            die('replica %d: its AUTH says nonce %s, its peer adopted %s' %
                (i, own[i].hex(), adopted[i].hex()))
    json.dump({str(i): own[i].hex() for i in reps}, open(a.out, 'w'))
    if a.auths:
        with open(a.auths, 'w') as f:
            for r in auths:
                f.write(json.dumps(r) + '\n')


def cmd_sniff(a):
    sn = Sniffer()
    open(a.ready, 'w').close()
    count = {}
    n = 0
    with open(a.out, 'w') as out:
        while not os.path.exists(a.stop):
            got = sn.next(0.05)
            if got is None:
                continue
            src, dst, msg = got
            out.write(json.dumps(dict(src=src, dst=dst, msg=msg.hex())) + '\n')
            n += 1
            name = CMD_NAME.get(msg[14], '?') if len(msg) >= HDR_SIZE else 'short'
            count[name] = count.get(name, 0) + 1
    print('# captured %d datagrams: %s' %
          (n, ', '.join('%s %d' % kv for kv in sorted(count.items()))))


def load(path):
    return [(r['src'], r['dst'], bytes.fromhex(r['msg']))
            for r in map(json.loads, open(path)) if r]


def cmd_check_capture(a):
    key = read_key(a.key)
    kid = key_id(key)
    nonces = {int(i): bytes.fromhex(v) for i, v in json.load(open(a.nonces)).items()}
    recs = load(a.file)
    if not recs:
        die('nothing captured')
    count, used, top = {}, {}, {}
    encrypted = 0
    for src, dst, d in recs:
        h, body = unseal(d)
        name = CMD_NAME.get(h['command'], str(h['command']))
        what = '%s %d->%d' % (name, src, dst)
        if h['replica'] != src:
            die('%s: claims replica %d' % (what, h['replica']))
        if len(d) != h['size'] + TRAILER:
            die('%s: %d bytes for a message of %d: no trailer' % (what, len(d), h['size']))
        m, tr = d[:h['size']], d[h['size']:]
        got_id, ctr = struct.unpack_from('<IQ', tr)
        if got_id != kid:
            die('%s: key id %08x, want %08x' % (what, got_id, kid))
        # The keys name the replicas by their addresses (the sniffer took
        # src and dst from them: 10.77.0.src+1 port 7000).
        a, b = replica_id(src), replica_id(dst)
        enc = not is_auth(d) and ctr & ENCRYPTED
        if enc:
            # Checksums zero, the rest after the clear part encrypted: the
            # tag is the AEAD's over it, checked by decrypting it here.
            if d[:8] != bytes(8):
                die('%s: encrypted, its checksums in clear (%s)' % (what, d[:8].hex()))
            if open_encrypted(d, key, h['cluster'], a, nonces[src], b, nonces[dst]) is None:
                die('%s: encrypted, does not decrypt with the session key computed here'
                    % what)
            encrypted += 1
            ctr &= ~ENCRYPTED
        else:
            if crc32c(d[4:HDR_SIZE]) != h['hdr_csum']:
                die('%s: header checksum %08x, computed %08x' %
                    (what, h['hdr_csum'], crc32c(d[4:HDR_SIZE])))
            if h['command'] != CMD['prepare'] and crc32c(body) != h['body_csum']:
                die('%s: body checksum %08x, computed %08x' %
                    (what, h['body_csum'], crc32c(body)))
        if is_auth(d):
            nonce, _, _, known = auth_fields(d)
            if nonce != nonces[src] or known not in (nonces[dst], bytes(NONCE)):
                die('%s: nonce %s, knows %s; the nonces learnt: %s' %
                    (what, nonce.hex(), known.hex(),
                     {i: v.hex() for i, v in nonces.items()}))
            want = auth_trailer(m, key, h['cluster'], a, b)
            if ctr:
                die('%s: counter %d, want 0' % (what, ctr))
        else:
            # (An encrypted one's tag was checked by decrypting it.)
            want = tr if enc else data_trailer(m, key, h['cluster'], a, nonces[src], b,
                                               nonces[dst], ctr)
            if not ctr or ctr in used.setdefault((src, dst), set()):
                die('%s: counter %d used before (or 0)' % (what, ctr))
            used[(src, dst)].add(ctr)
            top[(src, dst)] = max(top.get((src, dst), 0), ctr)
        if tr != want:
            die('%s: trailer %s, computed here %s' % (what, tr.hex(), want.hex()))
        count[name] = count.get(name, 0) + 1
    print('# %d captured datagrams, each with key id %08x and the tag and checksums '
          'computed here%s: %s' %
          (len(recs), kid, ' (%d encrypted, decrypted here)' % encrypted if encrypted else '',
           ', '.join('%s %d' % kv for kv in sorted(count.items()))))
    print('# counters used once per direction, highest: %s' %
          ', '.join('%d->%d %d (%d datagrams)' % (s, d, c, len(used[(s, d)]))
                    for (s, d), c in sorted(top.items())))


def cmd_scan(a):
    recs = load(a.file)
    if not recs:
        die('nothing captured')
    mark = a.marker.encode()
    clear, count = [], {}
    for src, dst, d in recs:
        name = CMD_NAME.get(d[14], str(d[14])) if len(d) >= HDR_SIZE else 'short'
        what = '%s %d->%d' % (name, src, dst)
        count[name] = count.get(name, 0) + 1
        if mark in d:
            clear.append(what)
        if not a.encrypted or is_auth(d):
            continue
        size = struct.unpack_from('<I', d, 48)[0]
        if len(d) != size + TRAILER:
            die('%s: %d bytes, not its size %d and a trailer' % (what, len(d), size))
        if not struct.unpack_from('<Q', d, size + 4)[0] >> 63:
            die('%s: sent in clear (counter without the encrypted bit)' % what)
        if d[:8] != bytes(8):
            die('%s: checksums in clear (%s)' % (what, d[:8].hex()))
    summary = ', '.join('%s %d' % kv for kv in sorted(count.items()))
    if a.encrypted and clear:
        die('%d of %d datagrams carry %r in clear, the first %s' %
            (len(clear), len(recs), a.marker, clear[0]))
    if not a.encrypted and not clear:
        die('%r in none of %d datagrams (%s): the capture misses the records' %
            (a.marker, len(recs), summary))
    print('# %d datagrams (%s): %d with %r in clear%s' %
          (len(recs), summary, len(clear), a.marker,
           ', every one but AUTH encrypted' if a.encrypted else ''))


def cmd_replay(a):
    recs = [r for f in a.files for r in load(f)]
    if not recs:
        die('nothing to replay')
    dsts = sorted({d for _, d, _ in recs})
    t = Tally(dsts)
    cluster = t.base[dsts[0]]['cluster_id']
    data = auth = 0
    for k in range(0, len(recs), a.batch):
        pairs = set()
        for src, dst, d in recs[k:k + a.batch]:
            send(src, dst, d)
            pairs.add((dst, src))
            t.exp.setdefault((dst, src), 0)
            if is_auth(d):
                auth += 1
            else:
                t.exp[(dst, src)] += 1
                data += 1
        for dst, src in sorted(pairs):
            send(src, dst, marker(cluster, src))
            t.exp[(dst, src)] += 1
        now = t.wait()
    print('# replayed %d captured datagrams from their senders: %d data datagrams, each '
          'dropped (drop-auth %s, markers included), %d AUTHs ignored; no other drop' %
          (len(recs), data, ', '.join('replica %d +%d' % (d, t.delta(now[d], d)) for d in dsts),
           auth))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    f = sub.add_parser('forge')
    f.add_argument('--to', type=int, required=True)
    f.add_argument('--from', dest='frm', type=int, required=True)
    f.add_argument('--key', required=True)
    f.add_argument('--other-key')
    f.add_argument('--cmds', default=','.join(FORGE_CMDS))
    f.add_argument('--variants', default=','.join(VARIANTS))
    f.add_argument('--count', type=int, default=10)
    f.add_argument('--batch', type=int, default=96)
    c = sub.add_parser('control')
    c.add_argument('--to', type=int, required=True)
    c.add_argument('--from', dest='frm', type=int, required=True)
    c.add_argument('--key', required=True)
    n = sub.add_parser('nonces')
    n.add_argument('--key', required=True)
    n.add_argument('--out', required=True)
    n.add_argument('--auths')
    n.add_argument('replicas', nargs='+')
    s = sub.add_parser('sniff')
    s.add_argument('--out', required=True)
    s.add_argument('--stop', required=True)
    s.add_argument('--ready', required=True)
    k = sub.add_parser('check-capture')
    k.add_argument('file')
    k.add_argument('--key', required=True)
    k.add_argument('--nonces', required=True)
    e = sub.add_parser('scan')
    e.add_argument('file')
    e.add_argument('--marker', required=True)
    e.add_argument('--encrypted', action='store_true')
    r = sub.add_parser('replay')
    r.add_argument('files', nargs='+')
    r.add_argument('--batch', type=int, default=128)
    a = ap.parse_args()
    {'forge': cmd_forge, 'control': cmd_control, 'nonces': cmd_nonces, 'sniff': cmd_sniff,
     'check-capture': cmd_check_capture, 'scan': cmd_scan, 'replay': cmd_replay}[a.cmd](a)
    return 0


if __name__ == '__main__':
    sys.exit(main())
