#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build fuzz-auth-run against a copy of vsr_mod/auth.c with one bug
# planted, to see that the harness catches it, and after how many inputs.
#
#   plant-auth.sh BUG [fuzz-auth-run arguments]
#
#   BUG 1  the window disabled: a counter in it is accepted again
#   BUG 2  no freshness check: vsr_auth_fresh() is not called
#   BUG 3  the challenge not renewed when a nonce is adopted
#   BUG 4  the echo not checked: any AUTH with a new nonce is adopted
#   BUG 5  the receiver's nonce left out of the tag (seal and open)
#   BUG 6  the counter left out of the tag (seal and open)
#   BUG 7  the window kept when another nonce is adopted
#   BUG 0  nothing planted (the same build, as a control)
#
# The binary is build/fuzz-plant/BUG/fuzz-auth-run; with more arguments
# it is run with them, e.g.  plant-auth.sh 3 20000
# (FUZZ_AUTH_BLACKBOX=1 plant-auth.sh 3 20000: with the invariants
# alone, see fuzz_auth.c).  The worktree is not touched.
set -euo pipefail

sim=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$sim/../.." && pwd)
bug=${1:?usage: plant-auth.sh BUG [fuzz-auth-run arguments]}
shift
out=$top/build/fuzz-plant/$bug
core="wire link log client_table replica normal view_change recovery state_transfer epoch learn restart disk auth"

rm -rf "$out"
mkdir -p "$out/vsr_mod"
cp "$top"/vsr_mod/*.[ch] "$out/vsr_mod/"
cd "$out/vsr_mod"

# One substitution that must change the file.
subst() {	# FILE PERL-EXPR
	local before
	before=$(md5sum < "$1")
	perl -0pi -e "$2" "$1"
	if [ "$(md5sum < "$1")" = "$before" ]; then
		echo "plant-auth.sh: bug $bug: the code is not as expected in $1" >&2
		exit 1
	fi
}

case $bug in
0)	;;
1)	subst auth.c 's/return !__test_and_set_bit\(ctr % VSR_AUTH_WINDOW, peer->seen\);/__set_bit(ctr % VSR_AUTH_WINDOW, peer->seen);\n\treturn true;/' ;;
2)	subst auth.c 's/if \(!ret && !handshake && !vsr_auth_fresh\(peer, ctr\)\)/if (0)/' ;;
3)	subst auth.c 's/\t\tmemcpy\(peer->challenge, new_challenge, VSR_AUTH_NONCE_SIZE\);\n//' ;;
4)	subst auth.c 's/adopted = \*fresh && !same;/adopted = !same;/' ;;
5)	subst auth.c 's/\t\tblake2s_update\(&st, peer->nonce, VSR_AUTH_NONCE_SIZE\);\n//'
	subst auth.c 's/\t\tblake2s_update\(&st, self_nonce, VSR_AUTH_NONCE_SIZE\);\n//' ;;
6)	subst auth.c 's/blake2s_update\(&st, trailer, 12\);/blake2s_update(&st, trailer, 4);/'
	subst auth.c 's/blake2s_update\(&st, buf, size \+ 12\);/blake2s_update(&st, buf, size + 4);/' ;;
7)	subst auth.c 's/\t\tpeer->top = 0;\n\t\tbitmap_zero\(peer->seen, VSR_AUTH_WINDOW\);\n//' ;;
*)	echo "plant-auth.sh: no bug $bug" >&2
	exit 2 ;;
esac

srcs=("$sim/fuzz_run.c" "$sim/fuzz_auth.c" "$top/tools/lib/blake2s.c" "$sim/crc32c.c" "$sim/shim.c")
for f in $core; do
	srcs+=("$out/vsr_mod/$f.c")
done
# As the Makefile builds fuzz-auth-run; the headers are the copy's.
${CC:-cc} -O1 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Wno-sign-compare -Wno-missing-field-initializers -Wno-pointer-sign \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -I"$sim/shim" -I"$out/vsr_mod" \
	-I"$top/include" -DVSR_ALLOC_FAULT_HOOK -o "$out/fuzz-auth-run" "${srcs[@]}"
echo "$out/fuzz-auth-run"
[ $# -eq 0 ] || exec "$out/fuzz-auth-run" "$@"
