/*
 * Attempt counters with a fixed memory ceiling: "at most max attempts per
 * key in any window of window_s seconds", exactly, as a sliding log.
 *
 * Each slot holds a key and the times of its last max attempts (a ring).
 * An attempt is counted when it starts, so parallel attempts cannot all
 * pass the check before the first one fails. Slots live in an open-
 * addressing table probed from the key's hash over at most RL_PROBES
 * slots. A slot is reused only once its newest attempt has left the
 * window (eviction by age): an attacker spraying distinct keys cannot
 * flush the count of a key under attack. When every probed slot is live
 * the new key is refused (fail closed) and the caller logs it.
 */
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"

#define RL_PROBES 64

struct rl_slot {
	char key[RATELIMIT_KEY_MAX + 1];
	int64_t newest; /* newest attempt, unix seconds; 0: free */
	unsigned head;  /* next ring position to write */
	unsigned count; /* attempts in the ring (at most max) */
};

struct ratelimit {
	uint64_t seed;         /* random: keys' slots cannot be aimed at */
	struct rl_slot *slots; /* owned, nslots long */
	int64_t *times;        /* owned, nslots * max: the rings */
	size_t nslots;
	unsigned max;
	unsigned window;
};

struct ratelimit *
ratelimit_new(size_t slots, unsigned max, unsigned window_s)
{
	struct ratelimit *rl;

	if (slots == 0 || slots > 1000000 || max == 0 || max > 100000 ||
	    (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->slots = calloc(slots, sizeof(*rl->slots));
	rl->times = calloc(slots * max, sizeof(*rl->times));
	if (rl->slots == NULL || rl->times == NULL) {
		ratelimit_free(rl);
		return NULL;
	}
	if (secret_random((uint8_t *)&rl->seed, sizeof(rl->seed)) != 0) {
		ratelimit_free(rl);
		return NULL;
	}
	rl->nslots = slots;
	rl->max = max;
	rl->window = window_s;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl->times);
	free(rl);
}

/*
 * FNV-1a over the key as stored (cut to RATELIMIT_KEY_MAX bytes), started
 * from the table's random seed and finished with a 64-bit mixer, so that
 * nobody can compute offline which keys fill a victim's probe window.
 */
static size_t
rl_hash(const struct ratelimit *rl, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ rl->seed;
	size_t i;

	for (i = 0; i < RATELIMIT_KEY_MAX && key[i] != '\0'; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	h ^= rl->seed;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (size_t)h;
}

static int
rl_live(const struct ratelimit *rl, const struct rl_slot *s, int64_t now)
{
	return s->newest != 0 && now - s->newest < (int64_t)rl->window;
}

/*
 * The slot of key, or with create a free or expired slot on its probe
 * path made into key's. NULL when absent (or, with create, no room).
 */
static struct rl_slot *
rl_find(struct ratelimit *rl, const char *key, int64_t now, int create)
{
	struct rl_slot *s, *spare = NULL;
	size_t i, at = rl_hash(rl, key) % rl->nslots;

	for (i = 0; i < RL_PROBES && i < rl->nslots; i++) {
		s = &rl->slots[(at + i) % rl->nslots];
		if (s->newest != 0 &&
		    strncmp(s->key, key, RATELIMIT_KEY_MAX) == 0) {
			if (!rl_live(rl, s, now))
				s->count = 0; /* all of it has expired */
			return s;
		}
		if (spare == NULL && !rl_live(rl, s, now))
			spare = s;
	}
	if (!create || spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	strncpy(spare->key, key, RATELIMIT_KEY_MAX);
	return spare;
}

/* The ring of s. */
static int64_t *
rl_ring(struct ratelimit *rl, const struct rl_slot *s)
{
	return rl->times + (size_t)(s - rl->slots) * rl->max;
}

int
ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_slot *s = rl_find(rl, key, now, 0);
	int64_t oldest;

	if (s == NULL || s->count < rl->max)
		return 0;
	/* The ring is full: its oldest entry is at head. */
	oldest = rl_ring(rl, s)[s->head];
	return now - oldest < (int64_t)rl->window;
}

int
ratelimit_take(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_slot *s;

	if (ratelimit_blocked(rl, key, now))
		return RATELIMIT_BLOCKED;
	if ((s = rl_find(rl, key, now, 1)) == NULL)
		return RATELIMIT_FULL;
	rl_ring(rl, s)[s->head] = now;
	s->head = (s->head + 1) % rl->max;
	if (s->count < rl->max)
		s->count++;
	s->newest = now;
	return RATELIMIT_OK;
}

void
ratelimit_refund(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_slot *s = rl_find(rl, key, now, 0);

	if (s == NULL || s->count == 0)
		return;
	s->head = (s->head + rl->max - 1) % rl->max;
	s->count--;
	if (s->count == 0)
		s->newest = 0;
}
