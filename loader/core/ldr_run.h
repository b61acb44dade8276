/* ldr_run.h - `tpc-loader run`: the node agent's main loop.
 *
 * Contract: ldr_run() loads the base sensor and every object, then polls the
 * ring buffers on a short timer (records are posted without wake-ups),
 * follows --policy-dir through inotify and SIGHUP, and returns the exit
 * code: 0 after SIGTERM/SIGINT (everything detached unless pinned), 1 when
 * start-up itself fails.  Objects that fail are refused one by one; they
 * never stop the others.
 */
#ifndef TPC_LDR_RUN_H
#define TPC_LDR_RUN_H

#include <stdbool.h>

#include "export/ldr_events.h"
#include "net/ldr_request.h"

struct ldr_opts {
	const char *policy_dir;
	const char *cgroup;
	const char *export_file;
	unsigned export_max_mb;
	unsigned export_backups;
	const char *metrics_addr;
	const char *node_name;
	/* --node-labels k=v,...: this node's labels for spec.nodeSelector */
	char **node_labels;
	size_t nnode_labels;
	const char *pin_dir;
	const char *pods_file;	 /* a PodList JSON: the pod store's static source */
	const char *cgroup_root; /* cgroup v2 mount for cgroup id -> path */
	const char *k8s_api;	 /* overrides KUBERNETES_SERVICE_HOST/PORT */
	const char *k8s_ca;
	const char *k8s_token_file;
	bool no_k8s;
	enum ldr_fmt fmt;
	bool mount;
	bool no_base;
	unsigned poll_ms;
	unsigned base_ring_kb; /* power of two, >= 4 */
	unsigned ring_kb;      /* each object's ring; power of two, >= 4 */
	struct ldr_filter filter;
	char **disabled; /* feature names treated as unsupported (NULL-terminated) */
	char **objs;
	int nobjs;
	struct ldr_req_opts req; /* GetUrl/DnsLookup: --allow-url, --allow-dns, ... */
	bool stack_addresses;	 /* --expose-stack-addresses */
	/* --require-signature: the public key, read by main.c */
	const unsigned char *sig_pubkey;
};

int ldr_run(struct ldr_opts *o);

#endif
