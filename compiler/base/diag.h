/* diag.h - the diagnostic sink shared by every compiler phase.
 *
 * Contract: phases report problems with diag__error/warning/note against a
 * span; they never print. Diagnostics are kept in emission order and
 * rendered once by diag__render() in one of four formats:
 *   text   - gcc style: "file:line:col: error: msg", the source line and a
 *            caret/tilde underline (what a person reads);
 *   json   - {"diagnostics":[...],"errors":N,"warnings":N};
 *   sarif  - SARIF 2.1.0 for code-scanning UIs;
 *   github - "::error file=..,line=..,col=..::msg" workflow commands.
 * A note always belongs to the diagnostic before it. After max_errors
 * errors, further errors are counted but not stored. Messages are printf
 * formatted; policy text that goes into a message must be passed through
 * %s with diag_quote() so control bytes cannot garble a terminal.
 */
#ifndef TPC_DIAG_H
#define TPC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "base/srcmap.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };
enum diag_format { DIAG_FMT_TEXT, DIAG_FMT_JSON, DIAG_FMT_SARIF, DIAG_FMT_GITHUB };

struct diag {
	enum diag_level level;
	struct span span;
	char *msg;
	const char *code; /* stable id, e.g. "unknown-key"; may be NULL */
};

struct diag_sink;

struct diag_sink *diag_sink__new(struct srcmap *m);
void diag_sink__free(struct diag_sink *d);
void diag_sink__set_max_errors(struct diag_sink *d, unsigned max);
/* Treat warnings as errors (-Werror). */
void diag_sink__set_werror(struct diag_sink *d, bool on);

void diag__error(struct diag_sink *d, struct span s, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag__warning(struct diag_sink *d, struct span s, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag__note(struct diag_sink *d, struct span s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

unsigned diag_sink__errors(const struct diag_sink *d);
unsigned diag_sink__warnings(const struct diag_sink *d);
size_t diag_sink__count(const struct diag_sink *d);
const struct diag *diag_sink__get(const struct diag_sink *d, size_t i);

int diag__render(const struct diag_sink *d, enum diag_format fmt, FILE *out);
int diag_format__parse(const char *s, enum diag_format *out);

/* Printable, bounded rendering of untrusted text (policy strings) for use in
 * messages: control bytes become \xNN, long strings are cut with "...".
 * Returns a pointer into one of a few rotating static buffers. */
const char *diag_quote(const char *s, size_t len);

/* Closest candidate to name by edit distance, or NULL if none is close
 * enough to be a plausible typo. cands is NULL-terminated. Case differences
 * count as half an edit, so 'prefix' suggests 'Prefix'. */
const char *diag_suggest(const char *name, const char *const *cands);

#endif
