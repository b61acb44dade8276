/* yaml_policy.c - TracingPolicy schema over the YAML tree (see yaml_policy.h).
 *
 * Every mapping is read through yr__fields() (yaml_read.c): it checks the keys against the
 * table for that place (unknown key -> "did you mean", duplicate -> error
 * plus a note at the first one) and hands back the value node of each
 * known key. The per-struct readers then convert scalars, which report
 * wrong shapes and bad enums themselves, so one run reports every
 * structural problem of a file. Null values (`key:` or `key: ~`) count as
 * absent, as they do for the Kubernetes API server.
 */
#include "front/yaml_policy.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "front/dsl.h"
#include "front/yaml_read.h"
#include "front/yaml_tree.h"

static const enum op in_notin[] = { OP_IN, OP_NOT_IN };
static const enum op binary_ops[] = { OP_IN,	     OP_NOT_IN,	 OP_PREFIX,
				      OP_NOT_PREFIX, OP_POSTFIX, OP_NOT_POSTFIX };

/* ---- args ------------------------------------------------------------ */

enum arg_ctx { ARGCTX_ARG, ARGCTX_DATA, ARGCTX_RETURN };

static void parse_arg(struct yp *c, const struct ynode *n, struct ast_arg *o, enum arg_ctx ctx)
{
	static const char *const keys[] = { "index",	     "type",	"sizeArgIndex",
					    "returnCopy",    "maxData", "label",
					    "resolve",	     "source",	"btfType",
					    "btfTypeModule", NULL };
	enum {
		K_INDEX,
		K_TYPE,
		K_SIZE,
		K_RETCOPY,
		K_MAXDATA,
		K_LABEL,
		K_RESOLVE,
		K_SOURCE,
		K_BTFTYPE,
		K_BTFMOD
	};
	static const char *const sources[] = { "current_task", "pt_regs", NULL };
	const char *what = ctx == ARGCTX_DATA	  ? "data entry"
			   : ctx == ARGCTX_RETURN ? "returnArg"
						  : "argument";
	struct ynode *f[MAX_FIELDS];
	int t;

	memset(o, 0, sizeof(*o));
	o->type = (struct ast_str){ "auto", 4, n ? n->span : SPAN_NONE, false };
	o->type_id = ARG_AUTO;
	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	o->span = n->span;
	o->type.span = yr__key_span(n);
	if (HAS(f[K_INDEX]))
		yr__get_int(c, f[K_INDEX], &o->index, "'index'", false);
	else if (ctx != ARGCTX_RETURN)
		yr__missing(c, n, what, "index");
	if (f[K_TYPE] && yr__get_enum(c, f[K_TYPE], &o->type, "argument type", yr__lk_type,
				      arg_type__names(), &t))
		o->type_id = (enum arg_type)t;
	if (f[K_SIZE])
		yr__get_int(c, f[K_SIZE], &o->size_arg_index, "'sizeArgIndex'", false);
	if (f[K_RETCOPY])
		yr__get_bool(c, f[K_RETCOPY], &o->return_copy, "'returnCopy'");
	if (f[K_MAXDATA]) {
		/* a bool in Tetragon; tpc also takes a byte count */
		const struct ynode *v = f[K_MAXDATA];

		if (v->kind == YN_SCALAR && v->style == YS_PLAIN &&
		    (!strcmp(v->s, "true") || !strcmp(v->s, "false"))) {
			yr__visit(c, v);
			o->max_data = (struct ast_int){ v->s[0] == 't', v->span, true };
		} else {
			yr__get_int(c, v, &o->max_data, "'maxData'", false);
		}
	}
	if (f[K_LABEL])
		yr__get_str(c, f[K_LABEL], &o->label, "'label'");
	if (f[K_RESOLVE])
		yr__get_str(c, f[K_RESOLVE], &o->resolve, "'resolve'");
	if (f[K_SOURCE])
		yr__get_oneof(c, f[K_SOURCE], &o->source, "data source", sources);
	if (f[K_BTFTYPE])
		yr__get_str(c, f[K_BTFTYPE], &o->btf_type, "'btfType'");
	if (f[K_BTFMOD])
		yr__get_str(c, f[K_BTFMOD], &o->btf_type_module, "'btfTypeModule'");
}

/* ---- selectors ------------------------------------------------------- */

static void parse_match_arg(struct yp *c, const struct ynode *n, struct ast_match_arg *o,
			    const char *what)
{
	static const char *const keys[] = { "index", "args", "operator", "values", NULL };
	enum { K_INDEX, K_ARGS, K_OP, K_VALUES };
	struct ynode *f[MAX_FIELDS];
	int op;

	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	o->span = n->span;
	if (f[K_INDEX])
		yr__get_int(c, f[K_INDEX], &o->index, "'index'", false);
	if (f[K_ARGS]) {
		size_t cnt;
		struct ast_int *arr = yr__get_intlist(c, f[K_ARGS], "'args'", &cnt);

		SET_INTVEC(o->args, arr, cnt);
	}
	if (HAS(f[K_OP])) {
		if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &op))
			o->op = (enum op)op;
	} else {
		yr__missing(c, n, what, "operator");
	}
	/* a CelExpr names its arguments itself (arg0, arg1, ...) */
	if (!HAS(f[K_INDEX]) && !HAS(f[K_ARGS]) && !(o->op_name.present && o->op == OP_CEL_EXPR))
		yr__missing(c, n, what, "index");
	if (f[K_VALUES])
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
}

static void parse_match_pids(struct yp *c, const struct ynode *n, struct ast_match_pids *o)
{
	static const char *const keys[] = { "operator", "values", "isNamespacePID", "followForks",
					    NULL };
	enum { K_OP, K_VALUES, K_NSPID, K_FORKS };
	struct ynode *f[MAX_FIELDS];
	int op;

	if (!yr__fields(c, n, "matchPIDs entry", keys, f, NULL))
		return;
	o->span = n->span;
	if (!HAS(f[K_OP]))
		yr__missing(c, n, "matchPIDs entry", "operator");
	else if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &op)) {
		o->op = (enum op)op;
		yr__check_op_in(c, &o->op_name, o->op, "matchPIDs", in_notin, 2);
	}
	if (HAS(f[K_VALUES]))
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
	else
		yr__missing(c, n, "matchPIDs entry", "values");
	if (f[K_NSPID])
		yr__get_bool(c, f[K_NSPID], &o->is_namespace_pid, "'isNamespacePID'");
	if (f[K_FORKS])
		yr__get_bool(c, f[K_FORKS], &o->follow_forks, "'followForks'");
}

static void parse_match_binaries(struct yp *c, const struct ynode *n, struct ast_match_binaries *o,
				 const char *what)
{
	static const char *const keys[] = { "operator", "values", "followChildren", NULL };
	enum { K_OP, K_VALUES, K_FOLLOW };
	struct ynode *f[MAX_FIELDS];
	int op;

	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	o->span = n->span;
	if (!HAS(f[K_OP]))
		yr__missing(c, n, what, "operator");
	else if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &op)) {
		o->op = (enum op)op;
		yr__check_op_in(c, &o->op_name, o->op, what, binary_ops, 6);
	}
	if (HAS(f[K_VALUES]))
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
	else
		yr__missing(c, n, what, "values");
	if (f[K_FOLLOW])
		yr__get_bool(c, f[K_FOLLOW], &o->follow_children, "'followChildren'");
}

static void parse_match_ns(struct yp *c, const struct ynode *n, struct ast_match_ns *o)
{
	static const char *const keys[] = { "namespace", "operator", "values", NULL };
	enum { K_NS, K_OP, K_VALUES };
	struct ynode *f[MAX_FIELDS];
	int x;

	if (!yr__fields(c, n, "matchNamespaces entry", keys, f, NULL))
		return;
	o->span = n->span;
	if (!HAS(f[K_NS]))
		yr__missing(c, n, "matchNamespaces entry", "namespace");
	else if (yr__get_enum(c, f[K_NS], &o->ns_name, "namespace", yr__lk_ns, ns_kind__names(),
			      &x))
		o->ns = (enum ns_kind)x;
	if (!HAS(f[K_OP]))
		yr__missing(c, n, "matchNamespaces entry", "operator");
	else if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &x)) {
		o->op = (enum op)x;
		yr__check_op_in(c, &o->op_name, o->op, "matchNamespaces", in_notin, 2);
	}
	if (HAS(f[K_VALUES]))
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
	else
		yr__missing(c, n, "matchNamespaces entry", "values");
}

static void parse_match_ns_changes(struct yp *c, const struct ynode *n,
				   struct ast_match_ns_changes *o)
{
	static const char *const keys[] = { "operator", "values", NULL };
	enum { K_OP, K_VALUES };
	struct ynode *f[MAX_FIELDS];
	int x;

	if (!yr__fields(c, n, "matchNamespaceChanges entry", keys, f, NULL))
		return;
	o->span = n->span;
	if (!HAS(f[K_OP]))
		yr__missing(c, n, "matchNamespaceChanges entry", "operator");
	else if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &x)) {
		o->op = (enum op)x;
		yr__check_op_in(c, &o->op_name, o->op, "matchNamespaceChanges", in_notin, 2);
	}
	if (HAS(f[K_VALUES])) {
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
		for (size_t i = 0; i < o->values.n; i++) {
			struct ynode tmp = { .kind = YN_SCALAR };

			tmp.s = o->values.v[i].s;
			tmp.len = o->values.v[i].len;
			tmp.span = o->values.v[i].span;
			yr__get_enum(c, &tmp, &o->values.v[i], "namespace", yr__lk_ns,
				     ns_kind__names(), &x);
		}
	} else {
		yr__missing(c, n, "matchNamespaceChanges entry", "values");
	}
}

static void parse_match_caps(struct yp *c, const struct ynode *n, struct ast_match_caps *o,
			     const char *what)
{
	static const char *const keys[] = { "type", "operator", "isNamespaceCapability", "values",
					    NULL };
	enum { K_TYPE, K_OP, K_NSCAP, K_VALUES };
	struct ynode *f[MAX_FIELDS];
	int x;

	o->type_name = (struct ast_str){ "Effective", 9, n ? n->span : SPAN_NONE, false };
	o->type = CAPT_EFFECTIVE;
	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	o->span = n->span;
	o->type_name.span = yr__key_span(n);
	if (f[K_TYPE] && yr__get_enum(c, f[K_TYPE], &o->type_name, "capability type",
				      yr__lk_captype, cap_type__names(), &x))
		o->type = (enum cap_type)x;
	if (!HAS(f[K_OP]))
		yr__missing(c, n, what, "operator");
	else if (yr__get_enum(c, f[K_OP], &o->op_name, "operator", yr__lk_op, op__names(), &x)) {
		o->op = (enum op)x;
		yr__check_op_in(c, &o->op_name, o->op, what, in_notin, 2);
	}
	if (f[K_NSCAP])
		yr__get_bool(c, f[K_NSCAP], &o->is_namespace_capability, "'isNamespaceCapability'");
	if (HAS(f[K_VALUES]))
		yr__get_strvec(c, f[K_VALUES], &o->values, "'values'");
	else
		yr__missing(c, n, what, "values");
}

static void parse_action(struct yp *c, const struct ynode *n, struct ast_action *o)
{
	static const char *const keys[] = {
		"action",    "argError",       "argSig",	   "argFd",	     "argName",
		"argUrl",    "argFqdn",	       "argSock",	   "argIndex",	     "argValue",
		"rateLimit", "rateLimitScope", "kernelStackTrace", "userStackTrace", "imaHash",
		"argRegs",   "argNewSymbol",   "argNewAddr",	   "argNewOffset",   NULL,
	};
	enum {
		K_ACTION,
		K_ERR,
		K_SIG,
		K_FD,
		K_NAME,
		K_URL,
		K_FQDN,
		K_SOCK,
		K_INDEX,
		K_VALUE,
		K_RATE,
		K_SCOPE,
		K_KSTACK,
		K_USTACK,
		K_IMA,
		K_REGS,
		K_NSYM,
		K_NADDR,
		K_NOFF
	};
	static const char *const scopes[] = { "thread", "process", "global", NULL };
	struct ynode *f[MAX_FIELDS];
	int x;

	if (!yr__fields(c, n, "action", keys, f, NULL))
		return;
	o->span = n->span;
	if (!HAS(f[K_ACTION]))
		yr__missing(c, n, "action", "action");
	else if (yr__get_enum(c, f[K_ACTION], &o->name, "action", yr__lk_action, action__names(),
			      &x))
		o->action = (enum action)x;
	if (f[K_ERR])
		yr__get_str(c, f[K_ERR], &o->arg_error, "'argError'");
	if (f[K_SIG])
		yr__get_str(c, f[K_SIG], &o->arg_sig, "'argSig'");
	if (f[K_FD])
		yr__get_int(c, f[K_FD], &o->arg_fd, "'argFd'", false);
	if (f[K_NAME])
		yr__get_int(c, f[K_NAME], &o->arg_name, "'argName'", false);
	if (f[K_URL])
		yr__get_str(c, f[K_URL], &o->arg_url, "'argUrl'");
	if (f[K_FQDN])
		yr__get_str(c, f[K_FQDN], &o->arg_fqdn, "'argFqdn'");
	if (f[K_SOCK])
		yr__get_int(c, f[K_SOCK], &o->arg_sock, "'argSock'", false);
	if (f[K_INDEX])
		yr__get_int(c, f[K_INDEX], &o->arg_index, "'argIndex'", false);
	if (f[K_VALUE])
		yr__get_int(c, f[K_VALUE], &o->arg_value, "'argValue'", true);
	if (f[K_RATE])
		yr__get_str(c, f[K_RATE], &o->rate_limit, "'rateLimit'");
	if (f[K_SCOPE])
		yr__get_oneof(c, f[K_SCOPE], &o->rate_limit_scope, "rateLimitScope", scopes);
	if (f[K_KSTACK])
		yr__get_bool(c, f[K_KSTACK], &o->kernel_stack_trace, "'kernelStackTrace'");
	if (f[K_USTACK])
		yr__get_bool(c, f[K_USTACK], &o->user_stack_trace, "'userStackTrace'");
	if (f[K_IMA])
		yr__get_bool(c, f[K_IMA], &o->ima_hash, "'imaHash'");
	if (f[K_REGS])
		yr__get_strvec(c, f[K_REGS], &o->arg_regs, "'argRegs'");
	if (f[K_NSYM])
		yr__get_str(c, f[K_NSYM], &o->arg_new_symbol, "'argNewSymbol'");
	if (f[K_NADDR])
		yr__get_int(c, f[K_NADDR], &o->arg_new_addr, "'argNewAddr'", false);
	if (f[K_NOFF])
		yr__get_int(c, f[K_NOFF], &o->arg_new_offset, "'argNewOffset'", false);
}

static void parse_label_selector(struct yp *c, const struct ynode *n, struct ast_label_selector *o,
				 const char *what)
{
	static const char *const keys[] = { "matchLabels", "matchExpressions", NULL };
	static const char *const rkeys[] = { "key", "operator", "values", NULL };
	static const char *const rops[] = { "In", "NotIn", "Exists", "DoesNotExist", NULL };
	struct ynode *f[MAX_FIELDS], *rf[MAX_FIELDS];

	o->present = true;
	o->span = n->span;
	if (ynode__is_null(n)) {
		o->is_null = true;
		return;
	}
	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	if (yr__want_map(c, f[0], "'matchLabels'")) {
		const struct ynode *ml = f[0];
		bool *dup = yr__dup_keys(c, ml, "'matchLabels'");

		for (size_t i = 0; i < ml->n; i++) {
			struct ast_str k = { 0 }, v = { 0 };

			if (!yr__visit(c, ml->keys[i]))
				return;
			if (dup[i])
				continue;
			yr__get_str(c, ml->keys[i], &k, "a label key");
			yr__get_str(c, ml->vals[i], &v, "a label value");
			VEC_PUSH(c->a, o->label_keys, k);
			VEC_PUSH(c->a, o->label_values, v);
		}
	}
	if (yr__want_seq(c, f[1], "'matchExpressions'")) {
		for (size_t i = 0; i < f[1]->n; i++) {
			const struct ynode *r = f[1]->items[i];
			struct ast_label_req req = { 0 };

			if (!yr__fields(c, r, "label requirement", rkeys, rf, NULL))
				continue;
			req.span = r->span;
			if (HAS(rf[0]))
				yr__get_str(c, rf[0], &req.key, "'key'");
			else
				yr__missing(c, r, "label requirement", "key");
			if (HAS(rf[1]))
				yr__get_oneof(c, rf[1], &req.op_name, "label operator", rops);
			else
				yr__missing(c, r, "label requirement", "operator");
			if (rf[2])
				yr__get_strvec(c, rf[2], &req.values, "'values'");
			VEC_PUSH(c->a, o->exprs, req);
		}
	}
}

static void parse_workloads(struct yp *c, const struct ynode *n, struct ast_selector *o)
{
	static const char *const keys[] = { "podSelector", "containerSelector", "hostSelector",
					    NULL };
	struct ynode *f[MAX_FIELDS];

	if (n && n->kind == YN_SEQ) {
		/* list form: one entry is all a selector can carry */
		if (!yr__visit(c, n))
			return;
		if (n->n > 1)
			diag__error(c->d, n->items[1]->span, "limit",
				    "matchWorkloads holds one entry per selector; "
				    "use another selector for more");
		if (!n->n)
			return;
		n = n->items[0];
	}
	if (!yr__fields(c, n, "matchWorkloads", keys, f, NULL))
		return;
	o->has_match_workloads = true;
	if (f[0])
		parse_label_selector(c, f[0], &o->wl_pod, "'podSelector'");
	if (f[1])
		parse_label_selector(c, f[1], &o->wl_container, "'containerSelector'");
	if (f[2])
		parse_label_selector(c, f[2], &o->wl_host, "'hostSelector'");
}

static void parse_match_dsl(struct yp *c, const struct ynode *v, struct ast_selector *o)
{
	uint32_t *offmap;

	if (!yr__want_scalar(c, v, "'match'"))
		return;
	o->match_src = yr__mkstr(c, v);
	offmap = yaml_tree__offmap(c->a, c->m, v);
	o->match = dsl__parse(c->a, c->d, o->match_src.s, o->match_src.len, c->file, offmap,
			      v->span.start);
}

static void parse_selector(struct yp *c, const struct ynode *n, struct ast_selector *o)
{
	static const char *const keys[] = {
		"matchPIDs",
		"matchArgs",
		"matchData",
		"matchReturnArgs",
		"matchBinaries",
		"matchParentBinaries",
		"matchNamespaces",
		"matchNamespaceChanges",
		"matchCapabilities",
		"matchCapabilityChanges",
		"matchActions",
		"matchReturnActions",
		"matchWorkloads",
		"macros",
		"label",
		"match",
		NULL,
	};
	enum {
		K_PIDS,
		K_ARGS,
		K_DATA,
		K_RETARGS,
		K_BIN,
		K_PBIN,
		K_NS,
		K_NSCH,
		K_CAPS,
		K_CAPCH,
		K_ACT,
		K_RETACT,
		K_WL,
		K_MACROS,
		K_LABEL,
		K_MATCH
	};
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "selector", keys, f, NULL))
		return;
	o->span = n->span;
	if (f[K_LABEL])
		yr__get_str(c, f[K_LABEL], &o->label, "'label'");
	PARSE_LIST(c, f[K_PIDS], "'matchPIDs'", o->match_pids,
		   parse_match_pids(c, f[K_PIDS]->items[i_], &it_));
	PARSE_LIST(c, f[K_ARGS], "'matchArgs'", o->match_args,
		   parse_match_arg(c, f[K_ARGS]->items[i_], &it_, "matchArgs entry"));
	PARSE_LIST(c, f[K_DATA], "'matchData'", o->match_data,
		   parse_match_arg(c, f[K_DATA]->items[i_], &it_, "matchData entry"));
	PARSE_LIST(c, f[K_RETARGS], "'matchReturnArgs'", o->match_return_args,
		   parse_match_arg(c, f[K_RETARGS]->items[i_], &it_, "matchReturnArgs entry"));
	PARSE_LIST(c, f[K_BIN], "'matchBinaries'", o->match_binaries,
		   parse_match_binaries(c, f[K_BIN]->items[i_], &it_, "matchBinaries"));
	PARSE_LIST(c, f[K_PBIN], "'matchParentBinaries'", o->match_parent_binaries,
		   parse_match_binaries(c, f[K_PBIN]->items[i_], &it_, "matchParentBinaries"));
	PARSE_LIST(c, f[K_NS], "'matchNamespaces'", o->match_namespaces,
		   parse_match_ns(c, f[K_NS]->items[i_], &it_));
	PARSE_LIST(c, f[K_NSCH], "'matchNamespaceChanges'", o->match_namespace_changes,
		   parse_match_ns_changes(c, f[K_NSCH]->items[i_], &it_));
	PARSE_LIST(c, f[K_CAPS], "'matchCapabilities'", o->match_capabilities,
		   parse_match_caps(c, f[K_CAPS]->items[i_], &it_, "matchCapabilities"));
	PARSE_LIST(c, f[K_CAPCH], "'matchCapabilityChanges'", o->match_capability_changes,
		   parse_match_caps(c, f[K_CAPCH]->items[i_], &it_, "matchCapabilityChanges"));
	PARSE_LIST(c, f[K_ACT], "'matchActions'", o->match_actions,
		   parse_action(c, f[K_ACT]->items[i_], &it_));
	PARSE_LIST(c, f[K_RETACT], "'matchReturnActions'", o->match_return_actions,
		   parse_action(c, f[K_RETACT]->items[i_], &it_));
	if (f[K_WL])
		parse_workloads(c, f[K_WL], o);
	if (f[K_MACROS])
		yr__get_strvec(c, f[K_MACROS], &o->macros, "'macros'");
	if (f[K_MATCH])
		parse_match_dsl(c, f[K_MATCH], o);
}

/* ---- hooks ------------------------------------------------------------- */

/* One key table per hook kind: what Tetragon's CRD allows there. */
static const char *const kprobe_keys[] = { "call",	"syscall", "return",	"message",
					   "args",	"data",	   "returnArg", "returnArgAction",
					   "selectors", "tags",	   "ignore",	NULL };
static const char *const tp_keys[] = { "subsystem", "event",	 "raw",	 "message",
				       "args",	    "selectors", "tags", NULL };
static const char *const uprobe_keys[] = { "path",	"btfPath",	 "symbols",	  "offsets",
					   "addrs",	"refCtrOffsets", "binaryDigests", "message",
					   "selectors", "args",		 "data",	  "tags",
					   "return",	"returnArg",	 "ignore",	  NULL };
static const char *const lsm_keys[] = { "hook", "message", "args", "selectors", "tags", NULL };
static const char *const usdt_keys[] = { "path",    "btfPath", "provider",  "name", "tags",
					 "message", "args",    "selectors", NULL };

static const char *hook_what(enum hook_kind k)
{
	switch (k) {
	case HOOK_KPROBE: return "kprobe";
	case HOOK_FENTRY: return "fentry";
	case HOOK_TRACEPOINT: return "tracepoint";
	case HOOK_UPROBE: return "uprobe";
	case HOOK_LSM: return "lsmhook";
	case HOOK_USDT: return "usdt";
	default: return "hook";
	}
}

/* value of key `name` in a table-driven field array */
static struct ynode *fget(const char *const *keys, struct ynode **f, const char *name)
{
	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(keys[i], name))
			return f[i];
	return NULL;
}

static void parse_ignore(struct yp *c, const struct ynode *n, struct ast_hook *h, bool uprobe)
{
	static const char *const kkeys[] = { "callNotFound", NULL };
	static const char *const ukeys[] = { "callNotFound", "digestVerificationFailure", NULL };
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "'ignore'", uprobe ? ukeys : kkeys, f, NULL))
		return;
	if (f[0])
		yr__get_bool(c, f[0], &h->ignore_call_not_found, "'callNotFound'");
	if (uprobe && f[1])
		yr__get_bool(c, f[1], &h->ignore_digest_failure, "'digestVerificationFailure'");
}

static void parse_hook(struct yp *c, const struct ynode *n, enum hook_kind kind, struct ast_hook *h)
{
	const char *const *keys = kind == HOOK_TRACEPOINT ? tp_keys
				  : kind == HOOK_UPROBE	  ? uprobe_keys
				  : kind == HOOK_LSM	  ? lsm_keys
				  : kind == HOOK_USDT	  ? usdt_keys
							  : kprobe_keys;
	static const char *const ret_actions[] = { "TrackSock", "UntrackSock", "Post", NULL };
	const char *what = hook_what(kind);
	struct ynode *f[MAX_FIELDS], *v;

	h->kind = kind;
	if (kind == HOOK_KPROBE || kind == HOOK_FENTRY)
		h->syscall = (struct ast_bool){ true, n->span, false }; /* CRD default */
	if (!yr__fields(c, n, what, keys, f, NULL))
		return;
	h->span = n->span;
	h->syscall.span = yr__key_span(n);

	switch (kind) {
	case HOOK_KPROBE:
	case HOOK_FENTRY:
		if (HAS(v = fget(keys, f, "call")))
			yr__get_str(c, v, &h->call, "'call'");
		else
			yr__missing(c, n, what, "call");
		if ((v = fget(keys, f, "syscall")))
			yr__get_bool(c, v, &h->syscall, "'syscall'");
		break;
	case HOOK_TRACEPOINT:
		if (HAS(v = fget(keys, f, "subsystem")))
			yr__get_str(c, v, &h->subsystem, "'subsystem'");
		else
			yr__missing(c, n, what, "subsystem");
		if (HAS(v = fget(keys, f, "event")))
			yr__get_str(c, v, &h->event, "'event'");
		else
			yr__missing(c, n, what, "event");
		if ((v = fget(keys, f, "raw")))
			yr__get_bool(c, v, &h->raw, "'raw'");
		break;
	case HOOK_LSM:
		if (HAS(v = fget(keys, f, "hook")))
			yr__get_str(c, v, &h->call, "'hook'");
		else
			yr__missing(c, n, what, "hook");
		break;
	case HOOK_UPROBE:
	case HOOK_USDT:
		if (HAS(v = fget(keys, f, "path")))
			yr__get_str(c, v, &h->path, "'path'");
		else
			yr__missing(c, n, what, "path");
		if ((v = fget(keys, f, "btfPath")))
			yr__get_str(c, v, &h->btf_path, "'btfPath'");
		if (kind == HOOK_USDT) {
			if (HAS(v = fget(keys, f, "provider")))
				yr__get_str(c, v, &h->provider, "'provider'");
			else
				yr__missing(c, n, what, "provider");
			if (HAS(v = fget(keys, f, "name")))
				yr__get_str(c, v, &h->name, "'name'");
			else
				yr__missing(c, n, what, "name");
			break;
		}
		if ((v = fget(keys, f, "symbols")))
			yr__get_strvec(c, v, &h->symbols, "'symbols'");
		if ((v = fget(keys, f, "offsets"))) {
			size_t cnt;
			struct ast_int *arr = yr__get_intlist(c, v, "'offsets'", &cnt);

			SET_INTVEC(h->offsets, arr, cnt);
		}
		if ((v = fget(keys, f, "addrs"))) {
			size_t cnt;
			struct ast_int *arr = yr__get_intlist(c, v, "'addrs'", &cnt);

			SET_INTVEC(h->addrs, arr, cnt);
		}
		if ((v = fget(keys, f, "refCtrOffsets"))) {
			size_t cnt;
			struct ast_int *arr = yr__get_intlist(c, v, "'refCtrOffsets'", &cnt);

			SET_INTVEC(h->ref_ctr_offsets, arr, cnt);
		}
		if ((v = fget(keys, f, "binaryDigests")))
			yr__get_strvec(c, v, &h->binary_digests, "'binaryDigests'");
		break;
	default: break;
	}
	if ((v = fget(keys, f, "return")))
		yr__get_bool(c, v, &h->ret, "'return'");
	if ((v = fget(keys, f, "message")))
		yr__get_str(c, v, &h->message, "'message'");
	if ((v = fget(keys, f, "args")))
		PARSE_LIST(c, v, "'args'", h->args, parse_arg(c, v->items[i_], &it_, ARGCTX_ARG));
	if ((v = fget(keys, f, "data")))
		PARSE_LIST(c, v, "'data'", h->data, parse_arg(c, v->items[i_], &it_, ARGCTX_DATA));
	if ((v = fget(keys, f, "returnArg")) && !ynode__is_null(v)) {
		parse_arg(c, v, &h->return_arg, ARGCTX_RETURN);
		h->has_return_arg = true;
	}
	if ((v = fget(keys, f, "returnArgAction")))
		yr__get_oneof(c, v, &h->return_arg_action, "returnArgAction", ret_actions);
	if ((v = fget(keys, f, "selectors")))
		PARSE_LIST(c, v, "'selectors'", h->selectors,
			   parse_selector(c, v->items[i_], &it_));
	if ((v = fget(keys, f, "tags")))
		yr__get_strvec(c, v, &h->tags, "'tags'");
	if ((v = fget(keys, f, "ignore")))
		parse_ignore(c, v, h, kind == HOOK_UPROBE);
}

/* ---- tpcNetwork (tpc extension) -------------------------------------- */

/* Each protocol's fixed argument list: index, type, label. */
static const struct {
	enum arg_type type;
	const char *label;
} net_args[4][4] = {
	[NET_TCP] = { { ARG_SOCK, "sk" }, { ARG_TCP_EVENT, "event" } },
	[NET_DNS] = { { ARG_STRING, "name" }, { ARG_DNS_QTYPE, "qtype" },
		      { ARG_SOCKADDR, "server" } },
	[NET_HTTP] = { { ARG_STRING, "method" }, { ARG_STRING, "host" }, { ARG_STRING, "path" },
		       { ARG_SOCKADDR, "server" } },
};

static void net_fixed_args(struct yp *c, struct ast_hook *h, struct span sp)
{
	for (int i = 0; i < 4 && net_args[h->proto][i].label; i++) {
		struct ast_arg a = { 0 };
		const char *ty = arg_type__name(net_args[h->proto][i].type);
		const char *lb = net_args[h->proto][i].label;

		a.span = sp;
		a.index = (struct ast_int){ i, sp, true };
		a.type = ast_str__make(c->a, ty, strlen(ty), sp);
		a.type_id = net_args[h->proto][i].type;
		a.label = ast_str__make(c->a, lb, strlen(lb), sp);
		VEC_PUSH(c->a, h->args, a);
	}
}

static void parse_net(struct yp *c, const struct ynode *n, struct ast_hook *h)
{
	static const char *const keys[] = { "protocol", "events", "ports", "selectors",
					    "message",	"tags",	  NULL };
	static const char *const protos[] = { "tcp", "dns", "http", NULL };
	struct ynode *f[MAX_FIELDS];

	h->kind = HOOK_NET;
	if (!yr__fields(c, n, "tpcNetwork entry", keys, f, NULL))
		return;
	h->span = n->span;
	if (HAS(f[0])) {
		if (yr__get_oneof(c, f[0], &h->protocol, "network protocol", protos)) {
			h->proto = ast_str__eq(&h->protocol, "tcp")   ? NET_TCP
				   : ast_str__eq(&h->protocol, "dns") ? NET_DNS
								      : NET_HTTP;
			net_fixed_args(c, h, h->protocol.span);
		}
	} else {
		yr__missing(c, n, "tpcNetwork entry", "protocol");
	}
	if (f[1]) {
		yr__get_strvec(c, f[1], &h->events, "'events'");
		h->has_events = true;
	}
	if (f[2]) {
		size_t cnt;
		struct ast_int *arr = yr__get_intlist(c, f[2], "'ports'", &cnt);

		SET_INTVEC(h->ports, arr, cnt);
		h->has_ports = true;
	}
	if (f[3])
		PARSE_LIST(c, f[3], "'selectors'", h->selectors,
			   parse_selector(c, f[3]->items[i_], &it_));
	if (f[4])
		yr__get_str(c, f[4], &h->message, "'message'");
	if (f[5])
		yr__get_strvec(c, f[5], &h->tags, "'tags'");
}

/* ---- spec -------------------------------------------------------------- */

static void parse_list(struct yp *c, const struct ynode *n, struct ast_list *o)
{
	static const char *const keys[] = {
		"name", "type", "values", "pattern", "validated", NULL
	};
	static const char *const types[] = { "syscalls", "generated_syscalls", "generated_ftrace",
					     NULL };
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "list", keys, f, NULL))
		return;
	o->span = n->span;
	if (HAS(f[0]))
		yr__get_str(c, f[0], &o->name, "'name'");
	else
		yr__missing(c, n, "list", "name");
	if (f[1])
		yr__get_oneof(c, f[1], &o->type, "list type", types);
	if (f[2])
		yr__get_strvec(c, f[2], &o->values, "'values'");
	if (f[3])
		yr__get_str(c, f[3], &o->pattern, "'pattern'");
	if (f[4])
		yr__get_bool(c, f[4], &o->validated, "'validated'");
}

static void parse_enforcer(struct yp *c, const struct ynode *n, ast_strvec *o)
{
	static const char *const keys[] = { "calls", NULL };
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "enforcer", keys, f, NULL))
		return;
	if (HAS(f[0]))
		yr__get_strvec(c, f[0], o, "'calls'");
	else
		yr__missing(c, n, "enforcer", "calls");
}

static void parse_option(struct yp *c, const struct ynode *n, struct ast_option *o)
{
	static const char *const keys[] = { "name", "value", NULL };
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "option", keys, f, NULL))
		return;
	o->span = n->span;
	if (HAS(f[0]))
		yr__get_str(c, f[0], &o->name, "'name'");
	else
		yr__missing(c, n, "option", "name");
	if (f[1])
		yr__get_str(c, f[1], &o->value, "'value'");
}

static void parse_macros(struct yp *c, const struct ynode *n, struct ast_policy *p)
{
	bool *dup;

	if (!yr__want_map(c, n, "'selectorsMacros'"))
		return;
	dup = yr__dup_keys(c, n, "'selectorsMacros'");
	for (size_t i = 0; i < n->n; i++) {
		struct ast_macro mac;

		memset(&mac, 0, sizeof(mac));
		if (!yr__visit(c, n->keys[i]))
			return;
		if (dup[i])
			continue;
		yr__get_str(c, n->keys[i], &mac.name, "a macro name");
		mac.span = n->keys[i]->span;
		parse_selector(c, n->vals[i], &mac.sel);
		VEC_PUSH(c->a, p->macros, mac);
	}
}

/* The seed shorthand: spec.selectors.matchBinary: [...] + spec.action. */
static void parse_shorthand(struct yp *c, const struct ynode *spec, struct ynode *sel_k,
			    struct ynode *sel_v, struct ynode *act_k, struct ynode *act_v,
			    struct ast_policy *p)
{
	static const char *const keys[] = { "matchBinary", "matchBinaries", NULL };
	static const char *const acts[] = { "Block", "Sigkill", "Post", NULL };
	struct ynode *f[MAX_FIELDS], *fk[MAX_FIELDS];
	struct ast_hook h;
	struct ast_selector s;
	struct ast_match_binaries mb;
	struct ast_action act;
	const struct ynode *vals, *vkey;
	int x;

	memset(&h, 0, sizeof(h));
	memset(&s, 0, sizeof(s));
	memset(&mb, 0, sizeof(mb));
	memset(&act, 0, sizeof(act));
	if (!sel_k) {
		diag__error(c->d, act_k->span, "missing-key",
			    "'action' in spec needs 'selectors.matchBinary' naming the binaries");
		return;
	}
	if (!act_k) {
		diag__error(
			c->d, sel_k->span, "missing-key",
			"spec 'selectors' (shorthand) needs an 'action': Block, Sigkill or Post");
		return;
	}
	if (!yr__fields(c, sel_v, "spec 'selectors'", keys, f, fk))
		return;
	if (f[0] && f[1]) {
		diag__error(c->d, fk[1]->span, "duplicate-key",
			    "'matchBinary' and 'matchBinaries' both given; use one");
		diag__note(c->d, fk[0]->span, "'matchBinary' given here");
	}
	vals = f[0] ? f[0] : f[1];
	vkey = f[0] ? fk[0] : fk[1];
	if (!vals) {
		yr__missing(c, sel_v, "spec 'selectors'", "matchBinary");
		return;
	}
	mb.span = vkey->span;
	mb.op = OP_IN;
	mb.op_name = (struct ast_str){ "In", 2, vkey->span, false };
	yr__get_strvec(c, vals, &mb.values, "'matchBinary'");
	if (vals->kind == YN_SEQ && !vals->n)
		diag__error(c->d, vals->span, "bad-value", "'matchBinary' needs at least one path");

	act.span = act_k->span;
	if (yr__get_oneof(c, act_v, &act.name, "shorthand action", acts) &&
	    !action__lookup(act.name.s, (enum action *)&x))
		act.action = (enum action)x;

	s.span = sel_v->span;
	VEC_PUSH(c->a, s.match_binaries, mb);
	VEC_PUSH(c->a, s.match_actions, act);
	h.kind = HOOK_EXEC;
	h.span = sel_k->span;
	VEC_PUSH(c->a, h.selectors, s);
	VEC_PUSH(c->a, p->hooks, h);
	p->shorthand = true;
	(void)spec;
}

static void parse_spec(struct yp *c, const struct ynode *n, struct ast_policy *p)
{
	static const char *const keys[] = {
		"kprobes",
		"fentries",
		"tracepoints",
		"uprobes",
		"lsmhooks",
		"usdts",
		"tpcNetwork",
		"lists",
		"enforcers",
		"options",
		"podSelector",
		"containerSelector",
		"hostSelector",
		"nodeSelector",
		"selectorsMacros",
		"loader",
		"selectors",
		"action",
		NULL,
	};
	enum {
		K_KPROBES,
		K_FENTRIES,
		K_TPS,
		K_UPROBES,
		K_LSM,
		K_USDTS,
		K_NET,
		K_LISTS,
		K_ENF,
		K_OPTS,
		K_POD,
		K_CONT,
		K_HOST,
		K_NODE,
		K_MACROS,
		K_LOADER,
		K_SEL,
		K_ACTION
	};
	static const enum hook_kind hk[] = { HOOK_KPROBE, HOOK_FENTRY, HOOK_TRACEPOINT,
					     HOOK_UPROBE, HOOK_LSM,    HOOK_USDT };
	static const char *const hwhat[] = { "'kprobes'", "'fentries'", "'tracepoints'",
					     "'uprobes'", "'lsmhooks'", "'usdts'" };
	struct ynode *f[MAX_FIELDS], *fk[MAX_FIELDS];

	if (!yr__fields(c, n, "spec", keys, f, fk))
		return;
	/* hooks in file order, whatever list they come from */
	for (size_t i = 0; i < n->n; i++) {
		for (int k = K_KPROBES; k <= K_USDTS; k++) {
			const struct ynode *v = f[k];

			if (!v || n->vals[i] != v || n->keys[i] != fk[k])
				continue;
			PARSE_LIST(c, v, hwhat[k], p->hooks,
				   parse_hook(c, v->items[i_], hk[k], &it_));
		}
		if (f[K_NET] && n->vals[i] == f[K_NET] && n->keys[i] == fk[K_NET])
			PARSE_LIST(c, f[K_NET], "'tpcNetwork'", p->hooks,
				   parse_net(c, f[K_NET]->items[i_], &it_));
	}
	if (f[K_LISTS])
		PARSE_LIST(c, f[K_LISTS], "'lists'", p->lists,
			   parse_list(c, f[K_LISTS]->items[i_], &it_));
	if (f[K_ENF])
		PARSE_LIST(c, f[K_ENF], "'enforcers'", p->enforcers,
			   parse_enforcer(c, f[K_ENF]->items[i_], &it_));
	if (f[K_OPTS])
		PARSE_LIST(c, f[K_OPTS], "'options'", p->options,
			   parse_option(c, f[K_OPTS]->items[i_], &it_));
	if (f[K_POD])
		parse_label_selector(c, f[K_POD], &p->pod_selector, "'podSelector'");
	if (f[K_CONT])
		parse_label_selector(c, f[K_CONT], &p->container_selector, "'containerSelector'");
	if (f[K_HOST])
		parse_label_selector(c, f[K_HOST], &p->host_selector, "'hostSelector'");
	if (f[K_NODE])
		parse_label_selector(c, f[K_NODE], &p->node_selector, "'nodeSelector'");
	if (f[K_MACROS])
		parse_macros(c, f[K_MACROS], p);
	if (f[K_LOADER])
		yr__get_bool(c, f[K_LOADER], &p->loader, "'loader'");
	if (f[K_SEL] || f[K_ACTION])
		parse_shorthand(c, n, fk[K_SEL], f[K_SEL], fk[K_ACTION], f[K_ACTION], p);
}

/* ---- documents --------------------------------------------------------- */

static void parse_metadata(struct yp *c, const struct ynode *n, struct ast_policy *p)
{
	/* Kubernetes ObjectMeta: name and namespace are used, the rest is
	 * accepted so that `kubectl get -o yaml` output validates. */
	static const char *const keys[] = {
		"name",
		"namespace",
		"labels",
		"annotations",
		"generateName",
		"uid",
		"resourceVersion",
		"generation",
		"creationTimestamp",
		"deletionTimestamp",
		"deletionGracePeriodSeconds",
		"ownerReferences",
		"finalizers",
		"managedFields",
		"selfLink",
		NULL,
	};
	struct ynode *f[MAX_FIELDS];

	if (!yr__fields(c, n, "metadata", keys, f, NULL))
		return;
	if (HAS(f[0]))
		yr__get_str(c, f[0], &p->name, "'name'");
	else
		yr__missing(c, n, "metadata", "name");
	if (f[1])
		yr__get_str(c, f[1], &p->namespace_, "'namespace'");
	if (f[2])
		yr__want_map(c, f[2], "'labels'");
	if (f[3])
		yr__want_map(c, f[3], "'annotations'");
}

static const struct ynode *root_key(const struct ynode *n, const char *key)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->keys[i]->kind == YN_SCALAR && n->keys[i]->len == strlen(key) &&
		    !memcmp(n->keys[i]->s, key, n->keys[i]->len))
			return n->vals[i];
	return NULL;
}

/* A document that is plainly something else (a Pod next to the policy, a
 * docker-compose file) is not read as a policy. A file mixing policies
 * with other Kubernetes objects is what `kubectl apply -f` takes (it
 * creates every object), so such a document is kept aside and noted once
 * the file is read; a file with no policy at all gets the error (see
 * report_skipped). A document without apiVersion and kind is no
 * Kubernetes object, which kubectl refuses too: an error at once. A
 * near-miss kind is a typo and is checked as a policy. */
static bool foreign_document(struct yp *c, const struct ynode *n, const char *const *kinds)
{
	const struct ynode *kind = root_key(n, "kind");
	struct yskipped sk;

	if (!kind && !root_key(n, "apiVersion")) {
		diag__error(c->d, yr__key_span(n), "not-a-policy",
			    "this document is not a Kubernetes object (no 'apiVersion' or 'kind'); "
			    "expected a TracingPolicy");
		return true;
	}
	if (!kind || kind->kind != YN_SCALAR || ynode__is_null(kind))
		return false;
	for (size_t i = 0; kinds[i]; i++)
		if (strlen(kinds[i]) == kind->len && !memcmp(kinds[i], kind->s, kind->len))
			return false;
	if (diag_suggest(kind->s, kinds))
		return false;
	sk = (struct yskipped){ kind->span, kind->s, kind->len };
	VEC_PUSH(c->a, c->skipped, sk);
	return true;
}

/* After the whole file: each skipped document is a note when the file
 * also holds a policy, an error when it holds none. */
static void report_skipped(struct yp *c)
{
	for (size_t i = 0; i < c->skipped.n; i++) {
		struct span sp = c->skipped.v[i].span;
		const char *kind = diag_quote(c->skipped.v[i].kind, c->skipped.v[i].len);

		if (c->policies)
			diag__note(c->d, sp,
				   "skipping this document: kind '%s' is not a policy (kubectl "
				   "apply would create it; tpc compiles the TracingPolicy "
				   "documents of the file)",
				   kind);
		else
			diag__error(c->d, sp, "not-a-policy",
				    "kind '%s' is not a policy; tpc reads TracingPolicy and "
				    "TracingPolicyNamespaced (cilium.io/v1alpha1)",
				    kind);
	}
}

/* ---- placeholders ---------------------------------------------------- */

/* `${PODCIDR}` in Tetragon's examples is filled in by the user's deploy
 * tooling (envsubst, helm, kustomize) before `kubectl apply`; to the API
 * server and to Tetragon it would be a literal string. No policy means
 * one, so each is an error at the placeholder itself, saying to substitute
 * it first, and the document is not read further (its value errors would
 * only repeat the point). */
static size_t placeholder_len(const char *s, size_t len)
{
	size_t i = 2;

	if (len < 4 || s[0] != '$' || s[1] != '{' || !(isalpha((unsigned char)s[2]) || s[2] == '_'))
		return 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	return i < len && s[i] == '}' ? i + 1 : 0;
}

static bool find_placeholders(struct yp *c, const struct ynode *n, unsigned depth, size_t *budget)
{
	bool found = false;

	if (!n || depth > YAML_MAX_DEPTH || !*budget)
		return false;
	--*budget;
	if (n->kind == YN_SCALAR) {
		uint32_t *off = NULL;

		for (size_t i = 0; i + 3 < n->len; i++) {
			size_t k = placeholder_len(n->s + i, n->len - i);
			struct span sp = n->span;

			if (!k)
				continue;
			if (!off)
				off = yaml_tree__offmap(c->a, c->m, n);
			if (off) {
				sp.start = off[i];
				sp.end = off[i + k];
			}
			diag__error(c->d, sp, "placeholder",
				    "'%s' is a placeholder, not policy syntax: substitute it before "
				    "building (e.g. `%s=... envsubst < policy.yaml > out.yaml`)",
				    diag_quote(n->s + i, k), diag_quote(n->s + i + 2, k - 3));
			found = true;
			i += k - 1;
		}
		return found;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == YN_MAP)
			found |= find_placeholders(c, n->keys[i], depth + 1, budget);
		found |= find_placeholders(c, n->kind == YN_MAP ? n->vals[i] : n->items[i],
					   depth + 1, budget);
	}
	return found;
}

static void on_doc(void *ctx, const struct ydoc *doc)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	static const char *const kinds[] = { "TracingPolicy", "TracingPolicyNamespaced", NULL };
	struct yp *c = ctx;
	const struct ynode *n = doc->root;
	struct ynode *f[MAX_FIELDS];
	struct ast_policy *p;

	if (ynode__is_null(n) || c->over_budget)
		return; /* empty document, e.g. after a trailing '---' */
	c->budget = doc->nodes_total * YAML_WALK_PER_NODE + YAML_WALK_BASE;
	if (c->budget > YAML_MAX_NODES)
		c->budget = YAML_MAX_NODES;
	if (n->kind == YN_MAP && foreign_document(c, n, kinds))
		return;
	p = arena__alloc(c->a, sizeof(*p));
	/* from the root node (not the '---') to the end of the document */
	p->span = doc->span;
	if (n->span.start > p->span.start)
		p->span.start = n->span.start;
	p->file = c->file;
	VEC_PUSH(c->a, c->out->policies, p);
	c->policies++;
	{
		size_t budget = c->budget;

		if (find_placeholders(c, n, 0, &budget))
			return;
	}
	if (n->kind != YN_MAP) {
		diag__error(c->d, n->span, "wrong-type",
			    "expected a TracingPolicy mapping at the top of the document, got %s",
			    yr__kind_desc(n));
		return;
	}
	yr__fields(c, n, "the policy", keys, f, NULL);
	if (!HAS(f[0])) {
		yr__missing(c, n, "the policy", "apiVersion");
	} else if (yr__want_scalar(c, f[0], "'apiVersion'")) {
		p->api_version = yr__mkstr(c, f[0]);
		if (!ast_str__eq(&p->api_version, "cilium.io/v1alpha1"))
			diag__error(c->d, f[0]->span, "bad-api-version",
				    "unsupported apiVersion '%s'; expected 'cilium.io/v1alpha1'",
				    yr__q(f[0]));
	}
	if (!HAS(f[1])) {
		yr__missing(c, n, "the policy", "kind");
	} else if (yr__get_oneof(c, f[1], &p->kind_name, "kind", kinds)) {
		p->kind = ast_str__eq(&p->kind_name, "TracingPolicy") ? POLICY_CLUSTER
								      : POLICY_NAMESPACED;
	}
	if (HAS(f[2]))
		parse_metadata(c, f[2], p);
	else
		yr__missing(c, n, "the policy", "metadata");
	if (HAS(f[3]))
		parse_spec(c, f[3], p);
	else
		yr__missing(c, n, "the policy", "spec");
}

struct dgroup {
	size_t first, count;
	uint32_t start;
};

static int dgroup_cmp(const void *a, const void *b)
{
	const struct dgroup *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Diagnostics are collected per file and re-emitted in source order (a
 * diagnostic keeps its notes), so a reader goes down the file once even
 * though the schema walk visits fields in table order. */
static void replay_sorted(struct diag_sink *from, struct diag_sink *to)
{
	size_t n = diag_sink__count(from), ng = 0;
	struct dgroup *g = calloc(n ? n : 1, sizeof(*g));

	if (!g) {
		diag__error(to, SPAN_NONE, "internal", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct diag *dg = diag_sink__get(from, i);

		if (dg->level == DIAG_NOTE && ng) {
			g[ng - 1].count++;
			continue;
		}
		g[ng++] = (struct dgroup){ i, 1, dg->span.start };
	}
	qsort(g, ng, sizeof(*g), dgroup_cmp);
	for (size_t k = 0; k < ng; k++) {
		for (size_t i = g[k].first; i < g[k].first + g[k].count; i++) {
			const struct diag *dg = diag_sink__get(from, i);

			if (dg->level == DIAG_ERROR)
				diag__error(to, dg->span, dg->code, "%s", dg->msg);
			else if (dg->level == DIAG_WARNING)
				diag__warning(to, dg->span, dg->code, "%s", dg->msg);
			else
				diag__note(to, dg->span, "%s", dg->msg);
		}
	}
	free(g);
}

int yaml_policy__parse(struct arena *a, struct srcmap *m, struct diag_sink *d, uint32_t file,
		       struct ast_bundle *out)
{
	struct yp c = { .a = a, .m = m, .file = file, .out = out };
	unsigned errors;
	int r;

	c.d = diag_sink__new(m);
	if (!c.d) {
		diag__error(d, SPAN_NONE, "internal", "out of memory");
		return -ENOMEM;
	}
	diag_sink__set_max_errors(c.d, UINT_MAX);
	r = yaml_tree__load_all(a, m, c.d, file, on_doc, &c);
	report_skipped(&c);
	if (r >= 0 && !c.policies && !diag_sink__errors(c.d))
		diag__error(c.d, (struct span){ file, 0, 0 }, "empty",
			    "no TracingPolicy document in this file");
	errors = diag_sink__errors(c.d);
	replay_sorted(c.d, d);
	diag_sink__free(c.d);
	return errors ? -EINVAL : 0;
}
