/* ident.c - inode identity sets: see ldr_ident.h.
 *
 * The device is the superblock's s_dev as the kernel encodes it
 * (MKDEV: major << 20 | minor), which is what the BPF side reads from
 * exe_file->f_inode->i_sb->s_dev. It is taken from /proc/self/mountinfo,
 * whose third field is that superblock's device, for the mount holding
 * the path's canonical form; statx()'s device is the fallback. The two
 * differ on btrfs, whose stat reports a per-subvolume anonymous device.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "core/ldr_ident.h"
#include "core/ldr_meta.h"
#include "export/ldr_log.h"
#include "tpc_abi.h"

struct ldr_ident_path {
	const char *path;
	struct tpc_ident_key key;
	bool have;   /* key is in the map */
	bool warned; /* missing, reported once */
};

struct ldr_ident_map {
	int fd;
	const char *obj;
	struct ldr_ident_path *paths;
	size_t n;
};

struct ldr_ident {
	struct ldr_ident_map *maps;
	size_t n;
};

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/* The superblock device of the mount holding canonical path real: the
 * longest mount point that is a prefix at a '/' boundary, the last such
 * line when mounts are stacked on one point. -ENOENT if none. */
static int mount_dev(const char *real, __u64 *dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[PATH_MAX];
	size_t best = 0;
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		size_t l;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		unescape(mp);
		l = strlen(mp);
		if (strncmp(real, mp, l) ||
		    (l > 1 && real[l] != '/' && real[l] != 0) || l < best)
			continue;
		best = l;
		*dev = TPC_IDENT_DEV(maj, min);
		found = 0;
	}
	fclose(f);
	return found;
}

/* The identity of the file path names now (symlinks followed). */
static int resolve(const char *path, struct tpc_ident_key *k)
{
	struct statx st;
	char real[PATH_MAX];

	if (statx(AT_FDCWD, path, 0, STATX_INO, &st))
		return -errno;
	if (!(st.stx_mask & STATX_INO))
		return -EOPNOTSUPP;
	k->ino = st.stx_ino;
	if (!realpath(path, real) || mount_dev(real, &k->dev))
		k->dev = TPC_IDENT_DEV(st.stx_dev_major, st.stx_dev_minor);
	return 0;
}

static bool same(const struct tpc_ident_key *a, const struct tpc_ident_key *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Does another path of m keep key k (after this scan)? */
static bool still_named(const struct ldr_ident_map *m, const struct tpc_ident_key *k)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->paths[i].have && same(&m->paths[i].key, k))
			return true;
	return false;
}

/* One scan of m: insert every new key, then delete the old ones no path
 * names any more. Returns the keys changed or -errno of a failed insert. */
static int scan(struct ldr_ident_map *m)
{
	struct tpc_ident_key *old = calloc(m->n ? m->n : 1, sizeof(*old));
	size_t nold = 0;
	int changed = 0;
	__u8 one = 1;

	if (!old)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		struct ldr_ident_path *p = &m->paths[i];
		struct tpc_ident_key k;
		int r = resolve(p->path, &k);

		if (r) {
			if (p->have)
				old[nold++] = p->key;
			if (!p->warned)
				ldr_warn("object '%s': matchBinaries (inode mode) '%s': %s; it "
					 "matches nothing until it exists (rescanned every second)",
					 m->obj, ldr_quote(p->path), strerror(-r));
			p->warned = true;
			p->have = false;
			continue;
		}
		p->warned = false;
		if (p->have && same(&p->key, &k))
			continue;
		if (bpf_map_update_elem(m->fd, &k, &one, BPF_ANY)) {
			r = -errno;
			free(old);
			return r;
		}
		if (p->have)
			old[nold++] = p->key;
		p->key = k;
		p->have = true;
		changed++;
	}
	for (size_t i = 0; i < nold; i++)
		if (!still_named(m, &old[i]))
			bpf_map_delete_elem(m->fd, &old[i]);
	free(old);
	return changed;
}

int ldr_ident__add(struct ldr_ident **set, const char *obj, int fd, char **paths, size_t n,
		   char *err, size_t errlen)
{
	struct ldr_ident *s = *set;
	struct ldr_ident_map *m;
	void *grown;
	int r;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		*set = s;
	}
	grown = realloc(s->maps, (s->n + 1) * sizeof(*s->maps));
	if (!grown)
		return -ENOMEM;
	s->maps = grown;
	m = &s->maps[s->n];
	*m = (struct ldr_ident_map){ .fd = fd, .obj = obj, .n = n };
	m->paths = calloc(n ? n : 1, sizeof(*m->paths));
	if (!m->paths)
		return -ENOMEM;
	s->n++;
	for (size_t i = 0; i < n; i++)
		m->paths[i].path = paths[i];
	r = scan(m);
	if (r < 0) {
		snprintf(err, errlen, "inode identity set: inserting failed: %s", strerror(-r));
		return r;
	}
	return 0;
}

int ldr_ident__rescan(struct ldr_ident *set)
{
	int changed = 0;

	for (size_t i = 0; set && i < set->n; i++) {
		int r = scan(&set->maps[i]);

		if (r < 0)
			ldr_warn("object '%s': inode identity set: %s", set->maps[i].obj,
				 strerror(-r));
		else
			changed += r;
	}
	return changed;
}

void ldr_ident__free(struct ldr_ident *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		free(set->maps[i].paths);
	free(set->maps);
	free(set);
}
