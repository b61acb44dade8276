/* tpc_str.bpf.h - string reads and the primitives generated matchers use.
 *
 * Contract: strings are compared a 64-bit word at a time against constants
 * the compiler computed from the policy's literals (so policy text never
 * reaches C as a string). Equal compares through the terminating NUL, so a
 * literal never matches a longer string; bytes after the NUL are masked
 * off, so stale scratch bytes never matter. Buffers passed here are scratch
 * areas of at least 2*TPC_STR_MAX bytes, which keeps masked offsets in
 * bounds for the verifier.
 */
#ifndef TPC_STR_BPF_H
#define TPC_STR_BPF_H

#include "tpc_core.bpf.h"

#define TPC_STR_MASK (TPC_STR_MAX - 1)

/* Word i of buf (unaligned loads are fine on the BPF JITs tpc targets). */
#define TPC_W(buf, off) (*(const u64 *)((const char *)(buf) + (off)))

/* Read a user string into buf; returns its length without NUL, or -1. */
TPC_INLINE int tpc_str__read_user(char *buf, const void *uptr)
{
	long n = bpf_probe_read_user_str(buf, TPC_STR_MAX, uptr);

	if (n <= 0) {
		if (n < 0)
			tpc_stat__inc(TPC_STAT_READ_ERR);
		buf[0] = '\0';
		return n < 0 ? -1 : 0;
	}
	return (int)n - 1;
}

/* The head of a user string: its first TPC_STR_HEAD - 1 bytes, into a
 * buffer on the program's stack. Why the stack: measured, a user copy
 * into map memory costs ~50 ns more per call than one into the stack on
 * the bench VM (probably the kernel's check of the destination,
 * CONFIG_HARDENED_USERCOPY, which is on here; inferred, not proven) (6.18:
 * bpf_probe_read_user_str of 24 or 256 bytes into the stack 203-205 ns
 * per sys_enter_openat event, into a per-CPU map value 250-254 ns, into
 * an array map value 270 ns; the copy's length does not show). Generated
 * code tests Prefix and Equal literals that fit on the head and reads the
 * whole string only when a later test or the event needs it. Returns the
 * length, TPC_STR_HEAD - 1 meaning "at least that long" (cut), or -1 on a
 * fault; a fault inside the head means the whole read faults too (both
 * stop at the same first unreadable byte before the NUL). */
#define TPC_STR_HEAD 64
TPC_INLINE int tpc_str__read_head_user(char *h, const void *uptr)
{
	long n = bpf_probe_read_user_str(h, TPC_STR_HEAD, uptr);

	if (n <= 0) {
		if (n < 0)
			tpc_stat__inc(TPC_STAT_READ_ERR);
		h[0] = '\0';
		return n < 0 ? -1 : 0;
	}
	return (int)n - 1;
}

/* The whole string from a head that holds it (hl < TPC_STR_HEAD - 1, or
 * -1: the fault the head read met), as tpc_str__read_user would have left
 * buf: inline word copies, no helper call. */
TPC_INLINE int tpc_str__from_head(char *buf, const char *h, int hl)
{
	for (int i = 0; i < TPC_STR_HEAD; i += 8)
		*(u64 *)(buf + i) = *(const u64 *)(h + i);
	if (hl < 0) {
		buf[0] = '\0';
		return -1;
	}
	return hl;
}

TPC_INLINE int tpc_str__read_kernel(char *buf, const void *kptr)
{
	long n = bpf_probe_read_kernel_str(buf, TPC_STR_MAX, kptr);

	if (n <= 0) {
		if (n < 0)
			tpc_stat__inc(TPC_STAT_READ_ERR);
		buf[0] = '\0';
		return n < 0 ? -1 : 0;
	}
	return (int)n - 1;
}

/* Copy a byte buffer (char_buf: not NUL-terminated, its length is
 * another argument) of size bytes into buf: at most TPC_STR_MAX - 1 bytes,
 * then a NUL so map keys built from it stay clean; a length that is
 * negative as a signed number copies nothing. Returns the bytes
 * copied, or -1 on a fault. The event keeps size, so a cut copy says so. */
TPC_INLINE int tpc_buf__read(char *buf, const void *ptr, u64 size, bool user)
{
	u32 n = size < TPC_STR_MAX - 1 ? (u32)size : TPC_STR_MAX - 1;
	long err;

	/* a negative length (returnCopy after an error return) copies nothing */
	if ((s64)size < 0)
		n = 0;
	n &= TPC_STR_MASK;
	err = user ? bpf_probe_read_user(buf, n, ptr) : bpf_probe_read_kernel(buf, n, ptr);
	if (err) {
		tpc_stat__inc(TPC_STAT_READ_ERR);
		buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Tail start for a suffix compare of a literal of lit_len bytes: returns
 * the masked offset, or -1 if the string is shorter than the literal. */
TPC_INLINE int tpc_str__tail(int len, int lit_len)
{
	if (len < lit_len)
		return -1;
	return (len - lit_len) & TPC_STR_MASK;
}

/* Zero-padded copy of a string of len bytes into key (TPC_STR_MAX bytes)
 * for hash-map and LPM keys. */
TPC_INLINE void tpc_str__to_key(char *key, const char *buf, int len)
{
	u32 n = len < TPC_STR_MAX - 1 ? len + 1 : TPC_STR_MAX - 1;

	__builtin_memset(key, 0, TPC_STR_MAX);
	barrier_var(n); /* keep the mask: len may be a lazy value the verifier cannot bound */
	bpf_probe_read_kernel(key, n & TPC_STR_MASK, buf);
}

/* The same into a key of ksz bytes (a constant, so the memset unrolls);
 * the caller checked len < ksz. A short key keeps the map's hash cheap. */
TPC_INLINE void tpc_str__to_key_n(char *key, const char *buf, int len, u32 ksz)
{
	u32 n = (u32)len + 1;

	__builtin_memset(key, 0, ksz);
	if (n > ksz)
		n = ksz;
	barrier_var(n); /* keep the mask (as above) */
	bpf_probe_read_kernel(key, n & TPC_STR_MASK, buf);
}

struct tpc_lpm_key {
	u32 prefixlen; /* bits */
	char data[TPC_STR_MAX];
};

/* SubString: does the string of len bytes at buf (a masked pointer into a
 * 2*TPC_STR_MAX area, as P<n>() gives) contain needle? Two bpf_loop()s,
 * start positions and the bytes compared at one, so the verifier checks
 * each small body once (an unrolled compare cost ~35k verified
 * instructions per needle); icase lowers the string's ASCII letters (the
 * compiler lowered the needle). */
struct tpc_substr {
	const char *buf;
	u32 len;
	u32 nlen;
	u32 pos;
	bool icase;
	bool ok;
	bool found;
	char needle[TPC_SUBSTR_MAX];
};

static long tpc_str__substr_byte(u32 j, void *ctx)
{
	struct tpc_substr *x = ctx;
	char a = x->buf[(x->pos + j) & TPC_STR_MASK];

	if (x->icase && a >= 'A' && a <= 'Z')
		a += 'a' - 'A';
	if (a != x->needle[j & (TPC_SUBSTR_MAX - 1)]) {
		x->ok = false;
		return 1;
	}
	return 0;
}

static long tpc_str__substr_step(u32 i, void *ctx)
{
	struct tpc_substr *x = ctx;

	if (i + x->nlen > x->len)
		return 1;
	x->pos = i;
	x->ok = true;
	bpf_loop(x->nlen, tpc_str__substr_byte, x, 0);
	if (!x->ok)
		return 0;
	x->found = true;
	return 1;
}

TPC_INLINE bool tpc_str__contains(struct tpc_substr *x, const char *buf, int len)
{
	if (len < (int)x->nlen || len >= TPC_STR_MAX)
		return false;
	x->buf = buf;
	x->len = len;
	x->found = false;
	bpf_loop(len - x->nlen + 1, tpc_str__substr_step, x, 0);
	return x->found;
}

#endif
