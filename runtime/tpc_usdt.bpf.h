/* tpc_usdt.bpf.h - USDT probes (spec.usdts), included by objects that have
 * one.
 *
 * Contract: tpc does not parse .note.stapsdt itself. libbpf's USDT support
 * does it on the node when tpc-loader calls bpf_program__attach_usdt(): it
 * finds the probe's sites in the binary (and its shared libraries), turns
 * each argument's location (register, register+offset, constant) into an
 * arg spec in __bpf_usdt_specs, gives each attachment a cookie that names
 * the spec, and passes the semaphore's offset as the uprobe's
 * ref_ctr_offset so the kernel increments it while the probe is attached
 * (the binary's own "is anyone listening" check then sees it). This header
 * brings libbpf's BPF half (usdt.bpf.h: the two spec maps and
 * bpf_usdt_arg()) and tpc_usdt__arg(), which the generated argument reads
 * call: argument i as a u64, 0 when the site has fewer arguments.
 */
#ifndef TPC_USDT_BPF_H
#define TPC_USDT_BPF_H

#include <bpf/usdt.bpf.h>

static __always_inline u64 tpc_usdt__arg(struct pt_regs *ctx, int i)
{
	long v = 0;

	if (bpf_usdt_arg(ctx, i, &v))
		return 0;
	return (u64)v;
}

/* Set: write value into argument i where the site keeps it in memory
 * (libbpf's BPF_USDT_ARG_REG_DEREF, e.g. "-4@-20(%rbp)": a volatile local),
 * as many bytes as the argument has (its bitshift says: 1, 2, 4 or 8;
 * Tetragon always writes 4). A register or constant argument cannot be
 * written: TPC_ACT_SET_FAILED, as is a refused write (bpf_probe_write_user
 * needs a kernel without lockdown; the loader refuses the object there). */
static __always_inline void tpc_usdt__set(struct pt_regs *ctx, int i, s64 value,
					  struct tpc_ev_hdr *h)
{
	struct __bpf_usdt_spec *spec;
	struct __bpf_usdt_arg_spec *as;
	unsigned long base;
	long err = -1;
	int id = __bpf_usdt_spec_id(ctx);

	spec = id < 0 ? NULL : bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
	if (spec && i < BPF_USDT_MAX_ARG_CNT && i < spec->arg_cnt) {
		as = &spec->args[i]; /* i: a constant of the generated code */
		if (as->arg_type == BPF_USDT_ARG_REG_DEREF &&
		    !bpf_probe_read_kernel(&base, sizeof(base), (void *)ctx + as->reg_off)) {
			void *dst = (void *)(base + as->val_off);

			switch (as->arg_bitshift) {
			case 56:
				err = bpf_probe_write_user(dst, &value, 1);
				break;
			case 48:
				err = bpf_probe_write_user(dst, &value, 2);
				break;
			case 32:
				err = bpf_probe_write_user(dst, &value, 4);
				break;
			default:
				err = bpf_probe_write_user(dst, &value, 8);
				break;
			}
		}
	}
	if (h)
		h->action |= err ? TPC_ACT_SET_FAILED : TPC_ACT_SET;
}

#endif
