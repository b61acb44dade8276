/* proc.c - process table: /proc scan at start-up, then base-sensor records. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s/ldr_cgroup.h"
#include "jbuf.h"
#include "core/ldr_proc.h"

#define NBUCKETS (1u << 15)
#define CG_CACHE 1024

struct cg_entry {
	uint64_t id;
	struct ldr_cg_ident ident;
};

struct ldr_proc_table {
	struct ldr_proc *buckets[NBUCKETS];
	size_t count;
	char node[LDR_NODE_MAX];
	char *cgroot;
	struct ldr_cgmap *cgmap;
	bool has_v1; /* v1 hierarchies mounted (v1-only or hybrid host) */
	struct cg_entry cg_cache[CG_CACHE]; /* direct-mapped, cgroup id -> docker */
};

void ldr_exec_id(char *out, size_t outlen, const char *node, uint64_t ktime, uint32_t pid)
{
	char raw[LDR_NODE_MAX + 48];
	int n = snprintf(raw, sizeof(raw), "%s:%llu:%u", node, (unsigned long long)ktime, pid);

	if (n < 0 || (size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	if (((size_t)n + 2) / 3 * 4 + 1 > outlen) {
		out[0] = 0;
		return;
	}
	ldr_base64(out, raw, n);
}

char *ldr_args_join(const char *area, size_t len)
{
	struct jbuf b = { 0 };
	size_t i = 0, first = 1;

	/* skip argv[0]: Tetragon's "arguments" are the arguments only */
	while (i < len && area[i])
		i++;
	i++;
	while (i < len) {
		const char *a = area + i;
		size_t n = strnlen(a, len - i);

		if (!n && i + n + 1 >= len)
			break;
		if (!first)
			jbuf__ch(&b, ' ');
		first = 0;
		if (memchr(a, ' ', n) || !n) {
			jbuf__ch(&b, '"');
			for (size_t j = 0; j < n; j++) {
				if (a[j] == '"' || a[j] == '\\')
					jbuf__ch(&b, '\\');
				jbuf__ch(&b, a[j]);
			}
			jbuf__ch(&b, '"');
		} else {
			jbuf__raw(&b, a, n);
		}
		i += n + 1;
	}
	jbuf__ch(&b, 0);
	if (b.oom) {
		jbuf__free(&b);
		return strdup("");
	}
	return b.p;
}

void ldr_docker_id(const char *cgpath, char out[32])
{
	struct ldr_cg_ident id;

	out[0] = 0;
	if (!ldr_cgroup__parse(cgpath, &id) && id.container_id[0]) {
		memcpy(out, id.container_id, 31);
		out[31] = 0;
	}
}

static int read_file(const char *path, char *buf, size_t size);

struct ldr_proc_table *ldr_proc_table__new(const char *node, const char *cgroot)
{
	struct ldr_proc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	snprintf(t->node, sizeof(t->node), "%s", node);
	t->cgroot = cgroot ? strdup(cgroot) : NULL;
	t->cgmap = ldr_cgmap__new(cgroot);
	{
		char buf[4096];

		/* any line but the unified "0::" one is a v1 hierarchy */
		int n = read_file("/proc/self/cgroup", buf, sizeof(buf));
		const char *nl = n > 0 ? strchr(buf, '\n') : NULL;

		t->has_v1 = n > 0 && (strncmp(buf, "0::", 3) || (nl && nl < buf + n - 1));
	}
	for (size_t i = 0; i < CG_CACHE; i++)
		t->cg_cache[i].id = UINT64_MAX;
	return t;
}

static void proc_free(struct ldr_proc *p)
{
	if (!p)
		return;
	free(p->binary);
	free(p->args);
	free(p->cwd);
	free(p);
}

void ldr_proc_table__free(struct ldr_proc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ldr_proc *p = t->buckets[i], *n;

		for (; p; p = n) {
			n = p->next;
			proc_free(p);
		}
	}
	free(t->cgroot);
	ldr_cgmap__free(t->cgmap);
	free(t);
}

size_t ldr_proc_table__count(const struct ldr_proc_table *t)
{
	return t->count;
}

struct ldr_proc *ldr_proc_table__lookup(struct ldr_proc_table *t, uint32_t pid)
{
	struct ldr_proc *p = t->buckets[pid & (NBUCKETS - 1)];

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

/* The entry for pid, created empty if absent; fields are reset by callers. */
static struct ldr_proc *get_or_add(struct ldr_proc_table *t, uint32_t pid)
{
	struct ldr_proc *p = ldr_proc_table__lookup(t, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = t->buckets[pid & (NBUCKETS - 1)];
	t->buckets[pid & (NBUCKETS - 1)] = p;
	t->count++;
	return p;
}

static void set_str(char **dst, const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		return;
	memcpy(c, s, n);
	c[n] = 0;
	free(*dst);
	*dst = c;
}

static void link_parent(struct ldr_proc_table *t, struct ldr_proc *p)
{
	struct ldr_proc *pp = ldr_proc_table__lookup(t, p->ppid);

	if (pp && pp != p)
		memcpy(p->parent_exec_id, pp->exec_id, sizeof(p->exec_id));
	else
		p->parent_exec_id[0] = 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

/* docker: the first 31 characters of the container id, as Tetragon's. */
static void set_ident(struct ldr_proc *p, const struct ldr_cg_ident *id)
{
	p->cg = *id;
	memcpy(p->docker, id->container_id, 31);
	p->docker[31] = 0;
}

/* What the cgroup says about a process (container, pod): from the v2
 * cgroup's own path (by id, cached by id), else from /proc/PID/cgroup
 * (every hierarchy it lists, v1 included). */
static void ident_of(struct ldr_proc_table *t, uint32_t pid, uint64_t cgid,
		     struct ldr_cg_ident *out)
{
	struct cg_entry *e = &t->cg_cache[cgid % CG_CACHE];
	char path[64], buf[4096];

	memset(out, 0, sizeof(*out));
	if (cgid && e->id == cgid) {
		*out = e->ident;
		return;
	}
	/* a v2 cgroup names the process's place: cache it.  Where v1
	 * hierarchies exist too, the v2 root says nothing (containers may
	 * live in v1 controllers only): ask /proc each time, uncached; so
	 * does a cgroup id with no v2 path (a v1-only host) */
	if (!ldr_cgmap__path(t->cgmap, cgid, buf, sizeof(buf)) &&
	    (!t->has_v1 || !t->cgroot || strcmp(buf, t->cgroot))) {
		ldr_cgroup__parse(buf, out);
		e->id = cgid;
		e->ident = *out;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		ldr_cgroup__parse_proc(buf, out);
}

static void set_flags(struct ldr_proc *p, const char *base, uint32_t evflags)
{
	snprintf(p->flags, sizeof(p->flags), "%s%s%s%s", base,
		 p->cwd && !strcmp(p->cwd, "/") ? " rootcwd" : "",
		 evflags & (TPC_EXEC_F_ARGS_TRUNC | TPC_EXEC_F_ARGS_ERR) ? " truncArgs" : "",
		 evflags & TPC_EXEC_F_CWD_TRUNC ? " errorCWD" : "");
}

struct ldr_proc *ldr_proc_table__exec(struct ldr_proc_table *t, const struct tpc_ev_exec *ev,
				      size_t size)
{
	const char *data = (const char *)(ev + 1);
	size_t avail = size - sizeof(*ev);
	struct ldr_proc *p;

	if (size < sizeof(*ev) ||
	    (size_t)ev->path_len + ev->args_len + ev->cwd_len > avail)
		return NULL;
	p = get_or_add(t, ev->hdr.pid);
	if (!p)
		return NULL;
	p->ppid = ev->ppid;
	p->uid = ev->hdr.uid;
	p->auid = ev->auid;
	p->ktime = ev->hdr.ktime;
	p->cgroup_id = ev->hdr.cgroup_id;
	p->exit_ktime = 0;
	set_str(&p->binary, data, ev->path_len);
	free(p->args);
	p->args = ldr_args_join(data + ev->path_len, ev->args_len);
	set_str(&p->cwd, data + ev->path_len + ev->args_len, ev->cwd_len);
	set_flags(p, "execve", ev->flags);
	ldr_exec_id(p->exec_id, sizeof(p->exec_id), t->node, p->ktime, p->pid);
	link_parent(t, p);
	{
		struct ldr_cg_ident id;

		ident_of(t, p->pid, p->cgroup_id, &id);
		set_ident(p, &id);
	}
	return p;
}

struct ldr_proc *ldr_proc_table__fork(struct ldr_proc_table *t, const struct tpc_ev_fork *ev)
{
	struct ldr_proc *parent = ldr_proc_table__lookup(t, ev->ppid);
	struct ldr_proc *p = get_or_add(t, ev->hdr.pid);

	if (!p)
		return NULL;
	/* a clone runs its parent's image until it execs */
	p->ppid = ev->ppid;
	p->uid = ev->hdr.uid;
	p->auid = parent ? parent->auid : UINT32_MAX;
	p->ktime = ev->hdr.ktime;
	p->cgroup_id = ev->hdr.cgroup_id;
	p->exit_ktime = 0;
	set_str(&p->binary, parent && parent->binary ? parent->binary : "",
		parent && parent->binary ? strlen(parent->binary) : 0);
	set_str(&p->args, parent && parent->args ? parent->args : "",
		parent && parent->args ? strlen(parent->args) : 0);
	set_str(&p->cwd, parent && parent->cwd ? parent->cwd : "",
		parent && parent->cwd ? strlen(parent->cwd) : 0);
	set_flags(p, "clone", 0);
	if (parent) {
		p->cg = parent->cg;
		memcpy(p->docker, parent->docker, sizeof(p->docker));
	} else {
		set_ident(p, &(struct ldr_cg_ident){ 0 });
	}
	ldr_exec_id(p->exec_id, sizeof(p->exec_id), t->node, p->ktime, p->pid);
	link_parent(t, p);
	return p;
}

struct ldr_proc *ldr_proc_table__exit(struct ldr_proc_table *t, const struct tpc_ev_exit *ev)
{
	struct ldr_proc *p = ldr_proc_table__lookup(t, ev->hdr.pid);

	if (p)
		p->exit_ktime = ev->hdr.ktime ? ev->hdr.ktime : 1;
	return p;
}

void ldr_proc_table__purge(struct ldr_proc_table *t, uint64_t now, uint64_t age_ns)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct ldr_proc **pp = &t->buckets[i];

		while (*pp) {
			struct ldr_proc *p = *pp;

			if (p->exit_ktime && p->exit_ktime + age_ns < now) {
				*pp = p->next;
				proc_free(p);
				t->count--;
			} else {
				pp = &p->next;
			}
		}
	}
}

/* --- /proc scan -------------------------------------------------------------- */

static int scan_one(struct ldr_proc_table *t, const char *procdir, uint32_t pid, long hz)
{
	char path[PATH_MAX], buf[8192], *s;
	unsigned long long start = 0;
	struct ldr_proc *p;
	unsigned ppid = 0;
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), "%s/%u/stat", procdir, pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/* comm may hold spaces and parens: fields resume after the last ')' */
	s = strrchr(buf, ')');
	if (!s)
		return -EINVAL;
	s += 2;
	/* field 3 is the state; ppid is field 4, starttime field 22 */
	for (i = 3; i <= 22 && s; i++) {
		if (i == 4)
			ppid = strtoul(s, NULL, 10);
		if (i == 22)
			start = strtoull(s, NULL, 10);
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	p = get_or_add(t, pid);
	if (!p)
		return -ENOMEM;
	p->ppid = ppid;
	p->ktime = start * (1000000000ull / (unsigned long long)hz);
	p->exit_ktime = 0;
	p->auid = UINT32_MAX;
	snprintf(path, sizeof(path), "%s/%u/status", procdir, pid);
	if (read_file(path, buf, sizeof(buf)) > 0 && (s = strstr(buf, "\nUid:")))
		p->uid = strtoul(s + 5, NULL, 10);
	snprintf(path, sizeof(path), "%s/%u/loginuid", procdir, pid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->auid = strtoul(buf, NULL, 10);
	snprintf(path, sizeof(path), "%s/%u/exe", procdir, pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	set_str(&p->binary, buf, n > 0 ? n : 0);
	snprintf(path, sizeof(path), "%s/%u/cmdline", procdir, pid);
	n = read_file(path, buf, sizeof(buf));
	free(p->args);
	p->args = ldr_args_join(buf, n > 0 ? n : 0);
	snprintf(path, sizeof(path), "%s/%u/cwd", procdir, pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	set_str(&p->cwd, buf, n > 0 ? n : 0);
	set_flags(p, "procFS", 0);
	ldr_exec_id(p->exec_id, sizeof(p->exec_id), t->node, p->ktime, p->pid);
	p->cgroup_id = 0;
	set_ident(p, &(struct ldr_cg_ident){ 0 });
	snprintf(path, sizeof(path), "%s/%u/cgroup", procdir, pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		struct ldr_cg_ident id;

		ldr_cgroup__parse_proc(buf, &id);
		set_ident(p, &id);
		for (s = strtok(buf, "\n"); s; s = strtok(NULL, "\n")) {
			struct stat st;
			char cg[PATH_MAX];

			if (strncmp(s, "0::", 3))
				continue;
			snprintf(cg, sizeof(cg), "%s%s", t->cgroot ? t->cgroot : "", s + 3);
			if (t->cgroot && !stat(cg, &st))
				p->cgroup_id = st.st_ino;
			break;
		}
	}
	return 0;
}

int ldr_proc_table__scan(struct ldr_proc_table *t, const char *procdir)
{
	long hz = sysconf(_SC_CLK_TCK);
	DIR *d = opendir(procdir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	if (hz <= 0)
		hz = 100;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid)
			continue;
		if (!scan_one(t, procdir, pid, hz))
			n++;
	}
	closedir(d);
	/* parents are known only once every process is in */
	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct ldr_proc *p = t->buckets[i]; p; p = p->next)
			link_parent(t, p);
	return n;
}

struct ldr_proc *ldr_proc_table__scan_pid(struct ldr_proc_table *t, const char *procdir,
					  uint32_t pid)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct ldr_proc *p;

	if (scan_one(t, procdir, pid, hz > 0 ? hz : 100))
		return NULL;
	p = ldr_proc_table__lookup(t, pid);
	if (p)
		link_parent(t, p);
	return p;
}
