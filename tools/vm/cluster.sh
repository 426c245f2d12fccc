#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tests of the rig of separate machines (selftests/rig/*.sh, see
# tools/vm/rig.sh): each boots its own QEMU guests, one replica per guest,
# on a bridge in a network namespace of its own.  Prints TAP, one line per
# test, and ends with "N passed, N failed".  Needs root (taps, netns) and
# vsr.ko built for each kernel the tests boot (tools/check.sh build TAG).
#
# usage: cluster.sh [-o DIR] [TEST...]     (default: every test)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/rig
while getopts "o:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-o DIR] [TEST...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

[ "$(id -u)" = 0 ] || { echo "cluster.sh: the rig needs root (taps, a network namespace)" >&2; exit 2; }
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$top"/selftests/rig/*.sh; do
		[ "$(basename "$t")" = lib.sh ] || tests+=("$(basename "$t" .sh)")
	done
fi
for t in "${tests[@]}"; do
	[ -f "$top/selftests/rig/$t.sh" ] || { echo "cluster.sh: no test selftests/rig/$t.sh" >&2; exit 2; }
done

echo "TAP version 13"
echo "1..${#tests[@]}"
passed=0 failed=0 k=0
for t in "${tests[@]}"; do
	k=$((k + 1))
	rm -rf "${out:?}/$t"
	mkdir -p "$out/$t"
	start=$SECONDS
	bash "$top/selftests/rig/$t.sh" "$out/$t" > "$out/$t/log" 2>&1
	rc=$?
	sed 's/^/# /' "$out/$t/log"
	if [ $rc -eq 0 ]; then
		echo "ok $k rig/$t # $((SECONDS - start)) s"
		passed=$((passed + 1))
	else
		# Why, in the line that reaches the summary: the log's last
		# line that names a failure, before the test's own FAIL line.
		why=$(grep -iE '^[a-z0-9_./-]+: |fail|stuck|did not|not ok|error' "$out/$t/log" |
			grep -vE '^(FAIL: |#)| Killed ' | tail -n1 | cut -c1-200)
		[ -n "$why" ] || why=$(grep '^FAIL: ' "$out/$t/log" | tail -n1 | cut -c1-200)
		echo "not ok $k rig/$t # exit $rc after $((SECONDS - start)) s${why:+: $why}; logs in $out/$t"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
