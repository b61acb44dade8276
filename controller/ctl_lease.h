/* ctl_lease.h - leader election through a coordination.k8s.io/v1 Lease.
 *
 * Contract: ctl_lease__start() runs a thread that, every renew period,
 * reads the Lease NAMESPACE/NAME and
 *  - creates it holding it when it does not exist;
 *  - renews it (renewTime) when this replica holds it;
 *  - takes it over when its holder is empty or has not renewed it for
 *    leaseDurationSeconds as observed by this replica's clock since the
 *    record last changed (client-go's rule: no clock comparison between
 *    replicas);
 *  - otherwise leaves it alone.
 * Every write carries the resourceVersion read, so of two replicas racing
 * for it one gets 409 and stays a follower.  ctl_lease__leader() is true only
 * while the last successful renewal is younger than the renew deadline (2/3
 * of the lease duration): a replica cut off from the API stops writing
 * before another may take over.  ctl_lease__stop() releases a held lease
 * (holder "") so a successor need not wait.  Functions return 0 or -errno.
 */
#ifndef TPC_CTL_LEASE_H
#define TPC_CTL_LEASE_H

#include <stdbool.h>

#include "kapi.h"

struct ctl_lease;

struct ctl_lease_cfg {
	const char *ns, *name, *id;
	unsigned duration_s; /* leaseDurationSeconds; renewals every third of it */
	/* called on the lease thread when leadership changes (may be NULL) */
	void (*changed)(void *ctx, bool leader);
	void *ctx;
};

int ctl_lease__start(struct ctl_lease **out, struct kapi *k, const struct ctl_lease_cfg *cfg);
bool ctl_lease__leader(struct ctl_lease *l);
/* The holder as last read or written ("" when released) into holder, and how
 * many ms ago; -1 when the Lease was never read.  Any thread. */
double ctl_lease__observed(struct ctl_lease *l, char *holder, size_t n);
/* kapi__stop() not needed: ends the thread, releases the lease if held */
void ctl_lease__stop(struct ctl_lease *l);

#endif
