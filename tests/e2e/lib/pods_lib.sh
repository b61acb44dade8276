# pods_lib.sh - kubelet-style pods for the workload-scope e2e scripts
# (k8s_scope.sh, net_scope.sh), sourced after loader_lib.sh: cgroup v2
# directories laid out as the kubelet's systemd driver does, and PodList
# JSON for tpc-loader's --pods-file. Everything is created under one
# directory of the test's own (BASE), removed on exit.

# pods_setup NAME TEST : BASE=<cgroup2 mount>/NAME-<pid>, created now and
# removed on exit; without a writable cgroup2 mount, prints SKIP TEST and
# exits
pods_setup() {
	bash "$ROOT/scripts/mounts.sh" 2>/dev/null
	CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$CG2" ]; then
		skip "$2" "no cgroup2 hierarchy mounted (scope needs cgroup v2)"
		exit 0
	fi
	BASE=$CG2/$1-$$
	trap 'cleanup_all; cleanup_cgroups' EXIT
	if ! mkdir "$BASE" 2>/dev/null; then
		skip "$2" "cannot create a cgroup under $CG2"
		exit 0
	fi
}

cleanup_cgroups() {
	# move anything of ours left back to the root, then remove leaves first
	[ -d "$BASE" ] || return 0
	find "$BASE" -name cgroup.procs | while read -r f; do
		while read -r p; do echo "$p" >"$CG2/cgroup.procs" 2>/dev/null; done <"$f"
	done
	find "$BASE" -depth -type d -exec rmdir {} \; 2>/dev/null
}

hex() { printf '%064x' "$1"; } # a container id
pod_dir() { # pod_dir UID QOS : the pod's cgroup
	local u=${1//-/_}
	echo "$BASE/kubepods.slice/kubepods-$2.slice/kubepods-$2-pod$u.slice"
}
container() { # container NAME ID IMAGE : a containerStatuses entry
	printf '{"name":"%s","containerID":"containerd://%s","image":"%s","imageID":"","state":{"running":{"startedAt":"2026-12-01T00:00:00Z"}}}' "$1" "$2" "$3"
}
pod() { # pod NAME NS UID LABELS-JSON CONTAINERS-JSON
	printf '{"metadata":{"name":"%s","namespace":"%s","uid":"%s","labels":%s},"spec":{"nodeName":"e2e-node"},"status":{"containerStatuses":[%s]}}' "$1" "$2" "$3" "$4" "$5"
}
write_pods() { # write_pods POD-JSON... : the PodList the loader reads ($T/pods.json)
	local IFS=,
	echo "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[$*]}" >"$T/pods.json.new"
	mv "$T/pods.json.new" "$T/pods.json"
}

# run_in DIR VICTIM : exec $V/victim-VICTIM inside cgroup DIR ("" = stay
# here); prints the exit status (137 = SIGKILL: a policy killed it)
run_in() {
	sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 99; exec "$2"' sh "$1" "$V/victim-$2" \
		>/dev/null 2>&1
	echo $?
}
expect() { # expect NAME STATUS DIR VICTIM
	local got
	got=$(run_in "$3" "$4")
	if [ "$got" = "$2" ]; then pass "$1"; else fail "$1" "exit status $got, want $2"; fi
}
