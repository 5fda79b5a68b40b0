# SPDX-License-Identifier: GPL-2.0
# The test suites every run must produce, read by the guest runner and the
# host summary alike: a suite that is missing from a run is a failure.

# KUnit suites built into the test kernel; they run at boot.
KUNIT_BUILTIN_SUITES="mmu_interval_notifier_two_pass drm_userptr simgpu"

# KUnit suites of the real drivers' userptr code, built into the adoption
# kernel (KERNEL_FLAVOUR=adoption) and run at its boot.
# The glob matches them and not drm_userptr, which ran on the test kernel.
KUNIT_ADOPTION_SUITES="xe_userptr amdgpu_userptr amdkfd_userptr_eviction"
KUNIT_ADOPTION_GLOB="[ax]*_userptr*"

# Built-in suites with fault-injection cases, of the test kernel and of the
# adoption kernel: run again after boot with GFP_KERNEL failures allowed
# (the results of that run are the ones kept).
KUNIT_FAULT_INJECTION_SUITES="drm_userptr"
KUNIT_ADOPTION_FAULT_INJECTION_SUITES="xe_userptr"

# Suites whose run must fire every tracepoint of the trace system of the
# same name (checked on the fault-injection run).
KUNIT_TRACED_SUITES="drm_userptr"

