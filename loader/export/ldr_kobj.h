/* ldr_kobj.h - kernel-object arguments (enc "obj") and the kernel-typed
 * integers (syscall64, kernel_cap_t, cap_*) as Tetragon's JSON renders them.
 *
 * Contract: ldr_kobj__json() writes one args[] member's oneof, `"key":{...}`
 * (process_credentials_arg, user_ns_arg, bpf_attr_arg, bpf_prog_arg,
 * bpf_map_arg, perf_event_arg, module_arg, skb_arg), from an untrusted
 * record: the key comes from the record's kind (the argument's declared
 * kind when the kernel gave a NULL object, rendered as {}), and a record
 * shorter than its kind's layout is refused (-1). Strings are cut at their
 * fixed size, never read past it. ldr_kobj__int_json() does the same for
 * an 8-byte value of kind LDR_ARG_SYSCALL or LDR_ARG_CAP_*.
 */
#ifndef TPC_LDR_KOBJ_H
#define TPC_LDR_KOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "core/ldr_meta.h"
#include "jbuf.h"

/* CAP_CHOWN ... by capability number (uapi/linux/capability.h) */
extern const char *const ldr_cap_names[];
extern const size_t ldr_ncap_names;

int ldr_kobj__json(struct jbuf *b, enum ldr_argk declared, uint16_t kind, const void *rec,
		   size_t len);
/* true: kind is one of the integer kinds this file renders */
bool ldr_kobj__is_int(enum ldr_argk k);
void ldr_kobj__int_json(struct jbuf *b, enum ldr_argk k, uint64_t v);

#endif
