/* dsl_fields.c - the field table of the selector DSL (see dsl_fields.h).
 * Keep in sync with the field list in docs/dsl.md. */
#include "front/dsl_fields.h"

#include <errno.h>
#include <string.h>

#include "base/tables.h"

/* index of the first pattern entry below */
#define PAT_FIRST 30

#define F(n, k, key, sub, c, d) { n, DSL_FIELD_##k, key, sub, c, d }

const struct dsl_field dsl_fields[] = {
	/* process (the task that hit the hook) */
	F("binary", PATH, false, -1, NULL, "executable path of the process"),
	F("comm", STRING, false, -1, NULL, "task command name (up to 15 bytes)"),
	F("pid", UINT, false, -1, NULL, "process id (thread group id)"),
	F("tid", UINT, false, -1, NULL, "thread id"),
	F("ppid", UINT, false, -1, NULL, "parent process id"),
	F("uid", UINT, false, -1, NULL, "real user id"),
	F("euid", UINT, false, -1, NULL, "effective user id"),
	F("gid", UINT, false, -1, NULL, "real group id"),
	F("egid", UINT, false, -1, NULL, "effective group id"),
	F("cgroup", UINT, false, -1, NULL, "cgroup v2 id of the task"),
	F("parent.binary", PATH, false, -1, NULL, "executable path of the parent process"),
	/* return value (return probes) */
	F("ret", INT, false, -1, NULL, "return value of the hooked function"),
	/* capabilities */
	F("caps.effective", CAPS, false, CAPT_EFFECTIVE, "CAP_", "effective capability set"),
	F("caps.permitted", CAPS, false, CAPT_PERMITTED, "CAP_", "permitted capability set"),
	F("caps.inheritable", CAPS, false, CAPT_INHERITABLE, "CAP_",
	  "inheritable capability set"),
	/* namespaces (inode numbers) */
	F("ns.uts", UINT, false, NS_UTS, NULL, "UTS namespace inode"),
	F("ns.ipc", UINT, false, NS_IPC, NULL, "IPC namespace inode"),
	F("ns.mnt", UINT, false, NS_MNT, NULL, "mount namespace inode"),
	F("ns.pid", UINT, false, NS_PID, NULL, "pid namespace inode"),
	F("ns.pid_for_children", UINT, false, NS_PID_FOR_CHILDREN, NULL,
	  "pid namespace inode for children"),
	F("ns.net", UINT, false, NS_NET, NULL, "network namespace inode"),
	F("ns.time", UINT, false, NS_TIME, NULL, "time namespace inode"),
	F("ns.time_for_children", UINT, false, NS_TIME_FOR_CHILDREN, NULL,
	  "time namespace inode for children"),
	F("ns.cgroup", UINT, false, NS_CGROUP, NULL, "cgroup namespace inode"),
	F("ns.user", UINT, false, NS_USER, NULL, "user namespace inode"),
	/* Kubernetes identity (resolved by the loader from the cgroup) */
	F("pod.namespace", STRING, false, -1, NULL, "namespace of the pod"),
	F("pod.name", STRING, false, -1, NULL, "name of the pod"),
	F("pod.labels", LABELS, true, -1, NULL, "pod label value: pod.labels[\"app\"]"),
	F("container.name", STRING, false, -1, NULL, "container name in the pod spec"),
	F("container.image", STRING, false, -1, NULL, "container image reference"),
	/* patterns (matched by dsl_field__resolve, not by name) */
	F("argN", ARG, false, -1, NULL, "hook argument N (0-15), typed by the hook"),
	F("args.LABEL", ARG, false, -1, NULL, "hook argument by its 'label'"),
	F("ARG.saddr", ADDR, false, -1, NULL, "socket source address"),
	F("ARG.daddr", ADDR, false, -1, NULL, "socket destination address"),
	F("ARG.sport", PORT, false, -1, NULL, "socket source port"),
	F("ARG.dport", PORT, false, -1, NULL, "socket destination port"),
	F("ARG.family", UINT, false, -1, "AF_", "socket address family (AF_INET, AF_INET6)"),
	F("ARG.protocol", UINT, false, -1, "IPPROTO_", "socket protocol (IPPROTO_TCP, ...)"),
};

const size_t dsl_fields_count = sizeof(dsl_fields) / sizeof(dsl_fields[0]);

_Static_assert(sizeof(dsl_fields) / sizeof(dsl_fields[0]) == PAT_FIRST + 8,
	       "PAT_FIRST must index the first pattern entry");

const char *const dsl_field_names[] = {
	"binary", "comm", "pid", "tid", "ppid", "uid", "euid", "gid", "egid", "cgroup",
	"parent.binary", "ret", "caps.effective", "caps.permitted", "caps.inheritable",
	"ns.uts", "ns.ipc", "ns.mnt", "ns.pid", "ns.pid_for_children", "ns.net", "ns.time",
	"ns.time_for_children", "ns.cgroup", "ns.user", "pod.namespace", "pod.name",
	"pod.labels", "container.name", "container.image", "arg0", "arg1", "arg2", "arg3",
	"arg4", "arg5", "arg6", "arg7", "arg8", "arg9", "arg10", "arg11", "arg12", "arg13",
	"arg14", "arg15", NULL,
};

static bool is_ident(const char *s, size_t n)
{
	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "argN" or "args.LABEL" at the start of [s, s+n): its length, or 0. */
static size_t arg_prefix(const char *s, size_t n, struct dsl_field_ref *ref)
{
	if (n > 5 && !memcmp(s, "args.", 5)) {
		const char *dot = memchr(s + 5, '.', n - 5);
		size_t ln = dot ? (size_t)(dot - (s + 5)) : n - 5;

		if (!is_ident(s + 5, ln))
			return 0;
		ref->label = s + 5;
		ref->label_len = ln;
		return 5 + ln;
	}
	if (n > 3 && !memcmp(s, "arg", 3) && s[3] >= '0' && s[3] <= '9') {
		size_t i = 3;
		int v = 0;

		/* canonical decimal only: arg0..arg15, no arg01 */
		if (s[3] == '0' && n > 4 && s[4] >= '0' && s[4] <= '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && v < DSL_MAX_ARGS)
			v = v * 10 + (s[i++] - '0');
		if (v >= DSL_MAX_ARGS || (i < n && s[i] != '.'))
			return 0;
		ref->arg_index = v;
		return i;
	}
	return 0;
}

int dsl_field__resolve(const char *name, struct dsl_field_ref *ref)
{
	size_t n = strlen(name), p;

	*ref = (struct dsl_field_ref){ NULL, -1, NULL, 0 };
	for (size_t i = 0; i < PAT_FIRST; i++) {
		if (!strcmp(dsl_fields[i].name, name)) {
			ref->f = &dsl_fields[i];
			return 0;
		}
	}
	p = arg_prefix(name, n, ref);
	if (!p)
		goto fail;
	if (p == n) {
		ref->f = &dsl_fields[ref->arg_index >= 0 ? PAT_FIRST : PAT_FIRST + 1];
		return 0;
	}
	for (size_t i = PAT_FIRST + 2; i < dsl_fields_count; i++) {
		/* entry names are "ARG.<sub>" */
		if (!strcmp(dsl_fields[i].name + 3, name + p)) {
			ref->f = &dsl_fields[i];
			return 0;
		}
	}
fail:
	*ref = (struct dsl_field_ref){ NULL, -1, NULL, 0 };
	return -ENOENT;
}

const struct dsl_field *dsl_field__lookup(const char *name)
{
	struct dsl_field_ref ref;

	return dsl_field__resolve(name, &ref) ? NULL : ref.f;
}

const char *dsl_field_kind__name(enum dsl_field_kind k)
{
	static const char *const names[] = { "int",  "uint", "string", "path", "addr",
					     "port", "caps", "labels", "arg" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
