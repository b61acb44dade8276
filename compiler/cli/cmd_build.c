/* cmd_build.c - `tpc build`: policies -> one fused BPF object. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/arena.h"
#include "cli/cmd.h"
#include "base/diag.h"
#include "driver/driver.h"
#include "emit/emit.h"
#include "cli/frontend.h"
#include "ir/ir.h"
#include "emit/emit_meta.h"
#include "sig.h"

static const char build_usage[] =
	"usage: tpc build [options] POLICY.yaml... [-o OUT.bpf.o]\n"
	"\n"
	"Compile policies into one BPF object; policies that hook the same point\n"
	"are fused into one program.\n"
	"\n"
	"  -o FILE            output object (default: first input with .bpf.o)\n"
	"  --emit-c FILE      also write the generated C (- for stdout); with no\n"
	"                     -o, only the C is produced\n"
	"  --dry-run          print the clang command and the in-process steps, run nothing\n"
	"  -v, --verbose      print commands as they run\n"
	"  --format FMT       diagnostics: text|json|sarif|github\n"
	"  --kernel K         check and build against kernel K: 5.10, 6.1, 6.12 (Debian\n"
	"                     cloud kernels, fetched into the kernel cache), a Debian\n"
	"                     version or package, 'host', or a BTF file; repeatable\n"
	"                     (one object for all: refused if they need different code)\n"
	"  --btf FILE         kernel BTF for checks (default /sys/kernel/btf/vmlinux)\n"
	"  --no-btf           skip checks that need kernel BTF\n"
	"  --namespace NS     namespace of a TracingPolicyNamespaced without\n"
	"                     metadata.namespace (default: 'default', as kubectl)\n"
	"  --runtime DIR      runtime headers (default: next to tpc, or $TPC_RUNTIME)\n"
	"  --clang PATH       clang to use (default: $TPC_CLANG or clang)\n"
	"  --keep-debug       keep DWARF in the object\n"
	"  --sign KEY         sign the object with the secret key from 'tpc keygen'\n"
	"\n"
	"Exit status: 0 built, 1 invalid policy, 2 usage, build or internal error.\n";

struct build_args {
	const char *out, *emit_c, *sign_key;
	enum diag_format fmt;
	struct frontend_opts fo;
	struct driver_opts drv;
	char **files;
	int nfiles;
	const char *knames[KTARGET_MAX + 1];
	int nk;
	struct ktarget ks[KTARGET_MAX];
};

static int parse_args(int argc, char **argv, struct build_args *b)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "emit-c", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "btf", required_argument, NULL, 'b' },
		{ "no-btf", no_argument, NULL, 'B' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "kernel", required_argument, NULL, 'K' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "clang", required_argument, NULL, 'C' },
		{ "keep-debug", no_argument, NULL, 'k' },
		{ "sign", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			b->out = optarg;
			break;
		case 'c':
			b->emit_c = optarg;
			break;
		case 'n':
			b->drv.dry_run = true;
			break;
		case 'v':
			b->drv.verbose = true;
			break;
		case 'f':
			if (diag_format__parse(optarg, &b->fmt)) {
				fprintf(stderr, "tpc build: unknown format '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'b':
			b->fo.sema.btf_path = optarg;
			break;
		case 'B':
			b->fo.sema.no_btf = true;
			break;
		case 'N':
			b->fo.sema.namespace_ = optarg;
			break;
		case 'K':
			if (b->nk > KTARGET_MAX) {
				fprintf(stderr, "tpc build: at most %d --kernel targets\n", KTARGET_MAX);
				return -EINVAL;
			}
			b->knames[b->nk++] = optarg;
			break;
		case 'r':
			b->drv.runtime = optarg;
			break;
		case 'C':
			b->drv.clang = optarg;
			break;
		case 'k':
			b->drv.keep_debug = true;
			break;
		case 's':
			b->sign_key = optarg;
			break;
		case 'h':
			fputs(build_usage, stdout);
			exit(0);
		default:
			fputs(build_usage, stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fputs(build_usage, stderr);
		return -EINVAL;
	}
	if (b->nk && (b->fo.sema.btf_path || b->fo.sema.no_btf)) {
		fprintf(stderr, "tpc build: --kernel cannot be combined with --btf or --no-btf\n");
		return -EINVAL;
	}
	b->files = argv + optind;
	b->nfiles = argc - optind;
	return 0;
}

static char *default_out(struct arena *a, const char *in)
{
	const char *base = strrchr(in, '/');
	const char *dot;
	size_t n;

	base = base ? base + 1 : in;
	dot = strrchr(base, '.');
	n = dot ? (size_t)(dot - base) : strlen(base);
	return arena__sprintf(a, "%.*s.bpf.o", (int)n, base);
}

/* "%A"/"%B" of an ir_object__kernel_diff() message -> the two labels */
static void name_kernels(char *out, size_t size, const char *what, const char *ka,
			 const char *kb)
{
	size_t o = 0;

	for (const char *p = what; *p && o + 1 < size; p++) {
		if (p[0] == '%' && (p[1] == 'A' || p[1] == 'B')) {
			o += (size_t)snprintf(out + o, size - o, "%s", p[1] == 'A' ? ka : kb);
			if (o >= size)
				o = size - 1;
			p++;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

int build__compile(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		   int nfiles, const struct frontend_opts *fo, struct ir_object *ir,
		   struct frontend_out *fout)
{
	int err;

	err = frontend__compile(a, m, d, files, nfiles, fo, fout);
	if (err)
		return err;
	/* one object for several kernels: only if every kernel gets the same
	 * programs (CO-RE relocates struct accesses, not record layouts) */
	for (int k = 1; k < fout->n; k++) {
		struct span where;
		char what[512], msg[700];

		if (!ir_object__kernel_diff(&fout->ir[0], &fout->ir[k], &where, what,
					    sizeof(what)))
			continue;
		name_kernels(msg, sizeof(msg), what, fo->kernels[0].label, fo->kernels[k].label);
		diag__error(d, where, "kernel-mismatch",
			    "one object cannot serve kernels %s and %s: %s; build one object per "
			    "kernel",
			    fo->kernels[0].label, fo->kernels[k].label, msg);
		return -EINVAL;
	}
	*ir = fout->ir[0];
	ir__optimize(a, ir);
	return 0;
}

int do_build(int argc, char **argv)
{
	struct build_args b = { 0 };
	struct arena *a = arena__new();
	struct srcmap *m = srcmap__new();
	struct diag_sink *d = diag_sink__new(m);
	struct ir_object ir = { 0 };
	struct frontend_out fout = { 0 };
	char *c_text = NULL, *meta = NULL;
	size_t c_len = 0;
	FILE *cs = NULL;
	const char **names = NULL, **hashes = NULL;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char kerr[512];
	int err, ret = 2;

	if (parse_args(argc, argv, &b))
		goto cleanup;
	if (sodium_init() < 0) {
		fprintf(stderr, "tpc: libsodium failed to initialize\n");
		goto cleanup;
	}
	/* a bad key is found before compiling, not after */
	if (b.sign_key) {
		if (sig__read_secret(b.sign_key, sk, kerr, sizeof(kerr))) {
			fprintf(stderr, "tpc build: error: --sign: %s\n", kerr);
			goto cleanup;
		}
		b.drv.sign_sk = sk;
	}
	if (b.nk) {
		if (ktargets__resolve(b.knames, b.nk, b.ks, "tpc build"))
			goto cleanup;
		b.fo.kernels = b.ks;
		b.fo.nkernels = b.nk;
	}
	err = build__compile(a, m, d, b.files, b.nfiles, &b.fo, &ir, &fout);
	diag__render(d, b.fmt, b.fmt == DIAG_FMT_TEXT ? stderr : stdout);
	if (err) {
		ret = err == -EINVAL ? 1 : 2;
		goto cleanup;
	}
	names = arena__calloc(a, (size_t)b.nfiles, sizeof(*names));
	hashes = arena__calloc(a, (size_t)b.nfiles, sizeof(*hashes));
	for (int i = 0; i < b.nfiles; i++) {
		const struct srcfile *f = srcmap__file(m, (uint32_t)i + 1);
		unsigned char h[crypto_hash_sha256_BYTES];
		char *hex = arena__alloc(a, sizeof(h) * 2 + 1);
		const char *slash = strrchr(b.files[i], '/');

		crypto_hash_sha256(h, (const unsigned char *)f->text, f->len);
		sodium_bin2hex(hex, sizeof(h) * 2 + 1, h, sizeof(h));
		/* base names only: the object must not depend on the build dir */
		names[i] = slash ? slash + 1 : b.files[i];
		hashes[i] = hex;
	}
	cs = open_memstream(&c_text, &c_len);
	if (!cs)
		goto cleanup;
	err = emit__c(&ir, m, &(struct emit_opts){ .sources = names, .nsources = b.nfiles }, cs);
	if (fclose(cs) || err) {
		cs = NULL;
		fprintf(stderr, "tpc: cannot generate C\n");
		goto cleanup;
	}
	cs = NULL;
	if (b.emit_c) {
		if (!strcmp(b.emit_c, "-")) {
			fputs(c_text, stdout);
		} else {
			FILE *f = fopen(b.emit_c, "w");

			if (!f || fputs(c_text, f) < 0 || fclose(f)) {
				fprintf(stderr, "tpc: cannot write %s: %s\n", b.emit_c,
					strerror(errno));
				goto cleanup;
			}
		}
		if (!b.out) {
			ret = 0;
			goto cleanup;
		}
	}
	meta = meta__json(&ir, &(struct meta_opts){ names, hashes, b.nfiles });
	if (!meta)
		goto cleanup;
	if (!b.out)
		b.out = default_out(a, b.files[0]);
	err = driver__build(c_text, meta, b.out, &b.drv);
	ret = err ? 2 : 0;
cleanup:
	frontend_out__release(&fout);
	ktargets__release(b.ks, b.fo.nkernels);
	sodium_memzero(sk, sizeof(sk));
	free(c_text);
	free(meta);
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
	return ret;
}
