/* main.c - the `tpc` command line: subcommand dispatch and options.
 * Exit codes: 0 success, 1 invalid input (diagnostics printed),
 * 2 usage or internal error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "cli/cmd.h"
#include "base/diag.h"
#include "cli/frontend.h"
#include "ir/ir.h"

static int do_help(int argc, char **argv);

static int do_version(int argc, char **argv)
{
	printf("tpc %s\n", TPC_VERSION);
	return 0;
}

static const char validate_usage[] =
	"usage: tpc validate [options] FILE...\n"
	"\n"
	"Check TracingPolicy files and report every problem.\n"
	"\n"
	"  --format text|json|sarif|github  diagnostic format (default text)\n"
	"  --kernel K         check against kernel K: 5.10, 6.1, 6.12 (Debian cloud\n"
	"                     kernels, fetched into the kernel cache), a Debian version\n"
	"                     or package, 'host', or a BTF file; repeatable: problems\n"
	"                     only some kernels have are tagged [K, ...]\n"
	"  --btf FILE         kernel BTF to check names against\n"
	"                     (default /sys/kernel/btf/vmlinux)\n"
	"  --no-btf           skip checks that need kernel BTF\n"
	"  --namespace NS     namespace of a TracingPolicyNamespaced without\n"
	"                     metadata.namespace (default: 'default', as kubectl)\n"
	"  -W error, --Werror treat warnings as errors\n"
	"  --max-errors N     stop storing errors after N (default 100)\n"
	"\n"
	"Exit status: 0 valid, 1 invalid, 2 usage or internal error.\n";

static int do_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "btf", required_argument, NULL, 'b' },
		{ "no-btf", no_argument, NULL, 'n' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "kernel", required_argument, NULL, 'K' },
		{ "Werror", no_argument, NULL, 'E' },
		{ "max-errors", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum diag_format fmt = DIAG_FMT_TEXT;
	struct frontend_opts fo = { 0 };
	bool werror = false;
	unsigned max_errors = 100;
	struct arena *a = NULL;
	struct srcmap *m = NULL;
	struct diag_sink *d = NULL;
	struct frontend_out fout = { 0 };
	const char *knames[KTARGET_MAX + 1];
	struct ktarget ks[KTARGET_MAX];
	int c, err, ret = 2, nk = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "W:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (diag_format__parse(optarg, &fmt)) {
				fprintf(stderr, "tpc validate: unknown format '%s'\n", optarg);
				return 2;
			}
			break;
		case 'b':
			fo.sema.btf_path = optarg;
			break;
		case 'n':
			fo.sema.no_btf = true;
			break;
		case 'N':
			fo.sema.namespace_ = optarg;
			break;
		case 'K':
			if (nk > KTARGET_MAX) {
				fprintf(stderr, "tpc validate: at most %d --kernel targets\n",
					KTARGET_MAX);
				return 2;
			}
			knames[nk++] = optarg;
			break;
		case 'E':
			werror = true;
			break;
		case 'W':
			if (strcmp(optarg, "error")) {
				fprintf(stderr, "tpc validate: unknown -W%s\n", optarg);
				return 2;
			}
			werror = true;
			break;
		case 'm':
			max_errors = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			fputs(validate_usage, stdout);
			return 0;
		default:
			fputs(validate_usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(validate_usage, stderr);
		return 2;
	}
	if (nk && (fo.sema.btf_path || fo.sema.no_btf)) {
		fprintf(stderr, "tpc validate: --kernel cannot be combined with --btf or --no-btf\n");
		return 2;
	}
	if (nk && ktargets__resolve(knames, nk, ks, "tpc validate"))
		return 2;
	fo.kernels = ks;
	fo.nkernels = nk;
	a = arena__new();
	m = srcmap__new();
	d = diag_sink__new(m);
	if (!m || !d)
		goto cleanup;
	diag_sink__set_werror(d, werror);
	diag_sink__set_max_errors(d, max_errors);
	/* parse, check and lower (per --kernel target): lowering reports what
	 * the back end cannot express yet, so a policy that validates builds */
	err = frontend__compile(a, m, d, argv + optind, argc - optind, &fo, &fout);
	/* machine formats go to stdout (they are the product), text to stderr */
	diag__render(d, fmt, fmt == DIAG_FMT_TEXT ? stderr : stdout);
	ret = !err ? 0 : err == -EINVAL ? 1 : 2;
cleanup:
	frontend_out__release(&fout);
	ktargets__release(ks, nk);
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
	return ret;
}

static const struct cmd commands[] = {
	{ "validate", do_validate, "check policies and report problems" },
	{ "build", do_build, "compile policies into a BPF object" },
	{ "test", do_test, "evaluate policies on cases (events and expected decisions), no kernel" },
	{ "explain", do_explain, "show what a policy or object compiles to" },
	{ "verify", do_verify, "load objects in real kernels (qemu), report the verifier's verdicts" },
	{ "keygen", do_keygen, "create an ed25519 key pair for signing objects" },
	{ "verify-signature", do_verify_signature, "check objects' signatures (for CI)" },
	{ "version", do_version, "print the version" },
	{ "help", do_help, "this help" },
	{ 0 },
};

static int do_help(int argc, char **argv)
{
	printf("usage: tpc COMMAND [options] ...\n\ncommands:\n");
	for (const struct cmd *c = commands; c->name; c++)
		printf("  %-17s %s\n", c->name, c->help);
	printf("\nRun 'tpc COMMAND --help' for a command's options. See docs/cli.md.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		do_help(0, NULL);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return do_version(0, NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return do_help(0, NULL);
	for (const struct cmd *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "tpc: unknown command '%s'; see 'tpc help'\n", argv[1]);
	return 2;
}
