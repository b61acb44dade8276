/* tpc_proc.bpf.h - which of the object's binary sets the current process's
 * executable belongs to, computed once per process image.
 *
 * Contract: before including this header, generated code defines
 *     TPC_INLINE u64 tpc_binsets__eval(struct tpc_scratch *s, int off, u32 len);
 * which evaluates every matchBinaries set of the object against the
 * canonical path at s->path[off] (len bytes, ending at TPC_PATH_MAX - 1)
 * and returns one bit per set, or defines TPC_NO_BINSETS when the
 * object has none (every binary is then in no set). Sets in inode identity
 * mode come from TPC_INLINE u64 tpc_binsets__ident(const struct
 * tpc_ident_key *k) instead (TPC_BINSETS_IDENT; with TPC_BINSETS_NO_PATH
 * when no set needs the path, and no walk is made). tpc_proc__bits() returns those bits
 * for the current process, from a direct-mapped cache indexed by tgid and
 * tagged with (tgid, self_exec_id): the kernel adds one to the exec'ing
 * task's self_exec_id at every exec, and every thread of the new image
 * inherits it, so a new image never sees an older image's bits. The mm
 * pointer, the tag before issue 16, is not enough: an exec frees
 * the old mm, and after a second exec with no event in between the new mm
 * may sit at the first one's address (the slab reuses it; tests/e2e/
 * exec_chain.sh saw a stale verdict in 28 of 30 pinned A -> B -> C chains
 * with the (tgid, mm) tag). A process that existed before the object was
 * loaded is evaluated on its first event.
 * The exit program clears the slot so a recycled pid cannot inherit bits.
 * An array lookup is inlined by the verifier, which is why this is not a
 * hash map or task storage (kernel-facts.md: ~30 ns cheaper per event).
 * The mm tag is a direct load through bpf_get_current_task_btf() (tracing
 * programs, 5.11+), not a bpf_probe_read_kernel() helper call: that call
 * was a third of the per-event cost of a rejected event (bench: 125 ns ->
 * 82-85 ns on sys_enter_openat, floor 53 ns); tgid is read from the same
 * pointer rather than through bpf_get_current_pid_tgid() (102-105 ns ->
 * 76-79 ns in another run, floor 51-54 ns).
 */
#ifndef TPC_PROC_BPF_H
#define TPC_PROC_BPF_H

#ifdef TPC_NO_BINSETS
TPC_INLINE u64 tpc_binsets__eval(struct tpc_scratch *s, int off, u32 len)
{
	return 0;
}
#endif

#include "tpc_path.bpf.h"

#define TPC_PROC_SLOTS 32768

struct tpc_proc_slot {
	u32 tgid;
	u32 pad;
	u64 exec_id; /* 0: empty (only kernel threads never exec'd, and they have no mm) */
	u64 bits;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TPC_PROC_SLOTS);
	__type(key, u32);
	__type(value, struct tpc_proc_slot);
} tpc_proc SEC(".maps");

/* The slow path: resolve the file's path and test it against every set.
 * A global function, so the verifier checks it once, on its own, rather
 * than again at every place a program asks for the bits with whatever
 * state the program is in there: with a dozen sets inlined into a fused
 * program with many rules that exceeded the 1M-instruction budget. A
 * global function may only take scalars and pointers to plain memory, and
 * 6.1 refuses such memory as a map key, so it takes the file as a number
 * and looks the per-CPU scratch up itself (the caller's buffer: it
 * overwrites s->path, as the inline version did). */
/* Which file the slow path walks: the one passed (a number, read with
 * bpf_probe_read_kernel), or the executable of the current task or of its
 * parent, reached again inside the function: from
 * bpf_get_current_task_btf() where the kernel has it, so that the walk can
 * use direct BTF loads (a global function's arguments are scalars: a BTF
 * pointer does not survive the call), else with BPF_CORE_READ. Every build
 * reads `of`: clang passes no value for an argument the body never reads
 * (dead argument elimination works on a global function whose definition
 * it sees), and the 5.10 verifier then refuses the call ("Caller passes
 * invalid args into func#1": R2 not initialised). */
#define TPC_BITS_OF_FILE 0
#define TPC_BITS_OF_CURRENT 1
#define TPC_BITS_OF_PARENT 2

#ifdef TPC_BINSETS_IDENT
/* Inode identity mode (tpc-match-binaries: inode): the sets hold the
 * (s_dev, i_ino) of the listed files, so one lookup per set replaces the
 * path walk and the hash. The inode is the one the executable was opened
 * through: on overlayfs that is the overlay's, not the layer's. */
TPC_INLINE u64 tpc_proc__ident_of(u64 dev, u64 ino)
{
	struct tpc_ident_key k = { .dev = dev, .ino = ino };

	return tpc_binsets__ident(&k);
}
#endif

__noinline u64 tpc_proc__bits_slow(u64 file, u32 of)
{
	struct file *f = (struct file *)file;
	u64 bits = 0;
#ifndef TPC_BINSETS_NO_PATH
	struct tpc_scratch *s = tpc_scratch__get();
	u32 len;
	int off;

	if (!s)
		return 0;
#endif
	if (of != TPC_BITS_OF_FILE) {
#if defined(TPC_PATH_BTF) && !defined(TPC_TESTRUN)
		struct task_struct *t = bpf_get_current_task_btf();
		struct mm_struct *mm;
		struct file *exe;

		if (of == TPC_BITS_OF_PARENT)
			t = t->real_parent;
		mm = t->mm;
		if (!mm)
			return 0;
		exe = mm->exe_file;
		if (!exe)
			return 0;
#ifdef TPC_BINSETS_IDENT
		bits = tpc_proc__ident_of(exe->f_inode->i_sb->s_dev, exe->f_inode->i_ino);
#endif
#ifdef TPC_BINSETS_NO_PATH
		return bits;
#else
		/* one evaluator below: it is inlined, a second copy would double it */
		off = tpc_path__of_file_btf(exe, s->path, &len);
		goto eval;
#endif
#else
		struct task_struct *t = (void *)bpf_get_current_task();

		if (of == TPC_BITS_OF_PARENT)
			t = BPF_CORE_READ(t, real_parent);
		/* no mm (a kernel thread): the read fails and leaves NULL */
		f = BPF_CORE_READ(t, mm, exe_file);
#endif
	}
	if (!f)
		return 0;
#ifdef TPC_BINSETS_IDENT
	bits = tpc_proc__ident_of(BPF_CORE_READ(f, f_inode, i_sb, s_dev),
				  BPF_CORE_READ(f, f_inode, i_ino));
#endif
#ifdef TPC_BINSETS_NO_PATH
	return bits;
#else
	off = tpc_path__of_file(f, s->path, &len);
#if defined(TPC_PATH_BTF) && !defined(TPC_TESTRUN)
eval:
#endif
	return bits | tpc_binsets__eval(s, off, len);
#endif
}

/* Binary bits of a file about to run (LSM bprm_check_security). */
TPC_INLINE u64 tpc_proc__bits_of_file(struct tpc_scratch *s, struct file *f)
{
	(void)s;
	return tpc_proc__bits_slow((u64)f, TPC_BITS_OF_FILE);
}

/* Bits of the image (tgid, exec_id), through the cache; mm only tells a
 * kernel thread (no mm, no binary) and leads to the executable; of says
 * whose image it is (TPC_BITS_OF_CURRENT/PARENT). */
TPC_INLINE u64 tpc_proc__bits_of(struct tpc_scratch *s, u32 tgid, struct mm_struct *mm,
				 u64 exec_id, u32 of)
{
	u32 idx = tgid & (TPC_PROC_SLOTS - 1);
	struct tpc_proc_slot *e = bpf_map_lookup_elem(&tpc_proc, &idx);
	u64 bits;

	if (!e || !mm)
		return 0; /* kernel threads run no binary */
	if (e->tgid == tgid && e->exec_id == exec_id)
		return e->bits;
	(void)s;
	bits = tpc_proc__bits_slow(0, of);
	e->tgid = tgid;
	e->exec_id = exec_id;
	e->bits = bits;
	return bits;
}

#ifdef TPC_TESTRUN
/* The case's binary (parent: its parent's) through the object's own set
 * evaluator, laid out as the path walk leaves it: ending at
 * TPC_PATH_MAX - 1. */
__noinline u64 tpc_test__bits(int parent)
{
	struct tpc_scratch *s = tpc_scratch__get();
	struct tpc_test_case *c = tpc_test__case();
	int len = parent ? c->pblen : c->blen;
	int off;
	u32 n;

	if (!s || len <= 0 || len >= TPC_PATH_MAX - 1)
		return 0;
	off = TPC_PATH_MAX - 1 - len;
	n = (u32)len;
	/* keep the mask: clang knows len's range, the verifier needs it said */
	barrier_var(n);
	n &= TPC_PATH_MASK;
	__builtin_memset(s->path, 0, TPC_PATH_MAX);
	bpf_probe_read_kernel(&s->path[off & TPC_PATH_MASK], n, parent ? c->pbin : c->bin);
	return tpc_binsets__eval(s, off, n);
}
#endif

TPC_INLINE u64 tpc_proc__bits(struct tpc_scratch *s)
{
#ifdef TPC_TESTRUN
	return tpc_test__bits(0);
#endif
	struct task_struct *t = tpc_current_task();

	/* t->tgid is what bpf_get_current_pid_tgid() >> 32 returns, without the call */
	return tpc_proc__bits_of(s, TPC_TASK_LOAD(t, tgid), TPC_TASK_LOAD(t, mm),
				 TPC_TASK_LOAD(t, self_exec_id), TPC_BITS_OF_CURRENT);
}

/* The parent process's binary bits (matchParentBinaries, parent.binary):
 * the same sets and the same cache, keyed by the parent's tgid and exec id. */
TPC_INLINE u64 tpc_proc__parent_bits(struct tpc_scratch *s)
{
#ifdef TPC_TESTRUN
	return tpc_test__bits(1);
#endif
	struct task_struct *p = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
					      real_parent);

	return tpc_proc__bits_of(s, BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, mm),
				 BPF_CORE_READ(p, self_exec_id), TPC_BITS_OF_PARENT);
}

TPC_INLINE void tpc_proc__exit(void)
{
	u32 tgid = tpc_exit__leader_tgid();
	u32 idx = tgid & (TPC_PROC_SLOTS - 1);
	struct tpc_proc_slot *e;

	if (!tgid)
		return;
	e = bpf_map_lookup_elem(&tpc_proc, &idx);
	if (e && e->tgid == tgid)
		e->exec_id = 0;
}

#endif
