/* jbuf.c - JSON output buffer (hand-rolled: the event path appends into one
 * reused buffer, no per-event allocation or tree building). */
#include <stdlib.h>
#include <string.h>

#include "jbuf.h"

void jbuf__free(struct jbuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

bool jbuf__reserve(struct jbuf *b, size_t extra)
{
	size_t need = b->len + extra, cap;
	char *p;

	if (b->oom)
		return false;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jbuf__raw(struct jbuf *b, const char *s, size_t n)
{
	if (!jbuf__reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void jbuf__cstr(struct jbuf *b, const char *s)
{
	jbuf__raw(b, s, strlen(s));
}

void jbuf__ch(struct jbuf *b, char c)
{
	if (!jbuf__reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void jbuf__str(struct jbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	char *o;

	/* worst case: every byte becomes \u00XX (6) or U+FFFD (3) */
	if (!jbuf__reserve(b, n * 6 + 2))
		return;
	o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = c;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);

			if (l) {
				memcpy(o, s + i, l);
				o += l;
				i += l - 1;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = o - b->p;
}

void jbuf__u64(struct jbuf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	jbuf__raw(b, tmp + i, sizeof(tmp) - i);
}

void jbuf__i64(struct jbuf *b, int64_t v)
{
	if (v < 0) {
		jbuf__ch(b, '-');
		jbuf__u64(b, -(uint64_t)v);
	} else {
		jbuf__u64(b, v);
	}
}

size_t ldr_base64(char *out, const void *data, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = data;
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = s[i] << 16 | s[i + 1] << 8 | s[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		unsigned v = s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

void jbuf__b64(struct jbuf *b, const void *data, size_t n)
{
	if (!jbuf__reserve(b, (n + 2) / 3 * 4 + 3))
		return;
	b->p[b->len++] = '"';
	b->len += ldr_base64(b->p + b->len, data, n);
	b->p[b->len++] = '"';
}
