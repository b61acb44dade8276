/* frontend.c - see frontend.h */
#include "cli/frontend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front/yaml_policy.h"
#include "kernel/btf_info.h"

/* Read every file into the srcmap (once: all runs share the spans). */
static int load_files(struct srcmap *m, struct diag_sink *d, char **files, int nfiles,
		      uint32_t *ids)
{
	int err = 0;

	for (int i = 0; i < nfiles; i++) {
		ids[i] = srcmap__add_file(m, files[i], TPC_MAX_INPUT_BYTES);
		if (ids[i])
			continue;
		if (errno == EFBIG)
			diag__error(d, SPAN_NONE, "input-too-large", "%s: file is larger than %u bytes",
				    files[i], TPC_MAX_INPUT_BYTES);
		else
			diag__error(d, SPAN_NONE, "io", "%s: %s", files[i], strerror(errno));
		err = -EINVAL;
	}
	return err;
}

/* Parse and check the loaded files into out; lower too when ir. */
static int one_run(struct arena *a, struct srcmap *m, struct diag_sink *d, const uint32_t *ids,
		   int nfiles, const struct sema_opts *so, struct btf_info *lower_bi,
		   struct ast_bundle *out, struct ir_object *ir)
{
	int err = 0;

	for (int i = 0; i < nfiles; i++)
		if (yaml_policy__parse(a, m, d, ids[i], out))
			err = -EINVAL;
	/* Semantic checks need a structurally valid AST. */
	if (err || diag_sink__errors(d))
		return -EINVAL;
	if (sema__check(a, d, out, so) || diag_sink__errors(d))
		return -EINVAL;
	if (!ir)
		return 0;
	/* Lowering reports what the back end cannot express yet, so a policy
	 * that validates is one that builds. */
	return ir__lower(a, d, out, lower_bi, ir);
}

int frontend__run(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		  int nfiles, const struct frontend_opts *opts, struct ast_bundle *out)
{
	uint32_t *ids = arena__calloc(a, (size_t)nfiles + 1, sizeof(*ids));

	if (load_files(m, d, files, nfiles, ids))
		return -EINVAL;
	return one_run(a, m, d, ids, nfiles, &opts->sema, NULL, out, NULL);
}

/* No --kernel: --btf FILE or this machine, as sema finds it. Lowering gets
 * the same BTF; with --no-btf (or none readable) it still reads this
 * machine's, as it always did, for tracepoint layouts and prototypes. */
static int compile_one(struct arena *a, struct srcmap *m, struct diag_sink *d,
		       const uint32_t *ids, int nfiles, const struct frontend_opts *opts,
		       struct frontend_out *out)
{
	struct sema_opts so = opts->sema;
	struct btf_info *bi = so.btf;
	struct ast_bundle bundle = { 0 };
	int err = 0;

	if (!bi && !so.no_btf) {
		bi = out->bi[0] = btf_info__open(so.btf_path, so.tracefs, &err);
		so.btf = bi;
	}
	if (!bi)
		bi = out->bi[0] = btf_info__open(NULL, NULL, &err);
	return one_run(a, m, d, ids, nfiles, &so, bi, &bundle, &out->ir[0]);
}

static int compile_kernels(struct arena *a, struct srcmap *m, struct diag_sink *d,
			   const uint32_t *ids, int nfiles, const struct frontend_opts *opts,
			   struct frontend_out *out)
{
	struct diag_sink *base = diag_sink__new_like(d), *per[KTARGET_MAX] = { 0 };
	const char *labels[KTARGET_MAX];
	struct sema_opts so = opts->sema;
	struct ir_object scratch = { 0 };
	struct ast_bundle bundle = { 0 };
	unsigned before = diag_sink__errors(d);
	int n = opts->nkernels, err = 0;

	if (!base)
		return -ENOMEM;
	for (int k = 0; k < n; k++) {
		const struct ktarget *t = &opts->kernels[k];

		labels[k] = t->label;
		out->bi[k] = btf_info__open(t->btf, t->tracefs, &err);
		if (!out->bi[k] || btf_info__set_label(out->bi[k], t->label)) {
			diag__error(d, SPAN_NONE, "kernel-btf", "--kernel %s: cannot read BTF '%s': %s",
				    t->label, t->btf ? t->btf : "/sys/kernel/btf/vmlinux",
				    strerror(err ? -err : ENOMEM));
			err = -EIO;
			goto cleanup;
		}
	}
	/* The baseline: what sema reports without any kernel is not about
	 * one. Its lowering needs a kernel's layouts to get as far as the
	 * kernel runs do (else it stops at the first tracepoint field), so it
	 * borrows the first kernel's; lowering's own messages are about what
	 * tpc cannot express, and sema has already checked the names. */
	so.no_btf = true;
	so.btf = NULL;
	one_run(a, m, base, ids, nfiles, &so, out->bi[0], &bundle, &scratch);
	for (int k = 0; k < n; k++) {
		const struct ktarget *t = &opts->kernels[k];

		per[k] = diag_sink__new_like(d);
		if (!per[k]) {
			err = -ENOMEM;
			goto cleanup;
		}
		so = opts->sema;
		so.no_btf = false;
		so.btf = out->bi[k];
		/* NULL for host: sema may then accept a kprobe on a symbol of
		 * this machine's /proc/kallsyms that BTF lacks */
		so.btf_path = t->btf;
		so.tracefs = t->tracefs;
		memset(&bundle, 0, sizeof(bundle));
		one_run(a, m, per[k], ids, nfiles, &so, out->bi[k], &bundle, &out->ir[k]);
	}
	err = diag_sink__merge(d, per, labels, (size_t)n, base);
	if (!err && diag_sink__errors(d) > before)
		err = -EINVAL;
cleanup:
	for (int k = 0; k < n; k++)
		diag_sink__free(per[k]);
	diag_sink__free(base);
	return err;
}

int frontend__compile(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		      int nfiles, const struct frontend_opts *opts, struct frontend_out *out)
{
	uint32_t *ids = arena__calloc(a, (size_t)nfiles + 1, sizeof(*ids));
	int n = opts->nkernels ? opts->nkernels : 1;

	memset(out, 0, sizeof(*out));
	if (opts->nkernels > KTARGET_MAX)
		return -E2BIG;
	out->n = n;
	out->ir = arena__calloc(a, (size_t)n, sizeof(*out->ir));
	out->bi = calloc((size_t)n, sizeof(*out->bi));
	if (!out->bi)
		return -ENOMEM;
	if (load_files(m, d, files, nfiles, ids))
		return -EINVAL;
	if (!opts->nkernels)
		return compile_one(a, m, d, ids, nfiles, opts, out);
	return compile_kernels(a, m, d, ids, nfiles, opts, out);
}

void frontend_out__release(struct frontend_out *out)
{
	if (!out)
		return;
	for (int k = 0; out->bi && k < out->n; k++)
		btf_info__free(out->bi[k]);
	free(out->bi);
	out->bi = NULL;
}
