/*
 * Login failure counters with a fixed memory ceiling: a table of slots,
 * each a key and the failures counted in a fixed window that starts at the
 * first failure. When the table is full the slot whose window started
 * longest ago is reused, so an attacker spraying keys can only push out
 * old entries, never grow memory.
 */
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"

struct rl_slot {
	char key[RATELIMIT_KEY_MAX + 1];
	int64_t start; /* window start, unix seconds */
	unsigned fails;
	int used;
};

struct ratelimit {
	struct rl_slot *slots; /* owned, nslots long */
	size_t nslots;
	unsigned max_fails;
	unsigned window;
};

struct ratelimit *
ratelimit_new(size_t slots, unsigned max_fails, unsigned window_s)
{
	struct ratelimit *rl;

	if (slots == 0 || slots > 1000000 ||
	    (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if ((rl->slots = calloc(slots, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->nslots = slots;
	rl->max_fails = max_fails;
	rl->window = window_s;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

/* Keys longer than the slot are cut; they still separate well enough. */
static struct rl_slot *
rl_find(struct ratelimit *rl, const char *key)
{
	size_t i;

	for (i = 0; i < rl->nslots; i++) {
		if (rl->slots[i].used &&
		    strncmp(rl->slots[i].key, key, RATELIMIT_KEY_MAX) == 0)
			return &rl->slots[i];
	}
	return NULL;
}

int
ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_slot *s = rl_find(rl, key);

	if (s == NULL || now - s->start >= (int64_t)rl->window)
		return 0;
	return s->fails >= rl->max_fails;
}

void
ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now)
{
	struct rl_slot *s = rl_find(rl, key), *old = NULL;
	size_t i;

	if (s == NULL) {
		for (i = 0; i < rl->nslots; i++) {
			if (!rl->slots[i].used) {
				s = &rl->slots[i];
				break;
			}
			if (old == NULL || rl->slots[i].start < old->start)
				old = &rl->slots[i];
		}
		if (s == NULL)
			s = old;
		memset(s, 0, sizeof(*s));
		strncpy(s->key, key, RATELIMIT_KEY_MAX);
		s->used = 1;
		s->start = now;
	}
	if (now - s->start >= (int64_t)rl->window) {
		s->start = now;
		s->fails = 0;
	}
	if (s->fails < rl->max_fails * 2 + 1)
		s->fails++;
}

void
ratelimit_clear(struct ratelimit *rl, const char *key)
{
	struct rl_slot *s = rl_find(rl, key);

	if (s != NULL)
		memset(s, 0, sizeof(*s));
}
