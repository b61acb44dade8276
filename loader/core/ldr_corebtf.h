/* ldr_corebtf.h - the kernel's BTF parsed once for a batch of objects, and
 * per object a small copy of it holding only what that object's CO-RE
 * relocations look at.
 *
 * Why: libbpf 1.1 (Debian 12) parses the whole vmlinux BTF (5+ MB, ~150k
 * types) again for every object it loads, and for each type an object
 * relocates it scans all of those types for candidates by name.  With 20
 * objects that was most of the loader's start-up CPU (docs/performance.md,
 * "Loader start-up").  Given a BTF file through btf_custom_path, libbpf
 * relocates against that file instead and parses nothing else.
 *
 * The copy holds, for each type an object's .BTF.ext relocates (its "root"),
 * every kernel type with the same essential name (what libbpf's candidate
 * search would find), with their members, embedded structs, arrays,
 * typedefs, enums and ints exactly as in the kernel; a pointer keeps its
 * size but points to void (CO-RE compares two pointer fields as compatible
 * whatever they point to, and each dereference is a relocation of its own,
 * rooted at the pointee).  Relocations the copy cannot answer like the full
 * BTF would (a kernel type id, a deep type match, a type found only in a
 * module's BTF) make ldr_core_btf__reduce() return -ENOENT: that object is
 * then relocated by libbpf against the full BTF, as before.
 *
 * Contract: ldr_core_btf__new() on one thread; then ldr_core_btf__reduce()
 * may run on several threads at once (it only reads the parsed BTF);
 * ldr_core_btf__free() after they are done (NULL-safe).  The loader keeps
 * one during start-up: the probe, the base sensor and the first batch of
 * objects use it; objects added later are relocated by libbpf alone.
 */
#ifndef TPC_LDR_COREBTF_H
#define TPC_LDR_COREBTF_H

#include <stddef.h>

struct btf;

struct ldr_core_btf;

/* Parse the running kernel's BTF; NULL (errno set) when there is none. */
struct ldr_core_btf *ldr_core_btf__new(void);
/* From the raw BTF bytes (tests). */
struct ldr_core_btf *ldr_core_btf__new_raw(const void *data, size_t size);
void ldr_core_btf__free(struct ldr_core_btf *k);
/* The parsed kernel BTF itself (NULL-safe), for lookups by the caller. */
const struct btf *ldr_core_btf__btf(const struct ldr_core_btf *k);

/* The reduced BTF for the ELF object image, as an fd (a memfd, offset 0)
 * that btf_custom_path can name as /proc/self/fd/N; the caller closes it.
 * -ENOENT: use the full BTF for this object (see above); other -errno on
 * a malformed .BTF/.BTF.ext or no memory.  Writes the number of types kept
 * to *ntypes when ntypes is not NULL. */
int ldr_core_btf__reduce(const struct ldr_core_btf *k, const void *image, size_t len,
			 size_t *ntypes);

#endif
