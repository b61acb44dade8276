/* cmd_verify.c - `tpc verify`: load every program of tpc objects in real
 * kernels and report, per program and kernel, the verifier's verdict.
 *
 * Kernels are Debian cloud kernels booted under qemu (TCG) with a busybox
 * initramfs, or this machine ("host"). Each program is loaded alone (a static
 * objload --each) so every program gets its own verdict and verified
 * instruction count. The VM plumbing lives in scripts/vm/ (kernel.sh fetches
 * and unpacks a kernel package, boot.sh boots it with a payload); this file
 * builds the payload, runs them, and judges the answers:
 *
 *   accepted     the verifier accepted the program
 *   rejected     the verifier refused it (its log's last line is the reason)
 *   unsupported  the kernel refused the program kind before verifying it
 *                (e.g. LSM or fentry on a kernel without them): an error
 *                only when no other variant of its program group was accepted,
 *                since the loader then has nothing to attach
 *
 * Exit status: 0 all good, 1 a program was rejected or a group has no
 * accepted variant on some kernel, 2 usage or infrastructure error.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <jansson.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/tools.h"

enum verdict { V_ACCEPTED, V_REJECTED, V_UNSUPPORTED, V_MISSING };
static const char *const verdict_names[] = { "accepted", "rejected", "unsupported", "missing" };

struct prog_res {
	char *name;
	char *sec;
	char *group; /* from .tpc.meta; NULL: standalone */
	enum verdict v;
	long insns;
	char *msg;
};

struct obj_res {
	const char *path;
	struct prog_res *progs;
	size_t nprogs;
};

struct kernel {
	const char *name; /* as given: 6.1, 6.12, host, or a vmlinuz path */
	bool image;	  /* name is a vmlinuz path */
	char label[64];
	char uname[128];
	double seconds;
	char *error; /* infrastructure failure: nothing verified */
};

static const char usage[] =
	"usage: tpc verify [--kernel K]... [--kernel-image VMLINUZ]... [options] OBJ.bpf.o...\n"
	"\n"
	"Load every program of the objects in each kernel (alone, so each gets its\n"
	"own verdict) and report accepted/rejected with the verifier's message and\n"
	"verified instruction count.\n"
	"\n"
	"  --kernel K           5.10, 6.1 or 6.12 (newest Debian cloud kernel of\n"
	"                       that series), a Debian version (6.1.0-50, 6.12.117), a\n"
	"                       package name, or 'host' (this machine); repeatable;\n"
	"                       default: 6.1 and 6.12\n"
	"  --kernel-image FILE  boot this vmlinuz instead; repeatable\n"
	"  --timeout S          per-VM time limit in seconds (default 600)\n"
	"  --format FMT         text (default) or json\n"
	"  -v, --verbose        show the VM console\n"
	"\n"
	"Needs qemu-system-x86_64, cpio, busybox-static and apt-get access to\n"
	"Debian's kernel packages (cached under build/vm, or $TPC_VM_CACHE); runs\n"
	"as root for 'host'. Tools are found via $TPC_VM_SCRIPTS (scripts/vm) and\n"
	"$TPC_OBJLOAD (a static objload), else next to tpc.\n"
	"\n"
	"Exit status: 0 every program accepted (or an alternative variant was),\n"
	"1 a rejection, 2 usage or infrastructure error.\n";

/* --- helpers ----------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		fprintf(stderr, "tpc verify: out of memory\n");
		exit(2);
	}
	return d;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = -1, err = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (out < 0) {
		err = -errno;
		goto cleanup;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			goto cleanup;
		}
	if (n < 0)
		err = -errno;
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* --- objects: program list and groups from .tpc.meta --------------------------- */

static json_t *read_meta(const char *path)
{
	int fd = open(path, O_RDONLY);
	Elf *e = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	json_t *root = NULL;

	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto cleanup;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".tpc.meta"))
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			root = json_loadb(d->d_buf, strnlen(d->d_buf, d->d_size), 0, NULL);
		break;
	}
cleanup:
	if (e)
		elf_end(e);
	close(fd);
	return root;
}

static const char *group_of(json_t *meta, const char *prog)
{
	json_t *progs = json_object_get(meta, "programs"), *p;
	size_t i;

	json_array_foreach(progs, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n && !strcmp(n, prog))
			return json_string_value(json_object_get(p, "group"));
	}
	return NULL;
}

/* Parse objload --each lines of one object into o (programs appended in order). */
static void parse_objload(struct obj_res *o, json_t *meta, const char *text)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *l = strndup(line, len), *name, *sec, *rest, *save = NULL;
		struct prog_res *pr, *np;
		bool ok;

		line = eol ? eol + 1 : NULL;
		if (!l)
			break;
		ok = !strncmp(l, "ok ", 3);
		if (!ok && strncmp(l, "rejected ", 9)) {
			free(l);
			continue;
		}
		strtok_r(l, " ", &save);
		name = strtok_r(NULL, " ", &save);
		sec = strtok_r(NULL, " :", &save);
		rest = save;
		if (!name || !sec) {
			free(l);
			continue;
		}
		np = realloc(o->progs, (o->nprogs + 1) * sizeof(*np));
		if (!np) {
			free(l);
			break;
		}
		o->progs = np;
		pr = &o->progs[o->nprogs++];
		memset(pr, 0, sizeof(*pr));
		pr->name = xstrdup(name);
		pr->sec = xstrdup(sec);
		pr->group = meta && group_of(meta, name) ? xstrdup(group_of(meta, name)) : NULL;
		pr->insns = -1;
		if (ok) {
			const char *vi = rest ? strstr(rest, "verified_insns=") : NULL;

			pr->v = V_ACCEPTED;
			pr->insns = vi ? strtol(vi + 15, NULL, 10) : -1;
			pr->msg = xstrdup("");
		} else {
			while (rest && *rest == ' ')
				rest++;
			/* a verifier log says how far it got; without one the kernel
			 * refused the program kind itself */
			pr->v = rest && strstr(rest, "(processed=") ? V_REJECTED : V_UNSUPPORTED;
			pr->msg = xstrdup(rest);
		}
		free(l);
	}
}

/* --- kernels ------------------------------------------------------------------- */

static int write_payload(const char *dir, const char *objload, char **objs, int nobjs)
{
	char p[PATH_MAX + 64];
	FILE *f;
	int err;

	snprintf(p, sizeof(p), "%s/bin", dir);
	if (mkdir(p, 0755))
		return -errno;
	snprintf(p, sizeof(p), "%s/obj", dir);
	if (mkdir(p, 0755))
		return -errno;
	snprintf(p, sizeof(p), "%s/bin/objload", dir);
	err = copy_file(objload, p, 0755);
	if (err)
		return err;
	for (int i = 0; i < nobjs; i++) {
		snprintf(p, sizeof(p), "%s/obj/%d.bpf.o", dir, i);
		err = copy_file(objs[i], p, 0644);
		if (err)
			return err;
	}
	snprintf(p, sizeof(p), "%s/run.sh", dir);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fprintf(f, "#!/bin/sh\n# generated by tpc verify: one objload --each per object\n"
		   "cd /tpc\n");
	for (int i = 0; i < nobjs; i++)
		fprintf(f, "./bin/objload obj/%d.bpf.o --each 2>&1 | sed 's/^/TPCVM R %d /'\n", i, i);
	fclose(f);
	chmod(p, 0755);
	return 0;
}

/* Lines "TPCVM R <i> <objload line>" of the console, for object i. */
static char *console_lines(const char *console, int i)
{
	char tag[32];
	size_t tl, len = 0;
	char *out = calloc(1, strlen(console) + 1);
	const char *p = console;

	if (!out)
		return NULL;
	tl = snprintf(tag, sizeof(tag), "TPCVM R %d ", i);
	while ((p = strstr(p, tag))) {
		const char *s = p + tl, *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);

		memcpy(out + len, s, n);
		len += n;
		out[len++] = '\n';
		p = s;
	}
	out[len] = 0;
	return out;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Verify every object on kernel k; fills res[nobjs]. */
static void verify_kernel(struct kernel *k, char **objs, int nobjs, json_t **metas,
			  struct obj_res *res, const char *scripts, const char *objload,
			  const char *payload, unsigned timeout, bool verbose)
{
	char kernel_sh[PATH_MAX + 16], boot_sh[PATH_MAX + 16], tmo[16], *out = NULL;
	char vmlinuz[PATH_MAX];
	double t0 = now_s();
	int rc;

	if (!strcmp(k->name, "host")) {
		char *u = NULL;
		char *uname_argv[] = { "uname", "-r", NULL };

		if (tools__run(uname_argv, &u, false, false) == 0 && u)
			snprintf(k->uname, sizeof(k->uname), "%.*s", (int)strcspn(u, "\n"), u);
		free(u);
		for (int i = 0; i < nobjs; i++) {
			char *argv[] = { (char *)objload, objs[i], "--each", NULL };

			rc = tools__run(argv, &out, true, verbose);
			if (rc < 0 || !out) {
				k->error = xstrdup("cannot run objload on this machine");
				free(out);
				return;
			}
			parse_objload(&res[i], metas[i], out);
			free(out);
			out = NULL;
		}
		k->seconds = now_s() - t0;
		return;
	}
	snprintf(kernel_sh, sizeof(kernel_sh), "%s/kernel.sh", scripts);
	snprintf(boot_sh, sizeof(boot_sh), "%s/boot.sh", scripts);
	if (k->image) {
		snprintf(vmlinuz, sizeof(vmlinuz), "%s", k->name);
	} else {
		char *argv[] = { "bash", kernel_sh, (char *)k->name, NULL };

		rc = tools__run(argv, &out, true, false);
		if (rc != 0 || !out || !*out) {
			const char *last = out ? out : "";
			size_t n = strcspn(last, "\n");

			k->error = xstrdup(n ? last : "kernel.sh failed");
			if (k->error[n])
				k->error[n] = 0;
			free(out);
			return;
		}
		snprintf(vmlinuz, sizeof(vmlinuz), "%.*s", (int)strcspn(out, "\n"), out);
		free(out);
		out = NULL;
	}
	snprintf(tmo, sizeof(tmo), "%u", timeout);
	{
		char *argv[] = { "bash", boot_sh, vmlinuz, (char *)payload, tmo, NULL };

		rc = tools__run(argv, &out, true, verbose);
	}
	k->seconds = now_s() - t0;
	if (out) {
		const char *u = strstr(out, "TPCVM KERNEL ");

		if (u)
			snprintf(k->uname, sizeof(k->uname), "%.*s", (int)strcspn(u + 13, " \n"),
				 u + 13);
	}
	if (rc != 0) {
		char msg[256];
		const char *last = out ? strrchr(out, '\n') : NULL;

		if (rc == 124)
			snprintf(msg, sizeof(msg), "the VM did not finish within %us", timeout);
		else if (rc == 3 && out)
			snprintf(msg, sizeof(msg), "%.200s", out);
		else
			snprintf(msg, sizeof(msg), "the VM failed (exit %d)%s", rc,
				 last ? "; rerun with -v for its console" : "");
		msg[strcspn(msg, "\n")] = 0;
		k->error = xstrdup(msg);
	}
	for (int i = 0; out && i < nobjs; i++) {
		char *lines = console_lines(out, i);

		if (lines)
			parse_objload(&res[i], metas[i], lines);
		free(lines);
	}
	free(out);
}

/* Is some other program of p's group accepted? */
static const char *alternative(const struct obj_res *o, const struct prog_res *p)
{
	if (!p->group)
		return NULL;
	for (size_t i = 0; i < o->nprogs; i++)
		if (&o->progs[i] != p && o->progs[i].group && !strcmp(o->progs[i].group, p->group) &&
		    o->progs[i].v == V_ACCEPTED)
			return o->progs[i].name;
	return NULL;
}

static void free_res(struct obj_res *r, int n)
{
	for (int i = 0; r && i < n; i++) {
		for (size_t j = 0; j < r[i].nprogs; j++) {
			free(r[i].progs[j].name);
			free(r[i].progs[j].sec);
			free(r[i].progs[j].group);
			free(r[i].progs[j].msg);
		}
		free(r[i].progs);
	}
	free(r);
}

static void rm_payload(const char *dir, int nobjs)
{
	char p[PATH_MAX + 64];

	for (int i = 0; i < nobjs; i++) {
		snprintf(p, sizeof(p), "%s/obj/%d.bpf.o", dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/obj", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/bin/objload", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bin", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/run.sh", dir);
	unlink(p);
	rmdir(dir);
}

int do_verify(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kernel", required_argument, 0, 'k' },
		{ "kernel-image", required_argument, 0, 'i' },
		{ "timeout", required_argument, 0, 't' },
		{ "format", required_argument, 0, 'f' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	static const char *const objload_rel[] = { "tests/objload-static", "tpc-objload-static",
						   "/usr/lib/tpc/objload-static", NULL };
	struct kernel kernels[32];
	int nk = 0, c, ret = 2, nobjs;
	unsigned timeout = 600;
	bool verbose = false, json = false;
	char scripts[PATH_MAX], objload[PATH_MAX], payload[] = "/tmp/tpc-verify.XXXXXX";
	bool have_payload = false;
	struct obj_res **res = NULL;
	json_t **metas = NULL;
	char **objs;
	int nfail = 0, nacc = 0, nrej = 0, nuns = 0;
	json_t *jout = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
		case 'i':
			if (nk == (int)(sizeof(kernels) / sizeof(kernels[0]))) {
				fprintf(stderr, "tpc verify: too many kernels\n");
				return 2;
			}
			memset(&kernels[nk], 0, sizeof(kernels[nk]));
			kernels[nk].name = optarg;
			kernels[nk].image = c == 'i';
			snprintf(kernels[nk].label, sizeof(kernels[nk].label), "%s",
				 c == 'i' && strrchr(optarg, '/') ? strrchr(optarg, '/') + 1 : optarg);
			nk++;
			break;
		case 't': {
			char *end;

			timeout = strtoul(optarg, &end, 10);
			if (*end || !timeout) {
				fprintf(stderr, "tpc verify: --timeout: '%s' is not a number of seconds\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'f':
			if (!strcmp(optarg, "json")) {
				json = true;
			} else if (strcmp(optarg, "text")) {
				fprintf(stderr, "tpc verify: --format: unknown format '%s' (text, json)\n",
					optarg);
				return 2;
			}
			break;
		case 'v': verbose = true; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	objs = argv + optind;
	nobjs = argc - optind;
	if (nobjs <= 0) {
		fprintf(stderr, "tpc verify: no objects given\n");
		fputs(usage, stderr);
		return 2;
	}
	if (!nk) {
		static char k61[] = "6.1", k612[] = "6.12";

		memset(kernels, 0, 2 * sizeof(kernels[0]));
		kernels[0].name = k61;
		kernels[1].name = k612;
		snprintf(kernels[0].label, sizeof(kernels[0].label), "6.1");
		snprintf(kernels[1].label, sizeof(kernels[1].label), "6.12");
		nk = 2;
	}
	for (int i = 0; i < nobjs; i++)
		if (access(objs[i], R_OK)) {
			fprintf(stderr, "tpc verify: %s: %s\n", objs[i], strerror(errno));
			return 2;
		}
	if (!tools__find(objload, sizeof(objload), "TPC_OBJLOAD", objload_rel)) {
		fprintf(stderr, "tpc verify: no static objload found (build it with 'make "
				"build/tests/objload-static' or set TPC_OBJLOAD)\n");
		return 2;
	}
	if (!tools__vm_scripts(scripts, sizeof(scripts))) {
		bool need_vm = false;

		for (int i = 0; i < nk; i++)
			need_vm |= strcmp(kernels[i].name, "host") != 0;
		if (need_vm) {
			fprintf(stderr, "tpc verify: VM scripts (kernel.sh, boot.sh) not found; set "
					"TPC_VM_SCRIPTS to tpc's scripts/vm\n");
			return 2;
		}
	}
	metas = calloc(nobjs, sizeof(*metas));
	res = calloc(nk, sizeof(*res));
	if (!metas || !res)
		goto cleanup;
	for (int i = 0; i < nobjs; i++)
		metas[i] = read_meta(objs[i]);
	if (!mkdtemp(payload)) {
		fprintf(stderr, "tpc verify: cannot create a temporary directory: %s\n",
			strerror(errno));
		goto cleanup;
	}
	have_payload = true;
	if (write_payload(payload, objload, objs, nobjs)) {
		fprintf(stderr, "tpc verify: cannot write the VM payload in %s\n", payload);
		goto cleanup;
	}
	for (int k = 0; k < nk; k++) {
		res[k] = calloc(nobjs, sizeof(**res));
		if (!res[k])
			goto cleanup;
		for (int i = 0; i < nobjs; i++)
			res[k][i].path = objs[i];
		if (!json)
			fprintf(stderr, "tpc verify: %s: %s...\n", kernels[k].label,
				strcmp(kernels[k].name, "host") ? "booting under qemu" : "loading");
		verify_kernel(&kernels[k], objs, nobjs, metas, res[k], scripts, objload, payload,
			      timeout, verbose);
	}

	ret = 0;
	if (json)
		jout = json_array();
	for (int k = 0; k < nk; k++) {
		struct kernel *K = &kernels[k];

		if (!json)
			printf("%s%s%s%s (%.1fs)\n", k ? "\n" : "", K->label, K->uname[0] ? ": " : "",
			       K->uname, K->seconds);
		if (K->error) {
			if (json)
				json_array_append_new(jout, json_pack("{s:s, s:s, s:s}", "kernel",
								      K->label, "uname", K->uname,
								      "error", K->error));
			else
				printf("  error: %s\n", K->error);
			ret = 2;
		}
		for (int i = 0; i < nobjs; i++) {
			struct obj_res *o = &res[k][i];

			if (!o->nprogs && !K->error) {
				if (json)
					json_array_append_new(
						jout, json_pack("{s:s, s:s, s:s}", "kernel", K->label,
								"object", o->path, "error",
								"no result (cannot open the object?)"));
				else
					printf("  %s: no result (cannot open the object?)\n", o->path);
				ret = ret ? ret : 1;
				nfail++;
			}
			for (size_t j = 0; j < o->nprogs; j++) {
				struct prog_res *p = &o->progs[j];
				const char *alt = p->v == V_UNSUPPORTED ? alternative(o, p) : NULL;
				bool bad = p->v == V_REJECTED || (p->v == V_UNSUPPORTED && !alt);

				nacc += p->v == V_ACCEPTED;
				nrej += p->v == V_REJECTED;
				nuns += p->v == V_UNSUPPORTED;
				if (bad) {
					nfail++;
					if (!ret)
						ret = 1;
				}
				if (json) {
					json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
							      "kernel", K->label, "uname", K->uname,
							      "object", o->path, "program", p->name,
							      "section", p->sec, "verdict",
							      verdict_names[p->v], "ok", !bad);

					if (p->insns >= 0)
						json_object_set_new(r, "verified_insns",
								    json_integer(p->insns));
					if (p->msg && *p->msg)
						json_object_set_new(r, "message", json_string(p->msg));
					if (alt)
						json_object_set_new(r, "used_variant", json_string(alt));
					json_array_append_new(jout, r);
					continue;
				}
				printf("  %-4s %s %s (%s): %s", bad ? "FAIL" : "ok", o->path, p->name,
				       p->sec, verdict_names[p->v]);
				if (p->v == V_ACCEPTED)
					printf(", %ld insns verified", p->insns);
				else
					printf(": %s", p->msg);
				if (alt)
					printf(" (alternative '%s' accepted)", alt);
				putchar('\n');
			}
		}
	}
	if (json) {
		json_dumpf(jout, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("\n%d accepted, %d rejected, %d unsupported on %d kernel%s; %d problem%s\n",
		       nacc, nrej, nuns, nk, nk == 1 ? "" : "s", nfail, nfail == 1 ? "" : "s");
	}
cleanup:
	json_decref(jout);
	if (have_payload)
		rm_payload(payload, nobjs);
	for (int i = 0; metas && i < nobjs; i++)
		json_decref(metas[i]);
	free(metas);
	for (int k = 0; res && k < nk; k++)
		free_res(res[k], nobjs);
	free(res);
	for (int k = 0; k < nk; k++)
		free(kernels[k].error);
	return ret;
}
