/* ldr_request.h - GetUrl and DnsLookup: network requests tpc-loader makes on
 * behalf of a policy.
 *
 * Contract: off by default. A request is made only for a destination the
 * loader was started with: GetUrl when its URL starts with an --allow-url
 * PREFIX, DnsLookup when its host equals an --allow-dns NAME (case-
 * insensitive; "*.example.com" allows the subdomains). ldr_req__object()
 * says once per loaded object which of its rules' requests will be skipped
 * (and counts them each time they would have fired: tpc_policy_requests_
 * skipped_total). ldr_req__rule() is called from the event path for every
 * record of a rule: it never blocks and never touches the network; an
 * allowed request passes the token bucket (--request-rate per second,
 * burst of the same size) and a bounded queue, or is dropped and counted.
 * One worker thread performs the queued requests: GetUrl as an HTTP GET
 * over libcurl (http and https only, no redirects, 5 s timeout, body
 * discarded), DnsLookup as one A query through libresolv (to --dns-server
 * ADDR[:PORT] when given, else /etc/resolv.conf's servers). Done and failed
 * requests are counted; each is logged at debug level. The static loader
 * (TPC_NO_HTTP) has no libcurl: --allow-url is refused there.
 * ldr_req__free() stops the worker after the request it is performing.
 */
#ifndef TPC_LDR_REQUEST_H
#define TPC_LDR_REQUEST_H

#include <stdbool.h>

#include "core/ldr_meta.h"

struct ldr_metrics;

struct ldr_req_opts {
	char **allow_url; /* NULL-terminated, may be NULL */
	char **allow_dns;
	unsigned rate;		/* requests per second; 0: the default, 1 */
	const char *dns_server; /* "ADDR" or "ADDR:PORT" (IPv4), NULL: resolv.conf */
};

struct ldr_req;

/* NULL with err filled on a bad option. Without any allowed destination a
 * request object is still made: it reports what it skips. */
struct ldr_req *ldr_req__new(const struct ldr_req_opts *o, struct ldr_metrics *metrics, char *err,
			     size_t errlen);
void ldr_req__free(struct ldr_req *r);
void ldr_req__object(struct ldr_req *r, const char *obj, const struct ldr_meta *m);
void ldr_req__rule(struct ldr_req *r, const struct ldr_meta *m, const struct ldr_meta_rule *rule);
/* For tests: true when the destination is allowed. */
bool ldr_req__url_allowed(const struct ldr_req *r, const char *url);
bool ldr_req__dns_allowed(const struct ldr_req *r, const char *fqdn);
/* For tests: wait until the queue is empty and the worker idle (at most
 * ms milliseconds); returns the number of requests performed so far. */
unsigned ldr_req__drain(struct ldr_req *r, unsigned ms);

#endif
