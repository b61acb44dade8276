/* ldr_syms.h - symbols of stack trace addresses (Post's kernelStackTrace
 * and userStackTrace), for Tetragon's StackTraceEntry (symbol, offset,
 * module).
 *
 * Contract:
 *  - Kernel addresses: /proc/kallsyms (or the path given to
 *    ldr_syms__new) read once, at the first kernel lookup, into one array
 *    sorted by address; a lookup is a binary search for the last symbol at
 *    or below the address. A kallsyms whose addresses are all zero
 *    (kptr_restrict) resolves nothing.
 *  - User addresses: ldr_syms__maps() reads /proc/PID/maps once per event
 *    (its executable file mappings); a lookup finds the mapping, turns the
 *    address into an ELF virtual address through the file's PT_LOAD
 *    headers and finds the function symbol (.symtab, else .dynsym) that
 *    contains it. The file is opened through /proc/PID/map_files (the
 *    mapped file itself: another mount namespace, or deleted since), else
 *    /proc/PID/root/PATH; its symbols are parsed once and cached by
 *    (device, inode, size, mtime) in a small table (least recently used
 *    evicted), so a library every process maps is parsed once.
 *  - ret_addr: the address is a return address (every frame but the
 *    innermost): it is looked up one byte before it, in the call, so a
 *    call that ends a function is not taken for the next function; the
 *    offset is still from the address given.
 *  - Results point into the tables and stay valid until the next call.
 *    Not thread-safe: the event thread calls it. ldr_syms__free is
 *    NULL-safe.
 */
#ifndef LDR_SYMS_H
#define LDR_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ldr_syms;

struct ldr_sym {
	const char *name;   /* NULL: no symbol contains the address */
	uint64_t offset;    /* from the symbol; without one, from the module's start (file offset) */
	const char *module; /* user: the mapped file's path; kernel: the module, NULL for vmlinux */
};

/* kallsyms: NULL for /proc/kallsyms. NULL on allocation failure. */
struct ldr_syms *ldr_syms__new(const char *kallsyms);
void ldr_syms__free(struct ldr_syms *s);

/* 0, or -ENOENT (no symbol: out->name NULL) */
int ldr_syms__kernel(struct ldr_syms *s, uint64_t addr, bool ret_addr, struct ldr_sym *out);

/* The executable mappings of pid (procfs: the /proc mount to read, NULL
 * for "/proc"); 0, or -errno (the process is gone: user lookups then find
 * nothing). */
int ldr_syms__maps(struct ldr_syms *s, const char *procfs, pid_t pid);
/* 0 (out->name may still be NULL: a mapping but no symbol), or -ENOENT
 * (no mapping of the last ldr_syms__maps() holds addr) */
int ldr_syms__user(struct ldr_syms *s, uint64_t addr, bool ret_addr, struct ldr_sym *out);

#endif
