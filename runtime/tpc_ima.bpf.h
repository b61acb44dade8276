/* tpc_ima.bpf.h - imaHash: Post with the IMA hash of an LSM hook's file,
 * included by objects that have such a rule.
 *
 * Contract: only sleepable LSM programs (SEC "lsm.s/HOOK", hooks of the
 * kernel's sleepable set) may call bpf_ima_file_hash() (5.18+): it may read
 * the whole file. It sleeps, and while it does other programs can run on
 * this CPU and use the per-CPU scratch (struct tpc_scratch). So a rule
 * hashes into its own stack first, then forgets the lazy argument reads
 * (tpc_lazy__reset) and only then assembles its event in the scratch, with
 * no sleep until the event is submitted. The hash goes last in the record
 * (TPC_ACT_IMA, struct tpc_ev_ima), after the posted arguments.
 */
#ifndef TPC_IMA_BPF_H
#define TPC_IMA_BPF_H

TPC_INLINE void tpc_ima__hash(struct tpc_ev_ima *im, struct file *f)
{
	long r = -22; /* EINVAL: no file (an anonymous mmap_file) */

	__builtin_memset(im, 0, sizeof(*im));
	if (f)
		r = bpf_ima_file_hash(f, im->digest, sizeof(im->digest));
	im->algo = (s32)r;
}

/* The hash as the record's tail; a record with no room left (args near
 * TPC_EV_MAX) goes without it, and the loader then exports no ima_hash. */
TPC_INLINE u32 tpc_ev__put_ima(struct tpc_scratch *s, u32 o, const struct tpc_ev_ima *im)
{
	if (o > TPC_EV_MAX - sizeof(*im))
		return o;
	/* keep the mask: with the test above clang drops it as a no-op and
	 * bounds a copy of o, so the verifier sees an unbounded offset */
	barrier_var(o);
	__builtin_memcpy(&s->ev[o & (TPC_EV_MAX - 1)], im, sizeof(*im));
	((struct tpc_ev_hdr *)s->ev)->action |= TPC_ACT_IMA;
	return o + sizeof(*im);
}

#endif
