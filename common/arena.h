/*
 * A bump allocator for answers built from many small pieces (a list of
 * people, groups and invitations as protobuf structs and their strings):
 * everything is freed at once with arena_release. Not thread-safe; one
 * owner at a time.
 */
#ifndef CAIRN_ARENA_H
#define CAIRN_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head; /* owned */
	size_t used;              /* bytes of the whole arena */
	size_t max;               /* ceiling on used; 0 for none */
};

/* An empty arena that may hold max bytes (0: unbounded). No allocation. */
void arena_init(struct arena *a, size_t max);
/* Frees every block. The arena may be used again. Accepts a zeroed one. */
void arena_release(struct arena *a);
/*
 * n zeroed bytes aligned for any type, owned by the arena; NULL when out
 * of memory or past the ceiling.
 */
void *arena_alloc(struct arena *a, size_t n);
/* A copy of s in the arena (NULL as arena_alloc). */
char *arena_strdup(struct arena *a, const char *s);
/*
 * Appends p to the pointer array *v of *n entries (growing it in the
 * arena). CAIRN_OK or CAIRN_ENOMEM.
 */
int arena_push(struct arena *a, void ***v, size_t *n, void *p);

#endif
