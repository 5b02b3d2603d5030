/*
 * Bounded growable byte buffers. Every buffer has a ceiling (max) checked
 * before any allocation.
 */
#ifndef CAIRN_BUF_H
#define CAIRN_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data; /* owned */
	size_t len;
	size_t cap;
	size_t max; /* ceiling on len */
};

/* Initialises an empty buffer that may grow to max bytes. No allocation. */
void buf_init(struct buf *b, size_t max);
/*
 * Frees the storage; b stays usable, empty with the same ceiling (or may be
 * re-initialised). Accepts a zeroed buf.
 */
void buf_release(struct buf *b);
/* Ensures room for extra more bytes: CAIRN_ETOOBIG past max, CAIRN_ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
/* Appends len bytes; same errors as buf_reserve. */
int buf_append(struct buf *b, const void *p, size_t len);
/* Drops the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *b);

#endif
