#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Combine the per-suite KUnit results copied out of the guest's debugfs
into one KTAP document, parse it with the kernel's kunit.py, and append one
"ok NAME" / "not ok NAME" line per test case to the results file.

usage: ktap.py KUNIT_PY OUTDIR RESULTS
"""
import glob
import os
import re
import subprocess
import sys


def main():
    kunit_py, outdir, results = sys.argv[1:4]
    suites = sorted(glob.glob(os.path.join(outdir, 'suite-*.ktap')))
    lines = ['KTAP version 1', '1..%d' % len(suites)]
    for i, path in enumerate(suites, 1):
        with open(path, errors='replace') as f:
            body = f.read().splitlines()
        # Each file is a whole KTAP document for one suite ("1..1"):
        # drop its header and renumber its closing line.
        body = body[2:]
        if body and re.match(r'^(ok|not ok) 1 ', body[-1]):
            body[-1] = re.sub(r'^(ok|not ok) 1 ', r'\g<1> %d ' % i, body[-1])
        lines.extend(body)
    doc = os.path.join(outdir, 'kunit.ktap')
    with open(doc, 'w') as f:
        f.write('\n'.join(lines) + '\n')

    out = []
    if not suites:
        out.append('not ok kunit: no suite results came out of the guest')
    else:
        proc = subprocess.run([sys.executable, os.path.abspath(kunit_py),
                               'parse', os.path.abspath(doc)],
                              capture_output=True, text=True)
        sys.stderr.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        # One result line per case, from the combined document itself.
        # A case with parameters is counted once per parameter.
        suite = None
        params = []
        for line in lines:
            m = re.match(r'^    # Subtest: (\S+)', line)
            if m:
                suite = m.group(1)
                continue
            m = re.match(r'^        (ok|not ok) \d+ (.*?)(\s+# SKIP.*)?$', line)
            if m:
                params.append((m.group(1), m.group(2), bool(m.group(3))))
                continue
            m = re.match(r'^    (ok|not ok) \d+ (\S+)(.*)$', line)
            if m and suite:
                case = '%s.%s' % (suite, m.group(2))
                cases = [(st, '%s[%s]' % (case, name), skip)
                           for st, name, skip in params]
                if not cases:
                    cases = [(m.group(1), case, '# SKIP' in m.group(3))]
                elif m.group(1) != 'ok' and all(st == "ok" for st, _, _ in cases):
                    cases.append((m.group(1), case, False))
                for st, name, skip in cases:
                    status = 'ok' if st == 'ok' and not skip else 'not ok'
                    out.append('%s kunit: %s%s' % (status, name,
                                                   ' (skipped)' if skip else ''))
                params = []
            m = re.match(r'^(ok|not ok) \d+ (\S+)', line)
            if m and m.group(1) == 'not ok':
                # A suite that failed with no failing case (crashed init).
                if not any(l.startswith('not ok kunit: %s.' % m.group(2)) for l in out):
                    out.append('not ok kunit: suite %s' % m.group(2))
        if proc.returncode != 0 and not any(l.startswith('not ok') for l in out):
            out.append('not ok kunit: kunit.py parse failed (exit %d)' % proc.returncode)
        if not any(l.startswith('ok ') or l.startswith('not ok') for l in out):
            out.append('not ok kunit: no test cases found')
    with open(results, 'a') as f:
        for l in out:
            f.write(l + '\n')
    for l in out:
        sys.stderr.write('check: %s\n' % l)


if __name__ == '__main__':
    main()
