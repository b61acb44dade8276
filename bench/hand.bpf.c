/* A hand-written specialized program for the bench's openat policy
 * (matchBinaries In [BENCH_BIN], filename Prefix BENCH_PREFIX, Post):
 * what a careful human would write without tpc. Binary membership is
 * decided once per exec (from the name as invoked) into an array indexed
 * by tgid; the path head is compared word-wise; the event goes out with
 * BPF_RB_NO_WAKEUP and is drained by `hold` every millisecond. The event
 * carries what tpc's event header carries (time, pid/tid, uid/gid, cgroup,
 * comm) and the path, so both programs do the same work for a match. The
 * product's target is tpc within 1.25x of this, per event. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define SLOTS 32768
#define STR 256

struct slot {
	u32 tgid;
	u32 bit;
};

struct scratch {
	char name[STR];
	struct { /* what the JSON event needs, as tpc's header carries */
		u64 ktime;
		u64 pid_tgid;
		u64 uid_gid;
		u64 cgroup_id;
		char comm[16];
		u32 len;
		u32 pad;
		char path[STR];
	} ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, u32);
	__type(value, struct slot);
} hand_bits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch);
} hand_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} hand_events SEC(".maps");

const volatile char bin[] = BENCH_BIN;
const volatile char prefix[] = BENCH_PREFIX;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(hand_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 zero = 0, tgid = bpf_get_current_pid_tgid() >> 32, idx = tgid & (SLOTS - 1);
	struct scratch *s = bpf_map_lookup_elem(&hand_scratch, &zero);
	struct slot *e = bpf_map_lookup_elem(&hand_bits, &idx);
	u32 bit = 1;

	if (!s || !e)
		return 0;
	if (bpf_probe_read_kernel_str(s->name, STR, BPF_CORE_READ(bprm, filename)) !=
	    sizeof(bin))
		bit = 0;
	for (int i = 0; i < (int)sizeof(bin) && bit; i++)
		if (s->name[i] != bin[i])
			bit = 0;
	e->tgid = tgid;
	e->bit = bit;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int hand_openat(struct trace_event_raw_sys_enter *ctx)
{
	u32 zero = 0, tgid = bpf_get_current_pid_tgid() >> 32, idx = tgid & (SLOTS - 1);
	struct slot *e = bpf_map_lookup_elem(&hand_bits, &idx);
	struct scratch *s;
	long len;
	u32 sz;

	if (!e || !e->bit || e->tgid != tgid)
		return 0;
	s = bpf_map_lookup_elem(&hand_scratch, &zero);
	if (!s)
		return 0;
	len = bpf_probe_read_user_str(s->ev.path, STR, (const void *)ctx->args[1]);
	if (len < (long)sizeof(prefix))
		return 0;
	/* word-wise compare of the prefix head, then the tail bytes */
	for (int i = 0; i + 8 <= (int)sizeof(prefix) - 1; i += 8)
		if (*(u64 *)&s->ev.path[i] != *(const volatile u64 *)&prefix[i])
			return 0;
	for (int i = ((int)sizeof(prefix) - 1) & ~7; i < (int)sizeof(prefix) - 1; i++)
		if (s->ev.path[i] != prefix[i])
			return 0;
	s->ev.ktime = bpf_ktime_get_boot_ns();
	s->ev.pid_tgid = bpf_get_current_pid_tgid();
	s->ev.uid_gid = bpf_get_current_uid_gid();
	s->ev.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(s->ev.comm, sizeof(s->ev.comm));
	s->ev.len = len;
	/* only the used part of the path goes out */
	sz = (u32)len;
	if (sz > STR)
		sz = STR;
	asm volatile("" : "+r"(sz)); /* keep the clamp where the verifier sees it */
	bpf_ringbuf_output(&hand_events, &s->ev, __builtin_offsetof(typeof(s->ev), path) + sz,
			   BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
