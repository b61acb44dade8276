/* sema_hooks.c - hooks against the kernel: functions, LSM hooks, syscalls,
 * tracepoints; declared arguments against prototypes and formats. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sema/sema_int.h"
#include "tpc_abi.h"

/* Messages are cut to fit their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "sema/support.h"

#define MAX_HOOK_ARGS 5	 /* args + data: Tetragon's limit, kept by tpc's event layout */
#define MAX_REG_INDEX 4	 /* kprobe/LSM/uprobe: a0..a4 */
#define MAX_USDT_INDEX 11 /* libbpf's BPF_USDT_MAX_ARG_CNT - 1 */
#define MAX_RAW_INDEX 5	 /* raw tracepoints */
#define MAX_MESSAGE 256
#define MAX_TAGS 16
#define MAX_TAG_LEN 128

static const char *q(const struct ast_str *s)
{
	return s->present ? diag_quote(s->s, s->len) : "";
}

/* ---- slots: what the kernel passes at an arg index ---- */

static void hook_slot(struct sema *s, struct hook_ctx *hc, const struct ast_arg *arg,
		      struct slot *out)
{
	int64_t idx = arg->index.present ? arg->index.v : 0;

	memset(out, 0, sizeof(*out));
	if (idx < 0)
		return;
	if (hc->have_proto && !hc->syscall_abi) {
		if (idx < hc->proto.nparams) {
			out->known = true;
			out->ti = hc->proto.params[idx];
			out->name = hc->proto.param_names[idx];
		}
		return;
	}
	if (hc->have_tp && s->bi) {
		/* syscall kprobes borrow the syscalls/sys_enter_* format: after
		 * the common fields comes __syscall_nr, then the arguments */
		int fi = hc->syscall_abi ? hc->tp.ncommon + 1 + (int)idx : (int)idx;

		if (fi < hc->tp.nfields) {
			const struct tp_field *f = &hc->tp.fields[fi];

			out->known = true;
			out->field = f;
			out->name = f->name;
			if (f->data_loc) {
				out->ti.cls = BTFT_OTHER;
				snprintf(out->ti.desc, sizeof(out->ti.desc), "%s", f->type);
			} else if (f->is_array) {
				out->ti.cls = BTFT_OTHER;
				snprintf(out->ti.desc, sizeof(out->ti.desc), "%s[]", f->type);
			} else {
				btf_info__classify_text(s->bi, f->type, &out->ti);
			}
		}
	}
}

/* The type `auto` stands for, given what the kernel passes. */
static enum arg_type infer_type(const struct slot *sl)
{
	static const struct {
		const char *st;
		enum arg_type t;
	} by_struct[] = {
		{ "file", ARG_FILE },	      { "path", ARG_PATH },
		{ "dentry", ARG_DENTRY },     { "linux_binprm", ARG_LINUX_BINPRM },
		{ "sock", ARG_SOCK },	      { "socket", ARG_SOCKET },
		{ "sockaddr", ARG_SOCKADDR }, { "kiocb", ARG_KIOCB },
		{ "filename", ARG_FILENAME }, { "sk_buff", ARG_SKB },
		{ "cred", ARG_CRED },	      { "net_device", ARG_NET_DEVICE },
		{ "user_namespace", ARG_USER_NAMESPACE }, { "bpf_attr", ARG_BPF_ATTR },
		{ "bpf_prog", ARG_BPF_PROG }, { "bpf_map", ARG_BPF_MAP },
		{ "perf_event", ARG_PERF_EVENT }, { "module", ARG_MODULE },
		{ "load_info", ARG_LOAD_INFO }, { "iov_iter", ARG_IOV_ITER },
	};

	if (!sl->known)
		return ARG_AUTO;
	if (sl->field && sl->field->data_loc)
		return ARG_DATA_LOC;
	/* an array of longs in a tracepoint record: Tetragon's const_buf
	 * (posted as one size_arg per element) */
	if (sl->field && sl->field->is_array && strstr(sl->field->type, "long") &&
	    sl->field->size > 0 && sl->field->size % 8 == 0)
		return ARG_CONST_BUF;
	switch (sl->ti.cls) {
	case BTFT_INT:
		switch (sl->ti.bits) {
		case 8:
			return sl->ti.is_signed ? ARG_SINT8 : ARG_UINT8;
		case 16:
			return sl->ti.is_signed ? ARG_SINT16 : ARG_UINT16;
		case 32:
			return sl->ti.is_signed ? ARG_INT : ARG_UINT32;
		case 64:
			return sl->ti.is_signed ? ARG_LONG : ARG_UINT64;
		default:
			return ARG_AUTO;
		}
	case BTFT_PTR_CHAR:
		return ARG_STRING;
	case BTFT_PTR_STRUCT:
		for (size_t i = 0; i < sizeof(by_struct) / sizeof(by_struct[0]); i++)
			if (sl->ti.type_name && !strcmp(sl->ti.type_name, by_struct[i].st))
				return by_struct[i].t;
		return ARG_AUTO;
	case BTFT_PTR_OTHER:
		return ARG_UINT64; /* an address */
	default:
		return ARG_AUTO;
	}
}

/* Struct a pointer-typed arg type needs, or NULL. */
static const char *needed_struct(enum arg_type t)
{
	switch (t) {
	case ARG_FILE: return "file";
	case ARG_PATH: return "path";
	case ARG_DENTRY: return "dentry";
	case ARG_LINUX_BINPRM: return "linux_binprm";
	case ARG_SOCK: return "sock";
	case ARG_SOCKET: return "socket";
	case ARG_SOCKADDR: return "sockaddr";
	case ARG_KIOCB: return "kiocb";
	case ARG_FILENAME: return "filename";
	case ARG_SKB: return "sk_buff";
	case ARG_CRED: return "cred";
	case ARG_NET_DEVICE: return "net_device";
	case ARG_USER_NAMESPACE: return "user_namespace";
	case ARG_BPF_ATTR: return "bpf_attr";
	case ARG_BPF_PROG: return "bpf_prog";
	case ARG_BPF_MAP: return "bpf_map";
	case ARG_PERF_EVENT: return "perf_event";
	case ARG_MODULE: return "module";
	case ARG_LOAD_INFO: return "load_info";
	case ARG_IOV_ITER: return "iov_iter";
	default: return NULL;
	}
}

static int declared_bits(enum arg_type t)
{
	switch (t) {
	case ARG_SINT8: case ARG_INT8: case ARG_UINT8: return 8;
	case ARG_SINT16: case ARG_INT16: case ARG_UINT16: return 16;
	case ARG_INT: case ARG_SINT32: case ARG_INT32: case ARG_UINT32: case ARG_CAPABILITY:
	case ARG_BPF_CMD: case ARG_FD: return 32;
	case ARG_LONG: case ARG_SINT64: case ARG_INT64: case ARG_ULONG: case ARG_UINT64:
	case ARG_UNSIGNED_LONG: case ARG_SIZE_T: case ARG_SYSCALL64: case ARG_KERNEL_CAP_T:
	case ARG_CAP_INHERITABLE: case ARG_CAP_PERMITTED: case ARG_CAP_EFFECTIVE: return 64;
	default: return 0;
	}
}

static void slot_where(const struct hook_ctx *hc, const struct slot *sl, int64_t idx, char *buf,
		       size_t size)
{
	if (sl->via)
		snprintf(buf, size, "member '%s' (resolve) of argument %lld of %s", sl->via,
			 (long long)idx, hc->what);
	else if (sl->name && !strcmp(sl->name, "return value"))
		snprintf(buf, size, "the return value of %s", hc->what);
	else if (sl->field)
		snprintf(buf, size, "field %lld ('%s') of %s", (long long)idx, sl->name, hc->what);
	else if (sl->name && *sl->name)
		snprintf(buf, size, "argument %lld ('%s') of %s", (long long)idx, sl->name,
			 hc->what);
	else
		snprintf(buf, size, "argument %lld of %s", (long long)idx, hc->what);
}

/* Is declared type t compatible with what the kernel passes? On error,
 * reports and returns false. */
static void check_compat(struct sema *s, struct hook_ctx *hc, struct ast_arg *arg,
			 const struct slot *sl)
{
	enum arg_type t = arg->type_id;
	const char *st = needed_struct(t);
	int64_t idx = arg->index.v;
	char where[256];
	enum arg_type better = infer_type(sl);
	bool ok = true;

	slot_where(hc, sl, idx, where, sizeof(where));
	if (st) {
		ok = sl->ti.cls == BTFT_PTR_STRUCT && sl->ti.type_name &&
		     (!strcmp(sl->ti.type_name, st) ||
		      /* sockaddr_in/in6/storage are read as a sockaddr */
		      (t == ARG_SOCKADDR && !strncmp(sl->ti.type_name, "sockaddr", 8)));
		if (!ok) {
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch", "%s is '%s'; type '%s' needs 'struct %s *'",
				    where, sl->ti.desc, arg_type__name(t), st);
		}
	} else if (t == ARG_STRING || t == ARG_CHAR_BUF) {
		ok = sl->ti.cls == BTFT_PTR_CHAR ||
		     (t == ARG_CHAR_BUF && sl->ti.cls == BTFT_PTR_OTHER) ||
		     (sl->field && (sl->field->data_loc ||
				    (sl->field->is_array && strstr(sl->field->type, "char"))));
		if (!ok)
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch",
				    "%s is '%s'; type '%s' needs a character pointer%s", where,
				    sl->ti.desc, arg_type__name(t),
				    sl->field ? " or a __data_loc char[] field" : "");
	} else if (t == ARG_CHAR_IOVEC) {
		/* an array of struct iovec (or kvec: the same layout) */
		ok = sl->ti.cls == BTFT_PTR_OTHER ||
		     (sl->ti.cls == BTFT_PTR_STRUCT && sl->ti.type_name &&
		      (!strcmp(sl->ti.type_name, "iovec") || !strcmp(sl->ti.type_name, "kvec")));
		if (!ok)
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch",
				    "%s is '%s'; type 'char_iovec' needs 'struct iovec *'", where,
				    sl->ti.desc);
	} else if (t == ARG_DATA_LOC) {
		ok = sl->field && sl->field->data_loc;
		if (!ok)
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch",
				    "%s is '%s'; type 'data_loc' needs a __data_loc field", where,
				    sl->ti.desc);
	} else if (t == ARG_SOCKADDR_UN) {
		ok = sl->ti.cls == BTFT_PTR_STRUCT || sl->ti.cls == BTFT_PTR_OTHER;
		if (!ok)
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch", "%s is '%s'; type 'sockaddr_un' needs a "
				    "pointer to a socket address", where, sl->ti.desc);
	} else if (declared_bits(t)) {
		int want = declared_bits(t);
		bool is_cap = t == ARG_KERNEL_CAP_T || t == ARG_CAP_INHERITABLE ||
			      t == ARG_CAP_PERMITTED || t == ARG_CAP_EFFECTIVE;

		if (is_cap) {
			/* kernel_cap_t is a struct of one u64 since 6.3 */
			ok = sl->ti.cls == BTFT_INT || sl->ti.cls == BTFT_STRUCT ||
			     sl->ti.cls == BTFT_PTR_STRUCT;
			/* security_capset's const kernel_cap_t *, or cred's
			 * embedded cap_effective through resolve: the set is
			 * read at that address (as Tetragon does), not the
			 * address itself */
			arg->cap_ref = sl->ti.cls == BTFT_PTR_STRUCT;
		} else if (sl->ti.cls == BTFT_INT) {
			if (sl->field && sl->field->size && want / 8 > sl->field->size) {
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-width",
					    "%s is %d bytes wide; type '%s' would read %d bytes",
					    where, sl->field->size, arg_type__name(t), want / 8);
			} else if (!sl->field && sl->ti.bits && want > sl->ti.bits &&
				   t != ARG_FD) {
				/* a narrower read just truncates; a wider one picks up
				 * register bits the ABI leaves undefined */
				diag__warning(s->d,
					      arg->type.present ? arg->type.span : arg->span,
					      "arg-type-width",
					      "%s is '%s' (%d bits); type '%s' reads %d bits, and "
					      "the upper bits are undefined",
					      where, sl->ti.desc, sl->ti.bits, arg_type__name(t), want);
			}
		} else if (sl->ti.cls == BTFT_PTR_CHAR || sl->ti.cls == BTFT_PTR_OTHER ||
			   sl->ti.cls == BTFT_PTR_STRUCT) {
			/* reading a pointer as a number is legitimate at 64 bits */
			ok = want == 64 && t != ARG_FD;
		} else {
			ok = false;
		}
		if (!ok)
			diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
				    "arg-type-mismatch", "%s is '%s'; type '%s' needs an integer",
				    where, sl->ti.desc, arg_type__name(t));
	}
	if (!ok && better == ARG_CONST_BUF)
		/* const_buf cannot be declared: only 'auto' gives it */
		diag__note(s->d, arg->type.present ? arg->type.span : arg->span,
			   "type 'auto' fits '%s' (read as Tetragon's const_buf: one size_arg per "
			   "element)",
			   sl->ti.desc);
	else if (!ok && better != ARG_AUTO && better != t)
		diag__note(s->d, arg->type.present ? arg->type.span : arg->span,
			   "type '%s' (or 'auto') fits '%s'",
			   arg_type__name(better), sl->ti.desc);
}

/* The member `resolve` reaches, as a slot the declared type is checked
 * against: arrays of bytes read as strings (their address is passed), an
 * embedded struct as a pointer to it (its address), anything else as the
 * member's own type. */
static void resolve_leaf_slot(struct sema *s, const struct btf_path_step *st, struct slot *out)
{
	memset(out, 0, sizeof(*out));
	out->known = true;
	out->name = "";
	btf_info__classify(s->bi, st->type_id, &out->ti);
	if (st->kind == BTF_STEP_ARRAY && st->elem_size == 1) {
		out->ti.cls = BTFT_PTR_CHAR;
	} else if (st->kind == BTF_STEP_COMPOSITE && out->ti.type_name && *out->ti.type_name) {
		out->ti.cls = BTFT_PTR_STRUCT;
	}
	snprintf(out->ti.desc + strlen(out->ti.desc),
		 sizeof(out->ti.desc) - strlen(out->ti.desc), "%s",
		 st->kind == BTF_STEP_COMPOSITE ? " (embedded; its address is used)" : "");
}

/* Check `resolve` against the kernel's BTF: every member must exist (a
 * wrong one is reported at its own bytes with a "did you mean"), pointers
 * between components must lead to named structs (CO-RE relocates by
 * name), and the declared type must fit the member reached. Records the
 * root type for lowering. */
static void check_resolve(struct sema *s, struct hook_ctx *hc, struct ast_arg *arg,
			  const struct slot *sl, bool from_task)
{
	size_t off = 0, len = 0;
	const char *cands[128];
	struct btf_path path;
	struct slot leaf;
	uint32_t start;
	int err;

	if (!s->bi)
		return;
	if (arg->btf_type.present)
		start = btf_info__struct_id(s->bi, arg->btf_type.s);
	else
		start = sl->known ? sl->ti.type_id : 0;
	if (arg->btf_type.present && !start) {
		diag__error(s->d, arg->btf_type.span, "btf-type-unknown",
			    "no struct '%s' in kernel BTF", q(&arg->btf_type));
		return;
	}
	if (!from_task && (hc->syscall_abi || (sl->known && sl->field))) {
		diag__error(s->d, arg->resolve.span, "resolve",
			    "'resolve' reads kernel structs through BTF; %s passes %s",
			    hc->what,
			    hc->syscall_abi ? "user memory (declare a kernel function instead)"
					    : "a tracepoint record field (use a raw tracepoint)");
		return;
	}
	if (!start) {
		diag__error(s->d, arg->resolve.span, "resolve",
			    "'resolve' needs the kernel type of argument %lld of %s, which BTF "
			    "does not give",
			    (long long)arg->index.v, hc->what);
		return;
	}
	err = btf_info__member_path(s->bi, start, arg->resolve.s, &path, &off, &len, cands,
				    sizeof(cands) / sizeof(cands[0]));
	if (!err) {
		for (int i = 0; i < path.n; i++) {
			const struct btf_path_step *st = &path.steps[i];
			struct span sp = arg->resolve.span;

			if (sp.end - sp.start == arg->resolve.len + 2)
				sp.start++;
			sp.start += (uint32_t)st->off;
			sp.end = sp.start + (uint32_t)(st->len ? st->len : 1);
			if (st->deref && !*st->owner) {
				diag__error(s->d, sp, "resolve-path",
					    "resolve: '%s' is reached through a pointer to an "
					    "anonymous struct, which CO-RE cannot relocate",
					    diag_quote(arg->resolve.s + st->off, st->len));
				return;
			}
		}
		if (!path.n) {
			diag__error(s->d, arg->resolve.span, "resolve-path",
				    "resolve: the member path is empty");
			return;
		}
		arg->resolve_root = start;
		resolve_leaf_slot(s, &path.steps[path.n - 1], &leaf);
		leaf.via = q(&arg->resolve);
		if (arg->type_id == ARG_AUTO) {
			/* the member's type decides, as for a plain argument */
			enum arg_type t = infer_type(&leaf);
			const char *why = t == ARG_AUTO ? NULL : support__arg_type(t);

			if (t == ARG_AUTO || why)
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-auto",
					    "cannot resolve type 'auto' for member '%s' ('%s'); "
					    "declare the type",
					    leaf.via, leaf.ti.desc);
			else
				arg->type_id = t;
		} else {
			check_compat(s, hc, arg, &leaf);
		}
		/* an embedded set (cred's cap_effective) is read at its address
		 * (the reader gives the address of an embedded struct), named
		 * struct or not (6.3+: an anonymous struct of one u64) */
		if (path.steps[path.n - 1].kind == BTF_STEP_COMPOSITE &&
		    (arg->type_id == ARG_KERNEL_CAP_T || arg->type_id == ARG_CAP_EFFECTIVE ||
		     arg->type_id == ARG_CAP_INHERITABLE || arg->type_id == ARG_CAP_PERMITTED))
			arg->cap_ref = true;
		return;
	}
	{
		struct span sp = arg->resolve.span;
		char member[96];
		const char *sug;

		/* point at the failing component when the span is the raw text */
		if (sp.end - sp.start == arg->resolve.len + 2 || sp.end - sp.start ==
								      arg->resolve.len) {
			uint32_t base = sp.end - sp.start == arg->resolve.len ? sp.start
									 : sp.start + 1;
			sp.start = base + (uint32_t)off;
			sp.end = sp.start + (uint32_t)(len ? len : 1);
		}
		snprintf(member, sizeof(member), "%.*s", (int)(len < 95 ? len : 95),
			 arg->resolve.s + off);
		sug = err == -ENOENT && cands[0] ? diag_suggest(member, cands) : NULL;
		if (err == -ENOTDIR)
			diag__error(s->d, sp, "resolve-path",
				    "resolve: '%s' is applied to a value that is not a struct",
				    diag_quote(arg->resolve.s + off, len));
		else if (err == -ELOOP)
			diag__error(s->d, sp, "resolve-path",
				    "resolve: '%s' is reached through more than %d pointers in a row",
				    diag_quote(arg->resolve.s + off, len), BTF_PATH_MAX_DEREF);
		else if (err == -E2BIG)
			diag__error(s->d, sp, "resolve-path",
				    "resolve: more than %d members in one path", BTF_PATH_MAX);
		else
			diag__error(s->d, sp, "resolve-path",
				    "resolve: no member '%s' on the way through '%s'%s%s%s",
				    diag_quote(arg->resolve.s + off, len), q(&arg->resolve),
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
	}
}

static void check_arg(struct sema *s, struct hook_ctx *hc, struct ast_arg *arg, bool is_return,
		      size_t pos)
{
	struct ast_hook *h = hc->h;
	const char *why;
	struct slot sl = { 0 };
	int64_t idx = arg->index.v;

	if (!is_return && !arg->index.present && h->kind != HOOK_TRACEPOINT) {
		/* index defaults to 0 in Tetragon; say so when it matters */
		if (pos > 0)
			diag__warning(s->d, arg->span, "arg-index-default",
				      "argument has no 'index'; it defaults to 0");
	}
	if (!is_return) {
		int max = -1;

		if (idx < 0) {
			diag__error(s->d, arg->index.span, "arg-index",
				    "argument index %lld is negative", (long long)idx);
			return;
		}
		switch (h->kind) {
		case HOOK_KPROBE:
		case HOOK_FENTRY:
		case HOOK_LSM:
		case HOOK_UPROBE:
			max = MAX_REG_INDEX;
			break;
		case HOOK_USDT:
			max = MAX_USDT_INDEX;
			break;
		case HOOK_TRACEPOINT:
			max = h->raw.v ? MAX_RAW_INDEX : -1;
			break;
		default:
			break;
		}
		if (max >= 0 && idx > max) {
			diag__error(s->d, arg->index.span, "arg-index",
				    "argument index %lld is out of range for %s: tpc reads "
				    "arguments 0 to %d",
				    (long long)idx,
				    h->kind == HOOK_TRACEPOINT ? "a raw tracepoint"
							       : hook_kind__name(h->kind),
				    max);
			return;
		}
		hook_slot(s, hc, arg, &sl);
		if (hc->have_proto && !hc->syscall_abi && idx >= hc->proto.nparams) {
			diag__error(s->d, arg->index.span, "arg-index",
				    "%s has %d parameter%s; index %lld is out of range", hc->what,
				    hc->proto.nparams, hc->proto.nparams == 1 ? "" : "s",
				    (long long)idx);
			return;
		}
		if (hc->have_tp && !hc->syscall_abi && idx >= hc->tp.nfields) {
			diag__error(s->d, arg->index.span, "arg-index",
				    "%s has %d fields (the %d common_* fields included); index "
				    "%lld is out of range",
				    hc->what, hc->tp.nfields, hc->tp.ncommon, (long long)idx);
			return;
		}
	} else if (hc->have_proto && !hc->syscall_abi) {
		sl.known = true;
		sl.ti = hc->proto.ret;
		sl.name = "return value";
	}
	/* type */
	if ((why = support__arg_type(arg->type_id))) {
		sema_unsupported(s, arg->type.present ? arg->type.span : arg->span,
				 arg_type__name(arg->type_id), why);
		return;
	}
	if (arg->type_id == ARG_CONST_BUF)
		/* as in Tetragon: the type follows from the record's format */
		diag__error(s->d, arg->type.span, "arg-type",
			    "type 'const_buf' cannot be declared; it is what 'auto' gives an "
			    "array-of-longs field of a tracepoint record (each element is posted "
			    "as a size_arg)");
	if (arg->type_id == ARG_SYSCALL64 && h->kind != HOOK_TRACEPOINT)
		diag__error(s->d, arg->type.span, "arg-type",
			    "type 'syscall64' applies only to tracepoint arguments (the raw_syscalls "
			    "id field)");
	if (arg->resolve.present) {
		/* the type describes the member reached by resolve, not the slot:
		 * check_resolve checks it (or infers 'auto' from the member) */
	} else if (arg->type_id == ARG_AUTO) {
		enum arg_type t = infer_type(&sl);

		if (t == ARG_AUTO) {
			if (h->kind == HOOK_UPROBE || h->kind == HOOK_USDT)
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-auto",
					    "type 'auto' cannot be resolved for a uprobe: user-space "
					    "functions carry no kernel type information; declare the "
					    "type");
			else if (!sl.known && !s->bi)
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-auto",
					    "type 'auto' needs kernel BTF to resolve; declare the "
					    "type");
			else if (!sl.known)
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-auto",
					    "cannot resolve type 'auto' for %s argument %lld: its "
					    "kernel type is unknown; declare the type",
					    hook_kind__name(h->kind), (long long)idx);
			else
				diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
					    "arg-type-auto",
					    "cannot resolve type 'auto' for '%s' ('%s'); declare "
					    "the type",
					    sl.name ? sl.name : "", sl.ti.desc);
		} else if ((why = support__arg_type(t))) {
			char what[96];

			snprintf(what, sizeof(what), "%s (the type 'auto' resolves to)",
				 arg_type__name(t));
			sema_unsupported(s, arg->type.present ? arg->type.span : arg->span, what,
					 why);
		} else {
			arg->type_id = t; /* later phases see the concrete type */
		}
	} else if (sl.known && arg->type_id == ARG_STRING && s->bi &&
		   sl.ti.cls == BTFT_PTR_STRUCT && sl.ti.type_name &&
		   !strcmp(sl.ti.type_name, "dentry") && h->kind != HOOK_UPROBE) {
		/* Tetragon copies the struct's first bytes as if they were a
		 * string; the one string a dentry holds is its name, so read
		 * that (as `resolve: d_name.name` would) and say so */
		static const char d_name[] = "d_name.name";
		struct span sp = arg->type.present ? arg->type.span : arg->span;
		char where[256];

		slot_where(hc, &sl, idx, where, sizeof(where));
		arg->resolve = (struct ast_str){ d_name, sizeof(d_name) - 1, sp, true };
		diag__note(s->d, sp,
			   "%s is 'struct dentry *': type 'string' reads the dentry's name "
			   "(d_name.name, the last path component), not the struct's bytes as "
			   "Tetragon does; type 'dentry' gives its path",
			   where);
	} else if (sl.known && arg->type_id == ARG_FILE && sl.ti.cls == BTFT_PTR_STRUCT &&
		   sl.ti.type_name && !strcmp(sl.ti.type_name, "kiocb")) {
		/* tty_write and the ->write_iter family took a struct file *
		 * before 5.11; the file is the kiocb's ki_filp, which is what
		 * Tetragon's type 'kiocb' reads */
		char where[256];

		slot_where(hc, &sl, idx, where, sizeof(where));
		arg->type_id = ARG_KIOCB;
		diag__note(s->d, arg->type.present ? arg->type.span : arg->span,
			   "%s is 'struct kiocb *': type 'file' reads the file it carries "
			   "(ki_filp), as type 'kiocb' does",
			   where);
	} else if (sl.known && hc->func && !strcmp(hc->func, "tty_write") &&
		   (arg->type_id == ARG_CHAR_BUF || arg->type_id == ARG_STRING) &&
		   sl.ti.cls == BTFT_PTR_STRUCT && sl.ti.type_name &&
		   !strcmp(sl.ti.type_name, "iov_iter")) {
		/* Tetragon's tty_54.yaml: written for the old prototype; say
		 * which one, so the user knows the policy is for another kernel */
		char where[256], proto[256] = "";
		size_t n = 0;

		slot_where(hc, &sl, idx, where, sizeof(where));
		for (int i = 0; hc->have_proto && i < hc->proto.nparams && n < sizeof(proto); i++)
			n += (size_t)snprintf(proto + n, sizeof(proto) - n, "%s%s", i ? ", " : "",
					      hc->proto.params[i].desc);
		diag__error(s->d, arg->type.present ? arg->type.span : arg->span,
			    "arg-type-mismatch",
			    "%s is 'struct iov_iter *': tty_write took 'const char *' before Linux "
			    "5.11 (tty_write(struct file *, const char *, size_t, loff_t *)); this "
			    "kernel's BTF has tty_write(%s), so '%s' does not apply",
			    where, proto, arg_type__name(arg->type_id));
		diag__note(s->d, arg->type.present ? arg->type.span : arg->span,
			   "for this kernel declare index 0 as 'file' (or 'kiocb') and index 1 as "
			   "'iov_iter' (the bytes written), without sizeArgIndex");
	} else if (sl.known) {
		check_compat(s, hc, arg, &sl);
	}
	/* per-field rules */
	if (arg->size_arg_index.present) {
		int64_t v = arg->size_arg_index.v;

		if (arg->type_id != ARG_CHAR_BUF && arg->type_id != ARG_CHAR_IOVEC)
			diag__error(s->d, arg->size_arg_index.span, "size-arg-index",
				    "'sizeArgIndex' applies only to char_buf and char_iovec "
				    "arguments");
		else if (h->kind == HOOK_TRACEPOINT && !h->raw.v && hc->have_tp &&
			 (v < 1 || v > hc->tp.nfields))
			/* a tracepoint's size is another field of its record */
			diag__error(s->d, arg->size_arg_index.span, "size-arg-index",
				    "'sizeArgIndex' is 1-based and must be 1 to %d (the fields of "
				    "%s), not %lld",
				    hc->tp.nfields, hc->what, (long long)v);
		else if ((h->kind != HOOK_TRACEPOINT || h->raw.v) &&
			 (v < 1 || v > MAX_REG_INDEX + 1))
			diag__error(s->d, arg->size_arg_index.span, "size-arg-index",
				    "'sizeArgIndex' is 1-based and must be 1 to %d, not %lld",
				    MAX_REG_INDEX + 1, (long long)v);
		else if (v - 1 == idx)
			diag__error(s->d, arg->size_arg_index.span, "size-arg-index",
				    "'sizeArgIndex' %lld names the buffer itself (it is 1-based: "
				    "argument %lld is sizeArgIndex %lld)",
				    (long long)v, (long long)idx, (long long)idx + 1);
		else if (hc->have_proto && !hc->syscall_abi && v > hc->proto.nparams)
			diag__error(s->d, arg->size_arg_index.span, "size-arg-index",
				    "'sizeArgIndex' %lld is past the %d parameters of %s",
				    (long long)v, hc->proto.nparams, hc->what);
	}
	if ((arg->type_id == ARG_CHAR_BUF || arg->type_id == ARG_CHAR_IOVEC) &&
	    !arg->size_arg_index.present && !(arg->return_copy.present && arg->return_copy.v) &&
	    !is_return)
		/* Tetragon copies 0 bytes then; say it instead of posting nothing */
		diag__error(s->d, arg->type.present ? arg->type.span : arg->span, "char-buf-size",
			    "a '%s' argument needs 'sizeArgIndex' (the 1-based index of the "
			    "argument holding its %s)",
			    arg_type__name(arg->type_id),
			    arg->type_id == ARG_CHAR_BUF ? "length" : "segment count");
	if (arg->return_copy.present && arg->return_copy.v) {
		if (arg->type_id != ARG_CHAR_BUF && arg->type_id != ARG_CHAR_IOVEC)
			diag__error(s->d, arg->return_copy.span, "return-copy",
				    "'returnCopy' applies only to char_buf and char_iovec arguments");
		else if (arg->type_id == ARG_CHAR_IOVEC)
			sema_unsupported(s, arg->return_copy.span, "returnCopy on char_iovec",
					 support__field("returnCopy"));
		else if (h->kind != HOOK_KPROBE && h->kind != HOOK_FENTRY)
			/* the copy needs the entry's pointer at the return */
			diag__error(s->d, arg->return_copy.span, "return-copy",
				    "'returnCopy' copies the buffer when the function returns; %s "
				    "has no return probe that still sees its arguments (kprobes "
				    "on kernel functions and syscalls do, through fexit)",
				    hc->what);
	}
	if (arg->max_data.present && arg->max_data.v) {
		if (arg->type_id != ARG_CHAR_BUF && arg->type_id != ARG_IOV_ITER)
			diag__error(s->d, arg->max_data.span, "max-data",
				    "'maxData' applies only to char_buf and iov_iter arguments");
		else if (arg->return_copy.present && arg->return_copy.v)
			diag__error(s->d, arg->max_data.span, "max-data",
				    "'maxData' cannot be combined with 'returnCopy'");
		else
			/* accepted: the event still says how long the buffer was */
			diag__warning(s->d, arg->max_data.span, "max-data",
				      "tpc copies at most %d bytes of a buffer (Tetragon's maxData "
				      "sends up to 327360 in data events); a longer one is posted "
				      "as truncated_bytes_arg with its orig_size",
				      TPC_STR_MAX - 1);
	}
	if (arg->resolve.present) {
		if (h->kind == HOOK_UPROBE)
			diag__error(s->d, arg->resolve.span, "resolve",
				    "'resolve' needs kernel BTF types and does not apply to uprobes");
		else
			check_resolve(s, hc, arg, &sl, false);
	} else if (arg->btf_type.present) {
		/* Tetragon reads btfType only to start a resolve path; alone it
		 * changes nothing. Still name a struct that exists. */
		if (s->bi && !btf_info__struct_id(s->bi, arg->btf_type.s))
			diag__error(s->d, arg->btf_type.span, "btf-type-unknown",
				    "no struct '%s' in kernel BTF", q(&arg->btf_type));
		else
			diag__warning(s->d, arg->btf_type.span, "btf-type-alone",
				      "'btfType' has no effect without 'resolve' (as in Tetragon): "
				      "the argument is read as its type says");
	}
	if (arg->btf_type_module.present)
		sema_unsupported(s, arg->btf_type_module.span, "btfTypeModule",
				 support__field("btfTypeModule"));
}

/* A `data` entry: a kernel value read for the event's data[] and for
 * matchData, from the current task (source: current_task, a resolve path
 * from struct task_struct, checked like an argument's). Tetragon's
 * process_kprobe and process_uprobe have data[]; other events do not. */
static void check_data(struct sema *s, struct hook_ctx *hc, struct ast_arg *d)
{
	struct ast_hook *h = hc->h;
	struct slot sl = { 0 };
	const char *why;

	if (h->kind != HOOK_KPROBE && h->kind != HOOK_FENTRY && h->kind != HOOK_UPROBE) {
		diag__error(s->d, d->span, "data",
			    "'data' applies to kprobes, fentries and uprobes: the events of %s "
			    "hooks have no data field in Tetragon's schema",
			    hook_kind__name(h->kind));
		return;
	}
	if (!d->source.present) {
		diag__error(s->d, d->span, "data-source",
			    "a data entry needs 'source: current_task' (where the value is read)");
		return;
	}
	if (ast_str__eq(&d->source, "pt_regs")) {
		sema_unsupported(s, d->source.span, "source: pt_regs",
				 support__field("source: pt_regs"));
		return;
	}
	if (!d->resolve.present) {
		diag__error(s->d, d->span, "data-resolve",
			    "a data entry needs 'resolve': the member of struct task_struct to "
			    "read (e.g. 'cred.uid.val', 'comm')");
		return;
	}
	if (d->btf_type.present) {
		diag__error(s->d, d->btf_type.span, "data",
			    "'btfType' does not apply to a data entry: its path starts at "
			    "struct task_struct");
		return;
	}
	if ((why = support__arg_type(d->type_id))) {
		sema_unsupported(s, d->type.present ? d->type.span : d->span,
				 arg_type__name(d->type_id), why);
		return;
	}
	if (d->size_arg_index.present || (d->return_copy.present && d->return_copy.v))
		diag__error(s->d, d->size_arg_index.present ? d->size_arg_index.span
							    : d->return_copy.span,
			    "data", "'%s' does not apply to a data entry",
			    d->size_arg_index.present ? "sizeArgIndex" : "returnCopy");
	if (!s->bi)
		return; /* lowering says the path needs BTF */
	sl.known = true;
	sl.name = "current task";
	sl.ti.type_id = btf_info__struct_id(s->bi, "task_struct");
	if (!sl.ti.type_id) {
		diag__error(s->d, d->source.span, "data-source",
			    "no struct task_struct in kernel BTF");
		return;
	}
	check_resolve(s, hc, d, &sl, true);
}

static void check_args(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;

	if (h->args.n + h->data.n > MAX_HOOK_ARGS)
		diag__error(s->d, h->args.n > MAX_HOOK_ARGS ? h->args.v[MAX_HOOK_ARGS].span
							   : h->data.v[0].span,
			    "too-many-args",
			    "a hook reads at most %d arguments ('args' and 'data' together), not "
			    "%zu",
			    MAX_HOOK_ARGS, h->args.n + h->data.n);
	for (size_t i = 0; i < h->args.n; i++) {
		struct ast_arg *a = &h->args.v[i];

		check_arg(s, hc, a, false, i);
		if (a->label.present) {
			for (size_t j = 0; j < i; j++)
				if (h->args.v[j].label.present &&
				    h->args.v[j].label.len == a->label.len &&
				    !memcmp(h->args.v[j].label.s, a->label.s, a->label.len))
					diag__error(s->d, a->label.span, "arg-label-duplicate",
						    "label '%s' is used by two arguments", q(&a->label));
		}
	}
	for (size_t i = 0; i < h->data.n; i++)
		check_data(s, hc, &h->data.v[i]);
	if (h->has_return_arg) {
		if (!h->ret.v)
			diag__warning(s->d, h->return_arg.span, "return-arg-unused",
				      "'returnArg' is ignored without 'return: true'");
		else
			check_arg(s, hc, &h->return_arg, true, 0);
	} else if (h->ret.present && h->ret.v &&
		   (h->kind == HOOK_KPROBE || h->kind == HOOK_FENTRY || h->kind == HOOK_UPROBE)) {
		diag__error(s->d, h->ret.span, "return-arg-missing",
			    "'return: true' needs a 'returnArg' giving the return value's type");
	}
	if (h->ret.present && h->ret.v && (h->kind == HOOK_LSM || h->kind == HOOK_TRACEPOINT))
		diag__error(s->d, h->ret.span, "return",
			    "'return' applies to kprobes, fentries and uprobes only");
	if (h->return_arg_action.present && !ast_str__eq(&h->return_arg_action, "Post") &&
	    (!h->ret.v || !h->has_return_arg || h->return_arg.type_id != ARG_SOCK))
		diag__error(s->d, h->return_arg_action.span, "return-arg-action",
			    "returnArgAction '%s' tracks the returned socket: it needs 'return: "
			    "true' and a 'returnArg' of type 'sock'",
			    q(&h->return_arg_action));
}

/* ---- names against BTF ---- */

static void call_not_found(struct sema *s, struct hook_ctx *hc, const struct ast_str *call,
			   const char *msg, const char *sug)
{
	struct ast_hook *h = hc->h;

	if (h->ignore_call_not_found.present && h->ignore_call_not_found.v) {
		diag__warning(s->d, call->span, "call-not-found", "%s; the hook is skipped "
			      "(ignore.callNotFound)", msg);
		h->skipped = true;
		return;
	}
	if (sug)
		diag__error(s->d, call->span, "call-not-found", "%s; did you mean '%s'?", msg, sug);
	else
		diag__error(s->d, call->span, "call-not-found", "%s", msg);
}

static bool valid_symbol(const char *p, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '.' && p[i] != '$' &&
		    p[i] != '@')
			return false;
	return !isdigit((unsigned char)p[0]);
}

/* Is name a text symbol of the running kernel? Only asked when BTF has no
 * FUNC for it and the BTF is the running kernel's. */
static bool kallsyms_has(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	size_t n = strlen(name);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* "ffffffff81234560 T name [module]" */
		char *p = strchr(line, ' ');

		if (!p || !p[1] || (p[1] != 't' && p[1] != 'T') || p[2] != ' ')
			continue;
		p += 3;
		found = !strncmp(p, name, n) && (p[n] == '\n' || p[n] == ' ' || p[n] == '\t' ||
						 !p[n]);
	}
	fclose(f);
	return found;
}

/* kprobe/fentry: one kernel function name (a list entry or the call). */
static void check_kfunc(struct sema *s, struct hook_ctx *hc, const struct ast_str *call,
			const char *name, bool first)
{
	struct btf_info *bi = sema_btf(s, call->span);
	struct btf_func_info fi;
	char msg[512];
	bool sys = hc->syscall_abi;

	if (!valid_symbol(name, strlen(name))) {
		diag__error(s->d, call->span, "call-name", "'%s' is not a kernel symbol name",
			    diag_quote(name, strlen(name)));
		return;
	}
	if (!strncmp(name, "security_", 9) && !sys)
		hc->security_fn = true;
	if (!bi)
		return;
	if (sys) {
		char wrapper[160];

		if (!btf_info__syscall(bi, name, wrapper, sizeof(wrapper))) {
			if (first) {
				struct tp_format tp;
				const char *base = !strncmp(name, "sys_", 4) ? name + 4 : name;
				const char *u = strstr(name, "_sys_");

				if (!strncmp(name, "__", 2) && u)
					base = u + 5;
				snprintf(hc->syscall_buf, sizeof(hc->syscall_buf), "%s", base);
				hc->syscall_name = hc->syscall_buf;
				snprintf(hc->func_buf, sizeof(hc->func_buf), "%s", wrapper);
				hc->func = hc->func_buf;
				snprintf(msg, sizeof(msg), "sys_enter_%s", base);
				if (!btf_info__tracepoint(bi, "syscalls", msg, &tp)) {
					hc->tp = tp;
					hc->have_tp = true;
				}
			}
			return;
		}
		if (!btf_info__func(bi, name, NULL)) {
			/* an ordinary function under the CRD default syscall: true */
			diag__error(s->d, call->span, "call-not-syscall",
				    "'%s' is not a syscall, but %s; arguments would be read with "
				    "the syscall calling convention",
				    diag_quote(name, strlen(name)),
				    hc->h->syscall.present ? "'syscall' is true"
							   : "'syscall' defaults to true");
			diag__note(s->d, call->span, "add 'syscall: false' to hook the kernel "
				   "function '%s'", diag_quote(name, strlen(name)));
			return;
		}
		snprintf(msg, sizeof(msg), "syscall '%s' does not exist in kernel BTF%s",
			 diag_quote(name, strlen(name)), btf_info__where(bi));
		{
			char key[160];
			const char *base = !strncmp(name, "sys_", 4) ? name + 4 : name;
			const char *sug;

			snprintf(key, sizeof(key), "%s", base);
			sug = btf_info__suggest_func(bi, key, "__x64_sys_");
			if (sug) {
				snprintf(key, sizeof(key), "sys_%s", sug);
				call_not_found(s, hc, call, msg, arena__strdup(s->a, key));
				return;
			}
		}
		call_not_found(s, hc, call, msg, NULL);
		return;
	}
	if (!btf_info__func(bi, name, &fi)) {
		if (first) {
			hc->proto = fi;
			hc->have_proto = true;
			snprintf(hc->func_buf, sizeof(hc->func_buf), "%s", name);
			hc->func = hc->func_buf;
		}
		/* the programs that have no kprobe to fall back to (lowering):
		 * the LSM hook of an Override on security_X, and the fexit of a
		 * return probe with arguments */
		if (ast_hook__override_at_lsm(hc->h) && !btf_info__lsm_hook(bi, name + 9, &fi))
			sema_check_trampoline_args(s, call->span, bi, "LSM hook", name + 9, &fi);
		else if (ast_hook__at_return(hc->h) && hc->h->args.n)
			sema_check_trampoline_args(s, call->span, bi, "kernel function", name, &fi);
		return;
	}
	if (hc->h->kind == HOOK_KPROBE && !(s->opts && s->opts->btf_path) &&
	    kallsyms_has(name)) {
		/* pahole leaves out some functions (conflicting prototypes,
		 * partial inlining); a kprobe attaches by symbol anyway */
		diag__note(s->d, call->span,
			   "'%s' is in /proc/kallsyms but not in kernel BTF; its argument types "
			   "are not checked",
			   diag_quote(name, strlen(name)));
		return;
	}
	snprintf(msg, sizeof(msg), "kernel function '%s' does not exist in kernel BTF%s",
		 diag_quote(name, strlen(name)), btf_info__where(bi));
	call_not_found(s, hc, call, msg, btf_info__suggest_func(bi, name, NULL));
}

static void check_call(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;

	if (!h->call.present || !h->call.len) {
		diag__error(s->d, h->span, "call-missing", "%s hook has no 'call'",
			    hook_kind__name(h->kind));
		return;
	}
	if (sema_is_list_ref(&h->call)) {
		const struct ast_list *l = sema_find_list(s, h->call.s + 5, h->call.len - 5);

		if (!l) {
			const char **names = arena__calloc(s->a, s->pol->lists.n + 1,
							   sizeof(*names));
			const char *sug;

			for (size_t i = 0; i < s->pol->lists.n; i++)
				names[i] = s->pol->lists.v[i].name.s;
			sug = diag_suggest(h->call.s + 5, names);
			diag__error(s->d, h->call.span, "list-unknown", "unknown list '%s'%s%s%s",
				    diag_quote(h->call.s + 5, h->call.len - 5),
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			return;
		}
		if (ast_str__eq(&l->type, "generated_syscalls") ||
		    ast_str__eq(&l->type, "generated_ftrace"))
			return;
		for (size_t i = 0; i < l->values.n; i++) {
			const char *v = l->values.v[i].s;
			const char *slash = strchr(v, '/');

			/* "i386/sys_dup": the ABI prefix picks the compat wrapper */
			if (slash && ast_str__eq(&l->type, "syscalls"))
				v = slash + 1;
			check_kfunc(s, hc, &l->values.v[i], v, i == 0);
		}
		return;
	}
	check_kfunc(s, hc, &h->call, h->call.s, true);
}

static void check_lsm(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;
	struct btf_info *bi;
	char msg[300];

	if (!h->call.present || !h->call.len) {
		diag__error(s->d, h->span, "call-missing", "lsm hook has no 'hook'");
		return;
	}
	if (!valid_symbol(h->call.s, h->call.len)) {
		diag__error(s->d, h->call.span, "call-name", "'%s' is not an LSM hook name",
			    q(&h->call));
		return;
	}
	bi = sema_btf(s, h->call.span);
	if (!bi)
		return;
	if (!btf_info__lsm_hook(bi, h->call.s, &hc->proto)) {
		hc->have_proto = true;
		snprintf(hc->func_buf, sizeof(hc->func_buf), "%s", h->call.s);
		hc->func = hc->func_buf;
		sema_check_trampoline_args(s, h->call.span, bi, "LSM hook", hc->func, &hc->proto);
		return;
	}
	if (!strncmp(h->call.s, "security_", 9) && !btf_info__lsm_hook(bi, h->call.s + 9, NULL)) {
		diag__error(s->d, h->call.span, "lsm-hook-name",
			    "LSM hooks are named without the 'security_' prefix; did you mean "
			    "'%s'?",
			    q(&(struct ast_str){ h->call.s + 9, h->call.len - 9, h->call.span, true }));
		return;
	}
	snprintf(msg, sizeof(msg), "LSM hook '%s' does not exist in kernel BTF (no bpf_lsm_%s)",
		 q(&h->call), q(&h->call));
	call_not_found(s, hc, &h->call, msg, btf_info__suggest_func(bi, h->call.s, "bpf_lsm_"));
}

static void check_tracepoint(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;
	struct btf_info *bi;
	int err;

	if (!h->subsystem.present || !h->subsystem.len || !h->event.present || !h->event.len) {
		diag__error(s->d, h->span, "tracepoint-name",
			    "tracepoint needs both 'subsystem' and 'event'");
		return;
	}
	if (ast_str__eq(&h->subsystem, "syscalls") && !strncmp(h->event.s, "sys_enter_", 10)) {
		hc->syscall_entry = true;
		snprintf(hc->syscall_buf, sizeof(hc->syscall_buf), "%s", h->event.s + 10);
		hc->syscall_name = hc->syscall_buf;
	}
	if (ast_str__eq(&h->subsystem, "raw_syscalls") && ast_str__eq(&h->event, "sys_enter"))
		hc->syscall_entry = true;
	bi = sema_btf(s, h->event.span);
	if (!bi)
		return;
	if (h->raw.present && h->raw.v) {
		if (!btf_info__raw_tracepoint(bi, h->event.s, &hc->proto)) {
			hc->have_proto = true;
			return;
		}
		diag__error(s->d, h->event.span, "tracepoint-unknown",
			    "raw tracepoint '%s' does not exist in kernel BTF (no btf_trace_%s)",
			    q(&h->event), q(&h->event));
		return;
	}
	err = btf_info__tracepoint(bi, h->subsystem.s, h->event.s, &hc->tp);
	if (!err) {
		hc->have_tp = true;
		return;
	}
	if (err == -ENOENT) {
		const char *sug = btf_info__suggest_event(bi, h->subsystem.s, h->event.s);

		diag__error(s->d, h->event.span, "tracepoint-unknown",
			    "tracepoint '%s/%s' does not exist on this kernel%s%s%s",
			    q(&h->subsystem), q(&h->event), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		return;
	}
	if (ast_str__eq(&h->subsystem, "syscalls") && hc->syscall_name) {
		char wrapper[160];

		if (btf_info__syscall(bi, hc->syscall_name, wrapper, sizeof(wrapper))) {
			diag__error(s->d, h->event.span, "tracepoint-unknown",
				    "tracepoint '%s/%s' does not exist: no syscall '%s' in kernel BTF",
				    q(&h->subsystem), q(&h->event), hc->syscall_name);
			return;
		}
	}
	/* nothing to check against, and nothing that needs checking */
	if (!h->args.n)
		return;
	diag__note(s->d, h->event.span,
		   "cannot check tracepoint '%s/%s': tracefs is not mounted and kernel BTF has no "
		   "trace_event_raw_%s struct; its fields are not checked",
		   q(&h->subsystem), q(&h->event), q(&h->event));
}

static void check_uprobe(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;
	int kinds = !!h->symbols.n + !!h->offsets.n + !!h->addrs.n;

	if (!h->path.present || !h->path.len)
		diag__error(s->d, h->span, "uprobe-path", "uprobe has no 'path'");
	else if (h->path.s[0] != '/')
		diag__error(s->d, h->path.span, "uprobe-path",
			    "uprobe path '%s' must be absolute (it is resolved on each node)",
			    q(&h->path));
	if (!kinds)
		diag__error(s->d, h->span, "uprobe-target",
			    "uprobe needs 'symbols', 'offsets' or 'addrs'");
	else if (kinds > 1)
		diag__error(s->d, h->span, "uprobe-target",
			    "uprobe takes only one of 'symbols', 'offsets' and 'addrs'");
	for (size_t i = 0; i < h->symbols.n; i++)
		if (!valid_symbol(h->symbols.v[i].s, h->symbols.v[i].len))
			diag__error(s->d, h->symbols.v[i].span, "uprobe-symbol",
				    "'%s' is not a valid symbol name", q(&h->symbols.v[i]));
	for (size_t i = 0; i < h->offsets.n; i++)
		if (h->offsets.v[i].v < 0)
			diag__error(s->d, h->offsets.v[i].span, "uprobe-offset",
				    "uprobe offset %lld is negative", (long long)h->offsets.v[i].v);
	if (h->ref_ctr_offsets.n && h->ref_ctr_offsets.n != h->symbols.n + h->offsets.n +
								   h->addrs.n)
		diag__error(s->d, h->ref_ctr_offsets.v[0].span, "uprobe-refctr",
			    "'refCtrOffsets' needs one entry per probe target");
	if (h->binary_digests.n)
		diag__warning(s->d, h->binary_digests.v[0].span, "uprobe-digest",
			      "'binaryDigests' is not verified by tpc-loader yet; the probe attaches "
			      "without checking the binary");
}

/* usdts: the probe is looked up in the binary's .note.stapsdt on the node
 * (by libbpf, when tpc-loader attaches), so only its form is checked here:
 * an absolute path and C-identifier provider and name, which is what
 * <sys/sdt.h> emits. */
static void check_usdt(struct sema *s, struct hook_ctx *hc)
{
	struct ast_hook *h = hc->h;
	const struct ast_str *ids[] = { &h->provider, &h->name };
	const char *what[] = { "provider", "name" };

	if (h->path.present && h->path.len && h->path.s[0] != '/')
		diag__error(s->d, h->path.span, "usdt-path",
			    "usdt path '%s' must be absolute (it is resolved on each node)",
			    q(&h->path));
	for (int i = 0; i < 2; i++) {
		const struct ast_str *v = ids[i];
		bool ok = v->present && v->len && !isdigit((unsigned char)v->s[0]);

		for (size_t k = 0; ok && k < v->len; k++)
			ok = isalnum((unsigned char)v->s[k]) || v->s[k] == '_';
		if (v->present && !ok)
			diag__error(s->d, v->span, "usdt-name",
				    "USDT %s '%s' is not a C identifier (as <sys/sdt.h> names "
				    "probes)",
				    what[i], q(v));
	}
	if (h->ret.present && h->ret.v)
		diag__error(s->d, h->ret.span, "usdt-return",
			    "a USDT probe is a point in the program, it has no return");
}

/* tpcNetwork: events and ports against the protocol. */
static void check_net(struct sema *s, struct hook_ctx *hc)
{
	static const char *const tcp_events[] = { "connect", "accept", "listen", "close", NULL };
	static const char *const dns_events[] = { "query", NULL };
	static const char *const http_events[] = { "request", NULL };
	struct ast_hook *h = hc->h;
	const char *const *names = h->proto == NET_TCP	 ? tcp_events
				   : h->proto == NET_DNS ? dns_events
							 : http_events;
	const char *why;

	if (h->proto == NET_NONE)
		return; /* the reader reported it */
	if ((why = support__net_proto(h->proto))) {
		sema_unsupported(s, h->protocol.span, q(&h->protocol), why);
		return;
	}
	h->event_mask = 0;
	for (size_t i = 0; i < h->events.n; i++) {
		const struct ast_str *e = &h->events.v[i];
		int k = -1;

		for (int j = 0; names[j]; j++)
			if (ast_str__eq(e, names[j]))
				k = j;
		if (k < 0) {
			const char *sug = diag_suggest(e->s, names);

			diag__error(s->d, e->span, "net-event",
				    "'%s' is not a %s event (expected %s)%s%s%s", q(e),
				    q(&h->protocol),
				    h->proto == NET_TCP ? "connect, accept, listen or close"
							: names[0],
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			continue;
		}
		h->event_mask |= 1u << (k + 1); /* TPC_TCP_* are 1-based in this order */
	}
	if (h->has_events && !h->events.n)
		diag__error(s->d, h->span, "net-event", "'events' is empty: the hook would never fire");
	if (h->has_ports && h->proto == NET_TCP) {
		diag__error(s->d, h->ports.n ? h->ports.v[0].span : h->span, "net-ports",
			    "'ports' applies to dns and http (the server ports parsed); select tcp "
			    "connections with matchArgs DPort/SPort on 'sk' instead");
		return;
	}
	for (size_t i = 0; i < h->ports.n; i++)
		if (h->ports.v[i].v < 1 || h->ports.v[i].v > 65535)
			diag__error(s->d, h->ports.v[i].span, "net-ports",
				    "port %lld is out of range (1 to 65535)",
				    (long long)h->ports.v[i].v);
}

static void check_message_tags(struct sema *s, struct ast_hook *h)
{
	if (h->message.present) {
		if (h->message.len < 2)
			diag__error(s->d, h->message.span, "message",
				    "'message' must be at least 2 characters");
		else if (h->message.len > MAX_MESSAGE)
			diag__warning(s->d, h->message.span, "message",
				      "'message' is %zu characters; events carry the first %d",
				      h->message.len, MAX_MESSAGE);
	}
	if (h->tags.n > MAX_TAGS)
		diag__error(s->d, h->tags.v[MAX_TAGS].span, "tags", "at most %d tags per hook",
			    MAX_TAGS);
	for (size_t i = 0; i < h->tags.n; i++) {
		if (h->tags.v[i].len < 2)
			diag__error(s->d, h->tags.v[i].span, "tags",
				    "tag '%s' is shorter than 2 characters", q(&h->tags.v[i]));
		else if (h->tags.v[i].len > MAX_TAG_LEN)
			diag__warning(s->d, h->tags.v[i].span, "tags",
				      "tag is %zu characters; events carry the first %d",
				      h->tags.v[i].len, MAX_TAG_LEN);
	}
}

void sema_check_hook(struct sema *s, struct ast_hook *h)
{
	struct hook_ctx hc = { .h = h };
	const char *why;

	switch (h->kind) {
	case HOOK_KPROBE:
	case HOOK_FENTRY:
		hc.syscall_abi = h->syscall.present ? h->syscall.v : true;
		hc.syscall_entry = hc.syscall_abi;
		snprintf(hc.what_buf, sizeof(hc.what_buf), "'%s'", q(&h->call));
		break;
	case HOOK_LSM:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "LSM hook '%s'", q(&h->call));
		break;
	case HOOK_TRACEPOINT:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "%stracepoint '%s/%s'",
			 h->raw.present && h->raw.v ? "raw " : "", q(&h->subsystem), q(&h->event));
		break;
	case HOOK_UPROBE:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "uprobe '%s'", q(&h->path));
		break;
	case HOOK_USDT:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "usdt '%s:%s'", q(&h->provider),
			 q(&h->name));
		break;
	case HOOK_NET:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "tpcNetwork '%s'", q(&h->protocol));
		break;
	default:
		snprintf(hc.what_buf, sizeof(hc.what_buf), "%s hook", hook_kind__name(h->kind));
		break;
	}
	hc.what = hc.what_buf;
	if ((why = support__hook(h->kind))) {
		sema_unsupported(s, h->span, h->kind == HOOK_USDT ? "usdts" : hook_kind__name(h->kind),
				 why);
		return;
	}
	switch (h->kind) {
	case HOOK_KPROBE:
	case HOOK_FENTRY:
		check_call(s, &hc);
		break;
	case HOOK_LSM:
		check_lsm(s, &hc);
		break;
	case HOOK_TRACEPOINT:
		check_tracepoint(s, &hc);
		break;
	case HOOK_UPROBE:
		check_uprobe(s, &hc);
		break;
	case HOOK_USDT:
		check_usdt(s, &hc);
		break;
	case HOOK_NET:
		check_net(s, &hc);
		break;
	default:
		break;
	}
	check_message_tags(s, h);
	/* tpcNetwork args are fixed and built valid by the reader */
	if (!h->skipped && h->kind != HOOK_EXEC && h->kind != HOOK_NET)
		check_args(s, &hc);
	for (size_t i = 0; i < h->selectors.n; i++)
		sema_check_selector(s, &hc, &h->selectors.v[i]);
	tp_format__release(&hc.tp);
}
