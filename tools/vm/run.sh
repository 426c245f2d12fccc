#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG), load the vsr modules, run a command in the
# guest with the host's root shared read-only, stream its output and exit
# with its status.  Any BUG/WARNING/KASAN/lockdep/kmemleak report in the
# guest's kernel log fails the run (exit 124), whatever the command said.
#
# usage: run.sh -k debug|stock|6.12 [-m MODULE.ko [-p PARAMS]]... [-o OUTDIR] [-t SECS]
#               [COMMAND]
# -p gives module parameters to the -m before it.
# Without COMMAND: an interactive shell in the guest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VSR_CACHE:-$HOME/.cache/vsr}
kernel=debug
modules=()
modparams=()
outdir=
timeout=${VSR_VM_TIMEOUT:-1800}
mem=${VSR_VM_MEM:-2048}
smp=${VSR_VM_SMP:-2}

while getopts "k:m:p:o:t:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	m) modules+=("$(realpath "$OPTARG")") ;;
	p) [ ${#modules[@]} -gt 0 ] || { echo "run.sh: -p needs a -m before it" >&2; exit 2; }
	   modparams+=("VSR_PARAMS_$(basename "${modules[-1]}" .ko)=$(printf %q "$OPTARG")") ;;
	o) outdir=$OPTARG ;;
	t) timeout=$OPTARG ;;
	*) echo "usage: $0 -k debug|stock|6.12 [-m MOD.ko [-p PARAMS]]... [-o OUTDIR] [-t SECS] [COMMAND]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cmd="$*"

case $kernel in
debug)
	kdir=$("$here/build-kernel.sh")
	bzimage=$kdir/arch/x86/boot/bzImage
	kver=$(cat "$kdir/include/config/kernel.release")
	initmods=()
	;;
stock)
	kver=${VSR_STOCK_KVER:-$("$here/stock-kver.sh")}
	bzimage=/boot/vmlinuz-$kver
	initmods=(virtio_pci 9pnet_virtio 9p)
	;;
6.12)
	# Debian's own 6.12 (the build matrix's second header set).
	kver=${VSR_612_KVER:-$(ls /boot/vmlinuz-6.12.*-amd64 2>/dev/null | sort -V | tail -n1 | sed 's|^/boot/vmlinuz-||')}
	bzimage=/boot/vmlinuz-$kver
	initmods=(virtio_pci 9pnet_virtio 9p)
	;;
*)
	echo "run.sh: unknown kernel '$kernel' (debug, stock or 6.12)" >&2
	exit 2 ;;
esac
[ -r "$bzimage" ] || { echo "run.sh: no kernel image $bzimage" >&2; exit 2; }
for ko in "${modules[@]}"; do
	[ -r "$ko" ] || { echo "run.sh: no module $ko" >&2; exit 2; }
done

# The initramfs: busybox, /init, and (stock kernel) the 9p/virtio modules.
initrd=$cache/initramfs-$kver-$( (cat "$here/init" "$0"; echo "${initmods[@]}") | sha256sum | cut -c1-12).cpio.gz
if [ ! -f "$initrd" ]; then
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/modules"
	cp /bin/busybox "$tmp/bin/busybox"
	ln -s busybox "$tmp/bin/sh"
	# Module autoloading (request_module) runs /sbin/modprobe in init's
	# root: until init's switch_root, the initramfs, where this hands it
	# to the host root's modprobe; after it, the host root's own.
	mkdir -p "$tmp/sbin"
	printf '#!/bin/sh\nexec /bin/busybox chroot /root /sbin/modprobe "$@"\n' > "$tmp/sbin/modprobe"
	chmod +x "$tmp/sbin/modprobe"
	cp "$here/init" "$tmp/init"
	: > "$tmp/modules.list"
	for m in "${initmods[@]}"; do
		modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$ko" > "$tmp/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" > "$tmp/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$tmp/modules/$name" ;;
		esac
		echo "$name" >> "$tmp/modules.list"
	done
	mkdir -p "$cache"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp.$$"
	mv "$initrd.tmp.$$" "$initrd"
	rm -rf "$tmp"
fi

# The output directory is shared read-write and seen at the same path.
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d "${TMPDIR:-/tmp}/vsr-vm.XXXXXX")
fi
mkdir -p "$outdir"
outdir=$(realpath "$outdir")
# One guest per output directory at a time.
exec 8>"$outdir/.lock"
if ! flock -n 8; then
	echo "run.sh: $outdir is in use by another guest, waiting" >&2
	flock 8
fi
case $outdir$PWD in *[[:space:]]*) echo "run.sh: the output and working directories must not contain spaces" >&2; exit 2 ;; esac
rm -f "$outdir/status" "$outdir/dmesg" "$outdir/kmemleak" "$outdir/console"
cp "$here/stage2" "$outdir/stage2"
printf '%s\n' "$cmd" > "$outdir/cmd"
{
	printf 'VSR_MODULES=%q\n' "${modules[*]}"
	printf 'VSR_CWD=%q\n' "$PWD"
	printf 'VSR_KERNEL=%q\n' "$kernel"
	for p in "${modparams[@]}"; do echo "$p"; done
} > "$outdir/env"

append="console=ttyS0 panic=-1 oops=panic quiet loglevel=4 rdinit=/init vsr.out=$outdir vsr.cwd=$PWD"
# VSR_VM_APPEND: more kernel parameters (the benchmark's idle=poll).
append+=${VSR_VM_APPEND:+ $VSR_VM_APPEND}
append+=" kmemleak=on kasan.fault=report"
# Four-level paging: TCG's "max" CPU has LA57, and the debug kernel (6.12)
# took an interrupt while identify_cpu() had cleared the capabilities, so
# that KASAN saw the five-level direct map as a wild address, in about
# half of its boots (6 boots: 4 retried; with no5lvl, 8 of 8 clean).
append+=" no5lvl"
qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp "$smp" -m "$mem"
      -nographic -no-reboot -nodefaults
      -kernel "$bzimage" -initrd "$initrd" -append "$append"
      -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
      -virtfs local,path="$outdir",mount_tag=vsrout,security_model=none,multidevs=remap
      -chardev file,id=status,path="$outdir/status" -serial mon:stdio
      -device isa-serial,chardev=status)
# VSR_VM_QEMU_ARGS: more QEMU arguments, split at spaces (the benchmark's
# NIC for its flood from the host).
read -r -a extra <<< "${VSR_VM_QEMU_ARGS:-}"
qemu+=("${extra[@]}")

boot_timeout=${VSR_VM_BOOT_TIMEOUT:-180}

# Kill the guest if it has not reached /init within $boot_timeout seconds
# (an emulator hang in early boot must not eat the whole run).
watch_boot() {
	local qpid=$1 s
	for ((s = 0; s < boot_timeout; s++)); do
		sleep 1
		grep -qa VSR-BOOTED "$outdir/status" 2>/dev/null && return
		kill -0 "$qpid" 2>/dev/null || return
	done
	echo "run.sh: guest did not boot within ${boot_timeout}s" >&2
	pkill -P "$qpid" 2>/dev/null || true
	kill "$qpid" 2>/dev/null || true
}

rc=0
if [ -z "$cmd" ] && [ -t 0 ]; then
	"${qemu[@]}" || rc=$?
else
	for attempt in 1 2 3; do
		: > "$outdir/status"
		set +o pipefail
		timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null > >(
			tee "$outdir/console" |
			sed -u 's/\x1bc/\n/g; s/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' |
			grep -av --line-buffered -e '^SeaBIOS (version' -e '^Booting from ROM') 2>&1 &
		qpid=$!
		watch_boot "$qpid" &
		wpid=$!
		rc=0
		wait "$qpid" || rc=$?
		kill "$wpid" 2>/dev/null || true
		wait "$wpid" 2>/dev/null || true
		set -o pipefail
		grep -qa VSR-BOOTED "$outdir/status" && break
		if grep -qa VSR-BADBOOT "$outdir/status"; then
			echo "run.sh: the guest kernel reported a problem while booting, before vsr ran (attempt $attempt); booting again" >&2
		else
			echo "run.sh: the guest kernel failed to boot (attempt $attempt)" >&2
		fi
		cp "$outdir/console" "$outdir/console.boot-failure.$attempt" 2>/dev/null
	done
fi

# $outdir/why: one line saying why the run failed, for check.sh's summary
# (CI shows only the end of the output); a kernel log problem, found
# last, wins.
why() {
	echo "run.sh: $*" >&2
	echo "$*" | cut -c1-200 > "$outdir/why"
}
rm -f "$outdir/why"

verdict=$(sed -n 's/^VSR-EXIT \([0-9]*\).*/\1/p' "$outdir/status" 2>/dev/null | tail -n1)
if [ -z "$verdict" ]; then
	last=$(sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r//g' "$outdir/console" 2>/dev/null | grep -av '^[[:space:]]*$' | tail -n1 | cut -c1-120 || true)
	if ! grep -qa VSR-BOOTED "$outdir/status" 2>/dev/null; then
		why "the guest never booted (3 attempts; qemu exit $rc); console's last line: $last"
	elif [ "$rc" = 124 ]; then
		why "guest timed out after ${timeout}s; console's last line: $last"
	else
		why "guest died without reporting a status (qemu exit $rc); console's last line: $last"
	fi
	verdict=124
elif [ "$verdict" != 0 ]; then
	why "the command in the guest exited $verdict"
fi

# The kernel log decides too.
pattern='BUG:|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|Kernel panic|Oops|general protection fault|unreferenced object|watchdog: BUG'
bad=$(cat "$outdir/dmesg" "$outdir/console" "$outdir/kmemleak" 2>/dev/null | grep -aE "$pattern" | head -n 20 || true)
if [ -n "$bad" ]; then
	echo "run.sh: the guest kernel log shows problems:" >&2
	printf '  %s\n' "$bad" >&2
	why "kernel log: $(echo "$bad" | head -n1)"
	echo "run.sh: full logs in $outdir" >&2
	[ "$verdict" = 0 ] && verdict=124
fi
exit "$verdict"
