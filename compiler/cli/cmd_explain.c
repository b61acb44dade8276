/* cmd_explain.c - `tpc explain`: what a policy compiles to, or what an
 * object carries.
 *
 *   tpc explain POLICY.yaml...  per program: variants, argument reads, the
 *                               rules in evaluation order with each test
 *                               and how it runs (inline compare, which map),
 *                               the maps and their memory; with --verify,
 *                               the object is built and loaded (not
 *                               attached) and each program's verified
 *                               instruction count is printed.
 *   tpc explain OBJ.bpf.o       the object's embedded metadata.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <jansson.h>
#include <libelf.h>

#include "base/arena.h"
#include "cli/cmd.h"
#include "base/diag.h"
#include "driver/driver.h"
#include "emit/emit.h"
#include "emit/emit_meta.h"
#include "cli/frontend.h"
#include "ir/ir.h"
#include "tpc_abi.h"

static const char *cost_name(enum ir_cost c)
{
	static const char *const n[] = { "context", "int arg", "binary bit", "deref",
					 "string copy", "map lookup", "path walk" };

	return n[c];
}

static const char *src_name(const struct ir_pred *p)
{
	static const char *const n[] = { "pid", "tid", "uid", "gid", "euid", "cgroup", "binary",
					 "parent binary", "arg", "comm", "ppid", "egid", "caps", "ns",
					 "scope", "pid in its pid namespace", "followed pid set",
					 "capability change" };

	return n[p->src];
}

static const char *test_name(enum ir_test t)
{
	static const char *const n[] = { "==", "!=", "<", "<=", ">", ">=", "in", "mask",
					 "in range", "equals", "starts with", "ends with",
					 "bit", "in CIDR", "port in", "family in", "file type in",
					 "TCP state in", "protocol in", "link count in", "contains",
					 "contains (any case)", "gained in" };

	return n[t];
}

static void print_str(const struct ir_strlit *l)
{
	putchar('"');
	fputs(diag_quote(l->s, l->len), stdout);
	putchar('"');
}

static void print_pred(const struct ir_object *o, const struct ir_prog *prog,
		       const struct ir_pred *p, int depth)
{
	printf("%*s", depth * 2, "");
	if (!p) {
		printf("always\n");
		return;
	}
	switch (p->kind) {
	case P_TRUE:
		printf("true\n");
		return;
	case P_AND:
	case P_OR:
	case P_NOT:
		printf("%s  [cost: %s]\n", p->kind == P_AND ? "all of" : p->kind == P_OR ? "any of" : "not",
		       cost_name(p->cost));
		for (size_t i = 0; i < p->nkids; i++)
			print_pred(o, prog, p->kids[i], depth + 1);
		return;
	case P_LEAF:
		break;
	}
	if (p->negate)
		printf("not ");
	if (p->src == SRC_BINARY || p->src == SRC_PBINARY) {
		const struct ir_binset *b = &o->binsets.v[p->bit];

		printf("%s %s set %d (%zu value%s; ", p->src == SRC_PBINARY ? "parent binary" : "binary",
		       b->op == OP_IN || b->op == OP_NOT_IN		 ? "in"
		       : b->op == OP_PREFIX || b->op == OP_NOT_PREFIX ? "starts with one of"
								      : "ends with one of",
		       b->bit, b->values.n,
		       b->values.n == 1 ? "" : "s");
		if (b->map >= 0)
			printf("map %s, filled by the loader with each path and its canonical form", o->maps.v[b->map].name);
		else
			printf("inline compares");
		printf("; evaluated once per process image, then a cached bit)  [cost: %s]\n",
		       cost_name(p->cost));
		return;
	}
	if (p->src == SRC_FOLLOW) {
		const struct ir_pidset *ps = &o->pidsets.v[p->bit];

		printf("the process or an ancestor has %s", ps->ns ? "namespace pid" : "pid");
		for (size_t i = 0; i < ps->pids.n; i++)
			printf("%s%" PRId64, i ? "," : " ", ps->pids.v[i]);
		printf(" (followForks pid set %d: a per-process bit inherited at fork, "
		       "ancestors walked once for older processes)  [cost: %s]\n",
		       ps->bit, cost_name(p->cost));
		return;
	}
	if (p->src == SRC_CAPCHG) {
		printf("%s capabilities changed since exec on mask 0x%" PRIx64
		       " (baseline recorded at exec by tp_btf/sched_process_exec, renewed when "
		       "the rule matches)  [cost: %s]\n",
		       cap_type__name((enum cap_type)p->bit), (uint64_t)p->vals[0], cost_name(p->cost));
		return;
	}
	if (p->src == SRC_NSCHG) {
		printf("namespaces changed since exec:");
		for (int k = 0; k < NS__COUNT; k++)
			if ((uint64_t)p->vals[0] >> k & 1)
				printf(" %s", ns_kind__name((enum ns_kind)k));
		printf(" (baseline recorded at exec by tp_btf/sched_process_exec, renewed when the "
		       "rule matches)  [cost: %s]\n",
		       cost_name(p->cost));
		return;
	}
	if (p->src == SRC_SCOPE) {
		const struct ir_map *m = &o->maps.v[p->map];

		printf("the task's cgroup or an ancestor is in %s (%s, filled by the loader)  "
		       "[cost: a per-CPU cached verdict; on a miss one hash lookup per cgroup level "
		       "the loader used, at most %d]\n",
		       m->name,
		       m->scope.any_pod ? "every pod's cgroup: 'not' is a host process" : m->purpose,
		       TPC_SCOPE_DEPTH);
		return;
	}
	if (p->src == SRC_ARG) {
		const struct ir_arg *a = &prog->args.v[p->slot];

		printf("arg slot %d (%s) %s", p->slot, arg_type__name(a->type), test_name(p->test));
		if (p->test == T_GAINED)
			printf(" slot %d (a capability the new set has and the old lacks)",
			       p->slot2);
	} else {
		printf("%s", src_name(p));
		if (p->src == SRC_NS)
			printf(".%s", ns_kind__name((enum ns_kind)p->bit));
		if (p->src == SRC_CAPS)
			printf(".%s", cap_type__name((enum cap_type)p->bit));
		printf(" %s", test_name(p->test));
	}
	if (p->map >= 0) {
		printf(" map %s (%u entries)", o->maps.v[p->map].name, o->maps.v[p->map].max_entries);
	} else {
		for (size_t i = 0; i < p->nstrs; i++) {
			putchar(i ? ',' : ' ');
			print_str(&p->strs[i]);
		}
		for (size_t i = 0; i < p->nvals; i++) {
			if (p->test == T_RANGE || p->test == T_PORT)
				printf("%s%" PRId64 ":%" PRId64, i ? "," : " ", p->vals[i], p->his[i]);
			else if (p->src == SRC_NS && p->vals[i] == -1)
				printf("%shost_ns", i ? "," : " ");
			else if (p->test == T_MASK)
				printf("%s0x%" PRIx64, i ? "," : " ", (uint64_t)p->vals[i]);
			else
				printf("%s%" PRId64, i ? "," : " ", p->vals[i]);
		}
		if (p->ncidrs)
			printf(" (%zu network%s)", p->ncidrs, p->ncidrs == 1 ? "" : "s");
		if (p->nstrs)
			printf(" (inline word compares)");
	}
	printf("  [cost: %s]\n", cost_name(p->cost));
}

static const char *argkind_name(enum ir_argkind k)
{
	static const char *const n[] = {
		[AK_INT] = "integer",
		[AK_USTR] = "user string",
		[AK_KSTR] = "kernel string",
		[AK_DATALOC] = "tracepoint string",
		[AK_FILE] = "file -> canonical path",
		[AK_PATH] = "path -> canonical path",
		[AK_BPRM] = "linux_binprm -> canonical path",
		[AK_DENTRY] = "dentry -> path in its mount",
		[AK_FD] = "fd -> canonical path",
		[AK_COMM] = "comm",
		[AK_SOCKADDR] = "sockaddr",
		[AK_SOCK] = "sock",
		[AK_CAPS] = "capability set",
		[AK_UBUF] = "user buffer (length from another argument)",
		[AK_KBUF] = "kernel buffer (length from another argument)",
		[AK_ITER] = "iov_iter segments",
		[AK_UIOV] = "user iovec segments (count from another argument)",
		[AK_KIOV] = "kernel iovec segments (count from another argument)",
		[AK_KOBJ] = "kernel object record",
		[AK_SKB] = "sk_buff -> packet 5-tuple",
		[AK_NETDEV] = "net_device -> name",
	};

	return n[k];
}

static void print_actions(const struct ir_object *o, const struct ir_action *a)
{
	printf("      then:");
	if (a->enf_hooks) {
		printf(" deny with errno %d at enforcer LSM hook", a->enf_errno);
		for (size_t i = 0, n = 0; i < o->enf_hooks.n; i++)
			if (a->enf_hooks & (1ull << i))
				printf("%s %s", n++ ? "," : "", o->enf_hooks.v[i].lsm);
		printf(" (a request made here, runtime/tpc_enforce.bpf.h; needs BPF LSM)");
	}
	if (a->block) {
		printf(" Block (deny with -%d where the LSM variant runs, else SIGKILL)", a->deny);
	} else {
		if (a->notify && (a->kill || a->signal))
			printf(" NotifyEnforcer (the signal is sent in this hook by bpf_send_signal)");
		if (a->notify_errno)
			printf(" [argError -%d not applied: denying a syscall needs "
			       "CONFIG_FUNCTION_ERROR_INJECTION]",
			       a->notify_errno);
		if (a->deny)
			printf(" deny with errno %d", a->deny);
		if (a->kill)
			printf(" SIGKILL");
		if (a->signal)
			printf(" signal %d", a->signal);
	}
	for (size_t i = 0; i < a->nsockops; i++)
		printf(" %s the socket in slot %d", a->sockops[i].untrack ? "UntrackSock:" : "TrackSock:",
		       a->sockops[i].slot);
	if (a->url)
		printf(" GetUrl %s (by tpc-loader, with --allow-url)", a->url);
	if (a->fqdn)
		printf(" DnsLookup %s (by tpc-loader, with --allow-dns)", a->fqdn);
	if (a->set)
		printf(" Set: write %lld into USDT argument %d when it is in memory "
		       "(bpf_probe_write_user: the loader refuses the object under kernel lockdown)",
		       (long long)a->set_value, a->set_index);
	printf(a->post ? " post event" : " no event");
	if (a->ima)
		printf(" with the IMA hash of %s (bpf_ima_file_hash, Linux 5.18+ with BPF LSM and "
		       "IMA, else the loader refuses the object)",
		       a->ima == IMA_BPRM ? "bprm->file" : "the file");
	printf("; stop (first match wins)\n");
}

/* Generated lists (sema_lists.c): what each expanded to on the kernel the
 * policy was checked against, so a reader sees every function the object
 * hooks; their programs are optional (the loader skips those that do not
 * attach on the node). */
static void explain_generated_lists(const struct ir_object *o)
{
	for (size_t i = 0; i < o->policies.n; i++) {
		const struct ast_policy *pol = o->policies.v[i].ast;

		for (size_t k = 0; pol && k < pol->lists.n; k++) {
			const struct ast_list *l = &pol->lists.v[k];

			if (!l->generated)
				continue;
			printf("list '%s' of policy '%s' (%s%s%s%s): %zu functions, optional hooks "
			       "(the loader skips those that do not attach):\n ",
			       diag_quote(l->name.s, l->name.len), o->policies.v[i].name,
			       l->type.s, l->pattern.present ? " '" : "",
			       l->pattern.present ? diag_quote(l->pattern.s, l->pattern.len) : "",
			       l->pattern.present ? "'" : "", l->values.n);
			for (size_t v = 0; v < l->values.n; v++)
				printf(" %s%s", l->values.v[v].s, v + 1 < l->values.n ? "," : "\n");
		}
	}
}

static void explain_ir(const struct ir_object *o)
{
	explain_generated_lists(o);

	for (size_t i = 0; i < o->progs.n; i++) {
		const struct ir_prog *p = o->progs.v[i];

		printf("program %d: %s\n  variants (the loader attaches the lowest prio the kernel supports):\n",
		       p->id, p->key);
		for (size_t k = 0; k < p->variants.n; k++)
			printf("    prio %d  %s%s%s  (%s)%s\n", p->variants.v[k].prio,
			       ir_attach__name(p->variants.v[k].at),
			       p->variants.v[k].target[0] ? "/" : "", p->variants.v[k].target,
			       p->variants.v[k].name,
			       p->variants.v[k].deny_capable ? "  can deny" : "");
		if (p->sleepable)
			printf("  sleepable (lsm.s/: imaHash): the hash may sleep; the rule hashes "
			       "before it assembles its event\n");
		if (p->args.n) {
			printf("  arguments (read lazily, at most once per event):\n");
			for (size_t k = 0; k < p->args.n; k++) {
				const struct ir_arg *a = &p->args.v[k];

				printf("    slot %d: %s (%s)%s%s\n", a->slot, arg_type__name(a->type),
				       argkind_name(a->kind), a->in_pred ? ", tested" : "",
				       a->in_event ? ", posted" : "");
			}
		}
		for (size_t s = 0; s < p->specs.n; s++) {
			const struct ir_spec *sp = &p->specs.v[s];

			printf("  policy '%s' (event %s):\n", o->policies.v[sp->policy].name, sp->event);
			if (sp->scope) {
				printf("    first, the workload scope (otherwise the policy's rules are "
				       "skipped):\n");
				print_pred(o, p, sp->scope, 3);
			}
			for (size_t r = 0; r < sp->rules.n; r++) {
				const struct ir_rule *ru = &sp->rules.v[r];

				printf("    rule %d (selector %d), tests in evaluation order:\n", ru->id,
				       ru->selector);
				print_pred(o, p, ru->pred, 3);
				print_actions(o, &ru->act);
			}
		}
	}
	if (o->maps.n)
		printf("maps:\n");
	for (size_t i = 0; i < o->maps.n; i++) {
		const struct ir_map *m = &o->maps.v[i];
		/* a path_hash value holds the path (struct tpc_path_val) */
		size_t vsize = m->kind == MAP_PATH_SET ? sizeof(struct tpc_path_val) : 8;
		size_t bytes = (size_t)m->max_entries * (m->key_size + vsize + 64);

		if (m->kind == MAP_SCOPE) {
			/* not preallocated: memory grows with the cgroups inserted */
			printf("  %s: %s, up to %u cgroup ids, not preallocated\n", m->name,
			       m->purpose, m->max_entries);
			continue;
		}
		printf("  %s: %s, %u entries x %u-byte keys, ~%zu KiB\n", m->name, m->purpose,
		       m->max_entries, m->key_size, (bytes + 1023) / 1024);
	}
	printf("fixed maps: ring buffer %d KiB, per-CPU scratch %zu bytes, process cache %d KiB\n",
	       (1 << 22) / 1024, (size_t)(TPC_EV_MAX + TPC_PATH_MAX * 3 + 8 + 4 * TPC_STR_MAX * 2),
	       32768 * 24 / 1024);
	if (o->needs_socktrack)
		printf("socket tracking: map tpc_socktrack (LRU hash, 32768 sockets): events of hooks "
		       "with a sock argument report the socket's tracked owner; freed sockets are "
		       "forgotten by fentry/kprobe __sk_free (else tp_btf inet_sock_set_state, TCP "
		       "only)\n");
	if (o->enf_hooks.n) {
		printf("enforcer programs (deny requests, map tpc_enforce: LRU hash of 16384 "
		       "threads):\n");
		for (size_t i = 0; i < o->enf_hooks.n; i++)
			printf("  lsm/%s (tpc_enf_lsm%zu): denies a request's syscall with its "
			       "errno\n",
			       o->enf_hooks.v[i].lsm, i);
		for (size_t i = 0; i < o->enf_exits.n; i++)
			printf("  tracepoint/syscalls/sys_exit_%s (tpc_enf_exit%zu): the request "
			       "ends with the syscall\n",
			       o->enf_exits.v[i], i);
	}
	if (o->pidsets.n)
		printf("followForks: %zu pid set%s, process table tpc_follow %d KiB, kept by "
		       "tp_btf/sched_process_fork (inherit) and sched_process_exit (forget)\n",
		       o->pidsets.n, o->pidsets.n == 1 ? "" : "s", 32768 * 24 / 1024);
}

static int print_verified(const char *obj)
{
	struct bpf_object *o;
	struct bpf_program *p;
	int err;

	libbpf_set_print(NULL);
	o = bpf_object__open(obj);
	if (!o)
		return -errno;
	bpf_object__for_each_program(p, o) {
		const char *sec = bpf_program__section_name(p);

		if (!strncmp(sec, "lsm/", 4) || !strncmp(sec, "kprobe/", 7) ||
		    !strncmp(sec, "kretprobe/", 10) || !strncmp(sec, "fentry/", 7) ||
		    !strncmp(sec, "fexit/", 6))
			bpf_program__set_autoload(p, false);
	}
	err = bpf_object__load(o);
	if (err) {
		printf("verifier: this kernel refused the object (%s)\n", strerror(-err));
		bpf_object__close(o);
		return err;
	}
	printf("verifier (this kernel):\n");
	bpf_object__for_each_program(p, o) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p)) {
			printf("  %-24s not loadable on this kernel (%s)\n", bpf_program__name(p),
			       bpf_program__section_name(p));
			continue;
		}
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			printf("  %-24s %u instructions verified, %u translated\n",
			       bpf_program__name(p), info.verified_insns, info.xlated_prog_len / 8);
	}
	bpf_object__close(o);
	return 0;
}

static int explain_object(const char *path)
{
	int fd = open(path, O_RDONLY), ret = 1;
	Elf *e = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (fd < 0) {
		fprintf(stderr, "tpc explain: %s: %s\n", path, strerror(errno));
		return 2;
	}
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		fprintf(stderr, "tpc explain: %s: not an ELF object\n", path);
		goto cleanup;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;
		json_t *j;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, TPC_META_SECTION))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			break;
		j = json_loadb(data->d_buf, data->d_size, 0, NULL);
		if (!j)
			break;
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
		ret = 0;
		goto cleanup;
	}
	fprintf(stderr, "tpc explain: %s: no valid %s section (not built by tpc?)\n", path,
		TPC_META_SECTION);
cleanup:
	elf_end(e);
	close(fd);
	return ret;
}

int do_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ "btf", required_argument, NULL, 'b' },
		{ "no-btf", no_argument, NULL, 'B' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct frontend_opts fo = { 0 };
	struct frontend_out fout = { 0 };
	bool verify = false;
	struct arena *a = NULL;
	struct srcmap *m = NULL;
	struct diag_sink *d = NULL;
	struct ir_object ir = { 0 };
	int c, err, ret = 2;
	size_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			verify = true;
			break;
		case 'b':
			fo.sema.btf_path = optarg;
			break;
		case 'B':
			fo.sema.no_btf = true;
			break;
		case 'N':
			fo.sema.namespace_ = optarg;
			break;
		case 'h':
			printf("usage: tpc explain [--verify] [--namespace NS] POLICY.yaml...\n"
			       "       tpc explain OBJECT.bpf.o\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: tpc explain [--verify] POLICY.yaml... | OBJECT.bpf.o\n");
		return 2;
	}
	n = strlen(argv[optind]);
	if (n > 2 && !strcmp(argv[optind] + n - 2, ".o"))
		return explain_object(argv[optind]);
	a = arena__new();
	m = srcmap__new();
	d = diag_sink__new(m);
	err = build__compile(a, m, d, argv + optind, argc - optind, &fo, &ir, &fout);
	diag__render(d, DIAG_FMT_TEXT, stderr);
	if (err) {
		ret = err == -EINVAL ? 1 : 2;
		goto cleanup;
	}
	explain_ir(&ir);
	ret = 0;
	if (verify) {
		char obj[] = "/tmp/tpc-explain.XXXXXX";
		char *c_text = NULL, *meta = NULL;
		size_t len;
		FILE *cs = open_memstream(&c_text, &len);
		int fd = mkstemp(obj);
		const char *src = argv[optind];

		if (cs && fd >= 0 && !emit__c(&ir, m, &(struct emit_opts){ .sources = &src, .nsources = 1 }, cs)) {
			fclose(cs);
			cs = NULL;
			meta = meta__json(&ir, &(struct meta_opts){ &src, (const char *[]){ "" }, 1 });
			if (meta && !driver__build(c_text, meta, obj, &(struct driver_opts){ 0 }))
				print_verified(obj);
		}
		if (cs)
			fclose(cs);
		if (fd >= 0) {
			close(fd);
			unlink(obj);
		}
		free(c_text);
		free(meta);
	}
cleanup:
	frontend_out__release(&fout);
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
	return ret;
}
