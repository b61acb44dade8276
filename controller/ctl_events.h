/* ctl_events.h - Warning Events (events.k8s.io/v1) on policies that fail.
 *
 * Contract:
 *  - ctl_event__post() creates one Event regarding a policy: type Warning,
 *    action Compile, the condition's reason, its message as the note (cut
 *    at 1 KiB, the API's limit, on a UTF-8 boundary), reportingController
 *    tpc.io/tpc-controller, reportingInstance the replica's id; in the
 *    policy's namespace, or "default" for a cluster-scoped TracingPolicy
 *    (where kubectl describe looks for them).  One POST, never retried:
 *    an Event is a notice, the condition is the record.  0, -EACCES
 *    (401/403, the RBAC hint logged) or -EIO.
 *  - struct ctl_ratelimit is a token bucket: ctl_ratelimit__take() is true
 *    while tokens are left (CTL_EVENT_BURST at first), which come back one
 *    per interval, so a policy flapping between two versions gets
 *    CTL_EVENT_BURST Events and then one per interval.
 */
#ifndef TPC_CTL_EVENTS_H
#define TPC_CTL_EVENTS_H

#include <stdbool.h>

#include "kapi.h"

#define CTL_EVENT_BURST 3
#define CTL_EVENT_NOTE_MAX 1024
#define CTL_EVENT_CONTROLLER "tpc.io/tpc-controller"

struct ctl_event {
	const char *api_version, *kind, *ns, *name, *uid; /* ns "" when cluster-scoped */
	const char *reason, *note;
	const char *instance; /* this replica */
};

int ctl_event__post(struct kapi *k, const struct ctl_event *ev);

struct ctl_ratelimit {
	double tokens;
	double t_ms; /* when tokens was computed; 0: never (a full bucket) */
};

bool ctl_ratelimit__take(struct ctl_ratelimit *r, double now_ms, double interval_ms);

#endif
