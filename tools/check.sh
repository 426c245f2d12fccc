#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vsr test driver behind `make check` and friends.
#
#   check.sh build TAG          module for TAG (stock | 6.12 | debug) in build/TAG
#   check.sh matrix             the module for all three, W=1, no warnings
#   check.sh lint               checkpatch and sparse on the sources
#   check.sh native-sim         the cluster simulator natively, ASan+UBSan,
#                               VSR_SIM_SEEDS seeds (default 100000) over
#                               all n, one summary line
#   check.sh kunit              KUnit suites in the debug guest
#   check.sh selftests          selftests/*.sh in the debug and the stock guest
#                               (VSR_SELFTESTS="a b" runs only those,
#                               VSR_KERNELS="stock" only that guest)
#   check.sh all                all of the above, then "N passed, N failed"
#   check.sh vm KERNEL CMD      run CMD (or a shell) in a guest with vsr.ko loaded
#   check.sh bench-smoke        every stage of `make bench`, seconds each
#   check.sh demo               the main job: a vsr cluster in a guest
#
# Every check appends "ok NAME" or "not ok NAME" to build/results; the
# summary counts them.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
vm=$top/tools/vm
results=$top/build/results
stock_kver=${VSR_STOCK_KVER:-$("$vm/stock-kver.sh")}
src612=$(ls -d /lib/modules/6.12.*-amd64/build 2>/dev/null | sort -V | tail -n1)

log() { echo "check: $*" >&2; }

record() {	# record ok|fail NAME
	mkdir -p "$(dirname "$results")"
	if [ "$1" = ok ]; then
		echo "ok $2" >> "$results"
		log "ok $2"
	else
		echo "not ok $2" >> "$results"
		log "FAILED $2"
	fi
}

linux_src() {	# the unpacked linux-source-6.12 tree used by the debug kernel
	"$vm/build-kernel.sh" >/dev/null || return 1
	ls -d "${VSR_CACHE:-$HOME/.cache/vsr}"/src/linux-source-6.12-*/ | sort -V | tail -n1
}

kdir_of() {
	case $1 in
	stock) echo "/lib/modules/$stock_kver/build" ;;
	6.12) echo "$src612" ;;
	debug) "$vm/build-kernel.sh" ;;
	*) return 1 ;;
	esac
}

# Build the module for one kernel in build/TAG, W=1; warnings fail.
build_module() {
	local tag=$1 kdir out
	kdir=$(kdir_of "$tag") || { log "no kernel tree for $tag"; return 1; }
	[ -d "$kdir" ] || { log "no kernel tree for $tag ($kdir)"; return 1; }
	out=$top/build/$tag
	mkdir -p "$out"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
		--exclude='*.mod*' --exclude='.*' \
		Kbuild vsr_mod include "$out/" || return 1
	# Keep objects across runs (rsync excludes them), drop stale ones.
	make -s -C "$kdir" M="$out" W=1 modules > "$out/build.log" 2>&1
	local rc=$?
	cat "$out/build.log" >&2
	if [ $rc -ne 0 ]; then
		log "build for $tag failed"
		return 1
	fi
	if grep -v 'Skipping BTF generation' "$out/build.log" | grep -q 'warning:'; then
		log "build for $tag has warnings"
		return 1
	fi
	return 0
}

do_matrix() {
	local tag
	for tag in stock 6.12 debug; do
		if build_module "$tag"; then
			record ok "build: vsr.ko for $tag kernel, W=1 clean"
		else
			record fail "build: vsr.ko for $tag kernel, W=1 clean"
		fi
	done
	if make -s -C tools/vsradm CFLAGS="-O2 -g -Werror" >&2; then
		record ok "build: vsradm"
	else
		record fail "build: vsradm"
	fi
	if make -s -B -C tools/bench CFLAGS="-O2 -g -Werror" >&2; then
		record ok "build: benchmark tools"
	else
		record fail "build: benchmark tools"
	fi
}

c_sources() {
	git ls-files 'vsr_mod/*.[ch]' 'include/*.h' 'tools/vsradm/*.[ch]' \
		'tools/bench/*.[ch]' 2>/dev/null
}

do_lint() {
	local src files bad=0 f out
	src=$(linux_src) || { record fail "lint: checkpatch"; return; }
	files=$(c_sources)
	for f in $files; do
		local ignore=SPDX_LICENSE_TAG,FILE_PATH_CHANGES
		# The compat header exists to test kernel versions.
		[ "$f" = vsr_mod/compat.h ] && ignore+=,LINUX_VERSION_CODE,CONSTANT_COMPARISON
		out=$(perl "$src/scripts/checkpatch.pl" --no-tree --quiet --show-types \
			--ignore "$ignore" -f "$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out" >&2
			bad=1
		fi
	done
	if [ $bad = 0 ]; then
		record ok "lint: checkpatch clean ($(echo $files | wc -w) files)"
	else
		record fail "lint: checkpatch clean"
	fi

	if VSR_LINUX_SRC=$src tools/ynl-regen.sh --check >&2; then
		record ok "lint: generated netlink code matches the YNL spec"
	else
		record fail "lint: generated netlink code matches the YNL spec"
	fi

	# sparse: rebuild the stock tree with C=2.
	local out_dir=$top/build/stock
	if build_module stock >/dev/null 2>&1 &&
	   make -s -C "$(kdir_of stock)" M="$out_dir" C=2 W=1 modules > "$out_dir/sparse.log" 2>&1 &&
	   ! grep -E 'warning:|error:' "$out_dir/sparse.log" | grep -v 'Skipping BTF' | grep -q .; then
		record ok "lint: sparse clean"
	else
		cat "$out_dir/sparse.log" >&2
		record fail "lint: sparse clean"
	fi
}

# The simulator built natively with ASan and UBSan: random n, swarm faults
# and the targeted schedules, 100 fault ticks a seed (about 7 ms of CPU a
# seed sanitized: 100,000 seeds take about 6 minutes on two idle cores).
do_native_sim() {
	local seeds=${VSR_SIM_SEEDS:-100000} out=$top/build/native-sim line rc
	mkdir -p "$out"
	if ! make -s -C tools/sim vsr-sim >&2; then
		record fail "native-sim: build (gcc with libasan and libubsan)"
		return
	fi
	tools/sim/vsr-sim --seeds "$seeds" --jobs 2 --ticks 100 \
		> "$out/sim.log" 2> "$out/sim.err"
	rc=$?
	grep -E 'VIOLATION|CRASH|ERROR' "$out/sim.log" "$out/sim.err" | head -n 20 >&2
	line=$(grep '^vsr_sim: seeds=' "$out/sim.log" | tail -n1)
	echo "$line" >&2
	local n v
	n=$(sed -n 's/.*seeds=\([0-9]*\).*/\1/p' <<< "$line")
	v=$(sed -n 's/.*violations=\([0-9]*\).*/\1/p' <<< "$line")
	if [ $rc -eq 0 ] && [ "${n:-0}" -eq "$seeds" ] && [ "${v:-1}" -eq 0 ]; then
		record ok "native-sim: $n seeds, 0 violations"
	else
		record fail "native-sim: ${n:-0} seeds, ${v:-?} violations (exit $rc, logs in $out)"
	fi
}

# KUnit in the debug guest: load vsr.ko and vsr_test.ko, collect every
# suite's results from debugfs, parse them with the kernel's kunit.py.
do_kunit() {
	local out=$top/build/kunit src rc
	if ! build_module debug; then
		record fail "kunit: build test module"
		return
	fi
	src=$(linux_src)
	rm -rf "$out"
	mkdir -p "$out"
	local params=()
	[ -n "${KUNIT_PARAMS:-}" ] && params=(-p "$KUNIT_PARAMS")
	"$vm/run.sh" -k debug -o "$out" -m build/debug/vsr_mod/vsr.ko \
		-m build/debug/vsr_mod/vsr_test.ko "${params[@]}" \
		'for d in /sys/kernel/debug/kunit/*/; do cp "$d/results" "$VSR_OUT/suite-$(basename "$d").ktap"; done' \
		>&2
	rc=$?
	python3 "$vm/ktap.py" "$src/tools/testing/kunit/kunit.py" "$out" "$results"
	if [ $rc -eq 0 ]; then
		record ok "kunit: debug guest kernel log clean"
	else
		record fail "kunit: debug guest kernel log clean (exit $rc, logs in $out)"
	fi
}

# Every selftests/*.sh, in one guest per kernel, as TAP.
do_selftests() {
	local kernel out rc src
	# The guests cannot see the kernel source cache: stage the ynl CLI.
	src=$(linux_src) && VSR_LINUX_SRC=$src tools/ynl-regen.sh --stage build/ynl >&2
	for kernel in ${VSR_KERNELS:-debug stock}; do
		local tag=$kernel
		if ! build_module "$tag" >/dev/null 2>&1; then
			record fail "selftests/$kernel: build module"
			continue
		fi
		out=$top/build/selftests-$kernel
		# KASAN and lockdep under TCG are slow: fewer records there.
		local scale=100
		[ "$kernel" = debug ] && scale=${VSR_DEBUG_SCALE:-20}
		rm -rf "$out"
		mkdir -p "$out"
		VSR_KO=$top/build/$tag/vsr_mod/vsr.ko "$vm/run.sh" -k "$kernel" -o "$out" \
			"VSR_KO=$top/build/$tag/vsr_mod/vsr.ko VSRADM=$top/tools/vsradm/vsradm \
			 VSR_SELFTESTS='${VSR_SELFTESTS:-}' VSR_SCALE=$scale selftests/run.sh" >&2
		rc=$?
		if [ -f "$out/tap" ]; then
			sed -n "s/^\(ok\|not ok\) [0-9]* \(.*\)/\1 selftests\/$kernel: \2/p" "$out/tap" >> "$results"
			grep -E '^(ok|not ok)' "$out/tap" | sed 's/^/check: /' >&2
		fi
		if [ $rc -eq 0 ]; then
			record ok "selftests/$kernel: guest kernel log clean"
		else
			record fail "selftests/$kernel: guest exit $rc or kernel log problems (logs in $out)"
		fi
	done
}

# The benchmark's smoke run: every stage for about a second, in one guest;
# report.py --check fails it on a missing stage, a zero or an error.  The
# bars are not checked here (a smoke run measures nothing).
do_bench_smoke() {
	local out=$top/build/bench/smoke
	if BENCH_SMOKE=1 BENCH_RESULTS=$out tools/bench/run.sh >&2; then
		record ok "bench: smoke run of every stage, report written"
	else
		record fail "bench: smoke run (logs in $out)"
	fi
}

summary() {
	local passed failed
	passed=$(grep -c '^ok ' "$results" 2>/dev/null)
	failed=$(grep -c '^not ok ' "$results" 2>/dev/null)
	if [ "${failed:-0}" -gt 0 ]; then
		echo "Failed:"
		grep '^not ok ' "$results" | sed 's/^not ok /  /'
	fi
	echo "${passed:-0} passed, ${failed:-0} failed"
	[ "${failed:-0}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
}

case ${1:-} in
build)
	build_module "$2" ;;
matrix|lint|kunit|selftests)
	rm -f "$results"
	"do_$1"
	summary ;;
native-sim)
	rm -f "$results"
	do_native_sim
	summary ;;
all)
	rm -f "$results"
	do_matrix
	do_lint
	do_native_sim
	do_kunit
	do_selftests
	do_bench_smoke
	summary ;;
bench-smoke)
	do_bench_smoke
	summary ;;
vm)
	kernel=${2:-debug}
	build_module "$kernel" >/dev/null || exit 1
	mods=(-m "build/$kernel/vsr_mod/vsr.ko")
	exec "$vm/run.sh" -k "$kernel" "${mods[@]}" "${3:-}" ;;
demo)
	build_module stock >/dev/null || exit 1
	exec "$vm/run.sh" -k stock -t 900 \
		"VSR_KO=$top/build/stock/vsr_mod/vsr.ko VSRADM=$top/tools/vsradm/vsradm INTERACTIVE=${INTERACTIVE:-} tools/demo.sh" ;;
*)
	sed -n 's/^#   //p' "$0" >&2
	exit 2 ;;
esac
