#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rig agent's loop, in its guest (started by tools/vm/agent.sh).

usage: agent.py OUT

Runs the host's requests OUT/req/0, 1, ... in order, each as "sh FILE"
with its output in FILE.out and its exit status in FILE.rc (written
aside and renamed, so that the host never reads it half written), until
OUT/halt appears.  OUT is the host's directory, over 9p without a cache.

It polls every 50 ms for 2 s after a request, then every 250 ms, and
stats the halt file every 250 ms, each by name in a directory it holds
open: under TCG a stat over 9p took 1 to 3 ms of the guest's one vCPU,
and an idle guest that polled every 50 ms spent 5 % of it so.  A loop in
the shell cost more: sleep(1)'s fork and exec twenty times a second took
milliseconds each and stalled what a test or the bench measured, and
bash's read -t on a FIFO, which saves the fork, was killed now and then
by its own SIGALRM.
"""
import os
import subprocess
import sys
import time


def exists(dir_fd, name):
    """Whether NAME is in the directory; a failed stat (9p can fail where a
    local file system would not) says no, and the next poll asks again."""
    try:
        os.stat(name, dir_fd=dir_fd)
    except OSError:
        return False
    return True


def run(out, n, env):
    """Request N, as the shell loop ran it: "sh FILE > FILE.out 2>&1", its
    status written aside and renamed.  A file that cannot be written is
    reported on stderr (the guest's console), and the loop goes on."""
    req = '%s/req/%d' % (out, n)
    try:
        with open(req + '.out', 'wb') as f:
            rc = subprocess.call(['sh', req], stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env)
    except OSError as e:
        print('agent: request %d: %s' % (n, e), file=sys.stderr)
        rc = 125
    tmp = '%s/req/.%d.rc' % (out, n)
    try:
        with open(tmp, 'w') as f:
            # As the shell reports a signal's death.
            f.write('%d\n' % (rc if rc >= 0 else 128 - rc))
        os.rename(tmp, req + '.rc')
    except OSError as e:
        print('agent: request %d: %s' % (n, e), file=sys.stderr)


def main():
    out = sys.argv[1]
    out_fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    req_fd = os.open(out + '/req', os.O_RDONLY | os.O_DIRECTORY)
    # The requests get the environment the shell loop gave them (agent.sh
    # turns off Python's own locale coercion, which would export one).
    env = dict(os.environ)
    env.pop('PYTHONCOERCECLOCALE', None)
    n = 0
    last = halt_checked = time.monotonic()
    while True:
        if exists(req_fd, str(n)):
            run(out, n, env)
            n += 1
            last = time.monotonic()
            continue
        now = time.monotonic()
        if now - halt_checked >= 0.25:
            if exists(out_fd, 'halt'):
                return
            halt_checked = now
        time.sleep(0.05 if now - last < 2 else 0.25)


if __name__ == '__main__':
    main()
