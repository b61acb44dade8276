/* tables.h - single source of truth for the names tpc understands.
 *
 * Contract: every enum of the policy language (hook kinds, argument types,
 * operators, actions, namespaces, capabilities, signals) is declared here
 * once as an X-macro; the name tables, lookups and "did you mean" candidate
 * lists are generated from it in tables.c. Keep in sync with
 * docs/policy-reference.md (a unit test checks that every name appears there).
 * Lookups accept Tetragon's aliases (lowercase forms, GreaterThan, ...).
 */
#ifndef TPC_TABLES_H
#define TPC_TABLES_H

#include <stdbool.h>
#include <stdint.h>

/* Argument types: X(enum, yaml-name, tetragon-id, size-in-event) */
#define TPC_ARG_TYPES(X)                                                       \
	X(ARG_AUTO, "auto", 0, 0)                                              \
	X(ARG_INT, "int", 1, 4)                                                \
	X(ARG_SINT32, "sint32", 12, 4)                                         \
	X(ARG_INT32, "int32", 12, 4)                                           \
	X(ARG_UINT32, "uint32", 13, 4)                                         \
	X(ARG_SINT16, "sint16", 29, 4)                                         \
	X(ARG_INT16, "int16", 29, 4)                                           \
	X(ARG_UINT16, "uint16", 30, 4)                                         \
	X(ARG_SINT8, "sint8", 31, 4)                                           \
	X(ARG_INT8, "int8", 31, 4)                                             \
	X(ARG_UINT8, "uint8", 32, 4)                                           \
	X(ARG_LONG, "long", 10, 8)                                             \
	X(ARG_SINT64, "sint64", 10, 8)                                         \
	X(ARG_INT64, "int64", 10, 8)                                           \
	X(ARG_ULONG, "ulong", 11, 8)                                           \
	X(ARG_UINT64, "uint64", 11, 8)                                         \
	X(ARG_UNSIGNED_LONG, "unsigned long", 11, 8)                           \
	X(ARG_SIZE_T, "size_t", 4, 8)                                          \
	X(ARG_STRING, "string", 6, 0)                                          \
	X(ARG_CHAR_BUF, "char_buf", 2, 0)                                      \
	X(ARG_CHAR_IOVEC, "char_iovec", 3, 0)                                  \
	X(ARG_FILENAME, "filename", 14, 0)                                     \
	X(ARG_FD, "fd", 17, 0)                                                 \
	X(ARG_FILE, "file", 16, 0)                                             \
	X(ARG_PATH, "path", 15, 0)                                             \
	X(ARG_DENTRY, "dentry", 42, 0)                                         \
	X(ARG_KIOCB, "kiocb", 24, 0)                                           \
	X(ARG_LINUX_BINPRM, "linux_binprm", 37, 0)                             \
	X(ARG_SKB, "skb", 5, 0)                                                \
	X(ARG_SOCK, "sock", 7, 0)                                              \
	X(ARG_SOCKET, "socket", 41, 0)                                         \
	X(ARG_SOCKADDR, "sockaddr", 40, 0)                                     \
	X(ARG_SOCKADDR_UN, "sockaddr_un", 44, 0)                               \
	X(ARG_NET_DEVICE, "net_device", 39, 0)                                 \
	X(ARG_CRED, "cred", 8, 0)                                              \
	X(ARG_CAPABILITY, "capability", 23, 4)                                 \
	X(ARG_KERNEL_CAP_T, "kernel_cap_t", 33, 8)                             \
	X(ARG_CAP_INHERITABLE, "cap_inheritable", 34, 8)                       \
	X(ARG_CAP_PERMITTED, "cap_permitted", 35, 8)                           \
	X(ARG_CAP_EFFECTIVE, "cap_effective", 36, 8)                           \
	X(ARG_USER_NAMESPACE, "user_namespace", 22, 0)                         \
	X(ARG_BPF_ATTR, "bpf_attr", 19, 0)                                     \
	X(ARG_BPF_PROG, "bpf_prog", 43, 0)                                     \
	X(ARG_BPF_MAP, "bpf_map", 21, 0)                                       \
	X(ARG_PERF_EVENT, "perf_event", 20, 0)                                 \
	X(ARG_LOAD_INFO, "load_info", 26, 0)                                   \
	X(ARG_MODULE, "module", 27, 0)                                         \
	X(ARG_IOV_ITER, "iov_iter", 25, 0)                                     \
	X(ARG_SYSCALL64, "syscall64", 28, 8)                                   \
	X(ARG_DATA_LOC, "data_loc", 38, 0)                                     \
	X(ARG_CONST_BUF, "const_buf", 18, 0)                                   \
	X(ARG_NOP, "nop", -1, 0)                                               \
	X(ARG_BPF_CMD, "bpf_cmd", 1, 4)                                        \
	/* tpc network hooks only (tpcNetwork's fixed args; no Tetragon id) */ \
	X(ARG_TCP_EVENT, "tcp_event", -1, 4)                                   \
	X(ARG_DNS_QTYPE, "dns_qtype", -1, 4)

/* Selector operators: X(enum, canonical-name) (aliases in tables.c). */
#define TPC_OPS(X)                                                             \
	X(OP_EQUAL, "Equal")                                                   \
	X(OP_NOT_EQUAL, "NotEqual")                                            \
	X(OP_IN, "In")                                                         \
	X(OP_NOT_IN, "NotIn")                                                  \
	X(OP_PREFIX, "Prefix")                                                 \
	X(OP_NOT_PREFIX, "NotPrefix")                                          \
	X(OP_POSTFIX, "Postfix")                                               \
	X(OP_NOT_POSTFIX, "NotPostfix")                                        \
	X(OP_GT, "GT")                                                         \
	X(OP_LT, "LT")                                                         \
	X(OP_MASK, "Mask")                                                     \
	X(OP_SPORT, "SPort")                                                   \
	X(OP_NOT_SPORT, "NotSPort")                                            \
	X(OP_SPORT_PRIV, "SPortPriv")                                          \
	X(OP_NOT_SPORT_PRIV, "NotSportPriv")                                   \
	X(OP_DPORT, "DPort")                                                   \
	X(OP_NOT_DPORT, "NotDPort")                                            \
	X(OP_DPORT_PRIV, "DPortPriv")                                          \
	X(OP_NOT_DPORT_PRIV, "NotDPortPriv")                                   \
	X(OP_SADDR, "SAddr")                                                   \
	X(OP_NOT_SADDR, "NotSAddr")                                            \
	X(OP_DADDR, "DAddr")                                                   \
	X(OP_NOT_DADDR, "NotDAddr")                                            \
	X(OP_PROTOCOL, "Protocol")                                             \
	X(OP_FAMILY, "Family")                                                 \
	X(OP_STATE, "State")                                                   \
	X(OP_IN_MAP, "InMap")                                                  \
	X(OP_NOT_IN_MAP, "NotInMap")                                           \
	X(OP_CAPS_GAINED, "CapabilitiesGained")                                \
	X(OP_IN_RANGE, "InRange")                                              \
	X(OP_NOT_IN_RANGE, "NotInRange")                                       \
	X(OP_SUBSTRING, "SubString")                                           \
	X(OP_SUBSTRING_IGNCASE, "SubStringIgnCase")                            \
	X(OP_CEL_EXPR, "CelExpr")                                              \
	X(OP_FILE_TYPE, "FileType")                                            \
	X(OP_NOT_FILE_TYPE, "NotFileType")                                      \
	X(OP_UNLINKED, "Unlinked")                                             \
	X(OP_NOT_UNLINKED, "NotUnlinked")

/* Actions: X(enum, name, tetragon-bpf-id). JSON action = KPROBE_ACTION_<UPPER>. */
#define TPC_ACTIONS(X)                                                         \
	X(ACT_POST, "Post", 0)                                                 \
	X(ACT_FOLLOWFD, "FollowFD", 1)                                         \
	X(ACT_SIGKILL, "Sigkill", 2)                                           \
	X(ACT_UNFOLLOWFD, "UnfollowFD", 3)                                     \
	X(ACT_OVERRIDE, "Override", 4)                                         \
	X(ACT_COPYFD, "CopyFD", 5)                                             \
	X(ACT_GETURL, "GetUrl", 6)                                             \
	X(ACT_DNSLOOKUP, "DnsLookup", 7)                                       \
	X(ACT_NOPOST, "NoPost", 8)                                             \
	X(ACT_SIGNAL, "Signal", 9)                                             \
	X(ACT_TRACKSOCK, "TrackSock", 10)                                      \
	X(ACT_UNTRACKSOCK, "UntrackSock", 11)                                  \
	X(ACT_NOTIFY_ENFORCER, "NotifyEnforcer", 12)                           \
	X(ACT_CLEANUP_ENFORCER, "CleanupEnforcerNotification", 13)             \
	X(ACT_SET, "Set", 14)                                                  \
	X(ACT_BLOCK, "Block", 100) /* tpc shorthand: LSM deny or SIGKILL */

/* Namespaces for matchNamespaces: X(enum, name) */
#define TPC_NAMESPACES(X)                                                      \
	X(NS_UTS, "Uts")                                                       \
	X(NS_IPC, "Ipc")                                                       \
	X(NS_MNT, "Mnt")                                                       \
	X(NS_PID, "Pid")                                                       \
	X(NS_PID_FOR_CHILDREN, "PidForChildren")                               \
	X(NS_NET, "Net")                                                       \
	X(NS_TIME, "Time")                                                     \
	X(NS_TIME_FOR_CHILDREN, "TimeForChildren")                             \
	X(NS_CGROUP, "Cgroup")                                                 \
	X(NS_USER, "User")

/* Capability sets for matchCapabilities type */
#define TPC_CAP_TYPES(X)                                                       \
	X(CAPT_EFFECTIVE, "Effective")                                         \
	X(CAPT_INHERITABLE, "Inheritable")                                     \
	X(CAPT_PERMITTED, "Permitted")

#define X_ENUM(e, ...) e,
enum arg_type { TPC_ARG_TYPES(X_ENUM) ARG__COUNT };
enum op { TPC_OPS(X_ENUM) OP__COUNT };
enum action { TPC_ACTIONS(X_ENUM) ACT__COUNT };
enum ns_kind { TPC_NAMESPACES(X_ENUM) NS__COUNT };
enum cap_type { TPC_CAP_TYPES(X_ENUM) CAPT__COUNT };
#undef X_ENUM

/* Each lookup returns 0 and stores the value, or -ENOENT. */
int arg_type__lookup(const char *name, enum arg_type *out);
int op__lookup(const char *name, enum op *out);
int action__lookup(const char *name, enum action *out);
int ns_kind__lookup(const char *name, enum ns_kind *out);
int cap_type__lookup(const char *name, enum cap_type *out);
/* CAP_SYS_ADMIN -> 21; also accepts "sys_admin" and "SYS_ADMIN". */
int capability__lookup(const char *name, int *out);
/* SIGKILL, KILL, kill, 9 -> 9 */
int signal__lookup(const char *name, int *out);
/* EPERM, -1 (Tetragon's argError), 1 -> errno value (positive) */
int errno__lookup(const char *name, int *out);

const char *arg_type__name(enum arg_type t);
int arg_type__tetragon_id(enum arg_type t);
/* Bytes an integer-ish type occupies in an event, 0 for non-integers. */
int arg_type__int_size(enum arg_type t);
bool arg_type__is_int(enum arg_type t);
bool arg_type__is_signed(enum arg_type t);
bool arg_type__is_string(enum arg_type t); /* string, filename, data_loc, char_buf */
bool arg_type__is_path(enum arg_type t);   /* file, path, fd, linux_binprm, dentry, kiocb */
bool arg_type__is_net(enum arg_type t);	   /* sock, socket, skb, sockaddr */
const char *op__name(enum op o);
const char *action__name(enum action a);
const char *ns_kind__name(enum ns_kind n);
const char *cap_type__name(enum cap_type t);
const char *capability__name(int cap);

/* NULL-terminated candidate lists for diag_suggest(). */
const char *const *arg_type__names(void);
const char *const *op__names(void);
const char *const *action__names(void);
const char *const *ns_kind__names(void);
const char *const *cap_type__names(void);
const char *const *capability__names(void);

#endif
