#!/bin/bash
# bench/netl7.sh - part of `make bench`: per-packet cost of the DNS and
# HTTP cgroup_skb programs (issue 10), docs/performance.md method:
# delta run_time_ns / delta run_cnt per program with
# kernel.bpf_stats_enabled=1, against an empty cgroup_skb egress program
# attached to the same cgroup in the same run. Programs: what `tpc build`
# makes of tests/e2e/policies/net-dns.yaml and net-http.yaml, loaded by
# tpc-loader on a cgroup of this script; traffic: BENCH_L7_N (20000) DNS
# queries to dnsmasq for a name the policy posts, as many for a name it
# does not select, then as many HTTP requests on one keep-alive
# connection to python3's http.server, in a private network namespace
# (tests/e2e/lib/netl7.sh). Writes build/bench/netl7.json.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUTDIR=${OUTPUT:-build}
B=$ROOT/$OUTDIR/bench
N=${BENCH_L7_N:-20000}
NL7_TMP=$(mktemp -d /tmp/tpc-bench-l7.XXXXXX)
NL7_BUILD=$ROOT/$OUTDIR/tests
source tests/e2e/lib/netl7.sh
log() { printf '[bench-l7 %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root"; exit 1; }
if ! why=$(nl7_need); then
	log "skipped: $why"
	exit 0
fi
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
LPID=
finish() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	nl7_down
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	rm -rf "$NL7_TMP"
}
trap finish EXIT
mkdir -p "$B"
"$ROOT/$OUTDIR/tpc" build tests/e2e/policies/net-dns.yaml -o "$NL7_TMP/dns.bpf.o" &&
	"$ROOT/$OUTDIR/tpc" build tests/e2e/policies/net-http.yaml -o "$NL7_TMP/http.bpf.o" || exit 1
nl7_up || { log "servers did not start"; exit 1; }
sysctl -qw kernel.bpf_stats_enabled=1

# prog_stat ID: "run_cnt run_time_ns"
prog_stat() { bpftool prog show id "$1" -j | jq -r '"\(.run_cnt // 0) \(.run_time_ns // 0)"'; }

# one phase: loader + empty baseline attached, the load, per-packet costs
phase() { # phase NAME OBJ CLIENT-ARGS...
	local name=$1 obj=$2
	shift 2
	"$ROOT/$OUTDIR/tpc-loader" run -o none --ring-kb 8192 --cgroup "$NL7_CG" "$obj" \
		>/dev/null 2>"$NL7_TMP/$name.log" &
	LPID=$!
	for _ in $(seq 100); do grep -q ready "$NL7_TMP/$name.log" && break; sleep 0.05; done
	nl7_attach "$NL7_TMP/$name.empty" --empty || { log "baseline attach failed"; return 1; }
	local ids eg in
	ids=$(grep -o "ids [0-9 ]*" "$NL7_TMP/$name.log" | tail -1)
	eg=$(echo "$ids" | awk '{print $2}')
	in=$(echo "$ids" | awk '{print $3}')
	nl7_run "$NL7_BUILD/netl7_client" "$@" >"$NL7_TMP/$name.client"
	nl7_detach
	read -r ecnt etime <<<"$(prog_stat "$eg")"
	read -r icnt itime <<<"$(prog_stat "$in")"
	kill "$LPID"
	wait "$LPID"
	LPID=
	python3 - "$name" "$ecnt" "$etime" "$icnt" "$itime" "$NL7_TMP/$name.empty" \
		"$NL7_TMP/$name.client" <<'PY'
import json, sys
name, ec, et, ic, it, empty, client = sys.argv[1:8]
st = [json.loads(l)["stats"] for l in open(empty) if l.startswith('{"stats"')][0]
e = st["empty"]
c = open(client).read().split()
r = {"case": name, "egress_pkts": int(ec), "egress_ns": round(int(et) / max(int(ec), 1), 1),
     "ingress_pkts": int(ic), "ingress_ns": round(int(it) / max(int(ic), 1), 1),
     "empty_pkts": e["run_cnt"], "empty_ns": round(e["run_time_ns"] / max(e["run_cnt"], 1), 1),
     "requests": int(c[1]), "answered": int(c[3]), "seconds": float(c[5])}
print(json.dumps(r))
PY
}
{
	phase dns "$NL7_TMP/dns.bpf.o" dns 127.0.0.1 "$N" load.zone.test
	# a name the policy does not select: parsed and filtered in BPF, no
	# event, no answer copied (dnsmasq answers REFUSED; still an answer)
	phase dns-nomatch "$NL7_TMP/dns.bpf.o" dns 127.0.0.1 "$N" load.other.example
	phase http "$NL7_TMP/http.bpf.o" http 127.0.0.1 8080 "$N" /a.txt
} >"$NL7_TMP/cases.jsonl"
jq -s . "$NL7_TMP/cases.jsonl" >"$B/netl7.json"
jq -r '.[] | "\(.case): egress \(.egress_ns) ns/pkt (\(.egress_pkts) pkts), ingress \(.ingress_ns) ns/pkt (\(.ingress_pkts)), empty egress \(.empty_ns) ns/pkt; \(.answered)/\(.requests) answered in \(.seconds) s"' "$B/netl7.json"
