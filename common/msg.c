/*
 * Protocol messages in and out of frames. Packing checks the packed size
 * against FRAME_MAX before writing; unpacking refuses oversized payloads
 * and caps the memory one message may expand into, so a small hostile
 * frame cannot make the peer allocate without bound.
 */
#include <stdlib.h>

#include "err.h"
#include "frame.h"
#include "msg.h"

/*
 * Most heap bytes one unpacked message may use, counting a per-allocation
 * overhead. Honest messages need about two or three times their size.
 */
#define MSG_UNPACK_BUDGET (8 * (size_t)FRAME_MAX)
#define MSG_ALLOC_OVERHEAD 16

struct msg_budget {
	size_t used;
};

static void *
msg_alloc(void *data, size_t size)
{
	struct msg_budget *bud = data;
	size_t cost = size + MSG_ALLOC_OVERHEAD;

	if (size > MSG_UNPACK_BUDGET || bud->used > MSG_UNPACK_BUDGET - cost)
		return NULL;
	bud->used += cost;
	return malloc(size);
}

static void
msg_dealloc(void *data, void *p)
{
	free(p);
}

/*
 * Packs m into out as one frame. The allocation is plain malloc, so the
 * messages returned below may also be freed with the generated
 * *_free_unpacked(m, NULL).
 */
static int
msg_write(struct buf *out, const ProtobufCMessage *m)
{
	size_t size, packed;
	uint8_t *p;
	int rc;

	size = protobuf_c_message_get_packed_size(m);
	if (size > FRAME_MAX)
		return CAIRN_ETOOBIG;
	rc = buf_reserve(out, FRAME_HEADER + size);
	if (rc != CAIRN_OK)
		return rc;
	p = out->data + out->len;
	p[0] = (uint8_t)(size >> 24);
	p[1] = (uint8_t)(size >> 16);
	p[2] = (uint8_t)(size >> 8);
	p[3] = (uint8_t)size;
	packed = protobuf_c_message_pack(m, p + FRAME_HEADER);
	if (packed != size)
		return CAIRN_EINTERNAL;
	out->len += FRAME_HEADER + size;
	return CAIRN_OK;
}

static ProtobufCMessage *
msg_read(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len)
{
	struct msg_budget bud = {0};
	ProtobufCAllocator a = {msg_alloc, msg_dealloc, &bud};

	if (len > FRAME_MAX || (p == NULL && len > 0))
		return NULL;
	return protobuf_c_message_unpack(desc, &a, len, p);
}

int
msg_write_request(struct buf *out, const Cairn__Request *m)
{
	return msg_write(out, &m->base);
}

int
msg_write_response(struct buf *out, const Cairn__Response *m)
{
	return msg_write(out, &m->base);
}

Cairn__Request *
msg_read_request(const uint8_t *p, size_t len)
{
	return (Cairn__Request *)msg_read(&cairn__request__descriptor, p, len);
}

Cairn__Response *
msg_read_response(const uint8_t *p, size_t len)
{
	return (Cairn__Response *)msg_read(&cairn__response__descriptor, p,
	                                   len);
}

Cairn__Entry *
msg_read_entry(const uint8_t *p, size_t len)
{
	return (Cairn__Entry *)msg_read(&cairn__entry__descriptor, p, len);
}

void
msg_free_request(Cairn__Request *m)
{
	if (m != NULL)
		cairn__request__free_unpacked(m, NULL);
}

void
msg_free_response(Cairn__Response *m)
{
	if (m != NULL)
		cairn__response__free_unpacked(m, NULL);
}

void
msg_free_entry(Cairn__Entry *e)
{
	if (e != NULL)
		cairn__entry__free_unpacked(e, NULL);
}
