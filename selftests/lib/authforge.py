#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forged, captured and replayed authenticated vsr datagrams, for
selftests/auth.sh.  (lib/forge.py, for garbage.sh, sends unauthenticated
garbage; this one builds well-formed messages and their MAC trailers.)

Every message is built as vsr_mod/wire.c seals it: crc32c (Castagnoli, raw
update from ~0 without a final inversion, as vsr_crc32c()) over header bytes
4..79 and over the body (0 for a PREPARE), log entries chained by their own
checksums.  The trailer is computed as vsr_mod/auth.c computes it (see
authctl.py): le32 key id and BLAKE2s-128, keyed with the link key of the
direction, over the message and the key id.

A datagram "from replica P" leaves P's network namespace from P's own
address with UDP source port 7000 (a raw socket: the instance's kernel
socket holds the port), so the receiver takes it for P's.  Run as root in
the root namespace: the tool enters the namespaces of selftests/lib/
cluster.sh itself (replica I in vsr-rI, the bridge in vsr-hub).

  authforge.py forge --to V --from P --key FILE [--other-key FILE]
               [--cmds C,...] [--variants X,...] [--count N]
               [--expect drop-auth]
      Sends COUNT datagrams of each command and variant to replica V as
      replica P, in batches, each batch followed by a marker (an
      unauthenticated COMMIT, which V drops for authentication); waits
      until V has counted them all, then checks V's counters exactly:
      drop-auth (total and from P) grew by the datagrams that must fail
      authentication plus the markers, drop-version by the good-v3 ones,
      and no other drop counter (checksum, malformed, not-peer, cluster)
      moved: the messages are well-formed, only their trailers are wrong.
      Commands: prepare startview newstate recoveryresponse commit
      (default: all), built so that V, were it to accept them, would move
      to a later view of P or take forged entries.
      Variants (default: all that must fail):
        none          no trailer
        random-id     a trailer with a random key id and tag
        wrong-tag     the right key id, a random tag
        other-key     a correct trailer, but of another key (--other-key,
                      default a random one)
        reflected     the key of the direction V -> P
        other-cluster the link key derived for cluster id + 1
        other-epoch   the link key derived for epoch 1
        short, long   the right trailer one byte short, one byte long
        tampered      the right trailer of the message before its view
                      was changed (checksums recomputed)
      and, which V authenticates:
        good          the right trailer, on a message that changes nothing
                      (commit, startview, recoveryresponse only): accepted,
                      no drop counter moves
        good-v3       the right trailer on a message of wire format 3:
                      authenticated, then dropped as drop-version
      --expect drop-auth: every datagram must fail authentication (good
      ones sealed with a key V no longer accepts), on the harmful content.

  authforge.py sniff --out FILE --stop STOP --ready READY
      Captures every vsr datagram between the replicas on the bridge (IP
      fragments reassembled) as JSON lines {src, dst, msg (hex)} until the
      file STOP exists; creates READY once it listens.

  authforge.py check-capture FILE --key KEYFILE
      Every captured datagram carries a trailer of that key, whose tag is
      the one computed here for its direction, and checksums as computed
      here: the kernel's derivations and this tool's agree.

  authforge.py replay FILE [--expect authentic|drop-auth]
      Sends the captured datagrams again, each from its original sender
      to its original receiver, in batches with markers as forge does.
      authentic: they all pass authentication (only the markers count in
      drop-auth); drop-auth: every one of them fails it.
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
from authctl import die, key_id, read_key, trailer

MAGIC = 0x31525356
HDR_SIZE = 80
PORT = 7000
CMD = dict(request=1, prepare=2, prepareok=3, commit=4, startviewchange=5,
           doviewchange=6, startview=7, getstate=8, newstate=9, recovery=10,
           recoveryresponse=11, hello=12)
CMD_NAME = {v: k for k, v in CMD.items()}
OP_DATA = 2
RR_NORMAL = 0x1
FORGE_CMDS = ('prepare', 'startview', 'newstate', 'recoveryresponse', 'commit')
HARMLESS_CMDS = ('commit', 'startview', 'recoveryresponse')
BAD_VARIANTS = ('none', 'random-id', 'wrong-tag', 'other-key', 'reflected',
                'other-cluster', 'other-epoch', 'short', 'long', 'tampered')
GOOD_VARIANTS = ('good', 'good-v3')
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


def restamp(msg, **changes):
    """msg with header fields changed, sealed again."""
    h, body = unseal(msg)
    h.update(changes)
    for k in ('hdr_csum', 'size', 'body_csum'):
        h.pop(k)
    return seal(body, **h)


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


def harmful(cmd, c, st, P, n):
    """A message from P that would move replica st to a later view of P,
    or hand it forged entries, if it were accepted."""
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
    raise ValueError(cmd)


def harmless(cmd, c, st, P):
    """A message from P that changes nothing at replica st: its own view
    and commit (a primary's heartbeat or announcement it already follows;
    a recovery answer to a nonce it never sent)."""
    base = dict(command=CMD[cmd], replica=P, cluster=c, view=st['view'],
                log_view=st['view'], op=st['commit'], commit=st['commit'])
    if cmd in ('commit', 'startview'):
        return seal(**base)
    if cmd == 'recoveryresponse':
        return seal(arg0=random.getrandbits(64), **base)
    raise ValueError('no harmless %s' % cmd)


def datagram(variant, cmd, ctx):
    """(datagram, what V must do with it: 'auth', 'version' or 'ok')."""
    key, c, P, V, n, st = ctx['key'], ctx['cluster'], ctx['P'], ctx['V'], ctx['n'], ctx['st']
    forced = ctx['expect'] == 'drop-auth'
    if variant in GOOD_VARIANTS and not forced and cmd in HARMLESS_CMDS:
        m = harmless(cmd, c, st, P)
    else:
        m = harmful(cmd, c, st, P, n)
    if variant == 'good-v3':
        m = restamp(m, version=3)
    good = trailer(m, key, c, P, V)
    if variant == 'none':
        d = m
    elif variant == 'random-id':
        kid = key_id(key)
        while kid in (key_id(key), ctx['other_id']):
            kid = random.getrandbits(32)
        d = m + struct.pack('<I', kid) + os.urandom(16)
    elif variant == 'wrong-tag':
        d = m + good[:4] + os.urandom(16)
    elif variant == 'other-key':
        d = m + trailer(m, ctx['other_key'], c, P, V)
    elif variant == 'reflected':
        d = m + trailer(m, key, c, V, P)
    elif variant == 'other-cluster':
        d = m + trailer(m, key, c + 1, P, V)
    elif variant == 'other-epoch':
        d = m + trailer(m, key, c, P, V, epoch=1)
    elif variant == 'short':
        d = m + good[:-1]
    elif variant == 'long':
        d = m + good + b'\0'
    elif variant == 'tampered':
        h, _ = unseal(m)
        d = restamp(m, view=h['view'] + n, log_view=h['log_view'] + n) + good
    elif variant in GOOD_VARIANTS:
        if variant == 'good' and not forced and cmd not in HARMLESS_CMDS:
            die('variant good: only for %s' % ','.join(HARMLESS_CMDS))
        d = m + good
    else:
        die('unknown variant ' + variant)
    if forced or variant in BAD_VARIANTS:
        return d, 'auth'
    return d, 'version' if variant == 'good-v3' else 'ok'


def marker(cluster, P):
    """An unauthenticated COMMIT from P: a keyed receiver counts it in
    drop-auth, after everything P sent it before."""
    return seal(command=CMD['commit'], replica=P, cluster=cluster)


# --- sending ------------------------------------------------------------

def addr(i):
    return '10.77.0.%d' % (i + 1)


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
    tx(frm).sendto(udp, (addr(to), 0))


DROPS = ('drop-checksum', 'drop-malformed', 'drop-not-peer', 'drop-cluster')


class Tally:
    """Counters of receivers before a run, and what the run must add:
    exp[(dst, src)] drop-auth from src at dst, ver[dst] drop-version."""

    def __init__(self, dsts):
        self.base = {d: authctl.must_get(d) for d in dsts}
        self.exp = {}
        self.ver = {d: 0 for d in dsts}

    def delta(self, now, d, src=None):
        if src is None:
            return now['stats']['drop-auth'] - self.base[d]['stats']['drop-auth']
        return now['peers'][src]['drop_auth'] - self.base[d]['peers'][src]['drop_auth']

    def dver(self, now, d):
        return now['stats']['drop-version'] - self.base[d]['stats']['drop-version']

    def wait(self):
        """Until every receiver counted what it must; the counts."""
        deadline = time.monotonic() + 60 * SLOW
        while True:
            now = {d: authctl.must_get(d) for d in self.base}
            short = ['replica %d: drop-auth from %d +%d of %d' %
                     (d, s, self.delta(now[d], d, s), e)
                     for (d, s), e in sorted(self.exp.items())
                     if self.delta(now[d], d, s) < e]
            short += ['replica %d: drop-version +%d of %d' % (d, self.dver(now[d], d), e)
                      for d, e in self.ver.items() if self.dver(now[d], d) < e]
            over = ['replica %d: drop-auth from %d +%d, want +%d' %
                    (d, s, self.delta(now[d], d, s), e)
                    for (d, s), e in sorted(self.exp.items())
                    if self.delta(now[d], d, s) > e]
            if over:
                die('more datagrams failed authentication than should: ' + '; '.join(over))
            if not short:
                return now
            if time.monotonic() > deadline:
                die('not counted within %d s: %s; counters %s' %
                    (60 * SLOW, '; '.join(short),
                     {d: now[d]['stats'] for d in now}))
            time.sleep(0.01)

    def check(self, now, other_drops=True):
        """Exactly what was expected: problems, or []."""
        bad = []
        for (d, s), e in sorted(self.exp.items()):
            if self.delta(now[d], d, s) != e:
                bad.append('replica %d: drop-auth from %d +%d, want +%d' %
                           (d, s, self.delta(now[d], d, s), e))
        for d in self.base:
            e = sum(v for (dd, _), v in self.exp.items() if dd == d)
            if self.delta(now[d], d) != e:
                bad.append('replica %d: drop-auth +%d, want +%d' % (d, self.delta(now[d], d), e))
            dv = self.dver(now[d], d)
            if dv != self.ver[d]:
                bad.append('replica %d: drop-version +%d, want +%d' % (d, dv, self.ver[d]))
            if other_drops:
                for k in DROPS:
                    dk = now[d]['stats'][k] - self.base[d]['stats'][k]
                    if dk:
                        bad.append('replica %d: %s +%d' % (d, k, dk))
        return bad


def cmd_forge(a):
    V, P = a.to, a.frm
    st = authctl.must_get(V)
    n = st['n']
    other = read_key(a.other_key) if a.other_key else os.urandom(32)
    ctx = dict(key=read_key(a.key), other_key=other, other_id=key_id(other),
               cluster=st['cluster_id'], P=P, V=V, n=n, st=st, expect=a.expect)
    cmds = a.cmds.split(',')
    variants = a.variants.split(',')
    for c in cmds:
        if c not in FORGE_CMDS:
            die('unknown command ' + c)
    plan = [(v, c) for _ in range(a.count) for c in cmds for v in variants]
    grams = [(v, c) + datagram(v, c, ctx) for v, c in plan]
    t = Tally([V])
    t.exp[(V, P)] = 0
    ok = 0
    mark = marker(ctx['cluster'], P)
    for k in range(0, len(grams), a.batch):
        for v, c, d, fate in grams[k:k + a.batch]:
            send(P, V, d)
            if fate == 'auth':
                t.exp[(V, P)] += 1
            elif fate == 'version':
                t.ver[V] += 1
            else:
                ok += 1
        send(P, V, mark)
        t.exp[(V, P)] += 1
        now = t.wait()
    bad = t.check(now)
    after = authctl.must_get(V)
    if after['view'] != st['view']:
        bad.append('replica %d moved from view %d to %d' % (V, st['view'], after['view']))
    if bad:
        die('forge to replica %d as %d: %s' % (V, P, '; '.join(bad)))
    marks = (len(grams) + a.batch - 1) // a.batch
    print('# %d datagrams to replica %d as replica %d (%s; %s; %d of each): '
          'drop-auth +%d (markers: %d), drop-version +%d, accepted %d; no other drop, '
          'view %d' % (len(grams), V, P, ','.join(cmds), ','.join(variants), a.count,
                       t.exp[(V, P)], marks, t.ver[V], ok, after['view']))


# --- capture and replay -------------------------------------------------

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


def cmd_sniff(a):
    with authctl.netns('vsr-hub'):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.settimeout(0.05)
    open(a.ready, 'w').close()
    frags = {}
    count = {}
    n = 0
    with open(a.out, 'w') as out:
        while not os.path.exists(a.stop):
            try:
                frame, where = s.recvfrom(1 << 17)
            except socket.timeout:
                continue
            got = frame_datagram(frame, where[0], where[2], frags)
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
    recs = load(a.file)
    if not recs:
        die('nothing captured')
    count = {}
    for src, dst, d in recs:
        h, body = unseal(d)
        name = CMD_NAME.get(h['command'], str(h['command']))
        what = '%s %d->%d' % (name, src, dst)
        if crc32c(d[4:HDR_SIZE]) != h['hdr_csum']:
            die('%s: header checksum %08x, computed %08x' %
                (what, h['hdr_csum'], crc32c(d[4:HDR_SIZE])))
        if h['command'] != CMD['prepare'] and crc32c(body) != h['body_csum']:
            die('%s: body checksum %08x, computed %08x' % (what, h['body_csum'], crc32c(body)))
        if h['replica'] != src:
            die('%s: claims replica %d' % (what, h['replica']))
        if len(d) != h['size'] + 20:
            die('%s: %d bytes for a message of %d: no trailer' % (what, len(d), h['size']))
        m = d[:h['size']]
        # The module derives its link keys for epoch 0 (keys.c).
        if d[h['size']:] != trailer(m, key, h['cluster'], src, dst):
            got = struct.unpack_from('<I', d, h['size'])[0]
            die('%s: a trailer of key id 0x%08x (want 0x%08x) whose tag is not the one '
                'computed here' % (what, got, kid))
        count[name] = count.get(name, 0) + 1
    print('# %d captured datagrams, each with key id 0x%08x and the tag and checksums '
          'computed here: %s' % (len(recs), kid,
                                 ', '.join('%s %d' % kv for kv in sorted(count.items()))))


def cmd_replay(a):
    recs = load(a.file)
    if not recs:
        die('nothing to replay')
    dsts = sorted({d for _, d, _ in recs})
    t = Tally(dsts)
    cluster = t.base[dsts[0]]['cluster_id']
    for k in range(0, len(recs), a.batch):
        pairs = set()
        for src, dst, d in recs[k:k + a.batch]:
            send(src, dst, d)
            pairs.add((dst, src))
            t.exp.setdefault((dst, src), 0)
            if a.expect == 'drop-auth':
                t.exp[(dst, src)] += 1
        for dst, src in sorted(pairs):
            send(src, dst, marker(cluster, src))
            t.exp[(dst, src)] += 1
        now = t.wait()
    # Authentic replays may be stale or refused by the protocol: only the
    # authentication counters are exact then.
    bad = t.check(now, other_drops=a.expect == 'drop-auth')
    if bad:
        die('replay: ' + '; '.join(bad))
    print('# replayed %d captured datagrams from their senders: %s; drop-auth %s' %
          (len(recs), 'all authenticated' if a.expect == 'authentic' else
           'all dropped for authentication',
           ', '.join('replica %d +%d' % (d, t.delta(now[d], d)) for d in dsts)))


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
    f.add_argument('--variants', default=','.join(BAD_VARIANTS))
    f.add_argument('--count', type=int, default=10)
    f.add_argument('--batch', type=int, default=48)
    f.add_argument('--expect', choices=('drop-auth',))
    s = sub.add_parser('sniff')
    s.add_argument('--out', required=True)
    s.add_argument('--stop', required=True)
    s.add_argument('--ready', required=True)
    c = sub.add_parser('check-capture')
    c.add_argument('file')
    c.add_argument('--key', required=True)
    r = sub.add_parser('replay')
    r.add_argument('file')
    r.add_argument('--expect', choices=('authentic', 'drop-auth'), default='authentic')
    r.add_argument('--batch', type=int, default=48)
    a = ap.parse_args()
    {'forge': cmd_forge, 'sniff': cmd_sniff, 'check-capture': cmd_check_capture,
     'replay': cmd_replay}[a.cmd](a)
    return 0


if __name__ == '__main__':
    sys.exit(main())
