# SPDX-License-Identifier: GPL-2.0
#
# vsr: Viewstamped Replication as a Linux kernel module.
#
#   make                 build vsr_mod/vsr.ko for the running kernel (or
#                        KVER=release, or KDIR=/path/to/kernel/build) and vsradm
#   make install         vsr.ko (modules_install, depmod), vsradm, its man
#                        page and bash completion, the vsr@.service unit,
#                        the udev rule and the vsr group's sysusers.d file
#                        (DESTDIR, PREFIX=/usr, INSTALL_MOD_PATH);
#                        `make uninstall` removes them
#   make dkms-install    the module with DKMS (rebuilt for new kernels);
#                        `make install-tools` for vsradm and its docs
#   make deb             build/deb/vsr-dkms_VERSION_all.deb and
#                        vsr-tools_VERSION_ARCH.deb (DEB_OUT=dir)
#   make demo            boot a guest and show a vsr cluster at work
#   make check           everything CI runs; ends with "N passed, N failed"
#   make check-install   make install into a staging root, dkms build for
#                        the 6.1 and 6.12 headers, make deb and the
#                        packages installed and purged in an overlay root
#   make check-kunit     KUnit suites in the debug guest
#   make check-selftests selftests/ in the debug and the stock guest
#   make vm RUN='cmd' [KERNEL=debug|stock]   run a command in a guest
#   make bench           vsr against raw UDP and etcd in one guest (~15 min;
#                        BENCH_SMOKE=1: seconds per stage)
#
# Each target installs the Debian packages it needs (tools/deps.sh SET, as
# root); `make deps` installs them all.

# The kernel to build for: the running one, unless KVER (a release with
# its headers in /lib/modules/KVER/build) or KDIR (a kernel build tree) says
# otherwise.  The rig (tools/check.sh, tools/vm) picks its own tree for
# each kernel it boots and does not use these.
ifeq ($(origin KDIR),undefined)
KVER ?= $(shell uname -r)
KDIR := /lib/modules/$(KVER)/build
else
# The release the modules built there are for (their vermagic).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif
KERNEL ?= debug
RUN ?=

# The one version string (include/vsr_version.h).
VERSION := $(shell sed -n 's/^\#define VSR_RELEASE "\(.*\)"/\1/p' include/vsr_version.h)

PREFIX ?= /usr
DESTDIR ?=
INSTALL_MOD_PATH ?=
# Where modules_install puts an external module (kbuild's default).
INSTALL_MOD_DIR ?= extra
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SBINDIR ?= $(PREFIX)/sbin
# systemd's and udev's directories, from their pkg-config files where
# installed, else Debian's.
pkgvar = $(or $(shell pkg-config --variable=$(2) $(1) 2>/dev/null),$(3))
SYSTEMDUNITDIR ?= $(call pkgvar,systemd,systemdsystemunitdir,/lib/systemd/system)
SYSUSERSDIR ?= $(call pkgvar,systemd,sysusersdir,/usr/lib/sysusers.d)
UDEVRULESDIR ?= $(call pkgvar,udev,udevdir,/lib/udev)/rules.d
# Where `vsradm up NAME` reads NAME.conf (compiled into vsradm).
VSRCONFDIR := /etc/vsr

all: module vsradm

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# One line saying what is missing rather than kbuild's "No such file".
kdir-check:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		if [ "$(origin KDIR)" = file ]; then \
			echo "vsr: no headers for kernel $(KVER) in $(KDIR): apt-get install linux-headers-$(KVER) (or make KDIR=/path/to/kernel/build)" >&2; \
		else \
			echo "vsr: KDIR=$(KDIR) is not a kernel build tree (no Makefile there)" >&2; \
		fi; \
		exit 1; \
	fi
	@if [ -z "$(KVER)" ]; then \
		echo "vsr: cannot tell the kernel release of $(KDIR) (no UTS_RELEASE in include/generated/utsrelease.h): pass KVER=" >&2; \
		exit 1; \
	fi

vsradm:
	$(MAKE) -C tools/vsradm

# The man page from its one source, Documentation/vsradm.rst.
man: build/man/vsradm.8

build/man/vsradm.8: Documentation/vsradm.rst include/vsr_version.h
	@command -v rst2man >/dev/null || { \
		echo "vsr: rst2man not found (apt-get install python3-docutils)" >&2; exit 1; }
	@mkdir -p $(@D)
	rst2man --halt=warning Documentation/vsradm.rst > $@.tmp
	sed -i 's/^\.TH "VSRADM" 8 .*/.TH "VSRADM" 8 "" "vsr $(VERSION)" "System Administration"/' $@.tmp
	@grep -q '^\.TH "VSRADM" 8 "" "vsr $(VERSION)"' $@.tmp || { \
		echo "vsr: unexpected .TH line from rst2man in $@.tmp" >&2; exit 1; }
	mv $@.tmp $@

MODLIB = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)
# kbuild keeps the Kbuild subdirectory: extra/vsr_mod/vsr.ko.
MODDIR = $(MODLIB)/$(INSTALL_MOD_DIR)/vsr_mod
DEPMOD_BASE = $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH))
# A kernel built with CONFIG_MODULE_SIG_ALL signs what modules_install
# installs, with its build's key; distribution headers (Debian's) do not
# ship that key: then install unsigned instead of printing SSL errors.
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"/\1/p' $(KDIR)/.config 2>/dev/null)
NOSIGN = $(if $(filter pkcs11:%,$(SIG_KEY)),,$(if $(wildcard $(SIG_KEY) $(KDIR)/$(SIG_KEY)),,CONFIG_MODULE_SIG_ALL=))

install: install-module install-tools

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(NOSIGN) modules_install
	depmod $(DEPMOD_BASE) $(KVER)

# The unit runs the vsradm that make install puts in $(SBINDIR).
build/systemd/vsr@.service: tools/systemd/vsr@.service.in FORCE
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# Userspace only: what goes with a module DKMS builds.
install-tools: vsradm man build/systemd/vsr@.service
	install -D -m 0755 tools/vsradm/vsradm $(DESTDIR)$(SBINDIR)/vsradm
	install -D -m 0644 build/man/vsradm.8 $(DESTDIR)$(MANDIR)/man8/vsradm.8
	install -D -m 0644 tools/vsradm/vsradm.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/vsradm
	install -D -m 0644 build/systemd/vsr@.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/vsr@.service
	install -D -m 0644 tools/udev/60-vsr.rules $(DESTDIR)$(UDEVRULESDIR)/60-vsr.rules
	install -D -m 0644 tools/udev/vsr.sysusers $(DESTDIR)$(SYSUSERSDIR)/vsr.conf
	install -d -m 0755 $(DESTDIR)$(VSRCONFDIR)

uninstall:
	@if [ -z "$(KVER)" ]; then echo "vsr: pass KVER= (the kernel release to uninstall from)" >&2; exit 1; fi
	rm -f $(foreach m,vsr vsr_test,$(foreach z,.ko .ko.gz .ko.xz .ko.zst,$(MODDIR)/$(m)$(z)))
	rmdir $(MODDIR) $(MODLIB)/$(INSTALL_MOD_DIR) 2>/dev/null || true
	if [ -d $(MODLIB) ]; then depmod $(DEPMOD_BASE) $(KVER); fi
	rm -f $(DESTDIR)$(SBINDIR)/vsradm $(DESTDIR)$(MANDIR)/man8/vsradm.8 \
		$(DESTDIR)$(BASHCOMPDIR)/vsradm $(DESTDIR)$(SYSTEMDUNITDIR)/vsr@.service \
		$(DESTDIR)$(UDEVRULESDIR)/60-vsr.rules $(DESTDIR)$(SYSUSERSDIR)/vsr.conf
	# /etc/vsr stays if it holds configuration files.
	rmdir $(DESTDIR)$(VSRCONFDIR) 2>/dev/null || true

# The module's source for DKMS (dkms.conf builds it with `make module`).
DKMS_SRC ?= $(DESTDIR)/usr/src/vsr-$(VERSION)
DKMS_FILES := Makefile Kbuild dkms.conf include vsr_mod
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='*.a' --exclude='.*' \
		--exclude=modules.order --exclude=Module.symvers $(DKMS_FILES) | \
		tar -x -C $(DKMS_SRC)

# As root: register, build and install for the running kernel; DKMS
# rebuilds it for each kernel installed later.
dkms-install: dkms-source
	@command -v dkms >/dev/null || { \
		echo "vsr: dkms not found (apt-get install dkms)" >&2; exit 1; }
	dkms add vsr/$(VERSION)
	dkms install vsr/$(VERSION) -k $(KVER)

dkms-uninstall:
	dkms remove vsr/$(VERSION) --all
	rm -rf $(DKMS_SRC)

# Debian packages, for `apt install ./build/deb/*.deb` on a node: the
# module's source for DKMS (what dkms-source stages) and what install-tools
# installs, built with dpkg-deb by tools/deb/build.sh.
DEB_OUT ?= build/deb
deb: deps-deb
	tools/deb/build.sh $(DEB_OUT)

clean-module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true

clean: clean-module
	$(MAKE) -C tools/vsradm clean
	$(MAKE) -C tools/bench clean
	rm -rf build

deps:
	tools/deps.sh

# The package sets of tools/deps.sh: demo (stock-kernel guest), debug (and
# the debug kernel), test (and the build matrix, lint, YNL), bench (demo
# and etcd, Go, gnuplot), deb (make deb).
DEP_SETS := demo debug test bench deb
$(addprefix deps-,$(DEP_SETS)): deps-%:
	tools/deps.sh $*

# The module built in a private tree per kernel: build/<tag>/vsr_mod/*.ko
build-%: deps-test
	tools/check.sh build $*

vm: deps-$(if $(filter stock,$(KERNEL)),demo,debug) vsradm
	tools/check.sh vm $(KERNEL) "$(RUN)"

demo: deps-demo vsradm
	tools/check.sh demo

bench: deps-bench
	tools/bench/run.sh

check-build: deps-test
	tools/check.sh matrix

check-lint: deps-test
	tools/check.sh lint

check-install: deps-test
	tools/check.sh install
	tools/check.sh dkms
	tools/check.sh deb

check-kunit: deps-debug
	tools/check.sh kunit

check-selftests: deps-test vsradm
	tools/check.sh selftests

# The rig of separate machines: one QEMU guest per replica, on a bridge in
# a network namespace of its own, kernels 6.1 and 6.12 mixed.
vm-cluster check-rig: deps-test vsradm
	tools/check.sh rig

check: deps
	tools/check.sh all

FORCE:

# make print-VAR: the value of VAR (tools/check.sh asks for the install
# directories).
print-%:
	@echo '$($*)'

.PHONY: FORCE all module kdir-check vsradm man install install-module install-tools \
	uninstall dkms-source dkms-install dkms-uninstall deb clean-module clean deps $(addprefix deps-,$(DEP_SETS)) vm demo \
	check check-build check-lint check-install check-kunit check-selftests check-rig vm-cluster bench
