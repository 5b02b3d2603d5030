/*
 * libFuzzer target for request unpacking: the input is one frame payload,
 * unpacked as a Request; the bodies of any pushed records are unpacked as
 * Entry and validated, as the server does before it accepts a push.
 */
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "err.h"
#include "msg.h"

#define FUZZ_NOW INT64_C(1700000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Cairn__Request *req;
	Cairn__Entry *e;
	char why[256];
	size_t i;

	req = msg_read_request(data, size);
	if (req == NULL)
		return 0;
	if (req->body_case == CAIRN__REQUEST__BODY_PUSH && req->push != NULL) {
		for (i = 0; i < req->push->n_records; i++) {
			const Cairn__Record *r = req->push->records[i];

			if (r->deleted || r->body.len == 0)
				continue;
			e = msg_read_entry(r->body.data, r->body.len);
			if (e != NULL)
				entry_validate(e, FUZZ_NOW, why, sizeof(why));
			msg_free_entry(e);
		}
	}
	msg_free_request(req);
	return 0;
}
