/* ldr_attach.h - attach one program by the kind named in its metadata, and the
 * mount/cgroup facts attaching needs.
 *
 * Contract: ldr_attach__prog() returns 0 and a link, or -errno with a
 * reason in err that says what to do (e.g. the exact mount command).
 * Nothing here mounts anything unless asked (ldr_mount__*).
 */
#ifndef TPC_LDR_ATTACH_H
#define TPC_LDR_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include <bpf/libbpf.h>

#include "core/ldr_meta.h"
#include "core/ldr_obj.h"

int ldr_attach__prog(struct bpf_program *prog, const struct ldr_meta_prog *mp,
		     const struct ldr_attach_env *env, struct bpf_link **out, char *err,
		     size_t errlen);

#define LDR_TRACEFS "/sys/kernel/tracing"
#define LDR_BPFFS "/sys/fs/bpf"

bool ldr_tracefs__ok(void);
bool ldr_bpffs__ok(const char *dir);
int ldr_mount__tracefs(void);
int ldr_mount__bpffs(const char *dir);
/* The cgroup v2 mount point from /proc/self/mountinfo; -ENOENT if none. */
int ldr_cgroup2__root(char *out, size_t outlen);

#endif
