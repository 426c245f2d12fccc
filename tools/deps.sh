#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages a make target needs (as root); only the
# missing ones, so a second run does nothing.
#
#   deps.sh demo    vsr.ko for Debian's kernel, vsradm, and a QEMU guest of
#                   that kernel with the host's root as its file system
#                   (make demo, make vm KERNEL=stock)
#   deps.sh debug   demo, and the debug kernel built from linux-source-6.12
#                   (make vm, make check-kunit)
#   deps.sh test    debug, and the 6.12 headers, sparse, the YNL tools,
#                   rst2man and Pygments, dkms, dpkg-dev and git
#                   (make check-build, check-lint, check-install,
#                   check-selftests)
#   deps.sh bench   demo, and etcd, its Go client's sources and gnuplot
#                   (make bench)
#   deps.sh deb     vsradm, its man page and dpkg-dev (make deb)
#   deps.sh [check] everything (make check, make deps)
set -euo pipefail

# vsr.ko for the stock kernel, vsradm, the guest runner (tools/vm/run.sh)
# and what the guest runs from the host's root (stage2, tools/demo.sh,
# selftests/lib/cluster.sh).
demo=(make gcc libc6-dev rsync libmnl-dev linux-image-amd64 linux-headers-amd64
      qemu-system-x86 busybox-static cpio gzip xz-utils kmod procps iproute2 python3)
# The debug kernel (tools/vm/build-kernel.sh).
debug=(build-essential bc bison flex libelf-dev libssl-dev dwarves linux-source-6.12)
# The build matrix's 6.12 headers (and the kernel, for the rig's 6.12
# guests), sparse, YNL's code generator and CLI,
# rst2man for the man page `make install` builds (and Pygments for the
# documentation's code blocks, which lint parses), dkms for dkms.conf and
# the packages `make deb` builds, dpkg-dev to build them, git for the
# copies of the checkout that the install checks build in, and the
# selftests' ChaCha20-Poly1305 (their model of the datagrams' MACs), and
# dmsetup for the rig's crash-consistency test (dm-log-writes).
testing=(linux-headers-6.12-amd64 linux-image-6.12-amd64 sparse python3-yaml python3-jsonschema
	 python3-docutils python3-pygments dkms dpkg-dev git python3-cryptography dmsetup)
# make deb: vsradm and its man page, dpkg-shlibdeps and dpkg-buildflags.
deb=(make gcc libc6-dev libmnl-dev python3-docutils dpkg-dev)
# The benchmark: etcd to compare with, its Go client built offline, plots,
# mkfs.ext4 for etcd's data on the rig.
bench=(etcd-server etcd-client golang-go golang-etcd-server-dev gnuplot-nox e2fsprogs)

set_name=${1:-check}
case $set_name in
demo)  pkgs=("${demo[@]}") ;;
debug) pkgs=("${demo[@]}" "${debug[@]}") ;;
test)  pkgs=("${demo[@]}" "${debug[@]}" "${testing[@]}") ;;
bench) pkgs=("${demo[@]}" "${bench[@]}") ;;
deb)   pkgs=("${deb[@]}") ;;
check) pkgs=("${demo[@]}" "${debug[@]}" "${testing[@]}" "${bench[@]}") ;;
*)
	echo "usage: $0 [demo|debug|test|bench|deb|check]" >&2
	exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages for '$set_name' (install them as root): ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing for '$set_name': ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

# etcd-server enables and starts a system-wide etcd on install; the
# benchmark runs its own members in the guest, so stop the one we caused.
if [[ " ${missing[*]} " == *" etcd-server "* ]] && [ -d /run/systemd/system ]; then
	echo "deps: disabling the etcd service etcd-server started (the benchmark runs its own)" >&2
	systemctl disable --now etcd.service >&2 || true
fi
