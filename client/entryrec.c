/*
 * Check-ins as records: packing an Entry into a record's body and back,
 * and Entries the commands build field by field. A built Entry owns every
 * string and array with malloc; free it with entryrec_free_built, never
 * with the protobuf-c unpacked destructor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"

Cairn__Entry *
entryrec_unpack(const struct rec *r)
{
	if (r == NULL || r->deleted || r->kind != CAIRN__KIND__KIND_ENTRY)
		return NULL;
	return cairn__entry__unpack(NULL, r->body_len,
	                            r->body != NULL ? r->body
	                                            : (const uint8_t *)"");
}

int
entryrec_pack(struct rec *r, const Cairn__Entry *e)
{
	uint8_t *body;
	size_t len;

	len = cairn__entry__get_packed_size(e);
	body = malloc(len > 0 ? len : 1);
	if (body == NULL)
		return CAIRN_ENOMEM;
	cairn__entry__pack(e, body);
	free(r->body);
	r->body = body;
	r->body_len = len;
	r->at = e->started_at;
	return CAIRN_OK;
}

void
entryrec_free_built(Cairn__Entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->activity);
	free(e->text);
	free(e->item);
	for (i = 0; i < e->n_skills; i++)
		free(e->skills[i]);
	free(e->skills);
	for (i = 0; i < e->n_metrics; i++) {
		if (e->metrics[i] != NULL)
			free(e->metrics[i]->key);
		free(e->metrics[i]);
	}
	free(e->metrics);
	free(e);
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

Cairn__Entry *
entryrec_copy(const Cairn__Entry *e)
{
	Cairn__Entry *c;
	size_t i;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	cairn__entry__init(c);
	c->started_at = e->started_at;
	c->utc_offset = e->utc_offset;
	c->minutes = e->minutes;
	c->limit_minutes = e->limit_minutes;
	c->beaten = e->beaten;
	c->activity = dup_or_empty(e->activity);
	c->text = dup_or_empty(e->text);
	c->item = dup_or_empty(e->item);
	if (c->activity == NULL || c->text == NULL || c->item == NULL)
		goto fail;
	if (e->n_skills > 0) {
		c->skills = calloc(e->n_skills, sizeof(*c->skills));
		if (c->skills == NULL)
			goto fail;
		for (i = 0; i < e->n_skills; i++) {
			c->skills[i] = dup_or_empty(e->skills[i]);
			if (c->skills[i] == NULL)
				goto fail;
			c->n_skills++;
		}
	}
	if (e->n_metrics > 0) {
		c->metrics = calloc(e->n_metrics, sizeof(*c->metrics));
		if (c->metrics == NULL)
			goto fail;
		for (i = 0; i < e->n_metrics; i++) {
			c->metrics[i] = calloc(1, sizeof(Cairn__Metric));
			if (c->metrics[i] == NULL)
				goto fail;
			c->n_metrics++;
			cairn__metric__init(c->metrics[i]);
			c->metrics[i]->value = e->metrics[i]->value;
			c->metrics[i]->key = dup_or_empty(e->metrics[i]->key);
			if (c->metrics[i]->key == NULL)
				goto fail;
		}
	}
	return c;
fail:
	entryrec_free_built(c);
	return NULL;
}

int
rec_derive(struct rec *r)
{
	const uint8_t *b = r->body != NULL ? r->body : (const uint8_t *)"";
	Cairn__Entry *e;
	Cairn__Comment *cm;
	Cairn__Review *rv;
	Cairn__Prediction *pr;

	r->target[0] = '\0';
	if (r->deleted)
		return CAIRN_OK; /* a tombstone keeps nothing to look up */
	switch (r->kind) {
	case CAIRN__KIND__KIND_ENTRY:
		if ((e = cairn__entry__unpack(NULL, r->body_len, b)) == NULL)
			return CAIRN_EPROTO;
		r->at = e->started_at;
		cairn__entry__free_unpacked(e, NULL);
		return CAIRN_OK;
	case CAIRN__KIND__KIND_COMMENT:
		if ((cm = cairn__comment__unpack(NULL, r->body_len, b)) == NULL)
			return CAIRN_EPROTO;
		r->at = cm->at;
		if (cm->target[0] != '\0')
			snprintf(r->target, sizeof(r->target), "%.36s",
			         cm->target);
		else
			snprintf(r->target, sizeof(r->target), "week:%.8s",
			         cm->week);
		cairn__comment__free_unpacked(cm, NULL);
		return CAIRN_OK;
	case CAIRN__KIND__KIND_REVIEW:
		if ((rv = cairn__review__unpack(NULL, r->body_len, b)) == NULL)
			return CAIRN_EPROTO;
		r->at = rv->at;
		snprintf(r->target, sizeof(r->target), "week:%.8s", rv->week);
		cairn__review__free_unpacked(rv, NULL);
		return CAIRN_OK;
	case CAIRN__KIND__KIND_PREDICTION:
		if ((pr = cairn__prediction__unpack(NULL, r->body_len, b)) ==
		    NULL)
			return CAIRN_EPROTO;
		r->at = pr->at;
		snprintf(r->target, sizeof(r->target), "week:%.8s", pr->week);
		cairn__prediction__free_unpacked(pr, NULL);
		return CAIRN_OK;
	default:
		return CAIRN_OK;
	}
}

int
rec_pack_body(struct rec *r, const ProtobufCMessage *m)
{
	uint8_t *body;
	size_t len;

	len = protobuf_c_message_get_packed_size(m);
	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		return CAIRN_ENOMEM;
	protobuf_c_message_pack(m, body);
	free(r->body);
	r->body = body;
	r->body_len = len;
	return rec_derive(r);
}

/*
 * Per-field clocks and the merge of two versions of one entry
 * (SYNC-CASES 14, docs/sync.md "Per-field merge").
 */

void
entryrec_clocks(const Cairn__Entry *e, uint64_t hlc, struct entry_clocks *c)
{
	const Cairn__Entry__FieldClock *fc;
	size_t i;
	int f;

	for (f = 0; f <= ENTRY_FIELDS; f++) {
		c->hlc[f] = hlc;
		c->base[f] = 0;
	}
	/* Not written for this version: an older client's whole record. */
	if (e == NULL || e->clocks_for != hlc)
		return;
	for (i = 0; i < e->n_clocks; i++) {
		fc = e->clocks[i];
		if (fc == NULL || fc->field < 1 || fc->field > ENTRY_FIELDS)
			continue;
		c->hlc[fc->field] = fc->hlc;
		c->base[fc->field] = fc->replaced;
	}
}

static int
str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
entryrec_field_equal(const Cairn__Entry *a, int apriv, const Cairn__Entry *b,
                     int bpriv, int f)
{
	size_t i;

	switch (f) {
	case ENTRY_FIELD_DURATION:
		return a->minutes == b->minutes &&
		       a->limit_minutes == b->limit_minutes &&
		       !a->beaten == !b->beaten;
	case ENTRY_FIELD_ACTIVITY:
		return str_eq(a->activity, b->activity);
	case ENTRY_FIELD_TEXT:
		return str_eq(a->text, b->text);
	case ENTRY_FIELD_WHEN:
		return a->started_at == b->started_at &&
		       a->utc_offset == b->utc_offset;
	case ENTRY_FIELD_ITEM:
		return str_eq(a->item, b->item);
	case ENTRY_FIELD_SKILLS:
		if (a->n_skills != b->n_skills)
			return 0;
		for (i = 0; i < a->n_skills; i++)
			if (!str_eq(a->skills[i], b->skills[i]))
				return 0;
		return 1;
	case ENTRY_FIELD_METRICS:
		if (a->n_metrics != b->n_metrics)
			return 0;
		for (i = 0; i < a->n_metrics; i++)
			if (!str_eq(a->metrics[i]->key, b->metrics[i]->key) ||
			    a->metrics[i]->value != b->metrics[i]->value)
				return 0;
		return 1;
	case ENTRY_FIELD_PRIVATE:
		return !apriv == !bpriv;
	default:
		return 1;
	}
}

/* Points field f of the view dst at src's (borrowed). */
static void
field_borrow(Cairn__Entry *dst, const Cairn__Entry *src, int f)
{
	switch (f) {
	case ENTRY_FIELD_DURATION:
		dst->minutes = src->minutes;
		dst->limit_minutes = src->limit_minutes;
		dst->beaten = src->beaten;
		break;
	case ENTRY_FIELD_ACTIVITY:
		dst->activity = src->activity;
		break;
	case ENTRY_FIELD_TEXT:
		dst->text = src->text;
		break;
	case ENTRY_FIELD_WHEN:
		dst->started_at = src->started_at;
		dst->utc_offset = src->utc_offset;
		break;
	case ENTRY_FIELD_ITEM:
		dst->item = src->item;
		break;
	case ENTRY_FIELD_SKILLS:
		dst->n_skills = src->n_skills;
		dst->skills = src->skills;
		break;
	case ENTRY_FIELD_METRICS:
		dst->n_metrics = src->n_metrics;
		dst->metrics = src->metrics;
		break;
	default: /* private is the record's flag */
		break;
	}
}

int
entryrec_pack_clocks(struct rec *r, const Cairn__Entry *e,
                     const Cairn__Entry *src, unsigned mask,
                     const struct entry_clocks *c, uint64_t marker)
{
	Cairn__Entry__FieldClock fcs[ENTRY_FIELDS], *ptrs[ENTRY_FIELDS];
	Cairn__Entry v = *e; /* a view: every pointer borrowed */
	size_t n = 0;
	int f;

	for (f = 1; f <= ENTRY_FIELDS; f++) {
		if (src != NULL && (mask & (1u << f)))
			field_borrow(&v, src, f);
		/* A field that changed in this version goes unlisted. */
		if (c->hlc[f] == marker && c->base[f] == 0)
			continue;
		cairn__entry__field_clock__init(&fcs[n]);
		fcs[n].field = (uint32_t)f;
		fcs[n].hlc = c->hlc[f];
		fcs[n].replaced = c->base[f];
		ptrs[n] = &fcs[n];
		n++;
	}
	v.n_clocks = n;
	v.clocks = n > 0 ? ptrs : NULL;
	v.clocks_for = marker;
	return entryrec_pack(r, &v);
}

void
entryrec_merge(const Cairn__Entry *loc, const struct rec *lr, unsigned own,
               const Cairn__Entry *in, const struct rec *ir,
               struct entry_merge *m)
{
	struct entry_clocks cl, ci;
	unsigned bit;
	int f, cmp, win;

	memset(m, 0, sizeof(*m));
	entryrec_clocks(loc, lr->hlc, &cl);
	entryrec_clocks(in, ir->hlc, &ci);
	cmp = hlc_version_cmp(ir->hlc, ir->device, lr->hlc, lr->device);
	for (f = 1; f <= ENTRY_FIELDS; f++) {
		bit = 1u << f;
		win = ci.hlc[f] > cl.hlc[f] ||
		      (ci.hlc[f] == cl.hlc[f] && cmp > 0);
		if (!win) {
			m->c.hlc[f] = cl.hlc[f];
			m->c.base[f] = cl.base[f];
			if (!entryrec_field_equal(loc, lr->priv, in, ir->priv,
			                          f))
				m->take_loc |= bit;
			continue;
		}
		m->c.hlc[f] = ci.hlc[f];
		m->c.base[f] = ci.base[f];
		m->from_in |= bit;
		if (entryrec_field_equal(loc, lr->priv, in, ir->priv, f))
			continue;
		m->take_in |= bit;
		/* Ours, and the writer had not seen it: an edit lost. */
		if ((own & bit) && ci.base[f] < cl.hlc[f])
			m->lost |= bit;
	}
	m->priv = (m->from_in & (1u << ENTRY_FIELD_PRIVATE)) ? ir->priv
	                                                     : lr->priv;
}
