#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send forged or garbage vsr datagrams (see vsr_mod/wire.h for the layout).

usage: forge.py KIND[,KIND...] DST_IP [SRC_PORT [CLUSTER [REPLICA [VIEW]]]]

KIND: random | truncated | huge | wrong-cluster | bad-checksum | commit |
hello-durable (a HELLO that says the sender's log is durable and asks
back, echoing a challenge the receiver never drew);
several, comma-separated, are sent in that order (one python start costs
seconds in the debug guest).
Uses a raw socket so that the UDP source port can be a peer's (7000):
run it in the network namespace whose address it should come from.
"""
import os
import socket
import struct
import sys

MAGIC, VERSION, HDR = 0x31525356, 1, 80
CMD_COMMIT, CMD_HELLO = 4, 12
HELLO_DURABLE, HELLO_ASK = 0x1, 0x2


def crc32c(data, crc=0xffffffff):
    """Raw crc32c update (no pre/post inversion), as vsr_crc32c()."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc


def header(cmd, replica, cluster, view, op=0, commit=0, body=b''):
    h = bytearray(HDR)
    struct.pack_into('<IHBBQIIQQIIIIQQ', h, 8, MAGIC, VERSION, cmd, replica,
                     cluster, 0, view, op, commit, HDR + len(body), view, 0, 0, 0, 0)
    struct.pack_into('<I', h, 4, crc32c(body))
    struct.pack_into('<I', h, 0, crc32c(bytes(h[4:])))
    return bytes(h) + body


def hello(replica, cluster, flags):
    """A HELLO (format 2): formats 1..2, sending 2; challenge and echo random."""
    h = bytearray(HDR)
    challenge, echo = struct.unpack('<II', os.urandom(8))
    struct.pack_into('<IHBBQIIQQIIIIQQ', h, 8, MAGIC, 2, CMD_HELLO, replica,
                     cluster, 0, challenge | 1, 2, 0, HDR, echo | 1, 0, flags,
                     1, 2)
    struct.pack_into('<I', h, 4, crc32c(b''))
    struct.pack_into('<I', h, 0, crc32c(bytes(h[4:])))
    return bytes(h)


def send(dst, sport, payload, dport=7000):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.sendto(udp, (dst, 0))


def forge(kind, cluster, replica, view):
    if kind == 'random':
        return os.urandom(200)
    if kind == 'huge':
        return os.urandom(60000)
    if kind == 'truncated':
        return header(CMD_COMMIT, replica, cluster, view)[:40]
    if kind == 'wrong-cluster':
        return header(CMD_COMMIT, replica, cluster + 1, view)
    if kind == 'bad-checksum':
        msg = bytearray(header(CMD_COMMIT, replica, cluster, view))
        msg[30] ^= 0x40
        return bytes(msg)
    if kind == 'commit':
        return header(CMD_COMMIT, replica, cluster, view)
    if kind == 'hello-durable':
        return hello(replica, cluster, HELLO_DURABLE | HELLO_ASK)
    sys.exit('unknown kind ' + kind)


def main():
    kinds, dst = sys.argv[1].split(','), sys.argv[2]
    sport = int(sys.argv[3]) if len(sys.argv) > 3 else 7000
    cluster = int(sys.argv[4]) if len(sys.argv) > 4 else 77
    replica = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    view = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    msgs = [forge(kind, cluster, replica, view) for kind in kinds]
    for msg in msgs:
        send(dst, sport, msg)


if __name__ == '__main__':
    main()
