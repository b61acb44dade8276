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
 * A note always belongs to the diagnostic before it. Diagnostics of runs
 * against several kernels are merged by diag_sink__merge(). After max_errors
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
	char *kernels;	  /* "5.10, 6.1": the kernels it applies to (merged
			   * runs); NULL: every kernel, or not kernel-specific */
};

struct diag_sink;

struct diag_sink *diag_sink__new(struct srcmap *m);
/* A new empty sink with d's srcmap, max_errors and werror setting. */
struct diag_sink *diag_sink__new_like(const struct diag_sink *d);
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

/* One compilation checked against several kernels (`--kernel` repeated):
 * each run reported into its own sink per[k] (same srcmap), labelled
 * labels[k]; baseline is the same run without any kernel (NULL: none).
 * Appends to d every distinct diagnostic (a head and its notes: same
 * level, span, code and text) once, in the runs' order. One that every
 * run and the baseline reported is not about a kernel and stays as it is;
 * any other is tagged with the kernels whose run reported it: its message
 * starts "[5.10, 6.1] " and its kernels field lists them. At most 32 runs.
 * Returns 0 or -EINVAL (n out of range). */
int diag_sink__merge(struct diag_sink *d, struct diag_sink *const *per,
		     const char *const *labels, size_t n, const struct diag_sink *baseline);

int diag__render(const struct diag_sink *d, enum diag_format fmt, FILE *out);
int diag_format__parse(const char *s, enum diag_format *out);
/* GitHub workflow command escaping (%, CR, LF; with prop also ',' ':'). */
void diag__gh_escape(FILE *out, const char *s, bool prop);

/* Printable, bounded rendering of untrusted text (policy strings) for use in
 * messages: control bytes become \xNN, long strings are cut with "...".
 * Returns a pointer into one of a few rotating static buffers. */
const char *diag_quote(const char *s, size_t len);

/* Closest candidate to name by edit distance, or NULL if none is close
 * enough to be a plausible typo. cands is NULL-terminated. Case differences
 * count as half an edit, so 'prefix' suggests 'Prefix'. */
const char *diag_suggest(const char *name, const char *const *cands);

#endif
