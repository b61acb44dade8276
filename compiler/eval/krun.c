/* krun.c - the compiled object against the reference (see krun.h). */
#include "eval/krun.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/driver.h"
#include "emit/emit.h"
#include "tpc_test_abi.h"

#define KRUN_MAX_EVENTS 64

struct krun {
	char dir[64];
	char path[128];
	struct bpf_object *obj;
	int case_fd, out_fd;
	const struct ir_object *o;
	struct ring_buffer *rb;
	struct krun_event ev[KRUN_MAX_EVENTS];
	uint8_t evbuf[KRUN_MAX_EVENTS][TPC_EV_MAX];
	size_t nev;
	bool draining; /* records before a case are dropped */
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct krun *k = ctx;

	if (k->draining || k->nev >= KRUN_MAX_EVENTS)
		return 0;
	if (size > TPC_EV_MAX)
		size = TPC_EV_MAX;
	memcpy(k->evbuf[k->nev], data, size);
	k->ev[k->nev].size = (uint32_t)size;
	k->ev[k->nev].data = k->evbuf[k->nev];
	k->nev++;
	return 0;
}

size_t krun__events(const struct krun *k, const struct krun_event **out)
{
	*out = k->ev;
	return k->nev;
}

/* libbpf's messages, less the note that .tpc.meta is no BPF section */
static int krun_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || strstr(fmt, "unrecognized data section"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void krun__free(struct krun *k)
{
	if (!k)
		return;
	ring_buffer__free(k->rb);
	bpf_object__close(k->obj);
	if (k->path[0] && !getenv("TPC_KEEP_TEST_OBJECT"))
		unlink(k->path);
	if (k->dir[0] && !getenv("TPC_KEEP_TEST_OBJECT"))
		rmdir(k->dir);
	free(k);
}

/* One value with the loader's key layout (loader/core/obj.c fill_key). */
static int fill_one(int fd, const struct ir_map *m, const char *s, size_t n)
{
	uint8_t key[TPC_PATH_MAX + 16] = { 0 };
	uint64_t one = 1;

	if (m->key_size > sizeof(key))
		return -E2BIG;
	switch (m->kind) {
	case MAP_PATH_SET: {
		struct tpc_path_val v;
		__u64 h;

		if (tpc_path_val__init(&v, &h, s, (uint32_t)n))
			return -ENAMETOOLONG;
		return bpf_map_update_elem(fd, &h, &v, BPF_ANY) ? -errno : 0;
	}
	case MAP_PREFIX_SET: {
		uint32_t bits = (uint32_t)n * 8;

		if (n + 4 > m->key_size)
			return -ENAMETOOLONG;
		memcpy(key, &bits, 4);
		memcpy(key + 4, s, n);
		break;
	}
	default:
		if (n >= m->key_size)
			return -ENAMETOOLONG;
		memcpy(key, s, n);
	}
	return bpf_map_update_elem(fd, key, &one, BPF_ANY) ? -errno : 0;
}

static int fill_maps(struct krun *k, const char *(*resolve)(void *, const char *), void *ctx,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < k->o->maps.n; i++) {
		const struct ir_map *m = &k->o->maps.v[i];
		struct bpf_map *bm;
		int fd, r = 0;

		if (m->kind == MAP_SCOPE)
			continue; /* the test entry reads the case's scope bits */
		if (m->kind == MAP_IDENT_SET)
			continue; /* node files' identities: eval refuses such a case */
		bm = bpf_object__find_map_by_name(k->obj, m->name);
		if (!bm) {
			snprintf(err, errlen, "map %s is not in the test object", m->name);
			return -ENOENT;
		}
		fd = bpf_map__fd(bm);
		if (m->kind == MAP_INT_SET) {
			for (size_t j = 0; j < m->ints.n && !r; j++) {
				uint64_t key = (uint64_t)m->ints.v[j], one = 1;

				r = bpf_map_update_elem(fd, &key, &one, BPF_ANY) ? -errno : 0;
			}
		}
		for (size_t j = 0; j < m->strs.n && !r; j++) {
			const struct ir_strlit *l = &m->strs.v[j];
			const char *canon;

			r = fill_one(fd, m, l->s, l->len);
			/* the loader also inserts a binary's canonical form on the node */
			if (!r && m->kind == MAP_PATH_SET && m->resolve_realpath && resolve &&
			    (canon = resolve(ctx, l->s)))
				r = fill_one(fd, m, canon, strlen(canon));
		}
		if (r) {
			snprintf(err, errlen, "filling map %s: %s", m->name, strerror(-r));
			return r;
		}
	}
	return 0;
}

int krun__open(const struct ir_object *o, const struct srcmap *m,
	       const char *(*resolve)(void *ctx, const char *path), void *ctx,
	       struct krun **out, char *err, size_t errlen)
{
	struct krun *k = calloc(1, sizeof(*k));
	const char *src = "tpc-test";
	struct driver_opts dopts = { 0 };
	struct bpf_program *prog;
	char *c_text = NULL;
	size_t c_len = 0;
	FILE *cs;
	int e = -ENOMEM;

	*out = NULL;
	if (!k)
		goto fail;
	k->o = o;
	k->case_fd = k->out_fd = -1;
	snprintf(k->dir, sizeof(k->dir), "/tmp/tpc-test-XXXXXX");
	if (!mkdtemp(k->dir)) {
		e = -errno;
		k->dir[0] = 0;
		snprintf(err, errlen, "mkdtemp: %s", strerror(-e));
		goto fail;
	}
	snprintf(k->path, sizeof(k->path), "%s/test.bpf.o", k->dir);
	cs = open_memstream(&c_text, &c_len);
	if (!cs)
		goto fail;
	e = emit__c(o, m, &(struct emit_opts){ .sources = &src, .nsources = 1, .testrun = true }, cs);
	if (fclose(cs) || e) {
		snprintf(err, errlen, "cannot generate the test object's C");
		e = -EIO;
		goto fail;
	}
	if (getenv("TPC_KEEP_TEST_OBJECT")) {
		char cpath[160];
		FILE *f;

		snprintf(cpath, sizeof(cpath), "%s/test.bpf.c", k->dir);
		if ((f = fopen(cpath, "w"))) {
			fputs(c_text, f);
			fclose(f);
		}
		fprintf(stderr, "tpc test: test object kept in %s\n", k->dir);
	}
	if (getenv("TPC_TEST_INJECT_FAULT")) {
		/* the harness's own test: an object that records the wrong rule
		 * must be caught (tests/e2e/tpctest.sh) */
		char *f = NULL;

		if (asprintf(&f, "#define %s 1\n%s",
			     !strcmp(getenv("TPC_TEST_INJECT_FAULT"), "event") ? "TPC_TEST_FAULT_EVENT"
										: "TPC_TEST_FAULT",
			     c_text) < 0)
			goto fail;
		free(c_text);
		c_text = f;
	}
	libbpf_set_print(krun_print);
	e = driver__build(c_text, "{}", k->path, &dopts);
	if (e) {
		snprintf(err, errlen, "clang could not build the test object (%s)", strerror(-e));
		goto fail;
	}
	k->obj = bpf_object__open_file(k->path, NULL);
	if (!k->obj) {
		e = -errno;
		snprintf(err, errlen, "cannot open the test object: %s", strerror(-e));
		goto fail;
	}
	/* only the test entries: the production variants are for real hooks */
	bpf_object__for_each_program(prog, k->obj) {
		const char *n = bpf_program__name(prog);
		size_t len = strlen(n);

		bpf_program__set_autoload(prog, len > 5 && !strcmp(n + len - 5, "_test"));
	}
	e = bpf_object__load(k->obj);
	if (e) {
		snprintf(err, errlen, "the kernel refused the test object (%s): a verifier rejection is a compiler bug",
			 strerror(-e));
		goto fail;
	}
	k->case_fd = bpf_object__find_map_fd_by_name(k->obj, TPC_TEST_CASE_MAP);
	k->out_fd = bpf_object__find_map_fd_by_name(k->obj, TPC_TEST_OUT_MAP);
	if (k->case_fd < 0 || k->out_fd < 0) {
		e = -ENOENT;
		snprintf(err, errlen, "the test object has no case or out map");
		goto fail;
	}
	e = fill_maps(k, resolve, ctx, err, errlen);
	if (e)
		goto fail;
	k->rb = ring_buffer__new(bpf_object__find_map_fd_by_name(k->obj, TPC_EVENTS_MAP), on_record,
				 k, NULL);
	if (!k->rb) {
		e = -errno;
		snprintf(err, errlen, "cannot read the test object's events: %s", strerror(-e));
		goto fail;
	}
	free(c_text);
	*out = k;
	return 0;
fail:
	free(c_text);
	krun__free(k);
	return e;
}

static void put_str(struct tpc_test_arg *ta, const struct eval_val *v)
{
	if (v->kind == EV_NULL) {
		ta->len = -1;
		return;
	}
	ta->len = (int32_t)(v->len < TPC_STR_MAX - 1 ? v->len : TPC_STR_MAX - 1);
	memcpy(ta->s, v->s, (size_t)ta->len);
	ta->mode = v->mode;
	ta->nlink = v->nlink;
}

static void put_sa(struct tpc_ev_sockaddr *out, const struct eval_sa *sa, int protocol)
{
	out->family = (uint16_t)sa->family;
	out->port = sa->port;
	out->protocol = (uint16_t)protocol;
	memcpy(out->addr, sa->addr, sa->family == 2 ? 4 : 16);
}

int krun__case(struct krun *k, const struct ir_prog *p, const struct eval_proc *proc,
	       const struct eval_val *vals, const bool *have, uint64_t scope_bits,
	       uint64_t follow_bits, struct krun_dec *dec, size_t *ndec, char *err,
	       size_t errlen)
{
	static struct tpc_test_case c;
	static struct tpc_test_out res;
	uint64_t ctx_in[8] = { 0 };
	uint32_t zero = 0;
	char name[64];
	struct bpf_program *prog;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = ctx_in, .ctx_size_in = sizeof(ctx_in));
	const char *comm;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	*ndec = 0;
	if (p->args.n > TPC_TEST_SLOTS) {
		snprintf(err, errlen, "more than %d argument slots", TPC_TEST_SLOTS);
		return -E2BIG;
	}
	c.pid = (uint32_t)proc->pid;
	c.tid = (uint32_t)proc->tid;
	c.uid = (uint32_t)proc->uid;
	c.gid = (uint32_t)proc->gid;
	c.euid = (uint32_t)proc->euid;
	c.egid = (uint32_t)proc->egid;
	c.ppid = (uint32_t)proc->ppid;
	c.nspid = (uint32_t)proc->nspid;
	c.cgroup = (uint64_t)proc->cgroup;
	memcpy(c.caps, proc->caps, sizeof(c.caps));
	memcpy(c.caps_exec, proc->caps_exec, sizeof(c.caps_exec));
	for (int i = 0; i < 10 && i < NS__COUNT; i++) {
		/* a host namespace: a number no case gives */
		c.host_ns[i] = 0xf0000000u + (uint32_t)i;
		c.ns[i] = proc->ns[i].host ? c.host_ns[i] : (uint32_t)proc->ns[i].inode;
		c.ns_exec[i] = proc->ns_exec[i].host ? c.host_ns[i] : (uint32_t)proc->ns_exec[i].inode;
	}
	c.scope_bits = scope_bits;
	c.follow_bits = follow_bits;
	c.blen = proc->binary && proc->binary[0] ? (int32_t)strlen(proc->binary) : -1;
	c.pblen = proc->parent_binary && proc->parent_binary[0] ? (int32_t)strlen(proc->parent_binary)
								 : -1;
	if (c.blen >= TPC_PATH_MAX - 1 || c.pblen >= TPC_PATH_MAX - 1) {
		snprintf(err, errlen, "a binary path longer than %d bytes", TPC_PATH_MAX - 2);
		return -ENAMETOOLONG;
	}
	if (c.blen > 0)
		memcpy(c.bin, proc->binary, (size_t)c.blen);
	if (c.pblen > 0)
		memcpy(c.pbin, proc->parent_binary, (size_t)c.pblen);
	comm = proc->comm;
	if (!comm) {
		const char *b = proc->binary ? proc->binary : "";
		const char *sl = strrchr(b, '/');

		comm = sl ? sl + 1 : b;
	}
	strncpy(c.comm, comm, 15);
	for (size_t i = 0; i < p->args.n; i++) {
		const struct ir_arg *a = &p->args.v[i];
		struct tpc_test_arg *ta = &c.args[a->slot];

		if (!have[a->slot]) {
			ta->len = -1; /* never needed by the decision (see eval.h) */
			continue;
		}
		switch (vals[a->slot].kind) {
		case EV_INT:
			ta->i = (uint64_t)vals[a->slot].i;
			break;
		case EV_STR:
		case EV_NULL:
			put_str(ta, &vals[a->slot]);
			break;
		case EV_SA:
			put_sa(&ta->sa[0], &vals[a->slot].sa[0], vals[a->slot].protocol);
			put_sa(&ta->sa[1], &vals[a->slot].sa[1], vals[a->slot].protocol);
			ta->state = (uint32_t)vals[a->slot].state;
			break;
		}
	}
	if (bpf_map_update_elem(k->case_fd, &zero, &c, BPF_ANY) ||
	    bpf_map_update_elem(k->out_fd, &zero, &res, BPF_ANY)) {
		snprintf(err, errlen, "writing the case: %s", strerror(errno));
		return -errno;
	}
	k->draining = true;
	ring_buffer__consume(k->rb);
	k->draining = false;
	k->nev = 0;
	snprintf(name, sizeof(name), "tpc_p%d_test", p->id);
	prog = bpf_object__find_program_by_name(k->obj, name);
	if (!prog) {
		snprintf(err, errlen, "no test entry %s", name);
		return -ENOENT;
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &topts)) {
		snprintf(err, errlen, "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -errno;
	}
	ring_buffer__consume(k->rb);
	if (bpf_map_lookup_elem(k->out_fd, &zero, &res)) {
		snprintf(err, errlen, "reading the decisions: %s", strerror(errno));
		return -errno;
	}
	for (uint32_t i = 0; i < res.n && i < TPC_TEST_MAXDEC && *ndec < KRUN_MAX_DEC; i++) {
		dec[*ndec].rule = (int)res.d[i].rule;
		dec[*ndec].action = res.d[i].action;
		dec[*ndec].ret = res.d[i].ret;
		(*ndec)++;
	}
	return 0;
}

static bool prog_denies(const struct ir_prog *p)
{
	for (size_t i = 0; i < p->variants.n; i++)
		if (p->variants.v[i].deny_capable)
			return true;
	return false;
}

void krun__expected_flags(const struct ir_prog *p, const struct ir_rule *r, unsigned *action,
			  int *ret)
{
	const struct ir_action *act = &r->act;

	*action = 0;
	*ret = 0;
	if (act->deny && act->kill) { /* the exec shorthand's Block */
		if (prog_denies(p)) {
			*action |= TPC_ACT_OVERRIDE;
			*ret = -act->deny;
		} else {
			*action |= TPC_ACT_SIGKILL;
			*ret = 9;
		}
	} else {
		if (act->deny && prog_denies(p)) {
			*action |= TPC_ACT_OVERRIDE;
			*ret = -act->deny;
		}
		if (act->kill) {
			*action |= TPC_ACT_SIGKILL;
			*ret = 9;
		}
		if (act->signal) {
			*action |= act->signal == 9 ? TPC_ACT_SIGKILL : TPC_ACT_SIGNAL;
			*ret = act->signal;
		}
	}
	if (act->post)
		*action |= TPC_ACT_POST;
}
