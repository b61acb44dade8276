/* ldr_watch.h - inotify on the policy directory.
 *
 * Contract: ldr_watch__drain() reports what changed in the directory:
 *  - LDR_WATCH_WRITTEN: a `*.bpf.o` name was written and closed or moved in;
 *  - LDR_WATCH_REMOVED: a `*.bpf.o` name was deleted or moved out;
 *  - LDR_WATCH_CREATED: a `*.bpf.o` name was created (the caller acts only
 *    on a symlink: a regular file is reported again as WRITTEN once closed);
 *  - LDR_WATCH_SWAPPED: the `..data` symlink was moved in, which is how the
 *    kubelet publishes a new ConfigMap/Secret/projected volume (its atomic
 *    writer fills a new `..<timestamp>` directory, renames `..data_tmp` over
 *    `..data`, then adds the symlinks of new keys and removes those of
 *    dropped keys): every object may have changed at once (name "..data").
 * Other names (editor temp files, the kubelet's timestamp directories) are
 * ignored.  Returns the number of events reported or -errno.
 */
#ifndef TPC_LDR_WATCH_H
#define TPC_LDR_WATCH_H

#include <stdbool.h>

enum ldr_watch_ev {
	LDR_WATCH_WRITTEN,
	LDR_WATCH_REMOVED,
	LDR_WATCH_CREATED,
	LDR_WATCH_SWAPPED,
};

#define LDR_WATCH_DATA_LINK "..data"

typedef void (*ldr_watch_fn)(void *ctx, const char *name, enum ldr_watch_ev ev);

int ldr_watch__open(const char *dir);
int ldr_watch__drain(int fd, ldr_watch_fn cb, void *ctx);
bool ldr_is_object_name(const char *name);

#endif
