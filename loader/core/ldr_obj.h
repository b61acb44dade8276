/* ldr_obj.h - one tpc object: metadata, libbpf object, links, ring buffer.
 *
 * Contract: ldr_obj__open() does every step (read and validate .tpc.meta,
 * open with libbpf, choose one variant per program group for this kernel,
 * load, fill maps, attach) and either returns a fully attached object or
 * NULL with a one-line reason in err; nothing stays attached or loaded on
 * failure.  ldr_obj__destroy() detaches and frees (NULL-safe); with
 * keep_pins it leaves pinned links attached in the kernel (loader restart).
 */
#ifndef TPC_LDR_OBJ_H
#define TPC_LDR_OBJ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "core/ldr_meta.h"
#include "core/ldr_probe.h"

struct ldr_obj;
struct ldr_ctr;
struct ldr_scope;
struct ldr_core_btf;
struct ldr_ident;

/* A file a uprobe was attached to, as it was at attach time.  The kernel
 * keeps the probe on that inode: if the path is later deleted or renamed
 * over, the probe stays on the old file and processes running the new one
 * are not probed.  The run loop compares and reports (ldr_target__state). */
struct ldr_target {
	char *path;
	const char *prog; /* the program's link name (owned by the object) */
	dev_t dev;
	ino_t ino;
	bool reported;
};

enum ldr_target_state { LDR_TARGET_SAME, LDR_TARGET_DELETED, LDR_TARGET_REPLACED };

struct ldr_attach_env {
	const struct ldr_features *feat;
	int cgroup_fd;	      /* cgroup v2 dir for cgroup programs, or -1 */
	const char *cgroup_path;
	bool verbose;
	/* size of each object's event ring buffer in KiB (0: as built). The
	 * mapped ring counts in the loader's RSS, twice for its data pages. */
	unsigned ring_kb;
	/* ring buffer sample callback; its ctx is the struct ldr_obj */
	ring_buffer_sample_fn on_event;
	/* ed25519 public key: objects without a valid signature by it are
	 * refused (common/sig.h); NULL accepts unsigned objects */
	const unsigned char *sig_pubkey;
	/* workload scope maps are registered and filled here before attach
	 * (ldr_scope.h); NULL: scope maps stay empty */
	struct ldr_scope *scope;
	/* this node's labels as "key=value" (--node-labels), for policies'
	 * spec.nodeSelector; node_name names the node in messages */
	const char *const *node_labels;
	size_t nnode_labels;
	const char *node_name;
	/* the kernel BTF parsed once for a batch of objects (ldr_corebtf.h);
	 * NULL: libbpf parses it for each object */
	const struct ldr_core_btf *core_btf;
};

/* Prefix of ldr_obj__open()'s err when an object is not loaded because a
 * policy's nodeSelector does not match this node: not a failure. */
#define LDR_NOT_FOR_NODE "not for this node: "


struct ldr_obj {
	char *path;
	char *name; /* file name, the object's identity in logs, pins and metrics */
	struct ldr_meta *meta;
	struct bpf_object *bpf;
	struct bpf_link **links;
	char **link_names;
	size_t nlinks;
	struct ring_buffer *rb;
	int stats_fd;
	uint64_t drops_seen; /* last TPC_STAT_RB_DROPS total reported */
	char *pinned;	     /* pin directory when pinned */
	/* file identity, to notice replacements on rescans */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	/* metrics: counters per (rule, action code), resolved lazily */
	struct ldr_ctr **rule_ctr;
	void *user; /* the run loop's context */
	struct ldr_obj *next;
	/* the file's bytes as read once; libbpf opens the object from them */
	unsigned char *image;
	size_t image_len;
	char bpf_name[64];
	struct ldr_scope *scope; /* where its scope maps are registered, or NULL */
	struct ldr_ident *ident; /* its inode identity sets (core/ident.c), or NULL */
	/* uprobe target files, recorded after attach */
	struct ldr_target *targets;
	size_t ntargets;
	/* hex key id of the key its signature was verified with, or "" */
	char sig_key_id[33];
	/* optional programs (generated lists): groups in the object, groups
	 * attached, and the first group skipped (for the one summary warning) */
	size_t opt_groups, opt_attached;
	char opt_first_skipped[64];
};

/* Read and validate the .tpc.meta section of an ELF file. */
struct ldr_meta *ldr_obj__read_meta(const char *path, char *err, size_t errlen);
/* The same from an object image in memory (buf is not modified). */
struct ldr_meta *ldr_obj__read_meta_mem(void *buf, size_t len, char *err, size_t errlen);

struct ldr_obj *ldr_obj__open(const char *path, const struct ldr_attach_env *env, void *user,
			      char *err, size_t errlen);
void ldr_obj__destroy(struct ldr_obj *o, bool keep_pins);

/* Pin maps and links under dir/<name>/, replacing whatever was pinned
 * there (which detaches an older copy once nothing else holds it). */
int ldr_obj__pin(struct ldr_obj *o, const char *dir, char *err, size_t errlen);
/* Was the copy pinned under dir/<name> verified with this key id when it
 * was loaded?  ldr_obj__pin leaves a marker (a one-entry map pinned as
 * verified_<key id>) for signature-verified objects: a later loader with
 * --require-signature keeps such a pinned copy when the object file is
 * refused, and detaches any other (it cannot re-verify bytes it never saw). */
bool ldr_pin__verified(const char *dir, const char *name, const char *key_id);
/* Remove dir/<name> and everything pinned in it. */
void ldr_pin__remove(const char *dir, const char *name);
/* The pin directory name of an object file name. */
void ldr_pin__dirname(const char *name, char *out, size_t outlen);

/* Does t->path still name the file the probe was attached to? */
enum ldr_target_state ldr_target__state(const struct ldr_target *t);

/* Sum of TPC_STAT_RB_DROPS over CPUs for a per-CPU stats map fd. */
uint64_t ldr_stats__read(int fd, uint32_t idx);

#endif
