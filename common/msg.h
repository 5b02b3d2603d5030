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

/* Packs and frames m, appending to out. CAIRN_ETOOBIG past FRAME_MAX. */
int msg_write_request(struct buf *out, const Cairn__Request *m);
int msg_write_response(struct buf *out, const Cairn__Response *m);
/*
 * Unpacks one frame payload. Returns a new message (free with
 * msg_free_request / msg_free_response) or NULL when malformed.
 */
Cairn__Request *msg_read_request(const uint8_t *p, size_t len);
Cairn__Response *msg_read_response(const uint8_t *p, size_t len);
/*
 * Unpacks a record body of KIND_ENTRY. Returns a new Entry (free with
 * msg_free_entry) or NULL when malformed.
 */
Cairn__Entry *msg_read_entry(const uint8_t *p, size_t len);
/* Free unpacked messages. Accept NULL. */
void msg_free_request(Cairn__Request *m);
void msg_free_response(Cairn__Response *m);
void msg_free_entry(Cairn__Entry *e);

#endif
