/* main.c - tpc-loader: command table and option parsing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/ldr_events.h"
#include "export/ldr_log.h"
#include "core/ldr_meta.h"
#include "core/ldr_probe.h"
#include "core/ldr_run.h"
#include "sig.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int ldr_bench(int argc, char **argv); /* bench.c */

static int do_help(int argc, char **argv);

static int do_version(int argc, char **argv)
{
	printf("tpc-loader %s (event ABI %d, metadata %d, libbpf %s)\n", TPC_VERSION,
	       TPC_ABI_VERSION, TPC_META_VERSION, libbpf_version_string());
	return 0;
}

static int do_probe(int argc, char **argv)
{
	struct ldr_features f;
	bool json = argc > 1 && !strcmp(argv[1], "--json");

	if (argc > 1 && !json) {
		fprintf(stderr, "usage: tpc-loader probe [--json]\n");
		return 2;
	}
	ldr_features__probe(&f);
	ldr_features__print(&f, stdout, json);
	return 0;
}

static const char run_usage[] =
	"usage: tpc-loader run [options] [OBJ.bpf.o...]\n"
	"  --policy-dir DIR       load every *.bpf.o in DIR and follow changes (inotify, SIGHUP)\n"
	"  --cgroup PATH          cgroup v2 directory for cgroup/* programs (default: v2 root)\n"
	"  --cgroup-root PATH     the same (tpcNetwork programs watch every socket below it)\n"
	"  -o, --output FMT       json (default), compact, or none (no stdout events)\n"
	"  --export-file PATH     also write JSON lines to PATH\n"
	"  --export-max-mb N      rotate the export file at N MiB (default 10, 0 = never)\n"
	"  --export-backups N     rotated files to keep (default 5)\n"
	"  --metrics-addr H:P     serve Prometheus /metrics and /healthz\n"
	"  --node-name NAME       node_name in events and exec ids (default $NODE_NAME, hostname)\n"
	"  --node-labels K=V,...  this node's labels, for policies' spec.nodeSelector (an object\n"
	"                         whose nodeSelector does not match is not loaded)\n"
	"  --pin DIR              pin links and maps under DIR (bpffs) so programs survive a\n"
	"                         restart; re-adopted at the next start\n"
	"  --mount                mount tracefs (and bpffs for --pin) when missing\n"
	"  --allow-event T,...    export only these event types (process_exec, process_exit,\n"
	"                         process_kprobe, process_tracepoint, process_lsm, process_uprobe,\n"
	"                         process_usdt, process_loader,\n"
	"                         network_tcp, network_dns, network_http)\n"
	"  --deny-event T,...     never export these event types\n"
	"  --allow-policy P,...   export only events of these policies\n"
	"  --deny-policy P,...    never export events of these policies\n"
	"  --poll-ms N            ring-buffer poll interval (default 2)\n"
	"  --ring-kb N            each object's event ring buffer, KiB (default 256;\n"
	"                         with a 2 ms poll that absorbs bursts of ~1M events/s)\n"
	"  --no-base-sensor       do not track exec/fork/exit (no process_exec/exit)\n"
	"  --base-ring-kb N       base sensor ring buffer size (default 1024)\n"
	"  --disable-feature F,.. treat these probed features (fentry, lsm, kprobe, ...; see\n"
	"                         'probe') as unsupported, so another variant is attached\n"
	"  --require-signature PUB refuse objects without a valid signature by this public key\n"
	"                         ('tpc keygen', 'tpc build --sign'); others keep running\n"
	"  --pods-file FILE       this node's pods from a PodList JSON (kubectl get pods -o json),\n"
	"                         reloaded on SIGHUP: pod metadata without an API server\n"
	"  --cgroup-root DIR      cgroup v2 mount for cgroup id -> pod (default: the v2 mount)\n"
	"  --k8s-api URL          Kubernetes API server (default: in-cluster\n"
	"                         https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)\n"
	"  --k8s-ca FILE          CA bundle for the API (default: the service account's ca.crt)\n"
	"  --k8s-token-file FILE  bearer token, re-read at each connect (default: the service\n"
	"                         account's token)\n"
	"  --no-k8s               do not watch pods on the API\n"
	"  --allow-url PREFIX     perform policies' GetUrl for URLs starting with PREFIX\n"
	"                         (repeatable; off by default: skipped requests are logged once)\n"
	"  --allow-dns NAME       perform policies' DnsLookup of NAME (repeatable; *.DOMAIN\n"
	"                         allows its subdomains)\n"
	"  --request-rate N       at most N GetUrl/DnsLookup requests per second (default 1;\n"
	"                         the excess is dropped and counted)\n"
	"  --dns-server ADDR[:P]  DnsLookup asks this IPv4 server (default: /etc/resolv.conf)\n"
	"  --expose-stack-addresses  print each stack trace frame's address (kernelStackTrace,\n"
	"                         userStackTrace; off by default: addresses defeat KASLR)\n"
	"  -v, --verbose          more diagnostics (twice: libbpf debug)\n";

static char **split_list(const char *s)
{
	size_t n = 1;
	char **v, *dup = strdup(s), *tok, *save = NULL;

	for (const char *p = s; *p; p++)
		n += *p == ',';
	v = calloc(n + 1, sizeof(*v));
	if (!v || !dup) {
		free(v);
		free(dup);
		return NULL;
	}
	n = 0;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		v[n++] = strdup(tok);
	free(dup);
	return v;
}

static void free_list(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A repeatable option: one more value in a NULL-terminated list. */
static int append_list(char ***v, const char *s)
{
	size_t n = 0;
	char **nv;

	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(*nv));
	if (!nv)
		return -1;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] ? 0 : -1;
}

static int parse_types(const char *s, unsigned *mask)
{
	char **v = split_list(s);
	int err = 0;

	for (char **p = v; p && *p; p++) {
		int t = ldr_ev_type__parse(*p);

		if (t < 0) {
			fprintf(stderr, "tpc-loader: error: unknown event type '%s'\n",
				ldr_quote(*p));
			err = -1;
		} else {
			*mask |= 1u << t;
		}
		free(*p);
	}
	free(v);
	return err;
}

static int parse_uint(const char *opt, const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 1000000) {
		fprintf(stderr, "tpc-loader: error: %s: '%s' is not a number\n", opt, ldr_quote(s));
		return -1;
	}
	*out = v;
	return 0;
}

/* --node-labels k=v,k2=v2 (repeatable): labels for spec.nodeSelector. A
 * key is checked as Kubernetes label keys are by tpc (not empty, no '=' or
 * ','); values may be empty. */
static int parse_node_labels(const char *s, struct ldr_opts *o)
{
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		char **v;

		if (!eq || eq == p) {
			fprintf(stderr, "tpc-loader: error: --node-labels: '%.*s' is not key=value\n",
				(int)n, p);
			return -1;
		}
		v = realloc(o->node_labels, (o->nnode_labels + 1) * sizeof(*v));
		if (!v || !(v[o->nnode_labels] = strndup(p, n))) {
			free(v);
			fprintf(stderr, "tpc-loader: error: out of memory\n");
			return -1;
		}
		o->node_labels = v;
		o->nnode_labels++;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int do_run(int argc, char **argv)
{
	enum {
		O_POLICY_DIR = 256, O_CGROUP, O_EXPORT_FILE, O_EXPORT_MAX, O_EXPORT_BACKUPS,
		O_METRICS, O_NODE, O_NODE_LABELS, O_PIN, O_MOUNT, O_ALLOW_EV, O_DENY_EV, O_ALLOW_POL,
		O_DENY_POL, O_POLL, O_NO_BASE, O_BASE_RING, O_DISABLE, O_RING, O_REQUIRE_SIG,
		O_PODS_FILE, O_CGROUP_ROOT, O_K8S_API, O_K8S_CA, O_K8S_TOKEN, O_NO_K8S,
		O_ALLOW_URL, O_ALLOW_DNS, O_REQ_RATE, O_DNS_SERVER, O_STACK_ADDRS,
	};
	static const struct option lopts[] = {
		{ "policy-dir", required_argument, 0, O_POLICY_DIR },
		{ "cgroup", required_argument, 0, O_CGROUP },
		{ "cgroup-root", required_argument, 0, O_CGROUP },
		{ "output", required_argument, 0, 'o' },
		{ "export-file", required_argument, 0, O_EXPORT_FILE },
		{ "export-max-mb", required_argument, 0, O_EXPORT_MAX },
		{ "export-backups", required_argument, 0, O_EXPORT_BACKUPS },
		{ "metrics-addr", required_argument, 0, O_METRICS },
		{ "node-name", required_argument, 0, O_NODE },
		{ "node-labels", required_argument, 0, O_NODE_LABELS },
		{ "pin", required_argument, 0, O_PIN },
		{ "mount", no_argument, 0, O_MOUNT },
		{ "allow-event", required_argument, 0, O_ALLOW_EV },
		{ "deny-event", required_argument, 0, O_DENY_EV },
		{ "allow-policy", required_argument, 0, O_ALLOW_POL },
		{ "deny-policy", required_argument, 0, O_DENY_POL },
		{ "poll-ms", required_argument, 0, O_POLL },
		{ "no-base-sensor", no_argument, 0, O_NO_BASE },
		{ "base-ring-kb", required_argument, 0, O_BASE_RING },
		{ "ring-kb", required_argument, 0, O_RING },
		{ "disable-feature", required_argument, 0, O_DISABLE },
		{ "require-signature", required_argument, 0, O_REQUIRE_SIG },
		{ "pods-file", required_argument, 0, O_PODS_FILE },
		{ "cgroup-root", required_argument, 0, O_CGROUP_ROOT },
		{ "k8s-api", required_argument, 0, O_K8S_API },
		{ "k8s-ca", required_argument, 0, O_K8S_CA },
		{ "k8s-token-file", required_argument, 0, O_K8S_TOKEN },
		{ "no-k8s", no_argument, 0, O_NO_K8S },
		{ "allow-url", required_argument, 0, O_ALLOW_URL },
		{ "allow-dns", required_argument, 0, O_ALLOW_DNS },
		{ "request-rate", required_argument, 0, O_REQ_RATE },
		{ "dns-server", required_argument, 0, O_DNS_SERVER },
		{ "expose-stack-addresses", no_argument, 0, O_STACK_ADDRS },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct ldr_opts o = { .export_max_mb = 10, .export_backups = 5, .poll_ms = 2,
			      .base_ring_kb = 1024, .ring_kb = 256 };
	static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char kerr[512] = "libsodium failed to initialize";
	int c, bad = 0, ret = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:vh", lopts, NULL)) != -1) {
		switch (c) {
		case O_POLICY_DIR: o.policy_dir = optarg; break;
		case O_CGROUP: o.cgroup = optarg; break;
		case 'o':
			if (!strcmp(optarg, "json"))
				o.fmt = LDR_FMT_JSON;
			else if (!strcmp(optarg, "compact"))
				o.fmt = LDR_FMT_COMPACT;
			else if (!strcmp(optarg, "none"))
				o.fmt = LDR_FMT_NONE;
			else {
				fprintf(stderr, "tpc-loader: error: -o: unknown format '%s' (json, "
					"compact, none)\n", ldr_quote(optarg));
				bad = 1;
			}
			break;
		case O_EXPORT_FILE: o.export_file = optarg; break;
		case O_EXPORT_MAX: bad |= parse_uint("--export-max-mb", optarg, &o.export_max_mb); break;
		case O_EXPORT_BACKUPS:
			bad |= parse_uint("--export-backups", optarg, &o.export_backups);
			break;
		case O_METRICS: o.metrics_addr = optarg; break;
		case O_NODE: o.node_name = optarg; break;
		case O_NODE_LABELS: bad |= parse_node_labels(optarg, &o); break;
		case O_PIN: o.pin_dir = optarg; break;
		case O_PODS_FILE: o.pods_file = optarg; break;
		case O_CGROUP_ROOT: o.cgroup_root = optarg; break;
		case O_K8S_API: o.k8s_api = optarg; break;
		case O_K8S_CA: o.k8s_ca = optarg; break;
		case O_K8S_TOKEN: o.k8s_token_file = optarg; break;
		case O_NO_K8S: o.no_k8s = true; break;
		case O_ALLOW_URL: bad |= append_list(&o.req.allow_url, optarg); break;
		case O_ALLOW_DNS: bad |= append_list(&o.req.allow_dns, optarg); break;
		case O_REQ_RATE:
			bad |= parse_uint("--request-rate", optarg, &o.req.rate);
			if (!o.req.rate) {
				fprintf(stderr, "tpc-loader: error: --request-rate: at least 1\n");
				bad = 1;
			}
			break;
		case O_DNS_SERVER: o.req.dns_server = optarg; break;
		case O_STACK_ADDRS: o.stack_addresses = true; break;
		case O_MOUNT: o.mount = true; break;
		case O_ALLOW_EV: bad |= parse_types(optarg, &o.filter.allow_types); break;
		case O_DENY_EV: bad |= parse_types(optarg, &o.filter.deny_types); break;
		/* a repeated option replaces the earlier list */
		case O_ALLOW_POL:
			free_list(o.filter.allow_policies);
			o.filter.allow_policies = split_list(optarg);
			break;
		case O_DENY_POL:
			free_list(o.filter.deny_policies);
			o.filter.deny_policies = split_list(optarg);
			break;
		case O_POLL:
			bad |= parse_uint("--poll-ms", optarg, &o.poll_ms);
			if (!o.poll_ms)
				o.poll_ms = 1;
			break;
		case O_NO_BASE: o.no_base = true; break;
		case O_DISABLE:
			free_list(o.disabled);
			o.disabled = split_list(optarg);
			break;
		case O_RING:
			bad |= parse_uint("--ring-kb", optarg, &o.ring_kb);
			if (o.ring_kb < 4 || (o.ring_kb & (o.ring_kb - 1))) {
				fprintf(stderr, "tpc-loader: error: --ring-kb: a power of two "
						"of at least 4\n");
				bad = 1;
			}
			break;
		case O_REQUIRE_SIG:
			if (sodium_init() < 0 || sig__read_public(optarg, pk, kerr, sizeof(kerr))) {
				fprintf(stderr, "tpc-loader: error: --require-signature: %s\n",
					kerr);
				ret = 2;
				goto cleanup;
			}
			o.sig_pubkey = pk;
			break;
		case O_BASE_RING:
			bad |= parse_uint("--base-ring-kb", optarg, &o.base_ring_kb);
			if (o.base_ring_kb < 4 || (o.base_ring_kb & (o.base_ring_kb - 1))) {
				fprintf(stderr, "tpc-loader: error: --base-ring-kb: a power of two "
						"of at least 4\n");
				bad = 1;
			}
			break;
		case 'v': ldr_verbose++; break;
		case 'h':
			fputs(run_usage, stdout);
			ret = 0;
			goto cleanup;
		default: bad = 1;
		}
	}
	if (bad) {
		fputs(run_usage, stderr);
		goto cleanup;
	}
	if (optind >= argc && !o.policy_dir && o.no_base) {
		fprintf(stderr, "tpc-loader: error: nothing to run: no objects, no --policy-dir "
				"and --no-base-sensor\n");
		goto cleanup;
	}
	o.objs = argv + optind;
	o.nobjs = argc - optind;
	ret = ldr_run(&o);
cleanup:
	free_list(o.filter.allow_policies);
	free_list(o.filter.deny_policies);
	free_list(o.disabled);
	free_list(o.req.allow_url);
	free_list(o.req.allow_dns);
	for (size_t i = 0; i < o.nnode_labels; i++)
		free(o.node_labels[i]);
	free(o.node_labels);
	return ret;
}

static const struct cmd cmds[] = {
	{ "run", do_run, "load and attach objects, export events (run --help)" },
	{ "probe", do_probe, "show which hook kinds and helpers this kernel supports [--json]" },
	{ "bench", ldr_bench, "measure event decoding to JSON on one core [N]" },
	{ "version", do_version, "print the version" },
	{ "help", do_help, "this text" },
	{ 0 },
};

static int do_help(int argc, char **argv)
{
	printf("usage: tpc-loader COMMAND [ARGS]\n\ncommands:\n");
	for (const struct cmd *c = cmds; c->name; c++)
		printf("  %-8s %s\n", c->name, c->help);
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(ldr_log_libbpf);
	if (argc < 2) {
		do_help(0, NULL);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return do_help(0, NULL);
	if (!strcmp(argv[1], "--version"))
		return do_version(0, NULL);
	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "tpc-loader: error: unknown command '%s'; try 'tpc-loader help'\n",
		ldr_quote(argv[1]));
	return 2;
}
