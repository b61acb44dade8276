/* sema_scope.c - checks of a policy's workload scope: podSelector,
 * containerSelector, TracingPolicyNamespaced (spec-level selectors).
 *
 * What passes here the loader can evaluate without surprises: label keys
 * and values are what Kubernetes accepts (plus the namespace key
 * `k8s:io.kubernetes.pod.namespace`, as in Tetragon), In/NotIn carry
 * values and Exists/DoesNotExist carry none, a containerSelector only
 * names container fields the loader knows (`name`, `repo`), and a
 * namespaced policy has a namespace that is a DNS label. hostSelector and
 * nodeSelector stay refused (support.c says why).
 *
 * A TracingPolicyNamespaced without metadata.namespace gets the namespace
 * `kubectl apply` would give it: --namespace NS, else "default", with a
 * note (check_namespace). A metadata.namespace that differs from
 * --namespace is an error, as kubectl makes it.
 */
#include <ctype.h>
#include <string.h>

#include "sema/sema_int.h"
#include "sema/support.h"
#include "tpc_abi.h"


static void check_key(struct sema *s, const struct ast_str *k, bool containers,
		      const char *yaml)
{
	static const char *const cfields[] = { "name", "repo", NULL };

	if (!k->present)
		return;
	if (containers) {
		const char *sug;

		if (ast_str__eq(k, "name") || ast_str__eq(k, "repo"))
			return;
		sug = diag_suggest(k->s, cfields);
		diag__error(s->d, k->span, "selector-key",
			    "%s selects on container fields 'name' and 'repo', not '%s'%s%s%s",
			    yaml, diag_quote(k->s, k->len), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		return;
	}
	if (ast_str__eq(k, TPC_SCOPE_NS_KEY) || sema_label_key_ok(k))
		return;
	diag__error(s->d, k->span, "selector-key",
		    "'%s' is not a valid label key (an optional DNS subdomain prefix and '/', then "
		    "at most 63 characters of [A-Za-z0-9._-] that begin and end alphanumeric)",
		    diag_quote(k->s, k->len));
}

static void check_value(struct sema *s, const struct ast_str *v, bool containers)
{
	/* container names and image repositories are not label values */
	if (containers || !v->present || sema_label_value_ok(v->s, v->len))
		return;
	diag__error(s->d, v->span, "selector-value",
		    "'%s' is not a valid label value (at most 63 characters of [A-Za-z0-9._-] that "
		    "begin and end alphanumeric)",
		    diag_quote(v->s, v->len));
}

static void check_selector(struct sema *s, const struct ast_label_selector *ls, bool containers,
			   const char *yaml)
{
	if (!ls->present || ls->is_null)
		return;
	for (size_t i = 0; i < ls->label_keys.n; i++) {
		check_key(s, &ls->label_keys.v[i], containers, yaml);
		check_value(s, &ls->label_values.v[i], containers);
	}
	for (size_t i = 0; i < ls->exprs.n; i++) {
		const struct ast_label_req *r = &ls->exprs.v[i];
		bool sets = ast_str__eq(&r->op_name, "In") || ast_str__eq(&r->op_name, "NotIn");

		check_key(s, &r->key, containers, yaml);
		if (!r->op_name.present)
			continue; /* the parser reported it */
		if (sets && !r->values.n)
			diag__error(s->d, r->op_name.span, "selector-values",
				    "operator %s needs at least one value in 'values'",
				    diag_quote(r->op_name.s, r->op_name.len));
		else if (!sets && r->values.n)
			diag__error(s->d, r->values.v[0].span, "selector-values",
				    "operator %s takes no values (it tests whether the key is set)",
				    diag_quote(r->op_name.s, r->op_name.len));
		for (size_t k = 0; sets && k < r->values.n; k++)
			check_value(s, &r->values.v[k], containers);
	}
}

/* ---- the namespace of a TracingPolicyNamespaced ---- */

static void check_namespace(struct sema *s)
{
	struct ast_policy *p = s->pol;
	const char *cli = s->opts->namespace_;
	struct span at = p->kind_name.present ? p->kind_name.span : p->span;

	if (p->kind != POLICY_NAMESPACED)
		return;
	if (p->namespace_.present && p->namespace_.len) {
		if (!sema_dns_label_ok(p->namespace_.s, p->namespace_.len)) {
			diag__error(s->d, p->namespace_.span, "bad-namespace",
				    "namespace '%s' is not a DNS label (at most 63 characters of "
				    "[a-z0-9-] that begin and end alphanumeric)",
				    diag_quote(p->namespace_.s, p->namespace_.len));
		} else if (cli && !ast_str__eq(&p->namespace_, cli)) {
			diag__error(s->d, p->namespace_.span, "namespace-mismatch",
				    "the policy's namespace '%s' does not match --namespace '%s' "
				    "(kubectl refuses this too)",
				    diag_quote(p->namespace_.s, p->namespace_.len),
				    diag_quote(cli, strlen(cli)));
		}
		return;
	}
	if (!cli)
		cli = "default";
	if (!sema_dns_label_ok(cli, strlen(cli)))
		return; /* reported once by sema_check_cli_namespace */
	p->namespace_ = ast_str__make(s->a, cli, strlen(cli), at);
	if (s->opts->namespace_)
		diag__note(s->d, at,
			   "no metadata.namespace: this TracingPolicyNamespaced applies to "
			   "namespace '%s' (--namespace)",
			   diag_quote(cli, strlen(cli)));
	else
		diag__note(s->d, at,
			   "no metadata.namespace: this TracingPolicyNamespaced applies to "
			   "namespace 'default', which `kubectl apply` gives it (set "
			   "metadata.namespace or pass --namespace NS)");
}

void sema_check_cli_namespace(struct sema *s)
{
	const char *ns = s->opts->namespace_;

	if (ns && !sema_dns_label_ok(ns, strlen(ns)))
		diag__error(s->d, SPAN_NONE, "bad-namespace",
			    "--namespace '%s' is not a DNS label (at most 63 characters of "
			    "[a-z0-9-] that begin and end alphanumeric)",
			    diag_quote(ns, strlen(ns)));
}

void sema_check_scope(struct sema *s)
{
	const struct ast_policy *p = s->pol;

	check_selector(s, &p->pod_selector, false, "podSelector");
	check_selector(s, &p->container_selector, true, "containerSelector");
	if (p->host_selector.present)
		sema_unsupported(s, p->host_selector.span, "hostSelector",
				 support__field("hostSelector"));
	if (p->node_selector.present)
		sema_unsupported(s, p->node_selector.span, "nodeSelector",
				 support__field("nodeSelector"));
	check_namespace(s);
}
