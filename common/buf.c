/*
 * Bounded growable byte buffers: every growth is checked against the
 * buffer's ceiling before memory is allocated.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

#define BUF_MIN_CAP 256

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *p;

	if (extra > b->max || b->len > b->max - extra)
		return CAIRN_ETOOBIG;
	need = b->len + extra;
	if (need <= b->cap)
		return CAIRN_OK;
	ncap = b->cap < BUF_MIN_CAP ? BUF_MIN_CAP : b->cap;
	while (ncap < need) {
		if (ncap > b->max / 2) {
			ncap = b->max;
			break;
		}
		ncap *= 2;
	}
	if (ncap > b->max)
		ncap = b->max;
	if (ncap < need)
		ncap = need;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return CAIRN_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return CAIRN_OK;
}

int
buf_append(struct buf *b, const void *p, size_t len)
{
	int rc;

	if (len == 0)
		return CAIRN_OK;
	rc = buf_reserve(b, len);
	if (rc != CAIRN_OK)
		return rc;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return CAIRN_OK;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}
