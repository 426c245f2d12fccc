#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/bench/etcdload from etcdload.go, offline, against the etcd
# client sources Debian ships (golang-etcd-server-dev, in GOPATH layout
# under /usr/share/gocode).  GOPATH mode, because that tree has no module
# cache to resolve etcd's go.mod from and there is no module proxy.
# Prints the binary's path; does nothing when it is newer than the source.
#
# needs: apt-get install golang-go golang-etcd-server-dev
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
src=$here/etcdload.go
out=$top/build/bench/etcdload
gopath=/usr/share/gocode

if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ]; then
	echo "$out"
	exit 0
fi

command -v go >/dev/null || { echo "build.sh: no go compiler (apt-get install golang-go)" >&2; exit 1; }
[ -d "$gopath/src/go.etcd.io/etcd/clientv3" ] ||
	{ echo "build.sh: no etcd client sources in $gopath (apt-get install golang-etcd-server-dev)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
# The build cache is ours, not the root user's default, so a read-only or
# tmpfs $HOME does not matter and `make clean` style removal of build/ works.
export GO111MODULE=off GOPATH=$gopath GOFLAGS='' CGO_ENABLED=0
export GOCACHE=${GOCACHE:-$top/build/bench/gocache}
# A temporary name first: an interrupted build must not look up to date.
if ! go build -trimpath -o "$out.tmp" "$src"; then
	rm -f "$out.tmp"
	echo "build.sh: go build of $src failed" >&2
	exit 1
fi
mv "$out.tmp" "$out"
echo "$out"
