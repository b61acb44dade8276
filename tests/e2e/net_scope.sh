#!/bin/bash
# Workload scope on tpcNetwork hooks, with real cgroups: kubelet-style
# cgroup v2 directories for a web and a db "pod" (a PodList given to the
# loader with --pods-file), and loopback TCP on ports 47341-47343 (nothing
# else is contacted). The scope verdict is the socket owner's, recorded in
# process context (docs/policy-reference.md, "Workload scope"):
#  - podSelector app=web + Block on 47341: connect() from the web pod's
#    container fails with EPERM (and posts); from the db pod and the host
#    it connects;
#  - podSelector app=web + Post on the CONNECT event of 47342 (tp_btf
#    inet_sock_set_state, ESTABLISHED: not the owner's syscall): one event,
#    for the web client only;
#  - a match: expression with container.name == "postgres" on 47343 (a
#    scope map of the selector's own): the db client only.
# Prints PASS/FAIL/SKIP lines (tests/run.sh tier e2e).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
EXTRA_PIDS=
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
. "$(dirname "$0")/lib/pods_lib.sh"
pods_setup tpc-net-scope net_scope

WEB_UID=7e2a51c0-0000-4000-8000-00000000e001
DB_UID=7e2a51c0-0000-4000-8000-00000000e002
NGINX=$(hex 0xe1) PG=$(hex 0xe2)
WEBC=$(pod_dir $WEB_UID burstable)/cri-containerd-$NGINX.scope
DBC=$(pod_dir $DB_UID besteffort)/cri-containerd-$PG.scope
HOSTCG=$BASE/host.slice
mkdir -p "$WEBC" "$DBC" "$HOSTCG"
write_pods "$(pod netscope-web default $WEB_UID '{"app":"web"}' "$(container nginx $NGINX nginx:1.25)")" \
	"$(pod netscope-db default $DB_UID '{"app":"db"}' "$(container postgres $PG postgres:16)")"

cat >"$T/scope.yaml" <<'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: net-scope-web
spec:
  podSelector:
    matchLabels:
      app: web
  tpcNetwork:
  - protocol: tcp
    selectors:
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["47341"]
      matchActions:
      - action: Block
    - match: 'args.event == CONNECT && args.sk.dport == 47342'
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: net-scope-dsl
spec:
  tpcNetwork:
  - protocol: tcp
    selectors:
    - match: 'args.event == CONNECT && args.sk.dport == 47343 && container.name == "postgres"'
EOF
if ! "$TPC" build "$T/scope.yaml" -o "$T/scope.bpf.o" >"$T/build.log" 2>&1; then
	fail net_scope/build "$(grep error "$T/build.log" | head -3)"
	exit 0
fi
pass net_scope/build

# a server on the three ports, in the loader's cgroup: accepts and closes
python3 - <<'PY' >"$T/srv.out" 2>&1 &
import select, socket
ls = []
for p in (47341, 47342, 47343):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(16); ls.append(s)
print("listening", flush=True)
while True:
    for s in select.select(ls, [], [], 30)[0]:
        s.accept()[0].close()
PY
EXTRA_PIDS=$!
wait_for "$T/srv.out" listening 50 || { fail net_scope/server "$(cat "$T/srv.out")"; exit 0; }

if ! start_loader --node-name e2e-node --pods-file "$T/pods.json" -o json "$T/scope.bpf.o"; then
	fail net_scope/start "loader did not become ready: $(tail -5 "$LERR")"
	exit 0
fi
pass net_scope/start

# connect_in DIR PORT : connect() to 127.0.0.1:PORT from a process moved into
# cgroup DIR first; prints "PID ERRNO" (0 = connected)
connect_in() {
	sh -c 'echo $$ >"$1/cgroup.procs" || exit 99; exec python3 -c "
import os, socket, sys
s = socket.socket(); s.settimeout(5)
print(os.getpid(), s.connect_ex((\"127.0.0.1\", int(sys.argv[1]))))" "$2"' sh "$1" "$2"
}
declare -A PID
expect() { # expect NAME DIR PORT ERRNO
	local r
	r=$(connect_in "$2" "$3")
	PID[$1]=${r%% *}
	if [ "${r#* }" = "$4" ]; then pass "net_scope/$1"; else fail "net_scope/$1" "got '$r', want errno $4"; fi
}
expect web-block-eperm "$WEBC" 47341 1
expect db-block-connects "$DBC" 47341 0
expect host-block-connects "$HOSTCG" 47341 0
expect web-post-connects "$WEBC" 47342 0
expect db-post-connects "$DBC" 47342 0
expect host-post-connects "$HOSTCG" 47342 0
expect web-dsl-connects "$WEBC" 47343 0
expect db-dsl-connects "$DBC" 47343 0
expect host-dsl-connects "$HOSTCG" 47343 0

wait_for "$LOUT" '"policy_name":"net-scope-dsl"'
sleep 0.5
stop_loader
check net_scope/clean-exit test "$LRC" = 0
# events NAME POLICY PORT : how many tcp events of POLICY to PORT the
# process of test NAME has
events() {
	jq -s "[.[] | .network_tcp // empty | select(.policy_name == \"$2\" and
		.socket.dport == $3 and .process.pid == ${PID[$1]})] | length" "$LOUT"
}
n_of() { # n_of NAME POLICY PORT WANT
	local n
	n=$(events "$1" "$2" "$3")
	if [ "$n" = "$4" ]; then pass "net_scope/$1-events"; else fail "net_scope/$1-events" "$n events, want $4"; fi
}
check net_scope/web-block-event jq_any "$LOUT" ".network_tcp.policy_name == \"net-scope-web\" and
	.network_tcp.process.pid == ${PID[web-block-eperm]} and .network_tcp.action == \"KPROBE_ACTION_OVERRIDE\""
n_of db-block-connects net-scope-web 47341 0
n_of host-block-connects net-scope-web 47341 0
n_of web-post-connects net-scope-web 47342 1
n_of db-post-connects net-scope-web 47342 0
n_of host-post-connects net-scope-web 47342 0
n_of web-dsl-connects net-scope-dsl 47343 0
n_of db-dsl-connects net-scope-dsl 47343 1
n_of host-dsl-connects net-scope-dsl 47343 0
