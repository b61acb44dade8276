/* tpc_path.bpf.h - canonical path of a struct path, resolved in BPF.
 *
 * Contract: tpc_path__resolve(p, s) walks from p->dentry up to the root of
 * the task's mount tree, crossing mount points, and leaves the absolute
 * path NUL-terminated in buf (2 * TPC_PATH_MAX bytes), ending at
 * buf[TPC_PATH_MAX - 1]. It
 * returns the offset of the first byte and stores the length in *len.
 * This is the canonical path of the object (no symlinks, no "..", no "//"),
 * so it cannot be dodged the way a syscall's path string can. Paths deeper
 * than TPC_PATH_DEPTH components or longer than TPC_PATH_MAX - 1 bytes are
 * cut at the root side and counted in TPC_STAT_PATH_TRUNC; the result then
 * does not start with '/'. Deleted files keep their last name.
 *
 * Walks with bpf_loop (5.17+) or, for older targets, a bounded loop
 * (tpc_loop in tpc_core.bpf.h).
 *
 * Why backwards: names are known leaf-first, so each is written just before
 * the previous one; all offsets are masked with TPC_PATH_MAX-1 inside a
 * buffer of 2*TPC_PATH_MAX bytes so the verifier can prove every access in
 * bounds without tracking the exact value.
 */
#ifndef TPC_PATH_BPF_H
#define TPC_PATH_BPF_H

#include "tpc_core.bpf.h"

#ifndef TPC_PATH_DEPTH
#define TPC_PATH_DEPTH 40
#endif

#define TPC_PATH_MASK (TPC_PATH_MAX - 1)

struct tpc_path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	char *buf;
	u32 pos;
	bool done;
};

/* One step of the walk: one name, or one mount crossing. bpf_loop() runs
 * the body once through the verifier, where an unrolled or bounded loop of
 * TPC_PATH_DEPTH steps explodes its state count. */
TPC_INLINE long tpc_path__step_into(struct tpc_path_walk *w, char *buf)
{
	/* plain locals: BPF_CORE_READ must only see kernel types */
	struct dentry *dentry = w->dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	u32 nlen, pos = w->pos;

	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	if (dentry == mnt_root) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt || !up) {
			w->done = true;
			return 1;
		}
		/* continue from the mount point in the parent mount */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	parent = BPF_CORE_READ(dentry, d_parent);
	if (parent == dentry || !parent) {
		w->done = true;
		return 1;
	}
	nlen = BPF_CORE_READ(dentry, d_name.len);
	name = BPF_CORE_READ(dentry, d_name.name);
	if (nlen > 255)
		nlen = 255;
	if (nlen + 1 > pos)
		return 1; /* too long: keep the leaf side */
	pos -= nlen;
	bpf_probe_read_kernel(&buf[pos & TPC_PATH_MASK], nlen & 255, name);
	pos -= 1;
	buf[pos & TPC_PATH_MASK] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/* The walk's end: the root alone becomes "/", the offset is masked. */
TPC_INLINE int tpc_path__finish(char *buf, u32 pos, u32 *len)
{
	if (pos == TPC_PATH_MAX - 1) {
		/* the root itself */
		pos -= 1;
		buf[pos & TPC_PATH_MASK] = '/';
	}
	pos &= TPC_PATH_MASK;
	*len = TPC_PATH_MAX - 1 - pos;
	return pos;
}

#ifndef TPC_NO_BPF_LOOP
static long tpc_path__step(u32 i, void *ctx)
{
	struct tpc_path_walk *w = ctx;

	return tpc_path__step_into(w, w->buf);
}

TPC_INLINE int tpc_path__resolve_parts(struct dentry *dentry, struct vfsmount *vfsmnt,
				       char *buf, u32 *len)
{
	struct tpc_path_walk w = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt),
		.buf = buf,
		.pos = TPC_PATH_MAX - 1,
		.done = false,
	};

	buf[TPC_PATH_MAX - 1] = '\0';
	bpf_loop(TPC_PATH_DEPTH, tpc_path__step, &w, 0);
	if (!w.done)
		tpc_stat__inc(TPC_STAT_PATH_TRUNC);
	return tpc_path__finish(buf, w.pos, len);
}
#else
/* Kernels without bpf_loop() (5.10). A bounded loop over the inline step
 * keeps the walk's state (pos, done) in registers and stack, which the
 * verifier tracks exactly, so the states of the branches never merge and
 * 40 steps exceed the 1M-instruction budget (measured on 5.10 and 6.1).
 * Here the state and the buffer live in a per-CPU map, whose contents the
 * verifier does not track, and each step is a global function, verified
 * once on its own: the loop around it is 40 calls with unknown results,
 * linear to verify. The result is copied into the caller's buffer. */
struct tpc_path_walk_g {
	struct tpc_path_walk w;
	char buf[TPC_PATH_MAX * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tpc_path_walk_g);
} tpc_path_walk_map SEC(".maps");

__noinline long tpc_path__step_g(void)
{
	u32 zero = 0;
	struct tpc_path_walk_g *g = bpf_map_lookup_elem(&tpc_path_walk_map, &zero);

	if (!g)
		return 1;
	return tpc_path__step_into(&g->w, g->buf);
}

TPC_INLINE int tpc_path__resolve_parts(struct dentry *dentry, struct vfsmount *vfsmnt,
				       char *buf, u32 *len)
{
	u32 zero = 0, pos, n;
	struct tpc_path_walk_g *g = bpf_map_lookup_elem(&tpc_path_walk_map, &zero);

	if (!g) {
		/* cannot happen (one per-CPU slot); an empty name, not garbage */
		buf[TPC_PATH_MAX - 1] = '\0';
		*len = 0;
		return TPC_PATH_MAX - 1;
	}
	g->w.dentry = dentry;
	g->w.vfsmnt = vfsmnt;
	g->w.mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	g->w.buf = NULL; /* the step writes g->buf */
	g->w.pos = TPC_PATH_MAX - 1;
	g->w.done = false;
	g->buf[TPC_PATH_MAX - 1] = '\0';
	for (u32 i = 0; i < TPC_PATH_DEPTH; i++)
		if (tpc_path__step_g())
			break;
	if (!g->w.done)
		tpc_stat__inc(TPC_STAT_PATH_TRUNC);
	pos = tpc_path__finish(g->buf, g->w.pos, len);
	/* the name and its NUL, at the same offset in the caller's buffer */
	n = TPC_PATH_MAX - pos;
	if (n > TPC_PATH_MAX)
		n = TPC_PATH_MAX;
	bpf_probe_read_kernel(&buf[pos], n, &g->buf[pos]);
	return pos;
}
#endif

TPC_INLINE int tpc_path__resolve(const struct path *p, char *buf, u32 *len)
{
	struct dentry *d = BPF_CORE_READ(p, dentry);
	struct vfsmount *m = BPF_CORE_READ(p, mnt);

	return tpc_path__resolve_parts(d, m, buf, len);
}

TPC_INLINE int tpc_path__of_file(struct file *f, char *buf, u32 *len)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *m = BPF_CORE_READ(f, f_path.mnt);

	return tpc_path__resolve_parts(d, m, buf, len);
}

TPC_INLINE int tpc_path__of_bprm(struct linux_binprm *b, char *buf, u32 *len)
{
	return tpc_path__of_file(BPF_CORE_READ(b, file), buf, len);
}

/* The struct file behind descriptor fd of the current task, or NULL. */
TPC_INLINE struct file *tpc_file__of_fd(long fd)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;

	if (fd < 0 || !fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xfffff]);
	return f;
}

/* The file behind descriptor fd (fd arguments, sys_exit_* ret). */
TPC_INLINE int tpc_path__of_fd(long fd, char *buf, u32 *len)
{
	struct file *f = tpc_file__of_fd(fd);

	*len = 0;
	if (!f)
		return -1;
	return tpc_path__of_file(f, buf, len);
}

/* A dentry without its mount: the path inside its filesystem. */
TPC_INLINE int tpc_path__of_dentry(struct dentry *d, char *buf, u32 *len)
{
	return tpc_path__resolve_parts(d, NULL, buf, len);
}

/* Copy the resolved path into s->key, zero-padded to TPC_PATH_MAX, so it
 * can be a hash-map key or be compared a word at a time. */
TPC_INLINE void tpc_path__to_key(struct tpc_scratch *s, int off, u32 len)
{
	u32 n = len < TPC_PATH_MAX - 1 ? len + 1 : TPC_PATH_MAX - 1;

	__builtin_memset(s->key, 0, sizeof(s->key));
	bpf_probe_read_kernel(s->key, n & TPC_PATH_MASK, &s->path[off & TPC_PATH_MASK]);
}

#endif
