#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, run inside the guest by `make demo`: load vsr.ko and show
# what it registered.  (Grows into a live 3-replica cluster with a
# primary failure once the node work lands.)
set -eu
: "${VSR_KO:?}" "${VSRADM:?}"

step() { printf '\n=== %s\n' "$*"; }

step "kernel $(uname -r); loading $(basename "$VSR_KO")"
insmod "$VSR_KO"
grep '^vsr ' /proc/modules
step "char-device region and device class"
grep -w vsrlog /proc/devices
ls -d /sys/class/vsrlog
step "generic netlink family (vsradm family)"
"$VSRADM" family
step "unloading"
rmmod vsr
echo "vsr unloaded cleanly"
