/* test_enforce.c - the syscall -> LSM hook table that carries out Override
 * on syscall kprobes and NotifyEnforcer's argError (compiler/base/enforce.c):
 * name forms, multi-hook entries, unknown syscalls; and every hook of the
 * table exists as a BPF LSM hook in the BTF of each Debian kernel in the
 * kernel cache ($TPC_VM_CACHE, default /work/vmcache), and every syscall
 * as a syscall there (a kernel missing from the cache is skipped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/enforce.h"
#include "kernel/btf_info.h"

static void test_names(void **st)
{
	const char *const *h;

	(void)st;
	h = syscall__lsm_hooks("linkat");
	assert_non_null(h);
	assert_string_equal(h[0], "path_link");
	assert_null(h[1]);
	assert_ptr_equal(syscall__lsm_hooks("sys_linkat"), h);
	assert_ptr_equal(syscall__lsm_hooks("__x64_sys_linkat"), h);
	assert_ptr_equal(syscall__lsm_hooks("__ia32_sys_linkat"), h);
	assert_string_equal(syscall__enforce_name("__x64_sys_linkat"), "linkat");
	h = syscall__lsm_hooks("sys_unlinkat");
	assert_string_equal(h[0], "path_unlink");
	assert_string_equal(h[1], "path_rmdir");
	assert_null(h[2]);
	/* no hook stands for dup: refused, not guessed */
	assert_null(syscall__lsm_hooks("sys_dup"));
	assert_null(syscall__lsm_hooks("link2"));
	assert_null(syscall__lsm_hooks(NULL));
	assert_null(syscall__enforce_name("dup"));
}

static void check_kernel(const char *btf)
{
	int err, n = 0;
	struct btf_info *bi = btf_info__open(btf, "/nonexistent-tracefs", &err);
	const char *sc;
	char w[128];

	assert_non_null(bi);
	for (unsigned i = 0; (sc = syscall__enforce_at(i)); i++) {
		const char *const *h = syscall__lsm_hooks(sc);

		/* fchmodat2 is 6.6+; the others are in every target */
		if (btf_info__syscall(bi, sc, w, sizeof(w))) {
			if (strcmp(sc, "fchmodat2"))
				fail_msg("%s: no syscall %s", btf, sc);
			continue;
		}
		for (; *h; h++) {
			struct btf_func_info fi;

			if (btf_info__lsm_hook(bi, *h, &fi))
				fail_msg("%s: no LSM hook %s (for %s)", btf, *h, sc);
			n++;
		}
	}
	assert_true(n > 40);
	btf_info__free(bi);
}

static void test_kernels(void **st)
{
	static const char *const k[] = { "linux-image-5.10.0-46-cloud-amd64",
					 "linux-image-6.1.0-57-cloud-amd64",
					 "linux-image-6.12.118+deb12-cloud-amd64" };
	const char *cache = getenv("TPC_VM_CACHE");
	int seen = 0;
	char p[512];

	(void)st;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		snprintf(p, sizeof(p), "%s/kernels/%s/vmlinux.btf", cache ? cache : "/work/vmcache",
			 k[i]);
		if (access(p, R_OK)) {
			fprintf(stderr, "skip %s: not in the kernel cache\n", k[i]);
			continue;
		}
		check_kernel(p);
		seen++;
	}
	if (!access("/sys/kernel/btf/vmlinux", R_OK)) {
		check_kernel("/sys/kernel/btf/vmlinux");
		seen++;
	}
	if (!seen)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_kernels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
