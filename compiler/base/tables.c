/* tables.c - name tables generated from the X-macros in tables.h. */
#include "base/tables.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define X_NAME(e, name, ...) name,
static const char *const arg_type_names[] = { TPC_ARG_TYPES(X_NAME) NULL };
static const char *const op_names[] = { TPC_OPS(X_NAME) NULL };
static const char *const action_names[] = { TPC_ACTIONS(X_NAME) NULL };
static const char *const ns_names[] = { TPC_NAMESPACES(X_NAME) NULL };
static const char *const cap_type_names[] = { TPC_CAP_TYPES(X_NAME) NULL };
#undef X_NAME

#define X_ID(e, name, id, ...) id,
static const int arg_type_ids[] = { TPC_ARG_TYPES(X_ID) };
#undef X_ID
#define X_SZ(e, name, id, sz) sz,
static const int arg_type_sizes[] = { TPC_ARG_TYPES(X_SZ) };
#undef X_SZ

/* Linux capability numbers (include/uapi/linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", NULL,
};

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", 1 },   { "SIGINT", 2 },   { "SIGQUIT", 3 },	  { "SIGILL", 4 },
	{ "SIGTRAP", 5 },  { "SIGABRT", 6 },  { "SIGBUS", 7 },	  { "SIGFPE", 8 },
	{ "SIGKILL", 9 },  { "SIGUSR1", 10 }, { "SIGSEGV", 11 },  { "SIGUSR2", 12 },
	{ "SIGPIPE", 13 }, { "SIGALRM", 14 }, { "SIGTERM", 15 },  { "SIGSTKFLT", 16 },
	{ "SIGCHLD", 17 }, { "SIGCONT", 18 }, { "SIGSTOP", 19 },  { "SIGTSTP", 20 },
	{ "SIGTTIN", 21 }, { "SIGTTOU", 22 }, { "SIGURG", 23 },	  { "SIGXCPU", 24 },
	{ "SIGXFSZ", 25 }, { "SIGVTALRM", 26 }, { "SIGPROF", 27 }, { "SIGWINCH", 28 },
	{ "SIGIO", 29 },   { "SIGPWR", 30 },  { "SIGSYS", 31 },
};

static const struct {
	const char *name;
	int num;
} errnos[] = {
	{ "EPERM", 1 },	  { "ENOENT", 2 },  { "ESRCH", 3 },   { "EINTR", 4 },
	{ "EIO", 5 },	  { "ENXIO", 6 },   { "E2BIG", 7 },   { "ENOEXEC", 8 },
	{ "EBADF", 9 },	  { "ECHILD", 10 }, { "EAGAIN", 11 }, { "ENOMEM", 12 },
	{ "EACCES", 13 }, { "EFAULT", 14 }, { "EBUSY", 16 },  { "EEXIST", 17 },
	{ "EXDEV", 18 },  { "ENODEV", 19 }, { "ENOTDIR", 20 }, { "EISDIR", 21 },
	{ "EINVAL", 22 }, { "ENFILE", 23 }, { "EMFILE", 24 }, { "ETXTBSY", 26 },
	{ "EFBIG", 27 },  { "ENOSPC", 28 }, { "ESPIPE", 29 }, { "EROFS", 30 },
	{ "EMLINK", 31 }, { "EPIPE", 32 },  { "ENOSYS", 38 }, { "ENOTSUP", 95 },
	{ "EOPNOTSUPP", 95 }, { "EADDRINUSE", 98 }, { "EADDRNOTAVAIL", 99 },
	{ "ENETUNREACH", 101 }, { "ECONNREFUSED", 111 }, { "EHOSTUNREACH", 113 },
};

/* Tetragon's SelectorOp() aliases, matched case-insensitively. */
static const struct {
	const char *alias;
	enum op op;
} op_aliases[] = {
	{ "GreaterThan", OP_GT }, { "LessThan", OP_LT },   { "eq", OP_EQUAL },
	{ "neq", OP_NOT_EQUAL },  { "NotSPortPriv", OP_NOT_SPORT_PRIV },
};

static int lookup_ci(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++)
		if (!strcasecmp(names[i], name))
			return i;
	return -1;
}

static int lookup_exact(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

int arg_type__lookup(const char *name, enum arg_type *out)
{
	int i = lookup_exact(arg_type_names, name);

	if (i < 0)
		return -ENOENT;
	*out = (enum arg_type)i;
	return 0;
}

int op__lookup(const char *name, enum op *out)
{
	int i = lookup_ci(op_names, name);

	if (i >= 0) {
		*out = (enum op)i;
		return 0;
	}
	for (size_t k = 0; k < sizeof(op_aliases) / sizeof(op_aliases[0]); k++) {
		if (!strcasecmp(op_aliases[k].alias, name)) {
			*out = op_aliases[k].op;
			return 0;
		}
	}
	return -ENOENT;
}

int action__lookup(const char *name, enum action *out)
{
	int i = lookup_ci(action_names, name);

	if (i < 0)
		return -ENOENT;
	*out = (enum action)i;
	return 0;
}

int ns_kind__lookup(const char *name, enum ns_kind *out)
{
	int i = lookup_ci(ns_names, name);

	if (i < 0)
		return -ENOENT;
	*out = (enum ns_kind)i;
	return 0;
}

int cap_type__lookup(const char *name, enum cap_type *out)
{
	int i = lookup_ci(cap_type_names, name);

	if (i < 0)
		return -ENOENT;
	*out = (enum cap_type)i;
	return 0;
}

int capability__lookup(const char *name, int *out)
{
	char buf[64];
	int i;

	if (strlen(name) + 5 > sizeof(buf))
		return -ENOENT;
	i = lookup_ci(cap_names, name);
	if (i < 0) {
		snprintf(buf, sizeof(buf), "CAP_%s", name);
		i = lookup_ci(cap_names, buf);
	}
	if (i < 0)
		return -ENOENT;
	*out = i;
	return 0;
}

static int parse_small_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < -4096 || v > 4096)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int signal__lookup(const char *name, int *out)
{
	char buf[32];
	int v;

	if (!parse_small_int(name, &v)) {
		if (v < 1 || v > 64)
			return -ERANGE;
		*out = v;
		return 0;
	}
	if (strlen(name) + 4 > sizeof(buf))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		snprintf(buf, sizeof(buf), "SIG%s", name);
		if (!strcasecmp(signals[i].name, name) || !strcasecmp(signals[i].name, buf)) {
			*out = signals[i].num;
			return 0;
		}
	}
	return -ENOENT;
}

int errno__lookup(const char *name, int *out)
{
	int v;

	if (!parse_small_int(name, &v)) {
		/* Tetragon writes argError as a negative errno (-1 = -EPERM) */
		if (v < 0)
			v = -v;
		if (v < 1 || v > 4095)
			return -ERANGE;
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (!strcasecmp(errnos[i].name, name)) {
			*out = errnos[i].num;
			return 0;
		}
	}
	return -ENOENT;
}

const char *arg_type__name(enum arg_type t)
{
	return t < ARG__COUNT ? arg_type_names[t] : "?";
}

int arg_type__tetragon_id(enum arg_type t)
{
	return t < ARG__COUNT ? arg_type_ids[t] : -1;
}

int arg_type__int_size(enum arg_type t)
{
	return t < ARG__COUNT ? arg_type_sizes[t] : 0;
}

bool arg_type__is_int(enum arg_type t)
{
	return arg_type__int_size(t) > 0;
}

bool arg_type__is_signed(enum arg_type t)
{
	switch (t) {
	case ARG_INT:
	case ARG_SINT32:
	case ARG_INT32:
	case ARG_SINT16:
	case ARG_INT16:
	case ARG_SINT8:
	case ARG_INT8:
	case ARG_LONG:
	case ARG_SINT64:
	case ARG_INT64:
	case ARG_BPF_CMD:
		return true;
	default:
		return false;
	}
}

bool arg_type__is_string(enum arg_type t)
{
	return t == ARG_STRING || t == ARG_FILENAME || t == ARG_DATA_LOC || t == ARG_CHAR_BUF ||
	       t == ARG_CHAR_IOVEC || t == ARG_NET_DEVICE;
}

bool arg_type__is_path(enum arg_type t)
{
	return t == ARG_FILE || t == ARG_PATH || t == ARG_FD || t == ARG_LINUX_BINPRM ||
	       t == ARG_DENTRY || t == ARG_KIOCB;
}

bool arg_type__is_net(enum arg_type t)
{
	return t == ARG_SOCK || t == ARG_SOCKET || t == ARG_SKB || t == ARG_SOCKADDR;
}

const char *op__name(enum op o)
{
	return o < OP__COUNT ? op_names[o] : "?";
}

const char *action__name(enum action a)
{
	return a < ACT__COUNT ? action_names[a] : "?";
}

const char *ns_kind__name(enum ns_kind n)
{
	return n < NS__COUNT ? ns_names[n] : "?";
}

const char *cap_type__name(enum cap_type t)
{
	return t < CAPT__COUNT ? cap_type_names[t] : "?";
}

const char *capability__name(int cap)
{
	if (cap < 0 || cap >= (int)(sizeof(cap_names) / sizeof(cap_names[0])) - 1)
		return NULL;
	return cap_names[cap];
}

const char *const *arg_type__names(void)
{
	return arg_type_names;
}
const char *const *op__names(void)
{
	return op_names;
}
const char *const *action__names(void)
{
	return action_names;
}
const char *const *ns_kind__names(void)
{
	return ns_names;
}
const char *const *cap_type__names(void)
{
	return cap_type_names;
}
const char *const *capability__names(void)
{
	return cap_names;
}
