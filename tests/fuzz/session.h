/*
 * The input format of fuzz-session.c and the fixed world it runs in, shared
 * with the seed generator (seed-session.c), which writes valid sessions in
 * this format into tests/fuzz/corpus/session/.
 *
 * An input is:
 *
 *   byte 0       setup: SESSION_SETUP_* below
 *   then         records, each a connection byte (taken modulo the number
 *                of connections) and one wire frame: a 4-byte big-endian
 *                length and that many bytes of a packed Request
 *
 * Before the first record, each connection is given what the setup asks
 * for: Hello (version 2, or 1) and Auth with its user's device token, or
 * Hello only, or nothing. Connection i belongs to session_users[i].
 */
#ifndef CAIRN_FUZZ_SESSION_H
#define CAIRN_FUZZ_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cairn.pb-c.h"

#define SESSION_SETUP_MASK 0x3
#define SESSION_SETUP_AUTH 0x0    /* Hello v2, Auth: the usual session */
#define SESSION_SETUP_V1_AUTH 0x1 /* Hello v1, Auth: an old client */
#define SESSION_SETUP_HELLO 0x2   /* Hello only: login, register, refusals */
#define SESSION_SETUP_NONE 0x3    /* nothing: the input says Hello itself */
#define SESSION_SETUP_TWO 0x4     /* a second user's connection */
#define SESSION_SETUP_INVITE 0x8  /* the server is invite-only */

#define SESSION_CONNS 2
#define SESSION_TOKEN_LEN 32
#define SESSION_PASSWORD "correct horse"
#define SESSION_TIME INT64_C(1700000000) /* 2023-11-14, in the past */

extern const char *const session_users[SESSION_CONNS];
extern const char *const session_devices[SESSION_CONNS];
extern const uint8_t session_tokens[SESSION_CONNS][SESSION_TOKEN_LEN];

/* Packs req as one wire frame into b (initialised here; release it). */
void session_frame(struct buf *b, Cairn__Request *req);
/* The frames of the forced steps: Hello with version, Auth as user i. */
void session_hello(struct buf *b, unsigned version, uint32_t id);
void session_auth(struct buf *b, size_t i, uint32_t id);

#endif
