/* meta.c - parse and validate the `.tpc.meta` JSON (docs/object-format.md).
 *
 * The object may come from anywhere, so every field is checked for type,
 * range and cross-references here, once; the error names the field path.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ldr_meta.h"
#include "tpc_abi.h"

const char *const ldr_ev_type_names[LDR_EV__COUNT] = {
	[LDR_EV_EXEC] = "process_exec",		  [LDR_EV_EXIT] = "process_exit",
	[LDR_EV_KPROBE] = "process_kprobe",	  [LDR_EV_TRACEPOINT] = "process_tracepoint",
	[LDR_EV_LSM] = "process_lsm",		  [LDR_EV_UPROBE] = "process_uprobe",
	[LDR_EV_NET_TCP] = "network_tcp",	  [LDR_EV_NET_DNS] = "network_dns",
	[LDR_EV_NET_HTTP] = "network_http",	  [LDR_EV_USDT] = "process_usdt",
	[LDR_EV_LOADER] = "process_loader",
};

int ldr_ev_type__parse(const char *s)
{
	for (int i = 0; i < LDR_EV__COUNT; i++)
		if (!strcmp(s, ldr_ev_type_names[i]))
			return i;
	return -1;
}

static const struct {
	const char *name;
	enum ldr_attach at;
	const char *feature;
} attach_kinds[] = {
	{ "tracepoint", LDR_AT_TRACEPOINT, "tracepoint" },
	{ "raw_tp", LDR_AT_RAW_TP, "raw_tp" },
	{ "raw_tracepoint", LDR_AT_RAW_TP, "raw_tp" },
	{ "tp_btf", LDR_AT_TP_BTF, "tp_btf" },
	{ "kprobe", LDR_AT_KPROBE, "kprobe" },
	{ "kretprobe", LDR_AT_KRETPROBE, "kprobe" },
	{ "fentry", LDR_AT_FENTRY, "fentry" },
	{ "fexit", LDR_AT_FEXIT, "fentry" },
	{ "lsm", LDR_AT_LSM, "lsm" },
	{ "uprobe", LDR_AT_UPROBE, "uprobe" },
	{ "uretprobe", LDR_AT_URETPROBE, "uprobe" },
	{ "usdt", LDR_AT_USDT, "uprobe" }, /* a uprobe with a semaphore and arg specs */
};

int ldr_usdt__split(const char *target, char *buf, size_t blen, const char **provider,
		    const char **name)
{
	size_t len = strlen(target);
	char *n, *p;

	if (len >= blen)
		return -ENAMETOOLONG;
	memcpy(buf, target, len + 1);
	n = strrchr(buf, ':');
	if (!n || n == buf || !n[1])
		return -EINVAL;
	*n = 0;
	p = strrchr(buf, ':');
	if (!p || p == buf || p + 1 == n)
		return -EINVAL;
	*p = 0;
	*provider = p + 1;
	*name = n + 1;
	return 0;
}

int ldr_attach__parse(const char *s)
{
	for (size_t i = 0; i < sizeof(attach_kinds) / sizeof(attach_kinds[0]); i++)
		if (!strcmp(s, attach_kinds[i].name))
			return attach_kinds[i].at;
	if (!strncmp(s, "cgroup/", 7) || !strncmp(s, "cgroup_skb/", 11))
		return LDR_AT_CGROUP;
	return -1;
}

const char *ldr_attach__feature(enum ldr_attach a)
{
	if (a == LDR_AT_CGROUP)
		return "cgroup";
	for (size_t i = 0; i < sizeof(attach_kinds) / sizeof(attach_kinds[0]); i++)
		if (attach_kinds[i].at == a)
			return attach_kinds[i].feature;
	return "?";
}

const char *ldr_quote(const char *s)
{
	static _Thread_local char bufs[4][160];
	static _Thread_local unsigned next;
	char *b = bufs[next++ % 4];
	size_t o = 0;

	if (!s)
		return "(null)";
	for (; *s && o < sizeof(bufs[0]) - 8; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			o += snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	if (*s) {
		memcpy(b + o, "...", 3);
		o += 3;
	}
	b[o] = 0;
	return b;
}

/* --- validation helpers --------------------------------------------------- */

struct pctx {
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

/* A required/optional string; returns a malloc'd copy or NULL on error.
 * Missing optional strings become "". */
/* An optional boolean, false when absent. */
static bool get_flag(struct pctx *p, json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_boolean(v))
		fail(p, "%s.%s: expected a boolean", where, key);
	return v && json_is_true(v);
}

static char *get_str(struct pctx *p, json_t *obj, const char *key, const char *where, bool req)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	if (!v) {
		if (req) {
			fail(p, "%s: missing \"%s\"", where, key);
			return NULL;
		}
		return strdup("");
	}
	if (!json_is_string(v)) {
		fail(p, "%s.%s: expected a string", where, key);
		return NULL;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > LDR_META_MAX_STR || strlen(s) != n) {
		fail(p, "%s.%s: string too long or contains NUL", where, key);
		return NULL;
	}
	return strdup(s);
}

static int get_int(struct pctx *p, json_t *obj, const char *key, const char *where, bool req,
		   long long lo, long long hi, long long def, long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (req) {
			fail(p, "%s: missing \"%s\"", where, key);
			return -1;
		}
		*out = def;
		return 0;
	}
	if (!json_is_integer(v)) {
		fail(p, "%s.%s: expected an integer", where, key);
		return -1;
	}
	*out = json_integer_value(v);
	if (*out < lo || *out > hi) {
		fail(p, "%s.%s: %lld out of range [%lld, %lld]", where, key, *out, lo, hi);
		return -1;
	}
	return 0;
}

static json_t *get_array(struct pctx *p, json_t *obj, const char *key, const char *where,
			 bool req)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (req)
			fail(p, "%s: missing \"%s\"", where, key);
		return NULL;
	}
	if (!json_is_array(v)) {
		fail(p, "%s.%s: expected an array", where, key);
		return NULL;
	}
	if (json_array_size(v) > LDR_META_MAX_ITEMS) {
		fail(p, "%s.%s: too many items", where, key);
		return NULL;
	}
	return v;
}

static char **get_str_array(struct pctx *p, json_t *obj, const char *key, const char *where,
			    size_t *n)
{
	json_t *a = get_array(p, obj, key, where, false), *v;
	char **out;
	size_t i;

	*n = 0;
	if (!a)
		return NULL;
	out = calloc(json_array_size(a) + 1, sizeof(*out));
	if (!out) {
		fail(p, "out of memory");
		return NULL;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) > LDR_META_MAX_STR ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			fail(p, "%s.%s[%zu]: expected a string without NUL", where, key, i);
			break;
		}
		out[i] = strdup(json_string_value(v));
		*n = i + 1;
	}
	return out;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Tetragon type name -> oneof, checked against the wire encoding. */
static int arg_kind(const char *type, enum ldr_enc enc, bool is_signed, enum ldr_argk *k)
{
	static const struct {
		const char *t;
		enum ldr_enc enc;
		enum ldr_argk k;
	} tab[] = {
		{ "int", LDR_ENC_INT, LDR_ARG_INT },	     { "sint32", LDR_ENC_INT, LDR_ARG_INT },
		{ "int32", LDR_ENC_INT, LDR_ARG_INT },	     { "sint16", LDR_ENC_INT, LDR_ARG_INT },
		{ "int16", LDR_ENC_INT, LDR_ARG_INT },	     { "sint8", LDR_ENC_INT, LDR_ARG_INT },
		{ "int8", LDR_ENC_INT, LDR_ARG_INT },	     { "fd", LDR_ENC_INT, LDR_ARG_INT },
		{ "uint32", LDR_ENC_INT, LDR_ARG_UINT },     { "uint16", LDR_ENC_INT, LDR_ARG_UINT },
		{ "uint8", LDR_ENC_INT, LDR_ARG_UINT },	     { "long", LDR_ENC_INT, LDR_ARG_LONG },
		{ "sint64", LDR_ENC_INT, LDR_ARG_LONG },     { "int64", LDR_ENC_INT, LDR_ARG_LONG },
		{ "syscall64", LDR_ENC_INT, LDR_ARG_SYSCALL }, { "ulong", LDR_ENC_INT, LDR_ARG_SIZE },
		{ "uint64", LDR_ENC_INT, LDR_ARG_SIZE },     { "size_t", LDR_ENC_INT, LDR_ARG_SIZE },
		{ "unsigned long", LDR_ENC_INT, LDR_ARG_SIZE },
		{ "capability", LDR_ENC_INT, LDR_ARG_CAP },  { "const_buf", LDR_ENC_INT, LDR_ARG_SIZE },
		{ "string", LDR_ENC_STR, LDR_ARG_STRING },
		{ "filename", LDR_ENC_STR, LDR_ARG_STRING }, { "data_loc", LDR_ENC_STR, LDR_ARG_STRING },
		{ "char_buf", LDR_ENC_STR, LDR_ARG_BYTES },  { "char_iovec", LDR_ENC_STR, LDR_ARG_BYTES },
		{ "const_buf", LDR_ENC_STR, LDR_ARG_BYTES }, { "iov_iter", LDR_ENC_STR, LDR_ARG_BYTES },
		{ "file", LDR_ENC_STR, LDR_ARG_FILE },
		{ "fd", LDR_ENC_STR, LDR_ARG_FILE },	     { "kiocb", LDR_ENC_STR, LDR_ARG_FILE },
		{ "path", LDR_ENC_STR, LDR_ARG_PATH },	     { "dentry", LDR_ENC_STR, LDR_ARG_PATH },
		{ "linux_binprm", LDR_ENC_STR, LDR_ARG_BINPRM },
		/* enc "path": the same with the inode's mode */
		{ "file", LDR_ENC_PATH, LDR_ARG_FILE },	     { "fd", LDR_ENC_PATH, LDR_ARG_FILE },
		{ "kiocb", LDR_ENC_PATH, LDR_ARG_FILE },     { "path", LDR_ENC_PATH, LDR_ARG_PATH },
		{ "dentry", LDR_ENC_PATH, LDR_ARG_PATH },
		{ "linux_binprm", LDR_ENC_PATH, LDR_ARG_BINPRM },
		{ "net_device", LDR_ENC_STR, LDR_ARG_NETDEV },
		{ "sockaddr", LDR_ENC_SA, LDR_ARG_SOCKADDR },
		{ "sock", LDR_ENC_SA, LDR_ARG_SOCK },	     { "socket", LDR_ENC_SA, LDR_ARG_SOCK },
		{ "skb", LDR_ENC_SA, LDR_ARG_SOCK },
		/* kernel objects (runtime/tpc_kobj.bpf.h) */
		{ "kernel_cap_t", LDR_ENC_INT, LDR_ARG_CAP_T },
		{ "cap_inheritable", LDR_ENC_INT, LDR_ARG_CAP_INH },
		{ "cap_permitted", LDR_ENC_INT, LDR_ARG_CAP_PERM },
		{ "cap_effective", LDR_ENC_INT, LDR_ARG_CAP_EFF },
		{ "cred", LDR_ENC_OBJ, LDR_ARG_CRED },
		{ "user_namespace", LDR_ENC_OBJ, LDR_ARG_USERNS },
		{ "bpf_attr", LDR_ENC_OBJ, LDR_ARG_BPF_ATTR },
		{ "bpf_prog", LDR_ENC_OBJ, LDR_ARG_BPF_PROG },
		{ "bpf_map", LDR_ENC_OBJ, LDR_ARG_BPF_MAP },
		{ "perf_event", LDR_ENC_OBJ, LDR_ARG_PERF_EVENT },
		{ "module", LDR_ENC_OBJ, LDR_ARG_MODULE },
		{ "load_info", LDR_ENC_OBJ, LDR_ARG_MODULE },
		{ "skb", LDR_ENC_OBJ, LDR_ARG_SKB },
		{ "sock", LDR_ENC_OBJ, LDR_ARG_SOCK },	     { "socket", LDR_ENC_OBJ, LDR_ARG_SOCK },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(tab[i].t, type) || tab[i].enc != enc)
			continue;
		*k = tab[i].k;
		return 0;
	}
	/* Unknown type names still render by their encoding, so a newer
	 * compiler does not lock out an older loader. */
	switch (enc) {
	case LDR_ENC_INT: *k = is_signed ? LDR_ARG_LONG : LDR_ARG_SIZE; return 0;
	case LDR_ENC_STR: *k = LDR_ARG_STRING; return 0;
	case LDR_ENC_PATH: *k = LDR_ARG_FILE; return 0;
	case LDR_ENC_SA: *k = LDR_ARG_SOCKADDR; return 0;
	case LDR_ENC_OBJ: *k = LDR_ARG_CRED; return 0; /* rendered by the record's kind */
	}
	return -1;
}

static void parse_selector(struct pctx *p, json_t *v, const char *where, struct ldr_selector *out);

static void parse_policies(struct pctx *p, json_t *root, struct ldr_meta *m)
{
	json_t *a = get_array(p, root, "policies", "meta", true), *v;
	size_t i;
	char w[64];

	if (!a)
		return;
	m->policies = calloc(json_array_size(a) + 1, sizeof(*m->policies));
	if (!m->policies) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(a, i, v) {
		struct ldr_meta_policy *pol = &m->policies[i];
		long long id;

		snprintf(w, sizeof(w), "policies[%zu]", i);
		if (!json_is_object(v)) {
			fail(p, "%s: expected an object", w);
			return;
		}
		m->npolicies = i + 1;
		if (get_int(p, v, "id", w, false, i, i, i, &id))
			return;
		pol->name = get_str(p, v, "name", w, true);
		pol->namespace = get_str(p, v, "namespace", w, false);
		pol->kind = get_str(p, v, "kind", w, false);
		pol->mode = get_str(p, v, "mode", w, false);
		if (p->failed)
			return;
		if (json_object_get(v, "node_selector")) {
			char ws[96];

			snprintf(ws, sizeof(ws), "%s.node_selector", w);
			parse_selector(p, json_object_get(v, "node_selector"), ws,
				       &pol->node_selector);
			if (p->failed)
				return;
		}
		if (!pol->name[0])
			fail(p, "%s.name: empty", w);
	}
}

static void parse_hooks(struct pctx *p, json_t *root, struct ldr_meta *m)
{
	json_t *a = get_array(p, root, "hooks", "meta", true), *v;
	size_t i;
	char w[64];

	if (!a)
		return;
	m->hooks = calloc(json_array_size(a) + 1, sizeof(*m->hooks));
	if (!m->hooks) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(a, i, v) {
		struct ldr_meta_hook *h = &m->hooks[i];
		json_t *args, *av;
		long long id;
		size_t j;
		int ev;

		snprintf(w, sizeof(w), "hooks[%zu]", i);
		if (!json_is_object(v)) {
			fail(p, "%s: expected an object", w);
			return;
		}
		m->nhooks = i + 1;
		if (get_int(p, v, "id", w, false, i, i, i, &id))
			return;
		h->event_name = get_str(p, v, "event", w, true);
		h->type = get_str(p, v, "type", w, false);
		h->function_name = get_str(p, v, "function_name", w, false);
		h->subsys = get_str(p, v, "subsys", w, false);
		h->tracepoint = get_str(p, v, "tracepoint", w, false);
		h->message = get_str(p, v, "message", w, false);
		h->tags = get_str_array(p, v, "tags", w, &h->ntags);
		if (p->failed)
			return;
		ev = ldr_ev_type__parse(h->event_name);
		if (ev < 0 || ev == LDR_EV_EXIT) {
			fail(p, "%s.event: unknown event type \"%s\"", w, ldr_quote(h->event_name));
			return;
		}
		h->event = ev;
		args = get_array(p, v, "args", w, false);
		if (p->failed || !args)
			continue;
		h->args = calloc(json_array_size(args) + 1, sizeof(*h->args));
		if (!h->args) {
			fail(p, "out of memory");
			return;
		}
		json_array_foreach(args, j, av) {
			struct ldr_meta_arg *arg = &h->args[j];
			char aw[96];
			char *enc;
			json_t *sg;

			snprintf(aw, sizeof(aw), "%s.args[%zu]", w, j);
			if (!json_is_object(av)) {
				fail(p, "%s: expected an object", aw);
				return;
			}
			h->nargs = j + 1;
			arg->label = get_str(p, av, "label", aw, false);
			arg->type = get_str(p, av, "type", aw, false);
			enc = get_str(p, av, "enc", aw, true);
			if (p->failed) {
				free(enc);
				return;
			}
			if (!strcmp(enc, "int"))
				arg->enc = LDR_ENC_INT;
			else if (!strcmp(enc, "str"))
				arg->enc = LDR_ENC_STR;
			else if (!strcmp(enc, "sa"))
				arg->enc = LDR_ENC_SA;
			else if (!strcmp(enc, "path"))
				arg->enc = LDR_ENC_PATH;
			else if (!strcmp(enc, "obj"))
				arg->enc = LDR_ENC_OBJ;
			else {
				fail(p, "%s.enc: unknown encoding \"%s\" (int, str, sa, path, obj)", aw,
				     ldr_quote(enc));
				free(enc);
				return;
			}
			free(enc);
			sg = json_object_get(av, "signed");
			if (sg && !json_is_boolean(sg)) {
				fail(p, "%s.signed: expected a boolean", aw);
				return;
			}
			arg->is_signed = sg && json_is_true(sg);
			sg = json_object_get(av, "return");
			if (sg && !json_is_boolean(sg)) {
				fail(p, "%s.return: expected a boolean", aw);
				return;
			}
			arg->is_return = sg && json_is_true(sg);
			sg = json_object_get(av, "data");
			if (sg && !json_is_boolean(sg)) {
				fail(p, "%s.data: expected a boolean", aw);
				return;
			}
			arg->is_data = sg && json_is_true(sg) && !arg->is_return;
			arg_kind(arg->type, arg->enc, arg->is_signed, &arg->kind);
		}
	}
}

static void parse_rules(struct pctx *p, json_t *root, struct ldr_meta *m)
{
	json_t *a = get_array(p, root, "rules", "meta", true), *v;
	size_t i;
	char w[64];

	if (!a)
		return;
	m->rules = calloc(json_array_size(a) + 1, sizeof(*m->rules));
	if (!m->rules) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(a, i, v) {
		struct ldr_meta_rule *r = &m->rules[i];
		long long id, pol, hook, sel;
		json_t *post;

		snprintf(w, sizeof(w), "rules[%zu]", i);
		if (!json_is_object(v)) {
			fail(p, "%s: expected an object", w);
			return;
		}
		m->nrules = i + 1;
		if (get_int(p, v, "id", w, false, i, i, i, &id) ||
		    get_int(p, v, "policy", w, true, 0, (long long)m->npolicies - 1, 0, &pol) ||
		    get_int(p, v, "hook", w, true, 0, (long long)m->nhooks - 1, 0, &hook) ||
		    get_int(p, v, "selector", w, false, 0, UINT32_MAX, 0, &sel))
			return;
		r->policy = pol;
		r->hook = hook;
		r->selector = sel;
		r->actions = get_str_array(p, v, "actions", w, &r->nactions);
		post = json_object_get(v, "post");
		if (post && !json_is_boolean(post))
			fail(p, "%s.post: expected a boolean", w);
		r->post = !post || json_is_true(post);
		r->kernel_stack = get_flag(p, v, "kernel_stack", w);
		r->user_stack = get_flag(p, v, "user_stack", w);
		r->url = get_str(p, v, "url", w, false);
		r->fqdn = get_str(p, v, "fqdn", w, false);
		if (p->failed)
			return;
	}
}

static void parse_programs(struct pctx *p, json_t *root, struct ldr_meta *m)
{
	json_t *a = get_array(p, root, "programs", "meta", true), *v;
	size_t i;
	char w[64];

	if (!a)
		return;
	m->programs = calloc(json_array_size(a) + 1, sizeof(*m->programs));
	if (!m->programs) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(a, i, v) {
		struct ldr_meta_prog *pr = &m->programs[i];
		long long prio;
		int at;

		snprintf(w, sizeof(w), "programs[%zu]", i);
		if (!json_is_object(v)) {
			fail(p, "%s: expected an object", w);
			return;
		}
		m->nprograms = i + 1;
		pr->name = get_str(p, v, "name", w, true);
		pr->attach_name = get_str(p, v, "attach", w, true);
		pr->target = get_str(p, v, "target", w, false);
		pr->group = get_str(p, v, "group", w, false);
		if (get_int(p, v, "prio", w, false, 0, 1000000, 0, &prio) || p->failed)
			return;
		pr->prio = prio;
		pr->optional = json_is_true(json_object_get(v, "optional"));
		if (!pr->name[0]) {
			fail(p, "%s.name: empty", w);
			return;
		}
		at = ldr_attach__parse(pr->attach_name);
		if (at < 0) {
			fail(p, "%s.attach: unknown attach kind \"%s\"", w,
			     ldr_quote(pr->attach_name));
			return;
		}
		pr->attach = at;
		if ((at == LDR_AT_TRACEPOINT && !strchr(pr->target, '/')) ||
		    ((at == LDR_AT_UPROBE || at == LDR_AT_URETPROBE) && !strchr(pr->target, ':'))) {
			fail(p, "%s.target: \"%s\" is not of the form %s", w, ldr_quote(pr->target),
			     at == LDR_AT_TRACEPOINT ? "subsys/event" : "path:symbol");
			return;
		}
		if (at == LDR_AT_USDT) {
			char path[4096];
			const char *prov, *nm;

			if (ldr_usdt__split(pr->target, path, sizeof(path), &prov, &nm) ||
			    path[0] != '/') {
				fail(p, "%s.target: \"%s\" is not of the form /path:provider:name", w,
				     ldr_quote(pr->target));
				return;
			}
		}
		if (at != LDR_AT_CGROUP && !pr->target[0]) {
			fail(p, "%s.target: empty", w);
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->programs[j].name, pr->name)) {
				fail(p, "%s.name: duplicate program \"%s\"", w, ldr_quote(pr->name));
				return;
			}
	}
}

static void parse_selector(struct pctx *p, json_t *v, const char *where, struct ldr_selector *out)
{
	static const char *const ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
	json_t *labels, *exprs, *x;
	const char *k;
	size_t n = 0, i;
	char w[160];

	if (!v || json_is_null(v))
		return;
	labels = json_object_get(v, "match_labels");
	exprs = get_array(p, v, "match_expressions", where, false);
	if (!json_is_object(v) || (labels && !json_is_object(labels))) {
		fail(p, "%s: expected {match_labels: {...}, match_expressions: [...]}", where);
		return;
	}
	out->present = true;
	if (p->failed ||
	    (labels ? json_object_size(labels) : 0) + (exprs ? json_array_size(exprs) : 0) >
		    LDR_META_MAX_ITEMS) {
		fail(p, "%s: too many requirements", where);
		return;
	}
	out->reqs = calloc((labels ? json_object_size(labels) : 0) +
				   (exprs ? json_array_size(exprs) : 0) + 1,
			   sizeof(*out->reqs));
	if (!out->reqs) {
		fail(p, "out of memory");
		return;
	}
	if (labels)
		json_object_foreach(labels, k, x) {
			struct ldr_sel_req *r = &out->reqs[n];

			if (!json_is_string(x) || strlen(k) > LDR_META_MAX_STR ||
			    json_string_length(x) > LDR_META_MAX_STR ||
			    strlen(json_string_value(x)) != json_string_length(x)) {
				fail(p, "%s.match_labels: values must be strings", where);
				return;
			}
			r->key = strdup(k);
			r->op = LDR_SEL_IN;
			r->values = calloc(2, sizeof(*r->values));
			if (r->values)
				r->values[0] = strdup(json_string_value(x));
			r->nvalues = 1;
			out->nreqs = ++n;
			if (!r->key || !r->values || !r->values[0]) {
				fail(p, "out of memory");
				return;
			}
		}
	if (exprs)
		json_array_foreach(exprs, i, x) {
			struct ldr_sel_req *r = &out->reqs[n];
			char *op;
			size_t o;

			snprintf(w, sizeof(w), "%s.match_expressions[%zu]", where, i);
			if (!json_is_object(x)) {
				fail(p, "%s: expected an object", w);
				return;
			}
			out->nreqs = ++n;
			r->key = get_str(p, x, "key", w, true);
			op = get_str(p, x, "operator", w, true);
			if (p->failed) {
				free(op);
				return;
			}
			for (o = 0; o < 4 && strcmp(op, ops[o]); o++)
				;
			if (o == 4)
				fail(p, "%s.operator: unknown \"%s\" (In, NotIn, Exists, DoesNotExist)",
				     w, ldr_quote(op));
			free(op);
			r->op = (enum ldr_sel_op)o;
			r->values = get_str_array(p, x, "values", w, &r->nvalues);
			if (p->failed)
				return;
			if ((r->op == LDR_SEL_IN || r->op == LDR_SEL_NOT_IN) != (r->nvalues > 0)) {
				fail(p, "%s.values: In/NotIn need values, Exists/DoesNotExist take none",
				     w);
				return;
			}
		}
}

static void parse_scope(struct pctx *p, json_t *fill, const char *fw, struct ldr_meta *m,
			struct ldr_meta_map *mp)
{
	json_t *v = json_object_get(fill, "scope");
	struct ldr_meta_scope *sc;
	char w[128], *level;
	long long pol;

	snprintf(w, sizeof(w), "%s.scope", fw);
	if (!v || !json_is_object(v)) {
		fail(p, "%s: expected an object", w);
		return;
	}
	sc = mp->scope = calloc(1, sizeof(*sc));
	if (!sc) {
		fail(p, "out of memory");
		return;
	}
	if (get_int(p, v, "policy", w, true, 0, (long long)m->npolicies - 1, 0, &pol))
		return;
	sc->policy = (uint32_t)pol;
	if (get_int(p, v, "index", w, true, 0, m->nmaps > 0 ? 65535 : 0, 0, &pol))
		return;
	sc->index = (uint32_t)pol;
	sc->ns = get_str(p, v, "namespace", w, false);
	level = get_str(p, v, "level", w, true);
	if (level && strcmp(level, "pod") && strcmp(level, "container") && strcmp(level, "any_pod"))
		fail(p, "%s.level: unknown \"%s\" (pod, container, any_pod)", w, ldr_quote(level));
	sc->container_level = level && !strcmp(level, "container");
	sc->any_pod = level && !strcmp(level, "any_pod");
	free(level);
	snprintf(w, sizeof(w), "%s.scope.pods", fw);
	if (!p->failed)
		parse_selector(p, json_object_get(v, "pods"), w, &sc->pods);
	snprintf(w, sizeof(w), "%s.scope.containers", fw);
	if (!p->failed)
		parse_selector(p, json_object_get(v, "containers"), w, &sc->containers);
	if (!p->failed && sc->containers.present != sc->container_level)
		fail(p, "%s.scope.level: \"container\" exactly when containers is set", fw);
	/* every pod, whatever its labels or namespace */
	if (!p->failed && sc->any_pod && (sc->pods.present || (sc->ns && sc->ns[0])))
		fail(p, "%s.scope.level: \"any_pod\" takes no pods selector and no namespace", fw);
}

static void parse_maps(struct pctx *p, json_t *root, struct ldr_meta *m)
{
	json_t *a = get_array(p, root, "maps", "meta", false), *v;
	size_t i;
	char w[64];

	if (!a)
		return;
	m->maps = calloc(json_array_size(a) + 1, sizeof(*m->maps));
	if (!m->maps) {
		fail(p, "out of memory");
		return;
	}
	json_array_foreach(a, i, v) {
		struct ldr_meta_map *mp = &m->maps[i];
		json_t *fill;
		char *kind, *resolve;
		long long ks, val;
		char fw[96];

		snprintf(w, sizeof(w), "maps[%zu]", i);
		if (!json_is_object(v)) {
			fail(p, "%s: expected an object", w);
			return;
		}
		m->nmaps = i + 1;
		mp->name = get_str(p, v, "name", w, true);
		mp->purpose = get_str(p, v, "purpose", w, false);
		if (p->failed)
			return;
		fill = json_object_get(v, "fill");
		if (!fill || json_is_null(fill))
			continue;
		snprintf(fw, sizeof(fw), "%s.fill", w);
		if (!json_is_object(fill)) {
			fail(p, "%s: expected an object", fw);
			return;
		}
		kind = get_str(p, fill, "kind", fw, true);
		resolve = get_str(p, fill, "resolve", fw, false);
		if (p->failed) {
			free(kind);
			free(resolve);
			return;
		}
		if (!strcmp(kind, "path_set"))
			mp->fill = LDR_FILL_PATH_SET;
		else if (!strcmp(kind, "path_hash"))
			mp->fill = LDR_FILL_PATH_HASH;
		else if (!strcmp(kind, "str_set"))
			mp->fill = LDR_FILL_STR_SET;
		else if (!strcmp(kind, "prefix_set"))
			mp->fill = LDR_FILL_PREFIX_SET;
		else if (!strcmp(kind, "int_set"))
			mp->fill = LDR_FILL_INT_SET;
		else if (!strcmp(kind, "cgroup_scope"))
			mp->fill = LDR_FILL_CGROUP_SCOPE;
		else if (!strcmp(kind, "ident_set"))
			mp->fill = LDR_FILL_IDENT_SET;
		else
			fail(p, "%s.kind: unknown fill kind \"%s\" (path_set, path_hash, str_set, "
			     "prefix_set, int_set, cgroup_scope, ident_set)",
			     fw, ldr_quote(kind));
		if (resolve[0] && strcmp(resolve, "realpath"))
			fail(p, "%s.resolve: unknown \"%s\" (realpath)", fw, ldr_quote(resolve));
		mp->resolve_realpath = !strcmp(resolve, "realpath");
		free(kind);
		free(resolve);
		if (p->failed ||
		    get_int(p, fill, "key_size", fw, true, 1, 4096, 0, &ks) ||
		    get_int(p, fill, "value", fw, false, 0, UINT32_MAX, 1, &val))
			return;
		mp->key_size = ks;
		mp->value = val;
		mp->values = get_str_array(p, fill, "values", fw, &mp->nvalues);
		if (p->failed)
			return;
		if (mp->fill == LDR_FILL_PATH_HASH && mp->key_size != 8) {
			fail(p, "%s: a path_hash map has key_size 8", fw);
			return;
		}
		if (mp->fill == LDR_FILL_IDENT_SET && mp->key_size != sizeof(struct tpc_ident_key)) {
			fail(p, "%s: an ident_set map has key_size %zu", fw,
			     sizeof(struct tpc_ident_key));
			return;
		}
		for (size_t j = 0; j < mp->nvalues; j++) {
			/* a path_hash value is stored in the map's value */
			uint32_t room = mp->fill == LDR_FILL_PATH_HASH || mp->fill == LDR_FILL_IDENT_SET
						? TPC_PATH_MAX
						: mp->key_size;

			if (strlen(mp->values[j]) >= room) {
				fail(p, "%s.values[%zu]: longer than %s %u", fw, j,
				     room == TPC_PATH_MAX ? "TPC_PATH_MAX" : "key_size",
				     room);
				return;
			}
		}
		if (mp->fill == LDR_FILL_CGROUP_SCOPE) {
			if (mp->key_size != 8 || mp->nvalues)
				fail(p, "%s: a cgroup_scope map has key_size 8 and no values", fw);
			else
				parse_scope(p, fill, fw, m, mp);
			if (p->failed)
				return;
		}
	}
}

static void free_selector(struct ldr_selector *s)
{
	for (size_t i = 0; i < s->nreqs; i++) {
		free(s->reqs[i].key);
		free_strs(s->reqs[i].values, s->reqs[i].nvalues);
	}
	free(s->reqs);
}

struct ldr_meta *ldr_meta__parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct pctx p = { .err = err, .errlen = errlen };
	struct ldr_meta *m = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	long long v;

	if (len > LDR_META_MAX_BYTES) {
		fail(&p, "metadata is %zu bytes, more than the %u allowed", len, LDR_META_MAX_BYTES);
		goto cleanup;
	}
	/* the section may be NUL-terminated or padded */
	while (len && buf[len - 1] == 0)
		len--;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		fail(&p, "metadata is not valid JSON: %s at line %d column %d", jerr.text,
		     jerr.line, jerr.column);
		goto cleanup;
	}
	if (!json_is_object(root)) {
		fail(&p, "metadata: expected a JSON object");
		goto cleanup;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		fail(&p, "out of memory");
		goto cleanup;
	}
	if (get_int(&p, root, "tpc_meta_version", "meta", true, 0, INT32_MAX, 0, &v))
		goto cleanup;
	m->meta_version = v;
	if (v != TPC_META_VERSION) {
		fail(&p, "metadata version %lld is not supported (this loader reads version %d)", v,
		     TPC_META_VERSION);
		goto cleanup;
	}
	if (get_int(&p, root, "abi_version", "meta", true, 0, INT32_MAX, 0, &v))
		goto cleanup;
	m->abi_version = v;
	if (v != TPC_ABI_VERSION) {
		fail(&p, "event ABI version %lld does not match this loader's version %d", v,
		     TPC_ABI_VERSION);
		goto cleanup;
	}
	m->tpc_version = get_str(&p, root, "tpc_version", "meta", false);
	parse_policies(&p, root, m);
	if (!p.failed)
		parse_hooks(&p, root, m);
	if (!p.failed)
		parse_rules(&p, root, m);
	if (!p.failed)
		parse_programs(&p, root, m);
	if (!p.failed)
		parse_maps(&p, root, m);
	if (!p.failed)
		m->features = get_str_array(&p, root, "features", "meta", &m->nfeatures);
	if (!p.failed && m->nprograms == 0)
		fail(&p, "meta.programs: no programs");
cleanup:
	json_decref(root);
	if (p.failed) {
		ldr_meta__free(m);
		return NULL;
	}
	return m;
}

void ldr_meta__free(struct ldr_meta *m)
{
	if (!m)
		return;
	free(m->tpc_version);
	for (size_t i = 0; i < m->npolicies; i++) {
		free(m->policies[i].name);
		free(m->policies[i].namespace);
		free(m->policies[i].kind);
		free(m->policies[i].mode);
		free_selector(&m->policies[i].node_selector);
	}
	free(m->policies);
	for (size_t i = 0; i < m->nhooks; i++) {
		struct ldr_meta_hook *h = &m->hooks[i];

		free(h->event_name);
		free(h->type);
		free(h->function_name);
		free(h->subsys);
		free(h->tracepoint);
		free(h->message);
		free_strs(h->tags, h->ntags);
		for (size_t j = 0; j < h->nargs; j++) {
			free(h->args[j].label);
			free(h->args[j].type);
		}
		free(h->args);
	}
	free(m->hooks);
	for (size_t i = 0; i < m->nrules; i++) {
		free_strs(m->rules[i].actions, m->rules[i].nactions);
		free(m->rules[i].url);
		free(m->rules[i].fqdn);
	}
	free(m->rules);
	for (size_t i = 0; i < m->nprograms; i++) {
		free(m->programs[i].name);
		free(m->programs[i].attach_name);
		free(m->programs[i].target);
		free(m->programs[i].group);
	}
	free(m->programs);
	for (size_t i = 0; i < m->nmaps; i++) {
		free(m->maps[i].name);
		free(m->maps[i].purpose);
		free_strs(m->maps[i].values, m->maps[i].nvalues);
		if (m->maps[i].scope) {
			free(m->maps[i].scope->ns);
			free_selector(&m->maps[i].scope->pods);
			free_selector(&m->maps[i].scope->containers);
			free(m->maps[i].scope);
		}
	}
	free(m->maps);
	free_strs(m->features, m->nfeatures);
	free(m);
}
