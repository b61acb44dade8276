/* sema_scope.c - checks of a policy's workload scope: podSelector,
 * containerSelector, TracingPolicyNamespaced (spec-level selectors).
 *
 * What passes here the loader can evaluate without surprises: label keys
 * and values are what Kubernetes accepts (plus the namespace key
 * `k8s:io.kubernetes.pod.namespace`, as in Tetragon), In/NotIn carry
 * values and Exists/DoesNotExist carry none, a containerSelector only
 * names container fields the loader knows (`name`, `repo`), and a
 * namespaced policy has a namespace that is a DNS label. nodeSelector is
 * checked like podSelector (tpc-loader evaluates it against its node's
 * labels, sema_check_node_selectors: one object, one node decision).
 * hostSelector is null or {} (all host processes), as in Tetragon, and a
 * TracingPolicyNamespaced has none (it applies to its namespace's pods).
 *
 * A TracingPolicyNamespaced without metadata.namespace gets the namespace
 * `kubectl apply` would give it: --namespace NS, else "default", with a
 * note (check_namespace). A metadata.namespace that differs from
 * --namespace is an error, as kubectl makes it.
 */
#include <string.h>

#include "sema/sema_int.h"

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

/* tpc-loader loads an object or not: the nodeSelector decides for every
 * policy in it, so a policy with one is built into an object of its own. */
void sema_check_node_selectors(struct sema *s, const struct ast_bundle *b)
{
	const struct ast_policy *with = NULL;

	for (size_t i = 0; i < b->policies.n && !with; i++)
		if (b->policies.v[i]->node_selector.present && !b->policies.v[i]->node_selector.is_null)
			with = b->policies.v[i];
	if (!with || b->policies.n < 2)
		return;
	diag__error(s->d, with->node_selector.span, "node-selector-bundle",
		    "a policy with a nodeSelector must be built into an object of its own: "
		    "tpc-loader loads or skips a whole object on a node, and this build has "
		    "%zu policies",
		    b->policies.n);
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

	sema_check_label_selector(s, &p->pod_selector, false, "podSelector");
	sema_check_label_selector(s, &p->container_selector, true, "containerSelector");
	sema_check_host_selector(s, &p->host_selector, "hostSelector");
	if (p->kind == POLICY_NAMESPACED && p->host_selector.present && !p->host_selector.is_null)
		diag__error(s->d, p->host_selector.span, "host-selector-namespaced",
			    "a TracingPolicyNamespaced applies only to pods of its namespace: its "
			    "hostSelector must be null (Tetragon refuses it too); use a TracingPolicy "
			    "to select host processes");
	sema_check_label_selector(s, &p->node_selector, false, "nodeSelector");
	check_namespace(s);
}
