/* ctl_compile.h - one policy compiled by the tpc binary.
 *
 * Contract: ctl_compile__run() writes the policy's source (ctl_render.h,
 * CTL_RENDER_SOURCE) to a private temporary directory as RELPATH (a name
 * that reads well in diagnostics: "tracingpolicy/NAME.yaml"), runs
 * `tpc build --format text [--sign KEY] RELPATH -o OUT` there with a
 * timeout (tpc and whatever it started, clang, are one process group,
 * killed together), and returns the object's bytes with their sha256, or tpc's
 * diagnostics (file:line:col, source line and caret; the lines are those
 * `kubectl get -o yaml` shows) when the policy does not compile.
 *
 * Why the binary and not the compiler linked in: the object is then the
 * very bytes `tpc build` makes (the same code path, flags and signing);
 * a compiler crash, leak or hang on one hostile policy ends one child
 * process (killed at the timeout), not the controller that serves every
 * other policy; the controller links no clang driver, BTF or libbpf.  The
 * cost, one fork and exec per compilation, is small next to clang's
 * hundreds of milliseconds.
 *
 * Returns 0 with res filled (res->ok says which outcome), or -errno when tpc
 * could not be run at all (res->diag says why).  ctl_build__fini() is
 * NULL-safe.
 */
#ifndef TPC_CTL_COMPILE_H
#define TPC_CTL_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

struct ctl_compile_cfg {
	const char *tpc;      /* the tpc binary */
	const char *sign_key; /* secret key file, or NULL: unsigned */
	const char *tmpdir;   /* where the private directory goes */
	unsigned timeout_s;
	const char *const *extra; /* more tpc build arguments (NULL-terminated), or NULL */
	/* set when the controller stops: the build is killed (-ECANCELED) */
	const volatile int *cancel;
};

struct ctl_build {
	bool ok;
	unsigned char *obj; /* malloc'd */
	size_t len;
	char sha256[65];
	char *diag; /* malloc'd diagnostics, or why tpc failed */
	double ms;  /* wall time of the build */
};

int ctl_compile__run(const struct ctl_compile_cfg *cfg, const char *relpath, const char *src,
		     size_t srclen, struct ctl_build *res);
void ctl_build__fini(struct ctl_build *res);

/* lower-case hex sha256 of buf */
void ctl_sha256_hex(const unsigned char *buf, size_t len, char out[65]);

#endif
