/* enforce.h - the LSM hooks that carry out a deny of a syscall.
 *
 * Contract: syscall__lsm_hooks("linkat") returns the BPF LSM hooks
 * (without the security_ prefix) that every call of the syscall passes
 * through before it performs its operation, NULL-terminated, at most
 * ENFORCE_MAX_HOOKS; NULL when tpc knows none. The name is the syscall's
 * base name ("linkat"; "sys_linkat", "__x64_sys_linkat" and
 * "__ia32_sys_linkat" are accepted too). Used by sema (what can be denied)
 * and lowering (which enforcer programs an object gets,
 * runtime/tpc_enforce.bpf.h). The strings are tpc's own, so they are safe
 * to print into generated C.
 */
#ifndef TPC_ENFORCE_H
#define TPC_ENFORCE_H

#define ENFORCE_MAX_HOOKS 2

const char *const *syscall__lsm_hooks(const char *name);
/* The i-th syscall of the table (for tests and docs), NULL past the end. */
const char *syscall__enforce_at(unsigned i);
/* The syscall's base name as the table spells it ("linkat"), or NULL. */
const char *syscall__enforce_name(const char *name);

#endif
