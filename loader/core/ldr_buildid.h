/* ldr_buildid.h - the GNU build id of a file a process mapped, for
 * process_loader events (Tetragon's ProcessLoader.buildid).
 *
 * Contract: ldr_buildid__get() opens the file as the process sees it
 * (/proc/PID/root/PATH, so a container's library is the one read; the
 * plain PATH when the process is gone), and reads the NT_GNU_BUILD_ID note
 * ("GNU", type 3) of its SHT_NOTE sections with libelf. Up to 20 bytes go
 * to out; returns the length, 0 when the file has none or cannot be read.
 * Results are cached by (device, inode, size, mtime) in a small
 * direct-mapped table, so a library mapped by every process is parsed
 * once; a replaced file is a new key. Not thread-safe: the event thread
 * calls it.
 */
#ifndef LDR_BUILDID_H
#define LDR_BUILDID_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LDR_BUILDID_MAX 20

size_t ldr_buildid__get(pid_t pid, const char *path, size_t path_len,
			uint8_t out[LDR_BUILDID_MAX]);

#endif
