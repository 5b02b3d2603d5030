/*
 * libFuzzer target for the frame decoder: the input, after a 4-byte seed,
 * is fed to a decoder in chunks of pseudo-random sizes, and every frame it
 * yields is unpacked as a Request, as the server does.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "frame.h"
#include "msg.h"

/* A small maximum makes the limit paths reachable with small inputs. */
#define FUZZ_FRAME_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_decoder d;
	const uint8_t *payload;
	Cairn__Request *req;
	uint32_t seed = 0;
	size_t off = 0, chunk, len;
	int rc = 0;

	if (size >= 4) {
		seed = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		       (uint32_t)data[2] << 8 | data[3];
		data += 4;
		size -= 4;
	}
	frame_decoder_init(&d, (seed & 1) ? FUZZ_FRAME_MAX : FRAME_MAX);
	while (off < size && rc >= 0) {
		seed = seed * 1103515245u + 12345u;
		chunk = 1 + (seed >> 16) % 64;
		if (chunk > size - off)
			chunk = size - off;
		if (frame_decoder_feed(&d, data + off, chunk) != CAIRN_OK)
			break;
		off += chunk;
		while ((rc = frame_decoder_next(&d, &payload, &len)) == 1) {
			req = msg_read_request(payload, len);
			msg_free_request(req);
		}
	}
	frame_decoder_release(&d);
	return 0;
}
