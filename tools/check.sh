#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vsr test driver behind `make check` and friends.
#
#   check.sh build TAG          module for TAG (stock | 6.12 | debug) in build/TAG
#   check.sh matrix             the module for all three, W=1, no warnings;
#                               vsradm, and its native tests
#   check.sh lint               checkpatch and sparse on the sources
#   check.sh install            make install/uninstall into a staging root
#                               (stock kernel): files, version, module alias
#                               and dependencies, bash completion
#   check.sh dkms               dkms.conf: dkms add and build against the
#                               stock (6.1) and the 6.12 headers
#   check.sh deb                make deb: the packages' fields and files, then
#                               apt install ./*.deb into an overlay of /
#                               (DKMS builds vsr.ko for 6.1 and 6.12) and
#                               apt purge, lintian if installed
#   check.sh native-sim         the cluster simulator natively, ASan+UBSan,
#                               VSR_SIM_SEEDS seeds (default 100000) over
#                               all n, one summary line; then native-unit
#   check.sh native-unit        the KUnit suites natively (vsr-unit) and the
#                               fuzz drivers, FUZZ_RUNS inputs (20000) each
#   check.sh kunit              KUnit suites in the debug guest
#   check.sh selftests          selftests/*.sh in the debug and the stock guest
#                               (VSR_SELFTESTS="a b" runs only those,
#                               VSR_KERNELS="stock" only that guest)
#   check.sh rig                the rig of separate machines: selftests/rig/*.sh,
#                               one QEMU guest per replica, kernels mixed
#                               (VSR_RIG_TESTS="a b" runs only those)
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
	# Natively: show's output, setconf's key comparison, key files.
	if make -s -C tools/vsradm CFLAGS="-O2 -g -Werror" check >&2; then
		record ok "vsradm: native tests (show, key files, completion)"
	else
		record fail "vsradm: native tests (show, key files, completion)"
	fi
	if make -s -B -C tools/bench CFLAGS="-O2 -g -Werror" >&2; then
		record ok "build: benchmark tools"
	else
		record fail "build: benchmark tools"
	fi
}

vsr_release() {
	sed -n 's/^#define VSR_RELEASE "\(.*\)"/\1/p' include/vsr_version.h
}

# A copy of the checkout (tracked files as they are in the work tree): the
# install and dkms steps build in it, not in the developer's tree.
stage_tree() {	# stage_tree DIR
	rm -rf "$1"
	mkdir -p "$1"
	git ls-files -z | tar -c --null -T - | tar -x -C "$1"
}

# make install into a staging root for the stock kernel, as a packager
# would; the root's lib/modules/KVER holds the kernel's own modules (by a
# symlink), so that depmod and modprobe resolve vsr's dependencies there.
do_install() {
	local out=$top/build/install kver=$stock_kver ver name
	local src=$out/src root=$out/root mods line
	ver=$(vsr_release)
	name="install: make install for $kver"
	stage_tree "$src" || { record fail "$name (staging)"; return; }
	rm -rf "$root"
	mods=$root/lib/modules/$kver
	mkdir -p "$mods"
	ln -s "/lib/modules/$kver/kernel" "$mods/kernel"
	cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$mods/"

	if ! make -s -C "$src" install KVER="$kver" INSTALL_MOD_PATH="$root" \
	     DESTDIR="$root" > "$out/install.log" 2>&1; then
		cat "$out/install.log" >&2
		record fail "$name"
		return
	fi
	local bad=0
	local unitdir rulesdir sysusersdir
	unitdir=$(make -s -C "$src" --no-print-directory print-SYSTEMDUNITDIR)
	rulesdir=$(make -s -C "$src" --no-print-directory print-UDEVRULESDIR)
	sysusersdir=$(make -s -C "$src" --no-print-directory print-SYSUSERSDIR)
	for f in usr/sbin/vsradm usr/share/man/man8/vsradm.8 \
		 usr/share/bash-completion/completions/vsradm \
		 "lib/modules/$kver/extra/vsr_mod/vsr.ko" \
		 "$unitdir/vsr@.service" "$rulesdir/60-vsr.rules" "$sysusersdir/vsr.conf"; do
		[ -s "$root/$f" ] || { log "not installed: $f"; bad=1; }
	done
	[ -d "$root/etc/vsr" ] || { log "not installed: /etc/vsr"; bad=1; }
	grep -qx 'ExecStart=/usr/sbin/vsradm up %i' "$root/$unitdir/vsr@.service" ||
		{ log "vsr@.service does not run the installed vsradm"; bad=1; }
	line=$("$root/usr/sbin/vsradm" --version)
	[ "$line" = "vsradm $ver" ] || { log "vsradm --version: $line"; bad=1; }
	line=$(modinfo -b "$root" -k "$kver" -F version vsr)
	[ "$line" = "$ver" ] || { log "installed module's version: $line"; bad=1; }
	grep -q "^\.TH \"VSRADM\" 8 .*\"vsr $ver\"" "$root/usr/share/man/man8/vsradm.8" ||
		{ log "man page has no .TH line with the version"; bad=1; }
	if [ $bad = 0 ]; then
		record ok "$name: vsr.ko, vsradm $ver, man page, completion, unit, udev rule"
	else
		record fail "$name: installed files"
	fi

	# The unit as systemd reads it, for an instance, with the staged vsradm
	# and man page (nothing is installed on this machine); systemd-analyze
	# verify warns of bad lines and carries on: any output fails.
	if command -v systemd-analyze >/dev/null; then
		local vdir=$out/verify
		rm -rf "$vdir"
		mkdir -p "$vdir"
		sed "s|/usr/sbin/vsradm|$root/usr/sbin/vsradm|" "$root/$unitdir/vsr@.service" \
			> "$vdir/vsr@vsrlog0.service"
		line=$(MANPATH=$root/usr/share/man systemd-analyze verify \
			"$vdir/vsr@vsrlog0.service" 2>&1)
		if [ $? = 0 ] && [ -z "$line" ]; then
			record ok "install: systemd-analyze verify vsr@.service"
		else
			echo "$line" >&2
			record fail "install: systemd-analyze verify vsr@.service"
		fi
	else
		log "no systemd-analyze: vsr@.service not verified"
	fi

	# What the genl family lookup asks modprobe for loads vsr and what it
	# needs (udp_tunnel, ip6_udp_tunnel, libcrc32c), vsr last.
	line=$(modprobe -d "$root" -S "$kver" --show-depends \
		net-pf-16-proto-16-family-vsr 2>&1)
	echo "$line" >&2
	if [[ $line == *"/udp_tunnel.ko"* && $line == *"/ip6_udp_tunnel.ko"* &&
	      $line == *"/libcrc32c.ko"* ]] &&
	   [[ $(tail -n1 <<< "$line") == "insmod $mods/extra/vsr_mod/vsr.ko"* ]]; then
		record ok "install: the genl family alias loads vsr.ko and its dependencies"
	else
		record fail "install: the genl family alias loads vsr.ko and its dependencies"
	fi

	if tools/vsradm/completion-test.sh \
	   "$root/usr/share/bash-completion/completions/vsradm" >&2; then
		record ok "install: bash completion (commands, instances, keywords)"
	else
		record fail "install: bash completion (commands, instances, keywords)"
	fi

	# Without headers: one line naming the package.
	line=$(make -s -C "$src" module KVER=0.0.0-none 2>&1 | grep -v '^make')
	if [ "$(wc -l <<< "$line")" -eq 1 ] &&
	   [[ $line == *"apt-get install linux-headers-0.0.0-none"* ]]; then
		record ok "install: make without kernel headers names the package"
	else
		echo "$line" >&2
		record fail "install: make without kernel headers names the package"
	fi

	local left
	make -s -C "$src" uninstall KVER="$kver" INSTALL_MOD_PATH="$root" \
		DESTDIR="$root" >> "$out/install.log" 2>&1
	left=$(cd "$root" && find . -type f ! -path "./lib/modules/$kver/modules.*")
	if [ -z "$left" ] && ! [ -e "$mods/extra" ]; then
		record ok "install: make uninstall removes what make install put there"
	else
		echo "$left" >&2
		record fail "install: make uninstall removes what make install put there"
	fi
}

# DKMS, as a kernel upgrade runs it: dkms.conf's MAKE line against each
# kernel's headers, from the source tree `make dkms-source` stages.  DKMS
# signs the module with a MOK key it generates if missing: as root, the
# build runs in a mount namespace where framework.conf points at a key in
# build/dkms rather than /var/lib/dkms.
do_dkms() {
	local out=$top/build/dkms ver tag kver kdir ko line
	ver=$(vsr_release)
	if ! command -v dkms >/dev/null; then
		record fail "dkms: dkms is not installed (tools/deps.sh test)"
		return
	fi
	rm -rf "$out"
	mkdir -p "$out/tree" "$out/mok"
	if ! make -s dkms-source DKMS_SRC="$out/src/vsr-$ver" >&2; then
		record fail "dkms: make dkms-source"
		return
	fi
	cat > "$out/framework.conf" <<-EOF
	mok_signing_key=$out/mok/mok.key
	mok_certificate=$out/mok/mok.pub
	EOF
	local dkms=(dkms --dkmstree "$out/tree" --sourcetree "$out/src")
	# Where no mount namespace can be made private (a chroot whose root
	# is not a mount point), DKMS is told of no signing tool instead: it
	# then neither signs nor makes a key.
	run_dkms() {
		if [ "$(id -u)" = 0 ] && [ -f /etc/dkms/framework.conf ] &&
		   unshare -m --propagation private true 2>/dev/null; then
			unshare -m --propagation private sh -c \
				'mount --bind "$0" /etc/dkms/framework.conf && exec "$@"' \
				"$out/framework.conf" "${dkms[@]}" "$@"
		else
			sign_file=/nonexistent "${dkms[@]}" "$@"
		fi
	}
	if ! run_dkms add -m vsr -v "$ver" >&2; then
		record fail "dkms: dkms add vsr/$ver (dkms.conf's PACKAGE_VERSION)"
		return
	fi
	for tag in stock 6.12; do
		kdir=$(kdir_of "$tag")
		kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
			"$kdir/include/generated/utsrelease.h" 2>/dev/null)
		if [ -z "$kver" ]; then
			record fail "dkms: build for $tag: no headers ($kdir)"
			continue
		fi
		if ! run_dkms build -m vsr -v "$ver" -k "$kver" > "$out/build-$tag.log" 2>&1; then
			cat "$out/build-$tag.log" \
				"$out/tree/vsr/$ver/$kver/x86_64/log/make.log" >&2 2>/dev/null
			record fail "dkms: dkms build vsr/$ver for $kver"
			continue
		fi
		ko=$(ls "$out/tree/vsr/$ver/$kver"/*/module/vsr.ko* 2>/dev/null | head -n1)
		line="$(modinfo -F version "$ko" 2>/dev/null) $(modinfo -F vermagic "$ko" 2>/dev/null)"
		if [ -n "$ko" ] && [[ $line == "$ver $kver "* ]]; then
			record ok "dkms: dkms build vsr/$ver for $kver"
		else
			log "built module ${ko:-missing}: version and vermagic '$line'"
			record fail "dkms: dkms build vsr/$ver for $kver"
		fi
	done
}

kver_of() {	# kver_of TAG: the release of TAG's headers
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$(kdir_of "$1")/include/generated/utsrelease.h" 2>/dev/null
}

# make deb in a copy of the checkout, the packages' control fields and
# files, then installed as a node would install them: tools/deb/
# install-test.sh runs `apt-get install ./*.deb` and `apt-get purge` in
# an overlay of this machine's root, in a mount namespace of its own, so
# that dpkg, DKMS and depmod change nothing here.
do_deb() {
	local out=$top/build/deb-check ver arch pkgs dkms_deb tools_deb f line bad kvers=()
	ver=$(vsr_release)
	arch=$(dpkg --print-architecture)
	stage_tree "$out/src" || { record fail "deb: make deb (staging)"; return; }
	if ! make -s -C "$out/src" deb DEB_OUT="$out/pkg" > "$out/build.log" 2>&1; then
		cat "$out/build.log" >&2
		record fail "deb: make deb"
		return
	fi
	dkms_deb=$out/pkg/vsr-dkms_${ver}_all.deb
	tools_deb=$out/pkg/vsr-tools_${ver}_${arch}.deb
	pkgs=$(cd "$out/pkg" && ls ./*.deb | tr '\n' ' ')
	if [ "$pkgs" = "./${dkms_deb##*/} ./${tools_deb##*/} " ]; then
		record ok "deb: make deb builds ${dkms_deb##*/} and ${tools_deb##*/}"
	else
		record fail "deb: make deb builds ${dkms_deb##*/} and ${tools_deb##*/} (got: $pkgs)"
		return
	fi

	# Fields, maintainer scripts and files (dpkg-deb -f/-I/-c).
	bad=0
	line=$(dpkg-deb -f "$dkms_deb" Package Version Architecture Depends | tr '\n' ' ')
	[ "$line" = "Package: vsr-dkms Version: $ver Architecture: all Depends: dkms " ] ||
		{ log "vsr-dkms control: $line"; bad=1; }
	line=$(dpkg-deb -f "$tools_deb" Package Version Architecture | tr '\n' ' ')
	[ "$line" = "Package: vsr-tools Version: $ver Architecture: $arch " ] ||
		{ log "vsr-tools control: $line"; bad=1; }
	[[ $(dpkg-deb -f "$tools_deb" Depends) == *libmnl0* ]] ||
		{ log "vsr-tools does not depend on libmnl0"; bad=1; }
	dpkg-deb -I "$dkms_deb" postinst | grep -q "^[^#]*/usr/lib/dkms/common.postinst vsr $ver " ||
		{ log "vsr-dkms's postinst does not run common.postinst for vsr $ver"; bad=1; }
	dpkg-deb -I "$dkms_deb" prerm | grep -q "^[^#]*dkms remove -m vsr -v $ver --all" ||
		{ log "vsr-dkms's prerm does not run dkms remove"; bad=1; }
	dpkg-deb -I "$tools_deb" postinst | grep -q "^[^#]*systemd-sysusers vsr.conf" ||
		{ log "vsr-tools's postinst does not create the group"; bad=1; }
	line=$(dpkg-deb -c "$dkms_deb" | awk '{print $6}')
	for f in dkms.conf Makefile Kbuild include/vsr_version.h include/uapi/linux/vsr.h \
		 vsr_mod/Kbuild vsr_mod/main.c; do
		grep -qx "./usr/src/vsr-$ver/$f" <<< "$line" ||
			{ log "vsr-dkms lacks /usr/src/vsr-$ver/$f"; bad=1; }
	done
	if grep -v -e "^\./usr/src/vsr-$ver/" -e '^\./usr/share/doc/vsr-dkms/' \
		-e '^\./$' -e '^\./usr/$' -e '^\./usr/src/$' -e '^\./usr/share/\(doc/\)\?$' \
		<<< "$line" >&2 || grep -E '\.(o|ko|cmd)$' <<< "$line" >&2; then
		log "vsr-dkms holds more than the module's source"; bad=1
	fi
	line=$(dpkg-deb -c "$tools_deb" | awk '{print $6}')
	for f in usr/sbin/vsradm usr/share/man/man8/vsradm.8.gz \
		 usr/share/bash-completion/completions/vsradm lib/systemd/system/vsr@.service \
		 lib/udev/rules.d/60-vsr.rules usr/lib/sysusers.d/vsr.conf etc/vsr/ \
		 usr/share/doc/vsr-tools/copyright; do
		grep -qx "./$f" <<< "$line" || { log "vsr-tools lacks /$f"; bad=1; }
	done
	if [ $bad = 0 ]; then
		record ok "deb: control fields, maintainer scripts, vsr-dkms the module's source, vsr-tools the installed files"
	else
		record fail "deb: control fields, maintainer scripts and files"
	fi

	if command -v lintian >/dev/null; then
		if lintian --fail-on error,warning "$dkms_deb" "$tools_deb" >&2; then
			record ok "deb: lintian (no errors, no warnings)"
		else
			record fail "deb: lintian (no errors, no warnings)"
		fi
	else
		log "no lintian: the packages not linted"
	fi

	if [ "$(id -u)" != 0 ]; then
		record fail "deb: apt install in an overlay of / needs root"
		return
	fi
	for f in stock 6.12; do
		line=$(kver_of "$f")
		[ -n "$line" ] && kvers+=("$line") ||
			record fail "deb: no $f headers for DKMS to build against"
	done
	# The install runs in a mount namespace whose mounts cannot reach
	# this machine's (tools/mountns.sh).
	local mountns_prop mountns_scratch work
	. tools/mountns.sh
	if ! mountns_setup; then
		record fail "deb: an isolated mount namespace for the install"
		return
	fi
	work=$(mktemp -d "$mountns_scratch/vsr-deb.XXXXXX")
	bad=0
	while read -r line; do
		case $line in
		"ok "*) record ok "${line#ok }" ;;
		"not ok "*) record fail "${line#not ok }"; bad=1 ;;
		esac
	done < <(unshare -m --propagation "$mountns_prop" tools/deb/install-test.sh \
		"$work" "$ver" "${kvers[@]}" -- "$dkms_deb" "$tools_deb" 2> "$out/install.log")
	if [ $bad != 0 ]; then
		grep -a '^install-test: ' "$out/install.log" >&2
		log "the whole log: $out/install.log"
	fi
	rm -rf "$work"
}

c_sources() {
	git ls-files 'vsr_mod/*.[ch]' 'include/*.h' 'tools/vsradm/*.[ch]' \
		'tools/lib/*.[ch]' 'tools/bench/*.[ch]' 2>/dev/null
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
	if [ -z "$files" ]; then
		log "no C sources found (git ls-files)"
		record fail "lint: checkpatch clean"
	elif [ $bad = 0 ]; then
		record ok "lint: checkpatch clean ($(echo $files | wc -w) files)"
	else
		record fail "lint: checkpatch clean"
	fi

	if VSR_LINUX_SRC=$src tools/ynl-regen.sh --check >&2; then
		record ok "lint: generated netlink code matches the YNL spec"
	else
		record fail "lint: generated netlink code matches the YNL spec"
	fi

	# The documentation parses (docutils, as rst2man for the man page).
	bad=0
	for f in Documentation/*.rst; do
		rst2html --halt=warning "$f" > /dev/null || bad=1
	done
	if [ $bad = 0 ]; then
		record ok "lint: Documentation/*.rst parse without warnings"
	else
		record fail "lint: Documentation/*.rst parse without warnings"
	fi

	# The guest's /init hands over with switch_root, so that the
	# selftests can create user namespaces: run in namespaces here.
	if tools/vm/init-check.sh >&2; then
		record ok "lint: the guest init's switch_root hand-over"
	else
		record fail "lint: the guest init's switch_root hand-over"
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
	do_native_unit
}

# The KUnit suites natively (vsr-unit, with the auth suite), and the two
# fuzz harnesses' fixed-iteration drivers (the decoders; the authenticated
# receive path): gcc with ASan and UBSan, FUZZ_RUNS inputs each.
do_native_unit() {
	local out=$top/build/native-sim runs=${FUZZ_RUNS:-20000} line h rc
	mkdir -p "$out"
	if ! make -s -C tools/sim vsr-unit fuzz-decode-run fuzz-auth-run >&2; then
		record fail "native-unit: build"
		return
	fi
	tools/sim/vsr-unit > "$out/unit.log" 2> "$out/unit.err"
	rc=$?
	line=$(tail -n1 "$out/unit.log")
	if [ $rc = 0 ] && [[ $line == "# "*" tests, 0 failed" ]]; then
		record ok "native-unit: vsr-unit, ${line#\# }"
	else
		grep -E '^not ok|FAIL' "$out/unit.log" "$out/unit.err" | head -n 20 >&2
		record fail "native-unit: vsr-unit ($line)"
	fi
	for h in decode auth; do
		if tools/sim/fuzz-$h-run "$runs" > "$out/fuzz-$h.log" 2>&1; then
			record ok "native-unit: fuzz-$h-run, $runs inputs"
		else
			tail -n 20 "$out/fuzz-$h.log" >&2
			record fail "native-unit: fuzz-$h-run, $runs inputs (log in $out)"
		fi
	done
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
	# The simulator's seeds take most of the guest's time (4,000 took
	# 390 of 550 s): 1,000 here, since native-sim runs 100,000 of the
	# same code.  KUNIT_PARAMS="" runs the module's defaults.
	local params=() p=${KUNIT_PARAMS-sim_seeds=1000}
	[ -n "$p" ] && params=(-p "$p")
	"$vm/run.sh" -k debug -o "$out" -m build/debug/vsr_mod/vsr.ko \
		-m build/debug/vsr_mod/vsr_test.ko "${params[@]}" \
		'for d in /sys/kernel/debug/kunit/*/; do cp "$d/results" "$VSR_OUT/suite-$(basename "$d").ktap"; done' \
		>&2
	rc=$?
	python3 "$vm/ktap.py" "$src/tools/testing/kunit/kunit.py" "$out" "$results"
	if [ $rc -eq 0 ]; then
		record ok "kunit: debug guest kernel log clean"
	else
		record fail "kunit: debug guest kernel log clean (exit $rc: $(cat "$out/why" 2>/dev/null); logs in $out)"
	fi
}

# Every selftests/*.sh in one guest of KERNEL, as TAP (the module is
# built).
selftests_guest() {
	local kernel=$1 out rc
	out=$top/build/selftests-$kernel
	# KASAN and lockdep under TCG are slow: fewer records there,
	# and timeouts four times as long (VSR_SLOW, see
	# selftests/lib/cluster.sh).
	# The whole run may take up to 45 min there (about 26 now).
	local scale=100 slow=1 limit=1800
	[ "$kernel" = debug ] && scale=${VSR_DEBUG_SCALE:-20} slow=4 limit=2700
	rm -rf "$out"
	mkdir -p "$out"
	local start=$SECONDS
	VSR_KO=$top/build/$kernel/vsr_mod/vsr.ko "$vm/run.sh" -k "$kernel" -o "$out" -t "$limit" \
		"VSR_KO=$top/build/$kernel/vsr_mod/vsr.ko VSRADM=$top/tools/vsradm/vsradm \
		 VSR_SELFTESTS='${VSR_SELFTESTS:-}' VSR_SCALE=$scale VSR_SLOW=$slow \
		 VSR_KERNEL=$kernel selftests/run.sh" >&2
	rc=$?
	if [ -f "$out/tap" ]; then
		sed -n "s/^\(ok\|not ok\) [0-9]* \(.*\)/\1 selftests\/$kernel: \2/p" "$out/tap" >> "$results"
		grep -E '^(ok|not ok)' "$out/tap" | sed 's/^/check: /' >&2
	fi
	log "selftests/$kernel: the guest ran $((SECONDS - start)) s"
	if [ $rc -eq 0 ]; then
		record ok "selftests/$kernel: guest kernel log clean"
	else
		record fail "selftests/$kernel: guest kernel log clean (exit $rc: $(cat "$out/why" 2>/dev/null); logs in $out)"
	fi
}

# Every selftests/*.sh, in one guest per kernel, one after the other.
# (Side by side, on two cores, the debug guest ran 60 % slower and grow
# timed out: the guests are busy, not waiting.)
do_selftests() {
	local kernel src
	# Run alone (tools/check.sh selftests), nothing built vsradm yet.
	if ! make -s -C tools/vsradm CFLAGS="-O2 -g -Werror" >&2; then
		record fail "selftests: build vsradm"
		return
	fi
	# The guests cannot see the kernel source cache: stage the ynl CLI.
	src=$(linux_src) && VSR_LINUX_SRC=$src tools/ynl-regen.sh --stage build/ynl >&2
	for kernel in ${VSR_KERNELS:-debug stock}; do
		if build_module "$kernel" >/dev/null 2>&1; then
			selftests_guest "$kernel"
		else
			record fail "selftests/$kernel: build module"
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

# The rig of separate machines (tools/vm/rig.sh): each test boots its own
# guests, one replica each, of Debian's 6.1 and 6.12 kernels.
do_rig() {
	local out=$top/build/rig tag line
	if ! make -s -C tools/vsradm CFLAGS="-O2 -g -Werror" >&2; then
		record fail "rig: build vsradm"
		return
	fi
	for tag in stock 6.12; do
		build_module "$tag" >/dev/null 2>&1 || { record fail "rig: build vsr.ko for $tag"; return; }
	done
	# shellcheck disable=SC2086
	"$vm/cluster.sh" -o "$out" ${VSR_RIG_TESTS:-} > "$out.tap" 2>&1
	sed 's/^/check: /' "$out.tap" >&2
	while read -r line; do
		case $line in
		"ok "*) record ok "${line#ok [0-9]* }" ;;
		"not ok "*) record fail "${line#not ok [0-9]* }" ;;
		esac
	done < "$out.tap"
	grep -qE '^(ok|not ok) ' "$out.tap" || record fail "rig: no test ran (see $out.tap)"
}

# timed STEP...: run do_STEP for each, noting how long it took.
stage_times=
timed() {
	local step start
	for step in "$@"; do
		start=$SECONDS
		"do_$step"
		stage_times+=" $step $((SECONDS - start))s"
	done
}

summary() {
	local passed failed
	passed=$(grep -c '^ok ' "$results" 2>/dev/null)
	failed=$(grep -c '^not ok ' "$results" 2>/dev/null)
	[ -n "$stage_times" ] && echo "Times:$stage_times"
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
matrix|lint|install|dkms|deb|kunit|selftests|rig)
	rm -f "$results"
	"do_$1"
	summary ;;
native-sim)
	rm -f "$results"
	do_native_sim
	summary ;;
native-unit)
	rm -f "$results"
	do_native_unit
	summary ;;
all)
	rm -f "$results"
	timed matrix lint install dkms deb native_sim kunit selftests rig bench_smoke
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
