#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The steps of an epoch switch in a trace of switch-trace.sh.

usage: switch-steps.py TRACE

TRACE is the tracefs text that switch-trace.sh saves (vsr_send, vsr_recv
and vsr_commit events of a primary vsrlog0, a backup vsrlog1 that stays,
and the writer on the primary).  Prints, in ms from the primary's PREPARE
of the RECONFIG k, when each step of the switch happened: the backup's
PREPAREOK of k, the primary's first notice of the new epoch (it applied
k), its PREPARE of k + 1, the backup's taking the notice and its
PREPAREOK of k + 1, and the primary's commit of k + 1.
"""
import re
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: switch-steps.py TRACE')
    lines = open(sys.argv[1]).read().splitlines()
    k = None
    for line in lines:
        m = re.search(r'vsr_send: vsrlog0 replica=0 peer=\d+ cmd=epoch '
                      r'sender=0 epoch=1 view=0 op=(\d+)', line)
        if m:
            k = int(m.group(1))
            break
    if k is None:
        sys.exit('switch-steps.py: no notice of epoch 1 from vsrlog0')
    steps = [
        ('prepare k', r'vsr_send: vsrlog0 .* cmd=prepare .*epoch=0 .* op=%d ' % k),
        ('backup acks k', r'vsr_send: vsrlog1 .* cmd=prepareok .*epoch=0 .* op=%d ' % k),
        ('primary switched', r'vsr_send: vsrlog0 .* cmd=epoch sender=0 epoch=1 '),
        ('prepare k+1', r'vsr_send: vsrlog0 .* cmd=prepare .*epoch=1 .* op=%d ' % (k + 1)),
        ('backup switched', r'vsr_recv: vsrlog1 .* cmd=epoch sender=0 epoch=1 '),
        ('backup acks k+1', r'vsr_send: vsrlog1 .* cmd=prepareok .*epoch=1 .* op=%d ' % (k + 1)),
        ('commit k+1', r'vsr_commit: vsrlog0 .*ops=\d+\.\.%d$|vsr_commit: vsrlog0 .*ops=%d\.\.' % (k + 1, k + 1)),
    ]
    base = None
    print('k = %d' % k)
    for name, pat in steps:
        at = next((float(re.search(r' (\d+\.\d+): ', l).group(1))
                   for l in lines if re.search(pat, l)), None)
        if at is None:
            print('%-18s not seen' % name)
            continue
        if base is None:
            base = at
        print('%-18s %+8.2f ms' % (name, (at - base) * 1e3))


if __name__ == '__main__':
    main()
