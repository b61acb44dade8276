/* diag.c - see diag.h */
#include "base/diag.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct diag_sink {
	struct srcmap *map;
	struct diag *v;
	size_t n, cap;
	unsigned errors, warnings, max_errors;
	bool werror, dropping;
};

struct diag_sink *diag_sink__new(struct srcmap *m)
{
	struct diag_sink *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->map = m;
	d->max_errors = 100;
	return d;
}

struct diag_sink *diag_sink__new_like(const struct diag_sink *d)
{
	struct diag_sink *n = diag_sink__new(d->map);

	if (!n)
		return NULL;
	n->max_errors = d->max_errors;
	n->werror = d->werror;
	return n;
}

void diag_sink__free(struct diag_sink *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].kernels);
	}
	free(d->v);
	free(d);
}

void diag_sink__set_max_errors(struct diag_sink *d, unsigned max)
{
	d->max_errors = max;
}

void diag_sink__set_werror(struct diag_sink *d, bool on)
{
	d->werror = on;
}

static void add(struct diag_sink *d, enum diag_level lvl, struct span s, const char *code,
		const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (lvl == DIAG_WARNING && d->werror)
		lvl = DIAG_ERROR;
	if (lvl == DIAG_ERROR)
		d->errors++;
	else if (lvl == DIAG_WARNING)
		d->warnings++;
	if (lvl == DIAG_NOTE && d->dropping)
		return;
	d->dropping = lvl == DIAG_ERROR && d->errors > d->max_errors;
	if (d->dropping)
		return;
	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "tpc: fatal: out of memory\n");
		abort();
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		if (!d->v) {
			fprintf(stderr, "tpc: fatal: out of memory\n");
			abort();
		}
	}
	d->v[d->n++] = (struct diag){ lvl, s, msg, code, NULL };
}

static void add_fmt(struct diag_sink *d, enum diag_level lvl, struct span s, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_fmt(struct diag_sink *d, enum diag_level lvl, struct span s, const char *code,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, lvl, s, code, fmt, ap);
	va_end(ap);
}

void diag__error(struct diag_sink *d, struct span s, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_ERROR, s, code, fmt, ap);
	va_end(ap);
}

void diag__warning(struct diag_sink *d, struct span s, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_WARNING, s, code, fmt, ap);
	va_end(ap);
}

void diag__note(struct diag_sink *d, struct span s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_NOTE, s, NULL, fmt, ap);
	va_end(ap);
}

unsigned diag_sink__errors(const struct diag_sink *d)
{
	return d->errors;
}

unsigned diag_sink__warnings(const struct diag_sink *d)
{
	return d->warnings;
}

size_t diag_sink__count(const struct diag_sink *d)
{
	return d->n;
}

const struct diag *diag_sink__get(const struct diag_sink *d, size_t i)
{
	return i < d->n ? &d->v[i] : NULL;
}

/* ---- merging runs against several kernels ---- */

/* A unit is a head (error or warning; or a note with no head before it)
 * and the notes that follow it. */
static size_t unit_len(const struct diag_sink *d, size_t i)
{
	size_t n = 1;

	while (i + n < d->n && d->v[i + n].level == DIAG_NOTE)
		n++;
	return n;
}

static bool diag_eq(const struct diag *a, const struct diag *b)
{
	return a->level == b->level && a->span.file == b->span.file &&
	       a->span.start == b->span.start && a->span.end == b->span.end &&
	       !strcmp(a->msg, b->msg) && !(a->code ? !b->code || strcmp(a->code, b->code)
						    : b->code != NULL);
}

static bool unit_eq(const struct diag_sink *a, size_t ia, const struct diag_sink *b, size_t ib)
{
	size_t n = unit_len(a, ia);

	if (n != unit_len(b, ib))
		return false;
	for (size_t k = 0; k < n; k++)
		if (!diag_eq(&a->v[ia + k], &b->v[ib + k]))
			return false;
	return true;
}

static bool sink_has_unit(const struct diag_sink *in, const struct diag_sink *a, size_t ia)
{
	for (size_t i = 0; in && i < in->n; i += unit_len(in, i))
		if (unit_eq(in, i, a, ia))
			return true;
	return false;
}

/* Is a later in the sources than b? */
static bool span_after(const struct span *a, const struct span *b)
{
	return a->file != b->file ? a->file > b->file : a->start > b->start;
}

struct munit {
	const struct diag_sink *src;
	size_t at;
	uint32_t runs; /* bit k: run k reported it */
};

int diag_sink__merge(struct diag_sink *d, struct diag_sink *const *per,
		     const char *const *labels, size_t n, const struct diag_sink *baseline)
{
	struct munit *u = NULL;
	size_t nu = 0, cap = 0;
	uint32_t all = n == 32 ? ~0u : (1u << n) - 1;

	if (!n || n > 32)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		size_t pos = 0; /* new units go after the last one this run shared */

		for (size_t i = 0; i < per[k]->n; i += unit_len(per[k], i)) {
			size_t j;

			for (j = 0; j < nu; j++)
				if (unit_eq(u[j].src, u[j].at, per[k], i))
					break;
			if (j < nu) {
				u[j].runs |= 1u << k;
				if (j + 1 > pos)
					pos = j + 1;
				continue;
			}
			if (nu == cap) {
				cap = cap ? cap * 2 : 32;
				u = realloc(u, cap * sizeof(*u));
				if (!u) {
					fprintf(stderr, "tpc: fatal: out of memory\n");
					abort();
				}
			}
			/* after other runs' units at or before this place */
			while (pos < nu && !(u[pos].runs & (1u << k)) &&
			       !span_after(&u[pos].src->v[u[pos].at].span, &per[k]->v[i].span))
				pos++;
			memmove(&u[pos + 1], &u[pos], (nu - pos) * sizeof(*u));
			u[pos] = (struct munit){ per[k], i, 1u << k };
			nu++;
			pos++;
		}
	}
	for (size_t j = 0; j < nu; j++) {
		const struct diag_sink *src = u[j].src;
		size_t len = unit_len(src, u[j].at);
		char *tag = NULL;
		size_t tl = 0;
		FILE *ts;

		if (u[j].runs != all || !sink_has_unit(baseline, src, u[j].at)) {
			ts = open_memstream(&tag, &tl);
			for (size_t k = 0; ts && k < n; k++)
				if (u[j].runs & (1u << k))
					fprintf(ts, "%s%s", ftell(ts) ? ", " : "", labels[k]);
			if (!ts || fclose(ts)) {
				fprintf(stderr, "tpc: fatal: out of memory\n");
				abort();
			}
		}
		for (size_t k = 0; k < len; k++) {
			const struct diag *g = &src->v[u[j].at + k];
			size_t before = d->n;

			if (k == 0 && tag)
				add_fmt(d, g->level, g->span, g->code, "[%s] %s", tag, g->msg);
			else
				add_fmt(d, g->level, g->span, g->code, "%s", g->msg);
			if (k == 0 && tag && d->n > before)
				d->v[d->n - 1].kernels = strdup(tag);
		}
		free(tag);
	}
	free(u);
	return 0;
}

static const char *level_name(enum diag_level l)
{
	switch (l) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	default:
		return "note";
	}
}

static const char *file_name(const struct diag_sink *d, struct span s)
{
	const struct srcfile *f = srcmap__file(d->map, s.file);

	return f ? f->name : "tpc";
}

#define LINE_WINDOW 400

static void render_text_one(const struct diag_sink *d, const struct diag *g, FILE *out)
{
	unsigned line, col;
	const char *src, *lead = "", *tail = "";
	size_t len, ulen;

	if (!g->span.file) {
		fprintf(out, "tpc: %s: %s\n", level_name(g->level), g->msg);
		return;
	}
	srcmap__linecol(d->map, g->span.file, g->span.start, &line, &col);
	fprintf(out, "%s:%u:%u: %s: %s\n", file_name(d, g->span), line, col,
		level_name(g->level), g->msg);
	src = srcmap__line(d->map, g->span.file, g->span.start, &len);
	if (!src)
		return;
	/* A very long line (minified or generated YAML) is shown as a window
	 * around the column, marked with "...", so one diagnostic stays a few
	 * hundred bytes whatever the input. */
	if (len > LINE_WINDOW) {
		size_t from = col - 1 > LINE_WINDOW / 2 ? col - 1 - LINE_WINDOW / 2 : 0;
		size_t to = from + LINE_WINDOW < len ? from + LINE_WINDOW : len;

		lead = from ? "..." : "";
		tail = to < len ? "..." : "";
		src += from;
		len = to - from;
		col -= (unsigned)from;
	}
	fprintf(out, "%5u | %s", line, lead);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		/* keep columns aligned: tabs stay tabs, other controls become '?' */
		fputc(c == '\t' || c >= 0x20 ? c : '?', out);
	}
	fprintf(out, "%s\n      | %s", tail, *lead ? "   " : "");
	for (size_t i = 0; i + 1 < col && i < len; i++)
		fputc(src[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	/* underline to the end of the span, but not past this line */
	ulen = g->span.end > g->span.start ? g->span.end - g->span.start : 1;
	if (col - 1 + ulen > len)
		ulen = len >= col ? len - (col - 1) : 1;
	for (size_t i = 1; i < ulen; i++)
		fputc('~', out);
	fputc('\n', out);
}

static json_t *diag_json(const struct diag_sink *d, const struct diag *g)
{
	unsigned line = 0, col = 0, eline = 0, ecol = 0;
	json_t *o;

	if (g->span.file) {
		srcmap__linecol(d->map, g->span.file, g->span.start, &line, &col);
		srcmap__linecol(d->map, g->span.file, g->span.end, &eline, &ecol);
	}
	o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s}", "file", file_name(d, g->span),
		      "line", line, "column", col, "end_line", eline, "end_column", ecol,
		      "severity", level_name(g->level), "message", g->msg);
	if (g->code)
		json_object_set_new(o, "code", json_string(g->code));
	if (g->kernels) {
		json_t *ks = json_array();
		const char *p = g->kernels;

		while (*p) {
			size_t l = strcspn(p, ",");

			json_array_append_new(ks, json_stringn(p, l));
			p += l;
			p += strspn(p, ", ");
		}
		json_object_set_new(o, "kernels", ks);
	}
	return o;
}

static int render_json(const struct diag_sink *d, FILE *out)
{
	json_t *arr = json_array(), *root;
	int err;

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(arr, diag_json(d, &d->v[i]));
	root = json_pack("{s:o, s:i, s:i}", "diagnostics", arr, "errors", d->errors,
			 "warnings", d->warnings);
	err = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return err ? -EIO : 0;
}

static int render_sarif(const struct diag_sink *d, FILE *out)
{
	json_t *results = json_array(), *root;
	int err;

	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		unsigned line = 1, col = 1, eline = 1, ecol = 1;
		json_t *r;

		if (g->span.file) {
			srcmap__linecol(d->map, g->span.file, g->span.start, &line, &col);
			srcmap__linecol(d->map, g->span.file, g->span.end, &eline, &ecol);
		}
		r = json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:i, s:i, s:i, s:i}}}]}",
			      "ruleId", g->code ? g->code : "tpc",
			      "level", level_name(g->level),
			      "message", "text", g->msg,
			      "locations", "physicalLocation", "artifactLocation", "uri",
			      file_name(d, g->span), "region", "startLine", line,
			      "startColumn", col, "endLine", eline, "endColumn", ecol);
		json_array_append_new(results, r);
	}
	root = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s}}, s:o}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", "tool", "driver", "name", "tpc",
			 "version", TPC_VERSION, "informationUri",
			 "https://example.invalid/tpc", "results", results);
	err = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return err ? -EIO : 0;
}

/* GitHub workflow commands: %, \r, \n must be escaped in the message, and
 * also ',' and ':' in properties. */
void diag__gh_escape(FILE *out, const char *s, bool prop)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (prop && *s == ':')
			fputs("%3A", out);
		else if (prop && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

static void render_github(const struct diag_sink *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		unsigned line, col, eline, ecol;

		fprintf(out, "::%s ", g->level == DIAG_NOTE ? "notice" : level_name(g->level));
		if (g->span.file) {
			srcmap__linecol(d->map, g->span.file, g->span.start, &line, &col);
			srcmap__linecol(d->map, g->span.file, g->span.end, &eline, &ecol);
			fputs("file=", out);
			diag__gh_escape(out, file_name(d, g->span), true);
			fprintf(out, ",line=%u,col=%u,endLine=%u,endColumn=%u", line, col, eline,
				ecol);
		}
		fputs("::", out);
		diag__gh_escape(out, g->msg, false);
		fputc('\n', out);
	}
}

int diag__render(const struct diag_sink *d, enum diag_format fmt, FILE *out)
{
	switch (fmt) {
	case DIAG_FMT_JSON:
		return render_json(d, out);
	case DIAG_FMT_SARIF:
		return render_sarif(d, out);
	case DIAG_FMT_GITHUB:
		render_github(d, out);
		return 0;
	case DIAG_FMT_TEXT:
	default: {
		/* stderr is unbuffered: render into memory and write once, or a
		 * multi-megabyte source line costs one syscall per byte */
		char *buf = NULL;
		size_t sz = 0;
		FILE *ms = open_memstream(&buf, &sz);
		FILE *o = ms ? ms : out;

		for (size_t i = 0; i < d->n; i++)
			render_text_one(d, &d->v[i], o);
		if (d->errors > d->max_errors)
			fprintf(o, "tpc: note: %u more errors not shown\n",
				d->errors - d->max_errors);
		if (ms) {
			fclose(ms);
			fwrite(buf, 1, sz, out);
			free(buf);
		}
		return 0;
	}
	}
}

int diag_format__parse(const char *s, enum diag_format *out)
{
	static const char *const names[] = { "text", "json", "sarif", "github" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum diag_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *diag_quote(const char *s, size_t len)
{
	static char bufs[4][200];
	static unsigned which;
	char *b = bufs[which++ % 4];
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o > sizeof(bufs[0]) - 8) {
			memcpy(b + o, "...", 4);
			return b;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t)snprintf(b + o, 8, c == '\\' ? "\\\\" : "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	b[o] = '\0';
	return b;
}

/* Damerau-free Levenshtein with case-insensitive substitutions costing 1
 * (on a x2 scale: a case-only difference costs 1, any other edit 2). */
static unsigned edit_distance2(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned *prev, *cur, r;

	if (la > 64 || lb > 64)
		return 1000;
	prev = calloc(lb + 1, sizeof(*prev));
	cur = calloc(lb + 1, sizeof(*cur));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return 1000;
	}
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j * 2;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i * 2;
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = a[i - 1] == b[j - 1]			      ? 0
				       : tolower((unsigned char)a[i - 1]) ==
						 tolower((unsigned char)b[j - 1]) ? 1
										  : 2;
			unsigned v = prev[j - 1] + sub;

			if (prev[j] + 2 < v)
				v = prev[j] + 2;
			if (cur[j - 1] + 2 < v)
				v = cur[j - 1] + 2;
			cur[j] = v;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(*prev));
	}
	r = prev[lb];
	free(prev);
	free(cur);
	return r;
}

const char *diag_suggest(const char *name, const char *const *cands)
{
	const char *best = NULL;
	unsigned best_d = ~0u;
	size_t len = strlen(name);
	/* at most one edit per three characters, at least one */
	unsigned limit = (unsigned)(len / 3 > 0 ? len / 3 : 1) * 2;

	for (; cands && *cands; cands++) {
		unsigned dd = edit_distance2(name, *cands);

		if (dd < best_d) {
			best_d = dd;
			best = *cands;
		}
	}
	return best_d <= limit && best_d > 0 ? best : NULL;
}
