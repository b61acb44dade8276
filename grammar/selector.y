/* selector.y - grammar of the selector DSL (docs/dsl.md has the EBNF).
 *
 * Pure parser, no globals: state comes in through %parse-param. Actions
 * only build AST nodes (arena-owned, so nothing leaks when error recovery
 * throws values away); every check that needs more than syntax is sema's.
 *
 * Error handling:
 *  - yyreport_syntax_error() words each syntax error itself (parse.error
 *    custom rather than detailed) so it can name the offending token with
 *    its text ("unexpected name 'bash'"), fold the expected-token list into
 *    readable groups ("expecting a value"), and add notes (the unclosed
 *    '(' being matched, '=' for '=='). LAC makes that list exact.
 *  - `expr: error` resynchronises at '&&', '||', ')' and the end, and
 *    `'[' error ']'` inside lists, so one run reports several errors.
 *  - Nesting: '(' and '!' are counted in st->depth as they are shifted
 *    (lparen/bang), un-counted when their rule is reduced, and by the
 *    %destructor when error recovery discards them. Going past
 *    DSL_MAX_DEPTH aborts the parse with one error, which also bounds the
 *    parser stack: a chain of '&&'/'||' is left-recursive and keeps it flat.
 */
%define api.pure full
%define api.prefix {tpc_yy}
%define api.token.prefix {TOK_}
%define api.location.type {struct dsl_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%parse-param {yyscan_t scanner} {struct dsl_state *st}
%lex-param {yyscan_t scanner}

%code requires {
#include <stdint.h>

#include "front/dsl_impl.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* A list being built: grows in the arena, abandoned blocks included. */
struct dsl_items {
	VEC(struct ast_expr *) v;
};
}

%code provides {
/* The scanner's entry points, declared here so that dsl.c needs only this
 * header (selector.lex.h is generated later in the build). */
struct yy_buffer_state;
int tpc_yylex(TPC_YYSTYPE *lval, struct dsl_loc *lloc, yyscan_t scanner);
int tpc_yylex_init_extra(struct dsl_state *extra, yyscan_t *scanner);
struct yy_buffer_state *tpc_yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);
void tpc_yy_delete_buffer(struct yy_buffer_state *b, yyscan_t scanner);
int tpc_yylex_destroy(yyscan_t scanner);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(cur, rhs, n)                                            \
	do {                                                                   \
		if (n) {                                                       \
			(cur).start = YYRHSLOC(rhs, 1).start;                  \
			(cur).end = YYRHSLOC(rhs, n).end;                      \
		} else {                                                       \
			(cur).start = (cur).end = YYRHSLOC(rhs, 0).end;        \
		}                                                              \
	} while (0)

/* Enough for most expressions; a deeper one grows the stacks on the heap
 * (bison uses YYMALLOC, never alloca, unless told to), and capping the
 * nesting at DSL_MAX_DEPTH keeps that growth to a few hundred entries. */
#define YYINITDEPTH (2 * DSL_MAX_DEPTH + 32)

static void tpc_yyerror(struct dsl_loc *loc, yyscan_t scanner, struct dsl_state *st,
			const char *msg);
static struct ast_expr *node(struct dsl_state *st, enum expr_kind k, struct dsl_loc loc);
static struct ast_expr *mk_bin(struct dsl_state *st, enum expr_kind k, struct ast_expr *l,
			       struct ast_expr *r, struct dsl_loc loc);
static struct ast_expr *mk_cmp(struct dsl_state *st, enum expr_cmp op, struct ast_expr *lhs,
			       struct ast_expr *rhs, struct dsl_loc loc);
static struct ast_expr *mk_in(struct dsl_state *st, struct ast_expr *lhs, struct ast_expr *list,
			      bool negated, struct dsl_loc loc);
static struct ast_expr *mk_list(struct dsl_state *st, struct dsl_items *it, struct dsl_loc loc);
static bool nest(struct dsl_state *st, struct dsl_loc loc, bool paren);
}

%union {
	struct ast_expr *e;
	struct ast_str str;
	int64_t ival;
	enum expr_cmp op;
	struct dsl_items *items;
	struct dsl_loc bang;
	struct dsl_loc paren;
}

%token AND "'&&'" OR "'||'" NOT "'!'"
%token EQ "'=='" NE "'!='" LT "'<'" LE "'<='" GT "'>'" GE "'>='" BITAND "'&'"
%token IN "'in'" NOTKW "'not'" STARTSWITH "'startswith'" ENDSWITH "'endswith'"
%token CONTAINS "'contains'" TRUE "'true'" FALSE "'false'"
%token <str> NAME "a field" CONST "a constant" STRING "a string" ADDR "an address"
%token <ival> INT "a number"
%token INVALID "invalid character"
%token LPAREN "'('" RPAREN "')'" LBRACK "'['" COMMA "','" RBRACK "']'"

%left OR
%left AND
%precedence NOT

%type <e> expr cond field value list
%type <items> items
%type <op> cmpop
%type <bang> bang
%type <paren> lparen

/* AST values live in the arena; only the nesting bookkeeping needs undoing
 * when error recovery or an abort discards a '(' or '!'. */
%destructor { st->depth--; } <bang>
%destructor { st->depth--; st->nparens--; } <paren>

%%

input:
	  expr			{ st->result = $1; }
	;

expr:
	  expr OR expr		{ $$ = mk_bin(st, EXPR_OR, $1, $3, @$); }
	| expr AND expr		{ $$ = mk_bin(st, EXPR_AND, $1, $3, @$); }
	| bang expr %prec NOT	{
					(void)$1;
					st->depth--;
					$$ = node(st, EXPR_NOT, @$);
					$$->sub = $2;
				}
	| lparen expr RPAREN	{
					(void)$1;
					st->depth--;
					st->nparens--;
					$$ = $2;
				}
	| cond
	| TRUE			{ $$ = node(st, EXPR_BOOL, @$); $$->bval = true; }
	| FALSE			{ $$ = node(st, EXPR_BOOL, @$); $$->bval = false; }
	| error			{ $$ = NULL; }
	;

bang:
	  NOT			{ if (!nest(st, @1, false)) YYABORT; $$ = @1; }
	;

lparen:
	  LPAREN			{ if (!nest(st, @1, true)) YYABORT; $$ = @1; }
	;

cond:
	  field cmpop value	{ $$ = mk_cmp(st, $2, $1, $3, @$); }
	| field IN list		{ $$ = mk_in(st, $1, $3, false, @$); }
	| field NOTKW IN list	{ $$ = mk_in(st, $1, $4, true, @$); }
	;

cmpop:
	  EQ			{ $$ = CMP_EQ; }
	| NE			{ $$ = CMP_NE; }
	| LT			{ $$ = CMP_LT; }
	| LE			{ $$ = CMP_LE; }
	| GT			{ $$ = CMP_GT; }
	| GE			{ $$ = CMP_GE; }
	| STARTSWITH		{ $$ = CMP_STARTSWITH; }
	| ENDSWITH		{ $$ = CMP_ENDSWITH; }
	| CONTAINS		{ $$ = CMP_CONTAINS; }
	| BITAND		{ $$ = CMP_MASK; }
	;

field:
	  NAME			{
					$$ = node(st, EXPR_FIELD, @$);
					$$->field.name = $1.s;
				}
	| NAME LBRACK STRING RBRACK	{
					$$ = node(st, EXPR_FIELD, @$);
					$$->field.name = $1.s;
					$$->field.key = $3;
				}
	;

/* A CONST (CAP_SYS_ADMIN, AF_INET) is a string spelled without quotes. */
value:
	  INT			{ $$ = node(st, EXPR_INT, @$); $$->ival = $1; }
	| STRING		{ $$ = node(st, EXPR_STR, @$); $$->sval = $1; }
	| CONST			{ $$ = node(st, EXPR_STR, @$); $$->sval = $1; }
	| ADDR			{ $$ = node(st, EXPR_CIDR, @$); $$->sval = $1; }
	| TRUE			{ $$ = node(st, EXPR_BOOL, @$); $$->bval = true; }
	| FALSE			{ $$ = node(st, EXPR_BOOL, @$); $$->bval = false; }
	;

list:
	  LBRACK items RBRACK		{ $$ = mk_list(st, $2, @$); }
	| LBRACK items COMMA RBRACK	{ $$ = mk_list(st, $2, @$); }
	| LBRACK RBRACK		{ $$ = mk_list(st, NULL, @$); }
	| LBRACK error RBRACK		{ $$ = NULL; }
	;

items:
	  value			{
					$$ = arena__alloc(st->a, sizeof(*$$));
					VEC_PUSH(st->a, $$->v, $1);
				}
	| items COMMA value	{ $$ = $1; VEC_PUSH(st->a, $$->v, $3); }
	;

%%

static struct ast_expr *node(struct dsl_state *st, enum expr_kind k, struct dsl_loc loc)
{
	return ast_expr__new(st->a, k, dsl_state__span(st, loc));
}

static struct ast_expr *mk_bin(struct dsl_state *st, enum expr_kind k, struct ast_expr *l,
			       struct ast_expr *r, struct dsl_loc loc)
{
	struct ast_expr *e = node(st, k, loc);

	e->bin.l = l;
	e->bin.r = r;
	return e;
}

static struct ast_expr *mk_cmp(struct dsl_state *st, enum expr_cmp op, struct ast_expr *lhs,
			       struct ast_expr *rhs, struct dsl_loc loc)
{
	struct ast_expr *e = node(st, EXPR_CMP, loc);

	e->cmp.op = op;
	e->cmp.lhs = lhs;
	e->cmp.rhs = rhs;
	return e;
}

static struct ast_expr *mk_in(struct dsl_state *st, struct ast_expr *lhs, struct ast_expr *list,
			      bool negated, struct dsl_loc loc)
{
	struct ast_expr *e = node(st, EXPR_IN, loc);

	e->in.lhs = lhs;
	e->in.list = list;
	e->in.negated = negated;
	return e;
}

static struct ast_expr *mk_list(struct dsl_state *st, struct dsl_items *it, struct dsl_loc loc)
{
	struct ast_expr *e = node(st, EXPR_LIST, loc);

	if (it) {
		e->list.items = it->v.v;
		e->list.n = it->v.n;
	}
	return e;
}

/* Counts one more '(' or '!'; false (after one error) past the limit. */
static bool nest(struct dsl_state *st, struct dsl_loc loc, bool paren)
{
	if (st->depth >= DSL_MAX_DEPTH) {
		dsl_state__error(st, loc, "dsl-depth",
				 "expression nested too deeply (more than %d levels of '(' and '!')",
				 DSL_MAX_DEPTH);
		return false;
	}
	if (paren)
		st->parens[st->nparens++] = loc;
	st->depth++;
	return true;
}

/* Only bison's own failures arrive here (syntax errors go through
 * yyreport_syntax_error); the stack cannot really run out, see YYINITDEPTH. */
static void tpc_yyerror(struct dsl_loc *loc, yyscan_t scanner, struct dsl_state *st,
			const char *msg)
{
	(void)scanner;
	dsl_state__error(st, *loc, "dsl-syntax", "%s", msg);
}

/* ---- syntax error messages ---------------------------------------------- */

struct phrases {
	const char *v[16];
	int n;
};

static void phrase(struct phrases *p, const char *s)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], s))
			return;
	if (p->n < (int)(sizeof(p->v) / sizeof(p->v[0])))
		p->v[p->n++] = s;
}

static bool is_op(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_EQ:
	case YYSYMBOL_NE:
	case YYSYMBOL_LT:
	case YYSYMBOL_LE:
	case YYSYMBOL_GT:
	case YYSYMBOL_GE:
	case YYSYMBOL_BITAND:
	case YYSYMBOL_IN:
	case YYSYMBOL_NOTKW:
	case YYSYMBOL_STARTSWITH:
	case YYSYMBOL_ENDSWITH:
	case YYSYMBOL_CONTAINS:
		return true;
	default:
		return false;
	}
}

static bool is_value(yysymbol_kind_t k)
{
	return k == YYSYMBOL_INT || k == YYSYMBOL_STRING || k == YYSYMBOL_CONST ||
	       k == YYSYMBOL_ADDR || k == YYSYMBOL_TRUE || k == YYSYMBOL_FALSE;
}

/* "a field, a value or '('": operands and operators first (a value slot
 * is one phrase, and so are all operators, '[' of a subscript included),
 * then punctuation in grammar order, the end of the expression last. */
static void expected_phrases(const yysymbol_kind_t *exp, int n, struct phrases *p)
{
	bool value = false, op = false;

	for (int i = 0; i < n; i++) {
		value |= exp[i] == YYSYMBOL_INT;
		op |= exp[i] == YYSYMBOL_EQ;
	}
	for (int pass = 0; pass < 4; pass++) {
		for (int i = 0; i < n; i++) {
			yysymbol_kind_t k = exp[i];
			bool group = k == YYSYMBOL_NAME || is_value(k) || is_op(k) ||
				     k == YYSYMBOL_LBRACK;

			if (pass == 0 && k == YYSYMBOL_NAME)
				phrase(p, "a field");
			else if (pass == 1 && value && is_value(k))
				phrase(p, "a value");
			else if (pass == 1 && op && group)
				phrase(p, "an operator");
			else if (pass == 1 && group && k != YYSYMBOL_NAME)
				phrase(p, yysymbol_name(k));
			else if (pass == 2 && !group && k != YYSYMBOL_YYEOF)
				phrase(p, yysymbol_name(k));
			else if (pass == 3 && k == YYSYMBOL_YYEOF)
				phrase(p, "end of expression");
		}
	}
}

static const char *join(struct dsl_state *st, const struct phrases *p)
{
	char *s = arena__strdup(st->a, "");

	for (int i = 0; i < p->n; i++)
		s = arena__sprintf(st->a, "%s%s%s", s,
				   i == 0 ? "" : i == p->n - 1 ? " or " : ", ", p->v[i]);
	return s;
}

static bool text_is(struct dsl_state *st, struct dsl_loc l, const char *s)
{
	return l.end - l.start == strlen(s) && !memcmp(st->text + l.start, s, l.end - l.start);
}

static const char *lower(struct dsl_state *st, const char *s, size_t n)
{
	char *o = arena__strndup(st->a, s, n);

	for (size_t i = 0; i < n; i++)
		if (o[i] >= 'A' && o[i] <= 'Z')
			o[i] = (char)(o[i] - 'A' + 'a');
	return o;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
				 struct dsl_state *st)
{
	yysymbol_kind_t exp[YYNTOKENS];
	yysymbol_kind_t tok = yypcontext_token(ctx);
	struct dsl_loc l = *yypcontext_location(ctx);
	const char *what = st->text + l.start;
	size_t wlen = l.end - l.start;
	struct phrases p = { .n = 0 };
	const char *unexp;
	bool value_expected = false, close_expected = false, field_expected = false;
	int n;

	(void)scanner;
	n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	if (n < 0)
		n = 0;
	for (int i = 0; i < n; i++) {
		value_expected |= exp[i] == YYSYMBOL_INT;
		close_expected |= exp[i] == YYSYMBOL_RPAREN;
		field_expected |= exp[i] == YYSYMBOL_NAME;
	}
	if (tok == YYSYMBOL_YYEOF && st->ntokens == 0) {
		dsl_state__error(st, l, "dsl-syntax", "empty selector expression");
		return 0;
	}
	switch (tok) {
	case YYSYMBOL_YYEOF:
		unexp = "end of expression";
		break;
	case YYSYMBOL_NAME:
		unexp = arena__sprintf(st->a, "name '%s'", diag_quote(what, wlen));
		break;
	case YYSYMBOL_CONST:
		unexp = arena__sprintf(st->a, "constant '%s'", diag_quote(what, wlen));
		break;
	case YYSYMBOL_INT:
		unexp = arena__sprintf(st->a, "number '%s'", diag_quote(what, wlen));
		break;
	case YYSYMBOL_STRING:
		unexp = arena__sprintf(st->a, "string %s", diag_quote(what, wlen));
		break;
	case YYSYMBOL_ADDR:
		unexp = arena__sprintf(st->a, "address '%s'", diag_quote(what, wlen));
		break;
	case YYSYMBOL_INVALID:
		unexp = arena__sprintf(st->a, "character '%s'", diag_quote(what, wlen));
		break;
	default:
		unexp = yysymbol_name(tok);
		break;
	}
	expected_phrases(exp, n, &p);
	if (p.n)
		dsl_state__error(st, l, "dsl-syntax", "unexpected %s, expecting %s", unexp,
				 join(st, &p));
	else
		dsl_state__error(st, l, "dsl-syntax", "unexpected %s", unexp);

	if (text_is(st, l, "="))
		dsl_state__note(st, l, "use '==' to compare");
	else if (text_is(st, l, "|"))
		dsl_state__note(st, l, "use '||' for 'or'");
	else if (tok == YYSYMBOL_NAME && text_is(st, l, "and"))
		dsl_state__note(st, l, "use '&&' for 'and'");
	else if (tok == YYSYMBOL_NAME && text_is(st, l, "or"))
		dsl_state__note(st, l, "use '||' for 'or'");
	else if (tok == YYSYMBOL_NOTKW)
		dsl_state__note(st, l, "use '!' to negate; 'not' only appears in 'not in'");
	else if (tok == YYSYMBOL_CONST && field_expected)
		dsl_state__note(st, l, "field names are lower case: '%s'", lower(st, what, wlen));
	else if (tok == YYSYMBOL_NAME && value_expected)
		dsl_state__note(st, l, "strings are written in double quotes: \"%s\"",
				diag_quote(what, wlen));
	if (close_expected && st->nparens)
		dsl_state__note(st, st->parens[st->nparens - 1], "to match this '('");
	return 0;
}
