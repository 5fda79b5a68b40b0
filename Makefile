# SPDX-License-Identifier: GPL-2.0-only
#
# drm_userptr: developer commands. The kernel-side objects are listed in
# Kbuild; this Makefile drives the test kernel, the VM and the checks.
#
# make run     the benchmark: invalidation latency on 8 simulated GPUs,
#              two-pass vs single-pass vs legacy (FULL=1: every benchmark,
#              16 GPUs, several latencies, more repetitions; REPS=N sets
#              the repetitions)
# make check   everything: setup, builds, lint, all suites in the VM
# make fuzz    the multi-process ioctl fuzzer in the VM for DURATION
#              seconds (default 600; SEED=N for another seed)
# make stress  the IGT stress load in the VM for DURATION seconds
#              (default 600)
# make lint    checkpatch --strict, sparse (C=2) and W=1 -Werror
# make kernel  build the test kernel (cached outside the clone)
# make adoption-kernel  build the adoption kernel: the test kernel plus the
#              real drivers converted to drm_userptr (xe) and their KUnit
# make docs    render Documentation/gpu/drm-userptr/ (and the kernel-doc
#              it pulls from the sources) with the kernel's Sphinx setup
#              into results/docs/
# make differential  the real drivers' KUnit suites on the stock and the
#              converted drivers, side by side (scripts/check/differential.sh)
# make shell   a shell in the test VM
# make setup   install the host packages (Debian archive only)

SCRIPTS := $(CURDIR)/scripts

DURATION ?= 600

.PHONY: run check fuzz stress lint kernel adoption-kernel differential tests docs shell setup help

run:
	@$(SCRIPTS)/bench/run-bench.sh $(if $(FULL),--full) $(if $(REPS),--reps $(REPS))

check:
	@$(SCRIPTS)/check/check.sh

fuzz:
	@$(SCRIPTS)/check/soak.sh fuzz $(DURATION) $(SEED)

stress:
	@$(SCRIPTS)/check/soak.sh stress $(DURATION)

lint: kernel adoption-kernel
	@$(SCRIPTS)/check/lint.sh

kernel:
	@$(SCRIPTS)/build/build-kernel.sh >/dev/null

adoption-kernel:
	@KERNEL_FLAVOUR=adoption $(SCRIPTS)/build/build-kernel.sh >/dev/null

docs: kernel
	@$(SCRIPTS)/build/build-docs.sh

tests: kernel
	@$(SCRIPTS)/build/build-tests.sh

differential:
	@$(SCRIPTS)/check/differential.sh

shell: tests
	@$(SCRIPTS)/vm/run-vm.sh --interactive

setup:
	@$(SCRIPTS)/build/setup-host.sh

help:
	@sed -n 's/^# make /make /p' Makefile
