/* tpc_core.bpf.h - maps and helpers every tpc object uses: the event ring
 * buffer, counters, the per-CPU scratch area, event headers.
 *
 * Contract: generated code includes this first (via tpc.bpf.h). Events are
 * built in per-CPU scratch and copied into the ring buffer with
 * bpf_ringbuf_output(..., BPF_RB_NO_WAKEUP): a wake-up per event costs
 * microseconds on a VM, and the loader polls on a short timer instead. A
 * failed output is counted in tpc_stats[TPC_STAT_RB_DROPS]; nothing is lost
 * silently.
 */
#ifndef TPC_CORE_BPF_H
#define TPC_CORE_BPF_H

#include "tpc_kernel.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "tpc_abi.h"

#define TPC_INLINE static __always_inline

/* Argument reads: loads from the program's context (fentry/LSM u64 array,
 * kprobe pt_regs, tracepoint record) at constant offsets. The verifier
 * refuses a ctx load at a register offset ("dereference of modified ctx
 * ptr"), and clang makes one when it sinks two loads of the same shape
 * from two branches into their join with a phi for the offset (two
 * CO-RE-relocated pt_regs offsets, or ctx[0] and ctx[2]). An asm operand
 * that must be an immediate ("i") cannot become a phi, so each read stays
 * a load of its own; not volatile, so equal reads still fold. pt_regs is
 * the arch's ABI, not CO-RE: its offsets are plain constants. */
#define tpc_ctx__load(bits, ctx, off)               \
	({                                          \
		u64 __tpc_v;                        \
		asm("%0 = *(u" #bits " *)(%1 + %2)" \
		    : "=r"(__tpc_v)                 \
		    : "r"(ctx), "i"(off));          \
		__tpc_v;                            \
	})
/* fentry/fexit/LSM/tp_btf: argument i of the u64 array */
#define tpc_ctx__arg(ctx, i) tpc_ctx__load(64, ctx, 8 * (i))
/* kprobe: register argument i (0..4: di, si, dx, cx, r8 on x86-64) and the
 * return value */
#define TPC_REGS_ARG_OFF(i)                                  \
	((i) == 0 ? __builtin_offsetof(struct pt_regs, di) : \
	 (i) == 1 ? __builtin_offsetof(struct pt_regs, si) : \
	 (i) == 2 ? __builtin_offsetof(struct pt_regs, dx) : \
	 (i) == 3 ? __builtin_offsetof(struct pt_regs, cx) : \
		    __builtin_offsetof(struct pt_regs, r8))
#define tpc_regs__arg(ctx, i) tpc_ctx__load(64, ctx, TPC_REGS_ARG_OFF(i))
#define tpc_regs__rc(ctx) tpc_ctx__load(64, ctx, __builtin_offsetof(struct pt_regs, ax))

/* tpc_loop(n, step, ctx): call step(i, ctx) for i = 0.. until it returns
 * non-zero or n steps ran. bpf_loop() (5.17) verifies the step once; on
 * older targets (the compiler defines TPC_NO_BPF_LOOP from the target
 * kernel's BTF) a bounded loop does the same, verified step by step, which
 * costs instructions but no helper the kernel lacks. */
#ifdef TPC_NO_BPF_LOOP
#define tpc_loop(n, step, ctx)                           \
	do {                                             \
		for (u32 __i = 0; __i < (u32)(n); __i++) \
			if (step(__i, ctx))              \
				break;                   \
	} while (0)
#else
#define tpc_loop(n, step, ctx) bpf_loop(n, step, ctx, 0)
#endif

/* The current task as a BTF pointer (direct loads) where the kernel has
 * bpf_get_current_task_btf() (5.11); else the plain pointer, read with
 * BPF_CORE_READ by the callers that must run there. */
#ifdef TPC_NO_TASK_BTF
#define TPC_TASK_LOAD(t, field) BPF_CORE_READ(t, field)
#define tpc_current_task() ((struct task_struct *)bpf_get_current_task())
#else
#define TPC_TASK_LOAD(t, field) ((t)->field)
#define tpc_current_task() bpf_get_current_task_btf()
#endif

#ifndef TPC_RINGBUF_BYTES
#define TPC_RINGBUF_BYTES (1 << 22)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TPC_RINGBUF_BYTES);
} tpc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TPC_STAT__COUNT);
	__type(key, u32);
	__type(value, u64);
} tpc_stats SEC(".maps");

/* Per-CPU scratch: the event being built and path-walk buffers. BPF
 * programs of one CPU do not nest for the hook types tpc uses, except an
 * NMI-context perf event, which tpc does not attach. */
#ifndef TPC_ARG_BUFS
#define TPC_ARG_BUFS 4
#endif

/* The lazily read values of the running event: a prog's binary bits and
 * each argument slot's value (an integer, a string's length, a path's
 * offset in its buffer; not an iovec gather's, see compiler/emit/emit.c),
 * read the first time a test or the event needs them. They live in the scratch map, not in the prog's locals, because the
 * verifier tracks locals exactly: every combination of "read yet" flags and
 * every value a test had narrowed was a state of its own at each later
 * rule, and a fused prog with a few lazy reads and many rules multiplied
 * them past the 1M-instruction budget (difftest seed 53). Map memory is not
 * tracked: a value read back is "some number", and the branches' states
 * merge. (The same per-CPU caveat as the buffers: one prog at a time.) */
#define TPC_LZ_MAX 68
struct tpc_lazy {
	u64 v[TPC_LZ_MAX];
	s32 o[TPC_LZ_MAX];
	u8 ok[TPC_LZ_MAX];
};
#define TPC_LZ_BITS 0
#define TPC_LZ_PBITS 1
#define TPC_LZ_FBITS 2
#define TPC_LZ_SLOT(sl) (3 + (sl))
/* the length of buffer k's head (tpc_str__read_head_user): slots stop at 63 */
#define TPC_LZ_HEAD(k) (64 + (k))
/* the value of lazy slot i, computing expr the first time */
#define TPC_LAZY(i, expr) (s->lz.ok[i] ? s->lz.v[i] : (s->lz.ok[i] = 1, s->lz.v[i] = (u64)(expr)))
/* a string slot's length (-1: absent or unreadable) */
#define TPC_LAZY_LEN(i, expr) ((int)TPC_LAZY(i, (s64)(expr)))
#define tpc_lazy__reset(s) __builtin_memset((s)->lz.ok, 0, sizeof((s)->lz.ok))

struct tpc_scratch {
	u8 ev[TPC_EV_MAX];
	char path[TPC_PATH_MAX * 2]; /* binary path walk; the result ends at TPC_PATH_MAX-1 */
	char key[TPC_PATH_MAX + 8]; /* zero-padded copy for map keys (LPM: u32 bits first) */
	char abuf[TPC_ARG_BUFS][TPC_STR_MAX * 2]; /* string/path arguments, one per slot */
	struct tpc_lazy lz;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tpc_scratch);
} tpc_scratch_map SEC(".maps");

TPC_INLINE void tpc_stat__inc(u32 which)
{
	u64 *v = bpf_map_lookup_elem(&tpc_stats, &which);

	if (v)
		*v += 1;
}

TPC_INLINE struct tpc_scratch *tpc_scratch__get(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&tpc_scratch_map, &zero);
}

/* Fill the common header for the current task. */
TPC_INLINE void tpc_hdr__fill(struct tpc_ev_hdr *h, u16 kind, u32 rule)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 uid_gid = bpf_get_current_uid_gid();

	h->kind = kind;
	h->size = sizeof(*h);
	h->rule = rule;
	h->ktime = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->uid = (u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->action = 0;
	h->ret = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Send a built event of `size` bytes from scratch. */
TPC_INLINE void tpc_event__submit(struct tpc_scratch *s, u32 size)
{
	struct tpc_ev_hdr *h = (struct tpc_ev_hdr *)s->ev;

	if (size < sizeof(*h))
		size = sizeof(*h);
	if (size > TPC_EV_MAX)
		size = TPC_EV_MAX;
	h->size = size;
	if (bpf_ringbuf_output(&tpc_events, s->ev, size & (TPC_EV_MAX - 1) ?: TPC_EV_MAX,
			       BPF_RB_NO_WAKEUP))
		tpc_stat__inc(TPC_STAT_RB_DROPS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif
