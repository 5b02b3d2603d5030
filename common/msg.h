/*
 * Packing and unpacking of protocol messages, framed. Wraps the protoc-c
 * generated code (cairn.pb-c.h) with the size ceilings of the protocol.
 */
#ifndef CAIRN_MSG_H
#define CAIRN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cairn.pb-c.h"

#define PROTOCOL_VERSION 2     /* the newest version this build speaks */
#define PROTOCOL_VERSION_MIN 1 /* the oldest the server still serves */
#define MSG_MAX_BATCH 1000     /* most records in one Push or PullOk */
#define MSG_BATCH_BYTES (1024u * 1024) /* aim for batches below this */
/*
 * A pull may ask for up to MSG_MAX_PULL records, answered in about
 * MSG_PULL_BYTES (a fresh machine pulls 10,000 check-ins in 2-3 round trips
 * rather than 10). A server that predates this answers MSG_MAX_BATCH at
 * most, which is no more than this client accepts.
 */
#define MSG_MAX_PULL 5000
#define MSG_PULL_BYTES (2u * 1024 * 1024)

/* Packs and frames m, appending to out. CAIRN_ETOOBIG past FRAME_MAX. */
int msg_write_request(struct buf *out, const Cairn__Request *m);
int msg_write_response(struct buf *out, const Cairn__Response *m);
/*
 * Unpacks one frame payload. Returns a new message (free with
 * msg_free_request / msg_free_response) or NULL when malformed, when a
 * string field anywhere in it holds a NUL byte (protobuf-c would hand it
 * over cut short), and for a Response, when the body of a record it
 * carries (PullOk, Event) does (msg_check_body).
 */
Cairn__Request *msg_read_request(const uint8_t *p, size_t len);
Cairn__Response *msg_read_response(const uint8_t *p, size_t len);
/*
 * Unpacks a record body of KIND_ENTRY. Returns a new Entry (free with
 * msg_free_entry) or NULL when malformed or a string holds a NUL byte.
 */
Cairn__Entry *msg_read_entry(const uint8_t *p, size_t len);
/*
 * Why msg_read_request refused p: CAIRN_EINVAL when p is a well-formed
 * Request but a string field holds a NUL byte; then *id is the request's
 * id and why one line naming the field ("field 'register.handle' holds a
 * NUL byte"), for a refusal on a connection that stays open. CAIRN_EPROTO
 * when p is not a Request at all (or was not refused). *id and why are
 * written only for CAIRN_EINVAL.
 */
int msg_request_refusal(const uint8_t *p, size_t len, uint32_t *id, char *why,
                        size_t whylen);
/*
 * Why msg_read_response refused p: CAIRN_EINVAL with why naming the field,
 * or the record and its field ("record ID: field 'text' holds a NUL
 * byte"); CAIRN_EPROTO otherwise.
 */
int msg_response_refusal(const uint8_t *p, size_t len, char *why,
                         size_t whylen);

#define MSG_STR_NUL 1  /* a string field holds a 0 byte */
#define MSG_STR_UTF8 2 /* a string field is not UTF-8 (a NUL is not) */
/*
 * Walks the packed message p[0..len) of type desc by its descriptor,
 * into sub-messages (single, repeated or oneof members alike), and applies
 * checks (MSG_STR_* bits) to every field of type string. Unknown fields,
 * bytes fields and numbers are skipped. Returns 0 when every string
 * passes; the MSG_STR_* bit the first failing string fails, with its
 * dotted name ("push.records.id") in field (cut to fieldlen; field may be
 * NULL); CAIRN_EPROTO when p cannot be walked (a truncated varint or
 * field, a length past the end, a group or unknown wire type, field number
 * 0, more than 32 levels). It checks no more of the structure than that:
 * unpack as well.
 */
int msg_check_strings(const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                      size_t len, unsigned checks, char *field,
                      size_t fieldlen);
/*
 * Checks the strings of a record body, the packed message of kind (Entry
 * for KIND_ENTRY, Plan, PlanItem, Comment, Review, Prediction,
 * Commitment): CAIRN_OK, or CAIRN_EINVAL with why set ("field 'text' holds
 * a NUL byte", or "body is not a valid message of its kind"). An empty
 * body and a kind it does not know pass.
 */
int msg_check_body(int kind, const uint8_t *p, size_t len, char *why,
                   size_t whylen);
/* Free unpacked messages. Accept NULL. */
void msg_free_request(Cairn__Request *m);
void msg_free_response(Cairn__Response *m);
void msg_free_entry(Cairn__Entry *e);

#endif
