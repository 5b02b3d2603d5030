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
