/* cases.c - `tpc test` cases files (see cases.h). */
#include "eval/cases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/values.h"
#include "tpc_abi.h"

#define CASES_MAX_BYTES (4u * 1024 * 1024)

struct ld {
	struct arena *a;
	const struct srcmap *m;
	struct diag_sink *d;
	struct case_file *cf;
	int errors;
};

#define CERR(L, sp, ...)                                                       \
	do {                                                                   \
		diag__error((L)->d, (sp), "bad-case", __VA_ARGS__);            \
		(L)->errors++;                                                 \
	} while (0)

static bool is_scalar(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR && !ynode__is_null(n);
}

static const char *kind_desc(const struct ynode *n)
{
	if (!n || ynode__is_null(n))
		return "nothing";
	return n->kind == YN_MAP ? "a mapping" : n->kind == YN_SEQ ? "a list" : "a scalar";
}

/* Every key of mapping n must be in keys (NULL-terminated). */
static bool check_keys(struct ld *L, const struct ynode *n, const char *what,
		       const char *const *keys)
{
	bool ok = true;

	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->keys[i];
		bool known = false;
		const char *sug;

		for (size_t j = 0; keys[j] && k->kind == YN_SCALAR; j++)
			known |= !strcmp(k->s, keys[j]);
		for (size_t j = 0; j < i && known; j++)
			if (n->keys[j]->kind == YN_SCALAR && !strcmp(n->keys[j]->s, k->s)) {
				CERR(L, k->span, "duplicate key '%s' in %s", diag_quote(k->s, k->len),
				     what);
				ok = false;
			}
		if (known)
			continue;
		sug = k->kind == YN_SCALAR ? diag_suggest(k->s, keys) : NULL;
		CERR(L, k->span, "unknown key '%s' in %s%s%s%s",
		     k->kind == YN_SCALAR ? diag_quote(k->s, k->len) : "?", what,
		     sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
		ok = false;
	}
	return ok;
}

static const struct ynode *map_get(const struct ynode *n, const char *key)
{
	if (!n || n->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (n->keys[i]->kind == YN_SCALAR && !strcmp(n->keys[i]->s, key))
			return n->vals[i];
	return NULL;
}

static const char *want_str(struct ld *L, const struct ynode *n, const char *what)
{
	if (!is_scalar(n)) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a string for '%s', got %s", what,
		     kind_desc(n));
		return NULL;
	}
	if (strlen(n->s) != n->len) {
		CERR(L, n->span, "'%s' holds a NUL byte", what);
		return NULL;
	}
	return n->s;
}

static int want_int(struct ld *L, const struct ynode *n, const char *what, enum arg_type t,
		    int64_t *out)
{
	const char *why;

	if (!is_scalar(n)) {
		CERR(L, n ? n->span : SPAN_NONE, "expected an integer for '%s', got %s", what,
		     kind_desc(n));
		return -EINVAL;
	}
	if (value__parse_int(n->s, t, out, &why)) {
		CERR(L, n->span, "bad integer for '%s': %s", what, why);
		return -EINVAL;
	}
	return 0;
}

/* [CAP_NET_RAW, ...] or an integer mask */
static int want_caps(struct ld *L, const struct ynode *n, const char *what, uint64_t *out)
{
	*out = 0;
	if (is_scalar(n)) {
		int64_t v;

		if (want_int(L, n, what, ARG_UINT64, &v))
			return -EINVAL;
		*out = (uint64_t)v;
		return 0;
	}
	if (!n || n->kind != YN_SEQ) {
		CERR(L, n ? n->span : SPAN_NONE,
		     "expected a list of capabilities for '%s', got %s", what, kind_desc(n));
		return -EINVAL;
	}
	for (size_t i = 0; i < n->n; i++) {
		int cap;

		if (!is_scalar(n->items[i]) || capability__lookup(n->items[i]->s, &cap)) {
			CERR(L, n->items[i]->span, "unknown capability in '%s'", what);
			return -EINVAL;
		}
		*out |= 1ull << cap;
	}
	return 0;
}

static void load_caps(struct ld *L, const struct ynode *n, const char *what, uint64_t caps[3])
{
	static const char *const keys[] = { "effective", "inheritable", "permitted", NULL };

	if (!n || n->kind != YN_MAP) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a mapping for '%s', got %s", what,
		     kind_desc(n));
		return;
	}
	check_keys(L, n, what, keys);
	for (int i = 0; i < 3; i++) {
		const struct ynode *v = map_get(n, keys[i]);

		if (v && want_caps(L, v, keys[i], &caps[i]))
			return;
	}
}

static const char *const ns_keys[] = { "uts", "ipc", "mnt", "pid", "pid_for_children", "net",
				       "time", "time_for_children", "cgroup", "user", NULL };

static void load_ns(struct ld *L, const struct ynode *n, struct eval_ns ns[NS__COUNT])
{
	if (!n || n->kind != YN_MAP) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a mapping for 'namespaces', got %s",
		     kind_desc(n));
		return;
	}
	check_keys(L, n, "namespaces", ns_keys);
	for (int i = 0; i < NS__COUNT && ns_keys[i]; i++) {
		const struct ynode *v = map_get(n, ns_keys[i]);
		int64_t ino;

		if (!v)
			continue;
		if (is_scalar(v) && !strcmp(v->s, "host")) {
			ns[i].host = true;
			continue;
		}
		if (want_int(L, v, ns_keys[i], ARG_UINT32, &ino))
			return;
		ns[i].host = false;
		ns[i].inode = ino;
	}
}

static void load_pod(struct ld *L, const struct ynode *n, struct eval_pod *pod)
{
	static const char *const keys[] = { "namespace", "name", "labels", "container", "image",
					    NULL };
	const struct ynode *v;

	if (!n || n->kind != YN_MAP) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a mapping for 'pod', got %s",
		     kind_desc(n));
		return;
	}
	check_keys(L, n, "pod", keys);
	pod->present = true;
	pod->ns = "default";
	pod->name = "";
	if ((v = map_get(n, "namespace")))
		pod->ns = want_str(L, v, "namespace");
	if ((v = map_get(n, "name")))
		pod->name = want_str(L, v, "name");
	if ((v = map_get(n, "container"))) {
		if (v->kind == YN_MAP) {
			static const char *const ck[] = { "name", "image", NULL };

			check_keys(L, v, "container", ck);
			pod->container = map_get(v, "name") ? want_str(L, map_get(v, "name"), "name")
							    : "";
			if (map_get(v, "image"))
				pod->image = want_str(L, map_get(v, "image"), "image");
		} else {
			pod->container = want_str(L, v, "container");
		}
	}
	if ((v = map_get(n, "image")))
		pod->image = want_str(L, v, "image");
	if ((v = map_get(n, "labels"))) {
		struct eval_label *ls;

		if (v->kind != YN_MAP) {
			CERR(L, v->span, "expected a mapping for 'labels', got %s", kind_desc(v));
			return;
		}
		ls = arena__calloc(L->a, v->n + 1, sizeof(*ls));
		for (size_t i = 0; i < v->n; i++) {
			ls[i].key = want_str(L, v->keys[i], "label key");
			ls[i].value = want_str(L, v->vals[i], "label value");
		}
		pod->labels = ls;
		pod->nlabels = v->n;
	}
}

static void load_pids(struct ld *L, const struct ynode *n, const char *what, const int64_t **out,
		      size_t *nout)
{
	int64_t *v;

	if (!n || n->kind != YN_SEQ) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a list of pids for '%s', got %s", what,
		     kind_desc(n));
		return;
	}
	v = arena__calloc(L->a, n->n + 1, sizeof(*v));
	for (size_t i = 0; i < n->n; i++)
		if (want_int(L, n->items[i], what, ARG_UINT32, &v[i]))
			return;
	*out = v;
	if (nout)
		*nout = n->n;
}

static void load_proc(struct ld *L, const struct ynode *n, struct eval_proc *p)
{
	static const char *const keys[] = { "binary", "parent_binary", "comm", "pid", "tid",
					    "ppid", "nspid", "uid", "gid", "euid", "egid",
					    "cgroup", "caps", "caps_at_exec", "namespaces",
					    "namespaces_at_exec",
					    "ancestors", "ancestors_nspid", "pod", NULL };
	static const char *const ints[] = { "pid", "tid", "ppid", "nspid", "uid", "gid",
					    "euid", "egid", "cgroup" };
	int64_t *const dst[] = { &p->pid, &p->tid, &p->ppid, &p->nspid, &p->uid,
				 &p->gid, &p->euid, &p->egid, &p->cgroup };
	const struct ynode *v;
	bool tid = false, nspid = false;

	if (!n || n->kind != YN_MAP) {
		CERR(L, n ? n->span : SPAN_NONE, "expected a mapping for 'process', got %s",
		     kind_desc(n));
		return;
	}
	check_keys(L, n, "process", keys);
	if ((v = map_get(n, "binary")))
		p->binary = want_str(L, v, "binary");
	if ((v = map_get(n, "parent_binary")))
		p->parent_binary = want_str(L, v, "parent_binary");
	if ((v = map_get(n, "comm")))
		p->comm = want_str(L, v, "comm");
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (!(v = map_get(n, ints[i])))
			continue;
		want_int(L, v, ints[i], i == 8 ? ARG_UINT64 : ARG_UINT32, dst[i]);
		tid |= i == 1;
		nspid |= i == 3;
	}
	if (!tid)
		p->tid = p->pid;
	if (!nspid)
		p->nspid = p->pid;
	if ((v = map_get(n, "caps")))
		load_caps(L, v, "caps", p->caps);
	memcpy(p->caps_exec, p->caps, sizeof(p->caps));
	if ((v = map_get(n, "caps_at_exec")))
		load_caps(L, v, "caps_at_exec", p->caps_exec);
	if ((v = map_get(n, "namespaces")))
		load_ns(L, v, p->ns);
	memcpy(p->ns_exec, p->ns, sizeof(p->ns));
	if ((v = map_get(n, "namespaces_at_exec")))
		load_ns(L, v, p->ns_exec);
	if ((v = map_get(n, "ancestors")))
		load_pids(L, v, "ancestors", &p->ancestors, &p->nancestors);
	if ((v = map_get(n, "ancestors_nspid"))) {
		size_t k = 0;

		load_pids(L, v, "ancestors_nspid", &p->ancestors_ns, &k);
		if (k != p->nancestors)
			CERR(L, v->span, "'ancestors_nspid' needs one pid per entry of 'ancestors'");
	}
	if ((v = map_get(n, "pod")))
		load_pod(L, v, &p->pod);
}

static void load_expect_one(struct ld *L, const struct ynode *n, struct case_expect *e)
{
	static const char *const keys[] = { "policy", "action", "selector", NULL };
	const struct ynode *v;

	e->span = n->span;
	e->selector = -2;
	if (n->kind != YN_MAP) {
		CERR(L, n->span, "expected a mapping {policy, action} in 'expect', got %s",
		     kind_desc(n));
		return;
	}
	check_keys(L, n, "expect", keys);
	v = map_get(n, "policy");
	if (!v) {
		CERR(L, n->span, "'expect' needs 'policy' (or write 'expect: none')");
		return;
	}
	e->policy = want_str(L, v, "policy");
	e->policy_span = v->span;
	if ((v = map_get(n, "action"))) {
		if (is_scalar(v) && !strcmp(v->s, "none")) {
			e->none = true;
		} else if (v->kind == YN_SEQ) {
			for (size_t i = 0; i < v->n; i++) {
				const char *s = want_str(L, v->items[i], "action");

				if (s)
					VEC_PUSH(L->a, e->actions, s);
			}
		} else {
			const char *s = want_str(L, v, "action");

			if (s)
				VEC_PUSH(L->a, e->actions, s);
		}
		for (size_t i = 0; i < e->actions.n; i++) {
			enum action act;

			if (action__lookup(e->actions.v[i], &act))
				CERR(L, v->kind == YN_SEQ ? v->items[i]->span : v->span,
				     "unknown action '%s'", diag_quote(e->actions.v[i],
								      strlen(e->actions.v[i])));
		}
	}
	if ((v = map_get(n, "selector")))
		want_int(L, v, "selector", ARG_INT32, &e->selector);
}

static void load_case(struct ld *L, const struct ynode *n)
{
	static const char *const keys[] = { "name", "hook", "process", "args", "return", "expect",
					    NULL };
	struct tcase c = { 0 };
	const struct ynode *v;
	int before = L->errors;

	c.span = n->span;
	if (n->kind != YN_MAP) {
		CERR(L, n->span, "expected a mapping for a case, got %s", kind_desc(n));
		return;
	}
	check_keys(L, n, "a case", keys);
	for (int i = 0; i < NS__COUNT; i++)
		c.proc.ns[i].host = c.proc.ns_exec[i].host = true;
	c.proc.pid = c.proc.tid = c.proc.nspid = 1000;
	c.proc.ppid = 1;
	c.proc.cgroup = 1;
	c.proc.binary = "";
	c.proc.parent_binary = "";
	if ((v = map_get(n, "name"))) {
		c.name = want_str(L, v, "name");
		c.name_span = v->span;
	} else {
		c.name = arena__sprintf(L->a, "case %zu", L->cf->cases.n + 1);
		c.name_span = n->span;
	}
	if (!(v = map_get(n, "hook")))
		CERR(L, n->span, "the case needs a 'hook' (exec, a kprobe's call, subsystem/event, an LSM hook)");
	else {
		c.hook = want_str(L, v, "hook");
		c.hook_span = v->span;
	}
	if ((v = map_get(n, "process")))
		load_proc(L, v, &c.proc);
	if ((v = map_get(n, "args"))) {
		if (v->kind != YN_SEQ && v->kind != YN_MAP && !ynode__is_null(v))
			CERR(L, v->span, "expected a list (by position) or a mapping (by label) for 'args', got %s",
			     kind_desc(v));
		else if (!ynode__is_null(v))
			c.args = v;
	}
	c.retv = map_get(n, "return");
	if (!(v = map_get(n, "expect"))) {
		if (!L->cf->differential)
			CERR(L, n->span, "the case needs 'expect' (a {policy, action} mapping, a list of them, or none)");
	} else {
		c.expect_span = v->span;
		if (ynode__is_null(v) || (is_scalar(v) && !strcmp(v->s, "none"))) {
			c.expect_none = true;
		} else if (v->kind == YN_SEQ) {
			c.expect_exact = true;
			for (size_t i = 0; i < v->n; i++) {
				struct case_expect e = { 0 };

				load_expect_one(L, v->items[i], &e);
				VEC_PUSH(L->a, c.expect, e);
			}
		} else {
			struct case_expect e = { 0 };

			load_expect_one(L, v, &e);
			VEC_PUSH(L->a, c.expect, e);
		}
	}
	c.bad = L->errors != before;
	VEC_PUSH(L->a, L->cf->cases, c);
}

static void load_doc(void *ctx, const struct ydoc *doc)
{
	static const char *const keys[] = { "cases", "links", NULL };
	struct ld *L = ctx;
	const struct ynode *r = doc->root, *v;

	if (!r)
		return;
	if (r->kind != YN_MAP) {
		CERR(L, r->span, "a cases file is a mapping with 'cases:' (and 'links:'), got %s",
		     kind_desc(r));
		return;
	}
	check_keys(L, r, "a cases file", keys);
	if ((v = map_get(r, "links"))) {
		if (v->kind != YN_MAP) {
			CERR(L, v->span, "expected a mapping PATH: CANONICAL_PATH for 'links', got %s",
			     kind_desc(v));
		} else {
			for (size_t i = 0; i < v->n; i++) {
				const char *f = want_str(L, v->keys[i], "link");
				const char *t = want_str(L, v->vals[i], "link target");

				if (f && t) {
					VEC_PUSH(L->a, L->cf->link_from, f);
					VEC_PUSH(L->a, L->cf->link_to, t);
				}
			}
		}
	}
	v = map_get(r, "cases");
	if (!v || v->kind != YN_SEQ) {
		CERR(L, v ? v->span : r->span, "expected a list for 'cases', got %s", kind_desc(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		load_case(L, v->items[i]);
}

int cases__load(struct arena *a, struct srcmap *m, struct diag_sink *d, const char *path,
		bool differential, struct case_file *out)
{
	struct ld L = { .a = a, .m = m, .d = d, .cf = out };
	uint32_t id = srcmap__add_file(m, path, CASES_MAX_BYTES);

	memset(out, 0, sizeof(*out));
	out->name = path;
	out->differential = differential;
	if (!id) {
		diag__error(d, SPAN_NONE, "io", "%s: %s", path,
			    errno == EFBIG ? "file too large" : strerror(errno));
		return -EINVAL;
	}
	if (yaml_tree__load_all(a, m, d, id, load_doc, &L) < 0)
		return -EINVAL;
	return L.errors ? -EINVAL : 0;
}

/* ---- running a case ---------------------------------------------------- */

struct rc {
	struct ld L;
	const struct ir_object *o;
	const struct case_file *cf;
	const struct tcase *c;
};

static const char *resolve(void *ctx, const char *path)
{
	const struct rc *R = ctx;

	return cases__resolve((void *)R->cf, path);
}

const char *cases__resolve(void *cfp, const char *path)
{
	const struct case_file *cf = cfp;
	const char *cur = path;

	/* follow the node's links (a chain, at most 8 deep) */
	for (int depth = 0; depth < 8; depth++) {
		const char *next = NULL;

		for (size_t i = 0; i < cf->link_from.n; i++)
			if (!strcmp(cf->link_from.v[i], cur))
				next = cf->link_to.v[i];
		if (!next)
			break;
		cur = next;
	}
	return cur == path ? NULL : cur;
}

/* "10.0.0.1", "::1", "10.0.0.1:443", "[::1]:443" */
static int parse_sa(struct ld *L, const struct ynode *n, const char *s, bool port_ok,
		    struct eval_sa *sa)
{
	char buf[128];
	const char *addr = s, *port = NULL;
	size_t len = strlen(s);

	memset(sa, 0, sizeof(*sa));
	if (len >= sizeof(buf)) {
		CERR(L, n->span, "address too long");
		return -EINVAL;
	}
	memcpy(buf, s, len + 1);
	if (buf[0] == '[') {
		char *e = strchr(buf, ']');

		if (!e) {
			CERR(L, n->span, "bad address '%s': missing ']'", diag_quote(s, len));
			return -EINVAL;
		}
		*e = 0;
		addr = buf + 1;
		if (e[1] == ':')
			port = e + 2;
		else if (e[1]) {
			CERR(L, n->span, "bad address '%s'", diag_quote(s, len));
			return -EINVAL;
		}
	} else {
		char *c = strchr(buf, ':');

		addr = buf;
		if (c && !strchr(c + 1, ':')) {
			*c = 0;
			port = c + 1;
		}
	}
	if (inet_pton(AF_INET, addr, sa->addr) == 1)
		sa->family = 2;
	else if (inet_pton(AF_INET6, addr, sa->addr) == 1)
		sa->family = 10;
	else {
		CERR(L, n->span, "bad address '%s' (an IPv4 or IPv6 address, optionally with :port)",
		     diag_quote(s, len));
		return -EINVAL;
	}
	if (port) {
		int64_t p;
		const char *why;

		if (!port_ok) {
			CERR(L, n->span, "no port here");
			return -EINVAL;
		}
		if (value__parse_int(port, ARG_UINT16, &p, &why)) {
			CERR(L, n->span, "bad port: %s", why);
			return -EINVAL;
		}
		sa->port = (uint16_t)p;
	}
	return 0;
}

static int parse_sock_map(struct ld *L, const struct ynode *n, bool sock, struct eval_val *out)
{
	static const char *const skeys[] = { "daddr", "dport", "saddr", "sport", "family",
					     "protocol", "state", NULL };
	static const char *const akeys[] = { "addr", "port", "family", "protocol", NULL };
	const struct ynode *v;
	int64_t x;
	const char *why;

	if (!check_keys(L, n, sock ? "a socket" : "a socket address", sock ? skeys : akeys))
		return -EINVAL;
	for (int side = 0; side < (sock ? 2 : 1); side++) {
		const char *ak = sock ? (side ? "saddr" : "daddr") : "addr";
		const char *pk = sock ? (side ? "sport" : "dport") : "port";

		if ((v = map_get(n, ak))) {
			if (!is_scalar(v) || parse_sa(L, v, v->s, false, &out->sa[side]))
				return -EINVAL;
		}
		if ((v = map_get(n, pk))) {
			if (want_int(L, v, pk, ARG_UINT16, &x))
				return -EINVAL;
			out->sa[side].port = (uint16_t)x;
		}
	}
	if (sock && !out->sa[1].family)
		out->sa[1].family = out->sa[0].family;
	if ((v = map_get(n, "family"))) {
		int f;

		if (!is_scalar(v) || value__parse_family(v->s, &f, &why)) {
			CERR(L, v->span, "bad family");
			return -EINVAL;
		}
		out->sa[0].family = out->sa[1].family = f;
	}
	if ((v = map_get(n, "protocol"))) {
		if (!is_scalar(v) || value__parse_protocol(v->s, &out->protocol, &why)) {
			CERR(L, v->span, "bad protocol");
			return -EINVAL;
		}
	}
	if ((v = map_get(n, "state"))) {
		if (!is_scalar(v) || value__parse_tcp_state(v->s, &out->state, &why)) {
			CERR(L, v->span, "bad TCP state");
			return -EINVAL;
		}
	}
	return 0;
}

/* A value of the case for an argument the program reads as a. */
static int parse_value(struct ld *L, const struct ynode *n, const struct ir_arg *a,
		       struct eval_val *out)
{
	const char *why;

	switch (a->kind) {
	case AK_INT:
		out->kind = EV_INT;
		if (!is_scalar(n)) {
			CERR(L, n->span, "expected an integer, got %s", kind_desc(n));
			return -EINVAL;
		}
		if (value__parse_int(n->s, a->type, &out->i, &why) &&
		    value__parse_int(n->s, ARG_INT64, &out->i, &why) &&
		    value__parse_int(n->s, ARG_UINT64, &out->i, &why)) {
			CERR(L, n->span, "bad integer: %s", why);
			return -EINVAL;
		}
		return 0;
	case AK_CAPS: {
		uint64_t caps;

		out->kind = EV_INT;
		if (want_caps(L, n, "capabilities", &caps))
			return -EINVAL;
		out->i = (int64_t)caps;
		return 0;
	}
	case AK_USTR:
	case AK_KSTR:
	case AK_DATALOC:
	case AK_COMM:
	case AK_FILE:
	case AK_PATH:
	case AK_BPRM:
	case AK_DENTRY:
	case AK_FD: {
		bool path = a->kind >= AK_FILE && a->kind <= AK_FD;
		const struct ynode *s = n;
		size_t max = (path ? TPC_PATH_MAX : TPC_STR_MAX) - 1;

		if (ynode__is_null(n)) {
			out->kind = EV_NULL; /* the read or the resolution failed */
			return 0;
		}
		if (path && n->kind == YN_MAP) {
			static const char *const keys[] = { "path", "type", "nlink", NULL };
			const struct ynode *v;

			if (!check_keys(L, n, "a file", keys))
				return -EINVAL;
			s = map_get(n, "path");
			if ((v = map_get(n, "type"))) {
				if (!is_scalar(v) || value__parse_file_type(v->s, &out->mode, &why)) {
					CERR(L, v->span, "bad file type (reg, dir, lnk, chr, blk, fifo, sock)");
					return -EINVAL;
				}
			}
			if ((v = map_get(n, "nlink"))) {
				int64_t nl;

				if (want_int(L, v, "nlink", ARG_UINT32, &nl))
					return -EINVAL;
				out->nlink = (unsigned)nl;
			}
			if (!s || ynode__is_null(s)) {
				out->kind = EV_NULL;
				return 0;
			}
		}
		if (!is_scalar(s)) {
			CERR(L, s->span, "expected a %s, got %s", path ? "path" : "string",
			     kind_desc(s));
			return -EINVAL;
		}
		if (s->len > max) {
			CERR(L, s->span, "%zu bytes: longer than the %zu bytes the program reads (the kernel's copy is cut; not modelled)",
			     s->len, max);
			return -EINVAL;
		}
		if (path && s->s[0] != '/') {
			CERR(L, s->span, "a path argument is canonical: it starts with '/'");
			return -EINVAL;
		}
		out->kind = EV_STR;
		out->s = s->s;
		out->len = s->len;
		return 0;
	}
	case AK_SOCKADDR:
	case AK_SOCK:
		out->kind = EV_SA;
		out->protocol = a->kind == AK_SOCK ? 6 : 0;
		out->state = a->kind == AK_SOCK ? 1 : 0;
		if (n->kind == YN_MAP)
			return parse_sock_map(L, n, a->kind == AK_SOCK, out);
		if (!is_scalar(n)) {
			CERR(L, n->span, "expected an address \"10.0.0.1:443\" or a mapping, got %s",
			     kind_desc(n));
			return -EINVAL;
		}
		if (parse_sa(L, n, n->s, true, &out->sa[0]))
			return -EINVAL;
		out->sa[1].family = out->sa[0].family;
		return 0;
	case AK_UBUF:
	case AK_KBUF:
	case AK_ITER:
	case AK_UIOV:
	case AK_KIOV:
	case AK_KOBJ:
	case AK_SKB:
	case AK_NETDEV:
		/* buffers and kernel objects: not modelled yet, refused below */
		break;
	}
	CERR(L, n->span, "tpc test cannot give a value to arguments of this kind (%d) yet",
	     (int)a->kind);
	return -EOPNOTSUPP;
}

/* The case's node for position pos of sp's hook (or its return value). */
static const struct ynode *case_arg(const struct tcase *c, const struct ir_spec *sp, int pos,
				    const struct ir_arg *a)
{
	const struct ast_arg *aa;

	if (pos < 0)
		return a->is_return ? c->retv : NULL;
	if (!c->args)
		return NULL;
	if (c->args->kind == YN_SEQ)
		return (size_t)pos < c->args->n ? c->args->items[pos] : NULL;
	aa = &sp->hook->args.v[pos];
	for (size_t i = 0; i < c->args->n; i++) {
		const struct ynode *k = c->args->keys[i];

		if (k->kind != YN_SCALAR)
			continue;
		if (aa->label.s && !strcmp(k->s, aa->label.s))
			return c->args->vals[i];
	}
	return NULL;
}

/* The case's node for slot `slot` as spec sp reads it at pos; else as
 * another entry of the same prog that answers to the hook declares it: one
 * slot is one read of the kernel, whatever each policy labels it. */
static const struct ynode *slot_node(const struct tcase *c, const struct ir_prog *p,
				     const struct ir_spec *sp, int slot, int pos)
{
	const struct ir_arg *a = &p->args.v[slot];
	const struct ynode *n = case_arg(c, sp, pos, a);

	for (size_t si = 0; !n && pos >= 0 && si < p->specs.n; si++) {
		const struct ir_spec *o = &p->specs.v[si];

		if (o == sp || !o->arg_slots || !eval__hook_matches(p, o, c->hook, c->retv != NULL))
			continue;
		for (size_t k = 0; !n && k < o->hook->args.n; k++)
			if (o->arg_slots[k] == slot)
				n = case_arg(c, o, (int)k, a);
	}
	return n;
}

/* Differential runs: a value no case gives is zero, for both sides. */
static void zero_value(const struct ir_arg *a, struct eval_val *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = S_IFREG;
	out->nlink = 1;
	out->s = "";
	switch (a->kind) {
	case AK_INT:
	case AK_CAPS:
		out->kind = EV_INT;
		break;
	case AK_SOCKADDR:
	case AK_SOCK:
		out->kind = EV_SA;
		break;
	default:
		out->kind = EV_STR;
	}
}

static int arg_cb(void *ctx, const struct ir_prog *p, const struct ir_spec *sp, int slot, int pos,
		  struct eval_val *out)
{
	struct rc *R = ctx;
	const struct ir_arg *a = &p->args.v[slot];
	const struct ynode *n = slot_node(R->c, p, sp, slot, pos);
	int before = R->L.errors;

	if (!n && R->cf->differential) {
		zero_value(a, out);
		return 0;
	}
	if (!n)
		return -ENOENT;
	if (parse_value(&R->L, n, a, out))
		return before != R->L.errors ? -EINVAL : -EOPNOTSUPP;
	return 0;
}

/* Every argument the case names must exist on a hook entry it runs (the
 * policies on one hook may declare different arguments: each entry reads
 * what it declares). */
static int check_args(struct rc *R)
{
	const struct tcase *c = R->c;
	struct ld *L = &R->L;
	const struct ast_hook *first = NULL, *widest = NULL;
	const char *fpol = "", *wpol = "";
	VEC(const char *) labels = { 0 };
	bool ret_ok = false;

	for (size_t pi = 0; pi < R->o->progs.n; pi++) {
		const struct ir_prog *p = R->o->progs.v[pi];

		for (size_t si = 0; si < p->specs.n; si++) {
			const struct ir_spec *sp = &p->specs.v[si];
			const struct ast_hook *h = sp->hook;

			if (!eval__hook_matches(p, sp, c->hook, c->retv != NULL))
				continue;
			if (!first) {
				first = h;
				fpol = R->o->policies.v[sp->policy].name;
			}
			if (!widest || h->args.n > widest->args.n) {
				widest = h;
				wpol = R->o->policies.v[sp->policy].name;
			}
			ret_ok |= h->has_return_arg;
			for (size_t j = 0; j < h->args.n; j++)
				if (h->args.v[j].label.s)
					VEC_PUSH(L->a, labels, h->args.v[j].label.s);
		}
	}
	if (!first)
		return 0; /* eval__run reports the hook */
	if (c->retv && !ret_ok) {
		CERR(L, c->retv->span, "hook '%s' of policy '%s' has no return value (no returnArg)",
		     diag_quote(c->hook, strlen(c->hook)), diag_quote(fpol, strlen(fpol)));
		diag__note(L->d, first->span, "the hook is declared here");
	}
	if (c->args && c->args->kind == YN_SEQ && c->args->n > widest->args.n) {
		CERR(L, c->args->items[widest->args.n]->span,
		     "hook '%s' of policy '%s' has %zu argument%s; this is argument %zu",
		     diag_quote(c->hook, strlen(c->hook)), diag_quote(wpol, strlen(wpol)),
		     widest->args.n, widest->args.n == 1 ? "" : "s", widest->args.n + 1);
		diag__note(L->d, widest->span, "the hook is declared here");
	}
	VEC_PUSH(L->a, labels, NULL);
	for (size_t i = 0; c->args && c->args->kind == YN_MAP && i < c->args->n; i++) {
		const struct ynode *k = c->args->keys[i];
		bool found = false;
		const char *sug;

		for (size_t j = 0; labels.v[j]; j++)
			found |= k->kind == YN_SCALAR && !strcmp(k->s, labels.v[j]);
		if (found)
			continue;
		sug = k->kind == YN_SCALAR ? diag_suggest(k->s, labels.v) : NULL;
		CERR(L, k->span, "hook '%s' of policy '%s' has no argument labelled '%s'%s%s%s",
		     diag_quote(c->hook, strlen(c->hook)), diag_quote(fpol, strlen(fpol)),
		     k->kind == YN_SCALAR ? diag_quote(k->s, k->len) : "?",
		     sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
		diag__note(L->d, first->span, "the hook is declared here");
	}
	return L->errors ? -EINVAL : 0;
}

static int policy_index(const struct ir_object *o, const char *name)
{
	for (size_t i = 0; i < o->policies.n; i++)
		if (!strcmp(o->policies.v[i].name, name))
			return (int)i;
	return -1;
}

static bool has_action(const struct eval_decision *dc, const char *a)
{
	for (size_t i = 0; i < dc->nactions; i++)
		if (!strcmp(dc->actions[i], a))
			return true;
	return false;
}

static void describe_expect(char *buf, size_t size, const struct case_expect *e)
{
	size_t n = (size_t)snprintf(buf, size, "%s", e->policy ? e->policy : "?");

	if (e->none && n < size)
		n += (size_t)snprintf(buf + n, size - n, " takes no decision");
	for (size_t i = 0; i < e->actions.n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "+" : " ", e->actions.v[i]);
	if (e->selector > -2 && n < size)
		snprintf(buf + n, size - n, " (selector %lld)", (long long)e->selector);
}

/* Does expectation e hold on the decisions? why: what differs. */
static bool expect_holds(const struct ir_object *o, const struct case_expect *e,
			 const struct eval_result *res, char *why, size_t size)
{
	int pol = policy_index(o, e->policy);
	char want[256];

	describe_expect(want, sizeof(want), e);
	for (size_t i = 0; i < res->n; i++) {
		const struct eval_decision *dc = &res->v[i];
		bool ok = true;

		if (dc->policy != pol)
			continue;
		if (e->none) {
			snprintf(why, size, "expected %s", want);
			return false;
		}
		for (size_t k = 0; k < e->actions.n; k++)
			ok &= has_action(dc, e->actions.v[k]);
		if (e->selector > -2)
			ok &= dc->rule->selector == e->selector;
		if (ok)
			return true;
	}
	if (e->none)
		return true;
	snprintf(why, size, "expected %s", want);
	return false;
}

int cases__run(struct arena *a, const struct srcmap *m, struct diag_sink *d,
	       const struct ir_object *o, const struct case_file *cf, const struct tcase *c,
	       struct case_outcome *out)
{
	struct rc R = { .L = { .a = a, .m = m, .d = d }, .o = o, .cf = cf, .c = c };
	struct eval_env env = { .a = a, .d = d, .m = m, .at = c->span, .resolve = resolve,
				.arg = arg_cb, .ctx = &R };
	int err;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	if (!c->hook || c->bad)
		return -EINVAL;
	for (size_t i = 0; i < c->expect.n; i++) {
		const struct case_expect *e = &c->expect.v[i];

		if (e->policy && policy_index(o, e->policy) < 0) {
			const char **names = arena__calloc(a, o->policies.n + 1, sizeof(*names));
			const char *sug;

			for (size_t k = 0; k < o->policies.n; k++)
				names[k] = o->policies.v[k].name;
			sug = diag_suggest(e->policy, names);
			CERR(&R.L, e->policy_span, "no policy named '%s' is under test%s%s%s",
			     diag_quote(e->policy, strlen(e->policy)), sug ? "; did you mean '" : "",
			     sug ? sug : "", sug ? "'?" : "");
		}
	}
	if (R.L.errors)
		return -EINVAL;
	if (check_args(&R))
		return -EINVAL;
	env.at = c->name_span;
	err = eval__run(o, &env, c->hook, c->retv != NULL, &c->proc, &out->res);
	if (err == -ENOENT) {
		/* name the hooks that are there */
		char list[400];
		size_t n = 0;

		list[0] = 0;
		for (size_t pi = 0; pi < o->progs.n; pi++)
			for (size_t si = 0; si < o->progs.v[pi]->specs.n && n + 1 < sizeof(list); si++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s'%s'%s",
						      n ? ", " : "",
						      eval__hook_name(o->progs.v[pi],
								      &o->progs.v[pi]->specs.v[si]),
						      o->progs.v[pi]->specs.v[si].hook->ret.v
							      ? " (return)"
							      : "");
		CERR(&R.L, c->hook_span, "no policy under test hooks '%s'%s; hooks: %s",
		     diag_quote(c->hook, strlen(c->hook)), c->retv ? " as a return probe" : "",
		     list);
		return -EINVAL;
	}
	if (err)
		return err;
	if (cf->differential)
		return 1; /* only the kernel's agreement counts */
	if (c->expect_none) {
		if (out->res.n) {
			snprintf(out->why, sizeof(out->why), "expected no decision");
			return 0;
		}
		return 1;
	}
	for (size_t i = 0; i < c->expect.n && ok; i++)
		ok = expect_holds(o, &c->expect.v[i], &out->res, out->why, sizeof(out->why));
	if (ok && c->expect_exact) {
		for (size_t i = 0; i < out->res.n && ok; i++) {
			bool listed = false;

			for (size_t k = 0; k < c->expect.n; k++)
				listed |= policy_index(o, c->expect.v[k].policy) == out->res.v[i].policy;
			if (!listed) {
				snprintf(out->why, sizeof(out->why),
					 "expected only the listed policies to decide");
				ok = false;
			}
		}
	}
	return ok ? 1 : 0;
}

int cases__slot_values(struct arena *a, const struct srcmap *m, struct diag_sink *d,
		       const struct ir_object *o, const struct case_file *cf,
		       const struct tcase *c, const struct ir_prog *p, struct eval_val *vals,
		       bool *have)
{
	struct rc R = { .L = { .a = a, .m = m, .d = d }, .o = o, .cf = cf, .c = c };
	const struct ynode **from = arena__calloc(a, p->args.n + 1, sizeof(*from));

	for (size_t i = 0; i < p->args.n; i++) {
		const struct ir_arg *ia = &p->args.v[i];

		have[ia->slot] = false;
		memset(&vals[ia->slot], 0, sizeof(vals[ia->slot]));
		if (p->kind == HOOK_EXEC && ia->kind == AK_BPRM) {
			/* the exec shorthand's file: the new image */
			vals[ia->slot].kind = EV_STR;
			vals[ia->slot].s = c->proc.binary ? c->proc.binary : "";
			vals[ia->slot].len = strlen(vals[ia->slot].s);
			vals[ia->slot].mode = S_IFREG;
			vals[ia->slot].nlink = 1;
			have[ia->slot] = true;
		}
		if (ia->is_return && !c->retv && cf->differential) {
			zero_value(ia, &vals[ia->slot]);
			have[ia->slot] = true;
		}
		if (ia->is_return && c->retv) {
			from[ia->slot] = c->retv;
			if (parse_value(&R.L, c->retv, ia, &vals[ia->slot]))
				return -EINVAL;
			have[ia->slot] = true;
		}
	}
	for (size_t si = 0; si < p->specs.n; si++) {
		const struct ir_spec *sp = &p->specs.v[si];

		if (!eval__hook_matches(p, sp, c->hook, c->retv != NULL) || !sp->arg_slots)
			continue;
		for (size_t pos = 0; pos < sp->hook->args.n; pos++) {
			int slot = sp->arg_slots[pos];
			const struct ynode *n;

			if (slot < 0)
				continue;
			n = slot_node(c, p, sp, slot, (int)pos);
			if (!n && cf->differential && !have[slot]) {
				zero_value(&p->args.v[slot], &vals[slot]);
				have[slot] = true;
			}
			if (!n)
				continue;
			if (from[slot] && from[slot] != n)
				return -EEXIST;
			if (from[slot])
				continue;
			from[slot] = n;
			vals[slot].mode = S_IFREG;
			vals[slot].nlink = 1;
			if (parse_value(&R.L, n, &p->args.v[slot], &vals[slot]))
				return -EINVAL;
			have[slot] = true;
		}
	}
	return 0;
}
