# Shared by tests/e2e/net_dns_http.sh and bench/netl7.sh (sourced): a
# private network namespace with dnsmasq (test zone) and python3's
# http.server on its loopback, a cgroup v2 directory for the observed
# clients (the caller attaches tpc-loader, or with nl7_attach the
# hand-written policy of tests/tools/netl7_test, to it). Nothing touches the host's resolver or ports:
# servers live in the namespace, `ip netns exec` gives the clients the
# namespace's own /etc/resolv.conf. Callers set NL7_TMP and NL7_BUILD.
NL7_NS=tpc-netl7-$$
NL7_CG=/sys/fs/cgroup/unified/tpc-net-l7-$$
NL7_PIDS=()

# nl7_need: prints a SKIP reason and returns 1 when a tool is missing
nl7_need() {
	local t
	for t in dnsmasq dig curl python3 ip unshare; do
		command -v $t >/dev/null || { echo "$t missing (scripts/deps.sh)"; return 1; }
	done
	[ -d /sys/fs/cgroup/unified ] || { echo "no cgroup v2 at /sys/fs/cgroup/unified"; return 1; }
	[ -x "$NL7_BUILD/netl7_test" ] && [ -x "$NL7_BUILD/netl7_client" ] ||
		{ echo "$NL7_BUILD/netl7_test or netl7_client missing (make test builds them)"; return 1; }
}

# nl7_up: namespace, servers (dnsmasq on 127.0.0.1:53, http on :8080)
nl7_up() {
	ip netns add "$NL7_NS" || return 1
	ip -n "$NL7_NS" link set lo up
	mkdir -p "/etc/netns/$NL7_NS" "$NL7_TMP/www" "$NL7_CG"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NL7_NS/resolv.conf"
	echo hello >"$NL7_TMP/www/a.txt"
	ip netns exec "$NL7_NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--bind-interfaces --listen-address=127.0.0.1,::1 --port=53 --local-ttl=123 \
		--address=/zone.test/192.0.2.7 --host-record=www.zone.test,192.0.2.8,2001:db8::8 \
		--address=/nx.test/ --pid-file= --log-facility="$NL7_TMP/dnsmasq.log" &
	NL7_PIDS+=($!)
	# http.server's handler with HTTP/1.1 keep-alive and TCP_NODELAY (it
	# writes headers and body separately: with Nagle each response would
	# wait for a delayed ACK, 40 ms), without a log line per request
	ip netns exec "$NL7_NS" python3 -c '
import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
h = functools.partial(H, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", 8080), h).serve_forever()
' "$NL7_TMP/www" >"$NL7_TMP/http.log" 2>&1 &
	NL7_PIDS+=($!)
	for _ in $(seq 50); do
		ip netns exec "$NL7_NS" dig +short +tries=1 +timeout=1 @127.0.0.1 www.zone.test >/dev/null 2>&1 &&
			ip netns exec "$NL7_NS" curl -sf -o /dev/null http://127.0.0.1:8080/a.txt && return 0
		sleep 0.1
	done
	return 1
}

# nl7_attach OUT [--bench]: the policy on the cgroup, JSON lines into OUT
nl7_attach() {
	local out=$1
	shift
	"$NL7_BUILD/netl7_test" "$NL7_BUILD/netl7_test.bpf.o" --attach "$NL7_CG" "$@" \
		>"$out" 2>"$out.err" &
	NL7_ATTACH=$!
	for _ in $(seq 100); do
		grep -q ready "$out.err" 2>/dev/null && return 0
		kill -0 $NL7_ATTACH 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

nl7_detach() {
	[ -n "${NL7_ATTACH:-}" ] || return 0
	sleep 0.3
	kill -TERM "$NL7_ATTACH" 2>/dev/null
	wait "$NL7_ATTACH" 2>/dev/null
	NL7_ATTACH=
}

# nl7_run CMD...: run CMD in the namespace and in the observed cgroup
# (cgroup first: `ip netns exec` mounts a fresh /sys without the cgroup tree)
nl7_run() {
	bash -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$@"' "$NL7_CG" "$NL7_NS" "$@"
}

nl7_down() {
	nl7_detach
	local p
	for p in "${NL7_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	NL7_PIDS=()
	ip netns del "$NL7_NS" 2>/dev/null
	rm -rf "/etc/netns/$NL7_NS"
	rmdir "$NL7_CG" 2>/dev/null
	return 0
}
