/* values.h - parsers for policy values, shared by sema (to report) and
 * lower (to encode), so both agree on what a value means.
 *
 * Contract: each parser returns 0 and fills *out, or a negative errno with
 * a short human reason in *why (static string). They never print.
 */
#ifndef TPC_VALUES_H
#define TPC_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tables.h"

/* Integer in any base (0x.., 0o.., 0.., 0b.., decimal), optional sign,
 * range-checked for the given argument type. */
int value__parse_int(const char *s, enum arg_type t, int64_t *out, const char **why);
/* Named constants of the tpcNetwork argument types (tcp_event: CONNECT
 * ACCEPT LISTEN CLOSE; dns_qtype: A AAAA CNAME ...), as in tpc_abi.h.
 * value__parse_int() accepts them for those types. */
int value__net_const(enum arg_type t, const char *s, int64_t *out);
/* NULL-terminated names for "did you mean" and docs. */
const char *const *value__net_const_names(enum arg_type t);
/* u64 (for masks, inodes) */
int value__parse_u64(const char *s, uint64_t *out, const char **why);

struct value_cidr {
	int family; /* 4 or 6 */
	uint8_t addr[16];
	int prefix; /* bits */
};
/* "10.0.0.0/8", "192.168.1.1" (=/32), "::1", "fd00::/8" */
int value__parse_cidr(const char *s, struct value_cidr *out, const char **why);

/* "80", "1024:65535" (inclusive range) */
int value__parse_port_range(const char *s, uint16_t *lo, uint16_t *hi, const char **why);
/* "a:b" integer range for InRange/InMap */
int value__parse_int_range(const char *s, enum arg_type t, int64_t *lo, int64_t *hi,
			   const char **why);
/* rateLimit "10s" "1m" "2h" (a bare number is seconds, as in Tetragon)
 * -> milliseconds (fits a u32) */
int value__parse_duration_ms(const char *s, uint64_t *out, const char **why);
/* AF_INET / "2" ; IPPROTO_TCP / "6" ; TCP_ESTABLISHED / "1" */
int value__parse_family(const char *s, int *out, const char **why);
int value__parse_protocol(const char *s, int *out, const char **why);
int value__parse_tcp_state(const char *s, int *out, const char **why);
/* FileType: reg dir lnk chr blk fifo pipe sock -> S_IF* */
int value__parse_file_type(const char *s, unsigned *out, const char **why);
/* NULL-terminated FileType names, for "did you mean" */
const char *const *value__file_type_names(void);

#endif
