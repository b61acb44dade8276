/* srcmap.c - see srcmap.h */
#include "base/srcmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct srcmap {
	struct srcfile *files; /* index 0 unused so that id 0 means "none" */
	size_t n, cap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "tpc: fatal: out of memory\n");
		abort();
	}
	return p;
}

struct srcmap *srcmap__new(void)
{
	struct srcmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 4;
	m->files = calloc(m->cap, sizeof(*m->files));
	m->n = 1;
	return m;
}

void srcmap__free(struct srcmap *m)
{
	if (!m)
		return;
	for (size_t i = 1; i < m->n; i++) {
		free(m->files[i].name);
		free(m->files[i].text);
		free(m->files[i].lines);
	}
	free(m->files);
	free(m);
}

uint32_t srcmap__add(struct srcmap *m, const char *name, const char *text, size_t len)
{
	struct srcfile *f;

	if (m->n == m->cap) {
		m->cap *= 2;
		m->files = xrealloc(m->files, m->cap * sizeof(*m->files));
	}
	f = &m->files[m->n];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->text = xrealloc(NULL, len + 1);
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	return (uint32_t)m->n++;
}

uint32_t srcmap__add_file(struct srcmap *m, const char *path, size_t max_bytes)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	uint32_t id = 0;
	int err = 0;

	if (!fp)
		return 0;
	for (;;) {
		size_t r;

		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + len, 1, cap - len, fp);
		len += r;
		if (len > max_bytes) {
			err = EFBIG;
			goto cleanup;
		}
		if (r == 0) {
			if (ferror(fp))
				err = EIO;
			break;
		}
	}
	if (!err)
		id = srcmap__add(m, path, buf ? buf : "", len);
cleanup:
	free(buf);
	if (fp != stdin)
		fclose(fp);
	if (err)
		errno = err;
	return id;
}

const struct srcfile *srcmap__file(const struct srcmap *m, uint32_t id)
{
	if (!m || id == 0 || id >= m->n)
		return NULL;
	return &m->files[id];
}

static void build_lines(struct srcfile *f)
{
	size_t cap = 64;

	f->lines = xrealloc(NULL, cap * sizeof(*f->lines));
	f->lines[0] = 0;
	f->nlines = 1;
	for (size_t i = 0; i < f->len; i++) {
		if (f->text[i] != '\n')
			continue;
		if (f->nlines == cap) {
			cap *= 2;
			f->lines = xrealloc(f->lines, cap * sizeof(*f->lines));
		}
		f->lines[f->nlines++] = (uint32_t)(i + 1);
	}
}

static size_t line_index(const struct srcmap *m, uint32_t file, uint32_t off)
{
	struct srcfile *f = (struct srcfile *)srcmap__file(m, file);
	size_t lo = 0, hi;

	if (!f)
		return 0;
	if (!f->lines)
		build_lines(f);
	hi = f->nlines;
	/* last line start <= off */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (f->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void srcmap__linecol(const struct srcmap *m, uint32_t file, uint32_t off,
		     unsigned *line, unsigned *col)
{
	const struct srcfile *f = srcmap__file(m, file);
	size_t li;

	if (!f) {
		*line = *col = 0;
		return;
	}
	if (off > f->len)
		off = (uint32_t)f->len;
	li = line_index(m, file, off);
	*line = (unsigned)li + 1;
	*col = off - f->lines[li] + 1;
}

const char *srcmap__line(const struct srcmap *m, uint32_t file, uint32_t off, size_t *len)
{
	const struct srcfile *f = srcmap__file(m, file);
	size_t li, s, e;

	*len = 0;
	if (!f)
		return NULL;
	if (off > f->len)
		off = (uint32_t)f->len;
	li = line_index(m, file, off);
	s = f->lines[li];
	e = s;
	while (e < f->len && f->text[e] != '\n')
		e++;
	if (e > s && f->text[e - 1] == '\r')
		e--;
	*len = e - s;
	return f->text + s;
}

struct span span__join(struct span a, struct span b)
{
	if (!a.file)
		return b;
	if (!b.file || a.file != b.file)
		return a;
	return (struct span){ a.file, a.start < b.start ? a.start : b.start,
			      a.end > b.end ? a.end : b.end };
}
