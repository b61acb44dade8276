/* driver.h - the clang driver: C text -> BPF object with metadata.
 *
 * Contract: driver__build() compiles `c_text` with clang as a subprocess
 * (-target bpf -O2 -g, CO-RE, -Wall -Werror) against the runtime headers,
 * strips DWARF (BTF stays: CO-RE needs it) and adds the metadata as section
 * .tpc.meta in process (driver/elfpost.h, libelf: no llvm-objcopy
 * processes), and renames the result onto `out_path` only
 * when every step succeeded: a failed build never leaves a partial output.
 * With sign_sk, a placeholder .tpc.sig section is added last and the
 * finished file is signed in place before the rename (common/sig.h).
 * With dry_run, it prints each command line (shell-quoted) instead of
 * running it (the in-process step as a # comment). Every command is run with an argv, never through a shell.
 * Returns 0 or a negative errno; messages go to stderr, prefixed "tpc:".
 */
#ifndef TPC_DRIVER_H
#define TPC_DRIVER_H

#include <stdbool.h>

struct driver_opts {
	const char *clang;   /* default: $TPC_CLANG or "clang" */
	const char *runtime; /* default: $TPC_RUNTIME, <exe>/../runtime, /usr/share/tpc/runtime */
	bool dry_run;
	bool verbose;
	bool keep_debug;
	/* ed25519 secret key (common/sig.h) or NULL for an unsigned object */
	const unsigned char *sign_sk;
};

int driver__build(const char *c_text, const char *meta_json, const char *out_path,
		  const struct driver_opts *opts);
/* The runtime directory that would be used (for --dry-run/explain). */
const char *driver__runtime_dir(const struct driver_opts *opts);

#endif
