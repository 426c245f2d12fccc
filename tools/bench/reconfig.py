#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Time a reconfiguration that replaces a member by a new machine.

usage: reconfig.py [--writer DEVICE] VSRADM NS NAME NEW_NS NEW_NAME PEERS

Runs `vsradm reconfigure NAME peers PEERS` in namespace NS (the new
machine, NEW_NAME in NEW_NS, is a joining instance that PEERS names), and
prints one JSON object: seconds the command took (the new member learns
the log meanwhile, then the change commits), the epoch it reached, and
what the new member says right after: its status, commit number and how
many recoveries it went through (0: it entered caught up, as a learner).

With --writer, one writer appends 64-byte records to DEVICE back to back
from 1 s before the change until 0.5 s after, and `vsradm monitor` notes
when NAME's epoch event comes (it switched): the pause is the writer's
longest write that ended within 20 ms of that event (the one that waited
for the switch), also in its median writes before the change (a write is
a commit: a round trip).  Its p99 before the change says how much an
emulated machine stalls anyway.
"""
import json
import os
import subprocess
import sys
import threading
import time


def show(vsradm, ns, name):
    out = subprocess.run([vsradm, '-n', ns, '-j', 'show', name],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]


class Writer(threading.Thread):
    """Back-to-back writes; (start, end) monotonic times of each."""

    def __init__(self, dev):
        super().__init__(daemon=True)
        self.fd = os.open(dev, os.O_WRONLY)
        self.stop = False
        self.times = []
        self.error = None

    def run(self):
        seq = 0
        try:
            while not self.stop:
                rec = ('reconfig-%d-%d' % (os.getpid(), seq)).encode().ljust(64, b'.')
                t = time.monotonic()
                os.write(self.fd, rec)
                self.times.append((t, time.monotonic()))
                seq += 1
        except OSError as e:
            self.error = e


class Monitor(threading.Thread):
    """Notes when the first epoch event of instance @name comes."""

    def __init__(self, vsradm, ns, name):
        super().__init__(daemon=True)
        self.name = name
        self.proc = subprocess.Popen([vsradm, '-n', ns, '-j', 'monitor'],
                                     stdout=subprocess.PIPE, text=True)
        self.ready = threading.Event()
        self.at = None

    def run(self):
        for line in self.proc.stdout:
            ev = json.loads(line)
            if ev.get('event') == 'state-end':
                self.ready.set()
            elif (ev.get('event') == 'epoch' and self.at is None and
                  ev.get('instance', {}).get('name') == self.name):
                self.at = time.monotonic()
        self.ready.set()


def main():
    args = sys.argv[1:]
    dev = None
    if args[:1] == ['--writer']:
        dev, args = args[1], args[2:]
    if len(args) != 6:
        sys.exit('usage: reconfig.py [--writer DEVICE] VSRADM NS NAME NEW_NS NEW_NAME PEERS')
    vsradm, ns, name, new_ns, new_name, peers = args
    w = mon = None
    if dev:
        mon = Monitor(vsradm, ns, name)
        mon.start()
        mon.ready.wait(30)
        w = Writer(dev)
        w.start()
        time.sleep(1)
    before = show(vsradm, ns, name)
    t0 = time.monotonic()
    res = subprocess.run([vsradm, '-n', ns, 'reconfigure', name, 'peers', peers],
                         capture_output=True, text=True)
    t1 = time.monotonic()
    if res.returncode:
        sys.exit('reconfig.py: reconfigure failed after %.1f s: %s'
                 % (t1 - t0, res.stderr.strip()))
    new = show(vsradm, new_ns, new_name)
    out = {
        'behind': before['commit'],
        'reconfig_s': round(t1 - t0, 3),
        'epoch': new['epoch'],
        'new_status': new['status'],
        'new_commit': new['commit'],
        'new_recoveries': new['stats']['recoveries'],
    }
    if w:
        time.sleep(0.5)
        w.stop = True
        w.join(60)
        if w.error or w.is_alive():
            sys.exit('reconfig.py: the writer failed: %s' % (w.error or 'stuck'))
        mon.proc.terminate()
        mon.join(10)
        if mon.at is None:
            sys.exit('reconfig.py: no epoch event for %s' % name)
        lat = sorted(e - s for s, e in w.times if e < t0)
        at = [e - s for s, e in w.times if abs(e - mon.at) <= 0.02]
        if not lat or not at:
            sys.exit('reconfig.py: no writes before the change or at the switch')
        p50 = lat[(len(lat) - 1) // 2]
        out.update({
            'writes_before': len(lat),
            'write_p50_us': round(p50 * 1e6, 1),
            'write_p99_before_us': round(lat[len(lat) * 99 // 100] * 1e6, 1),
            'pause_us': round(max(at) * 1e6, 1),
            'pause_rtt': round(max(at) / p50, 2),
        })
    print(json.dumps(out))


if __name__ == '__main__':
    main()
