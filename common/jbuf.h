/* jbuf.h - a growable byte buffer with JSON string escaping and base64.
 *
 * Contract: appends never fail visibly; on allocation failure the buffer
 * sets ->oom, drops further appends, and the caller discards the line.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are
 * replaced by U+FFFD so the output line is always valid JSON.
 */
#ifndef TPC_JBUF_H
#define TPC_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void jbuf__free(struct jbuf *b);
static inline void jbuf__reset(struct jbuf *b)
{
	b->len = 0;
	b->oom = false;
}
bool jbuf__reserve(struct jbuf *b, size_t extra);
void jbuf__raw(struct jbuf *b, const char *s, size_t n);
void jbuf__cstr(struct jbuf *b, const char *s); /* raw, NUL-terminated */
void jbuf__ch(struct jbuf *b, char c);
/* A quoted, escaped JSON string of n bytes. */
void jbuf__str(struct jbuf *b, const char *s, size_t n);
void jbuf__u64(struct jbuf *b, uint64_t v);
void jbuf__i64(struct jbuf *b, int64_t v);
/* A quoted base64 string (protojson bytes). */
void jbuf__b64(struct jbuf *b, const void *data, size_t n);
/* Plain base64 into out (size >= 4 * ceil(n / 3) + 1); returns length. */
size_t ldr_base64(char *out, const void *data, size_t n);

#endif
