/* tools.h - running tpc's helper tools (scripts/vm, objload) from the
 * commands: where they are, and running one with its output captured.
 *
 * Contract: tools__exe_dir() is the directory of the running tpc binary
 * (static storage). tools__find() fills out with the first existing path
 * among $env and rel (relative to tpc's directory, or absolute) and says
 * whether one exists. tools__run() runs argv (no shell), returns its exit
 * status (128+signal when killed, -1 when it could not be started) and a
 * malloc'd NUL-terminated copy of its stdout in *out (stderr too with
 * merge; else stderr is inherited), echoed to stderr as it comes with echo.
 */
#ifndef TPC_TOOLS_H
#define TPC_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

const char *tools__exe_dir(void);
bool tools__find(char *out, size_t outlen, const char *env, const char *const *rel);
int tools__run(char *const argv[], char **out, bool merge, bool echo);
/* The scripts/vm directory (kernel.sh, boot.sh, ...): $TPC_VM_SCRIPTS or
 * beside tpc. */
bool tools__vm_scripts(char *out, size_t outlen);

#endif
