/* ldr_probe.h - what this kernel can load and attach, found by trying.
 *
 * Contract: ldr_features__probe() loads (and where it is harmless, attaches
 * and detaches at once) a minimal program of every hook kind, and asks
 * libbpf about helpers and map types where its answer is truthful.  It never
 * leaves anything attached.  Needs root; without it everything is "no".
 */
#ifndef TPC_LDR_PROBE_H
#define TPC_LDR_PROBE_H

#include <stdbool.h>
#include <stdio.h>

enum ldr_feat {
	LDR_FEAT_TRACEPOINT,
	LDR_FEAT_RAW_TP,
	LDR_FEAT_TP_BTF,
	LDR_FEAT_KPROBE,
	LDR_FEAT_FENTRY,
	LDR_FEAT_LSM,
	LDR_FEAT_UPROBE,
	LDR_FEAT_CGROUP,
	LDR_FEAT_RINGBUF,
	LDR_FEAT_SEND_SIGNAL,
	LDR_FEAT_TASK_STORAGE,
	LDR_FEAT_BPF_LOOP,
	LDR_FEAT_OVERRIDE_RETURN,
	LDR_FEAT_PROBE_WRITE_USER,
	LDR_FEAT_IMA_FILE_HASH,
	LDR_FEAT__COUNT,
};

struct ldr_features {
	bool probed;
	bool has[LDR_FEAT__COUNT];
	char detail[LDR_FEAT__COUNT][128]; /* how it was decided, or why not */
};

extern const char *const ldr_feat_names[LDR_FEAT__COUNT];

void ldr_features__probe(struct ldr_features *f);
/* The same with the kernel BTF already parsed by the caller (NULL: parse
 * it), which keeps it. */
struct btf;
void ldr_features__probe_btf(struct ldr_features *f, const struct btf *btf);
/* By name as in ldr_feat_names; unknown names are "not supported". */
bool ldr_features__has(const struct ldr_features *f, const char *name);
void ldr_features__print(const struct ldr_features *f, FILE *out, bool json);

#endif
