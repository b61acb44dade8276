/* cmd_test.c - `tpc test POLICY... --cases CASES...`: policy unit tests
 * without a kernel (docs/testing-policies.md).
 *
 * The policies go through the same front end and lowering as `tpc build`
 * (so what is tested is what builds); each case of each cases file is
 * evaluated by the reference semantics (eval/eval.h) and compared with its
 * expectation. Exit: 0 every case holds, 1 a case fails, 2 usage, invalid
 * policies or cases, or a construct the evaluator does not model. Failures
 * and the summary go to stdout; diagnostics (bad input) to stderr in text,
 * or into the JSON document / GitHub annotations with the other formats.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/diag.h"
#include "cli/cmd.h"
#include "cli/frontend.h"
#include "eval/cases.h"
#include "eval/eval.h"
#include "eval/krun.h"
#include "tpc_abi.h"

static const char test_usage[] =
	"usage: tpc test [options] POLICY.yaml... --cases CASES.yaml\n"
	"\n"
	"Evaluate each case (an event and the decision expected of the policies)\n"
	"with tpc's reference semantics. No root, no kernel, no clang needed.\n"
	"\n"
	"  --cases FILE       a cases file (repeatable; see docs/testing-policies.md)\n"
	"  --format text|json|github  report format (default text)\n"
	"  -v, --verbose      also list the cases that hold, with the deciding rule\n"
	"  --differential     with --kernel: ignore 'expect'; a case holds when the\n"
	"                     object decides as the evaluator (random campaigns)\n"
	"  --kernel           also run each case through the compiled object in this\n"
	"                     kernel (BPF_PROG_TEST_RUN; root and clang) and require\n"
	"                     the same decisions as the evaluator; skipped when not root\n"
	"  --target-kernel K, --btf FILE, --no-btf  the kernel the policies are checked\n"
	"                     and lowered against, as tpc validate --kernel/--btf\n"
	"                     (default: this host)\n"
	"\n"
	"Exit status: 0 every case holds, 1 a case fails, 2 usage or bad input.\n";

enum tfmt { TF_TEXT, TF_JSON, TF_GITHUB };

struct report {
	enum tfmt fmt;
	bool verbose;
	const struct srcmap *m;
	const struct ir_object *o;
	json_t *cases; /* json */
	unsigned passed, failed;
};

static void where(const struct srcmap *m, struct span sp, char *buf, size_t size)
{
	const struct srcfile *f = srcmap__file(m, sp.file);
	unsigned line = 0, col = 0;

	if (!f) {
		snprintf(buf, size, "?");
		return;
	}
	srcmap__linecol(m, sp.file, sp.start, &line, &col);
	snprintf(buf, size, "%s:%u:%u", f->name, line, col);
}

/* "block-netcat Sigkill (rule 0: selector 0 at p.yaml:7:5)" */
static void describe_decision(const struct report *rp, const struct eval_decision *dc, char *buf,
			      size_t size)
{
	char at[300];
	size_t n;

	where(rp->m, dc->rule->span, at, sizeof(at));
	n = (size_t)snprintf(buf, size, "%s", rp->o->policies.v[dc->policy].name);
	for (size_t i = 0; i < dc->nactions && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "+" : " ", dc->actions[i]);
	if (n < size) {
		if (dc->rule->selector >= 0)
			snprintf(buf + n, size - n, " (rule %d: selector %d at %s)", dc->rule->id,
				 dc->rule->selector, at);
		else
			snprintf(buf + n, size - n, " (rule %d: the hook without selectors at %s)",
				 dc->rule->id, at);
	}
}

static void report_case(struct report *rp, const struct tcase *c, const struct case_outcome *oc,
			bool ok)
{
	char at[300], dec[600];
	const struct srcfile *f = srcmap__file(rp->m, c->span.file);
	unsigned line = 0, col = 0;
	json_t *jd = NULL;

	srcmap__linecol(rp->m, c->span.file, c->span.start, &line, &col);
	where(rp->m, c->span, at, sizeof(at));
	ok ? rp->passed++ : rp->failed++;
	if (rp->fmt == TF_JSON) {
		jd = json_array();
		for (size_t i = 0; i < oc->res.n; i++) {
			const struct eval_decision *dc = &oc->res.v[i];
			json_t *acts = json_array();
			char rat[300];

			for (size_t k = 0; k < dc->nactions; k++)
				json_array_append_new(acts, json_string(dc->actions[k]));
			where(rp->m, dc->rule->span, rat, sizeof(rat));
			json_array_append_new(jd, json_pack("{s:s, s:i, s:i, s:o, s:s}", "policy",
							    rp->o->policies.v[dc->policy].name,
							    "rule", dc->rule->id, "selector",
							    dc->rule->selector, "actions", acts,
							    "at", rat));
		}
		json_array_append_new(rp->cases,
				      json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:o}", "name",
						c->name ? c->name : "", "file",
						f ? f->name : "", "line", line, "column", col,
						"result", ok ? "pass" : "fail", "why",
						ok ? "" : oc->why, "decided", jd));
		return;
	}
	if (ok && !rp->verbose)
		return;
	if (rp->fmt == TF_GITHUB) {
		if (ok)
			return;
		fputs("::error file=", stdout);
		diag__gh_escape(stdout, f ? f->name : "", true);
		printf(",line=%u,col=%u::", line, col);
		{
			char msg[2048];
			size_t n = (size_t)snprintf(msg, sizeof(msg), "case '%s' fails: %s; decided: ",
						    c->name ? c->name : "", oc->why);

			if (!oc->res.n && n < sizeof(msg))
				snprintf(msg + n, sizeof(msg) - n, "none");
			for (size_t i = 0; i < oc->res.n && n < sizeof(msg); i++) {
				describe_decision(rp, &oc->res.v[i], dec, sizeof(dec));
				n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s", i ? "; " : "", dec);
			}
			diag__gh_escape(stdout, msg, false);
		}
		fputc('\n', stdout);
		return;
	}
	printf("%s: %s %s\n", at, ok ? "ok  " : "FAIL", c->name ? c->name : "");
	if (!ok)
		printf("    %s\n", oc->why);
	if (!oc->res.n)
		printf("    decided:  none\n");
	for (size_t i = 0; i < oc->res.n; i++) {
		describe_decision(rp, &oc->res.v[i], dec, sizeof(dec));
		printf("    %s  %s\n", i ? "        " : "decided:", dec);
	}
	if (oc->kernel[0])
		printf("    kernel:   %s\n", oc->kernel);
}

/* The compiled object on case c must decide as the evaluator did (oc->res):
 * the same rules, in order, with the action flags emit.c promises for each.
 * A disagreement is written into oc->why (the case fails); -EINVAL after
 * reporting a case the kernel run cannot take. */
static int kernel_check(struct report *rp, struct arena *a, const struct srcmap *m,
			struct diag_sink *d, struct krun *kr, const struct case_file *cf,
			const struct tcase *c, struct case_outcome *oc)
{
	const struct ir_object *o = rp->o;
	struct eval_env env = { .a = a, .d = d, .m = m, .at = c->span, .resolve = cases__resolve,
				.ctx = (void *)cf };
	uint64_t scope = eval__scope_bits(o, &env, &c->proc);
	uint64_t follow = eval__follow_bits(o, &env, &c->proc);

	for (size_t pi = 0; pi < o->progs.n; pi++) {
		const struct ir_prog *p = o->progs.v[pi];
		struct eval_val *vals = arena__calloc(a, p->args.n + 1, sizeof(*vals));
		bool *have = arena__calloc(a, p->args.n + 1, sizeof(*have));
		struct krun_dec dec[KRUN_MAX_DEC];
		size_t ndec = 0, nwant = 0;
		char err[256];
		bool runs = false;
		int e;

		for (size_t si = 0; si < p->specs.n; si++)
			runs |= eval__hook_matches(p, &p->specs.v[si], c->hook, c->retv != NULL);
		if (!runs)
			continue;
		e = cases__slot_values(a, m, d, o, cf, c, p, vals, have);
		if (e == -EEXIST) {
			diag__error(d, c->name_span, "case-kernel",
				    "--kernel: two policies on hook '%s' read one argument from different positions of the case; give the arguments by label",
				    diag_quote(c->hook, strlen(c->hook)));
			return -EINVAL;
		}
		if (e)
			return -EINVAL;
		e = krun__case(kr, p, &c->proc, vals, have, scope, follow, dec, &ndec, err,
			       sizeof(err));
		if (e) {
			diag__error(d, c->name_span, "case-kernel", "--kernel: %s", err);
			return -EINVAL;
		}
		for (size_t i = 0; i < ndec; i++) {
			size_t n = strlen(oc->kernel);

			snprintf(oc->kernel + n, sizeof(oc->kernel) - n, "%sprog %d rule %d (0x%x)",
				 n ? ", " : "", p->id, dec[i].rule, dec[i].action);
		}
		if (!ndec && !oc->kernel[0])
			snprintf(oc->kernel, sizeof(oc->kernel), "no decision");
		for (size_t i = 0; i < oc->res.n; i++) {
			const struct eval_decision *dc = &oc->res.v[i];
			unsigned act;
			int ret;

			if (dc->prog != p)
				continue;
			krun__expected_flags(p, dc->rule, &act, &ret);
			if (nwant >= ndec || dec[nwant].rule != dc->rule->id ||
			    dec[nwant].action != act || dec[nwant].ret != ret) {
				snprintf(oc->why, sizeof(oc->why),
					 "the compiled object disagrees with the evaluator on prog %d (%s): "
					 "evaluator rule %d (actions 0x%x, ret %d), object %s%d (actions 0x%x, ret %d)",
					 p->id, p->key, dc->rule->id, act, ret,
					 nwant < ndec ? "rule " : "no decision ",
					 nwant < ndec ? dec[nwant].rule : 0,
					 nwant < ndec ? dec[nwant].action : 0,
					 nwant < ndec ? dec[nwant].ret : 0);
				return 0;
			}
			nwant++;
		}
		if (nwant != ndec) {
			snprintf(oc->why, sizeof(oc->why),
				 "the compiled object disagrees with the evaluator on prog %d (%s): "
				 "it also decided rule %d (actions 0x%x), the evaluator did not",
				 p->id, p->key, dec[nwant].rule, dec[nwant].action);
			return 0;
		}
	}
	return 0;
}

int do_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cases", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "btf", required_argument, NULL, 'b' },
		{ "no-btf", no_argument, NULL, 'n' },
		{ "target-kernel", required_argument, NULL, 'K' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "differential", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report rp = { .fmt = TF_TEXT };
	struct frontend_opts fo = { 0 };
	const char *knames[KTARGET_MAX + 1];
	struct ktarget ks[KTARGET_MAX];
	char **casefiles = NULL;
	int ncases = 0, nk = 0, c, ret = 2, err;
	struct arena *a = NULL;
	struct srcmap *m = NULL;
	struct diag_sink *d = NULL;
	struct frontend_out fout = { 0 };
	struct case_file *cfs = NULL;
	bool bad = false, in_kernel = false, differential = false;
	struct krun *kr = NULL;
	struct case_file links = { 0 };
	char kerr[512];

	optind = 1;
	casefiles = calloc((size_t)argc + 1, sizeof(*casefiles));
	if (!casefiles)
		return 2;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			casefiles[ncases++] = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				rp.fmt = TF_TEXT;
			else if (!strcmp(optarg, "json"))
				rp.fmt = TF_JSON;
			else if (!strcmp(optarg, "github"))
				rp.fmt = TF_GITHUB;
			else {
				fprintf(stderr, "tpc test: unknown format '%s' (text, json, github)\n",
					optarg);
				goto out;
			}
			break;
		case 'v':
			rp.verbose = true;
			break;
		case 'k':
			in_kernel = true;
			break;
		case 'D':
			differential = true;
			break;
		case 'b':
			fo.sema.btf_path = optarg;
			break;
		case 'n':
			fo.sema.no_btf = true;
			break;
		case 'K':
			if (nk >= KTARGET_MAX) {
				fprintf(stderr, "tpc test: at most %d --kernel targets\n", KTARGET_MAX);
				goto out;
			}
			knames[nk++] = optarg;
			break;
		case 'h':
			fputs(test_usage, stdout);
			ret = 0;
			goto out;
		default:
			fputs(test_usage, stderr);
			goto out;
		}
	}
	if (optind >= argc || !ncases) {
		fprintf(stderr, "tpc test: %s\n", optind >= argc ? "no policy files" : "no --cases file");
		fputs(test_usage, stderr);
		goto out;
	}
	if (nk && (fo.sema.btf_path || fo.sema.no_btf)) {
		fprintf(stderr, "tpc test: --kernel cannot be combined with --btf or --no-btf\n");
		goto out;
	}
	if (nk && ktargets__resolve(knames, nk, ks, "tpc test"))
		goto out;
	fo.kernels = ks;
	fo.nkernels = nk;
	if (differential && !in_kernel) {
		fprintf(stderr, "tpc test: --differential needs --kernel\n");
		goto out;
	}
	if (in_kernel && geteuid() != 0) {
		printf("SKIP tpc test --kernel: needs root to load BPF programs; %s\n",
		       differential ? "nothing to compare" : "the evaluator only");
		in_kernel = false;
		if (differential) {
			ret = 0;
			goto out;
		}
	}
	a = arena__new();
	m = srcmap__new();
	d = diag_sink__new(m);
	cfs = calloc((size_t)ncases, sizeof(*cfs));
	if (!a || !m || !d || !cfs)
		goto cleanup;
	err = frontend__compile(a, m, d, argv + optind, argc - optind, &fo, &fout);
	if (err) {
		bad = true;
		goto render;
	}
	/* what builds: the optimizer's set lowering keeps every leaf's values */
	ir__optimize(a, &fout.ir[0]);
	rp.m = m;
	rp.o = &fout.ir[0];
	if (rp.fmt == TF_JSON)
		rp.cases = json_array();
	for (int i = 0; i < ncases; i++)
		if (cases__load(a, m, d, casefiles[i], differential, &cfs[i]))
			bad = true;
	/* the node's links of every file (one node): the set maps hold both forms */
	for (int i = 0; i < ncases; i++)
		for (size_t k = 0; k < cfs[i].link_from.n; k++) {
			VEC_PUSH(a, links.link_from, cfs[i].link_from.v[k]);
			VEC_PUSH(a, links.link_to, cfs[i].link_to.v[k]);
		}
	if (in_kernel && !bad && krun__open(rp.o, m, cases__resolve, &links, &kr, kerr, sizeof(kerr))) {
		fprintf(stderr, "tpc test: --kernel: %s\n", kerr);
		ret = 2;
		goto cleanup;
	}
	/* a file that did not load still runs its well-formed cases */
	for (int i = 0; i < ncases; i++) {
		for (size_t k = 0; k < cfs[i].cases.n; k++) {
			struct case_outcome oc;
			int r = cases__run(a, m, d, rp.o, &cfs[i], &cfs[i].cases.v[k], &oc);

			if (r < 0) {
				bad = true; /* reported (or, c->bad, when loading) */
				continue;
			}
			if (kr && kernel_check(&rp, a, m, d, kr, &cfs[i], &cfs[i].cases.v[k], &oc) < 0)
				bad = true;
			else if (kr && oc.why[0] && r == 1)
				r = 0; /* the object disagrees with the evaluator */
			report_case(&rp, &cfs[i].cases.v[k], &oc, r == 1);
		}
	}
render:
	if (rp.fmt == TF_JSON) {
		json_t *doc = json_object();
		char *s;
		FILE *mem;
		char *dj = NULL;
		size_t dlen = 0;

		/* the diagnostics, as tpc validate --format json gives them */
		mem = open_memstream(&dj, &dlen);
		if (mem) {
			diag__render(d, DIAG_FMT_JSON, mem);
			fclose(mem);
		}
		json_object_set_new(doc, "cases", rp.cases ? rp.cases : json_array());
		rp.cases = NULL;
		json_object_set_new(doc, "passed", json_integer(rp.passed));
		json_object_set_new(doc, "failed", json_integer(rp.failed));
		json_object_set_new(doc, "errors", json_integer(diag_sink__errors(d)));
		if (dj) {
			json_t *dd = json_loads(dj, 0, NULL);

			if (dd)
				json_object_set(doc, "diagnostics",
						json_object_get(dd, "diagnostics"));
			json_decref(dd);
		}
		free(dj);
		s = json_dumps(doc, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else {
		diag__render(d, rp.fmt == TF_GITHUB ? DIAG_FMT_GITHUB : DIAG_FMT_TEXT,
			     rp.fmt == TF_GITHUB ? stdout : stderr);
		if (!bad || rp.passed || rp.failed)
			printf("%u passed, %u failed\n", rp.passed, rp.failed);
	}
	ret = bad ? 2 : rp.failed ? 1 : 0;
cleanup:
	krun__free(kr);
	json_decref(rp.cases);
	free(cfs);
	frontend_out__release(&fout);
	if (nk)
		ktargets__release(ks, nk);
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
out:
	free(casefiles);
	return ret;
}
