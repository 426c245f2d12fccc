#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the vsr genetlink code from Documentation/netlink/specs/vsr.yaml
# with the kernel's own ynl-gen-c.py (from linux-source-6.12).
#
#   tools/ynl-regen.sh           rewrite the generated files
#   tools/ynl-regen.sh --check   exit 1 if the checked-in files differ from
#                                what the spec generates (nothing is written)
#   tools/ynl-regen.sh --stage DIR
#                                copy the kernel's ynl CLI (cli.py, lib/) and
#                                the genetlink-legacy schema to DIR, for
#                                guests that cannot see the source tree
#                                (selftests/ynl.sh looks in build/ynl)
#
# The generated files:
#   include/uapi/linux/vsr_genl.h   uapi enums and defines
#   vsr_mod/netlink_gen.h           kernel policy/op table declarations
#   vsr_mod/netlink_gen.c           kernel policies and the genl_ops table
#
# ynl-gen wants the spec under <root>/Documentation/netlink/specs/, its
# schema at <root>/Documentation/netlink/<protocol>.yaml and a MAINTAINERS
# file at <root> (without it, it spins forever), so it runs in a temporary
# root.  VSR_LINUX_SRC overrides the kernel source tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
spec=Documentation/netlink/specs/vsr.yaml
check=0
stage=
case ${1:-} in
--check) check=1 ;;
--stage) stage=${2:?--stage needs a directory} ;;
"") ;;
*) echo "usage: $0 [--check | --stage DIR]" >&2; exit 2 ;;
esac

src=${VSR_LINUX_SRC:-}
if [ -z "$src" ]; then
	src=$(ls -d "${VSR_CACHE:-$HOME/.cache/vsr}"/src/linux-source-6.12-*/ 2>/dev/null |
	      sort -V | tail -n1)
fi
gen=${src%/}/tools/net/ynl/ynl-gen-c.py
if [ -z "$src" ] || [ ! -f "$gen" ]; then
	echo "ynl-regen: no linux-source-6.12 tree with tools/net/ynl (set VSR_LINUX_SRC)" >&2
	exit 2
fi
proto=$(sed -n 's/^protocol: *//p' "$top/$spec")

if [ -n "$stage" ]; then
	mkdir -p "$stage/lib"
	cp "$src/tools/net/ynl/cli.py" "$stage/"
	cp "$src"/tools/net/ynl/lib/*.py "$stage/lib/"
	cp "$src/Documentation/netlink/$proto.yaml" "$stage/"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/Documentation/netlink/specs" "$tmp/out"
cp "$top/$spec" "$tmp/$spec"
cp "$src/Documentation/netlink/$proto.yaml" "$tmp/Documentation/netlink/"
: > "$tmp/MAINTAINERS"

# name  mode  kind  output
targets=(
	"include/uapi/linux/vsr_genl.h uapi header"
	"vsr_mod/netlink_gen.h kernel header"
	"vsr_mod/netlink_gen.c kernel source"
)
rc=0
for t in "${targets[@]}"; do
	read -r path mode kind <<< "$t"
	out=$tmp/out/$(basename "$path")
	(cd "$tmp" && timeout 120 python3 "$gen" --mode "$mode" "--$kind" \
		--spec "$spec" -o "$out") > "$tmp/gen.log" 2>&1 ||
		{ cat "$tmp/gen.log" >&2; echo "ynl-regen: ynl-gen-c failed for $path" >&2; exit 1; }
done
for t in "${targets[@]}"; do
	read -r path mode kind <<< "$t"
	out=$tmp/out/$(basename "$path")
	if [ $check = 1 ]; then
		if ! cmp -s "$out" "$top/$path"; then
			echo "ynl-regen: $path is out of date with $spec (run tools/ynl-regen.sh)" >&2
			diff -u "$top/$path" "$out" | head -n 40 >&2 || true
			rc=1
		fi
	elif ! cmp -s "$out" "$top/$path"; then
		cp "$out" "$top/$path"
		echo "	GEN $path"
	fi
done
[ $check = 1 ] && [ $rc = 0 ] && echo "ynl-regen: generated files match $spec"
exit $rc
