#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Time a recreated backup takes to be current again.

usage: catchup.py VSRADM PRIMARY_NS PRIMARY BACKUP_NS BACKUP -- ADD_CMD...

Runs ADD_CMD (which recreates the backup, empty), then polls both replicas
until the backup has committed everything the primary had committed at the
previous poll.  Prints one JSON object: seconds from the add to that point,
how far behind the backup started, and how long it spent recovering.
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
    if len(sys.argv) < 8 or sys.argv[6] != '--':
        sys.exit('usage: catchup.py VSRADM PRIMARY_NS PRIMARY BACKUP_NS BACKUP -- ADD_CMD...')
    vsradm, pns, pname, bns, bname = sys.argv[1:6]
    add = sys.argv[7:]
    start_commit = show(vsradm, pns, pname)['commit']
    t0 = time.monotonic()
    subprocess.run(add, check=True)
    normal_at = None
    target = start_commit
    while True:
        now = time.monotonic() - t0
        if now > 600:
            sys.exit('catchup.py: backup not current after 600 s')
        b = show(vsradm, bns, bname)
        if normal_at is None and b['status'] == 'normal':
            normal_at = now
        if b['status'] == 'normal' and b['commit'] >= target:
            break
        target = show(vsradm, pns, pname)['commit']
        time.sleep(0.05)
    print(json.dumps({
        'behind': start_commit,
        'catchup_s': round(now, 3),
        'normal_s': round(normal_at, 3),
        'backup_commit': b['commit'],
        'backup_trim_point': b['trim-point'],
        'checkpoints_hint': b['trim-point'] > 1,
    }))


if __name__ == '__main__':
    main()
