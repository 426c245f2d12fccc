#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages vsr's build, rig and tests need (as root).
set -euo pipefail

pkgs=(build-essential bc bison flex cpio xz-utils gzip kmod libelf-dev libssl-dev
      dwarves python3 python3-yaml python3-jsonschema qemu-system-x86 busybox-static
      iproute2 libmnl-dev rsync sparse linux-source-6.12 linux-image-amd64
      linux-headers-amd64 linux-headers-6.12-amd64
      # the benchmark: etcd to compare with, its Go client built offline, plots
      etcd-server etcd-client golang-go golang-etcd-server-dev gnuplot-nox)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages (install them as root): ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
