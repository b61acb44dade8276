/* sema_scope.c - checks of a policy's workload scope: podSelector,
 * containerSelector, TracingPolicyNamespaced (spec-level selectors).
 *
 * What passes here the loader can evaluate without surprises: label keys
 * and values are what Kubernetes accepts (plus the namespace key
 * `k8s:io.kubernetes.pod.namespace`, as in Tetragon), In/NotIn carry
 * values and Exists/DoesNotExist carry none, a containerSelector only
 * names container fields the loader knows (`name`, `repo`), and a
 * namespaced policy names its namespace. hostSelector and nodeSelector
 * stay refused (support.c says why).
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
	if (p->kind == POLICY_NAMESPACED && (!p->namespace_.present || !p->namespace_.len))
		diag__error(s->d, p->kind_name.present ? p->kind_name.span : p->span,
			    "missing-namespace",
			    "a TracingPolicyNamespaced applies to the pods of its namespace: set "
			    "metadata.namespace");
}
