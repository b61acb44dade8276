/* syms.c - see ldr_syms.h */
#include "core/ldr_syms.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_SLOTS 32
#define MAPS_MAX 512

struct sym {
	uint64_t addr;
	uint64_t size; /* 0: unknown (kallsyms), up to the next symbol */
	uint32_t name; /* offset in the table's string pool */
	uint32_t module; /* kernel: offset of "[module]" name, UINT32_MAX: vmlinux */
};

struct symtab {
	struct sym *v;
	size_t n, cap;
	char *pool;
	size_t pool_n, pool_cap;
};

/* A PT_LOAD header: file offsets [off, off + filesz) are at vaddr. */
struct seg {
	uint64_t off, filesz, vaddr;
};

struct elf_file {
	bool used;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint64_t last_use;
	struct symtab syms;
	struct seg *segs;
	size_t nsegs;
};

struct map {
	uint64_t start, end, off;
	char *path;
};

struct ldr_syms {
	char *kallsyms;
	bool ktried;
	struct symtab k;
	struct elf_file files[FILE_SLOTS];
	uint64_t clock;
	pid_t pid;
	const char *procfs;
	struct map maps[MAPS_MAX];
	size_t nmaps;
};

static void symtab__fini(struct symtab *t)
{
	free(t->v);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

static int64_t symtab__str(struct symtab *t, const char *s, size_t n)
{
	size_t off = t->pool_n;

	if (t->pool_n + n + 1 > t->pool_cap) {
		size_t cap = t->pool_cap ? t->pool_cap * 2 : 4096;
		char *p;

		while (cap < t->pool_n + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX || !(p = realloc(t->pool, cap)))
			return -ENOMEM;
		t->pool = p;
		t->pool_cap = cap;
	}
	memcpy(t->pool + off, s, n);
	t->pool[off + n] = '\0';
	t->pool_n += n + 1;
	return (int64_t)off;
}

static int symtab__add(struct symtab *t, uint64_t addr, uint64_t size, const char *name,
		       size_t name_len, uint32_t module)
{
	int64_t off;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct sym *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	off = symtab__str(t, name, name_len);
	if (off < 0)
		return (int)off;
	t->v[t->n++] = (struct sym){ addr, size, (uint32_t)off, module };
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The last symbol at or below addr; sized symbols must contain it. */
static const struct sym *symtab__find(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;
	const struct sym *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &t->v[lo - 1];
	/* among symbols at one address, a sized one that holds addr */
	for (size_t i = lo; i > 0 && t->v[i - 1].addr == s->addr; i--)
		if (!t->v[i - 1].size || addr < t->v[i - 1].addr + t->v[i - 1].size)
			return &t->v[i - 1];
	return NULL;
}

/* --- kernel ----------------------------------------------------------------- */

static void kallsyms__load(struct ldr_syms *s)
{
	FILE *f = fopen(s->kallsyms ? s->kallsyms : "/proc/kallsyms", "re");
	char line[512];
	bool nonzero = false;
	uint32_t lastmod = UINT32_MAX;

	s->ktried = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end, *name, *mod;
		uint64_t addr = strtoull(line, &end, 16);
		uint32_t modoff = UINT32_MAX;
		size_t n;

		/* "ADDR TYPE NAME[\t[MODULE]]": text symbols only */
		if (end == line || end[0] != ' ' || !strchr("tTwW", end[1]) || end[2] != ' ')
			continue;
		name = end + 3;
		n = strcspn(name, "\t\n");
		mod = name[n] == '\t' ? name + n + 1 : NULL;
		if (mod && mod[0] == '[') {
			size_t m = strcspn(mod + 1, "]");

			/* a module's symbols come together: one copy of its name */
			if (lastmod == UINT32_MAX || strncmp(s->k.pool + lastmod, mod + 1, m) ||
			    s->k.pool[lastmod + m]) {
				int64_t off = symtab__str(&s->k, mod + 1, m);

				if (off < 0)
					break;
				lastmod = (uint32_t)off;
			}
			modoff = lastmod;
		}
		nonzero |= addr != 0;
		if (symtab__add(&s->k, addr, 0, name, n, modoff))
			break;
	}
	fclose(f);
	if (!nonzero) { /* kptr_restrict: every address reads 0 */
		symtab__fini(&s->k);
		return;
	}
	qsort(s->k.v, s->k.n, sizeof(*s->k.v), sym_cmp);
}

int ldr_syms__kernel(struct ldr_syms *s, uint64_t addr, bool ret_addr, struct ldr_sym *out)
{
	const struct sym *y;

	memset(out, 0, sizeof(*out));
	if (!s->ktried)
		kallsyms__load(s);
	y = symtab__find(&s->k, addr - (ret_addr && addr));
	if (!y)
		return -ENOENT;
	out->name = s->k.pool + y->name;
	out->offset = addr - y->addr;
	out->module = y->module == UINT32_MAX ? NULL : s->k.pool + y->module;
	return 0;
}

/* --- user ------------------------------------------------------------------- */

static void elf_file__fini(struct elf_file *f)
{
	symtab__fini(&f->syms);
	free(f->segs);
	memset(f, 0, sizeof(*f));
}

static int elf_file__load(struct elf_file *f, int fd)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t nph;
	int err = -EINVAL;
	bool have_symtab = false;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return -EINVAL;
	if (elf_getphdrnum(e, &nph) || !nph || nph > 4096)
		goto out;
	f->segs = calloc(nph, sizeof(*f->segs));
	if (!f->segs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->segs[f->nsegs++] = (struct seg){ ph.p_offset, ph.p_filesz, ph.p_vaddr };
	}
	/* .symtab names every function; .dynsym only the exported ones, so it
	 * is read only when the file has no .symtab (stripped) */
	while ((scn = elf_nextscn(e, scn)))  {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			have_symtab = true;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) ||
		    sh.sh_type != (have_symtab ? SHT_SYMTAB : SHT_DYNSYM) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value ||
			    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
			     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !name[0])
				continue;
			if (symtab__add(&f->syms, sym.st_value, sym.st_size, name, strlen(name),
					UINT32_MAX)) {
				err = -ENOMEM;
				goto out;
			}
		}
	}
	qsort(f->syms.v, f->syms.n, sizeof(*f->syms.v), sym_cmp);
	err = 0;
out:
	elf_end(e);
	return err;
}

/* The parsed symbols of the file fd, from the cache or read now; NULL
 * when it is not an ELF file. */
static struct elf_file *elf_file__get(struct ldr_syms *s, int fd)
{
	struct elf_file *f, *victim = &s->files[0];
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return NULL;
	for (int i = 0; i < FILE_SLOTS; i++) {
		f = &s->files[i];
		if (f->used && f->dev == st.st_dev && f->ino == st.st_ino &&
		    f->size == st.st_size && f->mtime.tv_sec == st.st_mtim.tv_sec &&
		    f->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			f->last_use = ++s->clock;
			return f;
		}
		if (!f->used || (victim->used && f->last_use < victim->last_use))
			victim = f;
	}
	elf_file__fini(victim);
	if (elf_file__load(victim, fd)) {
		elf_file__fini(victim);
		return NULL;
	}
	victim->used = true;
	victim->dev = st.st_dev;
	victim->ino = st.st_ino;
	victim->size = st.st_size;
	victim->mtime = st.st_mtim;
	victim->last_use = ++s->clock;
	return victim;
}

static void maps__clear(struct ldr_syms *s)
{
	for (size_t i = 0; i < s->nmaps; i++)
		free(s->maps[i].path);
	s->nmaps = 0;
}

int ldr_syms__maps(struct ldr_syms *s, const char *procfs, pid_t pid)
{
	char p[PATH_MAX], line[PATH_MAX + 128];
	FILE *f;

	maps__clear(s);
	s->pid = pid;
	s->procfs = procfs ? procfs : "/proc";
	snprintf(p, sizeof(p), "%s/%d/maps", s->procfs, (int)pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (s->nmaps < MAPS_MAX && fgets(line, sizeof(line), f)) {
		uint64_t start, end, off;
		char perms[8];
		int path_at = 0;
		char *path;

		/* "start-end perms offset dev inode   path" */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &start, &end,
			   perms, &off, &path_at) < 4 ||
		    !path_at || perms[2] != 'x')
			continue;
		path = line + path_at;
		path[strcspn(path, "\n")] = '\0';
		if (path[0] != '/')
			continue; /* [vdso], anonymous JIT code */
		if (!(path = strdup(path)))
			break;
		s->maps[s->nmaps++] = (struct map){ start, end, off, path };
	}
	fclose(f);
	return 0;
}

static int map__open(const struct ldr_syms *s, const struct map *m)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%d/map_files/%" PRIx64 "-%" PRIx64, s->procfs, (int)s->pid,
		 m->start, m->end);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0)
		return fd;
	snprintf(p, sizeof(p), "%s/%d/root%s", s->procfs, (int)s->pid, m->path);
	return open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

int ldr_syms__user(struct ldr_syms *s, uint64_t addr, bool ret_addr, struct ldr_sym *out)
{
	uint64_t look = addr - (ret_addr && addr), foff, va = 0;
	const struct map *m = NULL;
	struct elf_file *f;
	const struct sym *y;
	bool in_seg = false;
	int fd;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nmaps && !m; i++)
		if (look >= s->maps[i].start && look < s->maps[i].end)
			m = &s->maps[i];
	if (!m)
		return -ENOENT;
	out->module = m->path;
	foff = look - m->start + m->off;
	out->offset = addr - m->start + m->off;
	fd = map__open(s, m);
	if (fd < 0)
		return 0;
	f = elf_file__get(s, fd);
	close(fd);
	if (!f)
		return 0;
	for (size_t i = 0; i < f->nsegs && !in_seg; i++)
		if (foff >= f->segs[i].off && foff < f->segs[i].off + f->segs[i].filesz) {
			va = foff - f->segs[i].off + f->segs[i].vaddr;
			in_seg = true;
		}
	if (!in_seg || !(y = symtab__find(&f->syms, va)))
		return 0;
	out->name = f->syms.pool + y->name;
	out->offset = va + (addr - look) - y->addr;
	return 0;
}

struct ldr_syms *ldr_syms__new(const char *kallsyms)
{
	struct ldr_syms *s = calloc(1, sizeof(*s));

	if (s && kallsyms && !(s->kallsyms = strdup(kallsyms))) {
		free(s);
		return NULL;
	}
	return s;
}

void ldr_syms__free(struct ldr_syms *s)
{
	if (!s)
		return;
	symtab__fini(&s->k);
	for (int i = 0; i < FILE_SLOTS; i++)
		elf_file__fini(&s->files[i]);
	maps__clear(s);
	free(s->kallsyms);
	free(s);
}
