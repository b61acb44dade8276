/* corebtf.c - one parse of the kernel BTF per batch, a reduced copy per
 * object for CO-RE (ldr_corebtf.h says why and what is kept). */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/ldr_corebtf.h"

struct ldr_core_btf {
	struct btf *btf;
	uint32_t ntypes; /* btf__type_cnt(): ids 1 .. ntypes - 1 */
	/* types by essential name: heads[hash & mask] -> id -> next[id] ... */
	uint32_t *heads, *next, mask;
};

/* libbpf's bpf_core_essential_name_len(): "task_struct___old" and
 * "task_struct" are the same type to CO-RE. */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;)
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	return n;
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct ldr_core_btf *index_btf(struct btf *btf)
{
	struct ldr_core_btf *k = calloc(1, sizeof(*k));
	uint32_t size = 1;

	if (!k) {
		btf__free(btf);
		return NULL;
	}
	k->btf = btf;
	k->ntypes = btf__type_cnt(btf);
	while (size < 2 * k->ntypes)
		size <<= 1;
	k->mask = size - 1;
	k->heads = calloc(size, sizeof(*k->heads));
	k->next = calloc(k->ntypes, sizeof(*k->next));
	if (!k->heads || !k->next) {
		ldr_core_btf__free(k);
		errno = ENOMEM;
		return NULL;
	}
	/* backwards, so that each chain lists ids in ascending order: the
	 * copy keeps the candidates in the order libbpf would find them */
	for (uint32_t id = k->ntypes - 1; id > 0; id--) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
		uint32_t h;

		if (!name || !name[0])
			continue;
		h = name_hash(name, essential_len(name)) & k->mask;
		k->next[id] = k->heads[h];
		k->heads[h] = id;
	}
	return k;
}

struct ldr_core_btf *ldr_core_btf__new(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return NULL;
	return index_btf(btf);
}

struct ldr_core_btf *ldr_core_btf__new_raw(const void *data, size_t size)
{
	struct btf *btf = btf__new(data, size);

	if (!btf)
		return NULL;
	return index_btf(btf);
}

void ldr_core_btf__free(struct ldr_core_btf *k)
{
	if (!k)
		return;
	btf__free(k->btf);
	free(k->heads);
	free(k->next);
	free(k);
}

const struct btf *ldr_core_btf__btf(const struct ldr_core_btf *k)
{
	return k ? k->btf : NULL;
}

/* --- the copy ------------------------------------------------------------- */

struct copy {
	const struct btf *src;
	struct btf *dst;
	uint32_t *map; /* src id -> dst id, 0: not copied yet */
	int depth;
};

/* Copy src type id (and what CO-RE needs under it) into dst; returns the
 * dst id or -errno. */
static int copy_type(struct copy *c, uint32_t id)
{
	const struct btf_type *t;
	int r = 0, ref;

	if (!id)
		return 0;
	if (c->map[id])
		return c->map[id];
	/* embedding cannot recurse (a struct cannot contain itself), only
	 * pointers can, and they are cut: this bounds a malformed BTF */
	if (++c->depth > 64)
		return -ELOOP;
	t = btf__type_by_id(c->src, id);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		/* no type references: copied as they are */
		r = btf__add_type(c->dst, c->src, t);
		break;
	case BTF_KIND_PTR:
		/* CO-RE never follows a pointer within one relocation */
		r = btf__add_ptr(c->dst, 0);
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG: {
		const char *name = btf__name_by_offset(c->src, t->name_off);

		ref = copy_type(c, t->type);
		if (ref < 0) {
			r = ref;
			break;
		}
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF: r = btf__add_typedef(c->dst, name, ref); break;
		case BTF_KIND_VOLATILE: r = btf__add_volatile(c->dst, ref); break;
		case BTF_KIND_CONST: r = btf__add_const(c->dst, ref); break;
		case BTF_KIND_RESTRICT: r = btf__add_restrict(c->dst, ref); break;
		default: r = btf__add_type_tag(c->dst, name, ref); break;
		}
		break;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		int elem = copy_type(c, a->type), index = elem < 0 ? elem : copy_type(c, a->index_type);

		r = index < 0 ? index : btf__add_array(c->dst, index, elem, a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);
		uint16_t n = btf_vlen(t);
		int *types = calloc(n ? n : 1, sizeof(*types));

		if (!types) {
			r = -ENOMEM;
			break;
		}
		/* member types first: a struct's fields must follow it directly */
		for (uint16_t i = 0; i < n && r >= 0; i++)
			r = types[i] = copy_type(c, m[i].type);
		if (r >= 0)
			r = btf_is_struct(t) ? btf__add_struct(c->dst,
							       btf__name_by_offset(c->src,
										   t->name_off),
							       t->size)
					     : btf__add_union(c->dst,
							      btf__name_by_offset(c->src, t->name_off),
							      t->size);
		for (uint16_t i = 0; i < n && r >= 0; i++) {
			int e = btf__add_field(c->dst, btf__name_by_offset(c->src, m[i].name_off),
					       types[i], btf_member_bit_offset(t, i),
					       btf_member_bitfield_size(t, i));

			if (e < 0)
				r = e;
		}
		free(types);
		break;
	}
	default:
		/* FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG: never a field's type
		 * other than through a pointer */
		r = -ENOENT;
		break;
	}
	c->depth--;
	if (r > 0)
		c->map[id] = r;
	return r;
}

/* Every kernel type with the essential name of the local type, copied.
 * -ENOENT when there is none: the full BTF (with modules) must decide. */
static int copy_candidates(const struct ldr_core_btf *k, struct copy *c, const struct btf *local,
			   uint32_t local_id)
{
	const struct btf_type *lt = btf__type_by_id(local, local_id);
	const char *name = lt ? btf__name_by_offset(local, lt->name_off) : NULL;
	size_t n;
	bool found = false;

	if (!name || !name[0])
		return -ENOENT;
	n = essential_len(name);
	for (uint32_t id = k->heads[name_hash(name, n) & k->mask]; id; id = k->next[id]) {
		const char *kn = btf__name_by_offset(k->btf, btf__type_by_id(k->btf, id)->name_off);
		int r;

		if (essential_len(kn) != n || strncmp(kn, name, n))
			continue;
		r = copy_type(c, id);
		/* a candidate of a kind the copy does not model (a function of
		 * the same name): libbpf skips it, as it skips kinds that
		 * differ from the local type's */
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

/* .BTF.ext's layout (libbpf's struct btf_ext_header; not in a uapi header) */
struct ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

struct blob {
	const void *data;
	size_t size;
};

static int find_sections(const void *image, size_t len, struct blob *btf, struct blob *ext)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	*btf = *ext = (struct blob){ 0 };
	elf = elf_memory((char *)image, len);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		if (elf)
			elf_end(elf);
		return -EINVAL;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		struct blob *b = NULL;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".BTF"))
			b = btf;
		else if (name && !strcmp(name, ".BTF.ext"))
			b = ext;
		if (b && (d = elf_rawdata(scn, NULL)) && d->d_buf)
			*b = (struct blob){ d->d_buf, d->d_size };
	}
	/* the bytes are in image; the Elf_Data go with the handle */
	elf_end(elf);
	return 0;
}

static int reduce(const struct ldr_core_btf *k, const struct btf *local, const struct blob *ext,
		  struct copy *c)
{
	struct ext_header h0 = { 0 }, *h = &h0;
	const unsigned char *p, *end;
	uint32_t rec_size;

	/* unaligned in the image: a copy (an old header is 8 bytes shorter) */
	if (ext->size < sizeof(h0) - 8)
		return -EINVAL;
	memcpy(&h0, ext->data, ext->size < sizeof(h0) ? ext->size : sizeof(h0));
	if (h->magic != 0xeB9F || h->hdr_len > ext->size)
		return -EINVAL;
	/* an old header without CO-RE records: nothing to relocate */
	if (h->hdr_len < sizeof(*h) || !h->core_relo_len)
		return 0;
	if ((uint64_t)h->hdr_len + h->core_relo_off + h->core_relo_len > ext->size ||
	    h->core_relo_len < 4)
		return -EINVAL;
	p = (const unsigned char *)ext->data + h->hdr_len + h->core_relo_off;
	end = p + h->core_relo_len;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < sizeof(struct bpf_core_relo))
		return -EINVAL;
	while (end - p >= 8) {
		uint32_t num;

		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			return -EINVAL;
		for (uint32_t i = 0; i < num; i++, p += rec_size) {
			struct bpf_core_relo rel;
			int r;

			memcpy(&rel, p, sizeof(rel));
			switch (rel.kind) {
			case BPF_CORE_TYPE_ID_LOCAL:
				continue; /* answered from the object's own BTF */
			case BPF_CORE_TYPE_ID_TARGET:
			case BPF_CORE_TYPE_MATCHES:
				/* a kernel type id, or a comparison that follows
				 * pointers: only the full BTF answers these */
				return -ENOENT;
			default:
				break;
			}
			r = copy_candidates(k, c, local, rel.type_id);
			if (r)
				return r;
		}
	}
	return 0;
}

int ldr_core_btf__reduce(const struct ldr_core_btf *k, const void *image, size_t len,
			 size_t *ntypes)
{
	struct copy c = { .src = k->btf };
	struct blob bd, ed;
	struct btf *local = NULL;
	const void *raw;
	__u32 raw_size;
	int r, fd = -1;

	r = find_sections(image, len, &bd, &ed);
	if (r)
		return r;
	if (!bd.data || !ed.data)
		return -ENOENT; /* nothing to relocate: libbpf needs no kernel BTF */
	local = btf__new(bd.data, bd.size);
	c.dst = btf__new_empty();
	c.map = calloc(k->ntypes, sizeof(*c.map));
	if (!local || !c.dst || !c.map) {
		r = -ENOMEM;
		goto cleanup;
	}
	r = reduce(k, local, &ed, &c);
	if (r)
		goto cleanup;
	raw = btf__raw_data(c.dst, &raw_size);
	if (!raw) {
		r = -ENOMEM;
		goto cleanup;
	}
	fd = memfd_create("tpc-core-btf", MFD_CLOEXEC);
	if (fd < 0 || write(fd, raw, raw_size) != (ssize_t)raw_size) {
		r = fd < 0 ? -errno : -EIO;
		goto cleanup;
	}
	if (ntypes)
		*ntypes = btf__type_cnt(c.dst) - 1;
	r = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	btf__free(local);
	btf__free(c.dst);
	free(c.map);
	return r;
}
