/* tpl.h - fill the program skeletons of ../templates/.
 *
 * Contract: scripts/gen-templates.sh turns each templates/NAME.tpl into
 * tpl_NAME__emit(out, &(struct tpl_NAME){ .X = tpl_num(..), ... }) in the
 * generated tpc_templates.h (the text is compiled into tpc, so tpc needs
 * no files at run time). tpl__render() writes the text with each @X@
 * replaced by its value, checked against the kind templates/placeholders
 * gives X: an identifier that is not one, a value of the wrong kind, or a
 * placeholder the emitter left unfilled is an internal error (-EINVAL,
 * nothing of the template written), never C text from a policy.
 * tpl__comment() and tpl__cstring() are the two escapes the emitter also
 * uses for text it writes itself.
 */
#ifndef TPC_EMIT_TPL_H
#define TPC_EMIT_TPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum tpl_kind {
	TPL_UNSET, /* zero: a field the emitter did not fill */
	TPL_NUM,
	TPL_IDENT,
	TPL_TYPE,
	TPL_STR,
	TPL_COMMENT,
	TPL_FLAG,
};

struct tpl_val {
	enum tpl_kind kind;
	const char *s;
	long long n;
};

struct tpl_slot {
	const char *name;
	enum tpl_kind kind;
	const struct tpl_val *val;
};

static inline struct tpl_val tpl_num(long long n)
{
	return (struct tpl_val){ .kind = TPL_NUM, .n = n };
}

static inline struct tpl_val tpl_ident(const char *s)
{
	return (struct tpl_val){ .kind = TPL_IDENT, .s = s };
}

static inline struct tpl_val tpl_type(const char *s)
{
	return (struct tpl_val){ .kind = TPL_TYPE, .s = s };
}

static inline struct tpl_val tpl_str(const char *s)
{
	return (struct tpl_val){ .kind = TPL_STR, .s = s };
}

static inline struct tpl_val tpl_comment(const char *s)
{
	return (struct tpl_val){ .kind = TPL_COMMENT, .s = s };
}

static inline struct tpl_val tpl_flag(bool on)
{
	return (struct tpl_val){ .kind = TPL_FLAG, .n = on };
}

int tpl__render(FILE *out, const char *tpl, const char *text, const struct tpl_slot *slots,
		size_t n);

/* A name or path placed in a C comment: printable ASCII only, and never
 * the two bytes that close a comment. */
void tpl__comment(FILE *out, const char *s);
/* Bytes placed inside a C string literal: anything but plain printable
 * ASCII, and '"', '\\' and '?' (trigraphs), becomes an octal escape. */
void tpl__cstring(FILE *out, const char *s);

#endif
