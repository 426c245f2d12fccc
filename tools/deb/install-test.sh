#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the packages `make deb` built as a node would (apt install
# ./*.deb), then remove them, without changing this machine: the root
# file system is the lower layer of an overlay whose upper layer is a
# tmpfs, in a mount namespace of its own, so dpkg, DKMS and depmod write
# only to the tmpfs, and it goes when the namespace does.  As root:
#
#   unshare -m --propagation private install-test.sh WORKDIR VERSION KVER... -- DEB...
#
# DKMS builds vsr.ko for every KVER (each needs /lib/modules/KVER/build).
# Prints "ok NAME" or "not ok NAME" per check, diagnostics on stderr.
set -u

work=$1 ver=$2
shift 2
kvers=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do kvers+=("$1"); shift; done
shift
debs=("$@")

ok() { echo "ok $*"; }
# Diagnostics stand out from the package tools' output in the log.
diag() { echo "install-test: $*" >&2; }
notok() { echo "not ok $*"; }
check() {	# check NAME CMD...: ok if CMD succeeds
	local name=$1
	shift
	if "$@" >&2; then ok "$name"; else notok "$name"; fi
}

ovl=$work/overlay
mkdir -p "$ovl"
mount -t tmpfs -o mode=0755 vsr-deb-test "$ovl" || { notok "deb: overlay of / (tmpfs)"; exit 1; }
mkdir "$ovl/upper" "$ovl/work" "$ovl/root"
r=$ovl/root
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$r"; then
	notok "deb: overlay of /"
	exit 1
fi
# Kernel file systems for the package scripts; an empty /run so that they
# see no systemd or udev to talk to, and this machine's are not told.
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
cp "${debs[@]}" "$r/tmp/"

in_root() {
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# common.postinst builds for the running kernel and the newest one only
# (or, in a chroot where the running kernel is not installed, for all on
# a first install): build for all, so that the result does not depend on
# which kernel this machine runs.
echo "autoinstall_all_kernels=yes" >> "$r/etc/dkms/framework.conf"

debnames=()
for d in "${debs[@]}"; do debnames+=("/tmp/${d##*/}"); done
if ! in_root apt-get install -y -q "${debnames[@]}" >&2; then
	notok "deb: apt-get install ./vsr-dkms_${ver}_all.deb ./vsr-tools_${ver}_*.deb"
	exit 1
fi
ok "deb: apt-get install ./vsr-dkms_${ver}_all.deb ./vsr-tools_${ver}_*.deb"

for k in "${kvers[@]}"; do
	# DKMS compresses it as the kernel's modules are (6.12: vsr.ko.xz).
	ko=$(ls "$r/lib/modules/$k/updates/dkms/"vsr.ko* 2>/dev/null | head -n1)
	line="$(in_root dkms status -m vsr -v "$ver" -k "$k") /"
	line+=" $(modinfo -F version "${ko:-none}" 2>&1) $(modinfo -F vermagic "${ko:-none}" 2>&1) /"
	# depmod ran: the genl family alias finds the DKMS module.
	line+=" $(in_root modprobe -S "$k" --show-depends net-pf-16-proto-16-family-vsr 2>&1 | tail -n1)"
	if [[ $line == "vsr/$ver, $k, "*": installed /"* &&
	      $line == *"/ $ver $k "*" / insmod /lib/modules/$k/updates/dkms/vsr.ko"* ]]; then
		ok "deb: DKMS built and installed vsr.ko $ver for $k, depmod knows it"
	else
		diag "$line"
		notok "deb: DKMS built and installed vsr.ko $ver for $k, depmod knows it"
	fi
done

line=$(in_root vsradm --version 2>&1)
[ "$line" = "vsradm $ver" ] || diag "vsradm --version: $line"
bad=0
for f in /usr/sbin/vsradm /usr/share/man/man8/vsradm.8.gz \
	 /usr/share/bash-completion/completions/vsradm /lib/systemd/system/vsr@.service \
	 /lib/udev/rules.d/60-vsr.rules /usr/lib/sysusers.d/vsr.conf; do
	[ -s "$r$f" ] || { diag "not installed: $f"; bad=1; }
done
[ -d "$r/etc/vsr" ] || { diag "not installed: /etc/vsr"; bad=1; }
in_root getent group vsr >&2 || { diag "no group vsr"; bad=1; }
# A minimal Debian has no man (man-db): then the file above is the check.
if [ -x "$r/usr/bin/man" ]; then
	in_root man -w vsradm >&2 || { diag "man -w vsradm finds no page"; bad=1; }
fi
if [ "$line" = "vsradm $ver" ] && [ $bad = 0 ]; then
	ok "deb: vsr-tools installs vsradm $ver, man page, completion, unit, udev rule, group vsr"
else
	notok "deb: vsr-tools installs vsradm $ver, man page, completion, unit, udev rule, group vsr"
fi

# Removal: dkms remove for every kernel, then nothing of vsr is left but
# the group (Debian leaves system groups).
if ! in_root apt-get purge -y -q vsr-dkms vsr-tools >&2; then
	notok "deb: apt-get purge vsr-dkms vsr-tools"
	exit 1
fi
left=$(cd "$ovl/upper" && find . -name '*vsr*' ! -path ./tmp/\* | sort)
left+=$(in_root dkms status -m vsr)
if [ -z "$left" ]; then
	ok "deb: apt-get purge removes the modules DKMS built and every file"
else
	diag "left after purge: $left"
	notok "deb: apt-get purge removes the modules DKMS built and every file"
fi
