/* ctl.h - tpc-controller: TracingPolicy objects in, compiled objects out.
 *
 * Contract:
 *  - ctl__run() lists and watches TracingPolicy and TracingPolicyNamespaced
 *    objects cluster-wide (k8sapi informers; an optional label selector
 *    leaves out policies meant for someone else, e.g. a Tetragon in the
 *    same cluster), and while this replica holds the Lease (ctl_lease.h):
 *    compiles each new generation with tpc (ctl_compile.h), publishes the
 *    objects (ctl_publish.h) and reports on each policy a status condition
 *    `Compiled` (True: sha256, size, where; False: tpc's diagnostics
 *    against the object as `kubectl get -o yaml` shows it, or why it could
 *    not be published) with observedGeneration, by a merge patch of the
 *    status subresource (no resourceVersion: nothing to conflict with).
 *  - Nothing is published or deleted before both lists are complete; an
 *    object is removed only when its policy is gone from a complete list
 *    or deleted by the watch; a policy whose new generation fails keeps
 *    its last published object; the watch threads only update the policy
 *    store, the main thread does every compile and write.
 *  - A policy's status turning False (or a new generation or reason of a
 *    failure) is also told by a Warning Event (ctl_events.h), rate-limited
 *    per policy.
 *  - With metrics_addr: /metrics (ctl_metrics.h and the store's gauges),
 *    /healthz (fails when the main loop made no step for stall_s: a build
 *    or an API request stuck past its timeout) and /readyz (both lists
 *    complete, and the leader or a standby that reads the Lease).
 *  - ctl__run() returns 0 after SIGTERM/SIGINT (the lease released), or
 *    -errno when it cannot start.
 */
#ifndef TPC_CTL_H
#define TPC_CTL_H

#include <stddef.h>

struct ctl_opts {
	const char *api, *ca, *token;
	const char *ns;	     /* where the ConfigMaps and the Lease live */
	const char *id;	     /* this replica's identity in the Lease */
	const char *tpc;     /* the tpc binary */
	const char *sign_key; /* tpc build --sign, or NULL */
	const char *tmpdir;
	unsigned compile_timeout_s;
	const char *label_selector; /* NULL: every policy */
	const char *prefix;	    /* ConfigMap names PREFIX-0.. */
	unsigned shards;
	size_t shard_bytes;
	const char *lease_name;
	unsigned lease_s;
	const char *const *tpc_args; /* more `tpc build` arguments, NULL-terminated */
	const char *metrics_addr;    /* /metrics, /healthz, /readyz; NULL: none */
	unsigned stall_s;	     /* /healthz fails when the main loop is stuck longer */
	unsigned event_interval_s;   /* per policy, after a burst; 0: no Events */
	int verbose;
};

int ctl__run(const struct ctl_opts *o);

/* The binaryData key of a policy: tp.NAME.bpf.o, tpn.NAMESPACE.NAME.bpf.o
 * (namespaces have no dots, so the two never collide); names too long for
 * a key (253) are cut and end in a hash of the full name. */
void ctl__object_key(const char *ns, const char *name, char *out, size_t outlen);

#endif
