/* path.bpf.h - canonical path of a (dentry, vfsmount) in BPF, like d_path()
 * but usable from any program type (tp_btf, tracepoints, cgroup hooks).
 *
 * Contract: tpc_resolve_path() writes "/a/b/c" (no NUL) into pb->tmp and
 * returns its length (at most TPC_PATH_MAX - 1), setting *trunc when the
 * path was longer or deeper than PATH_DEPTH components.  Mount crossings
 * follow mnt_parent/mnt_mountpoint up to the root of the mount tree (like
 * d_path from the global root, not the task's chroot).  Both loops are
 * bpf_loop callbacks whose state does not depend on the step number, so the
 * verifier's work stays small (measured: verifying the base exec program took
 * 233 ms while the step count was part of the loop state, 8 ms without).
 * Built with TPC_NO_BPF_LOOP (for 5.10), the steps are global functions.
 * Needs vmlinux.h, bpf_helpers.h, bpf_core_read.h and tpc_abi.h included
 * first.
 */
#ifndef TPC_PATH_BPF_H
#define TPC_PATH_BPF_H

#define PATH_DEPTH 128 /* path steps walked before giving up (mask 127) */

/* A mask the compiler cannot drop: the verifier needs to see the bound on
 * the register that reaches the helper call. */
#define BOUND(x, mask) asm volatile("%0 &= " #mask : "+r"(x))

struct tpc_pathbuf {
	char tmp[2 * TPC_PATH_MAX];
	/* step i of the walk: a component name, or NULL for a mount crossing */
	const unsigned char *names[PATH_DEPTH];
};

struct tpc_walk_ctx {
	struct tpc_pathbuf *s;
	struct dentry *dentry;
	struct mount *mnt;
	__u32 steps; /* slots of s->names used */
	__u32 off;   /* bytes written to s->tmp */
	__u32 trunc;
};

/* One step up: a dentry to its parent, or across a mount to its mountpoint.
 * Returns 1 (stop) at the root of the whole tree.  Nothing here depends on
 * the step number except through the callback's unknown index i, so the
 * verifier sees every iteration as the same state and converges at once. */
static __always_inline long tpc_walk_step_into(__u32 i, struct tpc_walk_ctx *c,
						struct tpc_pathbuf *pb)
{
	/* locals, not c->...: CO-RE relocates field accesses of kernel types */
	struct dentry *dentry = c->dentry;
	struct mount *mnt = c->mnt;
	struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	__u32 slot = i;

	BOUND(slot, 127);
	if (dentry == root || dentry == parent) {
		struct mount *mparent;

		if (dentry != root)
			return 1;
		mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (mparent == mnt)
			return 1;
		pb->names[slot] = NULL;
		c->steps = slot + 1;
		c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = mparent;
		return 0;
	}
	pb->names[slot] = BPF_CORE_READ(dentry, d_name.name);
	c->steps = slot + 1;
	c->dentry = parent;
	if (slot == PATH_DEPTH - 1)
		c->trunc = 1;
	return 0;
}

/* Append the names root first: "/" name, bounded by TPC_PATH_MAX. */
static __always_inline long tpc_emit_step_into(__u32 i, struct tpc_walk_ctx *c,
						struct tpc_pathbuf *pb)
{
	__u32 j = c->steps - 1 - i, o;
	const unsigned char *name;
	long r;

	BOUND(j, 127);
	name = pb->names[j];
	if (!name)
		return 0;
	if (c->off >= TPC_PATH_MAX - 1) {
		c->trunc = 1;
		return 1;
	}
	o = c->off;
	BOUND(o, 255);
	pb->tmp[o] = '/';
	o = ++c->off;
	BOUND(o, 255);
	r = bpf_probe_read_kernel_str(&pb->tmp[o], TPC_PATH_MAX, name);
	if (r > 1)
		c->off += r - 1;
	return 0;
}

/* The end of a walk: the root alone is "/", the length is capped. */
static __always_inline __u32 tpc_path_finish(struct tpc_walk_ctx *c, char *tmp, __u32 *trunc)
{
	if (c->off == 0) {
		tmp[0] = '/';
		c->off = 1;
	}
	if (c->off > TPC_PATH_MAX - 1) {
		c->off = TPC_PATH_MAX - 1;
		c->trunc = 1;
	}
	if (c->trunc)
		*trunc = 1;
	return c->off;
}

#ifndef TPC_NO_BPF_LOOP
static long tpc_walk_step(__u32 i, struct tpc_walk_ctx *c)
{
	return tpc_walk_step_into(i, c, c->s);
}

static long tpc_emit_step(__u32 i, struct tpc_walk_ctx *c)
{
	return tpc_emit_step_into(i, c, c->s);
}

/* Resolve (dentry, vfsmount) to an absolute path in s->tmp, walking dentries
 * up to each mount root and then crossing to the parent mount, like d_path()
 * but bounded.  bpf_loop keeps the verifier's work independent of the depth.
 * Returns the length (no NUL); sets *trunc when the path was cut. */
static __always_inline __u32 tpc_resolve_path(struct tpc_pathbuf *s, struct dentry *dentry,
					      struct vfsmount *vfsmnt, __u32 *trunc)
{
	struct tpc_walk_ctx c = {
		.s = s,
		.dentry = dentry,
		.mnt = container_of(vfsmnt, struct mount, mnt),
	};

	bpf_loop(PATH_DEPTH, tpc_walk_step, &c, 0);
	c.off = 0;
	bpf_loop(c.steps, tpc_emit_step, &c, 0);
	return tpc_path_finish(&c, s->tmp, trunc);
}
#else
/* Kernels without bpf_loop() (5.10; the loader picks this build of the
 * base sensor there). The walk's state and buffers live in a per-CPU map,
 * which the verifier does not track, and each step is a global function,
 * verified once on its own; the bounded loops around them are calls with
 * unknown results, linear to verify. The path is copied to s->tmp. */
struct tpc_walk_g {
	struct tpc_walk_ctx c;
	struct tpc_pathbuf pb;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tpc_walk_g);
} tpc_walk_map SEC(".maps");

__noinline long tpc_walk_step_g(__u32 i)
{
	__u32 zero = 0;
	struct tpc_walk_g *g = bpf_map_lookup_elem(&tpc_walk_map, &zero);

	return g ? tpc_walk_step_into(i, &g->c, &g->pb) : 1;
}

__noinline long tpc_emit_step_g(__u32 i)
{
	__u32 zero = 0;
	struct tpc_walk_g *g = bpf_map_lookup_elem(&tpc_walk_map, &zero);

	return g ? tpc_emit_step_into(i, &g->c, &g->pb) : 1;
}

static __always_inline __u32 tpc_resolve_path(struct tpc_pathbuf *s, struct dentry *dentry,
					      struct vfsmount *vfsmnt, __u32 *trunc)
{
	__u32 zero = 0, n, len;
	struct tpc_walk_g *g = bpf_map_lookup_elem(&tpc_walk_map, &zero);

	if (!g) {
		s->tmp[0] = '/';
		*trunc = 1;
		return 1;
	}
	g->c.s = NULL;
	g->c.dentry = dentry;
	g->c.mnt = container_of(vfsmnt, struct mount, mnt);
	g->c.steps = 0;
	g->c.off = 0;
	g->c.trunc = 0;
	for (__u32 i = 0; i < PATH_DEPTH; i++)
		if (tpc_walk_step_g(i))
			break;
	n = g->c.steps;
	g->c.off = 0;
	for (__u32 i = 0; i < PATH_DEPTH; i++) {
		if (i >= n || tpc_emit_step_g(i))
			break;
	}
	len = tpc_path_finish(&g->c, g->pb.tmp, trunc);
	BOUND(len, 255);
	bpf_probe_read_kernel(s->tmp, len + 1, g->pb.tmp);
	return len;
}
#endif

#endif
