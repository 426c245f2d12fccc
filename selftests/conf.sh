#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Saved configuration (vsradm showconf, setconf, up, down) on a 3-replica
# cluster, one netns per replica: the cluster comes up from configuration
# files (setconf FILE, setconf - on stdin, up NAME from $VSRADM_CONFDIR);
# showconf prints the file format and round-trips (setconf of it changes
# nothing; a deleted replica re-created from it is the same instance and
# rejoins through recovery, with the records written before); setconf
# changes the tunables live and a missing key restores its default; a
# changed peers, replica or cluster line is refused in one line and
# changes nothing, as does a tunable combination the kernel refuses;
# syntax errors are one line with FILE:LINE and exit 2; the udev rule
# (tools/udev/60-vsr.rules) gives /dev/vsrlogN to group vsr, mode 0660.
# Each process costs most of a second in the debug guest: files are
# written and outputs compared with shell builtins.  The heartbeats and
# view-change timeouts the files set are multiplied by $VSR_SLOW, as
# replica_add (lib/cluster.sh) does: shorter than the defaults, they
# would change views by themselves in the debug guest.
# timeout: 240
# kernels: stock 6.12 -- the debug guest has no time left; netlink.sh drives the same set and show operations there
set -u
. "$(dirname "$0")/lib/cluster.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
V=$VSRADM
dir=/tmp/vsr-conf
udev_rule=/run/udev/rules.d/60-vsr.rules
# The rule under test (another file to show that the check can fail).
rule_src=${VSR_UDEV_RULE:-$top/tools/udev/60-vsr.rules}
cleanup() {
	umount /etc/group 2>/dev/null
	rm -f "$udev_rule"
	cluster_cleanup
}
trap cleanup EXIT

# expect_err WANT RC CMD...: CMD fails with exit status RC and a one-line
# message containing WANT.
expect_err() {
	local want=$1 want_rc=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq "$want_rc" ] || fail "$*: exit $rc, expected $want_rc ($out)"
	[[ $out == *$'\n'* ]] && fail "$*: error is not one line: $out"
	[[ $out == *"$want"* ]] || fail "$*: error '$out' lacks '$want'"
	echo "ok: refused: ${*: -2} -> $out"
}

# conf I [LINE...]: replica I's file, $dir/vsrlogI.conf, with comments
# and blank lines, and LINEs (tunables) at the end.
P=$(peers 3)
# hb MS, to MS: a heartbeat, a view-change timeout for the files.
hb() { echo "heartbeat $(($1 * ${VSR_SLOW:-1}))"; }
to() { echo "timeout $(($1 * ${VSR_SLOW:-1}))"; }
conf() {
	local i=$1
	shift
	{
		echo "# replica $i of the conf selftest"
		echo "replica $i"
		echo
		printf '\tpeers  %s   # all three, in replica order\n' "$P"
		echo "cluster 77"
		printf '%s\n' "$@"
	} > "$dir/vsrlog$i.conf"
}

# showconf I: replica I's configuration, into $sc.
showconf() {
	sc=$("$V" -n "$(ns "$1")" showconf "vsrlog$1") || fail "showconf vsrlog$1"
}

# tunables I: the tunables line of replica I's show, into $tun.
tunables() {
	local out
	out=$("$V" -n "$(ns "$1")" show "vsrlog$1") || fail "show vsrlog$1"
	out=${out#*$'\theartbeat '}
	tun="heartbeat ${out%%$'\n'*}"
}

grep -q '^vsr ' /proc/modules && fail "vsr already loaded"
insmod "$VSR_KO" || fail "insmod"
cluster_net 3
rm -rf "$dir"
mkdir -p "$dir" || fail "mkdir $dir"

# --- up from files: setconf FILE, up NAME, setconf - ------------------------
conf 0 "$(hb 50)" "$(to 600)"
conf 1
conf 2 "retention 0"
"$V" -n "$(ns 0)" setconf vsrlog0 "$dir/vsrlog0.conf" || fail "setconf vsrlog0"
VSRADM_CONFDIR=$dir "$V" -n "$(ns 1)" up vsrlog1 || fail "up vsrlog1"
"$V" -n "$(ns 2)" setconf vsrlog2 - < "$dir/vsrlog2.conf" || fail "setconf vsrlog2 -"
for i in 0 1 2; do
	wait_normal "$i" 60 || fail "replica $i not normal"
done
echo "ok: a 3-replica cluster up from configuration files"

# --- showconf: the file format, every key --------------------------------
showconf 0
want="# vsrlog0: vsradm setconf vsrlog0 FILE restores this configuration
replica 0
peers $P
cluster 77
$(hb 50)
$(to 600)
client-timeout 5000
retention 0	# the default, 4096
wire-version 0	# the newest the module speaks
encrypt off"
[ "$sc" = "$want" ] || fail "showconf vsrlog0: got
$sc
expected
$want"
echo "ok: showconf vsrlog0"
# setconf of it changes nothing.
printf '%s\n' "$sc" > "$dir/sc0"
"$V" -n "$(ns 0)" setconf vsrlog0 "$dir/sc0" || fail "setconf of showconf's output"
sc_before=$sc
showconf 0
[ "$sc" = "$sc_before" ] || fail "setconf of showconf's output changed vsrlog0: $sc"
echo "ok: showconf | setconf on a live instance changes nothing"

# --- tunables change live; a missing key is its default -------------------
conf 0 "$(hb 40)" "$(to 400)" "client-timeout 4000" "retention 100" "wire-version 1"
"$V" -n "$(ns 0)" setconf vsrlog0 "$dir/vsrlog0.conf" || fail "setconf new tunables"
tunables 0
[ "$tun" = "$(hb 40) $(to 400) client-timeout 4000 retention 100 wire-version 1 (set)" ] ||
	fail "tunables after setconf: $tun"
echo "ok: setconf changed the tunables live: $tun"
conf 0
"$V" -n "$(ns 0)" setconf vsrlog0 "$dir/vsrlog0.conf" || fail "setconf without tunables"
tunables 0
[ "$tun" = "heartbeat 100 timeout 1000 client-timeout 5000 retention 4096 wire-version 2" ] ||
	fail "tunables after setconf of a file without them: $tun"
echo "ok: keys left out of the file are back to their defaults: $tun"

# --- what cannot change live is refused, and nothing changes ----------------
showconf 1
sc_before=$sc
conf 1 "$(hb 70)"
sed -i "s/$(addr 2):$VSR_PORT/$(addr 2):7001/" "$dir/vsrlog1.conf" || fail sed
expect_err 'peers cannot change on a running instance' 1 \
	"$V" -n "$(ns 1)" setconf vsrlog1 "$dir/vsrlog1.conf"
showconf 1
[ "$sc" = "$sc_before" ] || fail "a refused setconf changed vsrlog1: $sc"
printf 'replica 2\npeers %s\ncluster 78\n' "$P" > "$dir/other"
expect_err 'replica, cluster cannot change' 1 "$V" -n "$(ns 1)" setconf vsrlog1 "$dir/other"
# The kernel refuses the combination: none of the tunables changes.
conf 1 "$(hb 500)" "$(to 600)"
expect_err 'at least twice the heartbeat' 1 "$V" -n "$(ns 1)" setconf vsrlog1 "$dir/vsrlog1.conf"
showconf 1
[ "$sc" = "$sc_before" ] || fail "a refused set changed vsrlog1: $sc"
echo "ok: refused changes left vsrlog1 as it was"

# --- syntax errors: one line, FILE:LINE, exit 2 ----------------------------
f=$dir/bad.conf
printf 'replica 0\npeers %s\ncolour blue\n' "$P" > "$f"
expect_err "$f:3: unknown key \"colour\"" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\n# no value\n  heartbeat   # none\npeers %s\n' "$P" > "$f"
expect_err "$f:3: \"heartbeat\" needs a value" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\npeers %s\n\ntimeout 10x0\n' "$P" > "$f"
expect_err "$f:4: invalid timeout \"10x0\"" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\npeers %s\ncluster 18446744073709551616\n' "$P" > "$f"
expect_err "$f:3: cluster 18446744073709551616 out of range" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\npeers 10.0.0.1:7000,10.0.0.2\n' > "$f"
expect_err "$f:2: invalid peer \"10.0.0.2\"" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\npeers %s\nreplica 1\n' "$P" > "$f"
expect_err "$f:3: \"replica\" given twice (first on line 1)" 2 "$V" setconf vsrlog5 "$f"
printf 'replica 0\npeers %s extra\n' "$P" > "$f"
expect_err "<stdin>:2: \"peers\" takes one value" 2 "$V" setconf vsrlog5 - < "$f"
printf 'replica 0\n' > "$f"
expect_err "$f: no \"peers\" line" 2 "$V" setconf vsrlog5 "$f"
expect_err "cannot open $dir/vsrlog5.conf" 1 env VSRADM_CONFDIR="$dir" "$V" up vsrlog5

# --- a record, then a replica re-created from showconf rejoins -------------
printf 'conf-before' > /dev/vsrlog0 || fail "write on vsrlog0"
showconf 2
printf '%s\n' "$sc" > "$dir/sc2"
sc_before=$sc
"$V" -n "$(ns 2)" down vsrlog2 || fail "down vsrlog2"
[ -e /dev/vsrlog2 ] && fail "/dev/vsrlog2 left after down"
"$V" -n "$(ns 2)" setconf vsrlog2 "$dir/sc2" || fail "setconf vsrlog2 from showconf"
showconf 2
[ "$sc" = "$sc_before" ] || fail "vsrlog2 re-created from showconf differs: $sc"
wait_normal 2 60 || fail "re-created vsrlog2 not normal"
printf 'conf-after' > /dev/vsrlog2 || fail "write on vsrlog2"
for ((s = 0; s < 50; s++)); do
	log=$("$V" -n "$(ns 2)" log vsrlog2) || fail "log vsrlog2"
	[[ $log == *$'\tconf-before'* && $log == *$'\tconf-after'* ]] && break
	sleep 0.2
done
[[ $log == *$'\tconf-before'* && $log == *$'\tconf-after'* ]] ||
	fail "records not in the log of the re-created vsrlog2: $log"
[ "$(status 2 recoveries)" -ge 1 ] || fail "re-created vsrlog2 did not recover"
echo "ok: vsrlog2 re-created from showconf rejoined through recovery, records read back"

# --- the udev rule: group vsr, mode 0660 ------------------------------------
if command -v udevadm >/dev/null; then
	mkdir -p "${udev_rule%/*}" || fail "mkdir for the udev rule"
	printf '%s\n' "$(< "$rule_src")" > "$udev_rule"
	printf '%s\nvsr:x:4242:\n' "$(< /etc/group)" > /tmp/vsr-group
	mount --bind /tmp/vsr-group /etc/group || fail "mount --bind /etc/group"
	udevadm test --action=add /sys/class/vsrlog/vsrlog1 > "$dir/udev.log" 2>&1 ||
		fail "udevadm test: $(< "$dir/udev.log")"
	perm=$(stat -c %a:%G /dev/vsrlog1)
	[ "$perm" = 660:vsr ] || fail "/dev/vsrlog1 is $perm after the udev rule, not 660:vsr"
	echo "ok: the udev rule makes /dev/vsrlog1 660, group vsr"
else
	echo "# no udevadm: udev rule not tested"
fi
