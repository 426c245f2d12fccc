#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every selftests/*.sh (except this one) and print TAP; also written to
# $VSR_OUT/tap when run by the rig.  Each test gets VSR_KO (the module to
# load) and VSRADM (the admin tool) in its environment, and a timeout from
# a "# timeout: N" line in the script (default 120 s).  Exit 4 means skip.
# A "# kernels: K... -- why" line limits a test to those guest kernels
# (VSR_KERNEL, set by the rig: stock, 6.12 or debug); elsewhere it is
# reported as skipped, with the reason.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tap=${VSR_OUT:-/tmp}/tap
: "${VSR_KO:?VSR_KO must name vsr.ko}" "${VSRADM:?VSRADM must name vsradm}"
export VSR_KO VSRADM

# The module's dependencies (udp_tunnel, libcrc32c) stay loaded throughout,
# so that every test can simply insmod "$VSR_KO".
for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do
	modprobe "$dep" || echo "# cannot load $dep"
done

tests=()
for t in "$here"/*.sh; do
	[ "$(basename "$t")" = run.sh ] && continue
	[ -n "${VSR_SELFTESTS:-}" ] && ! [[ " $VSR_SELFTESTS " == *" $(basename "$t" .sh) "* ]] && continue
	tests+=("$t")
done

{ echo "TAP version 13"; echo "1..${#tests[@]}"; } | tee "$tap"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$t" | head -n1)
	only=$(sed -n 's/^# kernels: *//p' "$t" | head -n1)
	echo "# $name"
	if [ -n "$only" ] && [ -n "${VSR_KERNEL:-}" ] &&
	   ! [[ " ${only%% -- *} " == *" $VSR_KERNEL "* ]]; then
		echo "ok $n $name # SKIP not on the $VSR_KERNEL kernel: ${only#* -- }" |
			tee -a "$tap"
		continue
	fi
	start=$SECONDS
	# Each line with the seconds since the test started: a slow step shows.
	timeout -k 5 "${limit:-120}" bash "$t" 2>&1 |
		while IFS= read -r l; do printf '# %4d %s\n' $((SECONDS - start)) "$l"; done
	rc=${PIPESTATUS[0]}
	echo "# $name took $((SECONDS - start)) s"
	case $rc in
	0) line="ok $n $name" ;;
	4) line="ok $n $name # SKIP" ;;
	124) line="not ok $n $name # timed out after ${limit:-120}s"; failed=1 ;;
	*) line="not ok $n $name # exit $rc"; failed=1 ;;
	esac
	echo "$line" | tee -a "$tap"
	# A test must leave the module unloaded and nothing behind; one that
	# timed out may not have cleaned up: do it, so that the next one starts
	# from a clean machine.
	for ns in $(ip netns list 2>/dev/null | awk '/^vsr-/ {print $1}'); do
		ip netns del "$ns" 2>/dev/null
	done
	if grep -q '^vsr ' /proc/modules; then
		rmmod vsr 2>/dev/null
	fi
done
exit $failed
