/* test_templates.c - filling the program skeletons (compiler/emit/tpl.c):
 * each kind of value is checked or escaped, a value that is not what its
 * placeholder's kind says (a policy string posing as an identifier, a
 * field the emitter forgot) writes nothing and fails, flags keep or drop
 * their line; and the embedded templates (build/gen/tpc_templates.h) are
 * the files of templates/ (a stale or edited copy is found). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tpc_templates.h"

struct sink {
	char *buf;
	size_t len;
	FILE *f;
};

static void sink__open(struct sink *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
}

static char *sink__close(struct sink *s)
{
	assert_int_equal(fclose(s->f), 0);
	return s->buf;
}

static int render(const char *text, const struct tpl_slot *slots, size_t n, char **got)
{
	struct sink s;
	int err;

	sink__open(&s);
	err = tpl__render(s.f, "test.tpl", text, slots, n);
	*got = sink__close(&s);
	return err;
}

static void test_kinds(void **st)
{
	struct tpl_val name = tpl_ident("tpc_p0_lsm"), id = tpl_num(42), ty = tpl_type("struct x");
	struct tpl_val sec = tpl_str("uprobe//a\"b\\c?\n"), com = tpl_comment("a*/b\x01");
	const struct tpl_slot slots[] = {
		{ "NAME", TPL_IDENT, &name }, { "ID", TPL_NUM, &id },     { "T", TPL_TYPE, &ty },
		{ "SEC", TPL_STR, &sec },     { "C", TPL_COMMENT, &com },
	};
	char *got;

	(void)st;
	assert_int_equal(render("SEC(\"@SEC@\") /* @C@ */\n@T@ *@NAME@(@ID@)\n", slots, 5, &got), 0);
	assert_string_equal(got, "SEC(\"uprobe//a\\042b\\134c\\077\\012\") /* a*?b? */\n"
				 "struct x *tpc_p0_lsm(42)\n");
	free(got);
}

/* a value that is not its kind: nothing written, -EINVAL */
static void test_refused(void **st)
{
	const char *bad_idents[] = { "x(void){}int y", "", "1x", "a b", "a\nb", NULL };
	const char *bad_types[] = { "struct  x", "struct x;", " x", "x ", "x*", NULL };
	struct tpl_val v;
	const struct tpl_slot slot = { "X", TPL_IDENT, &v }, tslot = { "X", TPL_TYPE, &v };
	char *got;

	(void)st;
	for (int i = 0; bad_idents[i]; i++) {
		v = tpl_ident(bad_idents[i]);
		assert_int_equal(render("a @X@ b\n", &slot, 1, &got), -EINVAL);
		assert_string_equal(got, "");
		free(got);
	}
	for (int i = 0; bad_types[i]; i++) {
		v = tpl_type(bad_types[i]);
		assert_int_equal(render("a @X@ b\n", &tslot, 1, &got), -EINVAL);
		assert_string_equal(got, "");
		free(got);
	}
	v = tpl_ident(NULL);
	assert_int_equal(render("a @X@\n", &slot, 1, &got), -EINVAL);
	free(got);
	/* not filled, or filled with another kind */
	v = (struct tpl_val){ 0 };
	assert_int_equal(render("a @X@\n", &slot, 1, &got), -EINVAL);
	assert_string_equal(got, "");
	free(got);
	v = tpl_num(3);
	assert_int_equal(render("a @X@\n", &slot, 1, &got), -EINVAL);
	free(got);
	/* a placeholder with no slot */
	v = tpl_ident("x");
	assert_int_equal(render("a @Y@\n", &slot, 1, &got), -EINVAL);
	assert_string_equal(got, "");
	free(got);
}

static void test_flags(void **st)
{
	struct tpl_val on = tpl_flag(true), off = tpl_flag(false);
	const struct tpl_slot slots[] = { { "ON", TPL_FLAG, &on }, { "OFF", TPL_FLAG, &off } };
	char *got;

	(void)st;
	assert_int_equal(render("a\n@?ON@\tb\n@?OFF@\tc\nd\n@?OFF@e", slots, 2, &got), 0);
	assert_string_equal(got, "a\n\tb\nd\n");
	free(got);
	/* a flag is a whole line's condition, not a value */
	assert_int_equal(render("a @?ON@b\n", slots, 2, &got), -EINVAL);
	free(got);
	assert_int_equal(render("a @ON@\n", slots, 2, &got), -EINVAL);
	free(got);
}

/* The embedded text is the file in templates/: the generated header is
 * rebuilt on every template edit. */
static void test_embedded(void **st)
{
	FILE *f = fopen("templates/entry-lsm.tpl", "r");
	char file[4096], *got, *want, *p;
	size_t n;
	struct sink s;

	(void)st;
	assert_non_null(f);
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = 0;
	sink__open(&s);
	assert_int_equal(tpl_entry_lsm__emit(s.f, &(struct tpl_entry_lsm){
						     .SEC = tpl_str("lsm/x"),
						     .NAME = tpl_ident("NAME"),
						     .PROG = tpl_num(7),
						     .V = tpl_num(8),
						     .NARGS = tpl_num(9),
					     }),
			 0);
	got = sink__close(&s);
	/* the file with its placeholders put back by hand */
	want = malloc(2 * n + 64);
	assert_non_null(want);
	want[0] = 0;
	for (p = file; *p;) {
		static const struct {
			const char *ph, *val;
		} subst[] = { { "@SEC@", "lsm/x" }, { "@NAME@", "NAME" }, { "@PROG@", "7" },
			      { "@V@", "8" },		    { "@NARGS@", "9" } };
		size_t k;

		for (k = 0; k < sizeof(subst) / sizeof(subst[0]); k++)
			if (!strncmp(p, subst[k].ph, strlen(subst[k].ph)))
				break;
		if (k < sizeof(subst) / sizeof(subst[0])) {
			strcat(want, subst[k].val);
			p += strlen(subst[k].ph);
		} else {
			size_t l = strlen(want);

			want[l] = *p++;
			want[l + 1] = 0;
		}
	}
	assert_string_equal(got, want);
	free(got);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_embedded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
