/* ktarget.h - `--kernel K` of tpc validate/build/explain: which kernel's
 * BTF and tracepoint formats the semantic checks and lowering run against.
 *
 * Contract: ktarget__resolve() turns one name into a target:
 *   host            this machine: /sys/kernel/btf/vmlinux and its tracefs
 *                   (with the /proc/kallsyms allowance for kprobes)
 *   5.10, 6.1, 6.12, a Debian version or linux-image-... package
 *                   the Debian cloud kernel from the kernel cache, fetched,
 *                   its BTF cut out and its tracepoint formats recorded on
 *                   first use (scripts/vm/kernel.sh --target)
 *   a path          a directory holding vmlinux.btf (and tracefs/), or a
 *                   BTF file (raw or an ELF vmlinux), with the formats of a
 *                   tracefs/ directory beside it if there is one
 * label is the name as given (a path's base name), used to tag
 * diagnostics. On failure it returns -errno and writes one line naming what
 * was tried to err; the caller exits 2. Strings are owned by the target:
 * ktarget__release().
 */
#ifndef TPC_KTARGET_H
#define TPC_KTARGET_H

#include <stdbool.h>
#include <stddef.h>

#define KTARGET_MAX 16

struct ktarget {
	char label[64];
	char *btf;     /* NULL: /sys/kernel/btf/vmlinux */
	char *tracefs; /* NULL: /sys/kernel/tracing; "": none (BTF records) */
};

int ktarget__resolve(const char *name, struct ktarget *t, char *err, size_t errlen);
void ktarget__release(struct ktarget *t);
/* The --kernel names of one command: resolve each into ks[] (KTARGET_MAX),
 * printing "CMD: error: ..." for the first that fails. 0 or -errno. */
int ktargets__resolve(const char *const *names, int n, struct ktarget *ks, const char *cmd);
void ktargets__release(struct ktarget *ks, int n);

#endif
