/*
 * Frame codec: a frame is a 4-byte big-endian payload length followed by the
 * payload (one packed protobuf message). The decoder is bounded: a length
 * field above its maximum is an error before any allocation.
 */
#ifndef CAIRN_FRAME_H
#define CAIRN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FRAME_HEADER 4
#define FRAME_MAX (4u * 1024 * 1024) /* default maximum payload */

struct frame_decoder {
	struct buf in; /* bytes received, not yet consumed */
	size_t max;    /* maximum payload length */
	size_t skip;   /* bytes of the last returned frame to drop */
};

/* Initialises a decoder for payloads up to max bytes. */
void frame_decoder_init(struct frame_decoder *d, size_t max);
/* Frees the decoder's buffer. Accepts a zeroed decoder. */
void frame_decoder_release(struct frame_decoder *d);
/*
 * Adds received bytes. Returns CAIRN_OK, CAIRN_ENOMEM, or CAIRN_ETOOBIG
 * when the buffered bytes would exceed one maximum frame plus header
 * (the caller should stop reading until frames are taken).
 */
int frame_decoder_feed(struct frame_decoder *d, const void *p, size_t len);
/*
 * Takes the next complete frame. Returns 1 and sets *payload (borrowed,
 * valid until the next call of feed or next) and *len; 0 when more bytes
 * are needed; CAIRN_ETOOBIG when the length field exceeds the maximum.
 * Returning 0 with nothing buffered, it frees the buffer (the next feed
 * allocates again), so an idle decoder holds no memory.
 */
int frame_decoder_next(struct frame_decoder *d, const uint8_t **payload,
                       size_t *len);
/* Bytes buffered and not yet returned as frames. */
size_t frame_decoder_pending(const struct frame_decoder *d);
/* 1 if bytes are buffered and the first frame among them is incomplete. */
int frame_decoder_partial(const struct frame_decoder *d);
/* Appends header and payload to out. CAIRN_ETOOBIG if len > max. */
int frame_encode(struct buf *out, const void *payload, size_t len, size_t max);

#endif
