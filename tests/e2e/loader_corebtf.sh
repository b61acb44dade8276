#!/bin/bash
# The per-object reduced kernel BTF (loader/core/ldr_corebtf.h) relocates
# exactly like libbpf against the full BTF: the same observe-only policies
# (stdlib and e2e, no enforcement actions: they stay loaded for a moment on
# a shared machine) and the base sensor are loaded twice, by default and
# with TPC_CORE_BTF=full, and every program the kernel accepted must carry
# the same tag (a hash of its instructions after CO-RE) in both runs.
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
EXTRA_PIDS=

POLS=$(grep -L -i 'sigkill\|override\|signal\|enforcer\|block' \
	"$ROOT"/stdlib-policies/*/*.yaml "$ROOT"/tests/e2e/policies/*.yaml)
objs=()
for p in $POLS; do
	o=$T/$(basename "$p" .yaml).bpf.o
	"$TPC" build "$p" -o "$o" 2>>"$T/build.log" && objs+=("$o")
done
[ ${#objs[@]} -ge 10 ] || { fail build "${#objs[@]} objects built: $(tail -3 "$T/build.log")"; exit 1; }

# tags MODE: "object program tag" lines of every attached program
tags() {
	if ! start_loader -o none -vv "${objs[@]}"; then
		echo "start failed: $(grep -v debug "$LERR" | tail -2)" >&2
		return 1
	fi
	sed -n "s/.*info: loaded '\([^']*\)'.*(ids \([0-9 ]*\)).*/\1 \2/p
		s/.*info: base sensor attached (ids \([0-9 ]*\)).*/base-sensor \1/p" "$LERR" |
		while read -r obj ids; do
			for id in $ids; do
				bpftool prog show id "$id" --json | jq -r --arg o "$obj" '"\($o) \(.name) \(.tag)"'
			done
		done | sort
	cp "$LERR" "$T/log.$1"
	stop_loader TERM
}

if tags reduced >"$T/tags.reduced" && TPC_CORE_BTF=full tags full >"$T/tags.full"; then
	nred=$(grep -c '\.bpf\.o: CO-RE against [0-9]* kernel BTF types' "$T/log.reduced")
	bred=$(grep -c 'base sensor: CO-RE against [0-9]* kernel BTF types' "$T/log.reduced")
	nfull=$(grep -c 'CO-RE against [0-9]* kernel BTF types' "$T/log.full")
	nprog=$(wc -l <"$T/tags.full")
	# the comparison means something only if the reduced BTF was used
	nbase=$(grep -c '^base-sensor ' "$T/tags.full")
	check "corebtf-used ($nred of ${#objs[@]} objects, base sensor $bred)" \
		test "$nred" -ge $((${#objs[@]} / 2)) -a "$nfull" = 0 -a "$nprog" -gt 0 -a "$nbase" -gt 0 -a "$bred" = 1
	if diff "$T/tags.full" "$T/tags.reduced" >"$T/tags.diff"; then
		pass "corebtf-same-programs ($nprog programs of ${#objs[@]} objects, $nred relocated against the reduced BTF)"
	else
		fail corebtf-same-programs "$(head -6 "$T/tags.diff" | tr '\n' ' ')"
	fi
	# nothing needed the fallback to the full BTF after a failure
	if grep -q 'failed with the reduced kernel BTF' "$T/log.reduced"; then
		fail corebtf-no-retry "$(grep -m2 'failed with the reduced' "$T/log.reduced")"
	else
		pass corebtf-no-retry
	fi
else
	fail corebtf-same-programs "a loader run failed"
fi
