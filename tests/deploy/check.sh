#!/bin/bash
# Deployment checks (tests/run.sh tier deploy): the Helm chart lints and
# renders, the rendered objects have the properties a node agent needs, the
# generated files are fresh, the CRDs are valid and accept every policy tpc
# ships, and (as root) the real tpc-loader runs with the command line the
# chart renders. No cluster runs here: helm lint/template/package only.
# helm comes from the npm registry (scripts/helm.sh); without it the helm
# checks SKIP. Prints "PASS name" / "FAIL name" / "SKIP name: reason".
set -u
. "$(dirname "$0")/../e2e/lib.sh"
ROOT=$E2E_ROOT
cd "$ROOT"
BUILD=${BUILD:-build}
Y2J=$ROOT/$BUILD/tests/yaml2json
CHART=deploy/helm/tpc
T=$E2E_TMP

if [ ! -x "$Y2J" ]; then
	fail deploy/yaml2json "$Y2J missing: run make test (it builds the test tools)"
	exit 0
fi

# ---- CRDs (no helm needed) ---------------------------------------------

for f in deploy/crds/cilium.io_*.yaml; do "$Y2J" "$f"; done >"$T/crds.jsonl"

bash scripts/gen-manifests.sh crds "$T/gen" >/dev/null 2>"$T/gen-crds.err"
if diff -r deploy/crds "$T/gen/deploy/crds" -x crd.jq >"$T/crds.diff" &&
	diff -r deploy/helm/tpc/crds "$T/gen/deploy/helm/tpc/crds" >>"$T/crds.diff"; then
	pass crds/fresh
else
	fail crds/fresh "stale: run make deploy-manifests ($(head -c 300 "$T/crds.diff" "$T/gen-crds.err"))"
fi

# the YAML writer (scripts/to-yaml.jq) loses nothing: YAML -> JSON is the jq output
if [ "$(jq -S -c . "$T/crds.jsonl")" = "$(jq -n -f deploy/crds/crd.jq | jq -S -c '.[]')" ]; then
	pass crds/yaml-roundtrip
else
	fail crds/yaml-roundtrip "deploy/crds/*.yaml do not read back as deploy/crds/crd.jq"
fi

if jq -e -s '
	length == 2 and all(.apiVersion == "apiextensions.k8s.io/v1" and .kind == "CustomResourceDefinition"
		and .spec.group == "cilium.io"
		and .metadata.name == .spec.names.plural + ".cilium.io"
		and (.spec.versions | length == 1 and .[0].name == "v1alpha1" and .[0].served and .[0].storage))
	and (map({(.spec.names.kind): .spec.scope}) | add
		== {"TracingPolicy": "Cluster", "TracingPolicyNamespaced": "Namespaced"})' \
	"$T/crds.jsonl" >/dev/null; then
	pass crds/apiextensions-v1
else
	fail crds/apiextensions-v1 "not two apiextensions.k8s.io/v1 CRDs for cilium.io/v1alpha1 TracingPolicy (Cluster) and TracingPolicyNamespaced (Namespaced)"
fi

if out=$(python3 tests/deploy/schema_walk.py structural "$T/crds.jsonl"); then
	pass crds/structural
else
	fail crds/structural "$(head -5 <<<"$out")"
fi

# Every key the parser accepts (its key tables) is in the schema, so the
# API server does not prune what tpc would compile. ObjectMeta keys are
# the API server's own.
meta="annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp finalizers generateName generation labels managedFields ownerReferences resourceVersion selfLink uid"
parser=$(awk '/(keys|kkeys|ukeys|rkeys|_keys)\[\] = \{/ { on = 1 } on { print } on && /\};/ { on = 0 }' \
	compiler/front/yaml_policy.c | grep -o '"[A-Za-z]*"' | tr -d '"' | sort -u)
schema=$(head -1 "$T/crds.jsonl" |
	jq -r '[paths(type == "object") | select(.[-2] == "properties") | .[-1]] | unique | .[]')
missing=$(comm -23 <(echo "$parser") <(echo "$schema") | grep -vxF -f <(tr ' ' '\n' <<<"$meta") | tr '\n' ' ')
if [ -n "$parser" ] && [ -z "$missing" ]; then
	pass crds/parser-keys
else
	fail crds/parser-keys "keys tpc parses but the CRD lacks: ${missing:-(no key tables found in compiler/front/yaml_policy.c)}"
fi

# Every policy tpc ships and every corpus policy fits the schema.
for f in stdlib-policies/*/*.yaml examples/*.yaml tests/corpus/*.yaml; do
	[ -e "$f" ] || continue
	# a file may hold other objects beside its policies (a Pod): the
	# CRD checks the policies, the API server the rest
	if ! "$Y2J" "$f" >"$T/all.jsonl" 2>"$T/p.err" ||
		! jq -c 'select(.kind == "TracingPolicy" or .kind == "TracingPolicyNamespaced")' \
			"$T/all.jsonl" >"$T/p.jsonl" 2>"$T/p.err"; then
		fail "crd-schema/$f" "$(cat "$T/p.err")"
	elif out=$(python3 tests/deploy/schema_walk.py validate "$T/crds.jsonl" "$T/p.jsonl"); then
		pass "crd-schema/$f"
	else
		fail "crd-schema/$f" "$(head -5 <<<"${out//$T\/p.jsonl/$f}")"
	fi
done

# ... and the walk can fail: an unknown key, a wrong type, a missing call.
cat >"$T/bad.yaml" <<'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata: {name: bad, namespace: default}
spec:
  kprobes:
  - calll: sys_openat
    syscall: "yes"
    selectors:
    - matchArgs: [{index: 0, operator: Equal, values: [true]}]
EOF
"$Y2J" "$T/bad.yaml" >"$T/bad.jsonl"
out=$(python3 tests/deploy/schema_walk.py validate "$T/crds.jsonl" "$T/bad.jsonl")
if grep -q "key 'calll' is not in the schema" <<<"$out" && grep -q "syscall: string where the schema has boolean" <<<"$out" &&
	grep -q "values\[0\]: boolean where" <<<"$out" && grep -q "required key 'call' missing" <<<"$out"; then
	pass crd-schema/rejects-bad-policy
else
	fail crd-schema/rejects-bad-policy "the walk accepted or misreported a bad policy: $out"
fi

# The Dockerfile cannot be built here (no container daemon); at least the
# make targets it runs exist, and it copies what they build.
targets=$(sed -n 's/^RUN make -j"$(nproc)" //p' deploy/Dockerfile)
copies=$(sed -n 's|^COPY --from=build /src/\([^ ]*\) .*|\1|p' deploy/Dockerfile | sort -u)
if [ -n "$targets" ] && make -n $targets >/dev/null 2>"$T/make.err" &&
	[ -n "$copies" ] && [ -z "$(comm -23 <(echo "$copies") <(tr ' ' '\n' <<<"$targets" | sort -u))" ]; then
	pass dockerfile/make-targets
else
	fail dockerfile/make-targets "targets '$targets', copies '$copies': $(head -2 "$T/make.err")"
fi

# ---- the chart ---------------------------------------------------------

if ! HELM=$(bash scripts/helm.sh 2>"$T/helm.err"); then
	skip chart "no helm: $(cat "$T/helm.err")"
	exit 0
fi
export HELM_CACHE_HOME=$T/helm-cache HELM_CONFIG_HOME=$T/helm-config HELM_DATA_HOME=$T/helm-data

if [ "$(sed -n 's/^appVersion: "\(.*\)"/\1/p' $CHART/Chart.yaml)" = "$(cat VERSION)" ]; then
	pass chart/app-version
else
	fail chart/app-version "Chart.yaml appVersion differs from VERSION"
fi

lint() { # lint NAME [helm args]
	local name=$1
	shift
	if "$HELM" lint --strict "$CHART" "$@" >"$T/lint-$name.out" 2>&1; then
		pass "chart/lint-$name"
	else
		fail "chart/lint-$name" "$(grep -E 'ERROR|WARNING|Error' "$T/lint-$name.out" | head -5)"
	fi
}
lint default
lint all-options -f tests/deploy/all-options.yaml

# render NAME [helm args]: $T/NAME.jsonl, one object per line
render() {
	local name=$1
	shift
	if "$HELM" template tpc "$CHART" --namespace tpc-test "$@" >"$T/$name.yaml" 2>"$T/$name.err" &&
		"$Y2J" "$T/$name.yaml" >"$T/$name.jsonl" 2>>"$T/$name.err"; then
		pass "chart/template-$name"
	else
		fail "chart/template-$name" "$(head -3 "$T/$name.err")"
		: >"$T/$name.jsonl"
	fi
}
render default
render no-controller --set controller.enabled=false
render controller-quiet --set controller.metrics.enabled=false --set controller.eventIntervalSeconds=0 \
	--set metrics.serviceMonitor.enabled=true
render all-options -f tests/deploy/all-options.yaml
render no-k8s --set kubernetes.enabled=false --set metrics.enabled=false --set controller.enabled=false \
	--set policies.source=image --set policies.image.mode=volume \
	--set policies.image.repository=registry.example/policies --set policies.image.path=/objs
render image-init --set policies.source=image --set policies.image.repository=registry.example/policies \
	--set controller.enabled=false \
	--set policies.image.path=/objs/ \
	--set export.enabled=false --set loader.pinPath=

# q NAME JQ...: jq -e over the rendered objects of NAME (slurped)
q() {
	local name=$1
	shift
	jq -e -s "$DEFS $*" "$T/$name.jsonl" >/dev/null 2>&1
}
# ds, pod, ctr: the one DaemonSet, its pod spec, the loader container;
# kind(K): the objects of kind K
DEFS='def ds: map(select(.kind == "DaemonSet")) | if length == 1 then .[0] else error("not one DaemonSet") end;
	def pod: ds.spec.template.spec; def ctr: pod.containers[0];
	def kind($k): map(select(.kind == $k));
	def mounted($vol; $path): any(ctr.volumeMounts[]; .name == $vol and .mountPath == $path);'
# ok TEST CONDITION-DESCRIPTION NAME JQ: PASS/FAIL on a jq predicate
ok() {
	local test=$1 what=$2 name=$3
	shift 3
	if q "$name" "$@"; then pass "$test"; else fail "$test" "$name: $what"; fi
}

# The loader's effective command line: each --flag=$(VAR) with VAR taken
# from the settings ConfigMap the container reads (envFrom) or its env.
ARGS_JQ='
	(map(select(.kind == "DaemonSet"))[0].spec.template.spec.containers[0]) as $c
	| ([$c.envFrom[]?.configMapRef.name]) as $cms
	| (map(select(.kind == "ConfigMap" and (.metadata.name | IN($cms[]))) | .data) | add // {}) as $data
	| ($data + ([$c.env[]? | select(.value != null) | {(.name): .value}] | add // {})) as $envs
	| [$c.args[] | gsub("\\$\\((?<v>[A-Z0-9_]+)\\)"; if .v == "NODE_NAME" then "$(NODE_NAME)" else ($envs[.v] // "UNDEFINED(\(.v))") end)]'
args() { jq -s -r "$ARGS_JQ | .[]" "$T/$1.jsonl"; }
has_args() { # has_args TEST NAME ARG...: every ARG is in the effective command line
	local test=$1 name=$2 a missing=
	shift 2
	local got
	got=$(args "$name")
	for a in "$@"; do
		grep -qxF -- "$a" <<<"$got" || missing+=" $a"
	done
	if [ -z "$missing" ] && ! grep -q UNDEFINED <<<"$got"; then
		pass "$test"
	else
		fail "$test" "$name: missing:${missing:- none}; args: $(tr '\n' ' ' <<<"$got")"
	fi
}
lacks_args() { # lacks_args TEST NAME PREFIX...: no argument starts with PREFIX
	local test=$1 name=$2 p bad=
	shift 2
	for p in "$@"; do
		args "$name" | grep -q -- "^$p" && bad+=" $p"
	done
	if [ -z "$bad" ]; then pass "$test"; else fail "$test" "$name: unexpected:$bad"; fi
}

ok ds/privileged "container not privileged" default 'ctr.securityContext.privileged == true'
ok ds/host-pid "no hostPID" default 'pod.hostPID == true'
for p in /sys/kernel/btf /sys/fs/bpf /sys/kernel/tracing /sys/fs/cgroup; do
	ok "ds/hostpath$p" "$p is not a hostPath volume mounted at $p" default "
		[pod.volumes[] | select(.hostPath.path == \"$p\") | .name] as \$v
		| (\$v | length == 1) and mounted(\$v[0]; \"$p\")"
done
ok ds/bpffs-bidirectional "/sys/fs/bpf not Bidirectional" default \
	'any(ctr.volumeMounts[]; .mountPath == "/sys/fs/bpf" and .mountPropagation == "Bidirectional")'
ok ds/btf-read-only "/sys/kernel/btf writable" default \
	'any(ctr.volumeMounts[]; .mountPath == "/sys/kernel/btf" and .readOnly == true)'
ok ds/export-hostpath "export directory is not the hostPath /var/run/tpc" default \
	'any(pod.volumes[]; .name == "export" and .hostPath.path == "/var/run/tpc") and mounted("export"; "/var/run/tpc")'
ok ds/node-name "NODE_NAME not from spec.nodeName" default \
	'any(ctr.env[]; .name == "NODE_NAME" and .valueFrom.fieldRef.fieldPath == "spec.nodeName")
	and any(ctr.args[]; . == "--node-name=$(NODE_NAME)")'
ok ds/probes-healthz "probes are not GET /healthz on the metrics port" default '
	(ctr.ports[] | select(.name == "metrics") | .containerPort) == 2112
	and ([ctr.readinessProbe, ctr.livenessProbe] | all(.httpGet.path == "/healthz" and .httpGet.port == "metrics"))'
ok ds/update-priority "no RollingUpdate, priorityClassName or tolerations" default \
	'pod.priorityClassName == "system-node-critical" and (pod.tolerations | length > 0)
	and ds.spec.updateStrategy.type == "RollingUpdate"'
ok ds/read-only-root "root filesystem writable" default 'ctr.securityContext.readOnlyRootFilesystem == true'
ok ds/config-checksum "no checksum/config annotation (settings changes would not restart pods)" default \
	'ds.spec.template.metadata.annotations["checksum/config"] | test("^[0-9a-f]{64}$")'

ok rbac/pods-only "the loader's RBAC grants more than pods get/list/watch, or not to the DaemonSet's account" default '
	(map(select((.kind == "Role" or .kind == "ClusterRole") and .metadata.labels["app.kubernetes.io/component"] != "controller"))) as $roles
	| ($roles | length == 1)
	and ($roles[0].rules == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}])
	and (map(select((.kind == "RoleBinding" or .kind == "ClusterRoleBinding") and .metadata.labels["app.kubernetes.io/component"] != "controller"))
		| length == 1 and .[0].roleRef.name == $roles[0].metadata.name
		and .[0].subjects == [{"kind": "ServiceAccount", "name": "tpc", "namespace": "tpc-test"}])
	and any(.[]; .kind == "DaemonSet" and .spec.template.spec.serviceAccountName == "tpc")
	and any(.[]; .kind == "ServiceAccount" and .metadata.name == "tpc")'

has_args args/default default run --node-name='$(NODE_NAME)' --policy-dir=/etc/tpc/policies \
	--export-file=/var/run/tpc/tpc.log --export-max-mb=10 --export-backups=5 \
	--metrics-addr=0.0.0.0:2112 --pin=/sys/fs/bpf/tpc --mount --output=none
lacks_args args/default-no-signature-no-filters default --require-signature --allow- --deny- --no-k8s --k8s- --cgroup
ok policies/configmap-default "default policy volume is not the CI ConfigMap tpc-policies and the controller's tpc-objects-0..3, all optional, projected at --policy-dir" default '
	any(pod.volumes[]; .name == "policies" and .projected.sources == [
		{"configMap": {"name": "tpc-policies", "optional": true}},
		{"configMap": {"name": "tpc-objects-0", "optional": true}},
		{"configMap": {"name": "tpc-objects-1", "optional": true}},
		{"configMap": {"name": "tpc-objects-2", "optional": true}},
		{"configMap": {"name": "tpc-objects-3", "optional": true}}])
	and mounted("policies"; "/etc/tpc/policies")'
ok policies/configmap-no-controller "without the controller the policy volume is not the optional ConfigMap tpc-policies" no-controller '
	any(pod.volumes[]; .name == "policies" and .configMap.name == "tpc-policies" and .configMap.optional == true)
	and mounted("policies"; "/etc/tpc/policies")
	and (kind("Deployment") | length == 0)
	and all(.[]; .metadata.labels["app.kubernetes.io/component"] != "controller")'

has_args args/all-options all-options --require-signature=/etc/tpc/signing/ci.key.pub \
	--export-file=/var/log/tpc/events.log --export-max-mb=50 --export-backups=3 \
	--allow-event=process_exec,process_kprobe --allow-policy=block-netcat,shadow-reads \
	--deny-event=process_exit --deny-policy=noisy-policy --metrics-addr=0.0.0.0:9464 \
	--k8s-api=https://10.0.0.1:6443 --k8s-ca=/etc/tpc/k8s/ca.crt --k8s-token-file=/etc/tpc/k8s/token \
	--cgroup=/sys/fs/cgroup/unified --cgroup-root=/sys/fs/cgroup/unified --disable-feature=fentry,lsm \
	--ring-kb=512 --base-ring-kb=2048 --poll-ms=5 --output=compact --pin=/sys/fs/bpf/tpc-all \
	--policy-dir=/etc/tpc/objs --no-base-sensor -v --poll-ms=7
lacks_args args/all-options-no-mount all-options --mount
ok signature/secret-mounted "the signing key Secret is not mounted where --require-signature points" all-options '
	(kind("Secret") | length == 1 and .[0].metadata.name == "tpc-all-signing"
		and (.[0].stringData["ci.key.pub"] | startswith("tpc-ed25519-public-v1 ")))
	and any(pod.volumes[]; .name == "signing" and .secret.secretName == "tpc-all-signing")
	and mounted("signing"; "/etc/tpc/signing")'
ok policies/configmap-created "binaryData ConfigMap not created or not mounted" all-options '
	any(kind("ConfigMap")[]; .metadata.name == "tpc-all-objs" and .binaryData["block-netcat.bpf.o"] == "f0VMRgIBAQAAAAAAAAAAAA==")
	and any(pod.volumes[]; .name == "policies" and .projected.sources[0].configMap.name == "tpc-all-objs")
	and mounted("policies"; "/etc/tpc/objs")
	and (ds.spec.template.metadata.annotations | has("checksum/policies"))'
ok ds/host-proc "hostProc: true does not mount /proc at /host/proc" all-options '
	any(pod.volumes[]; .name == "host-proc" and .hostPath.path == "/proc")
	and any(ctr.volumeMounts[]; .name == "host-proc" and .mountPath == "/host/proc" and .readOnly)'
ok rbac/custom-account "the DaemonSet and the binding do not use serviceAccount.name" all-options '
	def loader($k): kind($k) | map(select(.metadata.labels["app.kubernetes.io/component"] != "controller"));
	pod.serviceAccountName == "tpc-all-sa" and loader("ClusterRoleBinding")[0].subjects[0].name == "tpc-all-sa"
	and loader("ServiceAccount")[0].metadata.name == "tpc-all-sa"'

ok servicemonitor/off-by-default "ServiceMonitor rendered without metrics.serviceMonitor.enabled" default \
	'all(.[]; .kind != "ServiceMonitor")'
# one ServiceMonitor per Service: each selects its own Service only (by
# labels), and each Service selects its own pods only
ok servicemonitor/on "a ServiceMonitor missing or not scraping its metrics Service port, or selecting the other's" all-options '
	def sel($o; $l): all($o | to_entries[]; $l[.key] == .value);
	(kind("ServiceMonitor")) as $sm | (kind("Service")) as $svc
	| (ds.spec.template.metadata.labels) as $dsl
	| (kind("Deployment")[0].spec.template.metadata.labels) as $depl
	| ($sm | length == 2) and ($svc | length == 2)
	and all($sm[]; .apiVersion == "monitoring.coreos.com/v1" and .spec.endpoints[0].port == "metrics"
		and .spec.endpoints[0].path == "/metrics" and .metadata.labels.release == "prometheus")
	and all($sm[]; . as $m | [$svc[] | select(sel($m.spec.selector.matchLabels; .metadata.labels))] | length == 1)
	and ([$svc[] | .spec.ports[0] | select(.name == "metrics") | .port] | sort == [9464, 9465])
	and ([$svc[] | select(sel(.spec.selector; $dsl)) | .spec.ports[0].port] == [9464])
	and ([$svc[] | select(sel(.spec.selector; $depl)) | .spec.ports[0].port] == [9465])'

has_args args/no-k8s no-k8s --no-k8s --policy-dir=/etc/tpc/policies/objs
lacks_args args/no-k8s-no-metrics no-k8s --metrics-addr --cgroup-root
ok ds/no-k8s "without kubernetes: token still mounted, probes or metrics Service still rendered" no-k8s '
	pod.automountServiceAccountToken == false and ctr.readinessProbe == null and ctr.ports == null
	and (kind("Service") | length == 0)'
ok policies/image-volume "policies.image.mode=volume is not an image volume" no-k8s '
	any(pod.volumes[]; .name == "policies" and .image.reference == "registry.example/policies:latest")
	and mounted("policies"; "/etc/tpc/policies")'
ok policies/image-init "policies from an image: no initContainer copying into the policy directory" image-init '
	(pod.initContainers[0] | .image == "registry.example/policies:latest"
		and .command == ["/bin/sh", "-c", "cp -f /objs/*.bpf.o /tpc-policies/"]
		and .volumeMounts[0].name == "policies" and .volumeMounts[0].mountPath == "/tpc-policies")
	and any(pod.volumes[]; .name == "policies" and .emptyDir == {})
	and mounted("policies"; "/etc/tpc/policies")'
lacks_args args/image-init-no-pin-no-export image-init --pin --export-

# tpc-controller: its Deployment, least-privilege RBAC, and the ConfigMaps
# it writes being the ones the DaemonSet projects into the policy directory
CDEFS='def dep: map(select(.kind == "Deployment")) | if length == 1 then .[0] else error("not one Deployment") end;
	def cpod: dep.spec.template.spec; def cctr: cpod.containers[0];
	def ctl($k): map(select(.kind == $k and .metadata.labels["app.kubernetes.io/component"] == "controller"));
	def arg($f): [cctr.args[] | select(startswith("--" + $f + "=")) | sub("^--" + $f + "="; "")] | first;'
cok() { # cok TEST WHAT NAME JQ : ok with the controller definitions
	local test=$1 what=$2 name=$3
	shift 3
	if jq -e -s "$DEFS $CDEFS $*" "$T/$name.jsonl" >/dev/null 2>&1; then pass "$test"; else fail "$test" "$name: $what"; fi
}
cok controller/deployment "no Deployment running tpc-controller unprivileged under its own account" default '
	cpod.serviceAccountName == "tpc-controller" and cpod.automountServiceAccountToken == true
	and cpod.securityContext.runAsNonRoot == true and cctr.securityContext.readOnlyRootFilesystem == true
	and cctr.securityContext.allowPrivilegeEscalation == false and cctr.securityContext.capabilities.drop == ["ALL"]
	and (cctr.securityContext.privileged // false) == false and (cpod.hostPID // false) == false
	and all(cpod.volumes[]; .hostPath == null)
	and any(cpod.volumes[]; .name == "tmp" and .emptyDir != null) and any(cctr.volumeMounts[]; .mountPath == "/tmp")
	and cctr.image == "tpc-controller:'"$(cat VERSION)"'" and dep.spec.replicas == 1'
cok controller/own-pod-labels "the DaemonSet selector matches the controller pods" default '
	(ds.spec.selector.matchLabels) as $sel | (dep.spec.template.metadata.labels) as $l
	| ([$sel | to_entries[] | $l[.key] == .value] | all | not)
	and ([dep.spec.selector.matchLabels | to_entries[] | $l[.key] == .value] | all)'
cok controller/args-default "default flags" default '
	arg("namespace") == "$(POD_NAMESPACE)" and arg("id") == "$(POD_NAME)"
	and arg("configmap-prefix") == "tpc-objects" and arg("configmaps") == "4"
	and arg("configmap-bytes") == "1032192" and arg("lease") == "tpc-controller" and arg("lease-seconds") == "15"
	and arg("tmpdir") == "/tmp" and arg("sign-key") == null and arg("label-selector") == null
	and any(cctr.env[]; .name == "POD_NAME" and .valueFrom.fieldRef.fieldPath == "metadata.name")
	and any(cctr.env[]; .name == "POD_NAMESPACE" and .valueFrom.fieldRef.fieldPath == "metadata.namespace")'
cok controller/args-all-options "all-options flags, signing key Secret mounted where --sign-key points" all-options '
	arg("label-selector") == "!tetragon.io/agent" and arg("configmap-prefix") == "tpc-all-compiled"
	and arg("configmaps") == "2" and arg("configmap-bytes") == "500000" and arg("lease-seconds") == "20"
	and arg("compile-timeout") == "60" and arg("sign-key") == "/etc/tpc/controller-signing/ci.key"
	and ([cctr.args[] | select(startswith("--tpc-arg="))] == ["--tpc-arg=--kernel", "--tpc-arg=6.1"])
	and any(cctr.args[]; . == "-v") and dep.spec.replicas == 2
	and cctr.image == "registry.example/tpc-controller:9.9.9"
	and any(cpod.volumes[]; .name == "signing" and .secret.secretName == "tpc-ci-signing")
	and any(cctr.volumeMounts[]; .name == "signing" and .mountPath == "/etc/tpc/controller-signing" and .readOnly)'
cok controller/probes-default "no metrics port, or the probes are not /readyz and /healthz on it" default '
	arg("metrics-addr") == ":2113" and arg("event-interval") == "300" and arg("stall-seconds") == null
	and cctr.ports == [{"name": "metrics", "containerPort": 2113, "protocol": "TCP"}]
	and cctr.readinessProbe == {"httpGet": {"path": "/readyz", "port": "metrics"}, "initialDelaySeconds": 2,
		"periodSeconds": 10, "failureThreshold": 3}
	and cctr.livenessProbe == {"httpGet": {"path": "/healthz", "port": "metrics"}, "initialDelaySeconds": 30,
		"periodSeconds": 20, "failureThreshold": 3}
	and any(kind("Service")[]; .metadata.name == "tpc-controller-metrics" and .spec.ports[0].port == 2113)'
cok controller/probes-all-options "controller.metrics, stallSeconds, eventIntervalSeconds or the probe values not applied" all-options '
	arg("metrics-addr") == ":9465" and arg("stall-seconds") == "200" and arg("event-interval") == "600"
	and cctr.readinessProbe.periodSeconds == 5 and cctr.livenessProbe.failureThreshold == 4
	and cctr.livenessProbe.httpGet.path == "/healthz"'
cok controller/quiet "controller.metrics.enabled=false still serves or probes, or Events still allowed" controller-quiet '
	arg("metrics-addr") == null and arg("event-interval") == "0" and cctr.ports == null
	and cctr.readinessProbe == null and cctr.livenessProbe == null
	and all(kind("Service")[]; .metadata.labels["app.kubernetes.io/component"] != "controller")
	and (kind("ServiceMonitor") | length == 1)
	and all(ctl("ClusterRole")[].rules[]; .apiGroups != ["events.k8s.io"])'
for vs in default all-options; do
	cok "controller/rbac-least-privilege-$vs" "the controller may do more than read policies, patch their status, create Events and write its own ConfigMaps and Lease" "$vs" '
		(ctl("ClusterRole")) as $cr | (ctl("Role")) as $r | (arg("configmap-prefix")) as $p
		| (cpod.serviceAccountName) as $sa
		| ([range(0; arg("configmaps") | tonumber) | "\($p)-\(.)"]) as $names
		| ($cr | length == 1) and ($r | length == 1)
		and $cr[0].rules == [
			{"apiGroups": ["cilium.io"], "resources": ["tracingpolicies", "tracingpoliciesnamespaced"], "verbs": ["get", "list", "watch"]},
			{"apiGroups": ["cilium.io"], "resources": ["tracingpolicies/status", "tracingpoliciesnamespaced/status"], "verbs": ["patch"]},
			{"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create"]}]
		and $r[0].rules == [
			{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]},
			{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": $names, "verbs": ["get", "update"]},
			{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
			{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": [arg("lease")], "verbs": ["get", "update"]}]
		and $r[0].metadata.namespace == "tpc-test"
		and ([ctl("ClusterRoleBinding")[], ctl("RoleBinding")[]] | length == 2 and all(.subjects == [{"kind": "ServiceAccount",
			"name": $sa, "namespace": "tpc-test"}]))
		and ([ctl("ClusterRoleBinding")[].roleRef.name] == [$cr[0].metadata.name])
		and ([ctl("RoleBinding")[].roleRef | .kind + "/" + .name] == ["Role/" + $r[0].metadata.name])
		and (pod.serviceAccountName != cpod.serviceAccountName)
		# what the controller writes is what the loader gets
		and ([pod.volumes[] | select(.name == "policies") | .projected.sources[1:][].configMap.name] == $names)'
done
if [ -x "${CTL:-$ROOT/$BUILD/tpc-controller}" ]; then
	chelp=$("${CTL:-$ROOT/$BUILD/tpc-controller}" --help 2>&1)
	unknown=
	for a in $(jq -s -r "$DEFS $CDEFS cctr.args[]" "$T/all-options.jsonl" "$T/default.jsonl" 2>/dev/null | sed 's/=.*//' | sort -u); do
		grep -qE -- "(^|[ ,])$a([ ,=]|$)" <<<"$chelp" || unknown+=" $a"
	done
	if [ -z "$unknown" ]; then pass controller/known-flags; else fail controller/known-flags "tpc-controller --help lacks:$unknown"; fi
else
	skip controller/known-flags "no tpc-controller binary"
fi

# NOTES.txt (helm template skips it): rendered through tpl in a copy of
# the chart, for each policy source.
cp -r "$CHART" "$T/notes-chart"
mv "$T/notes-chart/templates/NOTES.txt" "$T/notes-chart/NOTES.txt"
printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: notes}' 'data:' \
	'  notes: {{ tpl (.Files.Get "NOTES.txt") . | quote }}' >"$T/notes-chart/templates/zz-notes.yaml"
notes() { # notes TEST PATTERN [helm args]: the rendered NOTES say PATTERN
	local test=$1 pat=$2
	shift 2
	if "$HELM" template tpc "$T/notes-chart" -n tpc-test --show-only templates/zz-notes.yaml "$@" 2>"$T/notes.err" |
		"$Y2J" | jq -r .data.notes >"$T/notes.txt" && grep -qF -- "$pat" "$T/notes.txt"; then
		pass "$test"
	else
		fail "$test" "NOTES lack '$pat': $(head -c 300 "$T/notes.txt" "$T/notes.err")"
	fi
}
notes notes/configmap "kubectl -n tpc-test create configmap tpc-policies --from-file=out/"
notes notes/controller "publishes it in ConfigMaps tpc-objects-0..3"
notes notes/controller-selector "every TracingPolicy matching '!tetragon.io/agent'" --set 'controller.labelSelector=!tetragon.io/agent'
notes notes/image "objects come from image registry.example/p:1 (initContainer)" \
	--set controller.enabled=false --set policies.source=image --set policies.image.repository=registry.example/p --set policies.image.tag=1
notes notes/hostpath "objects are read from /var/lib/tpc/policies on each node" --set policies.source=hostPath \
	--set controller.enabled=false
notes notes/signature "are refused (--require-signature)" --set signature.enabled=true --set signature.publicKey=k \
	--set controller.signing.existingSecret=s

# Values the schema or the templates must refuse.
refuse() { # refuse TEST PATTERN [helm args]: helm template fails, saying PATTERN
	local test=$1 pat=$2
	shift 2
	if "$HELM" template tpc "$CHART" "$@" >/dev/null 2>"$T/refuse.err"; then
		fail "$test" "helm template accepted $*"
	elif grep -q -- "$pat" "$T/refuse.err"; then
		pass "$test"
	else
		fail "$test" "$(head -3 "$T/refuse.err")"
	fi
}
refuse values/typo "Additional property ringkb" --set loader.ringkb=512
refuse values/ring-power-of-two "ringKb" --set loader.ringKb=300
refuse values/event-type "eventTypes" --set 'export.allowList.eventTypes={process_bogus}'
refuse values/signature-needs-key "signature.publicKey" --set signature.enabled=true \
	--set controller.signing.existingSecret=s
refuse values/signature-needs-controller-key "controller.signing.existingSecret" --set signature.enabled=true \
	--set signature.publicKey=k
refuse values/controller-needs-configmap "controller.enabled needs policies.source=configMap" \
	--set policies.source=hostPath
refuse values/controller-typo "Additional property configmaps" --set controller.configmaps=3
refuse values/controller-too-many "configMaps" --set controller.configMaps=65
refuse values/image-volume-kube-version "needs Kubernetes 1.31" --kube-version 1.30.0 \
	--set controller.enabled=false --set policies.source=image --set policies.image.repository=r --set policies.image.mode=volume

# The chart packages (what `helm push` or a chart repository would carry),
# with its CRDs.
if "$HELM" package "$CHART" -d "$T/pkg" >"$T/pkg.out" 2>&1 &&
	"$HELM" show crds "$T/pkg/tpc-$(cat VERSION).tgz" | "$Y2J" | jq -e -s 'length == 2' >/dev/null; then
	pass chart/package
else
	fail chart/package "$(head -3 "$T/pkg.out")"
fi

# The CI path of docs/kubernetes.md, offline: tpc build an object,
# `kubectl create configmap --from-file --dry-run=client` (kubectl 1.31 from
# the same npm package), the ConfigMap's binaryData given to the chart
# (policies.configMap.create), rendered back byte for byte. The policy only
# observes a binary that does not exist: other tests run on this machine.
KUBECTL=${HELM%/helm/helm}/kubectl/kubectl
ship_object() {
	mkdir -p "$T/objs"
	cat >"$T/observe.yaml" <<'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: helm-deploy-observe}
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    selectors:
    - matchBinaries: [{operator: In, values: ["/nonexistent/helm-deploy-test"]}]
EOF
	if ! "$TPC" build "$T/observe.yaml" -o "$T/objs/helm-observe.bpf.o" >"$T/build.err" 2>&1; then
		fail policies/kubectl-configmap "tpc build: $(tail -2 "$T/build.err")"
		return 1
	fi
	if "$KUBECTL" create configmap tpc-policies --from-file="$T/objs/" --dry-run=client -o yaml \
		>"$T/cm.yaml" 2>"$T/kubectl.err" &&
		"$Y2J" "$T/cm.yaml" | jq '{policies: {configMap: {create: true, binaryData: .binaryData}}}' >"$T/cm-values.json" &&
		render objs -f "$T/cm-values.json" &&
		jq -r -s 'map(select(.kind == "ConfigMap" and .metadata.name == "tpc-policies"))[0].binaryData["helm-observe.bpf.o"]' \
			"$T/objs.jsonl" | base64 -d >"$T/shipped.bpf.o" && cmp -s "$T/shipped.bpf.o" "$T/objs/helm-observe.bpf.o"; then
		pass policies/kubectl-configmap
	else
		fail policies/kubectl-configmap "object not shipped intact: $(head -c 300 "$T/kubectl.err")"
		return 1
	fi
}

# The real loader accepts the chart's command line: rendered with node
# paths moved into a temp dir, metrics on loopback (the pod binds 0.0.0.0),
# no API server (--no-k8s), the shipped object in the policy directory, it
# starts, loads the object, answers the probes' GET /healthz and writes an
# exec event to the export file. Kubernetes flags the loader lacks yet are
# left out.
live_loader() {
	local port=$((20000 + $$ % 20000)) pin=/sys/fs/bpf/tpc-deploy-test-$$ pid a i cmd=()
	mkdir -p "$T/live-policies" "$T/live-export"
	cp "$T/shipped.bpf.o" "$T/live-policies/helm-observe.bpf.o"
	render live --set kubernetes.enabled=false --set policies.source=hostPath --set controller.enabled=false \
		--set policies.mountPath="$T/live-policies" \
		--set export.hostPath="$T/live-export" --set loader.pinPath="$pin" --set metrics.port=$port
	while IFS= read -r a; do
		case $a in
		--metrics-addr=*) a=--metrics-addr=127.0.0.1:$port ;;
		--node-name=*) a=--node-name=helm-test-node ;;
		esac
		for i in $k8s_missing; do [ "${a%%=*}" = "$i" ] && continue 2; done
		cmd+=("$a")
	done < <(args live)
	echo "${cmd[*]}" >"$T/live.cmd"
	"$LOADER" "${cmd[@]}" >"$T/live.out" 2>"$T/live.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "ready in" "$T/live.err" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	/bin/true helm-live-$$
	sleep 0.5
	local health
	health=$(curl -s -m 5 "http://127.0.0.1:$port/healthz")
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "$pin"
	if [ "$health" = ok ] && grep -q "\"arguments\":\"helm-live-$$\"" "$T/live-export/tpc.log" &&
		grep -q "loaded 'helm-observe.bpf.o'" "$T/live.err"; then
		pass loader/chart-command-line
	else
		fail loader/chart-command-line "healthz '$health'; $(cat "$T/live.cmd"); $(tail -3 "$T/live.err")"
	fi
}

# Every flag the chart passes exists in tpc-loader (run --help). The
# Kubernetes flags come with pod identity (the k8s-id work): until the
# loader has them this is a SKIP naming them.
k8s_flags='--no-k8s --k8s-api --k8s-ca --k8s-token-file --cgroup-root'
k8s_missing=
if [ -x "${LOADER:-}" ]; then
	help=$("$LOADER" run --help 2>&1)
	unknown=
	for a in $(cat <(args default) <(args all-options) <(args no-k8s) | grep '^-' | sed 's/=.*//' | sort -u); do
		grep -qE -- "(^|[ ,])$a([ ,=]|$)" <<<"$help" || unknown+=" $a"
	done
	others=$(tr ' ' '\n' <<<"$unknown" | grep -vxF -f <(tr ' ' '\n' <<<"$k8s_flags") | tr -d '\n')
	if [ -z "$unknown" ]; then
		pass args/known-flags
	elif [ -z "$others" ]; then
		skip args/known-flags "this tpc-loader lacks the Kubernetes flags:$unknown"
		k8s_missing=$unknown
	else
		fail args/known-flags "tpc-loader run --help does not know:$unknown"
	fi
	if ! [ -x "${TPC:-}" ]; then
		skip policies/kubectl-configmap "no tpc binary"
		skip loader/chart-command-line "no tpc binary"
	elif ! ship_object; then
		skip loader/chart-command-line "no object shipped"
	elif [ "$(id -u)" != 0 ]; then
		skip loader/chart-command-line "needs root"
	else
		live_loader
	fi
else
	skip args/known-flags "no tpc-loader binary"
fi

# CRDs installable by the chart, and the plain manifests generated from it.
if "$HELM" show crds "$CHART" >"$T/show-crds.yaml" 2>"$T/show.err" && "$Y2J" "$T/show-crds.yaml" >"$T/show-crds.jsonl" &&
	[ "$(jq -r .spec.names.kind "$T/show-crds.jsonl" | sort | tr '\n' ' ')" = "TracingPolicy TracingPolicyNamespaced " ]; then
	pass chart/crds
else
	fail chart/crds "helm show crds does not list both CRDs: $(head -2 "$T/show.err")"
fi
if bash scripts/gen-manifests.sh manifests "$T/gen" 2>"$T/gen-man.err" &&
	diff -u deploy/manifests/tpc.yaml "$T/gen/deploy/manifests/tpc.yaml" >"$T/man.diff"; then
	pass manifests/fresh
else
	fail manifests/fresh "stale: run make deploy-manifests ($(head -c 300 "$T/man.diff" "$T/gen-man.err"))"
fi
if "$Y2J" deploy/manifests/tpc.yaml >"$T/man.jsonl" &&
	[ "$(jq -r .kind "$T/man.jsonl" | sort | tr '\n' ' ')" = "ClusterRole ClusterRole ClusterRoleBinding ClusterRoleBinding ConfigMap DaemonSet Deployment Role RoleBinding Service Service ServiceAccount ServiceAccount " ]; then
	pass manifests/objects
else
	fail manifests/objects "deploy/manifests/tpc.yaml: $(jq -r .kind "$T/man.jsonl" 2>&1 | tr '\n' ' ')"
fi
