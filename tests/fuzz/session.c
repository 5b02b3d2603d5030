/* The fixed world of fuzz-session.c and its seed generator: session.h. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame.h"
#include "msg.h"
#include "session.h"

const char *const session_users[SESSION_CONNS] = {"maya", "noor"};
const char *const session_devices[SESSION_CONNS] = {
        "6f1c0e52-3d0a-4c47-9b8e-0a1b2c3d4e5f",
        "0d7e4a61-8b2f-4f3e-a1c5-9e8d7c6b5a41"};
const uint8_t session_tokens[SESSION_CONNS][SESSION_TOKEN_LEN] = {
        {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
         17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32},
        {32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
         16, 15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1}};

void
session_frame(struct buf *b, Cairn__Request *req)
{
	buf_init(b, FRAME_MAX + FRAME_HEADER);
	if (msg_write_request(b, req) != CAIRN_OK)
		abort();
}

void
session_hello(struct buf *b, unsigned version, uint32_t id)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;

	h.version = version;
	h.client = "cairn/fuzz";
	req.id = id;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	session_frame(b, &req);
}

void
session_auth(struct buf *b, size_t i, uint32_t id)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth a = CAIRN__AUTH__INIT;

	a.device_id = (char *)session_devices[i];
	a.token.data = (uint8_t *)session_tokens[i];
	a.token.len = SESSION_TOKEN_LEN;
	req.id = id;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &a;
	session_frame(b, &req);
}
