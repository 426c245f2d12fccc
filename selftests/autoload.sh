#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An installed vsr.ko loads on demand: looking up the "vsr" generic
# netlink family (any vsradm command) makes the kernel request the module
# alias net-pf-16-proto-16-family-vsr (MODULE_ALIAS_GENL_FAMILY), and
# modprobe loads vsr with its dependencies.  The host's /lib/modules is
# read-only in the guest: vsr.ko is "installed" into a module root in /tmp
# (with links to the kernel modules it needs: depmod over all of them
# takes minutes under TCG), and the kernel's modprobe is pointed at a
# wrapper that uses that root.
# timeout: 120
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }

kver=$(uname -r)
if [ ! -d "/lib/modules/$kver/kernel" ]; then
	echo "SKIP: no /lib/modules/$kver/kernel (this kernel's modules are not installed)"
	exit 4
fi
grep -q '^vsr ' /proc/modules && fail "vsr already loaded"

root=$(mktemp -d /tmp/vsr-modroot.XXXXXX)
old_modprobe=$(cat /proc/sys/kernel/modprobe)
cleanup() {
	echo "$old_modprobe" > /proc/sys/kernel/modprobe
	grep -q '^vsr ' /proc/modules && rmmod vsr
	rm -rf "$root"
}
trap cleanup EXIT

mods=$root/lib/modules/$kver
mkdir -p "$mods/extra"
touch "$mods/modules.order"
for f in modules.builtin modules.builtin.modinfo; do
	[ -f "/lib/modules/$kver/$f" ] && cp "/lib/modules/$kver/$f" "$mods/"
done
# The modules vsr depends on, and theirs (crc32c for libcrc32c, ...).
for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do
	modprobe --show-depends "$dep" | sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | sort -u | while read -r ko; do
	rel=${ko#/lib/modules/$kver/}
	mkdir -p "$mods/$(dirname "$rel")"
	ln -sf "$ko" "$mods/$rel"
done
cp "$VSR_KO" "$mods/extra/vsr.ko"
depmod -b "$root" "$kver" || fail "depmod"
# The kernel runs modprobe in init's root.  The rig's guest runs the tests
# chrooted into /root of its initramfs: there the wrapper must chroot back.
helper=$root/modprobe
chroot=""
if ! [ /proc/1/root -ef / ]; then
	[ -d "/proc/1/root/root$root" ] || { echo "SKIP: cannot find this root from init's"; exit 4; }
	helper=/root$root/modprobe
	chroot="chroot /root "
fi
printf '#!/bin/sh\necho "$*" >> %s/calls\nexec %s/sbin/modprobe -d %s "$@"\n' \
	"${chroot:+/root}$root" "$chroot" "$root" > "$root/modprobe"
chmod +x "$root/modprobe"
echo "$helper" > /proc/sys/kernel/modprobe

out=$("$VSRADM" family 2>&1) || {
	echo "calls: $(cat "$root/calls" 2>/dev/null)"; cat "$root/modprobe"; mount | grep -w /tmp
	"$root/modprobe" -v net-pf-16-proto-16-family-vsr; dmesg | tail -5
	fail "vsradm family did not load vsr: $out"; }
echo "$out"
grep -q '^vsr ' /proc/modules || fail "vsr not in /proc/modules"
# (/proc/modules spells poly1305-x86_64 poly1305_x86_64.)
for dep in $(modinfo -F depends "$VSR_KO" | tr , ' '); do
	grep -q "^${dep//-/_} " /proc/modules || fail "dependency $dep not loaded"
done
rmmod vsr || fail "rmmod vsr"

# A plain `modprobe vsr` through the same root loads it as well.
modprobe -d "$root" vsr || fail "modprobe vsr"
grep -q '^vsr ' /proc/modules || fail "modprobe vsr did not load it"
rmmod vsr
echo "ok: the family lookup loads vsr.ko and its dependencies"
