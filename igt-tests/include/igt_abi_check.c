// SPDX-License-Identifier: MIT
/*
 * Links against the installed libigt.so.0 taking the address of every
 * symbol that igt.h declares: the link fails if the library lacks one.
 * scripts/build/build-igt-tests.sh builds it before any test.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#include "igt.h"

static const void *const igt_abi_symbols[] = {
	&igt_subtest_jmpbuf,
	&igt_dynamic_jmpbuf,
	igt_subtest_init_parse_opts,
	__igt_fixture,
	__igt_fixture_complete,
	__igt_run_subtest,
	__igt_enter_dynamic_container,
	__igt_run_dynamic_subtest,
	igt_subtest_name,
	igt_success,
	igt_fail,
	igt_exit,
	igt_skip,
	__igt_skip_check,
	__igt_fail_assert,
	igt_describe_f,
	igt_log,
};

int main(void)
{
	return igt_abi_symbols[0] ? 0 : 1;
}
