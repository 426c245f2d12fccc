#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks the hand-over at the end of tools/vm/init without a guest: in new
# mount and PID namespaces (as root), a tmpfs stands in for the initramfs
# (pivot_root) and the host's root, bound read-only and not recursively,
# for the guest's 9p root; the init's lines from its busybox check on run
# as PID 1, with poweroff replaced by printing the status line.  A stage2
# of its own checks that init's root is its root and that user namespaces
# can be created there, by root and by nobody.  In a chroot whose root is
# not a mount point (tools/mountns.sh) there is no pivot_root, and no
# chrooted process may create a user namespace: the tmpfs becomes the root
# by chroot and the user namespaces are left to the guest's
# selftests/unpriv.sh.
#
#   tools/vm/init-check.sh [INIT]     exit 0 if all of that holds
set -eu

if [ "${1:-}" != --inside ]; then
	init=$(realpath "${1:-$(dirname "$0")/init}")
	. "$(dirname "$0")/../mountns.sh"
	mountns_setup || exit 1
	dir=$(mktemp -d "$mountns_scratch/vsr-init-check.XXXXXX")
	out=$(timeout 60 unshare -m -p -f --propagation "$mountns_prop" \
		"$0" --inside "$init" "$dir" "$mountns_prop" 2>&1) || true
	rmdir "$dir"
	echo "$out"
	if [ "$(echo "$out" | tail -n1)" = "VSR-EXIT 7" ]; then
		if [ "$mountns_prop" = private ]; then
			echo "init-check: ok: switch_root hand-over, stage2's status, unshare -U"
		else
			echo "init-check: ok: switch_root hand-over, stage2's status (unshare -U not checkable in a chroot: selftests/unpriv.sh does it in the guest)"
		fi
		exit 0
	fi
	echo "init-check: FAILED" >&2
	exit 1
fi
init=$2
[ "$$" = 1 ] || { echo "init-check: not PID 1 of a new PID namespace" >&2; exit 2; }

n=$3		# a tmpfs in a private mount namespace: the host sees none of it
mount -t tmpfs -o size=64m tmpfs "$n"
mkdir -p "$n/bin" "$n/root" "$n/old"
cp /bin/busybox "$n/bin/busybox"
for a in sh switch_root chroot; do ln -s busybox "$n/bin/$a"; done
printf '#!/bin/sh\n' > "$n/init"		# switch_root wants a regular /init
mount --bind / "$n/root"
mount -o remount,bind,ro "$n/root"
mount -t proc proc "$n/root/proc"
mount -t tmpfs tmpfs "$n/root/dev"
: > "$n/root/dev/ttyS1"
mount -t tmpfs -o mode=1777 tmpfs "$n/root/tmp"
mkdir -p "$n/root/tmp/out"
cat > "$n/root/tmp/out/stage2" <<'S2'
[ /proc/1/root -ef / ] || { echo "init-check: init's root is not stage2's"; exit 1; }
[ "$(cat /tmp/out/chrooted 2>/dev/null)" = 1 ] && exit 7
unshare -U -r true || { echo "init-check: root cannot unshare -U"; exit 1; }
setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U -r true ||
	{ echo "init-check: nobody cannot unshare -U"; exit 1; }
exit 7
S2
# Where no mount namespace can be private, this runs in a chroot whose
# root is not a mount point: no pivot_root, and a chrooted process cannot
# make user namespaces, whatever the init does (see below).
[ "$4" = private ] || echo 1 > "$n/root/tmp/out/chrooted"
sed -n '/^\[ -x \$r\/bin\/busybox \]/,$p' "$init" |
	sed 's|/bin/busybox poweroff -f|cat /dev/ttyS1|; s|while :; do .*; done|exit 0|' > "$n/tail.sh"
grep -q 'cat /dev/ttyS1' "$n/tail.sh" || { echo "init-check: no hand-over found in $init" >&2; exit 2; }

cat > "$n/inner.sh" <<'IN'
export PATH=/bin
status() { echo "VSR-EXIT $1 (before the hand-over)"; exit 1; }
# shellcheck disable=SC2034 # tail.sh's
r=/root out=/tmp/out
# switch_root must run as PID 1: this shell.
# shellcheck disable=SC1091
. /tail.sh
IN
cd "$n"
if busybox pivot_root . old 2>/dev/null; then
	cd /
	/bin/busybox umount -l /old
	# shellcheck disable=SC1091
	. /inner.sh
fi
# A chroot whose root is not a mount point cannot pivot (fresh-machine's):
# the tmpfs becomes the root by chroot instead, still as PID 1.
exec chroot "$n" /bin/sh /inner.sh
