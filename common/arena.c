/*
 * The bump allocator of arena.h: blocks of at least ARENA_BLOCK bytes,
 * each allocation rounded up to the strictest alignment.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"

#define ARENA_BLOCK 8192
#define ARENA_ALIGN alignof(max_align_t)

struct arena_block {
	struct arena_block *next;
	size_t cap, len;
	alignas(max_align_t) unsigned char data[];
};

void
arena_init(struct arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

void
arena_release(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1), cap;
	void *p;

	if (need < n || (a->max > 0 && a->used + need > a->max))
		return NULL;
	if (b == NULL || b->cap - b->len < need) {
		cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->cap = cap;
		b->len = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->len;
	b->len += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = arena_alloc(a, n)) != NULL)
		memcpy(p, s, n);
	return p;
}

int
arena_push(struct arena *a, void ***v, size_t *n, void *p)
{
	void **nv;

	/* Capacity doubles at powers of two; old arrays stay in the arena. */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		if ((nv = arena_alloc(a, (*n == 0 ? 1 : *n * 2) *
		                                 sizeof(*nv))) == NULL)
			return CAIRN_ENOMEM;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = p;
	return CAIRN_OK;
}
