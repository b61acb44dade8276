/* arena.h - bump allocator owning every AST, IR and interned string of one
 * compilation.
 *
 * Contract: memory from an arena lives until arena__free(); nothing inside
 * is freed one by one. Allocation never returns NULL: on out-of-memory the
 * process aborts with a message, because a compiler that half-builds an AST
 * would only produce worse diagnostics. arena__free(NULL) is a no-op.
 */
#ifndef TPC_ARENA_H
#define TPC_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena__new(void);
void arena__free(struct arena *a);

/* Zeroed, aligned to max_align_t. */
void *arena__alloc(struct arena *a, size_t size);
void *arena__calloc(struct arena *a, size_t n, size_t size);
/* Copy of [s, s+len) with a NUL appended (s may contain NULs). */
char *arena__strndup(struct arena *a, const char *s, size_t len);
char *arena__strdup(struct arena *a, const char *s);
char *arena__sprintf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Grow an arena-allocated array; old contents are copied, the old block is
 * simply abandoned (it is reclaimed with the arena). */
void *arena__realloc(struct arena *a, void *old, size_t old_size, size_t new_size);
size_t arena__bytes(const struct arena *a);

/* A growable array in an arena: struct { T *v; size_t n, cap; }. */
#define VEC(T)                                                                 \
	struct {                                                               \
		T *v;                                                          \
		size_t n, cap;                                                 \
	}

#define VEC_PUSH(a, vec, item)                                                 \
	do {                                                                   \
		if ((vec).n == (vec).cap) {                                    \
			size_t nc_ = (vec).cap ? (vec).cap * 2 : 4;            \
			(vec).v = arena__realloc((a), (vec).v,                 \
						 (vec).cap * sizeof(*(vec).v), \
						 nc_ * sizeof(*(vec).v));      \
			(vec).cap = nc_;                                       \
		}                                                              \
		(vec).v[(vec).n++] = (item);                                   \
	} while (0)

#endif
