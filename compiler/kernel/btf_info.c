/* btf_info.c - see btf_info.h */
#include "kernel/btf_info.h"

#include <bpf/btf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

/* Type spellings are cut to fit their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define SUGGEST_MAX 4096
#define STRBUF 256

struct fname {
	const char *name;
	uint32_t id;
};

struct btf_info {
	struct btf *btf;
	char *path;
	char *tracefs;
	char *label;
	char where[300];
	struct fname *funcs; /* FUNC names sorted, built on first lookup */
	size_t nfuncs;
	unsigned nlookups;
	const char *sys_prefix; /* "__x64_sys_", "__arm64_sys_", ... or NULL */
	bool sys_prefix_known;
	char suggest[STRBUF];
	int tracefs_ok; /* -1 unknown, 0 no, 1 yes */
	/* tracefs available_filter_functions (vmlinux lines), sorted; read on
	 * first use: ftrace_state -1 unknown, 0 unreadable, 1 read */
	char **ftrace;
	size_t nftrace;
	int ftrace_state;
};

struct btf_info *btf_info__open(const char *btf_path, const char *tracefs, int *err)
{
	struct btf_info *bi;

	if (!btf_path)
		btf_path = "/sys/kernel/btf/vmlinux";
	if (!tracefs)
		tracefs = "/sys/kernel/tracing";
	bi = calloc(1, sizeof(*bi));
	if (!bi) {
		*err = -ENOMEM;
		return NULL;
	}
	bi->tracefs_ok = *tracefs ? -1 : 0;
	bi->ftrace_state = *tracefs ? -1 : 0;
	bi->btf = btf__parse(btf_path, NULL);
	if (!bi->btf) {
		*err = errno ? -errno : -EINVAL;
		free(bi);
		return NULL;
	}
	bi->path = strdup(btf_path);
	bi->tracefs = strdup(tracefs);
	if (!bi->path || !bi->tracefs) {
		btf_info__free(bi);
		*err = -ENOMEM;
		return NULL;
	}
	*err = 0;
	return bi;
}

void btf_info__free(struct btf_info *bi)
{
	if (!bi)
		return;
	btf__free(bi->btf);
	free(bi->funcs);
	for (size_t i = 0; i < bi->nftrace; i++)
		free(bi->ftrace[i]);
	free(bi->ftrace);
	free(bi->path);
	free(bi->tracefs);
	free(bi->label);
	free(bi);
}

int btf_info__set_label(struct btf_info *bi, const char *label)
{
	char *l = label ? strdup(label) : NULL;

	if (label && !l)
		return -ENOMEM;
	free(bi->label);
	bi->label = l;
	return 0;
}

const char *btf_info__label(const struct btf_info *bi)
{
	return bi ? bi->label : NULL;
}

const char *btf_info__where(const struct btf_info *bi)
{
	struct btf_info *w = (struct btf_info *)bi;

	if (!bi || bi->label)
		return "";
	snprintf(w->where, sizeof(w->where), " (%s)", bi->path);
	return w->where;
}

const char *btf_info__path(const struct btf_info *bi)
{
	return bi ? bi->path : NULL;
}

static int fname_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fname *)a)->name, ((const struct fname *)b)->name);
}

/* One pass over all types; then every lookup is a binary search, because
 * libbpf 1.1's btf__find_by_name_kind is linear over ~150k types. */
static int build_funcs(struct btf_info *bi)
{
	uint32_t n = btf__type_cnt(bi->btf);
	size_t k = 0;

	if (bi->funcs)
		return 0;
	bi->funcs = calloc(n, sizeof(*bi->funcs));
	if (!bi->funcs)
		return -ENOMEM;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(bi->btf, id);

		if (!btf_is_func(t))
			continue;
		bi->funcs[k].name = btf__name_by_offset(bi->btf, t->name_off);
		bi->funcs[k].id = id;
		k++;
	}
	bi->nfuncs = k;
	qsort(bi->funcs, k, sizeof(*bi->funcs), fname_cmp);
	return 0;
}

static uint32_t find_func(struct btf_info *bi, const char *name)
{
	struct fname key = { name, 0 }, *hit;

	/* a policy names a few functions: a linear lookup each (~1 ms) beats
	 * sorting all ~60k names (~25 ms) until a suggestion needs the index */
	if (!bi->funcs && bi->nlookups++ < 8) {
		int32_t id = btf__find_by_name_kind(bi->btf, name, BTF_KIND_FUNC);

		return id > 0 ? (uint32_t)id : 0;
	}
	if (build_funcs(bi))
		return 0;
	hit = bsearch(&key, bi->funcs, bi->nfuncs, sizeof(*bi->funcs), fname_cmp);
	return hit ? hit->id : 0;
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* C spelling of a type, compact: typedef names are kept as written. */
static void type_desc(const struct btf *btf, uint32_t id, char *buf, size_t size, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	const char *name;
	char sub[64];

	if (!t) {
		snprintf(buf, size, "void");
		return;
	}
	name = btf__name_by_offset(btf, t->name_off);
	if (depth > 8) {
		snprintf(buf, size, "...");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FLOAT:
		snprintf(buf, size, "%s", name);
		break;
	case BTF_KIND_STRUCT:
		snprintf(buf, size, "struct %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_UNION:
		snprintf(buf, size, "union %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, size, "enum %s", *name ? name : "(anon)");
		break;
	case BTF_KIND_CONST:
		type_desc(btf, t->type, sub, sizeof(sub), depth + 1);
		snprintf(buf, size, "const %s", sub);
		break;
	case BTF_KIND_VOLATILE:
		type_desc(btf, t->type, sub, sizeof(sub), depth + 1);
		snprintf(buf, size, "volatile %s", sub);
		break;
	case BTF_KIND_PTR:
		type_desc(btf, t->type, sub, sizeof(sub), depth + 1);
		snprintf(buf, size, "%s *", sub);
		break;
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, size, "function");
		break;
	case BTF_KIND_ARRAY:
		type_desc(btf, btf_array(t)->type, sub, sizeof(sub), depth + 1);
		snprintf(buf, size, "%s[%u]", sub, btf_array(t)->nelems);
		break;
	default:
		type_desc(btf, t->type, buf, size, depth + 1);
		break;
	}
	/* "T * *" reads badly; glue consecutive stars */
	for (char *p = strstr(buf, "* *"); p; p = strstr(buf, "* *"))
		memmove(p + 1, p + 2, strlen(p + 2) + 1);
}

void btf_info__classify(struct btf_info *bi, uint32_t type_id, struct btf_tinfo *out)
{
	const struct btf *btf = bi->btf;
	const struct btf_type *t;
	uint32_t id = type_id;

	memset(out, 0, sizeof(*out));
	out->type_id = type_id;
	type_desc(btf, type_id, out->desc, sizeof(out->desc), 0);
	if (!type_id) {
		out->cls = BTFT_VOID;
		return;
	}
	t = skip_mods(btf, &id);
	if (!t) {
		out->cls = BTFT_OTHER;
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		out->cls = BTFT_INT;
		out->bits = (int)t->size * 8;
		out->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		out->cls = BTFT_INT;
		out->bits = (int)t->size * 8;
		out->is_signed = btf_kflag(t);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		out->cls = BTFT_STRUCT;
		out->type_name = btf__name_by_offset(btf, t->name_off);
		break;
	case BTF_KIND_PTR: {
		uint32_t pid = t->type;
		const struct btf_type *pt = pid ? skip_mods(btf, &pid) : NULL;

		out->cls = BTFT_PTR_OTHER;
		if (pt && (btf_is_struct(pt) || btf_is_union(pt))) {
			out->cls = BTFT_PTR_STRUCT;
			out->type_name = btf__name_by_offset(btf, pt->name_off);
		} else if (pt && btf_is_int(pt) && pt->size == 1) {
			out->cls = BTFT_PTR_CHAR;
		}
		break;
	}
	default:
		out->cls = BTFT_OTHER;
		break;
	}
}

static int proto_info(struct btf_info *bi, uint32_t proto_id, int skip, struct btf_func_info *out)
{
	const struct btf_type *t = btf__type_by_id(bi->btf, proto_id);
	const struct btf_param *p;
	int n;

	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	if (!out)
		return 0;
	memset(out, 0, sizeof(*out));
	btf_info__classify(bi, t->type, &out->ret);
	p = btf_params(t);
	n = btf_vlen(t);
	for (int i = skip; i < n; i++) {
		int k = i - skip;

		if (!p[i].type && i == n - 1) { /* a trailing void param means "..." */
			out->variadic = true;
			break;
		}
		if (k >= BTF_INFO_MAX_PARAMS)
			break;
		btf_info__classify(bi, p[i].type, &out->params[k]);
		out->param_names[k] = btf__name_by_offset(bi->btf, p[i].name_off);
		out->nparams = k + 1;
	}
	return 0;
}

int btf_info__func(struct btf_info *bi, const char *name, struct btf_func_info *out)
{
	uint32_t id = find_func(bi, name);

	if (!id)
		return -ENOENT;
	return proto_info(bi, btf__type_by_id(bi->btf, id)->type, 0, out);
}

int btf_info__lsm_hook(struct btf_info *bi, const char *hook, struct btf_func_info *out)
{
	char buf[STRBUF];

	if (snprintf(buf, sizeof(buf), "bpf_lsm_%s", hook) >= (int)sizeof(buf))
		return -ENOENT;
	return btf_info__func(bi, buf, out);
}

static const char *sys_prefix(struct btf_info *bi);

/* ---- enumerations for generated lists ---- */

int btf_info__each_func(struct btf_info *bi, int (*fn)(const char *name, void *ctx), void *ctx)
{
	int r = build_funcs(bi);

	for (size_t i = 0; !r && i < bi->nfuncs; i++)
		r = fn(bi->funcs[i].name, ctx);
	return r;
}

const char *btf_info__syscall_prefix(struct btf_info *bi)
{
	return sys_prefix(bi);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* available_filter_functions lines are "name" for vmlinux and
 * "name [module]" for modules; only the former can match vmlinux BTF. */
static int read_ftrace(struct btf_info *bi)
{
	char path[PATH_MAX], line[512];
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/available_filter_functions", bi->tracefs);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, " \t\n");

		if (!n || strchr(line, '['))
			continue;
		line[n] = 0;
		if (bi->nftrace == cap) {
			char **v = realloc(bi->ftrace, (cap ? cap * 2 : 4096) * sizeof(*v));

			if (!v)
				goto nomem;
			bi->ftrace = v;
			cap = cap ? cap * 2 : 4096;
		}
		if (!(bi->ftrace[bi->nftrace] = strdup(line)))
			goto nomem;
		bi->nftrace++;
	}
	fclose(f);
	qsort(bi->ftrace, bi->nftrace, sizeof(*bi->ftrace), str_cmp);
	return 0;
nomem:
	fclose(f);
	return -ENOMEM;
}

int btf_info__ftrace_has(struct btf_info *bi, const char *name)
{
	if (bi->ftrace_state < 0)
		bi->ftrace_state = read_ftrace(bi) ? 0 : 1;
	if (!bi->ftrace_state)
		return -ENOENT;
	return bsearch(&name, bi->ftrace, bi->nftrace, sizeof(*bi->ftrace), str_cmp) != NULL;
}

static const char *sys_prefix(struct btf_info *bi)
{
	static const char *const prefixes[] = { "__x64_sys_", "__arm64_sys_", "__s390x_sys_",
						"__riscv_sys_", "__powerpc_sys_", "sys_", NULL };
	char buf[64];

	if (bi->sys_prefix_known)
		return bi->sys_prefix;
	bi->sys_prefix_known = true;
	for (int i = 0; prefixes[i]; i++) {
		snprintf(buf, sizeof(buf), "%sread", prefixes[i]);
		if (find_func(bi, buf)) {
			bi->sys_prefix = prefixes[i];
			break;
		}
	}
	return bi->sys_prefix;
}

int btf_info__syscall(struct btf_info *bi, const char *name, char *buf, size_t size)
{
	const char *pfx = sys_prefix(bi);
	const char *base = name;

	if (!pfx)
		return -ENOENT;
	/* an already-prefixed wrapper name is taken as is */
	if (!strncmp(name, "__", 2) && strstr(name, "_sys_")) {
		if (!find_func(bi, name))
			return -ENOENT;
		snprintf(buf, size, "%s", name);
		return 0;
	}
	if (!strncmp(name, "sys_", 4))
		base = name + 4;
	if (snprintf(buf, size, "%s%s", pfx, base) >= (int)size)
		return -ENOENT;
	return find_func(bi, buf) ? 0 : -ENOENT;
}

int btf_info__raw_tracepoint(struct btf_info *bi, const char *event, struct btf_func_info *out)
{
	char buf[STRBUF];
	int32_t id;
	uint32_t pid;
	const struct btf_type *t;

	if (snprintf(buf, sizeof(buf), "btf_trace_%s", event) >= (int)sizeof(buf))
		return -ENOENT;
	id = btf__find_by_name_kind(bi->btf, buf, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -ENOENT;
	pid = (uint32_t)id;
	t = skip_mods(bi->btf, &pid);
	if (!t || !btf_is_ptr(t))
		return -ENOENT;
	return proto_info(bi, t->type, 1, out);
}

static int by_len(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

static unsigned common_prefix(const char *a, const char *b)
{
	unsigned n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

const char *btf_info__suggest_func(struct btf_info *bi, const char *name, const char *prefix)
{
	const char **cands;
	const char *best;
	size_t lo, hi, mid, k = 0, plen = prefix ? strlen(prefix) : 0;
	char key[STRBUF];

	if (!*name || build_funcs(bi) || !bi->nfuncs)
		return NULL;
	if (snprintf(key, sizeof(key), "%s%s", prefix ? prefix : "", name) >= (int)sizeof(key))
		return NULL;
	cands = calloc(SUGGEST_MAX + 1, sizeof(*cands));
	if (!cands)
		return NULL;
	/* Candidates: names that share at least the first few characters of
	 * the query (after the prefix); a typo later in the name is the
	 * common case, and this keeps the edit-distance work small. */
	lo = 0;
	hi = bi->nfuncs;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(bi->funcs[mid].name, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	unsigned need = (unsigned)plen + (strlen(name) >= 6 ? 3 : 1);
	/* scan both directions from the insertion point */
	for (size_t i = lo; i < bi->nfuncs && k < SUGGEST_MAX; i++) {
		if (common_prefix(bi->funcs[i].name, key) < need)
			break;
		cands[k++] = bi->funcs[i].name + plen;
	}
	for (size_t i = lo; i-- > 0 && k < SUGGEST_MAX;) {
		if (common_prefix(bi->funcs[i].name, key) < need)
			break;
		cands[k++] = bi->funcs[i].name + plen;
	}
	cands[k] = NULL;
	/* shortest first: among equally near names, prefer the plain one
	 * (sys_dup over sys_dup3 for "sys_dupp") */
	qsort(cands, k, sizeof(*cands), by_len);
	best = diag_suggest(name, cands);
	if (best)
		snprintf(bi->suggest, sizeof(bi->suggest), "%s", best);
	free(cands);
	return best ? bi->suggest : NULL;
}

bool btf_info__has_enum_value(struct btf_info *bi, const char *type, const char *name)
{
	int32_t id = btf__find_by_name_kind(bi->btf, type, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id <= 0)
		return false;
	t = btf__type_by_id(bi->btf, (uint32_t)id);
	e = btf_enum(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(bi->btf, e[i].name_off), name))
			return true;
	return false;
}

uint32_t btf_info__struct_id(struct btf_info *bi, const char *name)
{
	int32_t id = btf__find_by_name_kind(bi->btf, name, BTF_KIND_STRUCT);

	if (id <= 0)
		id = btf__find_by_name_kind(bi->btf, name, BTF_KIND_UNION);
	return id > 0 ? (uint32_t)id : 0;
}

/* Member named name[0..len) of struct/union t, looking into anonymous
 * members too. Returns its type id or 0. */
static uint32_t find_member(const struct btf *btf, const struct btf_type *t, const char *name,
			    size_t len, int depth)
{
	const struct btf_member *m = btf_members(t);

	if (depth > 8)
		return 0;
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);

		if (!*mn) {
			uint32_t id = m[i].type;
			const struct btf_type *mt = skip_mods(btf, &id);
			uint32_t r;

			if (mt && (btf_is_struct(mt) || btf_is_union(mt)) &&
			    (r = find_member(btf, mt, name, len, depth + 1)))
				return r;
			continue;
		}
		if (strlen(mn) == len && !memcmp(mn, name, len))
			return m[i].type;
	}
	return 0;
}

bool btf_info__trampoline_struct_args(struct btf_info *bi)
{
	uint32_t id = btf_info__struct_id(bi, "btf_func_model");
	const struct btf_type *t;

	/* no such struct: a BTF of another shape (a test's), cannot tell */
	if (!id)
		return true;
	t = btf__type_by_id(bi->btf, id);
	return find_member(bi->btf, t, "arg_flags", strlen("arg_flags"), 0) != 0;
}

int btf_func_info__struct_param(const struct btf_func_info *fi)
{
	for (int i = 0; i < fi->nparams && i < BTF_INFO_MAX_PARAMS; i++)
		if (fi->params[i].cls == BTFT_STRUCT)
			return i;
	return -1;
}


/* Member names of t (anonymous members flattened) into cands[*n..max-1). */
static void member_names(const struct btf *btf, const struct btf_type *t, const char **cands,
			 size_t *n, size_t max, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t) && depth <= 8; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);

		if (!*mn) {
			uint32_t id = m[i].type;
			const struct btf_type *mt = skip_mods(btf, &id);

			if (mt && (btf_is_struct(mt) || btf_is_union(mt)))
				member_names(btf, mt, cands, n, max, depth + 1);
		} else if (*n + 1 < max) {
			cands[(*n)++] = mn;
		}
	}
}

static void describe_step(const struct btf *btf, uint32_t id, struct btf_path_step *st)
{
	const struct btf_type *t = skip_mods(btf, &id);

	st->type_id = id;
	st->kind = BTF_STEP_OTHER;
	if (!t)
		return;
	if (btf_is_ptr(t)) {
		uint32_t to = t->type;
		const struct btf_type *pt = skip_mods(btf, &to);

		st->kind = BTF_STEP_PTR;
		st->ptr_to_struct = pt && (btf_is_struct(pt) || btf_is_union(pt)) &&
				    *btf__name_by_offset(btf, pt->name_off);
		st->ptr_to_char = pt && btf_is_int(pt) && pt->size == 1;
	} else if (btf_is_struct(t) || btf_is_union(t)) {
		st->kind = BTF_STEP_COMPOSITE;
	} else if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t)) {
		st->kind = BTF_STEP_INT;
		st->size = (int)t->size;
		st->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED)
					      : !!btf_kflag(t);
	} else if (btf_is_array(t)) {
		uint32_t el = btf_array(t)->type;
		const struct btf_type *et = skip_mods(btf, &el);

		st->kind = BTF_STEP_ARRAY;
		st->nelems = (int)btf_array(t)->nelems;
		st->elem_size = et && (btf_is_int(et) || btf_is_enum(et)) ? (int)et->size : 0;
	}
}

int btf_info__member_path(struct btf_info *bi, uint32_t type_id, const char *path,
			  struct btf_path *out, size_t *bad_off, size_t *bad_len,
			  const char **cands, size_t ncands)
{
	const char *p = path;
	uint32_t id = type_id;
	int n = 0;

	if (cands && ncands)
		cands[0] = NULL;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		const struct btf_type *t = skip_mods(bi->btf, &id);
		int nderef = 0;

		*bad_off = (size_t)(p - path);
		*bad_len = len;
		/* struct cred **: one read per pointer (Tetragon follows them too) */
		while (t && btf_is_ptr(t) && nderef < BTF_PATH_MAX_DEREF) {
			id = t->type;
			t = skip_mods(bi->btf, &id);
			nderef++;
		}
		if (!t || !(btf_is_struct(t) || btf_is_union(t)))
			return t && btf_is_ptr(t) ? -ELOOP : -ENOTDIR;
		if (!len || !(id = find_member(bi->btf, t, p, len, 0))) {
			if (cands && ncands) {
				size_t k = 0;

				member_names(bi->btf, t, cands, &k, ncands, 0);
				cands[k] = NULL;
			}
			return -ENOENT;
		}
		if (n == BTF_PATH_MAX)
			return -E2BIG;
		if (out) {
			struct btf_path_step *st = &out->steps[n];

			memset(st, 0, sizeof(*st));
			st->off = *bad_off;
			st->len = len;
			st->owner = btf__name_by_offset(bi->btf, t->name_off);
			st->deref = nderef > 0;
			st->nderef = nderef;
			describe_step(bi->btf, id, st);
		}
		n++;
		p += len;
		if (*p == '.')
			p++;
	}
	if (out)
		out->n = n;
	return 0;
}

int btf_info__field_path(struct btf_info *bi, uint32_t type_id, const char *path,
			 size_t *bad_off, size_t *bad_len)
{
	return btf_info__member_path(bi, type_id, path, NULL, bad_off, bad_len, NULL, 0);
}

/* ---- tracepoints ---- */

void tp_format__release(struct tp_format *f)
{
	if (!f)
		return;
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

static int tp_push(struct tp_format *f, size_t *cap, const struct tp_field *fld)
{
	if ((size_t)f->nfields == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct tp_field *nf = realloc(f->fields, nc * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		f->fields = nf;
		*cap = nc;
	}
	f->fields[f->nfields++] = *fld;
	return 0;
}

/* "field:const char * filename;" -> type "const char *", name "filename" */
static int parse_decl(const char *decl, size_t len, struct tp_field *fld)
{
	size_t end = len, nstart;

	while (end && decl[end - 1] == ' ')
		end--;
	/* arrays: name[N] */
	if (end && decl[end - 1] == ']') {
		const char *lb = memchr(decl, '[', end);

		if (!lb)
			return -EINVAL;
		fld->is_array = true;
		end = (size_t)(lb - decl);
		/* "__data_loc char[] name": the brackets belong to the type */
		if (end && decl[end - 1] != ' ' && decl[end - 1] != '*') {
			/* name[N]: keep end at '[' */
		}
	}
	nstart = end;
	while (nstart && decl[nstart - 1] != ' ' && decl[nstart - 1] != '*')
		nstart--;
	if (nstart == end || end - nstart >= sizeof(fld->name))
		return -EINVAL;
	memcpy(fld->name, decl + nstart, end - nstart);
	fld->name[end - nstart] = '\0';
	{
		size_t tl = nstart;

		while (tl && decl[tl - 1] == ' ')
			tl--;
		if (tl >= sizeof(fld->type))
			tl = sizeof(fld->type) - 1;
		memcpy(fld->type, decl, tl);
		fld->type[tl] = '\0';
	}
	fld->data_loc = !strncmp(fld->type, "__data_loc", 10);
	if (fld->data_loc)
		fld->is_array = false; /* the char[] is the payload, not the field */
	fld->is_ptr = strchr(fld->type, '*') != NULL;
	return 0;
}

int tp_format__parse(const char *text, struct tp_format *out)
{
	const char *line = text;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	out->source = TP_SRC_TRACEFS;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		const char *f = memmem(line, llen, "field:", 6);

		if (f) {
			struct tp_field fld = { 0 };
			const char *semi = memchr(f, ';', llen - (size_t)(f - line));
			const char *o, *s, *g;

			if (!semi || parse_decl(f + 6, (size_t)(semi - f - 6), &fld))
				goto bad;
			o = memmem(line, llen, "offset:", 7);
			s = memmem(line, llen, "size:", 5);
			g = memmem(line, llen, "signed:", 7);
			if (!o || !s)
				goto bad;
			fld.offset = atoi(o + 7);
			fld.size = atoi(s + 5);
			fld.is_signed = g && atoi(g + 7) == 1;
			if (!strncmp(fld.name, "common_", 7))
				out->ncommon++;
			if (tp_push(out, &cap, &fld))
				goto bad;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!out->nfields)
		goto bad;
	return 0;
bad:
	tp_format__release(out);
	return -EINVAL;
}

bool btf_info__has_tracefs(struct btf_info *bi)
{
	char buf[512];
	DIR *d;

	if (bi->tracefs_ok >= 0)
		return bi->tracefs_ok;
	snprintf(buf, sizeof(buf), "%s/events", bi->tracefs);
	d = opendir(buf);
	bi->tracefs_ok = d != NULL;
	if (d)
		closedir(d);
	return bi->tracefs_ok;
}

static bool safe_name(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '.' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(65536);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void btf_common_fields(struct tp_format *out, size_t *cap)
{
	static const struct {
		const char *name, *type;
		int off, size;
		bool sign;
	} common[] = {
		{ "common_type", "unsigned short", 0, 2, false },
		{ "common_flags", "unsigned char", 2, 1, false },
		{ "common_preempt_count", "unsigned char", 3, 1, false },
		{ "common_pid", "int", 4, 4, true },
	};

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		struct tp_field f = { 0 };

		snprintf(f.name, sizeof(f.name), "%s", common[i].name);
		snprintf(f.type, sizeof(f.type), "%s", common[i].type);
		f.offset = common[i].off;
		f.size = common[i].size;
		f.is_signed = common[i].sign;
		tp_push(out, cap, &f);
		out->ncommon++;
	}
}

/* trace_event_raw_<event>: "struct trace_entry ent" then the fields, with
 * __data_loc strings as "u32 __data_loc_<name>", then "char __data[]". */
static int tp_from_btf(struct btf_info *bi, const char *event, struct tp_format *out)
{
	char buf[STRBUF];
	int32_t id;
	const struct btf_type *t;
	const struct btf_member *m;
	size_t cap = 0;

	if (snprintf(buf, sizeof(buf), "trace_event_raw_%s", event) >= (int)sizeof(buf))
		return -EOPNOTSUPP;
	id = btf__find_by_name_kind(bi->btf, buf, BTF_KIND_STRUCT);
	if (id <= 0)
		return -EOPNOTSUPP;
	t = btf__type_by_id(bi->btf, (uint32_t)id);
	memset(out, 0, sizeof(*out));
	out->source = TP_SRC_BTF;
	btf_common_fields(out, &cap);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(bi->btf, m[i].name_off);
		struct tp_field f = { 0 };
		struct btf_tinfo ti;

		if (!strcmp(mn, "ent") || !strcmp(mn, "__data"))
			continue;
		btf_info__classify(bi, m[i].type, &ti);
		if (!strncmp(mn, "__data_loc_", 11)) {
			snprintf(f.name, sizeof(f.name), "%s", mn + 11);
			snprintf(f.type, sizeof(f.type), "__data_loc char[]");
			f.data_loc = true;
		} else {
			snprintf(f.name, sizeof(f.name), "%s", mn);
			snprintf(f.type, sizeof(f.type), "%s", ti.desc);
			f.is_ptr = ti.cls == BTFT_PTR_CHAR || ti.cls == BTFT_PTR_STRUCT ||
				   ti.cls == BTFT_PTR_OTHER;
			f.is_array = strchr(ti.desc, '[') != NULL;
			f.is_signed = ti.cls == BTFT_INT && ti.is_signed;
		}
		f.offset = (int)(btf_member_bit_offset(t, (uint32_t)i) / 8);
		{
			int64_t sz = btf__resolve_size(bi->btf, m[i].type);

			f.size = sz > 0 ? (int)sz : 0;
		}
		if (tp_push(out, &cap, &f)) {
			tp_format__release(out);
			return -ENOMEM;
		}
	}
	return 0;
}

int btf_info__tracepoint(struct btf_info *bi, const char *subsys, const char *event,
			 struct tp_format *out)
{
	char path[512];
	char *text;
	int err;

	memset(out, 0, sizeof(*out));
	if (!safe_name(subsys) || !safe_name(event))
		return -ENOENT;
	if (btf_info__has_tracefs(bi)) {
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", bi->tracefs, subsys, event);
		text = read_small_file(path);
		if (!text)
			return -ENOENT;
		err = tp_format__parse(text, out);
		free(text);
		return err ? -EOPNOTSUPP : 0;
	}
	err = tp_from_btf(bi, event, out);
	if (err != -EOPNOTSUPP || !strcmp(subsys, "syscalls"))
		return err;
	/* every TRACE_EVENT/DEFINE_EVENT has a btf_trace_<event> typedef; a
	 * DEFINE_EVENT's record struct is named after its class, so the event
	 * can exist without a trace_event_raw_<event> */
	return btf_info__raw_tracepoint(bi, event, NULL) ? -ENOENT : -EOPNOTSUPP;
}

/* Without tracefs: nearest btf_trace_<name> typedef. */
static const char *suggest_btf_event(struct btf_info *bi, const char *event)
{
	uint32_t n = btf__type_cnt(bi->btf);
	const char **cands;
	const char *best;
	size_t k = 0;

	cands = calloc(SUGGEST_MAX + 1, sizeof(*cands));
	if (!cands)
		return NULL;
	for (uint32_t id = 1; id < n && k < SUGGEST_MAX; id++) {
		const struct btf_type *t = btf__type_by_id(bi->btf, id);
		const char *name;

		if (!btf_is_typedef(t))
			continue;
		name = btf__name_by_offset(bi->btf, t->name_off);
		/* same first letter keeps the candidate set small */
		if (!strncmp(name, "btf_trace_", 10) && name[10] == event[0])
			cands[k++] = name + 10;
	}
	best = diag_suggest(event, cands);
	if (best)
		snprintf(bi->suggest, sizeof(bi->suggest), "%s", best);
	free(cands);
	return best ? bi->suggest : NULL;
}

const char *btf_info__suggest_event(struct btf_info *bi, const char *subsys, const char *event)
{
	char path[512];
	const char **cands = NULL;
	size_t n = 0, cap = 0;
	const char *best = NULL;
	struct dirent *de;
	DIR *d;
	char **names = NULL;

	if (!safe_name(subsys))
		return NULL;
	if (!btf_info__has_tracefs(bi))
		return suggest_btf_event(bi, event);
	snprintf(path, sizeof(path), "%s/events/%s", bi->tracefs, subsys);
	d = opendir(path);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "enable") ||
		    !strcmp(de->d_name, "filter"))
			continue;
		if (n + 1 >= cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));

			if (!nn)
				break;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			break;
		n++;
	}
	closedir(d);
	if (names) {
		names[n] = NULL;
		cands = (const char **)names;
		best = diag_suggest(event, cands);
		if (best)
			snprintf(bi->suggest, sizeof(bi->suggest), "%s", best);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return best ? bi->suggest : NULL;
}

static int int_width_by_name(const char *s)
{
	static const struct {
		const char *name;
		int bits;
	} w[] = {
		{ "char", 8 },	   { "short", 16 },   { "int", 32 },	  { "long", 64 },
		{ "long long", 64 }, { "bool", 8 },   { "_Bool", 8 },	  { "u8", 8 },
		{ "s8", 8 },	   { "u16", 16 },     { "s16", 16 },	  { "u32", 32 },
		{ "s32", 32 },	   { "u64", 64 },     { "s64", 64 },	  { "__u8", 8 },
		{ "__s8", 8 },	   { "__u16", 16 },   { "__s16", 16 },	  { "__u32", 32 },
		{ "__s32", 32 },   { "__u64", 64 },   { "__s64", 64 },	  { "size_t", 64 },
		{ "ssize_t", 64 }, { "pid_t", 32 },   { "uid_t", 32 },	  { "gid_t", 32 },
		{ "umode_t", 16 }, { "loff_t", 64 },  { "off_t", 64 },	  { "", 32 },
		/* BTF's spellings (tracepoint formats built from BTF records) */
		{ "long int", 64 }, { "long long int", 64 }, { "short int", 16 },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(s, w[i].name))
			return w[i].bits;
	return 0;
}

void btf_info__classify_text(struct btf_info *bi, const char *text, struct btf_tinfo *out)
{
	char buf[96], *p, *q;
	bool is_unsigned = false;
	int stars = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->desc, sizeof(out->desc), "%s", text);
	snprintf(buf, sizeof(buf), "%s", text);
	/* drop qualifiers; count pointer stars */
	for (p = buf; (q = strchr(p, '*')); p = q + 1) {
		stars++;
		*q = ' ';
	}
	for (const char *const *kw = (const char *const[]){ "const ", "volatile ", "__user ",
							     NULL };
	     *kw; kw++) {
		while ((p = strstr(buf, *kw)))
			memmove(p, p + strlen(*kw), strlen(p + strlen(*kw)) + 1);
	}
	if ((p = strstr(buf, "unsigned"))) {
		is_unsigned = true;
		memmove(p, p + 8, strlen(p + 8) + 1);
	} else if ((p = strstr(buf, "signed"))) {
		memmove(p, p + 6, strlen(p + 6) + 1);
	}
	/* trim and squeeze blanks */
	for (p = q = buf; *p; p++) {
		if (*p == ' ' && (q == buf || q[-1] == ' '))
			continue;
		*q++ = *p;
	}
	while (q > buf && q[-1] == ' ')
		q--;
	*q = '\0';
	if (stars) {
		out->cls = BTFT_PTR_OTHER;
		if (stars == 1 && !strcmp(buf, "char")) {
			out->cls = BTFT_PTR_CHAR;
		} else if (stars == 1 && !strncmp(buf, "struct ", 7)) {
			out->cls = BTFT_PTR_STRUCT;
			out->type_id = btf_info__struct_id(bi, buf + 7);
			/* point into BTF's string table so the name outlives buf */
			if (out->type_id)
				out->type_name = btf__name_by_offset(
					bi->btf, btf__type_by_id(bi->btf, out->type_id)->name_off);
			else
				out->cls = BTFT_PTR_OTHER;
		}
		return;
	}
	if (!strncmp(buf, "struct ", 7) || !strncmp(buf, "union ", 6)) {
		out->cls = BTFT_STRUCT;
		return;
	}
	out->bits = int_width_by_name(buf);
	if (out->bits) {
		out->cls = BTFT_INT;
		out->is_signed = !is_unsigned && strncmp(buf, "u", 1) && strncmp(buf, "__u", 3) &&
				 strcmp(buf, "size_t") && strcmp(buf, "umode_t") &&
				 strcmp(buf, "bool") && strcmp(buf, "_Bool");
		return;
	}
	{
		int32_t id = btf__find_by_name_kind(bi->btf, buf, BTF_KIND_TYPEDEF);

		if (id > 0) {
			char desc[sizeof(out->desc)];

			memcpy(desc, out->desc, sizeof(desc));
			btf_info__classify(bi, (uint32_t)id, out);
			memcpy(out->desc, desc, sizeof(desc));
			return;
		}
	}
	out->cls = BTFT_OTHER;
}
