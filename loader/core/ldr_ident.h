/* ldr_ident.h - matchBinaries sets in inode identity mode (fill kind
 * "ident_set"): the (device, inode) of each listed binary.
 *
 * Contract: ldr_ident__add() resolves every path of one ident_set map to
 * its struct tpc_ident_key (tpc_abi.h) and inserts them, remembering the
 * keys; a path that does not exist is skipped with one warning (it is
 * inserted once it appears). ldr_ident__rescan() resolves every path of
 * every set again (the run loop's 1 s tick): a binary replaced at its path
 * (a new inode) is inserted before the old key is deleted, so no moment
 * has neither; a key still named by another path of the set stays.
 * ldr_ident__free() is NULL-safe. Main thread only.
 */
#ifndef TPC_LDR_IDENT_H
#define TPC_LDR_IDENT_H

#include <stddef.h>

struct ldr_ident;

/* Add map fd with its paths (borrowed: they must outlive *set) to *set,
 * created on first use; 0 or -errno with a reason in err. obj names the
 * object in warnings. */
int ldr_ident__add(struct ldr_ident **set, const char *obj, int fd, char **paths, size_t n,
		   char *err, size_t errlen);
/* Resolve again and update the maps; returns the number of keys changed. */
int ldr_ident__rescan(struct ldr_ident *set);
void ldr_ident__free(struct ldr_ident *set);

#endif
