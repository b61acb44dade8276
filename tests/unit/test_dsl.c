/* test_dsl.c - the selector DSL: precedence, every operator and literal,
 * escapes, spans (plain, base, offset map), error messages and positions,
 * recovery, limits, and the field table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/dsl.h"
#include "front/dsl_fields.h"

struct fx {
	struct arena *a;
	struct srcmap *m;
	struct diag_sink *d;
	uint32_t file;
	char dump[8192];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->a = arena__new();
	x->m = srcmap__new();
	x->d = diag_sink__new(x->m);
	diag_sink__set_max_errors(x->d, 1000);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	diag_sink__free(x->d);
	srcmap__free(x->m);
	arena__free(x->a);
	free(x);
	return 0;
}

static struct ast_expr *parse_n(struct fx *x, const char *s, size_t n)
{
	x->file = srcmap__add(x->m, "t.dsl", s, n);
	return dsl__parse(x->a, x->d, s, n, x->file, NULL, 0);
}

static struct ast_expr *parse(struct fx *x, const char *s)
{
	return parse_n(x, s, strlen(s));
}

static const char *dump(struct fx *x, const struct ast_expr *e)
{
	ast_expr__dump(e, x->dump, sizeof(x->dump));
	return x->dump;
}

/* Parses src, which must be valid, and compares the dump. */
static void ok(struct fx *x, const char *src, const char *want)
{
	struct ast_expr *e = parse(x, src);

	if (!e || diag_sink__count(x->d)) {
		for (size_t i = 0; i < diag_sink__count(x->d); i++)
			print_error("diag: %s\n", diag_sink__get(x->d, i)->msg);
		fail_msg("'%s' did not parse", src);
	}
	assert_string_equal(dump(x, e), want);
}

/* Diagnostic i has this level, byte span and message. */
static void diag_is(struct fx *x, size_t i, enum diag_level lv, uint32_t start, uint32_t end,
		    const char *msg)
{
	const struct diag *g;

	if (i >= diag_sink__count(x->d))
		fail_msg("only %zu diagnostics, wanted #%zu '%s'", diag_sink__count(x->d), i, msg);
	g = diag_sink__get(x->d, i);
	assert_string_equal(g->msg, msg);
	assert_int_equal(g->level, lv);
	assert_int_equal(g->span.file, x->file);
	assert_int_equal(g->span.start, start);
	assert_int_equal(g->span.end, end);
}

static void err_is(struct fx *x, size_t i, uint32_t start, uint32_t end, const char *msg)
{
	diag_is(x, i, DIAG_ERROR, start, end, msg);
}

static size_t count_code(struct fx *x, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < diag_sink__count(x->d); i++) {
		const struct diag *g = diag_sink__get(x->d, i);

		n += g->code && !strcmp(g->code, code);
	}
	return n;
}

/* ---- precedence and associativity --------------------------------------- */

static void test_and_binds_tighter_than_or(void **state)
{
	ok(*state, "a == 1 || b == 2 && c == 3", "((a == 1) || ((b == 2) && (c == 3)))");
}

static void test_and_binds_tighter_than_or_left(void **state)
{
	ok(*state, "a == 1 && b == 2 || c == 3", "(((a == 1) && (b == 2)) || (c == 3))");
}

static void test_and_is_left_associative(void **state)
{
	ok(*state, "a == 1 && b == 2 && c == 3", "(((a == 1) && (b == 2)) && (c == 3))");
}

static void test_or_is_left_associative(void **state)
{
	ok(*state, "a == 1 || b == 2 || c == 3", "(((a == 1) || (b == 2)) || (c == 3))");
}

static void test_not_binds_tighter_than_and(void **state)
{
	ok(*state, "!a == 1 && b == 2", "(!(a == 1) && (b == 2))");
	ok(*state, "a == 1 || !b == 2", "((a == 1) || !(b == 2))");
}

static void test_parentheses_override(void **state)
{
	ok(*state, "(a == 1 || b == 2) && c == 3", "(((a == 1) || (b == 2)) && (c == 3))");
	ok(*state, "!(a == 1 || b == 2)", "!((a == 1) || (b == 2))");
	ok(*state, "((((a == 1))))", "(a == 1)");
}

static void test_double_negation_kept(void **state)
{
	ok(*state, "!!a == 1", "!!(a == 1)");
}

static void test_whitespace_is_free(void **state)
{
	ok(*state, "\t a==1\n&&\r\nb!=2 ", "((a == 1) && (b != 2))");
	ok(*state, "a==1||b==2", "((a == 1) || (b == 2))");
}

/* ---- operators ------------------------------------------------------------ */

static void test_every_comparison_operator(void **state)
{
	static const char *const ops[][2] = {
		{ "==", "==" }, { "!=", "!=" }, { "<", "<" },	{ "<=", "<=" },
		{ ">", ">" },	{ ">=", ">=" }, { "&", "&" },
	};
	char src[64], want[64];

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(src, sizeof(src), "uid %s 7", ops[i][0]);
		snprintf(want, sizeof(want), "(uid %s 7)", ops[i][1]);
		ok(*state, src, want);
	}
}

static void test_comparison_op_enums(void **state)
{
	static const struct {
		const char *src;
		enum expr_cmp op;
	} cases[] = {
		{ "x == 1", CMP_EQ },
		{ "x != 1", CMP_NE },
		{ "x < 1", CMP_LT },
		{ "x <= 1", CMP_LE },
		{ "x > 1", CMP_GT },
		{ "x >= 1", CMP_GE },
		{ "x startswith \"a\"", CMP_STARTSWITH },
		{ "x endswith \"a\"", CMP_ENDSWITH },
		{ "x contains \"a\"", CMP_CONTAINS },
		{ "x & 1", CMP_MASK },
	};
	struct fx *x = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ast_expr *e = parse(x, cases[i].src);

		assert_non_null(e);
		assert_int_equal(e->kind, EXPR_CMP);
		assert_int_equal(e->cmp.op, cases[i].op);
		assert_int_equal(e->cmp.lhs->kind, EXPR_FIELD);
		assert_string_equal(e->cmp.lhs->field.name, "x");
	}
}

static void test_string_operators(void **state)
{
	ok(*state, "binary startswith \"/usr/\" && binary endswith \"/nc\" || comm contains \"sh\"",
	   "(((binary startswith \"/usr/\") && (binary endswith \"/nc\")) || "
	   "(comm contains \"sh\"))");
}

static void test_mask_is_a_condition(void **state)
{
	ok(*state, "arg1 & 0x40 && !(arg1 & 0x200)", "((arg1 & 64) && !(arg1 & 512))");
}

static void test_in_and_not_in(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e;

	ok(x, "pid in [1, 2, 3]", "(pid in [1, 2, 3])");
	ok(x, "comm not in [\"sh\", \"bash\",]", "(comm not in [\"sh\", \"bash\"])");
	ok(x, "pid in []", "(pid in [])");
	e = parse(x, "uid not in [0]");
	assert_non_null(e);
	assert_int_equal(e->kind, EXPR_IN);
	assert_true(e->in.negated);
	assert_int_equal(e->in.list->kind, EXPR_LIST);
	assert_int_equal(e->in.list->list.n, 1);
	assert_int_equal(e->in.list->list.items[0]->ival, 0);
}

static void test_bool_literals(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e;

	ok(x, "true", "true");
	ok(x, "!false || true", "(!false || true)");
	e = parse(x, "arg2 == false");
	assert_non_null(e);
	assert_int_equal(e->cmp.rhs->kind, EXPR_BOOL);
	assert_false(e->cmp.rhs->bval);
}

/* ---- literals --------------------------------------------------------------- */

static int64_t int_of(struct fx *x, const char *src)
{
	struct ast_expr *e = parse(x, src);

	assert_non_null(e);
	assert_int_equal(e->kind, EXPR_CMP);
	assert_int_equal(e->cmp.rhs->kind, EXPR_INT);
	return e->cmp.rhs->ival;
}

static void test_integers_in_every_base(void **state)
{
	struct fx *x = *state;

	assert_true(int_of(x, "pid == 0") == 0);
	assert_true(int_of(x, "pid == 42") == 42);
	assert_true(int_of(x, "pid == 0x2A") == 42);
	assert_true(int_of(x, "pid == 0X2a") == 42);
	assert_true(int_of(x, "pid == 052") == 42);
	assert_true(int_of(x, "ret == -1") == -1);
	assert_true(int_of(x, "ret == -0x10") == -16);
	assert_true(int_of(x, "ret >= -9223372036854775808") == INT64_MIN);
	assert_true((uint64_t)int_of(x, "arg0 == 18446744073709551615") == UINT64_MAX);
	assert_true((uint64_t)int_of(x, "arg0 == 0xffffffffffffffff") == UINT64_MAX);
}

static void test_integer_out_of_range(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "arg0 == 18446744073709551616 || ret == -9223372036854775809"));
	err_is(x, 0, 8, 28, "integer '18446744073709551616' is out of range");
	err_is(x, 1, 39, 59, "integer '-9223372036854775809' is out of range");
	assert_int_equal(diag_sink__count(x->d), 2);
}

static void test_bad_digits(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pid == 09 || pid == 0x1g || pid == 12ab"));
	err_is(x, 0, 7, 9, "invalid octal number '09'");
	diag_is(x, 1, DIAG_NOTE, 7, 9,
		"a leading '0' makes a number octal; write it without the '0'");
	err_is(x, 2, 20, 24, "invalid hexadecimal number '0x1g'");
	err_is(x, 3, 35, 39, "invalid decimal number '12ab'");
	assert_int_equal(count_code(x, "dsl-number"), 3);
}

static void test_string_escapes(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e = parse(x, "comm == \"q\\\"b\\\\n\\n\\t\\r\\x41\\x7e\"");

	assert_non_null(e);
	assert_int_equal(e->cmp.rhs->kind, EXPR_STR);
	assert_int_equal(e->cmp.rhs->sval.len, 10);
	assert_memory_equal(e->cmp.rhs->sval.s, "q\"b\\n\n\t\rA~", 11);
}

static void test_string_keeps_embedded_nul(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e = parse(x, "comm == \"a\\x00b\"");

	assert_non_null(e);
	assert_int_equal(e->cmp.rhs->sval.len, 3);
	assert_memory_equal(e->cmp.rhs->sval.s, "a\0b", 4);
	assert_true(e->cmp.rhs->sval.present);
}

static void test_empty_string(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e = parse(x, "comm == \"\"");

	assert_non_null(e);
	assert_int_equal(e->cmp.rhs->sval.len, 0);
	assert_string_equal(e->cmp.rhs->sval.s, "");
}

static void test_bad_escapes_reported_at_their_bytes(void **state)
{
	struct fx *x = *state;

	/*                 0123456789012345678 */
	assert_null(parse(x, "comm == \"a\\qb\\x4\""));
	err_is(x, 0, 10, 12, "unknown escape sequence '\\q'");
	diag_is(x, 1, DIAG_NOTE, 10, 12, "valid escapes are \\\" \\\\ \\n \\t \\r \\xNN");
	err_is(x, 2, 13, 16, "'\\x' must be followed by two hexadecimal digits");
	assert_int_equal(diag_sink__count(x->d), 3);
}

static void test_unterminated_string(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "comm == \"abc && pid == 1"));
	err_is(x, 0, 8, 24, "missing closing '\"' of string");
	assert_int_equal(diag_sink__errors(x->d), 1);
}

static void test_string_stops_at_newline(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "comm == \"ab\ncd\" "));
	err_is(x, 0, 8, 11, "missing closing '\"' of string");
}

static void test_addresses_and_cidrs(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e;

	ok(x, "arg0.daddr in [10.0.0.0/8, 127.0.0.1, fd00::/8, ::1, ::ffff:1.2.3.4, ::]",
	   "(arg0.daddr in [10.0.0.0/8, 127.0.0.1, fd00::/8, ::1, ::ffff:1.2.3.4, ::])");
	e = parse(x, "args.sk.saddr == 2001:db8::1/128");
	assert_non_null(e);
	assert_int_equal(e->cmp.rhs->kind, EXPR_CIDR);
	assert_string_equal(e->cmp.rhs->sval.s, "2001:db8::1/128");
	assert_int_equal(e->cmp.rhs->sval.len, 15);
}

static void test_bad_addresses(void **state)
{
	struct fx *x = *state;

	/*                    0         1         2         3         4         5 */
	/*                    012345678901234567890123456789012345678901234567890 */
	assert_null(parse(x, "a in [10.0.0.256, 1.2.3.4/33, fd00::/129, 1:2, 1.5]"));
	err_is(x, 0, 6, 16, "invalid IPv4 address '10.0.0.256'");
	err_is(x, 1, 25, 28, "invalid prefix length '/33' for an IPv4 address (0-32)");
	err_is(x, 2, 36, 40, "invalid prefix length '/129' for an IPv6 address (0-128)");
	/* "1:2" has one colon: not an address, so ':' is a stray character */
	err_is(x, 3, 43, 44, "unexpected character ':', expecting ',' or ']'");
	err_is(x, 4, 47, 50, "invalid IPv4 address '1.5'");
	assert_int_equal(count_code(x, "dsl-address"), 4);
}

static void test_constants_are_strings(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e = parse(x, "caps.effective contains CAP_SYS_ADMIN");

	assert_non_null(e);
	assert_int_equal(e->cmp.op, CMP_CONTAINS);
	assert_int_equal(e->cmp.rhs->kind, EXPR_STR);
	assert_string_equal(e->cmp.rhs->sval.s, "CAP_SYS_ADMIN");
	ok(x, "arg0.family in [AF_INET, AF_INET6]", "(arg0.family in [\"AF_INET\", \"AF_INET6\"])");
}

static void test_fields_dotted_and_subscripted(void **state)
{
	struct fx *x = *state;
	struct ast_expr *e;

	ok(x, "parent.binary == \"/bin/sh\"", "(parent.binary == \"/bin/sh\")");
	ok(x, "ns.pid_for_children != 4026531836", "(ns.pid_for_children != 4026531836)");
	e = parse(x, "pod.labels[\"app.kubernetes.io/na\\x6de\"] == \"web\"");
	assert_non_null(e);
	assert_string_equal(e->cmp.lhs->field.name, "pod.labels");
	assert_true(e->cmp.lhs->field.key.present);
	assert_string_equal(e->cmp.lhs->field.key.s, "app.kubernetes.io/name");
	/* keywords are whole tokens only: a dotted segment named 'in' is a field */
	ok(x, "args.in == 1 && contains_x == 2", "((args.in == 1) && (contains_x == 2))");
}

/* ---- spans ------------------------------------------------------------------ */

static void span_is(struct span s, uint32_t start, uint32_t end)
{
	assert_int_equal(s.start, start);
	assert_int_equal(s.end, end);
}

static void test_node_spans(void **state)
{
	struct fx *x = *state;
	/* offsets: '!' 0, "pid" 2, '1' 9, "comm" 15, '[' 23, "b" 29, end 33 */
	struct ast_expr *e = parse(x, "!(pid == 1) || comm in [\"a\", \"b\"]");

	assert_non_null(e);
	span_is(e->span, 0, 33);		/* OR */
	span_is(e->bin.l->span, 0, 11);		/* NOT, from '!' to ')' */
	span_is(e->bin.l->sub->span, 2, 10);	/* the comparison, parens excluded */
	span_is(e->bin.l->sub->cmp.lhs->span, 2, 5);
	span_is(e->bin.l->sub->cmp.rhs->span, 9, 10);
	span_is(e->bin.r->span, 15, 33);	/* IN */
	span_is(e->bin.r->in.list->span, 23, 33);
	span_is(e->bin.r->in.list->list.items[1]->span, 29, 32);
	span_is(e->bin.r->in.list->list.items[1]->sval.span, 29, 32);
	assert_int_equal(e->span.file, x->file);
}

static void test_subscript_spans(void **state)
{
	struct fx *x = *state;
	/*                      0123456789012345678901234 */
	struct ast_expr *e = parse(x, "pod.labels[\"app\"] == \"x\"");

	assert_non_null(e);
	span_is(e->cmp.lhs->span, 0, 17);
	span_is(e->cmp.lhs->field.key.span, 11, 16);
}

static void test_spans_with_base(void **state)
{
	struct fx *x = *state;
	const char *file = "match: 'pid == )'";
	struct ast_expr *e;

	x->file = srcmap__add(x->m, "t.yaml", file, strlen(file));
	e = dsl__parse(x->a, x->d, file + 8, 8, x->file, NULL, 8);
	assert_null(e);
	err_is(x, 0, 15, 16, "unexpected ')', expecting a value");
	e = dsl__parse(x->a, x->d, "pid == 1", 8, x->file, NULL, 8);
	assert_non_null(e);
	span_is(e->span, 8, 16);
	span_is(e->cmp.rhs->span, 15, 16);
}

/* A YAML double-quoted scalar "pid == \x31 && comm == )" : the escape
 * \x31 is four file bytes for one text byte, so later offsets shift. */
static void test_spans_through_offmap(void **state)
{
	struct fx *x = *state;
	const char *file = "match: \"pid == \\x31 && comm == )\"";
	const char *text = "pid == 1 && comm == )";
	size_t n = strlen(text);
	uint32_t map[64];
	struct ast_expr *e;

	for (size_t i = 0; i <= n; i++)
		map[i] = (uint32_t)(8 + i + (i > 7 ? 3 : 0));
	x->file = srcmap__add(x->m, "t.yaml", file, strlen(file));
	e = dsl__parse(x->a, x->d, text, n, x->file, map, 0);
	assert_null(e);
	/* ')' is text byte 20 -> file byte 31 */
	assert_int_equal(file[31], ')');
	err_is(x, 0, 31, 32, "unexpected ')', expecting a value");

	e = dsl__parse(x->a, x->d, text, 8, x->file, map, 0);
	assert_non_null(e);
	/* the number covers the whole escape: file bytes 15..19 */
	span_is(e->cmp.rhs->span, 15, 19);
	span_is(e->span, 8, 19);
}

static void test_end_of_input_span_uses_last_offmap_entry(void **state)
{
	struct fx *x = *state;
	const char *file = "m: \"pid ==\"";
	uint32_t map[] = { 4, 5, 6, 7, 8, 9, 10 }; /* 6 text bytes + end */

	x->file = srcmap__add(x->m, "t.yaml", file, strlen(file));
	assert_null(dsl__parse(x->a, x->d, "pid ==", 6, x->file, map, 0));
	err_is(x, 0, 10, 10, "unexpected end of expression, expecting a value");
	assert_int_equal(file[10], '"');
}

/* ---- syntax errors and recovery ---------------------------------------------- */

static void test_unexpected_token_message(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pid == )"));
	err_is(x, 0, 7, 8, "unexpected ')', expecting a value");
	assert_int_equal(diag_sink__count(x->d), 1);
	assert_string_equal(diag_sink__get(x->d, 0)->code, "dsl-syntax");
}

static void test_two_errors_in_one_run(void **state)
{
	struct fx *x = *state;

	/*                    01234567890123456789 */
	assert_null(parse(x, "pid == ) && uid == ]"));
	err_is(x, 0, 7, 8, "unexpected ')', expecting a value");
	err_is(x, 1, 19, 20, "unexpected ']', expecting a value");
	assert_int_equal(diag_sink__errors(x->d), 2);
}

static void test_recovery_in_parens_and_lists(void **state)
{
	struct fx *x = *state;

	/*                    0         1         2         3         4 */
	/*                    0123456789012345678901234567890123456789012345 */
	assert_null(parse(x, "(pid == ) || comm in [1 2] || (uid ! 0) && ok"));
	err_is(x, 0, 8, 9, "unexpected ')', expecting a value");
	err_is(x, 1, 24, 25, "unexpected number '2', expecting ',' or ']'");
	err_is(x, 2, 35, 36, "unexpected '!', expecting an operator");
	err_is(x, 3, 45, 45, "unexpected end of expression, expecting an operator");
	assert_int_equal(diag_sink__errors(x->d), 4);
}

static void test_lexical_and_syntax_errors_together(void **state)
{
	struct fx *x = *state;

	/*                    0123456789012345678901234567 */
	assert_null(parse(x, "comm == \"\\z\" && pid == @ 1"));
	err_is(x, 0, 9, 11, "unknown escape sequence '\\z'");
	err_is(x, 2, 23, 24, "unexpected character '@', expecting a value");
	assert_int_equal(diag_sink__errors(x->d), 2);
}

static void test_missing_close_paren_points_at_open(void **state)
{
	struct fx *x = *state;

	/*                    0123456789012 */
	assert_null(parse(x, "((pid == 1) "));
	err_is(x, 0, 12, 12, "unexpected end of expression, expecting '&&', '||' or ')'");
	diag_is(x, 1, DIAG_NOTE, 0, 1, "to match this '('");
}

static void test_stray_close_paren(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pid == 1)"));
	err_is(x, 0, 8, 9, "unexpected ')', expecting '&&', '||' or end of expression");
}

static void test_hints_for_common_mistakes(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pid = 1"));
	err_is(x, 0, 4, 5, "unexpected character '=', expecting an operator");
	diag_is(x, 1, DIAG_NOTE, 4, 5, "use '==' to compare");
	assert_null(parse(x, "pid == 1 and uid == 0"));
	err_is(x, 2, 9, 12, "unexpected name 'and', expecting '&&', '||' or end of expression");
	diag_is(x, 3, DIAG_NOTE, 9, 12, "use '&&' for 'and'");
	assert_null(parse(x, "comm == bash"));
	err_is(x, 4, 8, 12, "unexpected name 'bash', expecting a value");
	diag_is(x, 5, DIAG_NOTE, 8, 12, "strings are written in double quotes: \"bash\"");
	assert_null(parse(x, "not pid == 1"));
	err_is(x, 6, 0, 3, "unexpected 'not', expecting a field, 'true', 'false', '!' or '('");
	diag_is(x, 7, DIAG_NOTE, 0, 3, "use '!' to negate; 'not' only appears in 'not in'");
}

static void test_field_required_on_the_left(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "PID == 1"));
	err_is(x, 0, 0, 3,
	       "unexpected constant 'PID', expecting a field, 'true', 'false', '!' or '('");
	diag_is(x, 1, DIAG_NOTE, 0, 3, "field names are lower case: 'pid'");
	assert_null(parse(x, "1 == pid"));
	err_is(x, 2, 0, 1, "unexpected number '1', expecting a field, 'true', 'false', '!' or '('");
	assert_null(parse(x, "uid == euid"));
	err_is(x, 3, 7, 11, "unexpected name 'euid', expecting a value");
}

static void test_subscript_needs_a_string(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pod.labels[app] == \"x\""));
	err_is(x, 0, 11, 14, "unexpected name 'app', expecting a string");
	assert_null(parse(x, "pid in 1"));
	err_is(x, 1, 7, 8, "unexpected number '1', expecting '['");
}

static void test_invalid_bytes(void **state)
{
	struct fx *x = *state;

	assert_null(parse_n(x, "pid \0== 1", 9));
	err_is(x, 0, 4, 5, "unexpected character '\\x00', expecting an operator");
	assert_null(parse(x, "pid \xc3\xa9 1"));
	err_is(x, 1, 4, 6, "unexpected character '\xc3\xa9', expecting an operator");
	assert_null(parse(x, "pid == 1 | uid == 2"));
	err_is(x, 2, 9, 10, "unexpected character '|', expecting '&&', '||' or end of expression");
	diag_is(x, 3, DIAG_NOTE, 9, 10, "use '||' for 'or'");
}

static void test_empty_expression(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "  \n "));
	err_is(x, 0, 4, 4, "empty selector expression");
	assert_null(dsl__parse(x->a, x->d, NULL, 0, x->file, NULL, 0));
	err_is(x, 1, 0, 0, "empty selector expression");
	/* a NULL text is empty whatever len says */
	assert_null(dsl__parse(x->a, x->d, NULL, 5, x->file, NULL, 0));
	err_is(x, 2, 0, 0, "empty selector expression");
	assert_int_equal(diag_sink__errors(x->d), 3);
}

static void test_incomplete_expression(void **state)
{
	struct fx *x = *state;

	assert_null(parse(x, "pid == 1 &&"));
	err_is(x, 0, 11, 11,
	       "unexpected end of expression, expecting a field, 'true', 'false', '!' or '('");
}

/* ---- limits ----------------------------------------------------------------- */

static char *nested(const char *open, size_t n, const char *mid, const char *close)
{
	size_t lo = strlen(open), lc = strlen(close), lm = strlen(mid);
	char *s = malloc(n * (lo + lc) + lm + 1), *p = s;

	for (size_t i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (size_t i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void test_depth_limit_exact(void **state)
{
	struct fx *x = *state;
	char *ok64 = nested("(", DSL_MAX_DEPTH, "pid == 1", ")");
	char *bad65 = nested("(", DSL_MAX_DEPTH + 1, "pid == 1", ")");
	char *bang65 = nested("!", DSL_MAX_DEPTH + 1, "pid == 1", "");

	assert_non_null(parse(x, ok64));
	assert_null(parse(x, bad65));
	err_is(x, 0, DSL_MAX_DEPTH, DSL_MAX_DEPTH + 1,
	       "expression nested too deeply (more than 64 levels of '(' and '!')");
	assert_null(parse(x, bang65));
	err_is(x, 1, DSL_MAX_DEPTH, DSL_MAX_DEPTH + 1,
	       "expression nested too deeply (more than 64 levels of '(' and '!')");
	assert_int_equal(diag_sink__count(x->d), 2);
	free(ok64);
	free(bad65);
	free(bang65);
}

static void test_depth_counts_parens_and_bangs_together(void **state)
{
	struct fx *x = *state;
	char *ok = nested("(!", DSL_MAX_DEPTH / 2, "pid == 1", ")");
	char *bad = nested("!(", DSL_MAX_DEPTH / 2 + 1, "pid == 1", ")");

	assert_non_null(parse(x, ok));
	assert_null(parse(x, bad));
	assert_int_equal(count_code(x, "dsl-depth"), 1);
	err_is(x, 0, DSL_MAX_DEPTH, DSL_MAX_DEPTH + 1,
	       "expression nested too deeply (more than 64 levels of '(' and '!')");
	free(ok);
	free(bad);
}

/* Each level also keeps an operand and an operator on the parser stack. */
static void test_depth_with_operators_at_every_level(void **state)
{
	struct fx *x = *state;
	char *s = nested("a == 1 || b == 2 && !(", DSL_MAX_DEPTH / 2, "c == 3", ")");
	struct ast_expr *e = parse(x, s);

	assert_non_null(e);
	assert_int_equal(e->kind, EXPR_OR);
	assert_int_equal(e->bin.r->kind, EXPR_AND);
	assert_int_equal(e->bin.r->bin.r->kind, EXPR_NOT);
	free(s);
}

static void test_huge_nesting_is_one_error(void **state)
{
	struct fx *x = *state;
	char *s = nested("(", 30000, "x == 1", ")");

	assert_null(parse(x, s));
	assert_int_equal(diag_sink__count(x->d), 1);
	assert_int_equal(count_code(x, "dsl-depth"), 1);
	free(s);
}

/* Parens discarded by error recovery must not count against later nesting. */
static void test_depth_not_leaked_by_recovery(void **state)
{
	struct fx *x = *state;
	char *deep = nested("(", DSL_MAX_DEPTH - 1, "pid == 1", ")");
	size_t n = strlen(deep);
	char *s = malloc(200 * 16 + n + 1), *p = s;

	for (int i = 0; i < 200; i++)
		p += sprintf(p, "((a == )) || ");
	memcpy(p, deep, n + 1);
	assert_null(parse(x, s));
	assert_true(diag_sink__errors(x->d) >= 1);
	assert_int_equal(count_code(x, "dsl-depth"), 0);
	free(deep);
	free(s);
}

static void test_long_chains_are_not_nesting(void **state)
{
	struct fx *x = *state;
	size_t n = 3000; /* about 45 KiB, under DSL_MAX_LEN */
	char *s = malloc(n * 16 + 16), *p = s;
	struct ast_expr *e;

	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%spid == %zu", i ? " || " : "", i);
	e = parse(x, s);
	assert_non_null(e);
	assert_int_equal(e->kind, EXPR_OR);
	assert_int_equal(e->bin.r->cmp.rhs->ival, (int64_t)n - 1);
	free(s);
}

static void test_length_limit(void **state)
{
	struct fx *x = *state;
	char *s = malloc(DSL_MAX_LEN + 2);

	memset(s, ' ', DSL_MAX_LEN + 1);
	memcpy(s, "pid == 1", 8);
	s[DSL_MAX_LEN + 1] = '\0';
	assert_non_null(parse_n(x, s, DSL_MAX_LEN));
	assert_null(parse_n(x, s, DSL_MAX_LEN + 1));
	assert_int_equal(diag_sink__count(x->d), 1);
	err_is(x, 0, 0, 1, "selector expression is too long (65537 bytes; the limit is 65536)");
	assert_string_equal(diag_sink__get(x->d, 0)->code, "dsl-length");
	free(s);
}

/* ---- dump round trip ------------------------------------------------------------ */

static void test_dump_reparses_to_itself(void **state)
{
	struct fx *x = *state;
	static const char *const srcs[] = {
		"a == 1 || !(b < 2 && c & 0x3) || d not in [1, 2]",
		"binary startswith \"/usr\" && pod.labels[\"k\"] != \"v\" && e in [10.0.0.0/8]",
		"!!(ret >= -5) && (comm endswith \"x\" || true)",
	};
	char first[sizeof(((struct fx *)0)->dump)];

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct ast_expr *e = parse(x, srcs[i]);

		assert_non_null(e);
		snprintf(first, sizeof(first), "%s", dump(x, e));
		ok(x, first, first);
	}
}

/* ---- field table ------------------------------------------------------------------ */

static void test_fields_fixed_names(void **state)
{
	const struct dsl_field *f;

	(void)state;
	f = dsl_field__lookup("binary");
	assert_non_null(f);
	assert_int_equal(f->kind, DSL_FIELD_PATH);
	assert_int_equal(dsl_field__lookup("ret")->kind, DSL_FIELD_INT);
	assert_int_equal(dsl_field__lookup("cgroup")->kind, DSL_FIELD_UINT);
	f = dsl_field__lookup("pod.labels");
	assert_int_equal(f->kind, DSL_FIELD_LABELS);
	assert_true(f->keyed);
	f = dsl_field__lookup("caps.permitted");
	assert_int_equal(f->kind, DSL_FIELD_CAPS);
	assert_int_equal(f->sub, CAPT_PERMITTED);
	assert_string_equal(f->consts, "CAP_");
	assert_int_equal(dsl_field__lookup("ns.net")->sub, NS_NET);
	assert_null(dsl_field__lookup("bnary"));
	assert_null(dsl_field__lookup("pod"));
	assert_string_equal(dsl_field_kind__name(DSL_FIELD_ADDR), "addr");
}

static void test_fields_argument_patterns(void **state)
{
	struct dsl_field_ref r;

	(void)state;
	assert_int_equal(dsl_field__resolve("arg0", &r), 0);
	assert_int_equal(r.f->kind, DSL_FIELD_ARG);
	assert_int_equal(r.arg_index, 0);
	assert_int_equal(dsl_field__resolve("arg15", &r), 0);
	assert_int_equal(r.arg_index, 15);
	assert_int_equal(dsl_field__resolve("arg16", &r), -ENOENT);
	assert_int_equal(dsl_field__resolve("arg01", &r), -ENOENT);
	assert_int_equal(dsl_field__resolve("arg", &r), -ENOENT);
	assert_int_equal(dsl_field__resolve("args.filename", &r), 0);
	assert_int_equal(r.f->kind, DSL_FIELD_ARG);
	assert_int_equal(r.arg_index, -1);
	assert_int_equal(r.label_len, 8);
	assert_memory_equal(r.label, "filename", 8);
	assert_int_equal(dsl_field__resolve("arg1.daddr", &r), 0);
	assert_int_equal(r.f->kind, DSL_FIELD_ADDR);
	assert_int_equal(r.arg_index, 1);
	assert_int_equal(dsl_field__resolve("args.sk.dport", &r), 0);
	assert_int_equal(r.f->kind, DSL_FIELD_PORT);
	assert_int_equal(r.label_len, 2);
	assert_int_equal(dsl_field__resolve("args.sk.protocol", &r), 0);
	assert_string_equal(r.f->consts, "IPPROTO_");
	assert_int_equal(dsl_field__resolve("arg1.bogus", &r), -ENOENT);
	assert_null(r.f);
	assert_int_equal(dsl_field__resolve("args.", &r), -ENOENT);
	assert_int_equal(dsl_field__resolve("args.a.b.daddr", &r), -ENOENT);
}

static void test_fields_names_list(void **state)
{
	size_t n = 0;

	(void)state;
	for (const char *const *p = dsl_field_names; *p; p++, n++)
		assert_non_null(dsl_field__lookup(*p));
	assert_true(n >= 40);
	assert_string_equal(diag_suggest("bniary", dsl_field_names), "binary");
	assert_string_equal(diag_suggest("pod.lables", dsl_field_names), "pod.labels");
	assert_string_equal(diag_suggest("ns.mount", dsl_field_names), "ns.mnt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_and_binds_tighter_than_or),
		T(test_and_binds_tighter_than_or_left),
		T(test_and_is_left_associative),
		T(test_or_is_left_associative),
		T(test_not_binds_tighter_than_and),
		T(test_parentheses_override),
		T(test_double_negation_kept),
		T(test_whitespace_is_free),
		T(test_every_comparison_operator),
		T(test_comparison_op_enums),
		T(test_string_operators),
		T(test_mask_is_a_condition),
		T(test_in_and_not_in),
		T(test_bool_literals),
		T(test_integers_in_every_base),
		T(test_integer_out_of_range),
		T(test_bad_digits),
		T(test_string_escapes),
		T(test_string_keeps_embedded_nul),
		T(test_empty_string),
		T(test_bad_escapes_reported_at_their_bytes),
		T(test_unterminated_string),
		T(test_string_stops_at_newline),
		T(test_addresses_and_cidrs),
		T(test_bad_addresses),
		T(test_constants_are_strings),
		T(test_fields_dotted_and_subscripted),
		T(test_node_spans),
		T(test_subscript_spans),
		T(test_spans_with_base),
		T(test_spans_through_offmap),
		T(test_end_of_input_span_uses_last_offmap_entry),
		T(test_unexpected_token_message),
		T(test_two_errors_in_one_run),
		T(test_recovery_in_parens_and_lists),
		T(test_lexical_and_syntax_errors_together),
		T(test_missing_close_paren_points_at_open),
		T(test_stray_close_paren),
		T(test_hints_for_common_mistakes),
		T(test_field_required_on_the_left),
		T(test_subscript_needs_a_string),
		T(test_invalid_bytes),
		T(test_empty_expression),
		T(test_incomplete_expression),
		T(test_depth_limit_exact),
		T(test_depth_counts_parens_and_bangs_together),
		T(test_depth_with_operators_at_every_level),
		T(test_huge_nesting_is_one_error),
		T(test_depth_not_leaked_by_recovery),
		T(test_long_chains_are_not_nesting),
		T(test_length_limit),
		T(test_dump_reparses_to_itself),
		T(test_fields_fixed_names),
		T(test_fields_argument_patterns),
		T(test_fields_names_list),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
