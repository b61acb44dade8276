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

#endif
