/*
 * The rules a device's timer (Timer, KIND_TIMER) must follow, shared by
 * the client (before it stores one, and when it reads one pulled from
 * another device) and the server (before it accepts a push), like
 * entry_validate for check-ins.
 */
#ifndef CAIRN_TIMERREC_H
#define CAIRN_TIMERREC_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.pb-c.h"

#define TIMER_NAME_PREFIX "cairn-timer:" /* + device id: the record's name */

/*
 * Checks t: activity an activity word, text at most ENTRY_TEXT_MAX bytes
 * and item at most ENTRY_ITEM_MAX bytes of UTF-8, started_at after 2000
 * and not after now + 1 day, limit at most DURATION_MAX_MINUTES, a device
 * name of 1..DEVICE_NAME_MAX bytes of UTF-8; a running timer has no end
 * and no entry, a stopped one ended at or after it started, and its entry
 * (if any) is a UUID. CAIRN_OK, or CAIRN_EINVAL with a one-line reason
 * naming the field written to why.
 */
int timerrec_validate(const Cairn__Timer *t, int64_t now, char *why,
                      size_t whylen);

#endif
