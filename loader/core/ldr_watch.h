/* ldr_watch.h - inotify on the policy directory.
 *
 * Contract: ldr_watch__drain() reports each `*.bpf.o` name that was written
 * and closed or moved in (changed = true) or deleted or moved out
 * (changed = false).  Other names (editor temp files) are ignored.
 */
#ifndef TPC_LDR_WATCH_H
#define TPC_LDR_WATCH_H

#include <stdbool.h>

int ldr_watch__open(const char *dir);
int ldr_watch__drain(int fd, void (*cb)(void *ctx, const char *name, bool changed), void *ctx);
bool ldr_is_object_name(const char *name);

#endif
