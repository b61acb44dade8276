/* arena.c - see arena.h. Chunks grow geometrically; large requests get a
 * chunk of their own so they never waste the tail of the current one. */
#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_CHUNK (64 * 1024)
#define ARENA_ALIGN _Alignof(max_align_t)

struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
	size_t total;
};

static void oom(size_t n)
{
	fprintf(stderr, "tpc: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

struct arena *arena__new(void)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (!a)
		oom(sizeof(*a));
	return a;
}

void arena__free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena__alloc(struct arena *a, size_t size)
{
	struct chunk *c = a->head;
	size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	void *p;

	if (need < size)
		oom(size);
	if (!c || c->size - c->used < need) {
		size_t csz = need > ARENA_MIN_CHUNK ? need : ARENA_MIN_CHUNK;

		if (c && csz < c->size * 2 && c->size * 2 <= 16 * 1024 * 1024)
			csz = c->size * 2;
		c = malloc(sizeof(*c) + csz);
		if (!c)
			oom(csz);
		c->size = csz;
		c->used = 0;
		/* Oversized one-off blocks go behind the head so the head's
		 * free tail stays usable. */
		if (a->head && need > ARENA_MIN_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += need;
	a->total += need;
	memset(p, 0, size);
	return p;
}

void *arena__calloc(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return arena__alloc(a, n * size);
}

char *arena__strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena__alloc(a, len + 1);

	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena__strdup(struct arena *a, const char *s)
{
	return arena__strndup(a, s, strlen(s));
}

char *arena__sprintf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	p = arena__alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *arena__realloc(struct arena *a, void *old, size_t old_size, size_t new_size)
{
	void *p = arena__alloc(a, new_size);

	if (old && old_size)
		memcpy(p, old, old_size < new_size ? old_size : new_size);
	return p;
}

size_t arena__bytes(const struct arena *a)
{
	return a ? a->total : 0;
}
