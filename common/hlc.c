/*
 * Hybrid logical clock (48 bits of milliseconds, 16 bits of counter) and
 * the last-writer-wins merge rule of docs/sync.md.
 */
#include <string.h>
#include <time.h>

#include "hlc.h"

#define HLC_MS_MASK ((UINT64_C(1) << (64 - HLC_COUNTER_BITS)) - 1)

uint64_t
hlc_make(uint64_t ms, uint16_t counter)
{
	return (ms & HLC_MS_MASK) << HLC_COUNTER_BITS | counter;
}

uint64_t
hlc_ms(uint64_t h)
{
	return h >> HLC_COUNTER_BITS;
}

uint16_t
hlc_counter(uint64_t h)
{
	return (uint16_t)(h & 0xffff);
}

uint64_t
hlc_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The next timestamp after floor: the wall clock if it is ahead, else
 * floor + 1. A full counter carries into the milliseconds, which keeps the
 * clock monotonic; the largest timestamp saturates.
 */
static uint64_t
hlc_after(uint64_t floor, uint64_t wall_ms)
{
	uint64_t w = hlc_make(wall_ms, 0);

	if (w > floor)
		return w;
	if (floor == UINT64_MAX)
		return floor;
	return floor + 1;
}

uint64_t
hlc_tick(uint64_t last, uint64_t wall_ms)
{
	return hlc_after(last, wall_ms);
}

uint64_t
hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms)
{
	return hlc_after(last > remote ? last : remote, wall_ms);
}

int
hlc_version_cmp(uint64_t a_hlc, const char *a_device, uint64_t b_hlc,
                const char *b_device)
{
	int c;

	if (a_hlc != b_hlc)
		return a_hlc < b_hlc ? -1 : 1;
	c = strcmp(a_device != NULL ? a_device : "",
	           b_device != NULL ? b_device : "");
	return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
