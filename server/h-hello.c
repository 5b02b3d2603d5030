/*
 * Hello: the first request of every connection. Checks the protocol
 * version and tells the client the server's identity (epoch), limits and
 * clock.
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
	Cairn__HelloOk *ok;

	if (h->version != PROTOCOL_VERSION) {
		rq_fail(rq, CAIRN_EVERSION, NULL,
		        "protocol version %u is not "
		        "supported; this server speaks %d (upgrade cairn)",
		        h->version, PROTOCOL_VERSION);
		rq->close_after = 1;
		return RQ_DONE;
	}
	if ((ok = calloc(1, sizeof(*ok))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return RQ_DONE;
	}
	cairn__hello_ok__init(ok);
	ok->version = PROTOCOL_VERSION;
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
	return RQ_DONE;
}
