/* scope.c - fill and maintain the objects' workload scope maps (see
 * ldr_scope.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "k8s/ldr_cgroup.h"
#include "export/ldr_log.h"
#include "k8s/ldr_scope.h"
#include "tpc_abi.h"

struct scope_ent {
	char uid[37]; /* the pod the cgroup belongs to */
	uint64_t id;
};

/* one registered cgroup_scope map */
struct scope_map {
	const void *obj; /* the owning object: an identity only */
	const struct ldr_meta_scope *sc;
	const char *policy;
	int fd;
	uint64_t *ctl;	  /* this map's struct tpc_scope_ctl, mmapped */
	void *ctl_base;	  /* the TPC_SCOPE_CTL_MAP mapping (owned) */
	size_t ctl_len;
	uint32_t levels, gen; /* what *ctl holds */
	struct scope_ent *ents;
	size_t n, cap;
	struct scope_map *next;
};

struct ldr_scope {
	pthread_mutex_t lock;
	struct ldr_pods *pods;
	struct ldr_cgmap *cgmap;
	char *cgroot;
	bool has_source;
	bool warned;
	struct scope_map *maps;
};

/* --- selectors ------------------------------------------------------------ */

typedef const char *(*label_fn)(const void *ctx, const char *key);

static bool selector_matches(const struct ldr_selector *s, label_fn get, const void *ctx)
{
	for (size_t i = 0; i < s->nreqs; i++) {
		const struct ldr_sel_req *r = &s->reqs[i];
		const char *v = get(ctx, r->key);
		bool in = false;

		for (size_t k = 0; v && k < r->nvalues; k++)
			in |= !strcmp(v, r->values[k]);
		switch (r->op) {
		case LDR_SEL_IN:
			if (!in)
				return false;
			break;
		case LDR_SEL_NOT_IN: /* Kubernetes: true when the label is absent */
			if (in)
				return false;
			break;
		case LDR_SEL_EXISTS:
			if (!v)
				return false;
			break;
		case LDR_SEL_NOT_EXISTS:
			if (v)
				return false;
			break;
		}
	}
	return true;
}

static const char *pod_label(const void *ctx, const char *key)
{
	const struct ldr_pod *p = ctx;

	if (!strcmp(key, TPC_SCOPE_NS_KEY))
		return p->ns;
	if (!strcmp(key, TPC_SCOPE_NAME_KEY)) /* the DSL's pod.name */
		return p->name;
	return pod__label(p, key);
}

struct kv_set {
	const char *const *kv;
	size_t n;
};

static const char *kv_label(const void *ctx, const char *key)
{
	const struct kv_set *k = ctx;
	size_t kl = strlen(key);

	for (size_t i = 0; i < k->n; i++)
		if (!strncmp(k->kv[i], key, kl) && k->kv[i][kl] == '=')
			return k->kv[i] + kl + 1;
	return NULL;
}

bool ldr_selector__matches_kv(const struct ldr_selector *s, const char *const *kv, size_t n)
{
	struct kv_set k = { kv, n };

	return !s->present || selector_matches(s, kv_label, &k);
}

bool ldr_scope__pod_matches(const struct ldr_meta_scope *s, const struct ldr_pod *p)
{
	if (s->ns[0] && strcmp(s->ns, p->ns))
		return false;
	return !s->pods.present || selector_matches(&s->pods, pod_label, p);
}

void ldr_image__repo(const char *image, char *out, size_t outlen)
{
	size_t n = strcspn(image, "@");
	const char *slash, *colon;

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, image, n);
	out[n] = 0;
	/* a ':' after the last '/' starts the tag; one before is a registry port */
	slash = strrchr(out, '/');
	colon = strrchr(out, ':');
	if (colon && (!slash || colon > slash))
		out[colon - out] = 0;
}

struct cont_labels {
	const struct ldr_container *c;
	char repo[512];
};

static const char *container_label(const void *ctx, const char *key)
{
	const struct cont_labels *cl = ctx;

	if (!strcmp(key, "name"))
		return cl->c->name;
	if (!strcmp(key, "repo"))
		return cl->repo[0] ? cl->repo : NULL;
	if (!strcmp(key, "image")) /* the DSL's container.image */
		return cl->c->image && cl->c->image[0] ? cl->c->image : NULL;
	return NULL;
}

bool ldr_scope__container_matches(const struct ldr_meta_scope *s, const struct ldr_container *c)
{
	struct cont_labels cl = { .c = c };

	if (!s->containers.present)
		return true;
	ldr_image__repo(c->image ? c->image : "", cl.repo, sizeof(cl.repo));
	return selector_matches(&s->containers, container_label, &cl);
}

/* --- map entries ---------------------------------------------------------- */

static bool ent_has(const struct scope_map *m, uint64_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->ents[i].id == id)
			return true;
	return false;
}

/* One 8-byte atomic store: BPF reads levels and gen with one load
 * (struct tpc_scope_ctl, little endian: levels low, gen high). */
static void ctl_store(struct scope_map *m)
{
	__atomic_store_n(m->ctl, (uint64_t)m->gen << 32 | m->levels, __ATOMIC_SEQ_CST);
}

/* After a change of the scope map: cached verdicts are stale. */
static void ctl_bump(struct scope_map *m)
{
	m->gen++;
	ctl_store(m);
}

/* level: the cgroup's depth below the root (the BPF check asks only for
 * ancestors at levels whose bit is set, so the bit goes in first) */
static void ent_add(struct scope_map *m, const char *uid, uint64_t id, unsigned level)
{
	uint8_t one = 1;

	if (ent_has(m, id))
		return;
	if (level < 1 || level > TPC_SCOPE_DEPTH) {
		ldr_warn("scope: policy '%s': cgroup %llu is at level %u, deeper than the %d "
			 "levels the BPF check looks at; not in scope",
			 ldr_quote(m->policy), (unsigned long long)id, level, TPC_SCOPE_DEPTH);
		return;
	}
	if (!(m->levels & (1u << level))) {
		m->levels |= 1u << level;
		ctl_store(m);
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct scope_ent *e = realloc(m->ents, cap * sizeof(*e));

		if (!e) {
			ldr_err("scope: policy '%s': out of memory; cgroup %llu not in scope",
				ldr_quote(m->policy), (unsigned long long)id);
			return;
		}
		m->ents = e;
		m->cap = cap;
	}
	if (bpf_map_update_elem(m->fd, &id, &one, BPF_ANY)) {
		ldr_err("scope: policy '%s': inserting cgroup %llu failed: %s",
			ldr_quote(m->policy), (unsigned long long)id, strerror(errno));
		return;
	}
	ctl_bump(m);
	snprintf(m->ents[m->n].uid, sizeof(m->ents[m->n].uid), "%s", uid);
	m->ents[m->n++].id = id;
	ldr_debug("scope: policy '%s': cgroup %llu (pod %s) in scope", ldr_quote(m->policy),
		  (unsigned long long)id, uid);
}

/* Drop the pod's entries that are not in keep[0..nkeep). */
static void ent_prune(struct scope_map *m, const char *uid, const uint64_t *keep, size_t nkeep)
{
	for (size_t i = 0; i < m->n;) {
		bool kept = false;

		for (size_t k = 0; k < nkeep && !kept; k++)
			kept = keep[k] == m->ents[i].id;
		if (kept || strcmp(m->ents[i].uid, uid)) {
			i++;
			continue;
		}
		bpf_map_delete_elem(m->fd, &m->ents[i].id);
		ctl_bump(m);
		ldr_debug("scope: policy '%s': cgroup %llu (pod %s) out of scope",
			  ldr_quote(m->policy), (unsigned long long)m->ents[i].id, uid);
		m->ents[i] = m->ents[--m->n];
	}
}

/* The cgroups of one pod as found on disk. */
struct pod_cgs {
	struct {
		uint64_t id;
		unsigned level;
		char container_id[65]; /* "" for the pod-level directory */
	} v[LDR_POD_MAX_CONTAINERS * 2 + 2];
	size_t n;
	size_t rootlen; /* strlen of the cgroup2 mount path */
};

/* path is root + "/a/b/c": level 3 */
static unsigned path_level(const char *path, size_t rootlen)
{
	unsigned n = 0;

	for (const char *s = path + rootlen; *s; s++)
		n += *s == '/' && s[1] && s[1] != '/';
	return n;
}

static void collect_cg(void *ctx, uint64_t id, const char *path,
		       const struct ldr_cg_ident *ident)
{
	struct pod_cgs *c = ctx;

	if (c->n == sizeof(c->v) / sizeof(c->v[0]) || strlen(path) < c->rootlen)
		return;
	c->v[c->n].id = id;
	c->v[c->n].level = path_level(path, c->rootlen);
	snprintf(c->v[c->n].container_id, sizeof(c->v[c->n].container_id), "%s",
		 ident->container_id);
	c->n++;
}

/* Does map m want the cgroup of (pod p, container id cid; "" = the pod)? */
static bool wants(const struct scope_map *m, const struct ldr_pod *p, const char *cid)
{
	if (m->sc->any_pod || !ldr_scope__pod_matches(m->sc, p))
		return false;
	if (!m->sc->container_level)
		return !cid[0];
	if (!cid[0])
		return false;
	for (size_t i = 0; i < p->ncontainers; i++)
		if (p->containers[i].id && !strcmp(p->containers[i].id, cid))
			return ldr_scope__container_matches(m->sc, &p->containers[i]);
	return false;
}

/* Bring every map (or only those of object `only`) in line with pod p
 * (NULL: gone). The pod's cgroups are looked up (a walk of the cgroup
 * tree) only when some map's selector matches the pod. */
static void update_pod_locked(struct ldr_scope *sc, const char *uid, const struct ldr_pod *p,
			      const void *only)
{
	struct pod_cgs *cgs = calloc(1, sizeof(*cgs));
	uint64_t keep[sizeof(cgs->v) / sizeof(cgs->v[0])];
	bool walk = false;

	if (!cgs) {
		ldr_err("scope: out of memory updating pod %s", uid);
		return;
	}
	cgs->rootlen = strlen(sc->cgroot);
	for (struct scope_map *m = sc->maps; m && p && !walk; m = m->next)
		walk = (!only || m->obj == only) && !m->sc->any_pod &&
		       ldr_scope__pod_matches(m->sc, p);
	if (walk)
		ldr_cgmap__pod_cgroups(sc->cgmap, uid, collect_cg, cgs);
	for (struct scope_map *m = sc->maps; m; m = m->next) {
		size_t nkeep = 0;

		/* any-pod maps follow the cgroups, not the pod source */
		if ((only && m->obj != only) || m->sc->any_pod)
			continue;
		for (size_t i = 0; p && i < cgs->n; i++)
			if (wants(m, p, cgs->v[i].container_id)) {
				ent_add(m, uid, cgs->v[i].id, cgs->v[i].level);
				keep[nkeep++] = cgs->v[i].id;
			}
		/* inserted first, pruned after: a pod that still matches never
		 * drops out of scope in between */
		ent_prune(m, uid, keep, nkeep);
	}
	free(cgs);
}

/* --- hostSelector: every pod's cgroup ------------------------------------ */

/* An any-pod map holds the pod-level directory of every pod cgroup found
 * (kubepods-...-pod<uid>.slice, by the kubelet's layouts), whether the pod
 * source lists the pod or not: a pod the loader has not heard of yet, or
 * one with no pod source at all, is still no host workload. Its
 * containers are found below it by the BPF ancestor walk. */

/* Entries whose cgroup is gone (removed pods): their ids are never
 * reused, so they only take room; dropped when the map is nearly full. */
static void any_pod_sweep(struct ldr_scope *sc, struct scope_map *m)
{
	char path[4096];
	size_t before = m->n;

	for (size_t i = 0; i < m->n;) {
		if (!ldr_cgmap__path(sc->cgmap, m->ents[i].id, path, sizeof(path))) {
			i++;
			continue;
		}
		bpf_map_delete_elem(m->fd, &m->ents[i].id);
		m->ents[i] = m->ents[--m->n];
	}
	if (m->n != before)
		ctl_bump(m);
	ldr_info("scope: policy '%s': %zu removed pod cgroups dropped from the any-pod map",
		 ldr_quote(m->policy), before - m->n);
}

struct any_fill {
	struct scope_map *m;
	size_t rootlen;
};

static void any_pod_cb(void *ctx, uint64_t id, const char *path,
		       const struct ldr_cg_ident *ident)
{
	struct any_fill *f = ctx;

	if (!ident->container_id[0] && strlen(path) >= f->rootlen)
		ent_add(f->m, ident->pod_uid, id, path_level(path, f->rootlen));
}

/* --- public --------------------------------------------------------------- */

static void map_free(struct scope_map *m)
{
	if (m->ctl_base && m->ctl_base != MAP_FAILED)
		munmap(m->ctl_base, m->ctl_len);
	free(m->ents);
	free(m);
}

struct ldr_scope *ldr_scope__new(struct ldr_pods *pods, struct ldr_cgmap *cgmap,
				 const char *cgroot, bool has_source)
{
	struct ldr_scope *sc = calloc(1, sizeof(*sc));

	if (!sc || !(sc->cgroot = strdup(cgroot ? cgroot : ""))) {
		free(sc);
		return NULL;
	}
	pthread_mutex_init(&sc->lock, NULL);
	sc->pods = pods;
	sc->cgmap = cgmap;
	sc->has_source = has_source;
	return sc;
}

void ldr_scope__free(struct ldr_scope *sc)
{
	if (!sc)
		return;
	while (sc->maps) {
		struct scope_map *m = sc->maps;

		sc->maps = m->next;
		map_free(m);
	}
	pthread_mutex_destroy(&sc->lock);
	free(sc->cgroot);
	free(sc);
}

void ldr_scope__set_source(struct ldr_scope *sc, bool has_source)
{
	pthread_mutex_lock(&sc->lock);
	sc->has_source = has_source;
	pthread_mutex_unlock(&sc->lock);
}

struct fill_ctx {
	struct ldr_scope *sc;
	const void *o;
};

static int fill_one(void *ctx, const struct ldr_pod *p)
{
	struct fill_ctx *f = ctx;

	update_pod_locked(f->sc, p->uid, p, f->o);
	return 0;
}

int ldr_scope__attach_obj(struct ldr_scope *sc, const void *o, struct bpf_object *bpf,
			  const struct ldr_meta *meta, const char *name, char *err, size_t errlen)
{
	struct fill_ctx f = { sc, o };
	struct bpf_map *ctl;
	int ret = 0;

	if (!sc)
		return 0;
	ctl = bpf_object__find_map_by_name(bpf, TPC_SCOPE_CTL_MAP);
	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; i < meta->nmaps; i++) {
		const struct ldr_meta_map *mm = &meta->maps[i];
		struct bpf_map *map;
		struct scope_map *m;

		if (mm->fill != LDR_FILL_CGROUP_SCOPE)
			continue;
		map = bpf_object__find_map_by_name(bpf, mm->name);
		if (!map || bpf_map__key_size(map) != 8) {
			snprintf(err, errlen, "scope map '%s' missing or not keyed by a u64",
				 ldr_quote(mm->name));
			ret = -EINVAL;
			break;
		}
		if (!ctl || bpf_map__type(ctl) != BPF_MAP_TYPE_ARRAY ||
		    bpf_map__value_size(ctl) != sizeof(struct tpc_scope_ctl) ||
		    !(bpf_map__map_flags(ctl) & BPF_F_MMAPABLE) ||
		    mm->scope->index >= bpf_map__max_entries(ctl)) {
			snprintf(err, errlen,
				 "scope map '%s': no mmapable " TPC_SCOPE_CTL_MAP " array with slot %u",
				 ldr_quote(mm->name), mm->scope->index);
			ret = -EINVAL;
			break;
		}
		m = calloc(1, sizeof(*m));
		if (!m) {
			snprintf(err, errlen, "out of memory");
			ret = -ENOMEM;
			break;
		}
		m->obj = o;
		m->sc = mm->scope;
		m->policy = meta->policies[mm->scope->policy].name;
		m->fd = bpf_map__fd(map);
		/* a mapping per scope map keeps detach simple; they are one page */
		m->ctl_len = bpf_map__max_entries(ctl) * sizeof(struct tpc_scope_ctl);
		m->ctl_base = mmap(NULL, m->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED,
				   bpf_map__fd(ctl), 0);
		if (m->ctl_base == MAP_FAILED) {
			ret = -errno;
			snprintf(err, errlen, "mapping " TPC_SCOPE_CTL_MAP ": %s", strerror(-ret));
			free(m);
			break;
		}
		m->ctl = (uint64_t *)m->ctl_base + mm->scope->index;
		m->next = sc->maps;
		sc->maps = m;
		if (m->sc->any_pod) {
			struct any_fill af = { m, strlen(sc->cgroot) };

			/* fn runs under the cgmap's lock: ent_add only */
			ldr_cgmap__pod_cgroups(sc->cgmap, NULL, any_pod_cb, &af);
		} else if (!sc->has_source && !sc->warned) {
			sc->warned = true;
			ldr_warn("object '%s': policy '%s' is scoped to pods, but this loader has no "
				 "pod source (--pods-file or the Kubernetes API): scoped policies match "
				 "nothing",
				 name, ldr_quote(m->policy));
		}
	}
	/* one pass over the pods for all of the object's maps */
	if (!ret)
		pods__foreach(sc->pods, fill_one, &f);
	for (struct scope_map *m = sc->maps; m && !ret; m = m->next)
		if (m->obj == o && m->sc->any_pod)
			ldr_info("object '%s': hostSelector: %zu pod cgroups found, their processes are "
				 "no host workload",
				 name, m->n);
		else if (m->obj == o)
			ldr_info("object '%s': policy '%s' scoped (%s level%s%s): %zu cgroups in "
				 "scope",
				 name, ldr_quote(m->policy),
				 m->sc->container_level ? "container" : "pod",
				 m->sc->ns[0] ? ", namespace " : "",
				 m->sc->ns[0] ? ldr_quote(m->sc->ns) : "", m->n);
	pthread_mutex_unlock(&sc->lock);
	if (ret)
		ldr_scope__detach_obj(sc, o);
	return ret;
}

void ldr_scope__detach_obj(struct ldr_scope *sc, const void *o)
{
	struct scope_map **pp;

	if (!sc)
		return;
	pthread_mutex_lock(&sc->lock);
	for (pp = &sc->maps; *pp;) {
		struct scope_map *m = *pp;

		if (m->obj != o) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		map_free(m);
	}
	pthread_mutex_unlock(&sc->lock);
}

void ldr_scope__on_pod(void *ctx, enum ldr_pod_change what, const struct ldr_pod *old,
		       const struct ldr_pod *new_)
{
	struct ldr_scope *sc = ctx;
	const struct ldr_pod *p = what == POD_DELETED ? NULL : new_;
	const char *uid = new_ ? new_->uid : old ? old->uid : NULL;

	if (!uid)
		return;
	pthread_mutex_lock(&sc->lock);
	if (sc->maps)
		update_pod_locked(sc, uid, p, NULL);
	pthread_mutex_unlock(&sc->lock);
}

static double us_since(uint64_t ktime)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec - ktime) / 1e3;
}

/* A new pod-level cgroup: no host workload from now on (the window from
 * its creation to here is logged; a container, and so a process, comes
 * later under it) */
static void on_pod_cgroup(struct ldr_scope *sc, const char *uid, uint64_t id, unsigned level,
			  const char *path, uint64_t ktime)
{
	pthread_mutex_lock(&sc->lock);
	for (struct scope_map *m = sc->maps; m; m = m->next) {
		if (!m->sc->any_pod || ent_has(m, id))
			continue;
		if (m->n >= TPC_SCOPE_MAX - 1)
			any_pod_sweep(sc, m);
		ent_add(m, uid, id, level);
		if (ent_has(m, id))
			ldr_info("scope: new pod cgroup %s (id %llu) is no host workload %.0f us after "
				 "its creation",
				 ldr_quote(strrchr(path, '/') ? strrchr(path, '/') + 1 : path),
				 (unsigned long long)id, us_since(ktime));
	}
	pthread_mutex_unlock(&sc->lock);
}

void ldr_scope__on_cgroup(void *ctx, uint64_t id, unsigned level, const char *path,
			  uint64_t ktime)
{
	struct ldr_scope *sc = ctx;
	struct ldr_cg_ident ident;
	struct ldr_pod *p;

	ldr_debug("scope: cgroup %llu created: %s", (unsigned long long)id, ldr_quote(path));
	if (!sc || ldr_cgroup__parse(path, &ident) || !ident.pod_uid[0])
		return;
	if (!ident.container_id[0])
		on_pod_cgroup(sc, ident.pod_uid, id, level, path, ktime);
	p = pods__get(sc->pods, ident.pod_uid);
	if (!p)
		return; /* the pod's arrival in the store walks its cgroups */
	pthread_mutex_lock(&sc->lock);
	for (struct scope_map *m = sc->maps; m; m = m->next) {
		if (!wants(m, p, ident.container_id) || ent_has(m, id))
			continue;
		ent_add(m, p->uid, id, level);
		if (!ent_has(m, id))
			continue;
		/* the containerSelector window, as measured: cgroup created ->
		 * in the map */
		ldr_info("scope: policy '%s': new cgroup %s (id %llu) of pod %s/%s in scope %.0f us "
			 "after its creation",
			 ldr_quote(m->policy), ldr_quote(strrchr(path, '/') ? strrchr(path, '/') + 1 : path),
			 (unsigned long long)id, ldr_quote(p->ns), ldr_quote(p->name), us_since(ktime));
	}
	pthread_mutex_unlock(&sc->lock);
	pod__put(p);
}

size_t ldr_scope__entries(struct ldr_scope *sc)
{
	size_t n = 0;

	if (!sc)
		return 0;
	pthread_mutex_lock(&sc->lock);
	for (struct scope_map *m = sc->maps; m; m = m->next)
		n += m->n;
	pthread_mutex_unlock(&sc->lock);
	return n;
}
