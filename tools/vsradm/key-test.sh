#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test vsradm's key files natively (no module, no netlink: every case
# fails or ends before vsradm opens a socket): genkey's output, keyid
# (the module's key id, BLAKE2s, against fixed values and python3's
# hashlib), the strict reading of key files (good keys, bad base64,
# wrong lengths, missing files, the mode warning) by keyid, add, set and
# setconf.  Usage: key-test.sh [VSRADM] (default: the vsradm next to this
# script).  Prints each failing case; exit status 1 if any failed.
set -u
V=${1:-$(dirname "$0")/vsradm}
[ -x "$V" ] || { echo "no vsradm at $V (make -C tools/vsradm)"; exit 1; }
V=$(realpath "$V")
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
umask 077
failed=0
notakey='not a key (44 base64 characters, as vsradm genkey or wg genkey write)'

bad() { echo "FAIL: $*"; failed=1; }

# run CMD...: $out, $err, $rc of one vsradm run.
run() {
	out=$("$@" 2> "$d/stderr")
	rc=$?
	err=$(cat "$d/stderr")
}

# expect RC 'STDERR' CMD...: exit status RC and stderr exactly STDERR
# (one line, or none).
expect() {
	local want_rc=$1 want_err=$2
	shift 2
	run "$@"
	[ "$rc" = "$want_rc" ] || bad "$*: exit $rc, expected $want_rc (stderr: $err)"
	[ "$err" = "$want_err" ] || bad "$*: stderr '$err', expected '$want_err'"
}

# A key of 32 zero bytes, and its key id (BLAKE2s-256 keyed with it over
# "vsr key id 1", first 4 bytes little-endian).
zero=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
echo "$zero" > "$d/zero"
expect 0 '' "$V" keyid "$d/zero"
[ "$out" = 05349ce9 ] || bad "keyid of the zero key: '$out'"
# 0x00, 0x01, ... 0x1f
seq=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
printf '%s\n' "$seq" > "$d/seq"
expect 0 '' "$V" keyid "$d/seq"
[ "$out" = ba049a50 ] || bad "keyid of the key 00..1f: '$out'"
# "-" is standard input.
run "$V" keyid - < "$d/seq"
[ "$rc:$out" = 0:ba049a50 ] || bad "keyid - < seq: $rc '$out' '$err'"

# genkey: 44 characters and a newline, 32 bytes once decoded, new each
# time; keyid reads what it wrote.
"$V" genkey > "$d/k1" || bad "genkey failed"
"$V" genkey > "$d/k2" || bad "genkey failed"
[ "$(wc -c < "$d/k1")" = 45 ] || bad "genkey wrote $(wc -c < "$d/k1") bytes, not 45"
[[ $(cat "$d/k1") =~ ^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$ ]] || bad "genkey: '$(cat "$d/k1")'"
[ "$(base64 -d < "$d/k1" | wc -c)" = 32 ] || bad "genkey's key is not 32 bytes"
cmp -s "$d/k1" "$d/k2" && bad "genkey wrote the same key twice"
[ "$(stat -c %a "$d/k1")" = 600 ] || bad "genkey under umask 077: mode $(stat -c %a "$d/k1")"
expect 0 '' "$V" keyid "$d/k1"
if command -v python3 > /dev/null; then
	for k in "$d/k1" "$d/k2" "$d/zero" "$d/seq"; do
		want=$(python3 -c '
import base64, hashlib, sys
k = base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)
h = hashlib.blake2s(b"vsr key id 1", key=k, digest_size=32).digest()
print("%08x" % int.from_bytes(h[:4], "little"))' "$k")
		[ "$("$V" keyid "$k")" = "$want" ] || bad "keyid $k: not python's $want"
	done
else
	echo "(no python3: keyid not compared with hashlib)"
fi
expect 2 'vsradm: genkey takes no arguments' "$V" genkey x

# White space after the key is allowed (CRLF, spaces, no newline at all).
printf '%s\r\n' "$zero" > "$d/crlf"
printf '%s  \n\n' "$zero" > "$d/trail"
printf '%s' "$zero" > "$d/nonl"
for f in crlf trail nonl; do
	expect 0 '' "$V" keyid "$d/$f"
	[ "$out" = 05349ce9 ] || bad "keyid $f: '$out'"
done

# Anything else is not a key: exit 2, one line naming the file.
notkey() {	# notkey NAME: file $d/NAME (already written) is refused
	expect 2 "vsradm: $d/$1: $notakey" "$V" keyid "$d/$1"
}
printf '%s\n' "${zero%=}" > "$d/nopad"		# 43 characters
printf '%s\n' "${zero}A" > "$d/long"		# 45
printf '%sA=\n' "${zero%=}" > "$d/long2"	# 45, padding last
printf 'AAAA%s\n' "$zero" > "$d/48"		# 48: 35 bytes
printf '%s\n' "${zero:4}" > "$d/40"		# 40: 30 bytes
printf '%s==\n' "${zero:0:42}" > "$d/twopad"	# "==": 31 bytes
printf '%s\n' "${zero/A/!}" > "$d/badchar"
printf '%s\n' "${zero/A/-}" > "$d/urlsafe"	# base64url is not base64
printf '%s\n' "${zero/A/ }" > "$d/space"
printf ' %s\n' "$zero" > "$d/lead"		# white space before
printf '%sB=\n' "${zero:0:42}" > "$d/noncanon"	# low bits of the last set
printf '%s\n%s\n' "$zero" "$zero" > "$d/two"
: > "$d/empty"
head -c 32 /dev/zero > "$d/raw"			# the bytes, not base64
printf '%s\n' "$(head -c 32 /dev/zero | xxd -p -c 64 2> /dev/null || echo 00)" > "$d/hex"
head -c 4096 /dev/zero | tr '\0' 'A' > "$d/big"
printf '%s\0\n' "$zero" > "$d/nul"
for f in nopad long long2 48 40 twopad badchar urlsafe space lead noncanon two empty raw \
	 hex big nul; do
	notkey "$f"
done

# A file that cannot be read: exit 1.
expect 1 "vsradm: cannot open key file $d/missing: No such file or directory" \
	"$V" keyid "$d/missing"
expect 1 "vsradm: cannot read key file $d: Is a directory" "$V" keyid "$d"
expect 2 'vsradm: usage: vsradm keyid KEYFILE' "$V" keyid
expect 2 'vsradm: unknown option "-x" for keyid (try "vsradm help")' "$V" keyid -x

# Readable by group or others: a warning, and the key is used.
cp "$d/zero" "$d/open" && chmod 644 "$d/open"
expect 0 "vsradm: warning: key file $d/open is accessible to others (mode 0644; chmod 600 it)" \
	"$V" keyid "$d/open"
[ "$out" = 05349ce9 ] || bad "keyid of a 0644 key file: '$out'"
chmod 640 "$d/open"
expect 0 "vsradm: warning: key file $d/open is accessible to its group (mode 0640; chmod 600 it)" \
	"$V" keyid "$d/open"
(umask 022 && "$V" genkey > "$d/k3" 2> "$d/stderr")
[ "$(cat "$d/stderr")" = "vsradm: warning: writing a key to a file that others may read (umask 077 first)" ] ||
	bad "genkey to a 0644 file: '$(cat "$d/stderr")'"

# add, set: the key file is read (and refused) before anything is sent.
A=(add vsrlog5 replica 0 peers 127.0.0.1:7000)
expect 2 "vsradm: $d/nopad: $notakey" "$V" "${A[@]}" key-file "$d/nopad"
expect 1 "vsradm: cannot open key file $d/missing: No such file or directory" \
	"$V" "${A[@]}" key-file "$d/missing"
expect 2 'vsradm: "key-file" needs a value' "$V" "${A[@]}" key-file
expect 2 'vsradm: "key-file" given twice' "$V" "${A[@]}" key-file none key-file none
expect 2 'vsradm: "accept-key-file" is for set (add takes key-file)' \
	"$V" "${A[@]}" accept-key-file "$d/zero"
expect 2 'vsradm: "key-swap" is for set (a new instance has one key)' "$V" "${A[@]}" key-swap
expect 2 "vsradm: $d/two: $notakey" "$V" set vsrlog5 heartbeat 50 key-file "$d/two"
expect 2 "vsradm: $d/lead: $notakey" "$V" set vsrlog5 accept-key-file "$d/lead"
expect 1 "vsradm: cannot open key file off: No such file or directory" \
	"$V" set vsrlog5 key-file off
expect 2 'vsradm: "accept-key-file" needs a value' "$V" set vsrlog5 accept-key-file
expect 2 'vsradm: "accept-key-file" given twice' \
	"$V" set vsrlog5 accept-key-file off accept-key-file none
expect 2 'vsradm: "key-swap" given twice' "$V" set vsrlog5 key-swap key-swap
expect 2 'vsradm: unknown argument "key" for set' "$V" set vsrlog5 key "$d/zero"
expect 2 'vsradm: set needs heartbeat, timeout, client-timeout, retention, wire-version, encrypt, key-file, accept-key-file or key-swap' \
	"$V" set vsrlog5
# encrypt on|off, nothing else, once.
expect 2 'vsradm: encrypt must be off, on or require, not "1"' "$V" set vsrlog5 encrypt 1
expect 2 'vsradm: encrypt must be off, on or require, not "yes"' "$V" "${A[@]}" encrypt yes
expect 2 'vsradm: "encrypt" needs a value' "$V" set vsrlog5 encrypt
expect 2 'vsradm: "encrypt" given twice' "$V" set vsrlog5 encrypt on encrypt off

# Configuration files: key-file and accept-key-file, a relative path in
# the file's directory; a good key line parses (the error is the next
# line's), a bad one is reported as FILE:LINE.
mkdir "$d/etc"
cp "$d/zero" "$d/etc/k.key"
cp "$d/nopad" "$d/etc/bad.key"
conf() {	# conf LINE...: $d/etc/c.conf
	printf '%s\n' "replica 0" "peers 127.0.0.1:7000" "$@" > "$d/etc/c.conf"
}
conf "key-file k.key" "accept-key-file none" "colour blue"
expect 2 "vsradm: $d/etc/c.conf:5: unknown key \"colour\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "key-file none" "accept-key-file $d/etc/k.key" "colour blue"
expect 2 "vsradm: $d/etc/c.conf:5: unknown key \"colour\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "accept-key-file off" "colour blue"
expect 2 "vsradm: $d/etc/c.conf:4: unknown key \"colour\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "encrypt on" "colour blue"
expect 2 "vsradm: $d/etc/c.conf:4: unknown key \"colour\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "encrypt maybe"
expect 2 "vsradm: $d/etc/c.conf:3: encrypt must be off, on or require, not \"maybe\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "accept-key-file off" "colour blue"
expect 2 "vsradm: $d/etc/c.conf:4: unknown key \"colour\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "key-file bad.key"
expect 2 "vsradm: $d/etc/c.conf:3: $d/etc/bad.key: $notakey" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "# keys" "accept-key-file nothere.key"
expect 1 "vsradm: $d/etc/c.conf:4: cannot open key file $d/etc/nothere.key: No such file or directory" \
	"$V" setconf vsrlog5 "$d/etc/c.conf"
conf "key-file k.key" "key-file k.key"
expect 2 "vsradm: $d/etc/c.conf:4: \"key-file\" given twice (first on line 3)" \
	"$V" setconf vsrlog5 "$d/etc/c.conf"
conf "key-file"
expect 2 "vsradm: $d/etc/c.conf:3: \"key-file\" needs a value" "$V" setconf vsrlog5 "$d/etc/c.conf"
conf "key-swap yes"
expect 2 "vsradm: $d/etc/c.conf:3: unknown key \"key-swap\"" "$V" setconf vsrlog5 "$d/etc/c.conf"
# From stdin, a relative path is in the current directory.
conf "key-file bad.key"
(cd "$d/etc" && "$V" setconf vsrlog5 - < c.conf 2> "$d/stderr")
[ "$(cat "$d/stderr")" = "vsradm: <stdin>:3: bad.key: $notakey" ] ||
	bad "setconf - with a relative key file: '$(cat "$d/stderr")'"

[ $failed = 0 ] && echo "ok: vsradm key files"
exit $failed
