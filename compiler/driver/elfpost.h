/* elfpost.h - the last step of tpc build, in process: clang's object ->
 * the object tpc ships.
 *
 * Contract: elfpost__write() reads the relocatable 64-bit ELF object at
 * `in_path` (clang -target bpf output) and writes a copy to `out_path`
 * (created or truncated, mode 0644 regardless of the umask) in which
 *  - with strip_debug, every .debug_* section is gone together with the
 *    relocation sections that apply to it, the section symbols that name
 *    it and the STT_FILE symbol; symbol indices in the remaining relocation sections and in
 *    .llvm_addrsig are renumbered to match (what llvm-objcopy --strip-debug
 *    does; .BTF and .BTF.ext stay, CO-RE needs them);
 *  - the `n_add` sections of `add` are appended in order as SHT_PROGBITS
 *    with no flags and alignment 1 (llvm-objcopy's readonly,contents).
 * Nothing else changes: section order, contents and symbol order are kept,
 * and the output is a function of the input bytes alone (builds stay
 * byte-identical). It replaces the two llvm-objcopy processes the build
 * used to run (about 100 ms of a 300 ms build, docs/performance.md).
 * Returns 0 or a negative errno with a one-line reason in err; on error
 * out_path may hold a partial file, which the caller removes (the driver
 * writes to a temporary name and renames only on success).
 */
#ifndef TPC_ELFPOST_H
#define TPC_ELFPOST_H

#include <stdbool.h>
#include <stddef.h>

/* LLVM's address-significance table (not in Debian's elf.h) */
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif

struct elfpost_section {
	const char *name;
	const void *data;
	size_t size;
};

int elfpost__write(const char *in_path, const char *out_path, bool strip_debug,
		   const struct elfpost_section *add, int n_add, char *err, size_t errlen);

#endif
