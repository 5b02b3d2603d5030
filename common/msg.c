/*
 * Protocol messages in and out of frames. Packing checks the packed size
 * against FRAME_MAX before writing; unpacking refuses oversized payloads
 * and caps the memory one message may expand into, so a small hostile
 * frame cannot make the peer allocate without bound. Unpacking also walks
 * the wire bytes once more to refuse strings holding a NUL byte, which
 * protobuf-c would hand over as shorter C strings than were sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "err.h"
#include "frame.h"
#include "msg.h"
#include "uuid.h"
#include "utf8.h"

/*
 * Most heap bytes one unpacked message may use, counting a per-allocation
 * overhead. Honest messages need about two or three times their size.
 */
#define MSG_UNPACK_BUDGET (8 * (size_t)FRAME_MAX)
/*
 * A message may expand to MSG_UNPACK_FLOOR plus MSG_UNPACK_RATIO times its
 * packed size (within MSG_UNPACK_BUDGET): the budget follows the frame, so
 * the small frames allowed before login cannot make the server allocate
 * megabytes.
 */
#define MSG_UNPACK_FLOOR (256 * (size_t)1024)
#define MSG_UNPACK_RATIO 16
#define MSG_ALLOC_OVERHEAD 16
/* Deepest nesting of sub-messages the string walker follows. */
#define MSG_WALK_DEPTH 32
#define MSG_FIELD_MAX 128 /* a dotted field path, for messages */
#define MSG_WHY_MAX 256   /* a refusal's text */

struct msg_budget {
	size_t used;
	size_t limit;
};

static void *
msg_alloc(void *data, size_t size)
{
	struct msg_budget *bud = data;
	size_t cost = size + MSG_ALLOC_OVERHEAD;

	if (size > bud->limit || bud->used > bud->limit - cost)
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

/* ---- the string walker ---- */

struct msg_walk {
	unsigned checks;                  /* MSG_STR_* to apply */
	const char *path[MSG_WALK_DEPTH]; /* field names, outermost first */
	size_t depth;
};

/* Reads the varint at p[*i]; CAIRN_EPROTO if truncated or over 10 bytes. */
static int
walk_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	unsigned k;

	for (k = 0; k < 10; k++) {
		if (*i >= len)
			return CAIRN_EPROTO;
		x |= (uint64_t)(p[*i] & 0x7f) << (7 * k);
		if ((p[(*i)++] & 0x80) == 0) {
			*v = x;
			return CAIRN_OK;
		}
	}
	return CAIRN_EPROTO;
}

/* The MSG_STR_* check that the string s..n fails, or 0. */
static int
walk_string(const struct msg_walk *w, const uint8_t *s, size_t n)
{
	if ((w->checks & MSG_STR_NUL) && n > 0 && memchr(s, 0, n) != NULL)
		return MSG_STR_NUL;
	if ((w->checks & MSG_STR_UTF8) && !utf8_valid((const char *)s, n))
		return MSG_STR_UTF8;
	return 0;
}

/*
 * Walks one message level. 0 when every string passes, MSG_STR_* for the
 * first that fails (w->path[0..w->depth] then names it), CAIRN_EPROTO.
 */
static int
walk_message(struct msg_walk *w, const ProtobufCMessageDescriptor *desc,
             const uint8_t *p, size_t len)
{
	const ProtobufCFieldDescriptor *f;
	uint64_t key, n;
	size_t i = 0;
	int rc;

	while (i < len) {
		if ((rc = walk_varint(p, len, &i, &key)) != CAIRN_OK)
			return rc;
		if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
			return CAIRN_EPROTO;
		f = protobuf_c_message_descriptor_get_field(
		        desc, (unsigned)(key >> 3));
		switch (key & 7) {
		case PROTOBUF_C_WIRE_TYPE_VARINT:
			if ((rc = walk_varint(p, len, &i, &n)) != CAIRN_OK)
				return rc;
			continue;
		case PROTOBUF_C_WIRE_TYPE_64BIT:
			if (len - i < 8)
				return CAIRN_EPROTO;
			i += 8;
			continue;
		case PROTOBUF_C_WIRE_TYPE_32BIT:
			if (len - i < 4)
				return CAIRN_EPROTO;
			i += 4;
			continue;
		case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
			break;
		default:
			/* Groups (3, 4) and 6, 7: protobuf-c takes none. */
			return CAIRN_EPROTO;
		}
		if ((rc = walk_varint(p, len, &i, &n)) != CAIRN_OK)
			return rc;
		if (n > len - i)
			return CAIRN_EPROTO;
		/*
		 * Unknown fields, bytes and packed numbers are skipped. A
		 * string or sub-message is the same on the wire whether the
		 * field is single, repeated or a member of a oneof.
		 */
		if (f != NULL && (f->type == PROTOBUF_C_TYPE_STRING ||
		                  f->type == PROTOBUF_C_TYPE_MESSAGE)) {
			if (w->depth >= MSG_WALK_DEPTH)
				return CAIRN_EPROTO;
			w->path[w->depth++] = f->name;
			if (f->type == PROTOBUF_C_TYPE_STRING)
				rc = walk_string(w, p + i, (size_t)n);
			else
				rc = walk_message(w, f->descriptor, p + i,
				                  (size_t)n);
			if (rc != 0)
				return rc;
			w->depth--;
		}
		i += (size_t)n;
	}
	return 0;
}

int
msg_check_strings(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                  size_t len, unsigned checks, char *field, size_t fieldlen)
{
	struct msg_walk w;
	size_t i, at = 0;
	int rc, n;

	memset(&w, 0, sizeof(w));
	w.checks = checks;
	if (p == NULL && len > 0)
		return CAIRN_EPROTO;
	rc = walk_message(&w, desc, p, len);
	if (rc <= 0 || field == NULL || fieldlen == 0)
		return rc;
	field[0] = '\0';
	for (i = 0; i < w.depth && at < fieldlen; i++) {
		n = snprintf(field + at, fieldlen - at, "%s%s", i ? "." : "",
		             w.path[i]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
	return rc;
}

/* Writes "field 'F' holds a NUL byte" (or is not UTF-8) into why. */
static void
msg_fault_text(int fault, const char *field, char *why, size_t whylen)
{
	snprintf(why, whylen, "field '%s' %s", field,
	         fault == MSG_STR_NUL ? "holds a NUL byte" : "is not UTF-8");
}

/* The message of a record body of kind, or NULL if none is known. */
static const ProtobufCMessageDescriptor *
msg_body_descriptor(int kind)
{
	switch (kind) {
	case CAIRN__KIND__KIND_ENTRY:
		return &cairn__entry__descriptor;
	case CAIRN__KIND__KIND_PLAN:
		return &cairn__plan__descriptor;
	case CAIRN__KIND__KIND_PLAN_ITEM:
		return &cairn__plan_item__descriptor;
	case CAIRN__KIND__KIND_COMMENT:
		return &cairn__comment__descriptor;
	case CAIRN__KIND__KIND_REVIEW:
		return &cairn__review__descriptor;
	case CAIRN__KIND__KIND_PREDICTION:
		return &cairn__prediction__descriptor;
	case CAIRN__KIND__KIND_COMMITMENT:
		return &cairn__commitment__descriptor;
	case CAIRN__KIND__KIND_TIMER:
		return &cairn__timer__descriptor;
	default:
		return NULL;
	}
}

int
msg_check_body(int kind, const uint8_t *p, size_t len, char *why, size_t whylen)
{
	const ProtobufCMessageDescriptor *desc = msg_body_descriptor(kind);
	char field[MSG_FIELD_MAX];
	int rc;

	if (desc == NULL || len == 0)
		return CAIRN_OK;
	rc = msg_check_strings(desc, p, len, MSG_STR_NUL, field, sizeof(field));
	if (rc == 0)
		return CAIRN_OK;
	if (rc > 0)
		msg_fault_text(rc, field, why, whylen);
	else
		snprintf(why, whylen,
		         "body is not a valid message of its kind");
	return CAIRN_EINVAL;
}

/* ---- unpacking ---- */

/* Unpacks within the memory budget; no string checks. */
static ProtobufCMessage *
msg_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len)
{
	struct msg_budget bud = {0, MSG_UNPACK_BUDGET};
	ProtobufCAllocator a = {msg_alloc, msg_dealloc, &bud};

	if (len > FRAME_MAX || (p == NULL && len > 0))
		return NULL;
	if (len < (MSG_UNPACK_BUDGET - MSG_UNPACK_FLOOR) / MSG_UNPACK_RATIO)
		bud.limit = MSG_UNPACK_FLOOR + MSG_UNPACK_RATIO * len;
	return protobuf_c_message_unpack(desc, &a, len, p);
}

/*
 * Checks the bodies of the records a response carries (a pull or an
 * event): CAIRN_OK, or CAIRN_EINVAL with why naming the record.
 */
static int
msg_check_records(Cairn__Record *const *recs, size_t n, char *why,
                  size_t whylen)
{
	char inner[MSG_FIELD_MAX + 64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (msg_check_body(recs[i]->kind, recs[i]->body.data,
		                   recs[i]->body.len, inner,
		                   sizeof(inner)) == CAIRN_OK)
			continue;
		snprintf(why, whylen, "record %s: %s",
		         uuid_valid(recs[i]->id) ? recs[i]->id : "(bad id)",
		         inner);
		return CAIRN_EINVAL;
	}
	return CAIRN_OK;
}

/*
 * Unpacks p as desc and checks its strings (and, for a Response, the
 * bodies of its records). Returns the message, or NULL with *rc
 * CAIRN_EPROTO (not such a message) or CAIRN_EINVAL (why says which
 * string; *id is the message's id when it has one).
 */
static ProtobufCMessage *
msg_read(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
         int *rc, uint32_t *id, char *why, size_t whylen)
{
	ProtobufCMessage *m;
	Cairn__Response *r;
	char field[MSG_FIELD_MAX];
	int fault;

	*rc = CAIRN_EPROTO;
	if ((m = msg_unpack(desc, p, len)) == NULL)
		return NULL;
	if (desc == &cairn__request__descriptor)
		*id = ((Cairn__Request *)m)->id;
	else if (desc == &cairn__response__descriptor)
		*id = ((Cairn__Response *)m)->id;
	fault = msg_check_strings(desc, p, len, MSG_STR_NUL, field,
	                          sizeof(field));
	if (fault < 0)
		goto fail; /* protobuf-c took what the walker cannot */
	if (fault > 0) {
		*rc = CAIRN_EINVAL;
		msg_fault_text(fault, field, why, whylen);
		goto fail;
	}
	if (desc == &cairn__response__descriptor) {
		r = (Cairn__Response *)m;
		if ((r->body_case == CAIRN__RESPONSE__BODY_PULL &&
		     msg_check_records(r->pull->records, r->pull->n_records,
		                       why, whylen) != CAIRN_OK) ||
		    (r->body_case == CAIRN__RESPONSE__BODY_EVENT &&
		     msg_check_records(r->event->records, r->event->n_records,
		                       why, whylen) != CAIRN_OK)) {
			*rc = CAIRN_EINVAL;
			goto fail;
		}
	}
	*rc = CAIRN_OK;
	return m;
fail:
	protobuf_c_message_free_unpacked(m, NULL);
	return NULL;
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
	char why[MSG_WHY_MAX]; /* unused: the text is for refusals */
	uint32_t id;
	int rc;

	return (Cairn__Request *)msg_read(&cairn__request__descriptor, p, len,
	                                  &rc, &id, why, sizeof(why));
}

Cairn__Response *
msg_read_response(const uint8_t *p, size_t len)
{
	char why[MSG_WHY_MAX]; /* unused: the text is for refusals */
	uint32_t id;
	int rc;

	return (Cairn__Response *)msg_read(&cairn__response__descriptor, p, len,
	                                   &rc, &id, why, sizeof(why));
}

Cairn__Entry *
msg_read_entry(const uint8_t *p, size_t len)
{
	char why[MSG_WHY_MAX]; /* unused: the text is for refusals */
	uint32_t id;
	int rc;

	return (Cairn__Entry *)msg_read(&cairn__entry__descriptor, p, len, &rc,
	                                &id, why, sizeof(why));
}

int
msg_request_refusal(const uint8_t *p, size_t len, uint32_t *id, char *why,
                    size_t whylen)
{
	ProtobufCMessage *m;
	uint32_t got = 0;
	int rc;

	m = msg_read(&cairn__request__descriptor, p, len, &rc, &got, why,
	             whylen);
	if (m != NULL) {
		protobuf_c_message_free_unpacked(m, NULL);
		return CAIRN_EPROTO;
	}
	if (rc == CAIRN_EINVAL)
		*id = got;
	return rc;
}

int
msg_response_refusal(const uint8_t *p, size_t len, char *why, size_t whylen)
{
	ProtobufCMessage *m;
	uint32_t id = 0;
	int rc;

	m = msg_read(&cairn__response__descriptor, p, len, &rc, &id, why,
	             whylen);
	if (m != NULL) {
		protobuf_c_message_free_unpacked(m, NULL);
		return CAIRN_EPROTO;
	}
	return rc;
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
