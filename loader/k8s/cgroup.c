/* cgroup.c - kubelet cgroup layouts -> container/pod identity, and the
 * cgroup v2 id -> path map. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "k8s/ldr_cgroup.h"

#define CGMAP_MAX_DEPTH 16
#define CGMAP_MAX_ENTRIES (1u << 20)

const char *ldr_cg_runtime__name(enum ldr_cg_runtime rt)
{
	static const char *const n[] = { "unknown", "containerd", "cri-o", "docker" };

	return rt <= LDR_RT_DOCKER ? n[rt] : "unknown";
}

const char *ldr_cg_qos__name(enum ldr_cg_qos q)
{
	static const char *const n[] = { "", "guaranteed", "burstable", "besteffort" };

	return q <= LDR_QOS_BESTEFFORT ? n[q] : "";
}

static bool hexn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n >= m && !memcmp(s + n - m, suf, m);
}

/* A pod UID as the kubelet writes it ('_' for '-' under systemd):
 * 8-4-4-4-12 hex, or 32 hex (static pods' config hash). */
static bool parse_pod_uid(const char *s, size_t n, char out[37])
{
	static const size_t dash[] = { 8, 13, 18, 23 };

	if (n == 32 && hexn(s, n)) {
		memcpy(out, s, 32);
		out[32] = 0;
		goto lower;
	}
	if (n != 36)
		return false;
	for (size_t i = 0, d = 0; i < n; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			out[i] = '-';
			d++;
		} else if (isxdigit((unsigned char)s[i])) {
			out[i] = s[i];
		} else {
			return false;
		}
	}
	out[36] = 0;
lower:
	for (char *q = out; *q; q++)
		*q = tolower((unsigned char)*q);
	return true;
}

/* A container directory name: "<prefix><64 hex>[.scope]". */
static bool container_leaf(const char *s, size_t n, struct ldr_cg_ident *out)
{
	static const struct {
		const char *prefix;
		enum ldr_cg_runtime rt;
	} pre[] = {
		{ "cri-containerd-", LDR_RT_CONTAINERD },
		{ "crio-", LDR_RT_CRIO },
		{ "docker-", LDR_RT_DOCKER },
		{ "containerd-", LDR_RT_CONTAINERD },
		{ "libpod-", LDR_RT_UNKNOWN },
		{ "", LDR_RT_UNKNOWN },
	};

	if (ends_with(s, n, ".scope"))
		n -= 6;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t pl = strlen(pre[i].prefix);

		if (n != pl + 64 || memcmp(s, pre[i].prefix, pl) || !hexn(s + pl, 64))
			continue;
		for (size_t j = 0; j < 64; j++)
			out->container_id[j] = tolower((unsigned char)s[pl + j]);
		out->container_id[64] = 0;
		out->runtime = pre[i].rt;
		return true;
	}
	return false;
}

static enum ldr_cg_qos qos_word(const char *s, size_t n)
{
	if (n == 9 && !memcmp(s, "burstable", 9))
		return LDR_QOS_BURSTABLE;
	if (n == 10 && !memcmp(s, "besteffort", 10))
		return LDR_QOS_BESTEFFORT;
	return LDR_QOS_NONE;
}

/* A systemd slice below kubepods: "[x-]kubepods-<rest>.slice".  rest is a
 * QoS word, "pod<uid>", or "<qos>-pod<uid>". */
static bool kube_slice(const char *s, size_t n, const char **rest, size_t *rn)
{
	const char *k;

	if (!ends_with(s, n, ".slice"))
		return false;
	n -= 6;
	k = memmem(s, n, "kubepods-", 9);
	if (!k || (k != s && k[-1] != '-'))
		return false;
	*rest = k + 9;
	*rn = n - (*rest - s);
	return true;
}

int ldr_cgroup__parse(const char *path, struct ldr_cg_ident *out)
{
	const char *c = path, *e;
	/* 0: before kubepods, 1: after kubepods (qos or pod next), 2: after
	 * pod (container next), 3: done */
	int state = 0;
	bool have_ctr = false;

	memset(out, 0, sizeof(*out));
	for (; *c; c = *e ? e + 1 : e) {
		const char *rest;
		size_t n, rn;

		e = strchrnul(c, '/');
		n = e - c;
		if (!n)
			continue;
		if (state == 0) {
			if ((n == 8 && !memcmp(c, "kubepods", 8)) ||
			    ends_with(c, n, "kubepods.slice")) {
				if (n > 14 && c[n - 15] != '-')
					continue;
				state = 1;
				out->qos = LDR_QOS_GUARANTEED;
				continue;
			}
			continue;
		}
		if (state == 1) {
			enum ldr_cg_qos q = qos_word(c, n);

			if (q) { /* cgroupfs */
				out->qos = q;
				continue;
			}
			if (n > 3 && !memcmp(c, "pod", 3) && parse_pod_uid(c + 3, n - 3, out->pod_uid)) {
				state = 2;
				continue;
			}
			if (kube_slice(c, n, &rest, &rn)) {
				const char *dash = memchr(rest, '-', rn);

				q = qos_word(rest, dash ? (size_t)(dash - rest) : rn);
				if (q) {
					out->qos = q;
					if (!dash)
						continue;
					rn -= dash + 1 - rest;
					rest = dash + 1;
				}
				if (rn > 3 && !memcmp(rest, "pod", 3) &&
				    parse_pod_uid(rest + 3, rn - 3, out->pod_uid)) {
					state = 2;
					continue;
				}
			}
			break; /* something else under kubepods: not a pod */
		}
		if (state == 2) {
			have_ctr = container_leaf(c, n, out);
			state = 3;
			if (!have_ctr)
				break;
			continue;
		}
		/* state 3: sub-cgroups inside a container keep its identity */
	}
	if (state == 2 || (state == 3 && have_ctr)) {
		if (!have_ctr) {
			out->container_id[0] = 0;
			out->runtime = LDR_RT_UNKNOWN;
		}
		return 0;
	}
	/* not a kubelet layout: a container leaf (docker, podman, a malformed
	 * pod directory) still names the container, without a pod */
	memset(out, 0, sizeof(*out));
	c = strrchr(path, '/');
	c = c ? c + 1 : path;
	if (container_leaf(c, strlen(c), out))
		return 0;
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

int ldr_cgroup__parse_proc(const char *text, struct ldr_cg_ident *out)
{
	const char *l = text, *v2 = NULL;
	char buf[4096];

	/* the unified line first */
	for (const char *p = l; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, "0::", 3)) {
			v2 = p + 3;
			break;
		}
	if (v2) {
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(v2, "\n"), v2);
		if (!ldr_cgroup__parse(buf, out))
			return 0;
	}
	for (const char *p = l; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t ll = strcspn(p, "\n");

		if (!c2 || c2 > p + ll || !strncmp(p, "0::", 3))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(p + ll - c2 - 1), c2 + 1);
		if (!ldr_cgroup__parse(buf, out))
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

/* --- cgroup id -> path -------------------------------------------------------- */

struct cg_ent {
	uint64_t id;
	char *path;
};

struct ldr_cgmap {
	pthread_mutex_t lock;
	char *root;
	int root_fd;
	struct cg_ent *v; /* open addressing, power-of-two size */
	size_t cap, n;
	uint64_t last_scan_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

struct ldr_cgmap *ldr_cgmap__new(const char *root)
{
	struct ldr_cgmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->root_fd = -1;
	if (root) {
		m->root = strdup(root);
		m->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return m;
}

static void clear_locked(struct ldr_cgmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}

void ldr_cgmap__free(struct ldr_cgmap *m)
{
	if (!m)
		return;
	clear_locked(m);
	if (m->root_fd >= 0)
		close(m->root_fd);
	free(m->root);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int put_locked(struct ldr_cgmap *m, uint64_t id, const char *path)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct cg_ent *nv = calloc(cap, sizeof(*nv)), *ov = m->v;
		size_t ocap = m->cap;

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		m->cap = cap;
		m->n = 0;
		for (i = 0; i < ocap; i++)
			if (ov[i].path) {
				size_t j = mix(ov[i].id) & (cap - 1);

				while (nv[j].path)
					j = (j + 1) & (cap - 1);
				nv[j] = ov[i];
				m->n++;
			}
		free(ov);
	}
	for (i = mix(id) & (m->cap - 1); m->v[i].path; i = (i + 1) & (m->cap - 1))
		if (m->v[i].id == id)
			break;
	if (m->v[i].path) {
		if (!strcmp(m->v[i].path, path))
			return 0;
		free(m->v[i].path);
		m->n--;
	}
	m->v[i].path = strdup(path);
	if (!m->v[i].path)
		return -ENOMEM;
	m->v[i].id = id;
	m->n++;
	return 0;
}

static const char *get_locked(struct ldr_cgmap *m, uint64_t id)
{
	if (!m->cap)
		return NULL;
	for (size_t i = mix(id) & (m->cap - 1); m->v[i].path; i = (i + 1) & (m->cap - 1))
		if (m->v[i].id == id)
			return m->v[i].path;
	return NULL;
}

typedef void (*walk_fn)(void *ctx, uint64_t id, const char *path);

/* Depth-first walk of directories below path (buf holds it, len used). */
static void walk(char *buf, size_t len, size_t cap, int depth, walk_fn fn, void *ctx,
		 size_t *budget)
{
	DIR *d;
	struct dirent *de;
	struct stat st;

	if (stat(buf, &st) || !S_ISDIR(st.st_mode))
		return;
	fn(ctx, st.st_ino, buf);
	if (depth >= CGMAP_MAX_DEPTH || !(d = opendir(buf)))
		return;
	while ((de = readdir(d)) && *budget) {
		size_t nl = strlen(de->d_name);

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + nl + 2 > cap)
			continue;
		(*budget)--;
		buf[len] = '/';
		memcpy(buf + len + 1, de->d_name, nl + 1);
		walk(buf, len + 1 + nl, cap, depth + 1, fn, ctx, budget);
		buf[len] = 0;
	}
	closedir(d);
}

static void put_cb(void *ctx, uint64_t id, const char *path)
{
	put_locked(ctx, id, path);
}

static int rescan_locked(struct ldr_cgmap *m)
{
	char buf[4096];
	size_t budget = CGMAP_MAX_ENTRIES;

	m->last_scan_ms = now_ms();
	if (!m->root || m->root_fd < 0)
		return -ENOENT;
	clear_locked(m);
	snprintf(buf, sizeof(buf), "%s", m->root);
	walk(buf, strlen(buf), sizeof(buf), 0, put_cb, m, &budget);
	return 0;
}

int ldr_cgmap__rescan(struct ldr_cgmap *m)
{
	int err;

	pthread_mutex_lock(&m->lock);
	err = rescan_locked(m);
	pthread_mutex_unlock(&m->lock);
	return err;
}

/* The kernfs node id is a file handle on the cgroup2 mount (FILEID_KERNFS,
 * type 0xfe): open_by_handle_at() resolves it without a walk, even for a
 * cgroup created after the last scan.  Needs CAP_DAC_READ_SEARCH. */
static int by_handle(struct ldr_cgmap *m, uint64_t id, char *out, size_t outlen)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = 0xfe }, .id = id };
	char link[64];
	ssize_t n;
	int fd;

	fd = open_by_handle_at(m->root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, outlen - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = 0;
	return 0;
}

int ldr_cgmap__path(struct ldr_cgmap *m, uint64_t id, char *out, size_t outlen)
{
	const char *p;
	int err = -ENOENT;

	if (!m || m->root_fd < 0 || !id)
		return -ENOENT;
	if (!by_handle(m, id, out, outlen))
		return 0;
	pthread_mutex_lock(&m->lock);
	p = get_locked(m, id);
	if (!p && now_ms() - m->last_scan_ms >= LDR_CGMAP_RESCAN_MS && !rescan_locked(m))
		p = get_locked(m, id);
	if (p) {
		snprintf(out, outlen, "%s", p);
		err = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

struct pod_walk {
	struct ldr_cgmap *m;
	const char *uid;
	void (*fn)(void *ctx, uint64_t id, const char *path, const struct ldr_cg_ident *ident);
	void *ctx;
	int found;
};

static void pod_cb(void *ctx, uint64_t id, const char *path)
{
	struct pod_walk *w = ctx;
	struct ldr_cg_ident ident;

	put_locked(w->m, id, path);
	if (ldr_cgroup__parse(path + strlen(w->m->root), &ident) || !ident.pod_uid[0] ||
	    (w->uid && strcmp(ident.pod_uid, w->uid)))
		return;
	w->found++;
	w->fn(w->ctx, id, path, &ident);
}

int ldr_cgmap__pod_cgroups(struct ldr_cgmap *m, const char *pod_uid,
			   void (*fn)(void *ctx, uint64_t id, const char *path,
				      const struct ldr_cg_ident *ident),
			   void *ctx)
{
	struct pod_walk w = { m, pod_uid, fn, ctx, 0 };
	char buf[4096], uid[37];
	size_t budget = CGMAP_MAX_ENTRIES;

	if (!m || !m->root || m->root_fd < 0)
		return -ENOENT;
	if (pod_uid && !parse_pod_uid(pod_uid, strlen(pod_uid), uid))
		return -EINVAL;
	w.uid = pod_uid ? uid : NULL;
	pthread_mutex_lock(&m->lock);
	snprintf(buf, sizeof(buf), "%s", m->root);
	walk(buf, strlen(buf), sizeof(buf), 0, pod_cb, &w, &budget);
	pthread_mutex_unlock(&m->lock);
	return w.found;
}
