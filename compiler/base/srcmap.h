/* srcmap.h - source files and spans.
 *
 * Contract: every AST/IR node carries a struct span (file id + byte offsets
 * into that file's text). Line and column are computed only when printing,
 * from a line table built on first use. Both YAML (libyaml marks) and DSL
 * (flex locations) positions end up as byte offsets here, so diagnostics
 * from both front ends look the same. A srcmap owns copies of the texts.
 */
#ifndef TPC_SRCMAP_H
#define TPC_SRCMAP_H

#include <stddef.h>
#include <stdint.h>

struct span {
	uint32_t file;	/* srcmap id; 0 = no location */
	uint32_t start; /* byte offset of first byte */
	uint32_t end;	/* byte offset one past the last byte (>= start) */
};

#define SPAN_NONE ((struct span){ 0, 0, 0 })

struct srcfile {
	char *name;
	char *text; /* NUL-terminated copy; may contain NULs before len */
	size_t len;
	uint32_t *lines; /* byte offset of each line start */
	size_t nlines;
};

struct srcmap;

struct srcmap *srcmap__new(void);
void srcmap__free(struct srcmap *m);
/* Returns the new file id (>= 1). Copies name and text. */
uint32_t srcmap__add(struct srcmap *m, const char *name, const char *text, size_t len);
/* Reads a file; returns id or 0 with errno set. Files over max_bytes are
 * refused with EFBIG. */
uint32_t srcmap__add_file(struct srcmap *m, const char *path, size_t max_bytes);
const struct srcfile *srcmap__file(const struct srcmap *m, uint32_t id);
/* 1-based line and column (column counts bytes). */
void srcmap__linecol(const struct srcmap *m, uint32_t file, uint32_t off,
		     unsigned *line, unsigned *col);
/* Start and length of the line holding off (without the newline). */
const char *srcmap__line(const struct srcmap *m, uint32_t file, uint32_t off, size_t *len);
struct span span__join(struct span a, struct span b);

#endif
