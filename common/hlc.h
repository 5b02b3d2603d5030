/*
 * Hybrid logical clock and the merge rule. A timestamp is 64 bits: the upper
 * 48 are wall-clock milliseconds since the epoch, the lower 16 a counter.
 */
#ifndef CAIRN_HLC_H
#define CAIRN_HLC_H

#include <stdint.h>

#define HLC_COUNTER_BITS 16

uint64_t hlc_make(uint64_t ms, uint16_t counter);
uint64_t hlc_ms(uint64_t h);
uint16_t hlc_counter(uint64_t h);
/* Wall clock in milliseconds (CLOCK_REALTIME). */
uint64_t hlc_wall_ms(void);
/* Timestamp for a local event after last, at wall time wall_ms. */
uint64_t hlc_tick(uint64_t last, uint64_t wall_ms);
/* Clock after observing remote: greater than both last and remote. */
uint64_t hlc_observe(uint64_t last, uint64_t remote, uint64_t wall_ms);
/*
 * The merge rule: orders two versions of one record by HLC, then by device
 * id (strcmp). Returns <0, 0 or >0 like strcmp; the greater one wins.
 */
int hlc_version_cmp(uint64_t a_hlc, const char *a_device, uint64_t b_hlc,
                    const char *b_device);

#endif
