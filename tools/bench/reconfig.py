#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Time a reconfiguration that replaces a member by a new machine.

usage: reconfig.py [--writer DEVICE] [--netlink] VSRADM NS NAME NEW_NS NEW_NAME PEERS

Runs `vsradm reconfigure NAME peers PEERS` in namespace NS (the new
machine, NEW_NAME in NEW_NS, is a joining instance that PEERS names), and
prints one JSON object: seconds the command took (the new member learns
the log meanwhile, then the change commits), the epoch it reached, and
what the new member says right after: its status, commit number and how
many recoveries it went through (0: it entered caught up, as a learner).
NS '-' is this namespace; NEW_NAME '-' (a new member on another machine,
as on the rig) leaves out what the new member says.

With --writer, one writer (a process of its own) appends 64-byte records
to DEVICE back to back from 1 s before the change until 0.5 s after, and
the module's tracepoint notes when NAME switched (class Switch): the
pause is the write the switch held, the first to end after it, in the
writer's median writes before the change (a write is a commit: a round
trip).  Beside it: the writer's p99 before the change, its worst write
within 20 ms of the switch (the pause as measured before 2026-12-05,
which a stall of the emulated machines anywhere in those 40 ms decides),
and the median write in flight at a random instant before the change
(the pause's measure with no switch).  The command then runs at nice 19 (see main()).

With --netlink (NS '-' only), this script sends the request itself, the
one `vsradm reconfigure` sends, over generic netlink, and with the
writer reads the answer 2 s later, at nice 19 as the command is: only the
writer and the request's wait in the kernel wake at the switch, and the
writer runs first (reconfig_s is then the switch's time, from the
tracepoint).  On
a machine of one emulated vCPU, vsradm's return and exit come just as
the switch does and take some 10 ms of that vCPU even at nice 19, which
the writer's next write waits for; on hardware that costs microseconds,
on another core.  The rig stage asks both ways and reports both pauses.
"""
import atexit
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'selftests'))
import vsr_nlraw as nl  # noqa: E402


def cmd(vsradm, ns, *args):
    """vsradm ARGS, in namespace NS ('-': this one, as on the rig's
    machines)."""
    return [vsradm] + (['-n', ns] if ns != '-' else []) + list(args)


def show(vsradm, ns, name):
    out = subprocess.run(cmd(vsradm, ns, '-j', 'show', name),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]


def write(dev):
    """The writer, as a process of its own: at the switch this script's
    main thread wakes (the reconfigure returned) and runs `vsradm show`,
    and a writer thread would wait for the interpreter lock meanwhile.
    Writes back to back until SIGUSR1, then prints the (start, end)
    monotonic times of each write as JSON, or the error."""
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    fd = os.open(dev, os.O_WRONLY)
    times, seq, error = [], 0, None
    print('ready', flush=True)
    try:
        while not stop:
            rec = ('reconfig-%d-%d' % (os.getpid(), seq)).encode().ljust(64, b'.')
            t = time.monotonic()
            os.write(fd, rec)
            times.append((t, time.monotonic()))
            seq += 1
    except OSError as e:
        error = str(e)
    print(json.dumps({'times': times, 'error': error}), flush=True)


class Writer:
    """Runs write() in a child process."""

    def __init__(self, dev):
        self.proc = subprocess.Popen([sys.executable, __file__, '--write', dev],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != 'ready':
            sys.exit('reconfig.py: the writer did not start')
        self.times, self.error = [], None

    def finish(self):
        """Stop it; False if it failed or did not stop."""
        self.proc.send_signal(signal.SIGUSR1)
        try:
            out, _ = self.proc.communicate(timeout=60)
            res = json.loads(out)
        except (subprocess.TimeoutExpired, ValueError):
            self.proc.kill()
            self.error = 'stuck'
            return False
        self.times, self.error = res['times'], res['error']
        return not self.error


def inflight_median(lat):
    """The median latency of the write in flight at a random instant, of
    back-to-back writes of latencies LAT (sorted): each weighs as long as
    it took."""
    half, acc = sum(lat) / 2, 0.0
    for x in lat:
        acc += x
        if acc >= half:
            return x
    return lat[-1]


def reconfigure_nl(genl, name, peers):
    """Sends `vsradm reconfigure NAME peers PEERS`'s request on GENL (a
    vsr_nlraw.Genl); genl.reply() then waits for the answer."""
    attrs = [nl.a_str(nl.A['name'], name)]
    for p in peers.split(','):
        host, port = p.strip().rsplit(':', 1)
        attrs.append(nl.peer(host.strip('[]'), int(port)))
    genl.send(genl.family, nl.CMD['reconfigure'], b''.join(attrs))


TRACING = '/sys/kernel/tracing'


def put(path, value):
    with open(path, 'w') as f:
        f.write(value)


class Switch:
    """Notes when NAME leaves epoch EPOCH: its first datagram of a later
    epoch (the notice it sends as it switches), from the module's vsr_send
    tracepoint in a trace instance of its own, stamped by the trace clock
    "mono" (CLOCK_MONOTONIC, the writer's clock).  Nothing is woken at the
    switch to note it: a `vsradm monitor` woken by the epoch event took
    some 8 ms of the guest's vCPU while the switch's first commit was
    under way, and at a lower priority it noted the time too late."""

    def __init__(self, name, epoch):
        if not os.path.isdir(TRACING + '/instances'):
            subprocess.run(['mount', '-t', 'tracefs', 'nodev', TRACING], check=True)
        self.name = name
        self.dir = TRACING + '/instances/vsr-reconfig-%d' % os.getpid()
        self.event = self.dir + '/events/vsr/vsr_send/'
        # No task names: recording them hooks the scheduler's tracepoints
        # as the event is enabled and unhooks them as it is disabled, code
        # patched with IPIs to every vCPU.  Twice in the reconfig stage
        # (2026-12-05) such a disable waited 26 s and more for the other
        # emulated CPU (a soft lockup; its stack in the bench's console).
        # An instance takes the flag from the top level as it is created.
        self.record_cmd = TRACING + '/options/record-cmd'
        with open(self.record_cmd) as f:
            self.record_cmd_was = f.read().strip()
        put(self.record_cmd, '0')
        os.mkdir(self.dir)
        # However this script ends: the event must not stay on.
        atexit.register(self.close)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit('reconfig.py: terminated'))
        put(self.dir + '/trace_clock', 'mono')
        # A full buffer keeps the first entries, the switch among them.
        put(self.dir + '/options/overwrite', '0')
        put(self.event + 'filter', 'epoch > %d && name == "%s"' % (epoch, name))
        put(self.event + 'enable', '1')

    def close(self):
        if not os.path.isdir(self.dir):
            return
        put(self.event + 'enable', '0')
        os.rmdir(self.dir)
        put(self.record_cmd, self.record_cmd_was)

    def at(self):
        """The monotonic time of the switch, or None."""
        put(self.event + 'enable', '0')
        with open(self.dir + '/trace') as f:
            lines = f.read().splitlines()
        self.close()
        for line in lines:
            m = re.search(r' (\d+\.\d+): vsr_send: (\S+) ', line)
            if m and m.group(2) == self.name:
                return float(m.group(1))
        return None


def main():
    args = sys.argv[1:]
    if args[:1] == ['--write']:
        write(args[1])
        return
    dev, genl = None, None
    if args[:1] == ['--writer']:
        dev, args = args[1], args[2:]
    if args[:1] == ['--netlink']:
        genl, args = True, args[1:]
    if len(args) != 6:
        sys.exit('usage: reconfig.py [--writer DEVICE] [--netlink] VSRADM NS NAME NEW_NS '
                 'NEW_NAME PEERS')
    vsradm, ns, name, new_ns, new_name, peers = args
    if genl:
        if ns != '-':
            sys.exit('reconfig.py: --netlink asks in this namespace only (NS -)')
        genl = nl.Genl()
    w = switch = None
    if dev:
        switch = Switch(name, show(vsradm, ns, name)['epoch'])
        w = Writer(dev)
        # The request's wait in the kernel wakes as the switch commits:
        # at nice 0 it took the vCPU first (traced: 0.4 ms to return from
        # sendmsg() and sleep), before the writer's next write, as the
        # command's return does at nice 0.  The writer keeps nice 0.
        if genl:
            os.nice(19)
        time.sleep(1)
    before = show(vsradm, ns, name)
    t0 = time.monotonic()
    if genl:
        reconfigure_nl(genl, name, peers)
        # The answer comes at the switch.  With the writer, this process
        # is not waiting for it then (it sleeps past the switch, which
        # comes some 0.2 s after the request on the rig): an emulated
        # vCPU that takes a reply, at whatever priority, is host CPU the
        # other machines lack right then (traced: 4.3 ms of it).
        if dev:
            time.sleep(2)
        err, text, _ = genl.reply()
        failed = (text or os.strerror(-err)) if err else None
    else:
        # With the writer, the command runs at nice 19: under emulation its
        # return and exit took 10-17 ms of the machine's one vCPU right at
        # the switch (a process's exit costs some 10 ms under TCG), before
        # the writer could submit its next write; on hardware, microseconds.
        res = subprocess.run(cmd(vsradm, ns, 'reconfigure', name, 'peers', peers),
                             capture_output=True, text=True,
                             preexec_fn=(lambda: os.nice(19)) if dev else None)
        failed = ((res.stderr.strip() or 'exit status %d' % res.returncode)
                  if res.returncode else None)
    t1 = time.monotonic()
    if failed:
        sys.exit('reconfig.py: reconfigure failed after %.1f s: %s' % (t1 - t0, failed))
    out = {
        'asked': 'netlink' if genl else 'vsradm',
        'behind': before['commit'],
        'reconfig_s': round(t1 - t0, 3),
    }
    # On the rig the new member is another machine: NEW_NAME '-'.
    if new_name != '-':
        new = show(vsradm, new_ns, new_name)
        out.update({
            'epoch': new['epoch'],
            'new_status': new['status'],
            'new_commit': new['commit'],
            'new_recoveries': new['stats']['recoveries'],
        })
    if w:
        time.sleep(0.5)
        if not w.finish():
            sys.exit('reconfig.py: the writer failed: %s' % w.error)
        at_t = switch.at()
        if at_t is None:
            sys.exit('reconfig.py: %s sent nothing of a later epoch' % name)
        if genl:
            out['reconfig_s'] = round(at_t - t0, 3)
        lat = sorted(e - s for s, e in w.times if e < t0)
        # The write the switch held: the first to end after it.  Blocked
        # across it, it ends when it is resubmitted in the new epoch,
        # however long after that is; submitted after it, it is the new
        # epoch's first.
        held = next((e - s for s, e in w.times if e > at_t), None)
        # Every write in flight within 20 ms of the switch: the worst of
        # some forty writes, which the emulated machines' stalls decide
        # as much as the switch (see inflight below).
        near = [e - s for s, e in w.times
                if s <= at_t + 0.02 and e >= at_t - 0.02]
        if not lat or held is None or not near:
            sys.exit('reconfig.py: no writes before the change or after the switch')
        p50 = lat[(len(lat) - 1) // 2]
        out.update({
            'writes_before': len(lat),
            'write_p50_us': round(p50 * 1e6, 1),
            'write_p99_before_us': round(lat[len(lat) * 99 // 100] * 1e6, 1),
            'pause_us': round(held * 1e6, 1),
            'pause_rtt': round(held / p50, 2),
            'worst_near_us': round(max(near) * 1e6, 1),
            'worst_near_rtt': round(max(near) / p50, 2),
            # The same measure at any instant before the change: the
            # median write in flight at a moment picked at random (a
            # write is picked in proportion to how long it took).
            'inflight_before_rtt': round(inflight_median(lat) / p50, 2),
        })
    print(json.dumps(out))


if __name__ == '__main__':
    main()
