#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, registers its char-device region, device class and the
# "vsr" generic netlink family (resolvable from userspace, also inside a
# fresh network namespace), and unloads leaving none of them behind.
# timeout: 180
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }

grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
"$VSRADM" family >/dev/null 2>&1 && fail "family resolvable before load"

for round in 1 2; do
	insmod "$VSR_KO" || fail "insmod (round $round)"
	grep -q '^vsr ' /proc/modules || fail "not in /proc/modules"
	grep -qw vsrlog /proc/devices || fail "no vsrlog char-device region"
	[ -d /sys/class/vsrlog ] || fail "no /sys/class/vsrlog"
	out=$("$VSRADM" family) || fail "vsradm family: $out"
	echo "$out"
	echo "$out" | grep -q '^family vsr id [0-9]* version 1 ' || fail "unexpected: $out"
	# The module's version (MODULE_VERSION, read from sysfs) is the one
	# vsradm was built with: both come from include/vsr_version.h.
	ver=$(modinfo -F version "$VSR_KO")
	[ -n "$ver" ] || fail "vsr.ko has no version"
	[ "$(cat /sys/module/vsr/version)" = "$ver" ] || fail "sysfs version differs from modinfo"
	echo "$out" | grep -q " module-version $ver\$" || fail "no module-version $ver: $out"
	[ "$("$VSRADM" --version)" = "vsradm $ver" ] || fail "vsradm --version: $("$VSRADM" --version)"
	[ "$("$VSRADM" version)" = "vsradm $ver" ] || fail "vsradm version differs"

	ip netns add vsr-selftest-ns
	ip netns exec vsr-selftest-ns "$VSRADM" family >/dev/null ||
		{ ip netns del vsr-selftest-ns; fail "family not resolvable in a netns"; }
	ip netns del vsr-selftest-ns

	rmmod vsr || fail "rmmod (round $round)"
	grep -q '^vsr ' /proc/modules && fail "still loaded after rmmod"
	grep -qw vsrlog /proc/devices && fail "char-device region left behind"
	[ -e /sys/class/vsrlog ] && fail "device class left behind"
	"$VSRADM" family >/dev/null 2>&1 && fail "family still resolvable after rmmod"
done

# A bad command is rejected with a one-line error and exit status 2.
set +e
err=$("$VSRADM" frobnicate 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 2 ] || fail "vsradm frobnicate exited $rc"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "error is not one line: $err"
echo "ok: load/unload twice, class, chrdev region, genl family, versions, netns"
