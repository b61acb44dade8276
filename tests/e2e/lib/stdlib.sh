# Helpers for the stdlib-policies tests (sourced after lib.sh).
# host_loadable FILE: succeeds when every program of the policy has a
# variant other than BPF LSM (this host has no BPF LSM, and the loader
# refuses a whole object if one program cannot attach). LSM-only policies
# are tested in the VM matrix (tests/vm).
host_loadable() {
	"$TPC" explain "$1" 2>/dev/null | awk '
		/^program /        { if (np && !other) bad = 1; np = 1; other = 0 }
		/^    prio [0-9]+ / { if ($3 !~ /^lsm\//) other = 1 }
		END                { if (!np || !other) bad = 1; exit bad }'
}
# stdlib_group GROUP: prints the host-loadable policies of the group, one per line
stdlib_group() {
	local f
	for f in "$E2E_ROOT"/stdlib-policies/"$1"/*.yaml; do
		host_loadable "$f" && echo "$f"
	done
	return 0
}
