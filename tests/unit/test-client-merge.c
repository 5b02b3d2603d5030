/*
 * Unit tests of the per-field merge of check-ins (SYNC-CASES 14): the
 * field clocks (client/entryrec.c), how the store sets them at write time
 * and moves them on re-stamping, the merge of a pulled version with a
 * local one (client/store/store-sync.c), the server's check of the clocks
 * (common/entry.c), and the undo journal (client/store/store-undo.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"

#define ID_E "eeeeee11-0000-4000-8000-000000000001"
#define ID_F "ffffff22-0000-4000-8000-000000000002"
#define DEV_L "11111111-0000-4000-8000-00000000000a"
#define DEV_D "22222222-0000-4000-8000-00000000000b"
#define BIT(f) (1u << (f))

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-client-merge-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cairn.db", f->dir);
	assert_int_equal(store_open(f->path, 0, &f->st, NULL), CAIRN_OK);
	assert_int_equal(store_meta_set(f->st, "handle", "alice"), CAIRN_OK);
	assert_int_equal(store_meta_set(f->st, "device_id", DEV_L), CAIRN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* An Entry with the given values (borrowed strings). */
static Cairn__Entry
entry(uint32_t minutes, const char *activity, const char *text)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;

	e.started_at = 1764000000;
	e.minutes = minutes;
	e.activity = (char *)activity;
	e.text = (char *)text;
	e.item = (char *)"";
	return e;
}

/* Writes a local version of id with e's values; returns its hlc. */
static uint64_t
put_entry(struct store *st, const char *id, const Cairn__Entry *e, int priv)
{
	struct rec r;
	uint64_t hlc;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.priv = priv;
	assert_int_equal(entryrec_pack(&r, e), CAIRN_OK);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	hlc = r.hlc;
	rec_release(&r);
	return hlc;
}

/* The head of id, its body unpacked into *e, its clocks into *c. */
static struct rec
head(struct store *st, const char *id, Cairn__Entry **e, struct entry_clocks *c)
{
	struct rec r;

	assert_int_equal(store_head(st, id, &r), CAIRN_OK);
	*e = entryrec_unpack(&r);
	assert_non_null(*e);
	entryrec_clocks(*e, r.hlc, c);
	return r;
}

/* A version as another device would have written it: e's values with
 * clocks c for hlc (NULL: an older client, no clocks at all). */
static struct rec
remote(const char *id, uint64_t hlc, const char *device, const Cairn__Entry *e,
       const struct entry_clocks *c)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.owner, sizeof(r.owner), "alice");
	snprintf(r.subject, sizeof(r.subject), "alice");
	snprintf(r.device, sizeof(r.device), "%s", device);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.hlc = hlc;
	if (c != NULL)
		assert_int_equal(entryrec_pack_clocks(&r, e, NULL, 0, c, hlc),
		                 CAIRN_OK);
	else
		assert_int_equal(entryrec_pack(&r, e), CAIRN_OK);
	return r;
}

struct lost {
	int n;
	int field;
	char device[CLI_DEVICE_MAX + 1];
};

static void
on_lost(void *arg, const char *id, int field, const char *device)
{
	struct lost *l = arg;

	(void)id;
	l->n++;
	l->field = field;
	snprintf(l->device, sizeof(l->device), "%s", device);
}

static int
pull(struct store *st, const struct rec *r, struct lost *l, uint64_t *merged)
{
	struct store_batch b;

	memset(&b, 0, sizeof(b));
	b.recs = r;
	b.n = 1;
	b.me = "alice";
	b.cursor = 1;
	b.epoch = "e";
	b.lost = l != NULL ? on_lost : NULL;
	b.lost_arg = l;
	b.merged = merged;
	return store_apply_pull(st, &b, NULL, NULL);
}

/* A body without clocks for its version reads as all changed then. */
static void
test_clocks_read(void **state)
{
	Cairn__Entry e = entry(30, "drill", "x");
	Cairn__Entry__FieldClock fc = CAIRN__ENTRY__FIELD_CLOCK__INIT;
	Cairn__Entry__FieldClock *fcs[1] = {&fc};
	struct entry_clocks c;
	int f;

	(void)state;
	entryrec_clocks(&e, 500, &c);
	for (f = 1; f <= ENTRY_FIELDS; f++) {
		assert_int_equal(c.hlc[f], 500);
		assert_int_equal(c.base[f], 0);
	}
	fc.field = ENTRY_FIELD_TEXT;
	fc.hlc = 300;
	fc.replaced = 100;
	e.n_clocks = 1;
	e.clocks = fcs;
	e.clocks_for = 500;
	entryrec_clocks(&e, 500, &c);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], 300);
	assert_int_equal(c.base[ENTRY_FIELD_TEXT], 100);
	assert_int_equal(c.hlc[ENTRY_FIELD_DURATION], 500);
	/* Carried along by an older client under a new version. */
	entryrec_clocks(&e, 900, &c);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], 900);
	assert_int_equal(c.base[ENTRY_FIELD_TEXT], 0);
}

/* entryrec_merge of two stored versions, their bodies unpacked. */
static void
merge_recs(const struct rec *lr, unsigned own, const struct rec *ir,
           struct entry_merge *m)
{
	Cairn__Entry *le = entryrec_unpack(lr), *ie = entryrec_unpack(ir);

	assert_non_null(le);
	assert_non_null(ie);
	entryrec_merge(le, lr, own, ie, ir, m);
	cairn__entry__free_unpacked(le, NULL);
	cairn__entry__free_unpacked(ie, NULL);
}

/* Different fields: each side keeps its own; same field: clock, then
 * version order; lost only for an own field written unseen. */
static void
test_merge_fields(void **state)
{
	Cairn__Entry l = entry(30, "drill", "laptop");
	Cairn__Entry d = entry(45, "drill", "base");
	struct entry_clocks cl, cd;
	struct entry_merge m;
	struct rec lr, dr;
	int f;

	(void)state;
	for (f = 0; f <= ENTRY_FIELDS; f++) {
		cl.hlc[f] = cd.hlc[f] = 100;
		cl.base[f] = cd.base[f] = 0;
	}
	cl.hlc[ENTRY_FIELD_TEXT] = 200;
	cl.base[ENTRY_FIELD_TEXT] = 100;
	cd.hlc[ENTRY_FIELD_DURATION] = 300;
	cd.base[ENTRY_FIELD_DURATION] = 100;
	lr = remote(ID_E, 200, DEV_L, &l, &cl);
	dr = remote(ID_E, 300, DEV_D, &d, &cd);
	merge_recs(&lr, BIT(ENTRY_FIELD_TEXT), &dr, &m);
	assert_int_equal(m.take_in, BIT(ENTRY_FIELD_DURATION));
	assert_int_equal(m.take_loc, BIT(ENTRY_FIELD_TEXT));
	assert_int_equal(m.lost, 0);
	assert_int_equal(m.c.hlc[ENTRY_FIELD_TEXT], 200);
	assert_int_equal(m.c.hlc[ENTRY_FIELD_DURATION], 300);
	/* The same field, concurrently: the greater clock wins, and the
	 * loser, who wrote it, is told. */
	d.text = (char *)"desktop";
	cd.hlc[ENTRY_FIELD_TEXT] = 300;
	cd.base[ENTRY_FIELD_TEXT] = 100;
	rec_release(&dr);
	dr = remote(ID_E, 300, DEV_D, &d, &cd);
	merge_recs(&lr, BIT(ENTRY_FIELD_TEXT), &dr, &m);
	assert_int_equal(m.take_in,
	                 BIT(ENTRY_FIELD_DURATION) | BIT(ENTRY_FIELD_TEXT));
	assert_int_equal(m.take_loc, 0);
	assert_int_equal(m.lost, BIT(ENTRY_FIELD_TEXT));
	/* Not ours: nothing to say. */
	merge_recs(&lr, 0, &dr, &m);
	assert_int_equal(m.lost, 0);
	/* Sequential: the desktop had seen the laptop's text (base 200). */
	cd.base[ENTRY_FIELD_TEXT] = 200;
	rec_release(&dr);
	dr = remote(ID_E, 300, DEV_D, &d, &cd);
	merge_recs(&lr, BIT(ENTRY_FIELD_TEXT), &dr, &m);
	assert_int_equal(m.lost, 0);
	assert_true(m.take_in & BIT(ENTRY_FIELD_TEXT));
	/* A tie of field clocks goes to the greater version. */
	cd.hlc[ENTRY_FIELD_TEXT] = 200;
	cd.base[ENTRY_FIELD_TEXT] = 100;
	rec_release(&dr);
	dr = remote(ID_E, 300, DEV_D, &d, &cd);
	merge_recs(&lr, 0, &dr, &m);
	assert_true(m.take_in & BIT(ENTRY_FIELD_TEXT));
	merge_recs(&dr, 0, &lr, &m);
	assert_true(m.take_loc & BIT(ENTRY_FIELD_TEXT));
	rec_release(&lr);
	rec_release(&dr);
}

/* The store bumps the clocks of changed fields only. */
static void
test_put_stamps(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first"), *u;
	struct entry_clocks c;
	uint64_t h1, h2, h3;
	struct rec r;
	int i;

	h1 = put_entry(f->st, ID_E, &e, 0);
	r = head(f->st, ID_E, &u, &c);
	assert_int_equal(u->clocks_for, h1);
	assert_int_equal(u->n_clocks, 0); /* a new entry lists none */
	assert_int_equal(r.own, ENTRY_FIELDS_ALL);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);

	e.text = (char *)"second";
	h2 = put_entry(f->st, ID_E, &e, 0);
	r = head(f->st, ID_E, &u, &c);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], h2);
	assert_int_equal(c.base[ENTRY_FIELD_TEXT], h1);
	for (i = 1; i <= ENTRY_FIELDS; i++)
		if (i != ENTRY_FIELD_TEXT)
			assert_int_equal(c.hlc[i], h1);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);

	/* Nothing changed: no clock moves (only the version's). */
	h3 = put_entry(f->st, ID_E, &e, 0);
	r = head(f->st, ID_E, &u, &c);
	assert_true(h3 > h2);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], h2);
	assert_int_equal(c.hlc[ENTRY_FIELD_DURATION], h1);
	assert_int_equal(entry_validate_clocks(u, NULL, 0), CAIRN_OK);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);

	/* private is a field too. */
	put_entry(f->st, ID_E, &e, 1);
	r = head(f->st, ID_E, &u, &c);
	assert_int_equal(c.hlc[ENTRY_FIELD_PRIVATE], r.hlc);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], h2);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);
}

/* A pulled version of another field merges into a new dirty version. */
static void
test_pull_merges(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first"), *u;
	struct entry_clocks c, rc;
	struct lost l = {0};
	uint64_t h1, h2, merged = 0;
	struct rec r, in;

	h1 = put_entry(f->st, ID_E, &e, 0);
	/* The server has it: clean. */
	assert_int_equal(store_set_clean(f->st, ID_E), CAIRN_OK);
	e.text = (char *)"laptop";
	h2 = put_entry(f->st, ID_E, &e, 0);
	/* The desktop changed the duration, later. */
	entryrec_clocks(NULL, h1, &rc);
	rc.hlc[ENTRY_FIELD_DURATION] = h2 + 10;
	rc.base[ENTRY_FIELD_DURATION] = h1;
	e.text = (char *)"first";
	e.minutes = 45;
	in = remote(ID_E, h2 + 10, DEV_D, &e, &rc);
	assert_int_equal(pull(f->st, &in, &l, &merged), CAIRN_OK);
	assert_int_equal(merged, 1);
	assert_int_equal(l.n, 0);
	r = head(f->st, ID_E, &u, &c);
	assert_string_equal(u->text, "laptop");
	assert_int_equal(u->minutes, 45);
	assert_int_equal(r.dirty, 1);
	assert_string_equal(r.device, DEV_L);
	assert_true(r.hlc > h2 + 10);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], h2);
	assert_int_equal(c.hlc[ENTRY_FIELD_DURATION], h2 + 10);
	assert_int_equal(entry_validate_clocks(u, NULL, 0), CAIRN_OK);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&in);

	/* The desktop, pulling that merge, takes it as it is. */
	in = r;
	snprintf(in.device, sizeof(in.device), "%s", DEV_D);
	in.hlc = r.hlc + 5; /* as if another device sent it on */
	u = entryrec_unpack(&r);
	entryrec_clocks(u, r.hlc, &c);
	in.body = NULL;
	in.body_len = 0;
	assert_int_equal(entryrec_pack_clocks(&in, u, NULL, 0, &c, in.hlc),
	                 CAIRN_OK);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);
	merged = 0;
	assert_int_equal(pull(f->st, &in, &l, &merged), CAIRN_OK);
	assert_int_equal(merged, 0);
	assert_int_equal(store_head(f->st, ID_E, &r), CAIRN_OK);
	assert_int_equal(r.hlc, in.hlc);
	assert_int_equal(r.dirty, 0);
	rec_release(&r);
	rec_release(&in);
}

/* A same-field edit written unseen is said; an older client's whole
 * record wins every field it is later in. */
static void
test_pull_lost_and_old_client(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first"), *u;
	struct entry_clocks c, rc;
	struct lost l = {0};
	uint64_t h1, h2, merged = 0;
	struct rec r, in;

	h1 = put_entry(f->st, ID_E, &e, 0);
	assert_int_equal(store_set_clean(f->st, ID_E), CAIRN_OK);
	e.text = (char *)"laptop";
	h2 = put_entry(f->st, ID_E, &e, 0);
	entryrec_clocks(NULL, h1, &rc);
	rc.hlc[ENTRY_FIELD_TEXT] = h2 + 10;
	rc.base[ENTRY_FIELD_TEXT] = h1;
	e.text = (char *)"desktop";
	in = remote(ID_E, h2 + 10, DEV_D, &e, &rc);
	/* Nobody to tell (a live event): left for the next sync. */
	assert_int_equal(pull(f->st, &in, NULL, &merged), CAIRN_OK);
	assert_int_equal(store_head(f->st, ID_E, &r), CAIRN_OK);
	assert_int_equal(r.hlc, h2);
	rec_release(&r);
	assert_int_equal(pull(f->st, &in, &l, &merged), CAIRN_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.field, ENTRY_FIELD_TEXT);
	assert_string_equal(l.device, DEV_D);
	assert_int_equal(merged, 0);
	r = head(f->st, ID_E, &u, &c);
	assert_string_equal(u->text, "desktop");
	assert_int_equal(r.hlc, h2 + 10);
	assert_int_equal(r.dirty, 0);
	assert_false(r.own & BIT(ENTRY_FIELD_TEXT));
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);
	rec_release(&in);

	/* An older client's version: no clocks, whole record. */
	e.minutes = 90;
	put_entry(f->st, ID_E, &e, 0);
	e.minutes = 20;
	e.text = (char *)"old client";
	memset(&l, 0, sizeof(l));
	in = remote(ID_E, h2 + ((uint64_t)60000 << 16), DEV_D, &e, NULL);
	assert_int_equal(pull(f->st, &in, &l, &merged), CAIRN_OK);
	assert_int_equal(merged, 0);
	assert_int_equal(l.n, 1); /* the duration we had just changed */
	assert_int_equal(l.field, ENTRY_FIELD_DURATION);
	r = head(f->st, ID_E, &u, &c);
	assert_int_equal(u->minutes, 20);
	assert_string_equal(u->text, "old client");
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);
	rec_release(&in);
}

/* A tombstone is still a whole-record version. */
static void
test_pull_whole_record(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first");
	struct lost l = {0};
	uint64_t h1, merged = 0;
	struct rec r, in;

	h1 = put_entry(f->st, ID_E, &e, 0);
	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), ID_E);
	snprintf(in.owner, sizeof(in.owner), "alice");
	snprintf(in.device, sizeof(in.device), DEV_D);
	in.kind = CAIRN__KIND__KIND_ENTRY;
	in.hlc = h1 + 10;
	in.deleted = 1;
	assert_int_equal(pull(f->st, &in, &l, &merged), CAIRN_OK);
	assert_int_equal(store_head(f->st, ID_E, &r), CAIRN_OK);
	assert_true(r.deleted);
	assert_int_equal(merged, 0);
	rec_release(&r);
}

/* Re-stamping moves the clocks of the version with it. */
static void
test_restamp_clocks(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first"), *u;
	struct entry_clocks c;
	uint64_t h1, h2;
	struct rec r;
	size_t n = 0;

	h1 = put_entry(f->st, ID_E, &e, 0);
	assert_int_equal(store_set_clean(f->st, ID_E), CAIRN_OK);
	e.text = (char *)"second";
	h2 = put_entry(f->st, ID_E, &e, 0);
	assert_int_equal(store_restamp(f->st, DEV_D, &n), CAIRN_OK);
	assert_int_equal(n, 1);
	r = head(f->st, ID_E, &u, &c);
	assert_true(r.hlc > h2);
	assert_string_equal(r.device, DEV_D);
	assert_int_equal(u->clocks_for, r.hlc);
	assert_int_equal(c.hlc[ENTRY_FIELD_TEXT], r.hlc);
	assert_int_equal(c.base[ENTRY_FIELD_TEXT], h1);
	assert_int_equal(c.hlc[ENTRY_FIELD_ACTIVITY], h1);
	assert_int_equal(entry_validate_clocks(u, NULL, 0), CAIRN_OK);
	cairn__entry__free_unpacked(u, NULL);
	rec_release(&r);
}

/* The server refuses clocks that make no sense. */
static void
test_validate_clocks(void **state)
{
	Cairn__Entry e = entry(30, "drill", "x");
	Cairn__Entry__FieldClock a = CAIRN__ENTRY__FIELD_CLOCK__INIT,
	                         b = CAIRN__ENTRY__FIELD_CLOCK__INIT;
	Cairn__Entry__FieldClock *fcs[9];
	char why[200];
	size_t i;

	(void)state;
	a.field = ENTRY_FIELD_TEXT;
	a.hlc = 400;
	a.replaced = 300;
	b = a;
	fcs[0] = &a;
	fcs[1] = &b;
	e.clocks = fcs;
	e.clocks_for = 500;
	e.n_clocks = 1;
	assert_int_equal(entry_validate(&e, 1764000000, why, sizeof(why)),
	                 CAIRN_OK);
	e.n_clocks = 2;
	assert_int_equal(entry_validate(&e, 1764000000, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field clocks: text given twice");
	b.field = 9;
	assert_int_equal(entry_validate_clocks(&e, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field clocks: unknown field");
	e.n_clocks = 1;
	a.hlc = 600;
	assert_int_equal(entry_validate_clocks(&e, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field clocks: text's clock is out of order");
	a.hlc = 400;
	a.replaced = 400;
	assert_int_equal(entry_validate_clocks(&e, why, sizeof(why)),
	                 CAIRN_EINVAL);
	for (i = 0; i < 9; i++)
		fcs[i] = &a;
	e.n_clocks = 9;
	assert_int_equal(entry_validate_clocks(&e, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field clocks: at most 8 allowed");
}

/* One transaction, one group; undo's own writes are not journaled; the
 * journal keeps the last STORE_UNDO_GROUPS groups. */
static void
test_journal(void **state)
{
	struct fixture *f = *state;
	Cairn__Entry e = entry(30, "drill", "first"), *u;
	struct undo_item *items = NULL;
	size_t n = 0;
	int64_t grp, first;
	struct rec r;
	int i;

	assert_int_equal(store_undo_last(f->st, &grp, &items, &n),
	                 CAIRN_ENOTFOUND);
	put_entry(f->st, ID_E, &e, 0);
	assert_int_equal(store_undo_last(f->st, &first, &items, &n), CAIRN_OK);
	assert_int_equal(n, 1);
	assert_false(items[0].existed);
	assert_int_equal(items[0].fields, ENTRY_FIELDS_ALL);
	store_undo_free(items, n);

	/* Two writes in one command's transaction: one group. */
	assert_int_equal(store_begin(f->st), CAIRN_OK);
	e.text = (char *)"second";
	put_entry(f->st, ID_E, &e, 0);
	put_entry(f->st, ID_F, &e, 0);
	e.text = (char *)"third";
	put_entry(f->st, ID_E, &e, 0); /* the same record again */
	assert_int_equal(store_end(f->st, CAIRN_OK), CAIRN_OK);
	assert_int_equal(store_undo_last(f->st, &grp, &items, &n), CAIRN_OK);
	assert_int_equal(grp, first + 1);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID_E);
	assert_true(items[0].existed);
	u = entryrec_unpack(&items[0].prev);
	assert_non_null(u);
	assert_string_equal(u->text, "first"); /* the first previous state */
	cairn__entry__free_unpacked(u, NULL);
	u = entryrec_unpack(&items[0].after);
	assert_non_null(u);
	assert_string_equal(u->text, "third"); /* the last version */
	cairn__entry__free_unpacked(u, NULL);
	assert_int_equal(items[0].fields, BIT(ENTRY_FIELD_TEXT));
	assert_false(items[1].existed);
	store_undo_free(items, n);

	/* Rolled back: nothing journaled either. */
	assert_int_equal(store_begin(f->st), CAIRN_OK);
	put_entry(f->st, ID_E, &e, 0);
	store_rollback(f->st);
	assert_int_equal(store_undo_last(f->st, &grp, &items, &n), CAIRN_OK);
	assert_int_equal(grp, first + 1);
	store_undo_free(items, n);

	/* Undo's own writes are no change to undo. */
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), ID_F);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.deleted = 1;
	assert_int_equal(store_put_flags(f->st, &r, STORE_PUT_NO_JOURNAL),
	                 CAIRN_OK);
	assert_int_equal(store_undo_last(f->st, &grp, &items, &n), CAIRN_OK);
	assert_int_equal(grp, first + 1);
	store_undo_free(items, n);
	assert_int_equal(store_undo_drop(f->st, grp), CAIRN_OK);
	assert_int_equal(store_undo_last(f->st, &grp, &items, &n), CAIRN_OK);
	assert_int_equal(grp, first);
	store_undo_free(items, n);

	/* Bounded. */
	for (i = 0; i < STORE_UNDO_GROUPS + 5; i++) {
		e.minutes = (uint32_t)(10 + i);
		put_entry(f->st, ID_E, &e, 0);
	}
	for (i = 0; i < STORE_UNDO_GROUPS; i++) {
		assert_int_equal(store_undo_last(f->st, &grp, &items, &n),
		                 CAIRN_OK);
		store_undo_free(items, n);
		assert_int_equal(store_undo_drop(f->st, grp), CAIRN_OK);
	}
	assert_int_equal(store_undo_last(f->st, &grp, &items, &n),
	                 CAIRN_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clocks_read),
	        cmocka_unit_test(test_merge_fields),
	        cmocka_unit_test(test_validate_clocks),
	        cmocka_unit_test_setup_teardown(test_put_stamps, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_pull_merges, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_pull_lost_and_old_client,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pull_whole_record, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_restamp_clocks, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
