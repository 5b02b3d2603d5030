/*
 * Hello: the first request of every connection. Settles the protocol
 * version (the client's, when this server still speaks it: a version 1
 * client keeps the version 1 contract, see docs/sync.md) and tells the
 * client the server's identity (epoch), limits and clock.
 */
#include <stdlib.h>

#include "cairnd.h"
#include "err.h"
#include "frame.h"
#include "hlc.h"
#include "msg.h"

int
h_hello(struct rq *rq)
{
	const Cairn__Hello *h = rq->req->hello;
	struct conn *c = rq->c;
	unsigned max = c->srv->max_version;
	Cairn__HelloOk *ok;

	if (h->version < PROTOCOL_VERSION_MIN || h->version > max) {
		rq_fail(rq, CAIRN_EVERSION, NULL,
		        "protocol version %u is not supported; this server speaks %d (upgrade cairn)",
		        h->version, max);
		rq->close_after = 1;
		return RQ_DONE;
	}
	if ((ok = calloc(1, sizeof(*ok))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return RQ_DONE;
	}
	cairn__hello_ok__init(ok);
	ok->version = h->version;
	ok->server = (char *)CAIRND_NAME;
	ok->epoch = c->srv->epoch;
	ok->max_frame = FRAME_MAX;
	ok->max_batch = MSG_MAX_BATCH;
	ok->time_ms = hlc_wall_ms();
	rq->data = ok;
	rq->data_free = free;
	rq->resp.body_case = CAIRN__RESPONSE__BODY_HELLO;
	rq->resp.hello = ok;
	c->hello = 1;
	c->version = h->version;
	return RQ_DONE;
}
