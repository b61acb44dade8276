/* test_elfpost.c - the in-process object post-processing (driver/elfpost.h)
 * that replaced the llvm-objcopy steps of tpc build.
 *
 * A small BPF C file with a map, a global subprogram call and a CO-RE read is
 * compiled by clang -g (DWARF present), then rewritten: the DWARF sections,
 * their relocations and their section symbols are gone, .tpc.meta holds the
 * exact bytes, every relocation still names the same symbol as before (by
 * name, the indices change), the address-significance table names the same
 * symbols, and libbpf opens the result with its programs, maps and BTF.
 * Also: keep-debug keeps DWARF, two added sections in order, the output is
 * identical from run to run and mode 0644, bad input is refused with a
 * reason. Loading into the kernel is covered by every e2e test that loads a
 * `tpc build` object. SKIPs when clang is missing. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/libbpf.h>

#include "driver/elfpost.h"

static char dir[] = "/tmp/test_elfpost.XXXXXX";
static char src_o[256];
static bool have_obj;

static const char bpf_src[] =
	"typedef unsigned int u32; typedef unsigned long long u64;\n"
	"#define SEC(n) __attribute__((section(n), used))\n"
	"struct task { int pid; } __attribute__((preserve_access_index));\n"
	"struct { int (*type)[2]; int (*max_entries)[4]; u32 *key; u64 *value; }\n"
	"	counts SEC(\".maps\");\n"
	"static long (*lookup)(void *, const void *) = (void *)1;\n"
	"static long (*probe)(void *, u32, const void *) = (void *)4;\n"
	"__attribute__((noinline)) int helper(int x) { return x * 3 + 1; }\n"
	"SEC(\"tracepoint/syscalls/sys_enter_openat\") int prog(void *ctx)\n"
	"{\n"
	"	u32 k = 1; u64 *v = (u64 *)lookup(&counts, &k);\n"
	"	struct task *t = ctx; int pid = 0;\n"
	"	probe(&pid, sizeof(pid), &t->pid);\n"
	"	if (v) *v += helper(pid);\n"
	"	return 0;\n"
	"}\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

static int setup(void **state)
{
	char src[256], cmd[1024];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%s/t.bpf.c", dir);
	snprintf(src_o, sizeof(src_o), "%s/t.bpf.o", dir);
	f = fopen(src, "w");
	if (!f)
		return -1;
	fputs(bpf_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s -g -O2 -target bpf -c %s -o %s 2>/dev/null",
		 getenv("TPC_CLANG") ? getenv("TPC_CLANG") : "clang", src, src_o);
	have_obj = !system(cmd);
	elf_version(EV_CURRENT);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return 0;
}

#define NEED_OBJ()                                                     \
	do {                                                           \
		if (!have_obj) {                                       \
			print_message("SKIP: clang -target bpf failed\n"); \
			skip();                                        \
		}                                                      \
	} while (0)

struct view {
	int fd;
	Elf *e;
	size_t shstrndx;
};

static void view_open(struct view *v, const char *path)
{
	v->fd = open(path, O_RDONLY);
	assert_true(v->fd >= 0);
	v->e = elf_begin(v->fd, ELF_C_READ, NULL);
	assert_non_null(v->e);
	assert_int_equal(elf_getshdrstrndx(v->e, &v->shstrndx), 0);
}

static void view_close(struct view *v)
{
	elf_end(v->e);
	close(v->fd);
}

static Elf_Scn *find(struct view *v, const char *name, int *count_prefix)
{
	Elf_Scn *scn = NULL, *hit = NULL;
	GElf_Shdr sh;

	if (count_prefix)
		*count_prefix = 0;
	while ((scn = elf_nextscn(v->e, scn))) {
		const char *n;

		gelf_getshdr(scn, &sh);
		n = elf_strptr(v->e, v->shstrndx, sh.sh_name);
		if (!strcmp(n, name))
			hit = scn;
		if (count_prefix && !strncmp(n, name, strlen(name)))
			(*count_prefix)++;
	}
	return hit;
}

/* "section-name:offset -> symbol-name" for every relocation, and the
 * address-significant symbols by name, to compare input and output. */
static char *describe(const char *path)
{
	struct view v;
	Elf_Scn *scn = NULL, *symscn;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	GElf_Shdr sh, ssh;

	view_open(&v, path);
	while ((scn = elf_nextscn(v.e, scn))) {
		const char *tname;
		Elf_Data *d, *sd;
		GElf_Shdr tsh;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_REL && sh.sh_type != SHT_LLVM_ADDRSIG)
			continue;
		symscn = elf_getscn(v.e, sh.sh_link);
		gelf_getshdr(symscn, &ssh);
		sd = elf_getdata(symscn, NULL);
		d = elf_getdata(scn, NULL);
		if (sh.sh_type == SHT_LLVM_ADDRSIG) {
			const unsigned char *p = d->d_buf;

			for (size_t i = 0; i < d->d_size;) {
				uint64_t idx = 0;
				unsigned shift = 0;
				GElf_Sym s;

				do {
					idx |= (uint64_t)(p[i] & 0x7f) << shift;
					shift += 7;
				} while (p[i++] & 0x80);
				assert_non_null(gelf_getsym(sd, idx, &s));
				len += snprintf(out + len, cap - len, "addrsig %s\n",
						elf_strptr(v.e, ssh.sh_link, s.st_name));
			}
			continue;
		}
		gelf_getshdr(elf_getscn(v.e, sh.sh_info), &tsh);
		tname = elf_strptr(v.e, v.shstrndx, tsh.sh_name);
		if (!strncmp(tname, ".debug_", 7))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rel r;
			GElf_Sym s;

			assert_non_null(gelf_getrel(d, i, &r));
			assert_non_null(gelf_getsym(sd, GELF_R_SYM(r.r_info), &s));
			len += snprintf(out + len, cap - len, "%s:%llx -> %s (%d)\n", tname,
					(unsigned long long)r.r_offset,
					elf_strptr(v.e, ssh.sh_link, s.st_name),
					(int)GELF_R_TYPE(r.r_info));
			assert_true(len < cap);
		}
	}
	view_close(&v);
	return out;
}

static void test_strip_and_add(void **state)
{
	static const char meta[] = "{\"version\":1,\"programs\":[]}";
	struct elfpost_section add[] = { { ".tpc.meta", meta, sizeof(meta) - 1 } };
	char out_o[300], err[256] = "", *before, *after;
	struct bpf_object *obj;
	struct view v;
	Elf_Data *d;
	Elf_Scn *scn;
	struct stat st;
	int ndebug;
	mode_t old = umask(077);

	NEED_OBJ();
	view_open(&v, src_o);
	find(&v, ".debug_", &ndebug);
	view_close(&v);
	assert_true(ndebug > 3); /* the input has DWARF: the test means something */

	snprintf(out_o, sizeof(out_o), "%s/out.o", dir);
	assert_int_equal(elfpost__write(src_o, out_o, true, add, 1, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(out_o, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	view_open(&v, out_o);
	assert_non_null(find(&v, ".BTF", NULL));
	assert_non_null(find(&v, ".BTF.ext", NULL));
	find(&v, ".debug_", &ndebug);
	assert_int_equal(ndebug, 0);
	find(&v, ".rel.debug_", &ndebug);
	assert_int_equal(ndebug, 0);
	scn = find(&v, ".tpc.meta", NULL);
	assert_non_null(scn);
	d = elf_getdata(scn, NULL);
	assert_int_equal(d->d_size, sizeof(meta) - 1);
	assert_memory_equal(d->d_buf, meta, sizeof(meta) - 1);
	/* no symbol is left pointing at a section that is gone, and no FILE */
	{
		Elf_Scn *s = NULL;
		GElf_Shdr sh;
		size_t shnum;

		elf_getshdrnum(v.e, &shnum);
		while ((s = elf_nextscn(v.e, s))) {
			gelf_getshdr(s, &sh);
			if (sh.sh_type != SHT_SYMTAB)
				continue;
			Elf_Data *sd = elf_getdata(s, NULL);

			for (size_t i = 0; i < sh.sh_size / sizeof(Elf64_Sym); i++) {
				GElf_Sym sym;

				gelf_getsym(sd, i, &sym);
				assert_true(sym.st_shndx < shnum || sym.st_shndx >= SHN_LORESERVE);
				assert_int_not_equal(GELF_ST_TYPE(sym.st_info), STT_FILE);
				if (i < sh.sh_info)
					assert_int_equal(GELF_ST_BIND(sym.st_info), STB_LOCAL);
				else
					assert_int_not_equal(GELF_ST_BIND(sym.st_info), STB_LOCAL);
			}
		}
	}
	view_close(&v);

	before = describe(src_o);
	after = describe(out_o);
	assert_non_null(strstr(before, "-> counts"));
	assert_non_null(strstr(before, "addrsig"));
	assert_string_equal(before, after);
	free(before);
	free(after);

	obj = bpf_object__open_file(out_o, NULL);
	assert_non_null(obj);
	assert_non_null(bpf_object__find_program_by_name(obj, "prog"));
	assert_non_null(bpf_object__find_map_by_name(obj, "counts"));
	assert_non_null(bpf_object__btf(obj));
	bpf_object__close(obj);
}

static void test_keep_debug_two_sections(void **state)
{
	static const char a[] = "first", b[] = "second!";
	struct elfpost_section add[] = { { ".tpc.meta", a, 5 }, { ".tpc.sig", b, 7 } };
	char out_o[300], out2[300], err[256] = "", cmd[700];
	struct view v;
	Elf_Scn *sa, *sb;
	int ndebug;

	NEED_OBJ();
	snprintf(out_o, sizeof(out_o), "%s/keep.o", dir);
	snprintf(out2, sizeof(out2), "%s/keep2.o", dir);
	assert_int_equal(elfpost__write(src_o, out_o, false, add, 2, err, sizeof(err)), 0);
	assert_int_equal(elfpost__write(src_o, out2, false, add, 2, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", out_o, out2);
	assert_int_equal(system(cmd), 0); /* byte-identical from run to run */

	view_open(&v, out_o);
	find(&v, ".debug_", &ndebug);
	assert_true(ndebug > 3);
	sa = find(&v, ".tpc.meta", NULL);
	sb = find(&v, ".tpc.sig", NULL);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_true(elf_ndxscn(sa) < elf_ndxscn(sb));
	assert_memory_equal(elf_getdata(sb, NULL)->d_buf, b, 7);
	view_close(&v);
}

static void test_bad_input(void **state)
{
	char bad[300], out_o[300], err[256] = "";
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.o", dir);
	snprintf(out_o, sizeof(out_o), "%s/bad.out", dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("not an ELF file at all", f);
	fclose(f);
	assert_int_equal(elfpost__write(bad, out_o, true, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a 64-bit relocatable ELF object"));
	err[0] = '\0';
	assert_int_equal(elfpost__write("/nonexistent/x.o", out_o, true, NULL, 0, err,
					sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strip_and_add),
		cmocka_unit_test(test_keep_debug_two_sections),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
