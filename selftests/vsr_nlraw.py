#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink requests to the vsr family, for the selftests.

Builds messages by hand (no vsradm, no ynl) so that malformed and
incomplete requests reach the kernel, and checks the errno and the
extended-ack message of every rejection.

  vsr_nlraw.py reject    run the table of bad requests; exit 1 on any mismatch
  vsr_nlraw.py eperm     every command, and joining the events group, must
                         fail with EPERM (run unprivileged)
  vsr_nlraw.py eperm-cmds  every command must fail with EPERM
  vsr_nlraw.py events    joining the events group must succeed
  vsr_nlraw.py dumpmany  create 40 instances, check a multi-part dump sees each once
"""

import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 4
SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 7, 1, 2
NETLINK_ADD_MEMBERSHIP = 1
NLA_F_NESTED = 0x8000

# From include/uapi/linux/vsr_genl.h (generated from the YNL spec).
CMD = dict(add=1, dele=2, get=3, set=4, trim=5, reconfigure=12)
A = dict(pad=1, name=2, cluster_id=3, replica=4, peer=5, heartbeat_ms=6,
         view_change_timeout_ms=7, client_timeout_ms=8, log_retention=9,
         minor=10, epoch=11, view=12, status=13, primary=14, op=15, commit=16,
         trim_point=17, log_bytes=18, stats=19, wire_version=20,
         wire_version_max=21, key=22, key_none=23, accept_key=24,
         accept_key_none=25, accept_key_off=26, key_swap=27, key_id=28,
         accept_key_id=29, encrypt=30)
P = dict(pad=1, addr=2, port=3, index=4, last_heard_ms=5, lag=6,
         wire_version=7, key_id=8, unauthenticated=9, drop_auth=10,
         encrypted=11, no_decrypt=12)
S = dict(pad=1, msgs_in=2, msgs_out=3, drop_not_peer=4, drop_cluster=5,
         drop_checksum=6, drop_malformed=7, drop_stale=8, drop_nomem=9,
         view_changes=10, recoveries=11, send_errors=12, prepares=13,
         drop_version=14, drop_auth=15)


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("HH", ln, t) + payload + b"\0" * ((4 - ln % 4) % 4)


def a_str(t, s):
    return attr(t, s.encode() + b"\0")


def a_u8(t, v):
    return attr(t, struct.pack("B", v))


def a_u16(t, v):
    return attr(t, struct.pack("H", v))


def a_u32(t, v):
    return attr(t, struct.pack("I", v))


def a_u64(t, v):
    return attr(t, struct.pack("Q", v))


def a_flag(t):
    return attr(t, b"")


def a_nest(t, *parts):
    return attr(t | NLA_F_NESTED, b"".join(parts))


def peer(addr, port=7000, *extra):
    parts = []
    if addr is not None:
        parts.append(attr(P["addr"], socket.inet_pton(
            socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)
            if isinstance(addr, str) else addr))
    if port is not None:
        parts.append(a_u16(P["port"], port))
    parts.extend(extra)
    return a_nest(A["peer"], *parts)


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1
        err, _, msgs = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                    a_str(CTRL_ATTR_FAMILY_NAME, "vsr"), version=1)
        if err:
            raise OSError(-err, "cannot resolve the vsr family")
        self.family = None
        self.groups = {}
        for m in msgs:
            for t, p in parse_attrs(m[4:]):
                if t == CTRL_ATTR_FAMILY_ID:
                    self.family = struct.unpack("H", p[:2])[0]
                elif t & 0x7fff == CTRL_ATTR_MCAST_GROUPS:
                    for _, grp in parse_attrs(p):
                        g = dict((gt & 0x7fff, gp) for gt, gp in parse_attrs(grp))
                        self.groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                            struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID][:4])[0]

    def join(self, group):
        """Joins a multicast group of the family; returns 0 or -errno."""
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups[group])
        except OSError as e:
            return -e.errno
        finally:
            s.close()
        return 0

    def request(self, typ, cmd, payload=b"", flags=NLM_F_ACK, version=1):
        """Returns (error, extack message, [genl payloads])."""
        self.send(typ, cmd, payload, flags, version)
        return self.reply()

    def send(self, typ, cmd, payload=b"", flags=NLM_F_ACK, version=1):
        """Sends a request; reply() waits for its answer."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, 0) + payload
        hdr = struct.pack("IHHII", 16 + len(body), typ, NLM_F_REQUEST | flags, self.seq, 0)
        self.s.send(hdr + body)

    def reply(self):
        """The answer to the last request: (error, extack message, [genl payloads])."""
        msgs = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, seq, _ = struct.unpack_from("IHHII", data, off)
                m = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if seq != self.seq:
                    continue
                if t in (NLMSG_ERROR, NLMSG_DONE):
                    err = struct.unpack_from("i", m)[0]
                    text = None
                    if fl & NLM_F_ACK_TLVS:
                        start = 4 + 16 if t == NLMSG_ERROR else 4
                        for at, ap in parse_attrs(m[start:]):
                            if at == NLMSGERR_ATTR_MSG:
                                text = ap.rstrip(b"\0").decode()
                            elif at == NLMSGERR_ATTR_MISS_TYPE and text is None:
                                text = "missing attribute %d" % struct.unpack("I", ap[:4])[0]
                    return err, text, msgs
                msgs.append(m)

    def vsr(self, cmd, *attrs, flags=NLM_F_ACK):
        return self.request(self.family, CMD[cmd], b"".join(attrs), flags)


def parse_attrs(buf):
    out = []
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("HH", buf, off)
        if ln < 4:
            break
        out.append((t & 0x3fff, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


failures = 0


def expect(what, got, err, msg_part):
    """got = (error, message, msgs); err a positive errno or 0."""
    global failures
    e, text, _ = got
    ok = e == -err and (msg_part is None or (text is not None and msg_part in text))
    print("%s %s: errno %s message %r" % ("ok  " if ok else "FAIL", what,
                                           errno.errorcode.get(-e, e) if e else 0, text))
    if not ok:
        print("     expected errno %s and a message containing %r" %
              (errno.errorcode.get(err, err), msg_part))
        failures += 1


def reject():
    g = Genl()
    nm = lambda n="vsrlog20": a_str(A["name"], n)
    rep = lambda r=0: a_u32(A["replica"], r)
    p1, p2, p3 = peer("127.0.0.1", 7101), peer("127.0.0.2", 7101), peer("::1", 7102)
    good = (nm(), rep(0), p1, p2, p3)
    EINVAL, ENOENT, EEXIST, ERANGE = errno.EINVAL, errno.ENOENT, errno.EEXIST, errno.ERANGE

    # Missing attributes, per command.
    expect("add: no name", g.vsr("add", rep(), p1), EINVAL, "missing instance name")
    expect("add: no replica", g.vsr("add", nm(), p1), EINVAL, "missing replica index")
    expect("add: no peers", g.vsr("add", nm(), rep()), EINVAL, "missing peers")
    expect("del: no name", g.vsr("dele"), EINVAL, "missing instance name")
    expect("get: no name", g.vsr("get"), EINVAL, "missing instance name")
    expect("set: no name", g.vsr("set", a_u32(A["heartbeat_ms"], 50)), EINVAL,
           "missing instance name")
    expect("trim: no name", g.vsr("trim", a_u64(A["trim_point"], 1)), EINVAL,
           "missing instance name")
    expect("trim: no trim point", g.vsr("trim", nm()), EINVAL, "missing trim point")
    # Wrong types and unknown attributes (strict policies).
    expect("add: name as u32", g.vsr("add", a_u32(A["name"], 5), rep(), p1), EINVAL, None)
    expect("add: name too long", g.vsr("add", nm("vsrlog" + "1" * 20), rep(), p1), EINVAL, None)
    expect("add: replica as u8", g.vsr("add", nm(), attr(A["replica"], b"\0"), p1), EINVAL, None)
    expect("add: cluster id as u32", g.vsr("add", nm(), rep(), a_u32(A["cluster_id"], 1), p1),
           EINVAL, None)
    expect("add: unknown attribute 200", g.vsr("add", nm(), rep(), p1, a_u32(200, 1)), EINVAL, None)
    expect("add: read-only status attribute", g.vsr("add", nm(), rep(), p1,
                                                     attr(A["status"], b"\0")), EINVAL, None)
    expect("add: peer not nested", g.vsr("add", nm(), rep(), a_u32(A["peer"], 1)), EINVAL, None)
    expect("add: pad attribute", g.vsr("add", nm(), rep(), p1, a_u32(A["pad"], 0)), EINVAL, None)
    expect("unknown command 42", g.request(g.family, 42, nm()), errno.EOPNOTSUPP, None)
    # Names.
    for bad in ("foo", "vsrlog", "vsrlog01", "vsrlog256", "vsrlog-1", "vsrlogx"):
        expect("add: name %r" % bad, g.vsr("add", nm(bad), rep(), p1), EINVAL,
               "instance name must be vsrlog<N>")
    # Peers.
    expect("add: peer without address", g.vsr("add", nm(), rep(), peer(None, 7000)), EINVAL,
           "peer has no address")
    expect("add: peer without port", g.vsr("add", nm(), rep(), peer("127.0.0.1", None)), EINVAL,
           "peer has no port")
    expect("add: peer port 0", g.vsr("add", nm(), rep(), peer("127.0.0.1", 0)), ERANGE,
           "out of range")
    expect("add: peer address of 5 bytes", g.vsr("add", nm(), rep(), peer(b"\1\2\3\4\5")),
           EINVAL, "4 (IPv4) or 16 (IPv6) bytes")
    expect("add: peer address 0.0.0.0", g.vsr("add", nm(), rep(), peer("0.0.0.0")), EINVAL,
           "unicast")
    expect("add: peer address 224.0.0.1", g.vsr("add", nm(), rep(), peer("224.0.0.1")), EINVAL,
           "unicast")
    expect("add: peer address ff02::1", g.vsr("add", nm(), rep(), peer("ff02::1")), EINVAL,
           "unicast")
    expect("add: peer address ::", g.vsr("add", nm(), rep(), peer("::")), EINVAL, "unicast")
    expect("add: read-only peer index", g.vsr("add", nm(), rep(),
                                               peer("127.0.0.1", 7000, a_u32(P["index"], 0))),
           EINVAL, "read-only")
    expect("add: unknown peer attribute", g.vsr("add", nm(), rep(),
                                                 peer("127.0.0.1", 7000, a_u32(60, 0))),
           EINVAL, None)
    many = [peer("10.0.0.%d" % i, 7000) for i in range(1, 18)]
    expect("add: 17 peers", g.vsr("add", nm(), rep(), *many), EINVAL, "too many peers")
    expect("add: replica 3 of 3", g.vsr("add", nm(), rep(3), p1, p2, p3), EINVAL,
           "replica index must be below the number of peers")
    expect("add: replica 16 (policy max 15)", g.vsr("add", nm(), rep(16), p1), ERANGE,
           "out of range")
    expect("add: duplicate peers", g.vsr("add", nm(), rep(), p1, p2, peer("127.0.0.1", 7101)),
           EINVAL, "duplicate peer")
    expect("add: duplicate IPv6 peers", g.vsr("add", nm(), rep(), p1, p3, peer("::1", 7102)),
           EINVAL, "duplicate peer")
    # Tunables.
    expect("add: heartbeat 5 ms", g.vsr("add", *good, a_u32(A["heartbeat_ms"], 5)), ERANGE,
           "out of range")
    expect("add: heartbeat 70000 ms", g.vsr("add", *good, a_u32(A["heartbeat_ms"], 70000)),
           EINVAL, "heartbeat")
    expect("add: timeout below 2x heartbeat",
           g.vsr("add", *good, a_u32(A["heartbeat_ms"], 100),
                 a_u32(A["view_change_timeout_ms"], 150)), EINVAL, "twice the heartbeat")
    expect("add: client timeout 50 ms", g.vsr("add", *good, a_u32(A["client_timeout_ms"], 50)),
           ERANGE, "out of range")
    expect("add: client timeout 4000000 ms",
           g.vsr("add", *good, a_u32(A["client_timeout_ms"], 4000000)), EINVAL, "client timeout")
    expect("add: encrypt 3 (policy max 2)", g.vsr("add", *good, a_u8(A["encrypt"], 3)), ERANGE,
           "out of range")
    expect("add: encrypt as u32", g.vsr("add", *good, a_u32(A["encrypt"], 1)), EINVAL, None)
    for v in (1, 2):
        expect("add: encrypt %d without a key" % v, g.vsr("add", *good, a_u8(A["encrypt"], v)),
               EINVAL, "encrypt needs a key to send with (key-file)")
    # Nothing was created by any of the above.
    e, _, msgs = g.vsr("get", flags=NLM_F_DUMP)
    names = [p for m in msgs for t, p in parse_attrs(m[4:]) if t == A["name"]]
    expect("no instance left by the rejected adds",
           (e if b"vsrlog20\0" not in names else -999, None, None), 0, None)

    # A valid instance, then conflicts and lookups.
    expect("add vsrlog20", g.vsr("add", *good), 0, None)
    expect("add vsrlog20 again", g.vsr("add", *good), EEXIST, "exists")
    expect("get vsrlog21 (absent)", g.vsr("get", nm("vsrlog21")), ENOENT, "no such instance")
    expect("del vsrlog21 (absent)", g.vsr("dele", nm("vsrlog21")), ENOENT, "no such instance")
    expect("set vsrlog21 (absent)", g.vsr("set", nm("vsrlog21"), a_u32(A["heartbeat_ms"], 50)),
           ENOENT, "no such instance")
    expect("set: nothing to set", g.vsr("set", nm()), EINVAL, "nothing to set")
    expect("set: timeout below 2x heartbeat", g.vsr("set", nm(), a_u32(A["heartbeat_ms"], 1000)),
           EINVAL, "twice the heartbeat")
    expect("set: read-only attribute", g.vsr("set", nm(), a_u64(A["view"], 3)), EINVAL, None)
    expect("set: encrypt without a key", g.vsr("set", nm(), a_u8(A["encrypt"], 1)), EINVAL,
           "encrypt needs a key to send with (key-file)")
    expect("set: a heartbeat and encrypt without a key (all or nothing)",
           g.vsr("set", nm(), a_u32(A["heartbeat_ms"], 60), a_u8(A["encrypt"], 2)), EINVAL,
           "encrypt needs a key")
    expect("add: read-only peer encrypted flag",
           g.vsr("add", nm("vsrlog21"), rep(), peer("127.0.0.1", 7000, a_flag(P["encrypted"]))),
           EINVAL, "read-only")
    expect("trim beyond the commit point", g.vsr("trim", nm(), a_u64(A["trim_point"], 1 << 40)),
           ERANGE, "beyond the commit point")
    expect("set heartbeat 50 timeout 400", g.vsr("set", nm(), a_u32(A["heartbeat_ms"], 50),
                                                 a_u32(A["view_change_timeout_ms"], 400)), 0, None)
    e, text, msgs = g.vsr("get", nm())
    ok = e == 0 and len(msgs) == 1
    vals = dict(parse_attrs(msgs[0][4:])) if ok else {}
    ok = ok and struct.unpack("I", vals[A["heartbeat_ms"]])[0] == 50 and \
        struct.unpack("I", vals[A["view_change_timeout_ms"]])[0] == 400
    expect("get shows the new tunables", (0 if ok else -999, None, None), 0, None)
    expect("del vsrlog20", g.vsr("dele", nm()), 0, None)
    expect("del vsrlog20 again", g.vsr("dele", nm()), ENOENT, "no such instance")
    return failures


def eperm(join=True):
    g = Genl()
    nm = a_str(A["name"], "vsrlog20")
    for what, got in (("add", g.vsr("add", nm, a_u32(A["replica"], 0), peer("127.0.0.1"))),
                      ("del", g.vsr("dele", nm)),
                      ("get", g.vsr("get", nm)),
                      ("dump", g.vsr("get", flags=NLM_F_DUMP)),
                      ("set", g.vsr("set", nm, a_u32(A["heartbeat_ms"], 50))),
                      ("trim", g.vsr("trim", nm, a_u64(A["trim_point"], 0))),
                      ("join events", (g.join("events") if join else -errno.EPERM,
                                       None, None))):
        expect("unprivileged " + what, got, errno.EPERM, None)
    return failures


def events():
    g = Genl()
    expect("join events", (g.join("events"), None, None), 0, None)
    return failures


def dumpmany():
    """40 instances with 16 peers each need several dump messages."""
    global failures
    g = Genl()
    names = ["vsrlog%d" % (100 + i) for i in range(40)]
    for i, n in enumerate(names):
        peers = [peer("127.1.%d.%d" % (i, j + 1), 7500) for j in range(16)]
        # Quiet ones: 40 recovering instances calling 15 peers each every
        # 100 ms kept the debug guest's CPU busy for minutes.
        expect("add " + n, g.vsr("add", a_str(A["name"], n), a_u32(A["replica"], 0), *peers,
                                 a_u32(A["heartbeat_ms"], 60000),
                                 a_u32(A["view_change_timeout_ms"], 600000)),
               0, None)
    e, _, msgs = g.vsr("get", flags=NLM_F_DUMP)
    seen = []
    for m in msgs:
        for t, p in parse_attrs(m[4:]):
            if t == A["name"]:
                seen.append(p.rstrip(b"\0").decode())
    seen = [n for n in seen if n in names]    # others may exist
    ok = e == 0 and sorted(seen) == sorted(names) and len(msgs) > 1
    print("%s dump of 40 instances in %d messages: %d seen, %d distinct" %
          ("ok  " if ok else "FAIL", len(msgs), len(seen), len(set(seen))))
    failures += not ok
    for n in names:
        expect("del " + n, g.vsr("dele", a_str(A["name"], n)), 0, None)
    return failures


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "reject"
    sys.exit(1 if {"reject": reject, "eperm": eperm, "eperm-cmds": lambda: eperm(False),
                   "events": events, "dumpmany": dumpmany}[mode]() else 0)
