#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Time a reconfiguration that replaces a member by a new machine.

usage: reconfig.py VSRADM NS NAME NEW_NS NEW_NAME PEERS

Runs `vsradm reconfigure NAME peers PEERS` in namespace NS (the new
machine, NEW_NAME in NEW_NS, is a joining instance that PEERS names), and
prints one JSON object: seconds the command took (the new member learns
the log meanwhile, then the change commits), the epoch it reached, and
what the new member says right after: its status, commit number and how
many recoveries it went through (0: it entered caught up, as a learner).
"""
import json
import subprocess
import sys
import time


def show(vsradm, ns, name):
    out = subprocess.run([vsradm, '-n', ns, '-j', 'show', name],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]


def main():
    if len(sys.argv) != 7:
        sys.exit('usage: reconfig.py VSRADM NS NAME NEW_NS NEW_NAME PEERS')
    vsradm, ns, name, new_ns, new_name, peers = sys.argv[1:7]
    before = show(vsradm, ns, name)
    t0 = time.monotonic()
    res = subprocess.run([vsradm, '-n', ns, 'reconfigure', name, 'peers', peers],
                         capture_output=True, text=True)
    secs = time.monotonic() - t0
    if res.returncode:
        sys.exit('reconfig.py: reconfigure failed after %.1f s: %s'
                 % (secs, res.stderr.strip()))
    new = show(vsradm, new_ns, new_name)
    print(json.dumps({
        'behind': before['commit'],
        'reconfig_s': round(secs, 3),
        'epoch': new['epoch'],
        'new_status': new['status'],
        'new_commit': new['commit'],
        'new_recoveries': new['stats']['recoveries'],
    }))


if __name__ == '__main__':
    main()
