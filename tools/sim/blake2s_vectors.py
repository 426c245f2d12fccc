#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the expected values of blake2s_test.c, from Python's hashlib."""
import hashlib


def msg(n):
    return bytes((i * 7 + 1) & 0xff for i in range(n))


def key(n):
    return bytes((0x40 + 3 * i) & 0xff for i in range(n))


def c_bytes(d, indent):
    return "\n".join(indent + ", ".join("0x%02x" % b for b in d[j:j + 8]) + ","
                     for j in range(0, len(d), 8))


print("/* keyed_vectors[] */")
for inlen in (0, 1, 63, 64, 65, 128, 1000):
    for keylen in (16, 32):
        for outlen in (16, 32):
            d = hashlib.blake2s(msg(inlen), key=key(keylen),
                                digest_size=outlen).digest()
            print("\t{ %d, %d, %d, {\n%s\n\t} }," %
                  (inlen, keylen, outlen, c_bytes(d, "\t\t")))

print("/* blake2s_hashlib_lengths() */")
grand = hashlib.blake2s()
for outlen in range(1, 33):
    for keylen in range(0, 33):
        grand.update(hashlib.blake2s(msg(100), key=key(keylen),
                                     digest_size=outlen).digest())
print(c_bytes(grand.digest(), "\t\t"))
