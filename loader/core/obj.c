/* obj.c - open, validate, load, fill, attach and pin one tpc object. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/ldr_attach.h"
#include "core/ldr_corebtf.h"
#include "core/ldr_ident.h"
#include "export/ldr_events.h"
#include "export/ldr_log.h"
#include "core/ldr_obj.h"
#include "k8s/ldr_scope.h"
#include "sig.h"
#include "tpc_abi.h"

/* --- .tpc.meta from the ELF file ------------------------------------------ */

struct ldr_meta *ldr_obj__read_meta_mem(void *buf, size_t len, char *err, size_t errlen)
{
	struct ldr_meta *m = NULL;
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	size_t shstrndx;

	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "not an ELF object (bad magic)");
		return NULL;
	}
	elf_version(EV_CURRENT);
	elf = elf_memory(buf, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
		snprintf(err, errlen, "malformed ELF: %s", elf_errmsg(-1));
		goto cleanup;
	}
	{
		GElf_Ehdr eh;

		/* libelf reads lazily: a cut-off file shows up as missing sections */
		if (!gelf_getehdr(elf, &eh) ||
		    eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > (uint64_t)len) {
			snprintf(err, errlen, "truncated ELF: section headers beyond the end of "
				 "the file");
			goto cleanup;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh)) {
			snprintf(err, errlen, "malformed ELF section header: %s", elf_errmsg(-1));
			goto cleanup;
		}
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, TPC_META_SECTION))
			continue;
		if (sh.sh_type == SHT_NOBITS) {
			snprintf(err, errlen, "section " TPC_META_SECTION " has no data");
			goto cleanup;
		}
		d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf) {
			snprintf(err, errlen, "section " TPC_META_SECTION " unreadable: %s",
				 elf_errmsg(-1));
			goto cleanup;
		}
		m = ldr_meta__parse(d->d_buf, d->d_size, err, errlen);
		goto cleanup;
	}
	snprintf(err, errlen, "no " TPC_META_SECTION " section: not built by tpc, or stripped");
cleanup:
	if (elf)
		elf_end(elf);
	return m;
}

struct ldr_meta *ldr_obj__read_meta(const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	struct ldr_meta *m;
	size_t len;

	if (sig__read_file(path, SIG_MAX_OBJECT, &buf, &len, err, errlen))
		return NULL;
	m = ldr_obj__read_meta_mem(buf, len, err, errlen);
	free(buf);
	return m;
}

/* --- required features -------------------------------------------------- */

/* Features an object cannot do without and that no variant replaces: the
 * metadata lists them ("features"); a kernel without one refuses the whole
 * object, naming the feature and the probe's reason, before anything loads
 * (the verifier would only say "unknown func" or "cannot use helper"). */
static const struct {
	const char *feat, *what;
} required[] = {
	{ "ima_file_hash", "imaHash needs bpf_ima_file_hash() in a sleepable BPF LSM program "
			   "(Linux 5.18+ with BPF LSM and IMA)" },
	{ "probe_write_user", "Set writes the traced process's memory with "
			      "bpf_probe_write_user(), which kernel lockdown (integrity or "
			      "confidentiality) refuses" },
};

static int check_required(const struct ldr_meta *m, const struct ldr_features *feat, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < m->nfeatures; i++)
		for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++) {
			if (strcmp(m->features[i], required[k].feat) ||
			    ldr_features__has(feat, required[k].feat))
				continue;
			for (int j = 0; j < LDR_FEAT__COUNT; j++)
				if (!strcmp(ldr_feat_names[j], required[k].feat))
					snprintf(err, errlen,
						 "this kernel lacks feature '%s': %s; probe: %s",
						 required[k].feat, required[k].what,
						 feat->detail[j]);
			return -ENOTSUP;
		}
	return 0;
}

/* --- variant choice --------------------------------------------------------- */

/* Pick, per group, the lowest-prio program whose hook kind this kernel
 * supports (with every supported member of the same prio); standalone
 * programs must be supported themselves.  chosen[i]
 * says whether meta program i is loaded. */
static bool usable(const struct ldr_meta *m, const struct ldr_features *feat,
		   const bool *excluded, size_t j)
{
	return !excluded[j] &&
	       ldr_features__has(feat, ldr_attach__feature(m->programs[j].attach));
}

static int choose_variants(const struct ldr_meta *m, const struct ldr_features *feat,
			   const bool *excluded, bool *chosen, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->nprograms; i++) {
		const struct ldr_meta_prog *p = &m->programs[i];
		const struct ldr_meta_prog *best = NULL;
		size_t best_i = 0;
		char tried[512] = "";
		size_t tl = 0;

		if (p->group[0]) {
			bool first = true;

			/* handle each group once, at its first member */
			for (size_t j = 0; j < i; j++)
				if (!strcmp(m->programs[j].group, p->group))
					first = false;
			if (!first)
				continue;
		}
		for (size_t j = i; j < m->nprograms; j++) {
			const struct ldr_meta_prog *q = &m->programs[j];

			if (j != i && (!p->group[0] || strcmp(q->group, p->group)))
				continue;
			if (j != i && !p->group[0])
				continue;
			if (!usable(m, feat, excluded, j)) {
				tl += snprintf(tried + tl, tl < sizeof(tried) ? sizeof(tried) - tl : 0,
					       "%s%s (%s%s)", tl ? ", " : "", ldr_quote(q->name),
					       q->attach_name, excluded[j] ? ", failed" : "");
				if (tl >= sizeof(tried))
					tl = sizeof(tried) - 1;
				continue;
			}
			if (!best || q->prio < best->prio) {
				best = q;
				best_i = j;
			}
			if (!p->group[0])
				break;
		}
		if (!best) {
			/* a generated list's call this kernel cannot hook: skipped,
			 * counted by optional_summary */
			if (p->optional)
				continue;
			if (p->group[0])
				snprintf(err, errlen,
					 "no variant of program group '%s' works on this kernel "
					 "(tried %s; see 'tpc-loader probe')",
					 ldr_quote(p->group), tried);
			else
				snprintf(err, errlen,
					 "program '%s' needs %s, which this kernel does not "
					 "support (see 'tpc-loader probe')",
					 ldr_quote(p->name), p->attach_name);
			return -EOPNOTSUPP;
		}
		chosen[best_i] = true;
		/* members of a group that share the chosen prio work together
		 * (cgroup/connect4 + connect6 as the fallback of one LSM hook) */
		for (size_t j = i; p->group[0] && j < m->nprograms; j++) {
			const struct ldr_meta_prog *q = &m->programs[j];

			if (j != best_i && !strcmp(q->group, p->group) && q->prio == best->prio &&
			    usable(m, feat, excluded, j))
				chosen[j] = true;
		}
	}
	return 0;
}

/* --- map fills ----------------------------------------------------------------- */

/* Insert one value with the key layout of its fill kind
 * (docs/object-format.md); the map's value is mm->value, little endian, so
 * its low bytes serve u8/u16/u32/u64 values alike. */
static int fill_key(const struct ldr_meta_map *mm, int fd, const char *s)
{
	uint8_t key[4096] = { 0 };
	uint64_t v = mm->value;
	size_t n = strlen(s);

	switch (mm->fill) {
	case LDR_FILL_PREFIX_SET: {
		uint32_t bits = (uint32_t)n * 8;

		if (n + 4 > mm->key_size)
			return -ENAMETOOLONG;
		memcpy(key, &bits, 4);
		memcpy(key + 4, s, n);
		break;
	}
	case LDR_FILL_INT_SET: {
		char *end;
		long long x;

		errno = 0;
		x = strtoll(s, &end, 10);
		if (errno || *end || mm->key_size != 8)
			return -EINVAL;
		memcpy(key, &x, 8);
		break;
	}
	case LDR_FILL_PATH_HASH: {
		struct tpc_path_val pv, old;
		__u64 h;

		if (tpc_path_val__init(&pv, &h, s, (uint32_t)n))
			return -ENAMETOOLONG;
		/* two paths with one hash (never seen with 64 bits): refused,
		 * the map holds one path per hash */
		if (!bpf_map_lookup_elem(fd, &h, &old) &&
		    (old.len != pv.len || memcmp(old.path, pv.path, sizeof(pv.path))))
			return -EEXIST;
		return bpf_map_update_elem(fd, &h, &pv, BPF_ANY) ? -errno : 0;
	}
	default: /* path_set, str_set: NUL-padded strings */
		if (n >= mm->key_size)
			return -ENAMETOOLONG;
		memcpy(key, s, n);
	}
	if (bpf_map_update_elem(fd, key, &v, BPF_ANY))
		return -errno;
	return 0;
}

static int fill_maps(struct ldr_obj *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->meta->nmaps; i++) {
		const struct ldr_meta_map *mm = &o->meta->maps[i];
		struct bpf_map *map;
		uint32_t vs;
		int fd, r;

		if (mm->fill == LDR_FILL_NONE)
			continue;
		map = bpf_object__find_map_by_name(o->bpf, mm->name);
		if (!map) {
			snprintf(err, errlen, "map '%s' named in metadata is not in the object",
				 ldr_quote(mm->name));
			return -ENOENT;
		}
		vs = bpf_map__value_size(map);
		if (bpf_map__key_size(map) != mm->key_size ||
		    (mm->fill == LDR_FILL_PATH_HASH ? vs != sizeof(struct tpc_path_val) :
						      (vs != 1 && vs != 2 && vs != 4 && vs != 8))) {
			snprintf(err, errlen,
				 "map '%s': key/value size %u/%u does not fit a fill of "
				 "key_size %u",
				 ldr_quote(mm->name), bpf_map__key_size(map), vs, mm->key_size);
			return -EINVAL;
		}
		fd = bpf_map__fd(map);
		if (mm->fill == LDR_FILL_IDENT_SET) {
			r = ldr_ident__add(&o->ident, o->name, fd, mm->values, mm->nvalues, err,
					   errlen);
			if (r)
				return r;
			continue;
		}
		for (size_t j = 0; j < mm->nvalues; j++) {
			char real[PATH_MAX];

			r = fill_key(mm, fd, mm->values[j]);
			if (!r && (mm->fill == LDR_FILL_PATH_SET || mm->fill == LDR_FILL_PATH_HASH) &&
			    mm->resolve_realpath &&
			    realpath(mm->values[j], real) && strcmp(real, mm->values[j])) {
				r = fill_key(mm, fd, real);
				ldr_debug("%s: map %s: %s also as %s", o->name, mm->name,
					  mm->values[j], real);
			}
			if (r) {
				snprintf(err, errlen, "map '%s': inserting '%s' failed: %s",
					 ldr_quote(mm->name), ldr_quote(mm->values[j]),
					 strerror(-r));
				return r;
			}
		}
	}
	return 0;
}

/* --- open ---------------------------------------------------------------------- */

uint64_t ldr_stats__read(int fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *vals;

	if (fd < 0 || ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(fd, &idx, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void free_targets(struct ldr_obj *o)
{
	for (size_t i = 0; i < o->ntargets; i++)
		free(o->targets[i].path);
	free(o->targets);
	o->targets = NULL;
	o->ntargets = 0;
}

/* Remember the file a uprobe went to (path before the last ':'), so a
 * deleted or replaced binary can be reported.  A bare library name that
 * libbpf resolved through the search path has no fixed file: skipped. */
static void note_target(struct ldr_obj *o, const struct ldr_meta_prog *mp, const char *prog)
{
	const char *colon = strrchr(mp->target, ':');
	struct ldr_target *t;
	struct stat st;
	char *path, up[PATH_MAX];
	const char *prov, *nm;

	if (mp->attach == LDR_AT_USDT) {
		if (ldr_usdt__split(mp->target, up, sizeof(up), &prov, &nm))
			return;
		colon = mp->target + strlen(up);
	}
	if (!colon || !memchr(mp->target, '/', colon - mp->target))
		return;
	path = strndup(mp->target, colon - mp->target);
	if (!path)
		return;
	t = realloc(o->targets, (o->ntargets + 1) * sizeof(*t));
	if (!t || stat(path, &st)) {
		if (t)
			o->targets = t;
		free(path);
		return;
	}
	o->targets = t;
	o->targets[o->ntargets++] = (struct ldr_target){ .path = path, .prog = prog,
							 .dev = st.st_dev, .ino = st.st_ino };
}

enum ldr_target_state ldr_target__state(const struct ldr_target *t)
{
	struct stat st;

	if (stat(t->path, &st))
		return LDR_TARGET_DELETED;
	return st.st_dev == t->dev && st.st_ino == t->ino ? LDR_TARGET_SAME
							  : LDR_TARGET_REPLACED;
}

/* Undo a load attempt (links, ring buffer, libbpf object) but keep the
 * metadata, so the next variant can be tried. */
static void obj_unload(struct ldr_obj *o)
{
	ldr_scope__detach_obj(o->scope, o);
	o->scope = NULL;
	ring_buffer__free(o->rb);
	o->rb = NULL;
	for (size_t i = 0; i < o->nlinks; i++) {
		bpf_link__destroy(o->links[i]);
		free(o->link_names[i]);
	}
	o->nlinks = 0;
	free_targets(o);
	bpf_object__close(o->bpf);
	o->bpf = NULL;
	o->stats_fd = -1;
}

/* After prog failed: exclude its prio level in its group if another usable
 * variant remains.  Returns true when a retry makes sense. */
static bool exclude_variant(const struct ldr_meta *m, const struct ldr_features *feat,
			    bool *excluded, const bool *chosen, int prog)
{
	const struct ldr_meta_prog *p;
	bool other = false;

	if (prog < 0 || !m->programs[prog].group[0])
		return false;
	p = &m->programs[prog];
	for (size_t j = 0; j < m->nprograms; j++)
		if (!strcmp(m->programs[j].group, p->group) && !chosen[j] &&
		    usable(m, feat, excluded, j))
			other = true;
	if (!other)
		return false;
	for (size_t j = 0; j < m->nprograms; j++)
		if (!strcmp(m->programs[j].group, p->group) && m->programs[j].prio == p->prio)
			excluded[j] = true;
	return true;
}

static int meta_prog_index(const struct ldr_meta *m, const char *name)
{
	for (size_t i = 0; i < m->nprograms; i++)
		if (!strcmp(m->programs[i].name, name))
			return i;
	return -1;
}

/* The verifier log goes to a zeroed buffer of ours (libbpf 1.1's own
 * starting size) rather than libbpf's: memory the kernel writes into is
 * invisible to valgrind, and a malloc'd log looks uninitialised wherever
 * its text travels (tests/e2e/valgrind_loader.sh).  An anonymous mapping,
 * not calloc: its zero pages cost memory only where the kernel writes,
 * while glibc, after the first free of such a block, serves the next
 * calloc from the heap and clears all 16 MiB (the RSS goes up by that). */
#define LDR_VERIFIER_LOG_SIZE (16u << 20)

static char *vlog_new(void)
{
	void *p = mmap(NULL, LDR_VERIFIER_LOG_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void vlog_free(char *p)
{
	if (p)
		munmap(p, LDR_VERIFIER_LOG_SIZE);
}

/* One attempt with the variants in chosen: open, load, fill, attach.
 * On failure *failed is the meta index of the program at fault, or -1. */
static int obj_load(struct ldr_obj *o, const struct ldr_attach_env *env, const bool *chosen,
		    const char *core_btf, char *vlog, int *failed, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int r;

	*failed = -1;
	ldr_log_reset_libbpf();
	/* from the bytes already read (and verified): no second look at the
	 * file, which could have been replaced since */
	o->bpf = bpf_object__open_mem(o->image, o->image_len,
				      &(struct bpf_object_open_opts){
					      .sz = sizeof(struct bpf_object_open_opts),
					      .object_name = o->bpf_name,
					      .btf_custom_path = core_btf,
					      .kernel_log_buf = vlog,
					      .kernel_log_size = vlog ? LDR_VERIFIER_LOG_SIZE : 0 });
	if (!o->bpf) {
		snprintf(err, errlen, "libbpf cannot open it: %s%s", strerror(errno),
			 ldr_log_libbpf_reason());
		return -1;
	}
	for (size_t i = 0; i < o->meta->nprograms; i++)
		if (!bpf_object__find_program_by_name(o->bpf, o->meta->programs[i].name)) {
			snprintf(err, errlen, "program '%s' named in metadata is not in the object",
				 ldr_quote(o->meta->programs[i].name));
			return -1;
		}
	/* programs not chosen, or not listed at all, are never loaded */
	bpf_object__for_each_program(prog, o->bpf)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < o->meta->nprograms; i++) {
		const struct ldr_meta_prog *mp = &o->meta->programs[i];

		if (!chosen[i])
			continue;
		prog = bpf_object__find_program_by_name(o->bpf, mp->name);
		bpf_program__set_autoload(prog, true);
		if ((mp->attach == LDR_AT_TP_BTF || mp->attach == LDR_AT_FENTRY ||
		     mp->attach == LDR_AT_FEXIT || mp->attach == LDR_AT_LSM) &&
		    bpf_program__set_attach_target(prog, 0, mp->target)) {
			snprintf(err, errlen, "program '%s': unknown %s target '%s': %s",
				 ldr_quote(mp->name), mp->attach_name, ldr_quote(mp->target),
				 strerror(errno));
			*failed = i;
			return -1;
		}
		ldr_debug("%s: program %s -> %s %s", o->name, mp->name, mp->attach_name,
			  mp->target);
	}
	if (env->ring_kb) {
		struct bpf_map *rb = bpf_object__find_map_by_name(o->bpf, TPC_EVENTS_MAP);

		if (rb)
			bpf_map__set_max_entries(rb, env->ring_kb << 10);
	}
	ldr_log_reset_libbpf();
	if (vlog)
		vlog[0] = 0;
	r = bpf_object__load(o->bpf);
	if (r) {
		ldr_log_verifier(vlog);
		snprintf(err, errlen, "load failed: %s%s", strerror(-r), ldr_log_libbpf_reason());
		*failed = meta_prog_index(o->meta, ldr_log_libbpf_failed_prog());
		return -1;
	}
	if (fill_maps(o, err, errlen))
		return -1;
	/* scoped policies: the pods already known are in scope before the
	 * programs run */
	if (env->scope) {
		if (ldr_scope__attach_obj(env->scope, o, o->bpf, o->meta, o->name, err, errlen))
			return -1;
		o->scope = env->scope;
	}
	map = bpf_object__find_map_by_name(o->bpf, TPC_STATS_MAP);
	if (map)
		o->stats_fd = bpf_map__fd(map);
	map = bpf_object__find_map_by_name(o->bpf, TPC_EVENTS_MAP);
	if (map) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
			snprintf(err, errlen, "map '" TPC_EVENTS_MAP "' is not a ring buffer");
			return -1;
		}
		o->rb = ring_buffer__new(bpf_map__fd(map), env->on_event, o, NULL);
		if (!o->rb) {
			snprintf(err, errlen, "ring buffer setup failed: %s", strerror(errno));
			return -1;
		}
	}
	for (size_t i = 0; i < o->meta->nprograms; i++) {
		const struct ldr_meta_prog *mp = &o->meta->programs[i];

		if (!chosen[i])
			continue;
		prog = bpf_object__find_program_by_name(o->bpf, mp->name);
		if (ldr_attach__prog(prog, mp, env, &o->links[o->nlinks], err, errlen)) {
			if (mp->optional) {
				/* e.g. a syscall without an entry tracepoint: the
				 * others of the list still attach */
				ldr_debug("%s: optional program %s not attached: %s", o->name,
					  mp->name, err);
				err[0] = 0;
				continue;
			}
			*failed = i;
			return -1;
		}
		o->link_names[o->nlinks] = strdup(mp->name);
		if ((mp->attach == LDR_AT_UPROBE || mp->attach == LDR_AT_URETPROBE ||
		     mp->attach == LDR_AT_USDT) &&
		    o->link_names[o->nlinks])
			note_target(o, mp, o->link_names[o->nlinks]);
		o->nlinks++;
	}
	return 0;
}

/* A generated list's program whose every variant failed to load: the
 * whole group is left out and the object loads without it. */
static bool exclude_optional(const struct ldr_meta *m, bool *excluded, int prog)
{
	if (prog < 0 || !m->programs[prog].optional)
		return false;
	for (size_t j = 0; j < m->nprograms; j++)
		if (j == (size_t)prog ||
		    (m->programs[prog].group[0] && !strcmp(m->programs[j].group,
							   m->programs[prog].group)))
			excluded[j] = true;
	return true;
}

static bool group_seen(const struct ldr_meta *m, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (m->programs[j].optional && !strcmp(m->programs[j].group, m->programs[i].group))
			return true;
	return false;
}

/* After a successful load: how many optional groups attached; one warning
 * for those that did not (`-v` names each). */
static void optional_summary(struct ldr_obj *o)
{
	const struct ldr_meta *m = o->meta;

	for (size_t i = 0; i < m->nprograms; i++) {
		bool attached = false;

		if (!m->programs[i].optional || (m->programs[i].group[0] && group_seen(m, i)))
			continue;
		o->opt_groups++;
		for (size_t j = i; j < m->nprograms && !attached; j++) {
			if (j != i && (!m->programs[i].group[0] ||
				       strcmp(m->programs[j].group, m->programs[i].group)))
				continue;
			for (size_t k = 0; k < o->nlinks && !attached; k++)
				attached = o->link_names[k] &&
					   !strcmp(o->link_names[k], m->programs[j].name);
		}
		if (attached)
			o->opt_attached++;
		else if (!o->opt_first_skipped[0])
			snprintf(o->opt_first_skipped, sizeof(o->opt_first_skipped), "%s",
				 m->programs[i].target);
	}
	if (o->opt_groups > o->opt_attached)
		ldr_warn("object '%s': %zu of %zu hooks of generated lists attached; %zu "
			 "skipped because no variant attaches on this kernel (first: %s; -v "
			 "names each)",
			 o->name, o->opt_attached, o->opt_groups, o->opt_groups - o->opt_attached,
			 ldr_quote(o->opt_first_skipped));
}

struct ldr_obj *ldr_obj__open(const char *path, const struct ldr_attach_env *env, void *user,
			      char *err, size_t errlen)
{
	struct ldr_obj *o = calloc(1, sizeof(*o));
	bool *chosen = NULL, *excluded = NULL;
	char *vlog = NULL, core_path[32] = "";
	struct stat st;
	int failed, core_fd = -1;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->stats_fd = -1;
	o->user = user;
	o->path = strdup(path);
	o->name = strdup(base_name(path));
	if (!stat(path, &st)) {
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		o->size = st.st_size;
		o->mtime = st.st_mtim;
	}
	if (!o->path || !o->name) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* libbpf's own naming for open_file: the base name up to the first '.' */
	snprintf(o->bpf_name, sizeof(o->bpf_name), "%.*s", (int)strcspn(o->name, "."), o->name);
	/* One read: the signature, the metadata and libbpf all see these bytes. */
	if (sig__read_file(path, SIG_MAX_OBJECT, &o->image, &o->image_len, err, errlen))
		goto fail;
	if (env->sig_pubkey &&
	    sig__verify(o->image, o->image_len, env->sig_pubkey, err, errlen)) {
		/* sig__verify's reasons start with what is wrong; say what was wanted */
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "signature required: %s", why);
		goto fail;
	}
	if (env->sig_pubkey)
		sig__key_id_hex(env->sig_pubkey, o->sig_key_id);
	o->meta = ldr_obj__read_meta_mem(o->image, o->image_len, err, errlen);
	if (!o->meta)
		goto fail;
	for (size_t i = 0; i < o->meta->npolicies; i++) {
		const struct ldr_meta_policy *pol = &o->meta->policies[i];

		if (!pol->node_selector.present ||
		    ldr_selector__matches_kv(&pol->node_selector, env->node_labels,
					     env->nnode_labels))
			continue;
		snprintf(err, errlen,
			 LDR_NOT_FOR_NODE "policy '%s' has a nodeSelector that the labels of "
			 "node '%s' do not match (%zu labels, from --node-labels)",
			 ldr_quote(pol->name), env->node_name ? ldr_quote(env->node_name) : "?",
			 env->nnode_labels);
		goto fail;
	}
	if (check_required(o->meta, env->feat, err, errlen))
		goto fail;
	chosen = calloc(o->meta->nprograms + 1, sizeof(*chosen));
	excluded = calloc(o->meta->nprograms + 1, sizeof(*excluded));
	o->links = calloc(o->meta->nprograms + 1, sizeof(*o->links));
	o->link_names = calloc(o->meta->nprograms + 1, sizeof(*o->link_names));
	/* one counter slot per (rule, action): ldr_events__hook indexes it */
	o->rule_ctr = calloc(o->meta->nrules * LDR_A__COUNT + 1, sizeof(*o->rule_ctr));
	if (!chosen || !excluded || !o->links || !o->link_names || !o->rule_ctr) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* without it libbpf uses its own buffer: the same, minus valgrind */
	vlog = vlog_new();
	/* CO-RE against this object's share of the batch's parsed kernel BTF
	 * (ldr_corebtf.h), not against a parse of its own */
	if (env->core_btf) {
		size_t nt = 0;

		core_fd = ldr_core_btf__reduce(env->core_btf, o->image, o->image_len, &nt);
		if (core_fd >= 0) {
			snprintf(core_path, sizeof(core_path), "/proc/self/fd/%d", core_fd);
			ldr_debug("%s: CO-RE against %zu kernel BTF types", o->name, nt);
		} else {
			ldr_debug("%s: CO-RE against the full kernel BTF (%s)", o->name,
				  strerror(-core_fd));
		}
	}
	/* A variant the probe accepted can still fail (verifier, attach): then
	 * the next variant of its group is tried, each at most once. */
	for (;;) {
		memset(chosen, 0, o->meta->nprograms * sizeof(*chosen));
		if (choose_variants(o->meta, env->feat, excluded, chosen, err, errlen))
			goto fail;
		if (!obj_load(o, env, chosen, core_path[0] ? core_path : NULL, vlog, &failed, err,
			      errlen))
			break;
		if (core_path[0]) {
			/* the reduced BTF is only a shortcut: whatever failed is
			 * tried again as libbpf alone would have done it */
			ldr_debug("%s: failed with the reduced kernel BTF (%s); again with the "
				  "full one", o->name, err);
			core_path[0] = 0;
			obj_unload(o);
			continue;
		}
		if (!exclude_variant(o->meta, env->feat, excluded, chosen, failed) &&
		    !exclude_optional(o->meta, excluded, failed))
			goto fail;
		ldr_warn("object '%s': program '%s' failed (%s); trying the next variant of group "
			 "'%s'", o->name, ldr_quote(o->meta->programs[failed].name), err,
			 ldr_quote(o->meta->programs[failed].group));
		obj_unload(o);
	}
	optional_summary(o);
	free(chosen);
	free(excluded);
	vlog_free(vlog);
	if (core_fd >= 0)
		close(core_fd);
	return o;
fail:
	free(chosen);
	free(excluded);
	vlog_free(vlog);
	if (core_fd >= 0)
		close(core_fd);
	ldr_obj__destroy(o, false);
	return NULL;
}

void ldr_pin__dirname(const char *name, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < outlen; i++) {
		char c = name[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
					 c == '-' || c == '_'
				 ? c
				 : '_'; /* bpffs refuses names with '.' */
	}
	out[i] = 0;
}

static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

void ldr_pin__remove(const char *dir, const char *name)
{
	char sub[NAME_MAX + 1], p[PATH_MAX];

	ldr_pin__dirname(name, sub, sizeof(sub));
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	clear_dir(p);
	rmdir(p);
}

int ldr_obj__pin(struct ldr_obj *o, const char *dir, char *err, size_t errlen)
{
	char sub[NAME_MAX + 1], p[PATH_MAX], f[PATH_MAX + 64];
	struct bpf_map *map;
	int r;

	ldr_pin__dirname(o->name, sub, sizeof(sub));
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create pin dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (mkdir(p, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create pin dir %s: %s", p, strerror(errno));
		return -errno;
	}
	/* dropping the old pins detaches an older copy nobody else holds */
	clear_dir(p);
	for (size_t i = 0; i < o->nlinks; i++) {
		snprintf(f, sizeof(f), "%s/link_%s", p, o->link_names[i]);
		r = bpf_link__pin(o->links[i], f);
		if (r) {
			snprintf(err, errlen, "pinning link of '%s' failed: %s",
				 o->link_names[i], strerror(-r));
			return r;
		}
	}
	bpf_object__for_each_map(map, o->bpf) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(f, sizeof(f), "%s/map_%s", p, bpf_map__name(map));
		r = bpf_map__pin(map, f);
		if (r) {
			snprintf(err, errlen, "pinning map '%s' failed: %s", bpf_map__name(map),
				 strerror(-r));
			return r;
		}
	}
	if (o->sig_key_id[0]) {
		/* the marker: any pinnable object will do; a map is the smallest */
		int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tpc_verified", 4, 1, 1, NULL);

		snprintf(f, sizeof(f), "%s/verified_%s", p, o->sig_key_id);
		r = fd < 0 ? -errno : bpf_obj_pin(fd, f) ? -errno : 0;
		if (fd >= 0)
			close(fd);
		if (r) {
			snprintf(err, errlen, "pinning the verified marker failed: %s",
				 strerror(-r));
			return r;
		}
	}
	free(o->pinned);
	o->pinned = strdup(p);
	return 0;
}

bool ldr_pin__verified(const char *dir, const char *name, const char *key_id)
{
	char sub[NAME_MAX + 1], p[PATH_MAX];

	ldr_pin__dirname(name, sub, sizeof(sub));
	snprintf(p, sizeof(p), "%s/%s/verified_%s", dir, sub, key_id);
	return !access(p, F_OK);
}

void ldr_obj__destroy(struct ldr_obj *o, bool keep_pins)
{
	if (!o)
		return;
	ldr_scope__detach_obj(o->scope, o);
	ring_buffer__free(o->rb);
	for (size_t i = 0; i < o->nlinks; i++) {
		/* a disconnected link stays attached through its pin */
		if (keep_pins && o->pinned)
			bpf_link__disconnect(o->links[i]);
		bpf_link__destroy(o->links[i]);
		free(o->link_names[i]);
	}
	free_targets(o);
	ldr_ident__free(o->ident);
	if (o->pinned && !keep_pins) {
		clear_dir(o->pinned);
		rmdir(o->pinned);
	}
	bpf_object__close(o->bpf);
	ldr_meta__free(o->meta);
	free(o->links);
	free(o->link_names);
	free(o->rule_ctr);
	free(o->pinned);
	free(o->path);
	free(o->name);
	free(o->image);
	free(o);
}
