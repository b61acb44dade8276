/* syscalls.h - syscall names and numbers of the target ABI (x86-64).
 *
 * Contract: the table is generated at build time from linux-libc-dev's
 * asm/unistd_64.h and asm/unistd_32.h (scripts/gen-syscalls.sh), so it is
 * the kernel's own numbering, never a hand-kept copy. syscall__parse()
 * reads a value of a `type: syscalls` list the way Tetragon does ("sys_dup",
 * "dup", "__x64_sys_dup", "__ia32_sys_dup", "x64/sys_dup", "i386/sys_dup")
 * and returns the id a `syscall64` argument carries: the number, with bit 31
 * set for an i386 (32-bit compat) syscall. Pure lookups; they never print.
 */
#ifndef TPC_SYSCALLS_H
#define TPC_SYSCALLS_H

#include <stdint.h>

enum syscall_abi { SYSCALL_ABI_X64, SYSCALL_ABI_I386 };

#define SYSCALL_ID_32BIT 0x80000000u /* Tetragon's marker of a 32-bit syscall */

/* 0 and *id, or -ENOENT with *why (static) and, when a name is close,
 * *suggest (the value as it should have been written, static buffer). */
int syscall__parse(const char *value, int64_t *id, const char **why, const char **suggest);
/* Number of `name` ("dup", without sys_) in abi, or -ENOENT. */
int syscall__lookup(enum syscall_abi abi, const char *name, int *nr);
/* "dup" for (x64, 32), NULL when unknown. */
const char *syscall__name(enum syscall_abi abi, int nr);
/* Number of syscalls of abi in the table (for tests). */
int syscall__count(enum syscall_abi abi);

#endif
