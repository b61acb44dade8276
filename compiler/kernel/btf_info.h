/* btf_info.h - what sema needs to know about a kernel, from its BTF and
 * (for tracepoints) tracefs.
 *
 * Contract: a thin, read-only view over libbpf's btf API. btf_info__open()
 * parses one BTF file (default /sys/kernel/btf/vmlinux) and remembers a
 * tracefs root (default /sys/kernel/tracing; "" for none: tracepoints then
 * come from BTF, e.g. a Debian kernel whose formats were never recorded, or
 * a directory recorded from a boot, tracefs-like: events/SUBSYS/EVENT/
 * format); it returns NULL with a
 * negative errno in *err when the BTF cannot be read. Every query answers
 * from that BTF only (no kallsyms, no running-kernel probing), so the same
 * --btf file gives the same answers on any machine. Types of prototypes
 * are classified after stripping typedefs and const/volatile/restrict/
 * type tags. Tracepoint formats come from tracefs when its format file is
 * readable, else from the trace_event_raw_<event> BTF struct; field indexes
 * count the common_* fields, as Tetragon's tracepoint `index` does.
 * Strings returned point into the btf_info (valid until btf_info__free).
 */
#ifndef TPC_BTF_INFO_H
#define TPC_BTF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf_info;

enum btf_tclass {
	BTFT_VOID,
	BTFT_INT,	 /* int, enum, bool, char: bits + is_signed */
	BTFT_PTR_STRUCT, /* pointer to struct/union NAME (type_name) */
	BTFT_PTR_CHAR,	 /* pointer to a 1-byte integer: a C string */
	BTFT_PTR_OTHER,	 /* any other pointer */
	BTFT_STRUCT,	 /* struct/union passed by value */
	BTFT_OTHER,
};

struct btf_tinfo {
	enum btf_tclass cls;
	int bits;	       /* BTFT_INT: width in bits */
	bool is_signed;	       /* BTFT_INT */
	const char *type_name; /* struct name for PTR_STRUCT/STRUCT, else NULL */
	uint32_t type_id;      /* BTF id of the type as declared */
	char desc[96];	       /* C spelling, e.g. "struct file *", "umode_t" */
};

#define BTF_INFO_MAX_PARAMS 12

struct btf_func_info {
	int nparams;
	bool variadic;
	struct btf_tinfo ret;
	struct btf_tinfo params[BTF_INFO_MAX_PARAMS];
	const char *param_names[BTF_INFO_MAX_PARAMS]; /* "" when unnamed */
};

struct btf_info *btf_info__open(const char *btf_path, const char *tracefs, int *err);
void btf_info__free(struct btf_info *bi);
const char *btf_info__path(const struct btf_info *bi);
/* A target name ("5.10") for a BTF that stands for a named kernel. Messages
 * then leave the file out (the diagnostic is tagged with the kernel), so the
 * same problem on several kernels reads the same and is reported once. */
int btf_info__set_label(struct btf_info *bi, const char *label);
const char *btf_info__label(const struct btf_info *bi); /* NULL if none */
/* For messages: " (PATH)" naming the BTF file, or "" when labelled. */
const char *btf_info__where(const struct btf_info *bi);

/* 0 and *out filled if FUNC name exists, else -ENOENT. out may be NULL. */
int btf_info__func(struct btf_info *bi, const char *name, struct btf_func_info *out);
/* LSM hook "file_open" exists as bpf_lsm_file_open; out is the hook's
 * prototype (the same as security_file_open's). */
int btf_info__lsm_hook(struct btf_info *bi, const char *hook, struct btf_func_info *out);
/* Syscall "sys_openat" (or "openat", "__x64_sys_openat") -> the arch
 * wrapper symbol that exists in this BTF, written to buf. -ENOENT if none. */
int btf_info__syscall(struct btf_info *bi, const char *name, char *buf, size_t size);
/* ---- generated lists (spec.lists of type generated_*) ---- */
/* Calls fn for every FUNC name of this BTF in sorted order; stops at and
 * returns fn's first non-zero result, else 0 (-ENOMEM if the index cannot
 * be built). */
int btf_info__each_func(struct btf_info *bi, int (*fn)(const char *name, void *ctx), void *ctx);
/* This kernel's syscall wrapper prefix ("__x64_sys_"), or NULL. */
const char *btf_info__syscall_prefix(struct btf_info *bi);
/* Is name in the tracefs root's available_filter_functions (a function
 * ftrace, hence kprobes and fentry, can attach to)? 1 yes, 0 no,
 * -ENOENT: the file is not readable (not root, no tracefs, a recorded
 * kernel without it): the caller cannot tell. Read once. */
int btf_info__ftrace_has(struct btf_info *bi, const char *name);
/* Raw tracepoint prototype from the btf_trace_<event> typedef, without its
 * leading void *ctx. */
int btf_info__raw_tracepoint(struct btf_info *bi, const char *event, struct btf_func_info *out);
/* Closest FUNC name to name (shared prefix, small edit distance), or NULL.
 * prefix is prepended to candidates' comparison (e.g. "bpf_lsm_") and
 * stripped from the answer. */
const char *btf_info__suggest_func(struct btf_info *bi, const char *name, const char *prefix);

/* Walk a dotted member path ("f_path.dentry", "mm.owner.comm") from type_id
 * (a struct, union, or pointer to one; typedefs followed), dereferencing
 * pointers between components as Tetragon's `resolve` does (a pointer to a
 * pointer is followed too, up to BTF_PATH_MAX_DEREF levels). Returns 0, or
 * -ENOENT with *bad_off = byte offset in path of the failing component and
 * *bad_len its length; -ENOTDIR if a component is applied to a non-struct;
 * -ELOOP past BTF_PATH_MAX_DEREF pointers in a row. */
int btf_info__field_path(struct btf_info *bi, uint32_t type_id, const char *path,
			 size_t *bad_off, size_t *bad_len);
/* One component of a resolved member path (btf_info__member_path). */
enum btf_step_kind {
	BTF_STEP_PTR,	    /* a pointer (to a struct: the next component reads through it) */
	BTF_STEP_COMPOSITE, /* an embedded struct/union */
	BTF_STEP_INT,	    /* integer, enum or bool: size, is_signed */
	BTF_STEP_ARRAY,	    /* an array: elem_size x nelems */
	BTF_STEP_OTHER,
};

#define BTF_PATH_MAX 16
#define BTF_PATH_MAX_DEREF 3
struct btf_path_step {
	size_t off, len;	/* the component's bytes in the path string */
	const char *owner;	/* name of the struct/union it is a member of ("" if anonymous) */
	bool deref;		/* reached through a pointer (the owner was pointed to) */
	int nderef;		/* through how many: 2 for a struct cred ** (1 read more) */
	enum btf_step_kind kind;
	uint32_t type_id;	/* the member's type, modifiers and typedefs skipped */
	int size;		/* INT: bytes */
	bool is_signed;		/* INT */
	int elem_size, nelems;	/* ARRAY */
	bool ptr_to_struct;	/* PTR: points to a named struct/union */
	bool ptr_to_char;	/* PTR: points to a 1-byte integer */
};

struct btf_path {
	int n;
	struct btf_path_step steps[BTF_PATH_MAX];
};

/* btf_info__field_path that also describes every component into *out
 * (out may be NULL); -E2BIG past BTF_PATH_MAX components. On -ENOENT,
 * cands (if not NULL) receives up to ncands-1 member names of the struct
 * the failing component was looked up in (anonymous members flattened),
 * NULL-terminated, for "did you mean"; the names are owned by bi. */
int btf_info__member_path(struct btf_info *bi, uint32_t type_id, const char *path,
			  struct btf_path *out, size_t *bad_off, size_t *bad_len,
			  const char **cands, size_t ncands);
/* BTF id of struct NAME, or 0. */
uint32_t btf_info__struct_id(struct btf_info *bi, const char *name);
/* Classify a C type as spelled in a tracefs format file ("const char *",
 * "umode_t", "struct sockaddr *"); typedef names are looked up in BTF. */
void btf_info__classify_text(struct btf_info *bi, const char *text, struct btf_tinfo *out);
/* Classify any BTF type id. */
void btf_info__classify(struct btf_info *bi, uint32_t type_id, struct btf_tinfo *out);

/* ---- tracepoints ---- */

struct tp_field {
	char name[64];
	char type[96]; /* as written in the format file, e.g. "const char *" */
	int offset, size;
	bool is_signed;
	bool data_loc; /* __data_loc char[]: a string stored in the record */
	bool is_ptr;   /* the field holds a pointer */
	bool is_array;
};

enum tp_source { TP_SRC_NONE, TP_SRC_TRACEFS, TP_SRC_BTF };

struct tp_format {
	enum tp_source source;
	int nfields; /* common fields included */
	int ncommon;
	struct tp_field *fields; /* owned by the caller: tp_format__release() */
};

/* 0: *out holds the format. -ENOENT: the event does not exist (tracefs
 * readable and the event is absent). -EOPNOTSUPP: cannot tell (no tracefs
 * and no trace_event_raw_<event> struct, but the event exists); *out is
 * empty. Without tracefs, existence comes from BTF's btf_trace_<event>. */
int btf_info__tracepoint(struct btf_info *bi, const char *subsys, const char *event,
			 struct tp_format *out);
/* Does enum `type` hold the constant `name`? A kernel's BTF carries the
 * uapi enum bpf_func_id, so BPF_FUNC_<helper> there says the kernel has
 * that helper: how tpc learns a target kernel's features without booting
 * it. False when either is absent. */
bool btf_info__has_enum_value(struct btf_info *bi, const char *type, const char *name);
/* Do this kernel's BPF trampolines (fentry, fexit, BPF LSM) take struct
 * arguments passed by value? Linux 6.1 added them, and with them
 * struct btf_func_model's arg_flags: its presence in BTF is the probe.
 * Before, the verifier refuses such a program ("arg%d type %s is
 * unsupported"). True when the BTF lacks btf_func_model (cannot tell). */
bool btf_info__trampoline_struct_args(struct btf_info *bi);
/* Index of fi's first parameter that is a struct or union by value, or -1. */
int btf_func_info__struct_param(const struct btf_func_info *fi);
/* Is tracefs usable (its events/ directory readable)? */
bool btf_info__has_tracefs(struct btf_info *bi);
/* Closest event name in subsys (from tracefs, else from BTF's btf_trace_*
 * typedefs), or NULL; returned string is owned by bi. */
const char *btf_info__suggest_event(struct btf_info *bi, const char *subsys, const char *event);
void tp_format__release(struct tp_format *f);
/* Parse one tracefs format file's text (exposed for tests). */
int tp_format__parse(const char *text, struct tp_format *out);

#endif
