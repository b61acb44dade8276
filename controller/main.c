/* main.c - tpc-controller's command line (ctl.h does the work). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_events.h"
#include "ctl_publish.h"

#define NS_FILE "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tpc-controller [options]\n"
		"\n"
		"Compile the cluster's TracingPolicy and TracingPolicyNamespaced objects with\n"
		"tpc and publish the objects as ConfigMaps for tpc-loader; report a Compiled\n"
		"condition on each policy.  One replica is active (a Lease).\n"
		"\n"
		"  --k8s-api URL          API server (default: in-cluster)\n"
		"  --k8s-ca FILE          its CA (default: the service account's)\n"
		"  --k8s-token-file FILE  bearer token (default: the service account's)\n"
		"  --namespace NS         where ConfigMaps and the Lease live (default:\n"
		"                         $POD_NAMESPACE, the service account's namespace)\n"
		"  --id ID                identity in the Lease (default: $POD_NAME, hostname)\n"
		"  --tpc PATH             the tpc binary (default: next to tpc-controller)\n"
		"  --tpc-arg ARG          one more 'tpc build' argument (repeatable), e.g.\n"
		"                         --tpc-arg=--kernel --tpc-arg=6.1\n"
		"  --sign-key FILE        sign objects with this 'tpc keygen' secret key\n"
		"  --tmpdir DIR           for sources and objects being built (default /tmp)\n"
		"  --compile-timeout S    kill a build after S seconds (default 120)\n"
		"  --label-selector SEL   only policies matching SEL (e.g. '!tetragon.io/agent'\n"
		"                         or 'tpc.io/compile=true')\n"
		"  --configmap-prefix P   ConfigMaps P-0..P-(N-1) (default tpc-objects)\n"
		"  --configmaps N         how many (default 4, at most %d)\n"
		"  --configmap-bytes B    object bytes per ConfigMap (default %u)\n"
		"  --lease NAME           the Lease (default tpc-controller)\n"
		"  --lease-seconds S      leaseDurationSeconds (default 15)\n"
		"  --metrics-addr ADDR    serve /metrics, /healthz and /readyz on HOST:PORT\n"
		"  --stall-seconds S      /healthz fails after S s without a main-loop step\n"
		"                         (default: the compile timeout, at least 120, + 60)\n"
		"  --event-interval S     after %d Warning Events on a policy, at most one per\n"
		"                         S s (default 300; 0: no Events)\n"
		"  -v, --verbose          debug messages\n",
		CTL_PUB_SHARDS_MAX, CTL_PUB_LIMIT - (16u << 10), CTL_EVENT_BURST);
}

static int number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || !*s || *out < min || *out > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "k8s-api", required_argument, 0, 'A' },
		{ "k8s-ca", required_argument, 0, 'C' },
		{ "k8s-token-file", required_argument, 0, 'T' },
		{ "namespace", required_argument, 0, 'n' },
		{ "id", required_argument, 0, 'i' },
		{ "tpc", required_argument, 0, 't' },
		{ "tpc-arg", required_argument, 0, 'a' },
		{ "sign-key", required_argument, 0, 's' },
		{ "tmpdir", required_argument, 0, 'd' },
		{ "compile-timeout", required_argument, 0, 'o' },
		{ "label-selector", required_argument, 0, 'l' },
		{ "configmap-prefix", required_argument, 0, 'p' },
		{ "configmaps", required_argument, 0, 'N' },
		{ "configmap-bytes", required_argument, 0, 'B' },
		{ "lease", required_argument, 0, 'L' },
		{ "lease-seconds", required_argument, 0, 'D' },
		{ "metrics-addr", required_argument, 0, 'M' },
		{ "stall-seconds", required_argument, 0, 'S' },
		{ "event-interval", required_argument, 0, 'E' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct ctl_opts o = {
		.tmpdir = "/tmp",
		.compile_timeout_s = 120,
		.prefix = "tpc-objects",
		.shards = 4,
		.shard_bytes = CTL_PUB_LIMIT - (16u << 10),
		.lease_name = "tpc-controller",
		.lease_s = 15,
		.event_interval_s = 300,
	};
	const char *tpc_args[17] = { 0 };
	char ns[256] = "", host[256] = "", tpc[PATH_MAX] = "";
	unsigned long v;
	int c, ntpc = 0, err;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'A': o.api = optarg; break;
		case 'C': o.ca = optarg; break;
		case 'T': o.token = optarg; break;
		case 'n': o.ns = optarg; break;
		case 'i': o.id = optarg; break;
		case 't': o.tpc = optarg; break;
		case 'a':
			if (ntpc == 16) {
				fprintf(stderr, "tpc-controller: at most 16 --tpc-arg\n");
				return 2;
			}
			tpc_args[ntpc++] = optarg;
			break;
		case 's': o.sign_key = optarg; break;
		case 'd': o.tmpdir = optarg; break;
		case 'o':
			if (number(optarg, 1, 3600, &v))
				goto bad;
			o.compile_timeout_s = (unsigned)v;
			break;
		case 'l': o.label_selector = optarg; break;
		case 'p': o.prefix = optarg; break;
		case 'N':
			if (number(optarg, 1, CTL_PUB_SHARDS_MAX, &v))
				goto bad;
			o.shards = (unsigned)v;
			break;
		case 'B':
			if (number(optarg, 4096, CTL_PUB_LIMIT, &v))
				goto bad;
			o.shard_bytes = v;
			break;
		case 'L': o.lease_name = optarg; break;
		case 'D':
			if (number(optarg, 3, 3600, &v))
				goto bad;
			o.lease_s = (unsigned)v;
			break;
		case 'M': o.metrics_addr = optarg; break;
		case 'S':
			if (number(optarg, 2, 86400, &v))
				goto bad;
			o.stall_s = (unsigned)v;
			break;
		case 'E':
			if (number(optarg, 0, 86400, &v))
				goto bad;
			o.event_interval_s = (unsigned)v;
			break;
		case 'v': o.verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tpc-controller: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	o.tpc_args = tpc_args;
	/* a build or an API request (120 s) is the longest honest step */
	if (!o.stall_s)
		o.stall_s = (o.compile_timeout_s > 120 ? o.compile_timeout_s : 120) + 60;
	if (!o.ns && getenv("POD_NAMESPACE") && *getenv("POD_NAMESPACE"))
		o.ns = getenv("POD_NAMESPACE");
	if (!o.ns) {
		FILE *f = fopen(NS_FILE, "r");

		if (f && fgets(ns, sizeof(ns), f))
			ns[strcspn(ns, "\r\n")] = 0;
		if (f)
			fclose(f);
		o.ns = ns[0] ? ns : "kube-system";
	}
	if (!o.id && getenv("POD_NAME") && *getenv("POD_NAME"))
		o.id = getenv("POD_NAME");
	if (!o.id) {
		gethostname(host, sizeof(host) - 1);
		o.id = host[0] ? host : "tpc-controller";
	}
	if (!o.tpc) {
		ssize_t n = readlink("/proc/self/exe", tpc, sizeof(tpc) - 5);
		char *slash;

		if (n > 0) {
			tpc[n] = 0;
			slash = strrchr(tpc, '/');
			if (slash)
				strcpy(slash + 1, "tpc");
		}
		o.tpc = tpc[0] && !access(tpc, X_OK) ? tpc : "/usr/bin/tpc";
	}
	if (access(o.tpc, X_OK)) {
		fprintf(stderr, "tpc-controller: --tpc %s: %s\n", o.tpc, strerror(errno));
		return 2;
	}
	if (o.sign_key && access(o.sign_key, R_OK)) {
		fprintf(stderr, "tpc-controller: --sign-key %s: %s\n", o.sign_key, strerror(errno));
		return 2;
	}
	err = ctl__run(&o);
	return err ? 1 : 0;
bad:
	fprintf(stderr, "tpc-controller: '%s': not a number in range (--help)\n", optarg);
	return 2;
}
