# SPDX-License-Identifier: GPL-2.0
#
# The rig of separate machines: N QEMU guests, one replica each, as the
# project is deployed (one node per machine).  Source it from bash.
#
# Guest i has its own NIC, a tap on a bridge in a network namespace that
# the rig creates (nothing leaves it), address 10.78.0.(i+1)/24 on eth0,
# its own virtio disk (a sparse file on the host, /dev/vda in the guest;
# with RIG_DISKS=2 a second one, /dev/vdb),
# and boots the kernel it is given: stock (Debian's 6.1), 6.12 (Debian's)
# or debug, so that one cluster can mix them.  In the guest, stage2 loads
# vsr.ko built for that kernel and runs tools/vm/agent.sh, which runs the
# commands the host gives it (rig_run, rig_spawn) in the repository, as
# root, until the host halts it.
#
#   rig_init N DIR           the namespace, bridge, taps and disks
#   rig_boot I KERNEL        boot guest I and wait for its agent (or
#                            rig_start, then rig_wait_ready: in parallel)
#   rig_run I CMD            run CMD (sh) in guest I; its output, its status
#   rig_spawn I NAME CMD     start CMD in the background in guest I, its
#                            output in $(rig_dir I)/NAME.out
#   rig_kill I               power guest I off at once (kill -9 of QEMU)
#   rig_halt I               stop guest I cleanly; fails if it was unclean
#   rig_cleanup              kill every guest, delete the namespace
#
# Every guest's kernel log is checked as run.sh checks it, also for a guest
# that was killed (what its console showed until then).

RIG_VM=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_TOP=$(cd "$RIG_VM/../.." && pwd)
RIG_NSPID=
RIG_N=0
RIG_DIR=
RIG_PORT=7000
RIG_DISK_MB=${RIG_DISK_MB:-256}
declare -a RIG_PID RIG_KERNEL

rig_addr() { echo "10.78.0.$(($1 + 1))"; }
rig_dir() { echo "$RIG_DIR/node$1"; }

# rig_peers N: the member list of an N-replica cluster on guests 0..N-1.
rig_peers() {
	local i list=
	for ((i = 0; i < $1; i++)); do
		list+="${list:+,}$(rig_addr "$i"):$RIG_PORT"
	done
	echo "$list"
}

rig_log() { echo "# rig: $*"; }

# rig_ns CMD: run CMD in the rig's network namespace.
rig_ns() { nsenter -t "$RIG_NSPID" -n "$@"; }

rig_init() {
	local n=$1 i
	RIG_N=$n
	RIG_DIR=$(realpath -m "$2")
	# The namespace is held by a process of its own rather than named
	# with ip netns, which needs a mount namespace it can make a slave
	# of / (not in a chroot, for one).
	unshare --net sleep 1000000 &
	RIG_NSPID=$!
	# Nothing may go into ours: wait until it is in a namespace of its own.
	for ((i = 0; i < 100; i++)); do
		[ "$(readlink "/proc/$RIG_NSPID/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] &&
			[ "$(cat "/proc/$RIG_NSPID/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	[ $i -lt 100 ] || { echo "rig: unshare --net failed" >&2; kill "$RIG_NSPID" 2>/dev/null; RIG_NSPID=; return 1; }
	{
		echo "link set lo up"
		echo "link add br0 type bridge"
		echo "link set br0 up"
		for ((i = 0; i < n; i++)); do
			echo "tuntap add tap$i mode tap"
			echo "link set tap$i master br0 up"
		done
	} | rig_ns ip -b - || return 1
	for ((i = 0; i < n; i++)); do
		mkdir -p "$(rig_dir "$i")"
		rm -f "$(rig_dir "$i")/disk.img"
		truncate -s "${RIG_DISK_MB}M" "$(rig_dir "$i")/disk.img"
		rm -f "$(rig_dir "$i")/disk2.img"
		[ "${RIG_DISKS:-1}" -lt 2 ] ||
			truncate -s "${RIG_DISK_MB}M" "$(rig_dir "$i")/disk2.img"
		RIG_PID[i]=
	done
}

# rig_start I KERNEL: boot guest I (again, after rig_kill or rig_halt:
# with the same disk); rig_wait_ready I: wait until its agent answers.
# rig_boot I KERNEL: both.
rig_start() {
	local i=$1 kernel=$2 d mac disks
	d=$(rig_dir "$i")
	[ -r "$RIG_TOP/build/$kernel/vsr_mod/vsr.ko" ] ||
		{ echo "rig: no build/$kernel/vsr_mod/vsr.ko (tools/check.sh build $kernel)" >&2; return 1; }
	[ -z "${RIG_PID[i]}" ] || { echo "rig: guest $i is running" >&2; return 1; }
	# What an earlier boot left.
	[ -f "$d/console" ] && mv "$d/console" "$d/console.$(date +%s%N)"
	rm -rf "$d/req" "$d/halt" "$d/agent.ready"
	mkdir -p "$d/req"
	echo 0 > "$d/req/.seq"
	RIG_KERNEL[i]=$kernel
	mac=$(printf '52:54:00:78:00:%02x' "$((i + 1))")
	disks="-drive file=$d/disk.img,if=virtio,format=raw,cache=writeback"
	[ ! -f "$d/disk2.img" ] ||
		disks+=" -drive file=$d/disk2.img,if=virtio,format=raw,cache=writeback"
	(
		cd "$RIG_TOP" &&
		VSR_VM_SMP=${RIG_SMP:-1} VSR_VM_MEM=${RIG_MEM:-1024} \
		VSR_VM_QEMU_ARGS="-netdev tap,id=n0,ifname=tap$i,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=$mac,romfile= $disks" \
		exec nsenter -t "$RIG_NSPID" -n "$RIG_VM/run.sh" -k "$kernel" -o "$d" \
			-t "${RIG_TIMEOUT:-3600}" -m "build/$kernel/vsr_mod/vsr.ko" \
			"sh tools/vm/agent.sh $(rig_addr "$i")/24"
	) > "$d/run.log" 2>&1 &
	RIG_PID[i]=$!
}

rig_wait_ready() {
	local i=$1 d end
	d=$(rig_dir "$i")
	end=$((SECONDS + ${RIG_BOOT_SECS:-300}))
	until [ -f "$d/agent.ready" ]; do
		if [ -z "${RIG_PID[i]}" ] || ! kill -0 "${RIG_PID[i]}" 2>/dev/null; then
			echo "rig: guest $i (${RIG_KERNEL[i]}) died while booting:" >&2
			tail -n 20 "$d/run.log" >&2
			RIG_PID[i]=
			return 1
		fi
		[ $SECONDS -lt $end ] || { echo "rig: guest $i did not boot" >&2; return 1; }
		sleep 0.2
	done
	rig_log "guest $i up: $(cat "$d/agent.ready")"
}

rig_boot() {
	rig_start "$@" && rig_wait_ready "$1"
}

# rig_boot_all KERNEL...: boot guest I with the I-th KERNEL, all at once,
# and wait until every one answers; names the guest that did not.
rig_boot_all() {
	local i k=("$@")
	for ((i = 0; i < ${#k[@]}; i++)); do
		rig_start "$i" "${k[i]}" || { echo "rig: boot guest $i" >&2; return 1; }
	done
	for ((i = 0; i < ${#k[@]}; i++)); do
		rig_wait_ready "$i" || { echo "rig: boot guest $i" >&2; return 1; }
	done
}

# rig_request I SCRIPT: hand SCRIPT to guest I's agent; prints its number.
# The count lives in a file: rig_run often runs in a subshell (a pipe, a
# command substitution).
rig_request() {
	local i=$1 d n
	d=$(rig_dir "$i")
	n=$(cat "$d/req/.seq")
	echo $((n + 1)) > "$d/req/.seq"
	printf '%s\n' "$2" > "$d/req/.$n"
	mv "$d/req/.$n" "$d/req/$n"
	echo "$n"
}

# rig_run I CMD: run CMD in guest I, print its output, return its status
# (125 if the guest is gone or does not answer within $RIG_RUN_SECS).
rig_run() {
	local i=$1 d n end
	shift
	d=$(rig_dir "$i")
	[ -n "${RIG_PID[i]}" ] || { echo "rig: guest $i is not running" >&2; return 125; }
	n=$(rig_request "$i" "$*")
	end=$((SECONDS + ${RIG_RUN_SECS:-600}))
	until [ -f "$d/req/$n.rc" ]; do
		if ! kill -0 "${RIG_PID[i]}" 2>/dev/null || [ $SECONDS -ge $end ]; then
			echo "rig: guest $i did not finish: $*" >&2
			cat "$d/req/$n.out" 2>/dev/null
			# A guest kernel that hung or oopsed said so on its console.
			echo "rig: guest $i's console, its last lines:" >&2
			sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' "$d/console" 2>/dev/null |
				grep -av '^[[:space:]]*$' | tail -n 15 | sed 's/^/rig:   /' >&2
			return 125
		fi
		sleep 0.1
	done
	cat "$d/req/$n.out"
	return "$(cat "$d/req/$n.rc")"
}

# rig_spawn I NAME CMD: start CMD in guest I, in the background; its
# stdout in $(rig_dir I)/NAME.out, stderr in NAME.err, its exit status in
# NAME.rc when it ends.
rig_spawn() {
	local i=$1 name=$2 d
	shift 2
	d=$(rig_dir "$i")
	rm -f "$d/$name.out" "$d/$name.err" "$d/$name.rc" "$d/.$name.rc"
	# The status is written aside and renamed: the host polls over 9p and
	# must never read a file that exists but is still empty.
	rig_run "$i" "( $*; echo \$? > $d/.$name.rc; mv $d/.$name.rc $d/$name.rc ) > $d/$name.out 2> $d/$name.err < /dev/null &" >/dev/null
}

# rig_spawn_wait I NAME [SECS]: wait for a spawned command; its status.
rig_spawn_wait() {
	local d end rc
	d=$(rig_dir "$1")
	end=$((SECONDS + ${3:-600}))
	until [ -f "$d/$2.rc" ]; do
		[ $SECONDS -lt $end ] || { echo "rig: $2 on guest $1 did not end" >&2; return 125; }
		sleep 0.2
	done
	rc=$(cat "$d/$2.rc")
	case $rc in
	'' | *[!0-9]*) echo "rig: $2 on guest $1 left a bad status '$rc'" >&2; return 125 ;;
	esac
	return "$rc"
}

# rig_kill I: guest I loses power: its QEMU is killed at once.
rig_kill() {
	local i=$1 d
	d=$(rig_dir "$i")
	pkill -9 -f "vsr\\.out=$d " || true
	wait "${RIG_PID[i]}" 2>/dev/null
	RIG_PID[i]=
	rig_log "guest $i killed"
	# What its kernel said until then must be clean too.
	if grep -q "the guest kernel log shows problems" "$d/run.log"; then
		echo "rig: guest $i's kernel log shows problems (in $d)" >&2
		grep -A20 "the guest kernel log shows problems" "$d/run.log" >&2
		return 1
	fi
}

# rig_halt I: the agent exits, stage2 unloads vsr.ko and checks the
# kernel log, the guest powers off; run.sh's verdict is the status.
rig_halt() {
	local i=$1 d rc=0
	d=$(rig_dir "$i")
	[ -n "${RIG_PID[i]}" ] || return 0
	touch "$d/halt"
	wait "${RIG_PID[i]}" || rc=$?
	RIG_PID[i]=
	if [ $rc -ne 0 ]; then
		echo "rig: guest $i (${RIG_KERNEL[i]}) ended with $rc:" >&2
		tail -n 20 "$d/run.log" >&2
	fi
	return $rc
}

rig_cleanup() {
	local i
	for ((i = 0; i < RIG_N; i++)); do
		[ -n "${RIG_PID[i]}" ] || continue
		# run.sh first, so that it starts no QEMU after the pkill.
		kill -9 "${RIG_PID[i]}" 2>/dev/null
		pkill -9 -f "vsr\\.out=$(rig_dir "$i") " 2>/dev/null
		wait "${RIG_PID[i]}" 2>/dev/null
		RIG_PID[i]=
	done
	# The namespace goes with its last process.
	[ -n "$RIG_NSPID" ] && kill "$RIG_NSPID" 2>/dev/null && wait "$RIG_NSPID" 2>/dev/null
	RIG_NSPID=
	true
}
