/* elfpost.c - see elfpost.h */
#include "driver/elfpost.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROPPED UINT32_MAX

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* .llvm_addrsig is a list of ULEB128 symbol indices (the address-significance
 * table); it has to follow the symbol renumbering or be dropped. Renumbered
 * into `out` (never longer than the input: indices only shrink). */
static int addrsig_remap(const unsigned char *in, size_t n, const uint32_t *symmap, size_t nsym,
			 unsigned char *out, size_t *out_n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		uint64_t v = 0;
		unsigned shift = 0;

		do {
			if (i >= n || shift > 63)
				return -EINVAL;
			v |= (uint64_t)(in[i] & 0x7f) << shift;
			shift += 7;
		} while (in[i++] & 0x80);
		if (v >= nsym)
			return -EINVAL;
		if (symmap[v] == DROPPED)
			continue;
		v = symmap[v];
		do {
			unsigned char b = v & 0x7f;

			v >>= 7;
			out[o++] = b | (v ? 0x80 : 0);
		} while (v);
	}
	*out_n = o;
	return 0;
}

int elfpost__write(const char *in_path, const char *out_path, bool strip_debug,
		   const struct elfpost_section *add, int n_add, char *err, size_t errlen)
{
	Elf *in = NULL, *out = NULL;
	int ifd = -1, ofd = -1, ret = 0;
	size_t shnum = 0, shstrndx = 0, nsym = 0, nbufs = 0, nkept = 0, i;
	uint32_t *newidx = NULL, *symmap = NULL, new_locals = 0, *add_name = NULL;
	void **bufs = NULL;
	Elf64_Ehdr *ieh, *oeh;
	Elf_Scn *scn;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, -EINVAL, "libelf: %s", elf_errmsg(-1));
	ifd = open(in_path, O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		return fail(err, errlen, -errno, "cannot open %s: %s", in_path, strerror(errno));
	in = elf_begin(ifd, ELF_C_READ_MMAP, NULL);
	if (!in || elf_kind(in) != ELF_K_ELF || gelf_getclass(in) != ELFCLASS64 ||
	    !(ieh = elf64_getehdr(in)) || ieh->e_type != ET_REL) {
		ret = fail(err, errlen, -EINVAL, "%s: not a 64-bit relocatable ELF object", in_path);
		goto cleanup;
	}
	if (elf_getshdrnum(in, &shnum) || elf_getshdrstrndx(in, &shstrndx) || !shstrndx ||
	    shstrndx >= shnum) {
		ret = fail(err, errlen, -EINVAL, "%s: no section header string table", in_path);
		goto cleanup;
	}
	newidx = calloc(shnum, sizeof(*newidx));
	add_name = calloc(n_add + 1, sizeof(*add_name));
	bufs = calloc(shnum + 1, sizeof(*bufs));
	if (!newidx || !add_name || !bufs) {
		ret = fail(err, errlen, -ENOMEM, "out of memory");
		goto cleanup;
	}

	/* Which sections go: DWARF, then relocations that apply to DWARF. */
	for (i = 1; i < shnum; i++) {
		Elf64_Shdr *sh = elf64_getshdr(elf_getscn(in, i));
		const char *name = sh ? elf_strptr(in, shstrndx, sh->sh_name) : NULL;

		if (!sh || !name) {
			ret = fail(err, errlen, -EINVAL, "%s: bad section %zu", in_path, i);
			goto cleanup;
		}
		newidx[i] = strip_debug && !strncmp(name, ".debug_", 7) ? DROPPED : 0;
	}
	for (i = 1; i < shnum; i++) {
		Elf64_Shdr *sh = elf64_getshdr(elf_getscn(in, i));

		if ((sh->sh_type == SHT_REL || sh->sh_type == SHT_RELA) && sh->sh_info < shnum &&
		    newidx[sh->sh_info] == DROPPED)
			newidx[i] = DROPPED;
	}
	if (newidx[shstrndx] == DROPPED) {
		ret = fail(err, errlen, -EINVAL, "%s: section names in a debug section", in_path);
		goto cleanup;
	}
	for (i = 1; i < shnum; i++)
		if (newidx[i] != DROPPED)
			newidx[i] = ++nkept;

	/* Symbols of dropped sections go too (only their section symbols in
	 * clang's output), and with strip_debug the source file symbol; the
	 * rest keep their order, locals first. */
	for (i = 1; i < shnum; i++) {
		Elf64_Shdr *sh;
		Elf_Data *d;
		Elf64_Sym *sym;
		uint32_t k = 0;

		scn = elf_getscn(in, i);
		sh = elf64_getshdr(scn);
		if (sh->sh_type != SHT_SYMTAB)
			continue;
		if (symmap || !(d = elf_getdata(scn, NULL))) {
			ret = fail(err, errlen, -EINVAL, "%s: not one symbol table", in_path);
			goto cleanup;
		}
		nsym = d->d_size / sizeof(Elf64_Sym);
		sym = d->d_buf;
		symmap = calloc(nsym ?: 1, sizeof(*symmap));
		if (!symmap) {
			ret = fail(err, errlen, -ENOMEM, "out of memory");
			goto cleanup;
		}
		for (size_t s = 0; s < nsym; s++) {
			uint16_t x = sym[s].st_shndx;

			if (x == SHN_XINDEX) {
				ret = fail(err, errlen, -EINVAL, "%s: extended section indices",
					   in_path);
				goto cleanup;
			}
			if ((x != SHN_UNDEF && x < SHN_LORESERVE &&
			     (x >= shnum || newidx[x] == DROPPED)) ||
			    (strip_debug && ELF64_ST_TYPE(sym[s].st_info) == STT_FILE)) {
				symmap[s] = DROPPED;
				continue;
			}
			symmap[s] = k++;
			if (s < sh->sh_info)
				new_locals = k;
		}
	}

	ofd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		ret = fail(err, errlen, -errno, "cannot create %s: %s", out_path, strerror(errno));
		goto cleanup;
	}
	fchmod(ofd, 0644);
	out = elf_begin(ofd, ELF_C_WRITE, NULL);
	if (!out || !(oeh = elf64_newehdr(out))) {
		ret = fail(err, errlen, -EIO, "libelf: %s", elf_errmsg(-1));
		goto cleanup;
	}
	memcpy(oeh->e_ident, ieh->e_ident, EI_NIDENT);
	oeh->e_type = ieh->e_type;
	oeh->e_machine = ieh->e_machine;
	oeh->e_version = ieh->e_version;
	oeh->e_flags = ieh->e_flags;
	oeh->e_shstrndx = newidx[shstrndx];

	for (i = 1; i < shnum; i++) {
		Elf64_Shdr *sh, *osh;
		Elf_Data *d, *od;
		Elf_Scn *os;
		void *buf = NULL;
		size_t size;

		if (newidx[i] == DROPPED)
			continue;
		scn = elf_getscn(in, i);
		sh = elf64_getshdr(scn);
		d = elf_getdata(scn, NULL);
		os = elf_newscn(out);
		if (!os || !(osh = elf64_getshdr(os)) || !(od = elf_newdata(os))) {
			ret = fail(err, errlen, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		*osh = *sh;
		if (sh->sh_link) {
			if (sh->sh_link >= shnum || newidx[sh->sh_link] == DROPPED) {
				ret = fail(err, errlen, -EINVAL, "%s: section %zu links a dropped section",
					   in_path, i);
				goto cleanup;
			}
			osh->sh_link = newidx[sh->sh_link];
		}
		if (sh->sh_type == SHT_REL || sh->sh_type == SHT_RELA || (sh->sh_flags & SHF_INFO_LINK))
			osh->sh_info = sh->sh_info < shnum ? newidx[sh->sh_info] : 0;
		size = d ? d->d_size : 0;
		if (d && d->d_buf && size) {
			/* the buffers that change: symbols, relocations, the
			 * address-significance table, the section names */
			if (sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_REL ||
			    sh->sh_type == SHT_RELA || sh->sh_type == SHT_LLVM_ADDRSIG ||
			    i == shstrndx) {
				size_t extra = 0;

				if (i == shstrndx)
					for (int a = 0; a < n_add; a++)
						extra += strlen(add[a].name) + 1;
				buf = malloc(size + extra);
				if (!buf) {
					ret = fail(err, errlen, -ENOMEM, "out of memory");
					goto cleanup;
				}
				bufs[nbufs++] = buf;
			}
			if (sh->sh_type == SHT_SYMTAB) {
				const Elf64_Sym *s = d->d_buf;
				Elf64_Sym *o = buf;
				size_t k = 0;

				for (size_t j = 0; j < nsym; j++) {
					if (symmap[j] == DROPPED)
						continue;
					o[k] = s[j];
					if (s[j].st_shndx != SHN_UNDEF && s[j].st_shndx < SHN_LORESERVE)
						o[k].st_shndx = newidx[s[j].st_shndx];
					k++;
				}
				size = k * sizeof(Elf64_Sym);
				osh->sh_info = new_locals;
			} else if (sh->sh_type == SHT_REL || sh->sh_type == SHT_RELA) {
				size_t ent = sh->sh_type == SHT_REL ? sizeof(Elf64_Rel)
								     : sizeof(Elf64_Rela);

				memcpy(buf, d->d_buf, size);
				for (size_t off = 0; off + ent <= size; off += ent) {
					/* r_info is at the same place in both */
					Elf64_Rel *r = (Elf64_Rel *)((char *)buf + off);
					uint64_t sidx = ELF64_R_SYM(r->r_info);

					if (sidx >= nsym || symmap[sidx] == DROPPED) {
						ret = fail(err, errlen, -EINVAL,
							   "%s: relocation against a dropped symbol",
							   in_path);
						goto cleanup;
					}
					r->r_info = ELF64_R_INFO(symmap[sidx], ELF64_R_TYPE(r->r_info));
				}
			} else if (sh->sh_type == SHT_LLVM_ADDRSIG) {
				if (!symmap || addrsig_remap(d->d_buf, size, symmap, nsym, buf, &size)) {
					ret = fail(err, errlen, -EINVAL, "%s: bad .llvm_addrsig",
						   in_path);
					goto cleanup;
				}
			} else if (i == shstrndx) {
				memcpy(buf, d->d_buf, size);
				for (int a = 0; a < n_add; a++) {
					add_name[a] = size;
					memcpy((char *)buf + size, add[a].name, strlen(add[a].name) + 1);
					size += strlen(add[a].name) + 1;
				}
			}
		}
		od->d_buf = buf ? buf : d ? d->d_buf : NULL;
		od->d_type = d ? d->d_type : ELF_T_BYTE;
		od->d_size = size;
		od->d_align = d ? d->d_align : 1;
		od->d_off = 0;
		od->d_version = EV_CURRENT;
		osh->sh_size = size;
	}

	for (int a = 0; a < n_add; a++) {
		Elf_Scn *os = elf_newscn(out);
		Elf64_Shdr *osh;
		Elf_Data *od;

		if (!os || !(osh = elf64_getshdr(os)) || !(od = elf_newdata(os))) {
			ret = fail(err, errlen, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		osh->sh_name = add_name[a];
		osh->sh_type = SHT_PROGBITS;
		osh->sh_addralign = 1;
		osh->sh_size = add[a].size;
		od->d_buf = (void *)add[a].data;
		od->d_size = add[a].size;
		od->d_type = ELF_T_BYTE;
		od->d_align = 1;
		od->d_version = EV_CURRENT;
	}
	if (elf_update(out, ELF_C_WRITE) < 0)
		ret = fail(err, errlen, -EIO, "cannot write %s: %s", out_path, elf_errmsg(-1));

cleanup:
	elf_end(out);
	elf_end(in);
	if (ofd >= 0 && close(ofd) && !ret)
		ret = fail(err, errlen, -EIO, "cannot write %s: %s", out_path, strerror(errno));
	if (ifd >= 0)
		close(ifd);
	for (i = 0; i < nbufs; i++)
		free(bufs[i]);
	free(bufs);
	free(add_name);
	free(symmap);
	free(newidx);
	return ret;
}
