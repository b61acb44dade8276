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
	bool at_mnt_root; /* the typed walk stopped at its mount's root */
};

/* Prepends "/NAME" to the path built so far, right to left, and steps to
 * the parent; 1 (stop) when the name does not fit, keeping the leaf side.
 * Shared by the generic and the typed steps, which differ only in how
 * they load the name. */
TPC_INLINE long tpc_path__prepend(struct tpc_path_walk *w, char *buf, const unsigned char *name,
				  u32 nlen, struct dentry *parent)
{
	u32 pos = w->pos;

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
	u32 nlen;

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
	return tpc_path__prepend(w, buf, name, nlen, parent);
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

#ifndef TPC_NO_TASK_BTF
#define TPC_PATH_BTF 1
/* The same walk over BTF pointers (a file reached from
 * bpf_get_current_task_btf()), with direct loads where the verifier can
 * type them: the dentry chain (d_parent, d_name) and the mount's root.
 * A direct load is an inlined instruction; BPF_CORE_READ is a
 * bpf_probe_read_kernel() call each, five per component before (bench:
 * docs/performance.md, issue 16). Only within the file's own mount: the
 * struct mount around a vfsmount is container_of() arithmetic, whose
 * negative offset the verifier refuses for a direct load, so at the
 * mount's root the generic step above takes over with the same state
 * (crossings are rare: one per mount boundary above the file). */
static long tpc_path__btf_step(u32 i, void *ctx)
{
	struct tpc_path_walk *w = ctx;
	struct dentry *dentry = w->dentry, *parent;
	const unsigned char *name;
	u32 nlen;
	char *buf = w->buf;

	if (dentry == w->vfsmnt->mnt_root) {
		w->at_mnt_root = true;
		return 1;
	}
	parent = dentry->d_parent;
	if (parent == dentry || !parent) {
		w->done = true;
		return 1;
	}
	nlen = dentry->d_name.len;
	name = dentry->d_name.name;
	return tpc_path__prepend(w, buf, name, nlen, parent);
}

/* f must be a BTF pointer (loaded from the current task), not a number. */
TPC_INLINE int tpc_path__of_file_btf(struct file *f, char *buf, u32 *len)
{
	struct tpc_path_walk w = {
		.dentry = f->f_path.dentry,
		.vfsmnt = f->f_path.mnt,
		.mnt = (void *)f->f_path.mnt - bpf_core_field_offset(struct mount, mnt),
		.buf = buf,
		.pos = TPC_PATH_MAX - 1,
		.done = false,
		.at_mnt_root = false,
	};
	long n;

	buf[TPC_PATH_MAX - 1] = '\0';
	/* n counts the step that stopped at the mount's root */
	n = bpf_loop(TPC_PATH_DEPTH, tpc_path__btf_step, &w, 0);
	if (w.at_mnt_root && n > 0 && n <= TPC_PATH_DEPTH)
		bpf_loop(TPC_PATH_DEPTH + 1 - n, tpc_path__step, &w, 0);
	if (!w.done)
		tpc_stat__inc(TPC_STAT_PATH_TRUNC);
	return tpc_path__finish(buf, w.pos, len);
}
#endif
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

/* Word i of the len bytes at p, little endian, zero past len. p points
 * into a 2 * TPC_PATH_MAX buffer at an offset below TPC_PATH_MAX, so the
 * 8-byte load stays inside it; it may be unaligned (tpc targets x86-64
 * and arm64, where the verifier allows that for map memory). */
TPC_INLINE u64 tpc_path__word(const char *p, u32 len, u32 at)
{
	u64 w = *(const u64 *)(p + (at & (TPC_PATH_MAX - 8)));

	if (len - at < 8)
		w &= (1ull << ((len - at) * 8)) - 1;
	return w;
}

#ifndef TPC_NO_BPF_LOOP
/* The hash and the verify-on-hit compare as bpf_loop() callbacks, one
 * word per step: a bounded loop over an unknown len is walked by the
 * verifier once per possible word count (up to TPC_PATH_MAX / 8 = 512),
 * which made the exec program ~118k verified instructions on 6.1 (every
 * set's compare another such loop); a callback is verified once. The
 * kernel inlines bpf_loop() into a plain loop of direct calls (5.19+). */
struct tpc_path_words {
	const char *p;
	const struct tpc_path_val *v; /* compare: the set's entry */
	u64 h; /* hash: the running value */
	u32 len;
	bool ne; /* compare: a word differed */
};

static long tpc_path__hash_step(u32 i, void *ctx)
{
	struct tpc_path_words *w = ctx;

	w->h = tpc_path_hash__mix(w->h, tpc_path__word(w->p, w->len, i * 8));
	return 0;
}

static long tpc_path__is_step(u32 i, void *ctx)
{
	struct tpc_path_words *w = ctx;
	u32 at = i * 8;

	if (tpc_path__word(w->p, w->len, at) != *(const u64 *)&w->v->path[at & (TPC_PATH_MAX - 8)]) {
		w->ne = true;
		return 1;
	}
	return 0;
}

/* tpc_path_hash() of tpc_abi.h over the canonical path at p (len bytes). */
TPC_INLINE u64 tpc_path__hash(const char *p, u32 len)
{
	struct tpc_path_words w = { .p = p, .h = TPC_PATH_HASH_SEED ^ len, .len = len };

	bpf_loop((len + 7) / 8, tpc_path__hash_step, &w, 0);
	return w.h;
}

/* The verify-on-hit of a path_hash set: is v's path the one at p? */
TPC_INLINE bool tpc_path__is(const char *p, u32 len, const struct tpc_path_val *v)
{
	struct tpc_path_words w = { .p = p, .v = v, .len = len };

	if (!v || v->len != len)
		return false;
	bpf_loop((len + 7) / 8, tpc_path__is_step, &w, 0);
	return !w.ne;
}
#else
/* tpc_path_hash() of tpc_abi.h over the canonical path at p (len bytes). */
TPC_INLINE u64 tpc_path__hash(const char *p, u32 len)
{
	u64 h = TPC_PATH_HASH_SEED ^ len;

	for (u32 at = 0; at < TPC_PATH_MAX; at += 8) {
		if (at >= len)
			break;
		h = tpc_path_hash__mix(h, tpc_path__word(p, len, at));
	}
	return h;
}

/* The verify-on-hit of a path_hash set: is v's path the one at p? */
TPC_INLINE bool tpc_path__is(const char *p, u32 len, const struct tpc_path_val *v)
{
	if (!v || v->len != len)
		return false;
	for (u32 at = 0; at < TPC_PATH_MAX; at += 8) {
		if (at >= len)
			break;
		if (tpc_path__word(p, len, at) != *(const u64 *)&v->path[at & (TPC_PATH_MAX - 8)])
			return false;
	}
	return true;
}
#endif

/* Copy the resolved path into s->key, zero-padded to TPC_PATH_MAX, so it
 * can be a hash-map key or be compared a word at a time. */
TPC_INLINE void tpc_path__to_key(struct tpc_scratch *s, int off, u32 len)
{
	u32 n = len < TPC_PATH_MAX - 1 ? len + 1 : TPC_PATH_MAX - 1;

	__builtin_memset(s->key, 0, sizeof(s->key));
	bpf_probe_read_kernel(s->key, n & TPC_PATH_MASK, &s->path[off & TPC_PATH_MASK]);
}

#endif
