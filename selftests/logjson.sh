#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vsradm log round trips records, which are bytes: random binary records
# and valid UTF-8 ones (accents, CJK, emoji, controls, quotes, U+2028)
# written to a one-replica instance, between session registrations and
# read barriers (ops that are no records), come back from `vsradm -j log`
# with their op numbers, UTF-8 records as is in "data" and the others in
# "data-base64", the whole output valid UTF-8; and from the text form
# (\xNN, \\ and \n escapes).  Few processes: the debug guest is slow at
# fork and exec.
# timeout: 180
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO"
trap 'rmmod vsr 2>/dev/null || true' EXIT
"$VSRADM" add vsrlog20 replica 0 peers 127.0.0.1:7020

VSR_TOP=$here/.. python3 -S - "$VSRADM" <<'PY' || fail "log round trip"
import base64, json, os, random, re, subprocess, sys, time

vsradm, dev = sys.argv[1], '/dev/vsrlog20'
top = os.environ['VSR_TOP']

# Wait for normal status through VSR_IOC_GET_STATUS (no process per poll).
sys.path.insert(0, os.path.join(top, 'selftests/lib'))
import vsrstat
fd = os.open(dev, os.O_RDWR)
for _ in range(600):
    if vsrstat.fields(vsrstat.get_status(fd))['status'] == 0:   # VSR_STATE_NORMAL
        break
    time.sleep(0.1)
else:
    sys.exit('vsrlog20 not normal after 60 s')

seed = int(os.environ.get('VSR_SEED') or random.randrange(1 << 32))
print('# seed %d (VSR_SEED to repeat)' % seed)
rng = random.Random(seed)
texts = ['café', 'naïve — “quoted” ½', '日本語のテキスト', 'emoji 😀 𝄞',
         'ctl \t\n\r\x01\x1f\x7f', 'quote " backslash \\ slash /',
         'line sep \u2028 par sep \u2029 nel \x85', 'nul \x00 inside', '\ufeffbom', 'x']
records = [t.encode() for t in texts]
while len(records) < 60:
    r = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    records.append(r)
# Binary records that are close to UTF-8 but not: overlong, surrogate,
# beyond U+10FFFF, truncated, a lone continuation byte.
records += [b'\xc0\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'caf\xc3',
            b'\x80', b'ok\xff', b'\xe2\x82']
rng.shuffle(records)

# Several sessions and read barriers: ops that are no records, so the op
# numbers of the records are not consecutive.
fds = [fd, os.open(dev, os.O_WRONLY), os.open(dev, os.O_WRONLY)]
for i, r in enumerate(records):
    w = fds[i % len(fds)]
    if os.write(w, r) != len(r):
        sys.exit('short write')
    if i % 10 == 9:
        os.fsync(w)

# The truth: read back through the device, op = position after - 1.
rd = os.open(dev, os.O_RDONLY | os.O_NONBLOCK)
truth = []
while True:
    try:
        rec = os.read(rd, 65536)
    except BlockingIOError:
        break
    truth.append((os.lseek(rd, 0, os.SEEK_CUR) - 1, rec))
if [r for _, r in truth] != records:
    sys.exit('the device does not return the records written')
if [op for op, _ in truth] == list(range(truth[0][0], truth[0][0] + len(truth))):
    sys.exit('no op without a record between the records: the test proves nothing')

def valid_utf8(b):
    try:
        b.decode('utf-8')
        return True
    except UnicodeDecodeError:
        return False

# JSON, the global option and the one after the command.
for argv in ([vsradm, '-j', 'log', 'vsrlog20'], [vsradm, 'log', 'vsrlog20', '-j']):
    out = subprocess.run(argv, check=True, capture_output=True).stdout
    try:
        # One object a line: "\n" ends them (not U+2028 or NEL, which
        # str.splitlines() would take for line ends: vsradm escapes them).
        lines = out.decode('utf-8').split('\n')[:-1]
    except UnicodeDecodeError as e:
        sys.exit('%s: output is not UTF-8: %s' % (' '.join(argv[1:]), e))
    got = []
    for line in lines:
        o = json.loads(line)
        if valid_utf8(truth[len(got)][1]) != ('data' in o) or ('data' in o) == ('data-base64' in o):
            sys.exit('record %d as %s' % (len(got), line))
        data = o['data'].encode('utf-8') if 'data' in o else base64.b64decode(o['data-base64'], validate=True)
        if o['len'] != len(data):
            sys.exit('len %d of %d bytes' % (o['len'], len(data)))
        got.append((o['op'], data))
    if got != truth:
        bad = [(g, t) for g, t in zip(got, truth) if g != t][:3]
        sys.exit('%s: %d records, %d expected; first differences %r' %
                 (' '.join(argv[1:]), len(got), len(truth), bad))
    # The UTF-8 records must be there as text, not escaped.
    if 'café'.encode() not in out or '😀'.encode() not in out:
        sys.exit('UTF-8 records are escaped in the JSON output')
    if len(out.decode('utf-8').splitlines()) != len(lines):
        sys.exit('a line separator inside a JSON string')

# Text: OP<TAB>DATA, \xNN outside printable ASCII, \\ and \n.
out = subprocess.run([vsradm, 'log', 'vsrlog20'], check=True, capture_output=True).stdout
got = []
for line in out.split(b'\n')[:-1]:
    op, data = line.split(b'\t', 1)
    rec = re.sub(rb'\\(x[0-9a-f]{2}|n|\\)',
                 lambda m: {b'n': b'\n', b'\\': b'\\'}.get(m.group(1)) or bytes([int(m.group(1)[1:], 16)]),
                 data)
    got.append((int(op), rec))
if got != truth:
    sys.exit('text log differs from the device')
print('# %d records (%d UTF-8, %d binary) round trip through vsradm log, JSON and text'
      % (len(truth), sum(valid_utf8(r) for _, r in truth), sum(not valid_utf8(r) for _, r in truth)))
PY
"$VSRADM" del vsrlog20
rmmod vsr
trap - EXIT
echo ok
