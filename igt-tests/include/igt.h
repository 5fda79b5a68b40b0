/* SPDX-License-Identifier: MIT */
/*
 * The subset of IGT's core API (igt_core.h of igt-gpu-tools 1.27.1) that the
 * simgpu tests use, declared for building them against Debian's
 * intel-gpu-tools package, which ships libigt.so.0 but no headers.
 *
 * Inside an IGT tree the real "igt.h" is found first and this file is not
 * used. scripts/build/build-igt-tests.sh checks that the installed library is
 * 1.27.1 and that it defines every symbol declared here (igt_abi_check.c).
 * Keep the two in step: a declaration added here goes there too.
 *
 * Copyright © 2026 The drm_userptr authors
 */
#ifndef SIMGPU_IGT_SUBSET_H
#define SIMGPU_IGT_SUBSET_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

/* Exit codes of a test binary. */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98

/*
 * igt_core.h defines these, so the tests must not: a second definition
 * warns in an IGT tree. They are ints there, as here.
 */
#define MSEC_PER_SEC (1000)
#define USEC_PER_SEC (1000 * MSEC_PER_SEC)
#define NSEC_PER_SEC (1000 * USEC_PER_SEC)

#ifndef __noreturn
#define __noreturn	__attribute__((__noreturn__))
#endif
#ifndef __printf
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#endif

struct option;
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);
const char *igt_subtest_name(void);
void igt_success(void);
__noreturn void igt_fail(int exitcode);
__noreturn void igt_exit(void);
__noreturn __printf(1, 2) void igt_skip(const char *f, ...);
__noreturn __printf(5, 6)
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
__noreturn __printf(6, 7)
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);
__printf(1, 2) void igt_describe_f(const char *fmt, ...);
__printf(3, 4)
void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...);

/* Local names, so that each expansion has loop variables of its own. */
#define __igt_cat2(a, b)	a ## b
#define __igt_cat(a, b)		__igt_cat2(a, b)
#define __igt_local(name)	__igt_cat(__igt_cat(__igt_local_, name), __LINE__)

#define igt_main_args(short_opts, long_opts, help_str, handler, data)	\
	int main(int argc, char **argv);				\
	static void __igt_local(main)(void);				\
	int main(int argc, char **argv)					\
	{								\
		igt_subtest_init_parse_opts(&argc, argv, short_opts,	\
					    long_opts, help_str,	\
					    handler, data);		\
		__igt_local(main)();					\
		igt_exit();						\
	}								\
	static void __igt_local(main)(void)

#define igt_main igt_main_args(NULL, NULL, NULL, NULL, NULL)

#define igt_fixture							\
	for (volatile int __igt_local(once) = 0;			\
	     __igt_local(once) < 1 && __igt_fixture() &&		\
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0;			\
	     __igt_local(once)++, __igt_fixture_complete())

#define igt_subtest(name)						\
	for (; __igt_run_subtest((name), __FILE__, __LINE__) &&	\
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0;			\
	     igt_success())

#define igt_subtest_with_dynamic(name)					\
	for (; __igt_run_subtest((name), __FILE__, __LINE__) &&	\
	       __igt_enter_dynamic_container() &&			\
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0;			\
	     igt_success())

#define igt_dynamic(name)						\
	for (; __igt_run_dynamic_subtest((name)) &&			\
	       sigsetjmp(igt_dynamic_jmpbuf, 1) == 0;			\
	     igt_success())

#define igt_dynamic_f(...)						\
	for (char __igt_local(name)[256];				\
	     snprintf(__igt_local(name), sizeof(__igt_local(name)),	\
		      __VA_ARGS__),					\
	     __igt_run_dynamic_subtest(__igt_local(name)) &&		\
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0;			\
	     igt_success())

#define igt_describe(dsc)	igt_describe_f("%s", dsc)

#define igt_info(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, __VA_ARGS__)
#define igt_debug(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, __VA_ARGS__)

#define igt_assert(expr)						\
	do {								\
		if (!(expr))						\
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__,	\
					  __LINE__, __func__, #expr,	\
					  NULL);			\
	} while (0)

#define igt_assert_f(expr, ...)					\
	do {								\
		if (!(expr))						\
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__,	\
					  __LINE__, __func__, #expr,	\
					  __VA_ARGS__);			\
	} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2)				\
	do {								\
		int __n1 = (n1), __n2 = (n2);				\
		if (!(__n1 cmp __n2))					\
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__,	\
					  __LINE__, __func__,		\
					  #n1 " " #cmp " " #n2,		\
					  "error: %d " #ncmp " %d\n",	\
					  __n1, __n2);			\
	} while (0)

#define igt_assert_cmpu64(n1, cmp, ncmp, n2)				\
	do {								\
		unsigned long long __n1 = (n1), __n2 = (n2);		\
		if (!(__n1 cmp __n2))					\
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__,	\
					  __LINE__, __func__,		\
					  #n1 " " #cmp " " #n2,		\
					  "error: %#llx " #ncmp " %#llx\n", \
					  __n1, __n2);			\
	} while (0)

#define igt_assert_eq(n1, n2)		igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2)		igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lte(n1, n2)		igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_lt(n1, n2)		igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_eq_u64(n1, n2)	igt_assert_cmpu64(n1, ==, !=, n2)

#define igt_require(expr)						\
	do {								\
		if (!(expr))						\
			__igt_skip_check(__FILE__, __LINE__, __func__,	\
					 #expr, NULL);			\
	} while (0)

#define igt_require_f(expr, ...)					\
	do {								\
		if (!(expr))						\
			__igt_skip_check(__FILE__, __LINE__, __func__,	\
					 #expr, __VA_ARGS__);		\
	} while (0)

#endif /* SIMGPU_IGT_SUBSET_H */
