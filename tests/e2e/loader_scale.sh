#!/bin/bash
# tpc-loader with 20 objects (each a tracepoint on another syscall, so
# other sessions' programs cannot push one tracepoint past the kernel's 64):
# all attach, RSS stays under 30 MB, start-up time is reported. Also the
# container id ("docker") of a process in a kubelet-style cgroup.
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
build_objs || { fail build-objects "$(tail -5 "$T/build.log")"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=

DIR=$T/twenty
mkdir -p "$DIR"
i=0
# syscalls with at least two arguments: the program reads args[1], and the
# kernel refuses a tracepoint program that reads past the event's fields
for sc in pread64 pwrite64 lseek mprotect munmap access kill fcntl flock ftruncate getcwd \
	rename mkdir chmod link symlink readlink setpgid truncate dup2; do
	i=$((i + 1))
	sed "s|sys_enter_openat|sys_enter_$sc|g; s|observe-openat|observe-$sc|" \
		"$ROOT/tests/e2e/objs/openat.json" >"$T/$sc.meta"
	llvm-objcopy --remove-section .tpc.meta "$OBJS/openat.bpf.o" "$T/$sc.tmp.o"
	llvm-objcopy --add-section .tpc.meta="$T/$sc.meta" --set-section-flags .tpc.meta=readonly \
		"$T/$sc.tmp.o" "$DIR/o$i-$sc.bpf.o"
	rm -f "$T/$sc.tmp.o"
done

if start_loader -o none --policy-dir "$DIR"; then
	sleep 1 # let start-up allocations settle
	ready=$(grep -o 'ready in [0-9]* ms: [0-9]* objects' "$LERR")
	n=$(echo "$ready" | awk '{print $5}')
	ms=$(echo "$ready" | awk '{print $3}')
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$LPID/status")
	anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$LPID/status")
	if [ "$n" = 20 ]; then
		pass "attach-20-objects ($ms ms to ready, load average $(cut -d' ' -f1 /proc/loadavg))"
	else
		fail attach-20-objects "$(grep -c refused "$LERR") refused: $(grep refused "$LERR" | head -2)"
	fi
	if [ -n "${TPC_SAN:-}" ]; then
		skip rss-20-objects-under-30mb "ASan build: shadow memory and redzones inflate RSS"
	elif [ "$rss" -lt 30720 ]; then
		pass "rss-20-objects-under-30mb ($rss kB, anonymous $anon kB)"
	else
		fail rss-20-objects-under-30mb "$rss kB"
	fi
	stop_loader TERM
	check scale-sigterm-0 test "$LRC" = 0
else
	fail attach-20-objects "$(tail -3 "$LERR")"
fi

# --- docker id from a kubelet-style cgroup v2 path
CG=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
POD=$CG/tpc-e2e-$$.slice/kubepods-pod$$.slice
LEAF=$POD/cri-containerd-$ID.scope
if [ -z "$CG" ] || ! mkdir -p "$LEAF" 2>/dev/null; then
	skip docker-id "cannot create a cgroup v2 directory"
	exit 0
fi
if start_loader "$OBJS/connect4.bpf.o"; then
	# a child moves itself into the container cgroup, then execs
	bash -c "echo \$\$ >'$LEAF/cgroup.procs' && exec /usr/bin/printf tpc-docker-probe" >/dev/null
	wait_for "$LOUT" 'tpc-docker-probe'
	stop_loader TERM
	check docker-id jq_any "$LOUT" \
		'.process_exec.process.arguments == "tpc-docker-probe" and .process_exec.process.docker == "'"${ID:0:31}"'"'
	# only the process inside the container cgroup carries the id
	only=$(jq -c -s '[.[] | .. | objects | select(has("docker")) | .arguments] | unique' "$LOUT")
	check docker-id-only-inside test "$only" = '["tpc-docker-probe"]'
else
	fail docker-id "$(tail -3 "$LERR")"
fi
rmdir "$LEAF" "$POD" "$CG/tpc-e2e-$$.slice" 2>/dev/null
exit 0
