/* emit_meta.c - the .tpc.meta JSON of an object (docs/object-format.md).
 * Deterministic: keys in a fixed order, no timestamps. */
#include "emit/emit_meta.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tpc_abi.h"

static json_t *jstr_n(const char *s, size_t n)
{
	json_t *j = json_stringn_nocheck(s ? s : "", s ? n : 0);

	return j ? j : json_string("");
}

static json_t *jstr(const char *s)
{
	return jstr_n(s, s ? strlen(s) : 0);
}

static const char *map_kind(enum ir_map_kind k)
{
	switch (k) {
	case MAP_PATH_SET:
		return "path_hash";
	case MAP_STR_SET:
		return "str_set";
	case MAP_PREFIX_SET:
		return "prefix_set";
	case MAP_SCOPE:
		return "cgroup_scope";
	case MAP_IDENT_SET:
		return "ident_set";
	default:
		return "int_set";
	}
}

/* A Kubernetes label selector as the loader evaluates it: matchLabels as
 * an object, matchExpressions as {key, operator, values}; null when the
 * policy does not select on it. */
static json_t *selector_json(const struct ast_label_selector *ls)
{
	json_t *labels, *exprs;

	if (!ls)
		return json_null();
	labels = json_object();
	exprs = json_array();
	for (size_t i = 0; i < ls->label_keys.n; i++)
		json_object_set_new(labels, ls->label_keys.v[i].s ? ls->label_keys.v[i].s : "",
				    jstr_n(ls->label_values.v[i].s, ls->label_values.v[i].len));
	for (size_t i = 0; i < ls->exprs.n; i++) {
		const struct ast_label_req *r = &ls->exprs.v[i];
		json_t *vals = json_array();

		for (size_t k = 0; k < r->values.n; k++)
			json_array_append_new(vals, jstr_n(r->values.v[k].s, r->values.v[k].len));
		json_array_append_new(exprs, json_pack("{s:o, s:o, s:o}", "key",
						       jstr_n(r->key.s, r->key.len), "operator",
						       jstr_n(r->op_name.s, r->op_name.len), "values",
						       vals));
	}
	return json_pack("{s:o, s:o}", "match_labels", labels, "match_expressions", exprs);
}

static json_t *scope_json(const struct ir_scope *sc)
{
	return json_pack("{s:i, s:i, s:o, s:s, s:o, s:o}", "policy", sc->policy, "index",
			 sc->index, "namespace",
			 jstr(sc->ns), "level",
			 sc->any_pod ? "any_pod" : sc->containers ? "container" : "pod", "pods",
			 selector_json(sc->pods), "containers", selector_json(sc->containers));
}

static const char *enc_of(const struct ir_arg *a)
{
	if (a->kind == AK_SOCK && a->from != AF_NET)
		return "obj"; /* struct tpc_ev_sock: sock_arg with both ends */
	switch (a->kind) {
	case AK_INT:
	case AK_CAPS:
		return "int";
	case AK_SOCKADDR:
	case AK_SOCK:
		return "sa";
	case AK_KOBJ:
	case AK_SKB:
		return "obj";
	case AK_FILE:
	case AK_PATH:
	case AK_BPRM:
	case AK_FD:
	case AK_DENTRY:
		return "path";
	default:
		return "str";
	}
}

static json_t *hook_json(const struct ir_object *o, const struct ir_prog *p,
			 const struct ir_spec *sp)
{
	const struct ast_hook *h = sp->hook;
	json_t *args = json_array(), *tags = json_array(), *j;
	const char *type;

	for (size_t i = 0; i < sp->event_args.n; i++) {
		const struct ir_arg *a = &p->args.v[sp->event_args.v[i]];
		int pos = sp->event_pos.v[i];
		const char *label = "";

		/* implicit args (the exec shorthand's binary, the return value)
		 * have no AST arg */
		const struct ast_arg *ai = pos < 0			? NULL
					   : (size_t)pos < h->args.n ? &h->args.v[pos]
								     : &h->data.v[pos - h->args.n];

		if (ai && ai->label.present)
			label = ai->label.s;
		if (a->is_return && h->return_arg.label.present)
			label = h->return_arg.label.s;
		j = json_pack("{s:o, s:s, s:s, s:b}", "label", jstr(label), "type",
			      arg_type__name(a->type), "enc", enc_of(a), "signed",
			      a->is_signed);
		/* the returnArg: Tetragon's process_kprobe.return, not args[] */
		if (pos < 0 && a->is_return)
			json_object_set_new(j, "return", json_true());
		/* a data entry: Tetragon's process_kprobe/uprobe.data, not args[] */
		if (pos >= 0 && (size_t)pos >= h->args.n)
			json_object_set_new(j, "data", json_true());
		json_array_append_new(args, j);
	}
	for (size_t i = 0; i < h->tags.n; i++)
		json_array_append_new(tags, jstr_n(h->tags.v[i].s, h->tags.v[i].len));
	switch (h->kind) {
	case HOOK_EXEC:
		type = "exec";
		break;
	case HOOK_TRACEPOINT:
		type = h->loader_sensor ? "loader" : h->raw.v ? "raw_tracepoint" : "tracepoint";
		break;
	case HOOK_LSM:
		type = "lsm";
		break;
	case HOOK_UPROBE:
		type = "uprobe";
		break;
	case HOOK_USDT:
		type = "usdt";
		break;
	case HOOK_NET:
		type = "network";
		break;
	default:
		type = ast_hook__at_return(h) ? "kretprobe" : "kprobe";
	}
	j = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", sp->id, "event",
		      sp->event, "type", type, "function_name",
		      h->kind == HOOK_USDT /* PATH:PROVIDER:NAME, as the program's target */
			      ? json_sprintf("%s:%s:%s", h->path.s, h->provider.s, h->name.s)
			      : jstr(h->kind == HOOK_EXEC ? "security_bprm_check"
				     : h->kind == HOOK_NET ? h->protocol.s
							   : h->call.s),
		      "subsys",
		      jstr(h->subsystem.s), "tracepoint", jstr(h->event.s), "message",
		      jstr_n(h->message.s, h->message.len), "tags", tags, "args", args);
	(void)o;
	return j;
}

char *meta__json(const struct ir_object *o, const struct meta_opts *opts)
{
	json_t *root, *sources = json_array(), *pols = json_array(), *hooks = json_array(),
		      *rules = json_array(), *progs = json_array(), *maps = json_array(),
		      *features = json_array();
	char *out;
	bool tp_btf = o->pidsets.n > 0 || o->needs_capchg, lsm = false, kprobe = false, fentry = false, cgroup = o->needs_net;

	for (int i = 0; i < opts->nsources; i++)
		json_array_append_new(sources, json_pack("{s:o, s:s}", "file",
							 jstr(opts->sources[i]), "sha256",
							 opts->sha256[i]));
	for (size_t i = 0; i < o->policies.n; i++) {
		const struct ir_policy *p = &o->policies.v[i];

		json_t *jp = json_pack("{s:i, s:o, s:o, s:s, s:s}", "id", (int)i, "name",
				       jstr(p->name), "namespace", jstr(p->ns), "kind",
				       p->ast->kind == POLICY_NAMESPACED ? "TracingPolicyNamespaced"
									 : "TracingPolicy",
				       "mode", p->enforce ? "enforce" : "monitor");

		/* spec.nodeSelector: evaluated by tpc-loader against its node's
		 * labels before the object loads; only when set, so other
		 * objects keep their metadata byte for byte */
		if (p->ast->node_selector.present && !p->ast->node_selector.is_null)
			json_object_set_new(jp, "node_selector",
					    selector_json(&p->ast->node_selector));
		json_array_append_new(pols, jp);
	}
	/* hooks and rules are listed in id order: specs are numbered in
	 * lowering order, which is also prog order within each prog */
	for (int id = 0; id < o->nspecs; id++) {
		for (size_t i = 0; i < o->progs.n; i++) {
			const struct ir_prog *p = o->progs.v[i];

			for (size_t s = 0; s < p->specs.n; s++)
				if (p->specs.v[s].id == id)
					json_array_append_new(hooks, hook_json(o, p, &p->specs.v[s]));
		}
	}
	for (int id = 0; id < o->nrules; id++) {
		for (size_t i = 0; i < o->progs.n; i++) {
			const struct ir_prog *p = o->progs.v[i];

			for (size_t s = 0; s < p->specs.n; s++) {
				const struct ir_spec *sp = &p->specs.v[s];

				for (size_t r = 0; r < sp->rules.n; r++) {
					const struct ir_rule *ru = &sp->rules.v[r];
					json_t *acts, *rj;

					if (ru->id != id)
						continue;
					acts = json_array();
					for (size_t k = 0; k < ru->act.nnames; k++)
						json_array_append_new(acts, json_string(ru->act.names[k]));
					json_array_append_new(
						rules, json_pack("{s:i, s:i, s:i, s:i, s:o, s:b}", "id",
								 ru->id, "policy", sp->policy, "hook",
								 sp->id, "selector",
								 /* no selectors acts as one empty
								  * selector; the loader wants >= 0 */
								 ru->selector < 0 ? 0 : ru->selector,
								 "actions", acts, "post", ru->act.post));
					rj = json_array_get(rules, json_array_size(rules) - 1);
					/* the record ends with the stack traces */
					if (ru->act.post && ru->act.kstack)
						json_object_set_new(rj, "kernel_stack", json_true());
					if (ru->act.post && ru->act.ustack)
						json_object_set_new(rj, "user_stack", json_true());
					/* GetUrl, DnsLookup: performed by tpc-loader */
					if (ru->act.url)
						json_object_set_new(rj, "url", json_string(ru->act.url));
					if (ru->act.fqdn)
						json_object_set_new(rj, "fqdn", json_string(ru->act.fqdn));
				}
			}
		}
	}
	for (size_t i = 0; i < o->progs.n; i++) {
		const struct ir_prog *p = o->progs.v[i];

		for (size_t k = 0; k < p->variants.n; k++) {
			const struct ir_variant *v = &p->variants.v[k];
			json_t *jp = json_pack("{s:s, s:s, s:o, s:o, s:i}", "name", v->name,
					       "attach", ir_attach__name(v->at), "target",
					       jstr(v->target), "group",
					       json_sprintf("prog%d", p->id), "prio", v->prio);

			/* only when set: objects without generated lists keep
			 * their metadata byte for byte */
			if (p->optional)
				json_object_set_new(jp, "optional", json_true());
			json_array_append_new(progs, jp);
			tp_btf |= v->at == AT_TP_BTF;
			lsm |= v->at == AT_LSM;
			kprobe |= v->at == AT_KPROBE || v->at == AT_KRETPROBE;
			fentry |= v->at == AT_FENTRY || v->at == AT_FEXIT;
			cgroup |= !strncmp(ir_attach__name(v->at), "cgroup", 6);
		}
	}
	if (o->needs_net)
		json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name",
						       "tpc_net_sock_create", "attach",
						       "cgroup/sock_create", "target", "", "group",
						       "net_owner", "prio", 0));
	if (o->pidsets.n)
		json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name",
						       "tpc_follow_fork", "attach", "tp_btf",
						       "target", "sched_process_fork", "group",
						       "follow_fork", "prio", 0));
	if (o->needs_capchg)
		json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name",
						       "tpc_capchg_exec", "attach", "tp_btf",
						       "target", "sched_process_exec", "group",
						       "capchg_exec", "prio", 0));
	for (size_t i = 0; i < o->enf_hooks.n; i++) {
		json_array_append_new(progs, json_pack("{s:o, s:s, s:s, s:o, s:i}", "name",
						       json_sprintf("tpc_enf_lsm%zu", i), "attach",
						       "lsm", "target", o->enf_hooks.v[i].lsm, "group",
						       json_sprintf("enforce_lsm%zu", i), "prio", 0));
		lsm = true;
	}
	if (o->needs_socktrack) {
		/* one of them: the socket-tracking map forgets freed sockets */
		static const char *const fr[][3] = {
			{ "tpc_socktrack_free_fentry", "fentry", "__sk_free" },
			{ "tpc_socktrack_free_kprobe", "kprobe", "__sk_free" },
			{ "tpc_socktrack_free_tcp", "tp_btf", "inet_sock_set_state" },
		};

		for (int i = 0; i < 3; i++)
			json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name",
							       fr[i][0], "attach", fr[i][1],
							       "target", fr[i][2], "group",
							       "socktrack_free", "prio", i));
		fentry = kprobe = tp_btf = true;
	}
	for (size_t i = 0; i < o->enf_exits.n; i++)
		json_array_append_new(progs, json_pack("{s:o, s:s, s:o, s:o, s:i}", "name",
						       json_sprintf("tpc_enf_exit%zu", i), "attach",
						       "tracepoint", "target",
						       json_sprintf("syscalls/sys_exit_%s",
								    o->enf_exits.v[i]),
						       "group", json_sprintf("enforce_exit%zu", i),
						       "prio", 0));
	if (o->needs_proc || o->pidsets.n || o->needs_capchg)
		json_array_append_new(progs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name",
						       "tpc_proc_exit", "attach", "tracepoint",
						       "target", "sched/sched_process_exit", "group",
						       "proc_exit", "prio", 0));
	for (size_t i = 0; i < o->maps.n; i++) {
		const struct ir_map *m = &o->maps.v[i];
		json_t *vals = json_array(), *fill;

		for (size_t k = 0; k < m->strs.n; k++)
			json_array_append_new(vals, jstr_n(m->strs.v[k].s, m->strs.v[k].len));
		for (size_t k = 0; k < m->ints.n; k++)
			json_array_append_new(vals, json_sprintf("%lld", (long long)m->ints.v[k]));
		fill = json_pack("{s:s, s:i, s:i, s:o}", "kind", map_kind(m->kind), "key_size",
				 (int)m->key_size, "value", 1, "values", vals);
		if (m->resolve_realpath)
			json_object_set_new(fill, "resolve", json_string("realpath"));
		if (m->kind == MAP_SCOPE)
			json_object_set_new(fill, "scope", scope_json(&m->scope));
		json_array_append_new(maps, json_pack("{s:s, s:o, s:o}", "name", m->name, "purpose",
						      jstr(m->purpose), "fill", fill));
	}
	json_array_append_new(features, json_string("ringbuf"));
	if (!o->no_bpf_loop)
		json_array_append_new(features, json_string("bpf_loop"));
	if (tp_btf)
		json_array_append_new(features, json_string("tp_btf"));
	if (lsm)
		json_array_append_new(features, json_string("lsm"));
	if (kprobe)
		json_array_append_new(features, json_string("kprobe"));
	if (fentry)
		json_array_append_new(features, json_string("fentry"));
	if (cgroup)
		json_array_append_new(features, json_string("cgroup"));
	/* the loader refuses the object where these are missing */
	if (o->needs_ima)
		json_array_append_new(features, json_string("ima_file_hash"));
	if (o->needs_write_user)
		json_array_append_new(features, json_string("probe_write_user"));
	root = json_pack("{s:i, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "tpc_meta_version",
			 TPC_META_VERSION, "abi_version", TPC_ABI_VERSION, "tpc_version",
			 TPC_VERSION, "sources", sources, "policies", pols, "hooks", hooks, "rules",
			 rules, "programs", progs, "maps", maps, "features", features);
	if (!root)
		return NULL;
	out = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(root);
	return out;
}
