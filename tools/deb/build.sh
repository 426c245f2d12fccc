#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages a node installs with
#   apt install ./vsr-dkms_VERSION_all.deb ./vsr-tools_VERSION_ARCH.deb
#
#   vsr-dkms   the module's source in /usr/src/vsr-VERSION with dkms.conf
#              (what `make dkms-source` stages); its postinst has DKMS
#              build and install vsr.ko for the installed kernels with
#              headers, as Debian's *-dkms packages do, and DKMS rebuilds
#              it for each kernel installed later
#   vsr-tools  what `make install-tools` installs: vsradm, its man page,
#              the bash completion, vsr@.service, the udev rule and the
#              vsr group's sysusers.d file, /etc/vsr
#
# Two packages, as Debian splits drbd-dkms from drbd-utils: the source is
# Architecture: all, vsradm is built for one architecture.  Built with
# dpkg-deb (bookworm's dkms has no mkdeb); the maintainer scripts are in
# tools/deb/.
#
#   build.sh [OUTDIR]     default build/deb; DEB_MAINTAINER sets Maintainer:
set -euo pipefail
umask 022

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$(mkdir -p "${1:-build/deb}" && cd "${1:-build/deb}" && pwd)
ver=$(make -s --no-print-directory print-VERSION)
arch=$(dpkg --print-architecture)
maint=${DEB_MAINTAINER:-vsr maintainers <vsr@example.org>}
stage=$out/stage
[ -n "$ver" ] || { echo "deb: no VSR_RELEASE in include/vsr_version.h" >&2; exit 1; }
rm -rf "$stage"
mkdir -p "$stage"

# The date in the changelog: the last commit's if this is a checkout.
when=$(git log -1 --format=%cD 2>/dev/null || date -R)

# doc PKG: copyright and a changelog, as Debian policy wants them.
doc() {
	local d=$stage/$1/usr/share/doc/$1
	mkdir -p "$d"
	cp tools/deb/copyright "$d/copyright"
	printf '%s (%s) unstable; urgency=medium\n\n  * vsr %s, built with make deb.\n\n -- %s  %s\n' \
		"$1" "$ver" "$ver" "$maint" "$when" | gzip -9n > "$d/changelog.gz"
}

# control PKG ARCH DEPENDS RECOMMENDS SUMMARY: DEBIAN/ with the control
# file, md5sums and the maintainer scripts tools/deb/PKG.* (VERSION
# substituted).
control() {
	local p=$1 root=$stage/$1 s
	mkdir -p "$root/DEBIAN"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
		sort -z | xargs -0r md5sum) > "$root/DEBIAN/md5sums"
	cat > "$root/DEBIAN/control" <<-CONTROL
	Package: $p
	Version: $ver
	Architecture: $2
	Maintainer: $maint
	Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
	Depends: $3
	Recommends: $4
	Section: $([ "$p" = vsr-dkms ] && echo kernel || echo admin)
	Priority: optional
	Description: $5
	$(sed 's/^/ /' "tools/deb/$p.description")
	CONTROL
	for s in postinst prerm postrm; do
		[ -f "tools/deb/$p.$s" ] || continue
		sed "s/@VERSION@/$ver/g" "tools/deb/$p.$s" > "$root/DEBIAN/$s"
		chmod 0755 "$root/DEBIAN/$s"
	done
}

# vsr-dkms: the Makefile's own list of what DKMS needs.
make -s dkms-source DKMS_SRC="$stage/vsr-dkms/usr/src/vsr-$ver"
doc vsr-dkms
control vsr-dkms all "dkms" "vsr-tools" \
	"Viewstamped Replication log as a kernel module (DKMS source)"

# vsr-tools: make install-tools into the package's root, with Debian
# bookworm's directories whatever this machine's pkg-config says, and
# vsradm built afresh with Debian's hardening flags (all of them, as
# lintian wants: bindnow and PIE too).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
make -s -B -C tools/vsradm vsradm CFLAGS="$(dpkg-buildflags --get CFLAGS)" \
	CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
make -s install-tools DESTDIR="$stage/vsr-tools" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
	SYSUSERSDIR=/usr/lib/sysusers.d
t=$stage/vsr-tools
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$t/usr/sbin/vsradm"
gzip -9nf "$t/usr/share/man/man8/vsradm.8"
doc vsr-tools
# The shared libraries vsradm links, as dpkg-shlibdeps names their
# packages (it wants a debian/control to read).
mkdir -p "$stage/shlibs/debian"
printf 'Source: vsr\n\nPackage: vsr-tools\nArchitecture: any\n' > "$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$t/usr/sbin/vsradm" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb: dpkg-shlibdeps found no libraries for vsradm" >&2; exit 1; }
control vsr-tools "$arch" "$shlibs, kmod" "vsr-dkms (= $ver)" \
	"Viewstamped Replication log as a kernel module (admin tools)"

rm -f "$out"/vsr-dkms_*.deb "$out"/vsr-tools_*.deb
dpkg-deb --root-owner-group -Zxz --build "$stage/vsr-dkms" "$out/vsr-dkms_${ver}_all.deb" >&2
dpkg-deb --root-owner-group -Zxz --build "$t" "$out/vsr-tools_${ver}_${arch}.deb" >&2
rm -rf "$stage"
echo "$out/vsr-dkms_${ver}_all.deb"
echo "$out/vsr-tools_${ver}_${arch}.deb"
