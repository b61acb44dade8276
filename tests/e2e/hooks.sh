#!/bin/bash
# hooks.sh - sections, hooks and sensors of issue 14 end to end: the
# namespace a TracingPolicyNamespaced gets without metadata.namespace
# (--namespace / default, seen in the built object's metadata), documents
# that are not policies, placeholders, generated lists.
. "$(dirname "$0")/lib.sh"

# --- namespace default / --namespace -------------------------------------
cat >"$E2E_TMP/ns.yaml" <<'Y'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata:
  name: ns-default
spec:
  lsmhooks:
  - hook: file_open
Y
if "$TPC" build -o "$E2E_TMP/ns.bpf.o" "$E2E_TMP/ns.yaml" 2>"$E2E_TMP/ns.log" &&
	"$TPC" explain "$E2E_TMP/ns.bpf.o" | grep -q '"namespace": "default"' &&
	grep -q "applies to namespace 'default'" "$E2E_TMP/ns.log"; then
	pass namespace-default
else
	fail namespace-default "$(cat "$E2E_TMP/ns.log")"
fi
if "$TPC" build --namespace team-a -o "$E2E_TMP/ns2.bpf.o" "$E2E_TMP/ns.yaml" 2>/dev/null &&
	"$TPC" explain "$E2E_TMP/ns2.bpf.o" | grep -q '"namespace": "team-a"' &&
	! "$TPC" explain "$E2E_TMP/ns2.bpf.o" | grep -q '"namespace": "default"'; then
	pass namespace-flag
else
	fail namespace-flag
fi
# a bad --namespace is refused and leaves no object behind
rm -f "$E2E_TMP/ns3.bpf.o"
if ! "$TPC" build --namespace Team_A -o "$E2E_TMP/ns3.bpf.o" "$E2E_TMP/ns.yaml" 2>"$E2E_TMP/ns3.log" &&
	grep -q "not a DNS label" "$E2E_TMP/ns3.log" && [ ! -e "$E2E_TMP/ns3.bpf.o" ]; then
	pass namespace-flag-invalid
else
	fail namespace-flag-invalid
fi
# kubectl refuses -n X for an object of namespace Y; so does tpc
sed 's/  name: ns-default/  name: ns-default\n  namespace: team-b/' "$E2E_TMP/ns.yaml" >"$E2E_TMP/ns4.yaml"
if ! "$TPC" validate --namespace team-a "$E2E_TMP/ns4.yaml" 2>"$E2E_TMP/ns4.log" &&
	grep -q "does not match --namespace" "$E2E_TMP/ns4.log" &&
	"$TPC" validate --namespace team-b "$E2E_TMP/ns4.yaml" 2>/dev/null; then
	pass namespace-flag-mismatch
else
	fail namespace-flag-mismatch "$(cat "$E2E_TMP/ns4.log")"
fi

# --- a Pod next to a policy: the object holds the policy only -------------
cat "$E2E_ROOT/tests/diag/yaml-skip-non-policy.yaml" >"$E2E_TMP/mixed.yaml"
if "$TPC" build -o "$E2E_TMP/mixed.bpf.o" "$E2E_TMP/mixed.yaml" 2>/dev/null &&
	[ "$("$TPC" explain "$E2E_TMP/mixed.bpf.o" | grep -c '"kind": "TracingPolicy')" = 1 ]; then
	pass mixed-documents
else
	fail mixed-documents
fi

rm -rf "$E2E_TMP"
