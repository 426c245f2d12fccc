#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the debug test kernel from Debian's linux-source-6.12.
# The build is cached under $VSR_CACHE (default ~/.cache/vsr), keyed by the
# source version and the hash of the config fragment, so a warm run is a
# no-op.  Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VSR_CACHE:-$HOME/.cache/vsr}
tarball=${VSR_LINUX_SOURCE:-$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)}
fragment=$here/debug.config

[ -n "$tarball" ] && [ -f "$tarball" ] || {
	echo "build-kernel: linux-source-6.12 is not installed" >&2
	exit 1
}

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$tarball")
key=$( (echo "$srcver"; cat "$fragment") | sha256sum | cut -c1-16)
src=$cache/src/linux-source-6.12-$srcver
out=$cache/kernel-$key

if [ -f "$out/.vsr-done" ]; then
	echo "$out"
	exit 0
fi

# One builder at a time; the others wait and reuse its result.
mkdir -p "$cache/src"
exec 9>"$cache/.build-lock"
flock 9
if [ -f "$out/.vsr-done" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.vsr-unpacked" ]; then
	echo "build-kernel: unpacking $tarball" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.vsr-unpacked"
	mv "$src.tmp" "$src"
fi

echo "build-kernel: building debug kernel in $out (takes a few minutes)" >&2
# Kernels built from another source version or fragment are stale.
for old in "$cache"/kernel-*; do
	[ "$old" != "$out" ] && [ -d "$old" ] && rm -rf "$old"
done
rm -rf "$out"
mkdir -p "$out"
make -s -C "$src" O="$out" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$fragment" >"$out/merge.log" 2>&1 || { cat "$out/merge.log" >&2; exit 1; }
make -s -C "$src" O="$out" olddefconfig >&2

# Every line of the fragment must have survived olddefconfig.
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=n) sym=${line%%=*}
		grep -q "^$sym=" "$out/.config" && { echo "build-kernel: $sym is set" >&2; missing=1; } ;;
	CONFIG_*) grep -qx "$line" "$out/.config" || { echo "build-kernel: $line did not stick" >&2; missing=1; } ;;
	esac
done < "$fragment"
[ "$missing" = 0 ] || exit 1

make -s -C "$src" O="$out" -j"$(nproc)" bzImage modules >&2
touch "$out/.vsr-done"
echo "$out"
