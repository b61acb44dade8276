/* tpc_iov.bpf.h - scatter-gather buffers: iovec arrays (char_iovec) and
 * struct iov_iter (iov_iter), gathered into one argument buffer.
 *
 * Contract: the bytes of up to TPC_IOV_SEGS segments are copied one after
 * another into buf (a scratch area of 2*TPC_STR_MAX bytes), at most
 * TPC_STR_MAX - 1 bytes in all, NUL-terminated for map keys; *total gets
 * the bytes the first TPC_IOV_LEN_SEGS segments hold (for an iov_iter at
 * least its remaining count), so the event can say when the copy was cut
 * and how long the data was (past 64 segments: a lower bound). Returns the bytes
 * copied, or -1 on a fault (counted in TPC_STAT_READ_ERR).
 *
 * struct iov_iter changed across the kernels tpc targets, and every access
 * here is CO-RE, chosen at load time by bpf_core_field_exists():
 *   5.10     unsigned int type (enum iter_type | direction bit), iov/kvec
 *   5.14-6.3 u8 iter_type; iov/kvec; ITER_UBUF (one user buffer) from 6.0
 *   6.4+     u8 iter_type; __iov/kvec/ubuf
 * ITER_IOVEC and ITER_UBUF segments are user memory, ITER_KVEC kernel
 * memory; other iterator kinds (bvec, pipe, xarray) read as empty.
 */
#ifndef TPC_IOV_BPF_H
#define TPC_IOV_BPF_H

#include "tpc_core.bpf.h"

#define TPC_IOV_SEGS 8 /* segments copied */
#define TPC_IOV_LEN_SEGS 64 /* segments whose length counts in *total */

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct iov_iter___tpc {
	u8 iter_type; /* 5.14+ */
	unsigned int type; /* up to 5.13 */
	const void *__iov; /* 6.4+ */
	const void *iov; /* up to 6.3 */
	const void *kvec;
	void *ubuf; /* 6.0+ */
	unsigned long count;
	unsigned long nr_segs;
};
#pragma clang attribute pop

enum iter_type___tpc {
	ITER_IOVEC___tpc = 0,
	ITER_KVEC___tpc = 1,
	ITER_UBUF___tpc = 6,
};

/* One segment, as struct iovec and struct kvec lay it out (uapi: stable). */
struct tpc_iov_seg {
	u64 base;
	u64 len;
};

/* Segment i of an iovec/kvec array in user or kernel memory. */
TPC_INLINE long tpc_iov__seg(struct tpc_iov_seg *seg, const void *vec, int i, bool user)
{
	const void *at = (const char *)vec + i * sizeof(*seg);

	if (user)
		return bpf_probe_read_user(seg, sizeof(*seg), at);
	return bpf_probe_read_kernel(seg, sizeof(*seg), at);
}

/* The gather. Straight-line per segment (a fault zeroes the segment and
 * is reported once at the end), so the verifier walks one path per
 * segment count instead of a tree of branches. Returns the copied length
 * (0xffffffff: a fault) in the low 32 bits and the segments' total
 * (capped) in the high 32. */
TPC_INLINE u64 tpc_iov__gather_body(char *buf, u64 vec, u64 nsegs, const bool user_vec,
				    const bool user_data)
{
	struct tpc_iov_seg seg;
	u32 off = 0, len;
	u64 sum = 0;
	long err = 0;

	for (int i = 0; i < TPC_IOV_SEGS; i++) {
		u32 n;

		if ((u64)i >= nsegs)
			break;
		err |= tpc_iov__seg(&seg, (const void *)vec, i, user_vec);
		sum += seg.len;
		n = seg.len < TPC_STR_MAX - 1 - off ? (u32)seg.len : TPC_STR_MAX - 1 - off;
		n &= TPC_STR_MASK;
		if (user_data)
			err |= bpf_probe_read_user(&buf[off & TPC_STR_MASK], n, (const void *)seg.base);
		else
			err |= bpf_probe_read_kernel(&buf[off & TPC_STR_MASK], n,
						     (const void *)seg.base);
		off = (off + n) & TPC_STR_MASK;
	}
	/* the lengths of the segments not copied, so a cut copy says so */
#pragma clang loop unroll(disable)
	for (int i = TPC_IOV_SEGS; i < TPC_IOV_LEN_SEGS; i++) {
		if ((u64)i >= nsegs)
			break;
		if (tpc_iov__seg(&seg, (const void *)vec, i, user_vec))
			break;
		sum += seg.len;
	}
	buf[off & TPC_STR_MASK] = '\0';
	len = off;
	if (err) {
		tpc_stat__inc(TPC_STAT_READ_ERR);
		buf[0] = '\0';
		len = 0xffffffffu;
	}
	return (sum > 0xffffffffull ? 0xffffffffull : sum) << 32 | len;
}

/* One gather per memory combination, so each has constant flags. They
 * are inline and write into the caller's buffer (s->abuf[k], k a
 * constant): as global functions that look the scratch up themselves
 * (verified once, on their own) a tty_write program took 4x fewer
 * verified instructions on 6.18 and 6.12, but 6.1's verifier rejected
 * them ("invalid mem access 'scalar'", as it did an inline version that
 * looked the scratch up and indexed it with k; not diagnosed further),
 * and 6.12 refuses an fentry's BTF pointer as a global function's scalar
 * argument. */
TPC_INLINE u64 tpc_iov__gather_user(char *buf, u64 vec, u64 nsegs)
{
	return tpc_iov__gather_body(buf, vec, nsegs, true, true);
}

TPC_INLINE u64 tpc_iov__gather_kernel(char *buf, u64 vec, u64 nsegs)
{
	return tpc_iov__gather_body(buf, vec, nsegs, false, false);
}

/* An iterator's ITER_IOVEC: the array was copied to the kernel by
 * import_iovec, the segments are user memory. */
TPC_INLINE u64 tpc_iov__gather_iter(char *buf, u64 vec, u64 nsegs)
{
	return tpc_iov__gather_body(buf, vec, nsegs, false, true);
}

/* Unpack a gather's result: the length (-1 on a fault), *total. The mask
 * gives the verifier the length's bound, which a global function's
 * return value does not carry. */
TPC_INLINE int tpc_iov__unpack(u64 r, u64 *total)
{
	*total = r >> 32;
	return (u32)r == 0xffffffffu ? -1 : (int)((u32)r & TPC_STR_MASK);
}

/* char_iovec: nsegs segments of the iovec array at vec into buf. */
TPC_INLINE int tpc_iov__gather(char *buf, const void *vec, u64 nsegs, bool user, u64 *total)
{
	return tpc_iov__unpack(user ? tpc_iov__gather_user(buf, (u64)vec, nsegs) :
				      tpc_iov__gather_kernel(buf, (u64)vec, nsegs),
			       total);
}

/* The iterator's kind as enum iter_type___tpc, or -1 for the others. */
TPC_INLINE int tpc_iter__kind(const struct iov_iter___tpc *it)
{
	u32 t;

	if (bpf_core_field_exists(it->iter_type))
		t = BPF_CORE_READ(it, iter_type);
	else
		t = BPF_CORE_READ(it, type) & ~1u; /* drop the READ/WRITE direction */
	if (bpf_core_enum_value_exists(enum iter_type___tpc, ITER_UBUF___tpc) &&
	    t == bpf_core_enum_value(enum iter_type___tpc, ITER_UBUF___tpc))
		return ITER_UBUF___tpc;
	if (t == bpf_core_enum_value(enum iter_type___tpc, ITER_IOVEC___tpc))
		return ITER_IOVEC___tpc;
	if (t == bpf_core_enum_value(enum iter_type___tpc, ITER_KVEC___tpc))
		return ITER_KVEC___tpc;
	return -1;
}

/* The data an iov_iter still holds (what a write_iter is asked to write)
 * into buf; *total is at least the iterator's count. Returns the bytes
 * copied, or -1 on a fault. */
TPC_INLINE int tpc_iter__read(char *buf, const void *iter, u64 *total)
{
	const struct iov_iter___tpc *it = iter;
	const void *vec;
	int kind, n;
	u64 count;

	*total = 0;
	buf[0] = '\0';
	if (!it)
		return -1;
	kind = tpc_iter__kind(it);
	count = BPF_CORE_READ(it, count);
	if (kind == ITER_UBUF___tpc && bpf_core_field_exists(it->ubuf)) {
		u32 k = count < TPC_STR_MAX - 1 ? (u32)count : TPC_STR_MAX - 1;
		const void *ubuf = BPF_CORE_READ(it, ubuf);

		k &= TPC_STR_MASK;
		*total = count;
		if (bpf_probe_read_user(buf, k, ubuf)) {
			tpc_stat__inc(TPC_STAT_READ_ERR);
			buf[0] = '\0';
			return -1;
		}
		buf[k] = '\0';
		return (int)k;
	}
	if (kind != ITER_IOVEC___tpc && kind != ITER_KVEC___tpc)
		return 0;
	if (kind == ITER_KVEC___tpc)
		vec = BPF_CORE_READ(it, kvec);
	else if (bpf_core_field_exists(it->__iov))
		vec = BPF_CORE_READ(it, __iov);
	else
		vec = BPF_CORE_READ(it, iov);
	/* the segment array of an iterator is kernel memory (import_iovec
	 * copied it); iovec segments point to user memory */
	if (kind == ITER_IOVEC___tpc)
		n = tpc_iov__unpack(tpc_iov__gather_iter(buf, (u64)vec, BPF_CORE_READ(it, nr_segs)),
				    total);
	else
		n = tpc_iov__unpack(tpc_iov__gather_kernel(buf, (u64)vec, BPF_CORE_READ(it, nr_segs)),
				    total);
	if (count > *total)
		*total = count;
	return n;
}

#endif
