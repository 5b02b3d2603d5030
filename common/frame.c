/*
 * Frame codec: 4-byte big-endian length plus payload. The decoder keeps the
 * frames it has returned at the front of its buffer (d->skip bytes) and
 * drops them lazily, so many small frames in one feed cost one move. Once
 * every byte has been returned it frees the buffer: a decoder between
 * requests holds no memory, whatever the size of the last frame.
 */
#include <string.h>

#include "err.h"
#include "frame.h"

/*
 * The decoder may hold two maximum frames with headers: one incomplete
 * frame left after draining plus one fed chunk of up to a frame.
 */
static size_t
frame_ceiling(size_t max)
{
	return 2 * (max + FRAME_HEADER);
}

void
frame_decoder_init(struct frame_decoder *d, size_t max)
{
	buf_init(&d->in, frame_ceiling(max));
	d->max = max;
	d->skip = 0;
}

void
frame_decoder_release(struct frame_decoder *d)
{
	if (d == NULL)
		return;
	buf_release(&d->in);
	d->skip = 0;
}

/* Drops the frames already returned from the front of the buffer. */
static void
frame_compact(struct frame_decoder *d)
{
	if (d->skip > 0) {
		buf_consume(&d->in, d->skip);
		d->skip = 0;
	}
}

int
frame_decoder_feed(struct frame_decoder *d, const void *p, size_t len)
{
	frame_compact(d);
	return buf_append(&d->in, p, len);
}

int
frame_decoder_next(struct frame_decoder *d, const uint8_t **payload,
                   size_t *len)
{
	const uint8_t *h;
	size_t avail;
	uint32_t n;

	avail = d->in.len - d->skip;
	if (avail < FRAME_HEADER) {
		frame_compact(d);
		if (d->in.len == 0)
			buf_release(&d->in); /* idle: keep no storage */
		return 0;
	}
	h = d->in.data + d->skip;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 |
	    (uint32_t)h[3];
	if (n > d->max)
		return CAIRN_ETOOBIG;
	if (avail - FRAME_HEADER < n) {
		frame_compact(d);
		return 0;
	}
	*payload = h + FRAME_HEADER;
	*len = n;
	d->skip += FRAME_HEADER + (size_t)n;
	return 1;
}

size_t
frame_decoder_pending(const struct frame_decoder *d)
{
	return d->in.len - d->skip;
}

int
frame_decoder_partial(const struct frame_decoder *d)
{
	const uint8_t *h = d->in.data + d->skip;
	size_t avail = d->in.len - d->skip;
	uint32_t n;

	if (avail == 0)
		return 0;
	if (avail < FRAME_HEADER)
		return 1;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 |
	    (uint32_t)h[3];
	return avail - FRAME_HEADER < n;
}

int
frame_encode(struct buf *out, const void *payload, size_t len, size_t max)
{
	uint8_t h[FRAME_HEADER];
	int rc;

	if (len > max || len > UINT32_MAX)
		return CAIRN_ETOOBIG;
	rc = buf_reserve(out, FRAME_HEADER + len);
	if (rc != CAIRN_OK)
		return rc;
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	memcpy(out->data + out->len, h, FRAME_HEADER);
	if (len > 0)
		memcpy(out->data + out->len + FRAME_HEADER, payload, len);
	out->len += FRAME_HEADER + len;
	return CAIRN_OK;
}
