# SPDX-License-Identifier: GPL-2.0
#
# vsr: Viewstamped Replication as a Linux kernel module.
#
#   make                 build vsr_mod/vsr.ko (against KDIR) and vsradm
#   make demo            boot a guest and show a vsr cluster at work
#   make check           everything CI runs; ends with "N passed, N failed"
#   make check-kunit     KUnit suites in the debug guest
#   make check-selftests selftests/ in the debug and the stock guest
#   make vm RUN='cmd' [KERNEL=debug|stock]   run a command in a guest
#   make bench           vsr against raw UDP and etcd in one guest (~15 min;
#                        BENCH_SMOKE=1: seconds per stage)
#
# Packages are installed by `make deps` (run by check, demo and vm as root).

STOCK_KVER ?= $(shell tools/vm/stock-kver.sh 2>/dev/null || uname -r)
KDIR ?= /lib/modules/$(STOCK_KVER)/build
KERNEL ?= debug
RUN ?=

all: module vsradm

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

vsradm:
	$(MAKE) -C tools/vsradm

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools/vsradm clean
	$(MAKE) -C tools/bench clean
	rm -rf build

deps:
	tools/deps.sh

# The module built in a private tree per kernel: build/<tag>/vsr_mod/*.ko
build-%: deps
	tools/check.sh build $*

vm: deps vsradm
	tools/check.sh vm $(KERNEL) "$(RUN)"

demo: deps vsradm
	tools/check.sh demo

bench: deps
	tools/bench/run.sh

check-build: deps
	tools/check.sh matrix

check-lint: deps
	tools/check.sh lint

check-kunit: deps
	tools/check.sh kunit

check-selftests: deps vsradm
	tools/check.sh selftests

check: deps
	tools/check.sh all

.PHONY: all module vsradm clean deps vm demo check check-build check-lint \
	check-kunit check-selftests bench
