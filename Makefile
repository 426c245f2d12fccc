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
# Each target installs the Debian packages it needs (tools/deps.sh SET, as
# root); `make deps` installs them all.

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

# The package sets of tools/deps.sh: demo (stock-kernel guest), debug (and
# the debug kernel), test (and the build matrix, lint, YNL), bench (demo
# and etcd, Go, gnuplot).
DEP_SETS := demo debug test bench
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

check-kunit: deps-debug
	tools/check.sh kunit

check-selftests: deps-test vsradm
	tools/check.sh selftests

check: deps
	tools/check.sh all

.PHONY: all module vsradm clean deps $(addprefix deps-,$(DEP_SETS)) vm demo \
	check check-build check-lint check-kunit check-selftests bench
