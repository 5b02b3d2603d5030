/*
 * The parts of the local store only sync uses (docs/sync.md): selecting
 * dirty batches, clearing dirty after an acknowledgement, merging a pulled
 * batch (records and access events, in seq order) together with its cursor
 * in one transaction, backfills of users who became visible, forgetting
 * users who did not stay so, the server-reset path and re-stamping
 * versions written under another device id.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "store-int.h"

/* Rough bytes a record adds to a Push besides its body. */
#define REC_OVERHEAD 160
/* Ids re-stamped per query. */

int
store_dirty_batch(struct store *st, size_t max_n, size_t max_bytes,
                  struct rec **out, size_t *n)
{
	return store_dirty_batch_after(st, 0, max_n, max_bytes, out, n);
}

int
store_dirty_batch_after(struct store *st, size_t skip, size_t max_n,
                        size_t max_bytes, struct rec **out, size_t *n)
{
	/*
	 * Comments and reviews go after everything else, so a comment on an
	 * entry that is not yet pushed reaches the server after its entry.
	 * Two walks of the dirty index rather than one sort of every dirty
	 * row per batch.
	 */
	static const char *const sql[] = {
	        "SELECT " REC_COLUMNS " FROM records WHERE dirty > 0"
	        " AND kind < 4 LIMIT ?1",
	        "SELECT " REC_COLUMNS " FROM records WHERE dirty > 0"
	        " AND kind >= 4 LIMIT ?1",
	};
	sqlite3_stmt *s = NULL;
	struct rec *recs = NULL;
	size_t count = 0, bytes = 0, need, pass, skipped = 0;
	int rc = CAIRN_ESTORAGE, step = SQLITE_DONE, full = 0;

	if (max_n == 0 || max_n > MSG_MAX_BATCH)
		max_n = MSG_MAX_BATCH;
	recs = calloc(max_n, sizeof(*recs));
	if (recs == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (pass = 0; pass < 2 && !full && count < max_n; pass++) {
		if (store_prepare(st, sql[pass], &s))
			goto out;
		sqlite3_bind_int64(
		        s, 1, (sqlite3_int64)(max_n - count + skip - skipped));
		while (count < max_n &&
		       (step = sqlite3_step(s)) == SQLITE_ROW) {
			if (skipped < skip) {
				skipped++; /* in the batch still in flight */
				continue;
			}
			need = (size_t)sqlite3_column_bytes(s, 7) +
			       REC_OVERHEAD;
			if (count > 0 && bytes + need > max_bytes) {
				full = 1;
				break;
			}
			if ((rc = store_row_to_rec(s, &recs[count], 1)) != 0)
				goto out;
			bytes += need;
			count++;
		}
		rc = CAIRN_ESTORAGE;
		if (!full && count < max_n && step != SQLITE_DONE)
			goto out;
		sqlite3_finalize(s);
		s = NULL;
	}
	*out = recs;
	*n = count;
	recs = NULL;
	count = 0;
	rc = CAIRN_OK;
out:
	rec_free_array(recs, count);
	sqlite3_finalize(s);
	return rc;
}

int
store_mark_clean(struct store *st, const struct rec *recs, size_t n,
                 size_t *cleaned)
{
	sqlite3_stmt *s = NULL;
	size_t i, done = 0;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	rc = CAIRN_ESTORAGE;
	if (store_prepare(
	            st,
	            "UPDATE records SET dirty = 0 WHERE id = ?1 AND hlc = ?2"
	            " AND device = ?3 AND dirty > 0",
	            &s))
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, recs[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)recs[i].hlc);
		sqlite3_bind_text(s, 3, recs[i].device, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto fail;
		done += (size_t)sqlite3_changes(st->db);
	}
	rc = CAIRN_OK;
fail:
	sqlite3_finalize(s);
	s = NULL;
	if ((rc = store_end(st, rc)) == CAIRN_OK && cleaned != NULL)
		*cleaned = done;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Stores a pulled version as it is, clean. */
static int
store_pulled(struct store *st, const struct rec *r, unsigned own, int *stored)
{
	struct rec in = *r;

	in.dirty = 0;
	in.own = own;
	*stored = 1;
	return store_write_row(st, &in);
}

/* Tells b's listener about each field in lost. */
static void
say_lost(const struct store_batch *b, const struct rec *r, unsigned lost)
{
	int f;

	for (f = 1; f <= ENTRY_FIELDS && b->lost != NULL; f++)
		if (lost & (1u << f))
			b->lost(b->lost_arg, r->id, f, r->device);
}

/*
 * Two versions of one of this learner's entries, loc (stored here) and r
 * (pulled), merged field by field (docs/sync.md, "Per-field merge"). When
 * the result is r, r is stored as it is, clean; when it is loc and loc is
 * the greater version, nothing changes; otherwise the result is a new
 * local version (ticked clock, dirty) for the push that follows.
 */
static int
merge_entry(struct store *st, const struct rec *loc, const struct rec *r,
            int cmp, const struct store_batch *b, int *stored)
{
	Cairn__Entry *le = NULL, *ie = NULL;
	struct entry_merge m;
	struct rec out;
	int rc;

	memset(&out, 0, sizeof(out));
	le = entryrec_unpack(loc);
	ie = entryrec_unpack(r);
	if (le == NULL || ie == NULL) {
		/* Unreadable: the whole record, by the version order. */
		rc = cmp > 0 ? store_pulled(st, r, 0, stored) : CAIRN_OK;
		goto out;
	}
	entryrec_merge(le, loc, loc->own, ie, r, &m);
	/*
	 * An edit of ours lost, and nobody to tell (a live event of 'feed
	 * --follow', which saves no position): leave it for the next sync,
	 * which pulls the version again and says so.
	 */
	if (m.lost != 0 && b->lost == NULL) {
		rc = CAIRN_OK;
		goto out;
	}
	say_lost(b, r, m.lost);
	if (m.take_loc == 0 && cmp > 0) {
		rc = store_pulled(st, r, loc->own & ~m.take_in, stored);
		goto out;
	}
	if (m.take_in == 0 && cmp < 0) {
		rc = CAIRN_OK;
		goto out;
	}
	out = *loc;
	out.body = NULL;
	out.body_len = 0;
	out.priv = m.priv;
	out.own = loc->own & ~m.take_in;
	out.arrived = 0;
	out.dirty = 1;
	/* After both versions, so the merge beats them both. */
	if ((rc = store_observe(st, r->hlc)) != CAIRN_OK ||
	    (rc = store_tick(st, &out.hlc)) != CAIRN_OK ||
	    (rc = store_device(st, out.device)) != CAIRN_OK)
		goto out;
	if ((rc = entryrec_pack_clocks(&out, le, ie, m.take_in, &m.c,
	                               out.hlc)) != CAIRN_OK ||
	    (rc = store_write_row(st, &out)) != CAIRN_OK)
		goto out;
	*stored = 1;
	if (b->merged != NULL)
		++*b->merged;
out:
	if (le != NULL)
		cairn__entry__free_unpacked(le, NULL);
	if (ie != NULL)
		cairn__entry__free_unpacked(ie, NULL);
	rec_release(&out);
	return rc;
}

/*
 * Merges one pulled version: stored when it wins over the local one (or
 * there is none), clean; a local version that wins is left as it is, and
 * an identical one is known to the server, so it is clean. Two live
 * versions of one of this learner's own entries merge field by field.
 */
static int
merge_one(struct store *st, sqlite3_stmt *sel, sqlite3_stmt *clean,
          const struct rec *r, const struct store_batch *b, int *stored)
{
	struct rec loc;
	int step, cmp, rc;

	*stored = 0;
	sqlite3_reset(sel);
	sqlite3_bind_text(sel, 1, r->id, -1, SQLITE_STATIC);
	step = sqlite3_step(sel);
	if (step == SQLITE_DONE) {
		sqlite3_reset(sel);
		return store_pulled(st, r, 0, stored);
	}
	if (step != SQLITE_ROW) {
		sqlite3_reset(sel);
		return CAIRN_ESTORAGE;
	}
	rc = store_row_to_rec(sel, &loc, 1);
	sqlite3_reset(sel);
	if (rc != CAIRN_OK)
		return rc;
	cmp = hlc_version_cmp(r->hlc, r->device, loc.hlc, loc.device);
	if (cmp == 0) {
		sqlite3_reset(clean);
		sqlite3_bind_text(clean, 1, r->id, -1, SQLITE_STATIC);
		rc = sqlite3_step(clean) == SQLITE_DONE ? CAIRN_OK
		                                        : CAIRN_ESTORAGE;
	} else if (r->kind == CAIRN__KIND__KIND_ENTRY &&
	           loc.kind == CAIRN__KIND__KIND_ENTRY && !r->deleted &&
	           !loc.deleted && strcmp(r->owner, b->me) == 0 &&
	           (loc.owner[0] == '\0' || strcmp(loc.owner, b->me) == 0)) {
		rc = merge_entry(st, &loc, r, cmp, b, stored);
	} else if (cmp > 0) {
		rc = store_pulled(st, r, 0, stored);
	}
	rec_release(&loc);
	return rc;
}

/* Forgets everything about subject that me does not own (a revoke). */
static int
forget(struct store *st, const char *subject, const char *me, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(
	            st,
	            "DELETE FROM records WHERE subject = ?1 AND owner <> ?2"
	            " AND owner <> ''",
	            &s))
		goto out;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, me, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	if (n != NULL)
		*n += (size_t)sqlite3_changes(st->db);
	sqlite3_finalize(s);
	s = NULL;
	if (store_prepare(st, "DELETE FROM backfills WHERE subject = ?1", &s))
		goto out;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

/* A grant: backfill subject up to seq (raising a pending one's bound). */
static int
plan_backfill(struct store *st, const char *subject, uint64_t upto)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st,
	                  "INSERT INTO backfills(subject, upto, after)"
	                  " VALUES(?1, ?2, 0) ON CONFLICT(subject) DO UPDATE"
	                  " SET upto = max(upto, excluded.upto)",
	                  &s))
		goto out;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)upto);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Merges recs (in order) and observes their clocks; inside a transaction. */
static int
merge_all(struct store *st, sqlite3_stmt *sel, sqlite3_stmt *clean,
          const struct rec *r, const struct store_batch *b, size_t *count,
          uint64_t *seen, uint64_t *arrived)
{
	struct rec in;
	int rc, stored;

	in = *r;
	/* A version someone else wrote is news, in arrival order (inbox). */
	in.arrived = strcmp(r->owner, b->me) != 0 ? ++*arrived : 0;
	if ((rc = merge_one(st, sel, clean, &in, b, &stored)) != CAIRN_OK)
		return rc;
	*count += (size_t)stored;
	if (r->hlc > *seen)
		*seen = r->hlc;
	return CAIRN_OK;
}

int
store_apply_pull(struct store *st, const struct store_batch *b, size_t *applied,
                 size_t *forgot)
{
	sqlite3_stmt *sel = NULL, *clean = NULL;
	uint64_t last, seen = 0, arrived = 0;
	size_t i = 0, j = 0, count = 0;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	if ((rc = store_meta_get_u64(st, "arrived", &arrived)) != CAIRN_OK)
		goto fail;
	rc = CAIRN_ESTORAGE;
	if (store_prepare(st,
	                  "SELECT " REC_COLUMNS " FROM records WHERE id = ?1",
	                  &sel) ||
	    store_prepare(st, "UPDATE records SET dirty = 0 WHERE id = ?1",
	                  &clean))
		goto fail;
	/* Records and access events in seq order (docs/sync.md). */
	while (i < b->n || j < b->n_access) {
		if (j >= b->n_access ||
		    (i < b->n && b->recs[i].seq < b->access[j].seq)) {
			rc = merge_all(st, sel, clean, &b->recs[i++], b, &count,
			               &seen, &arrived);
		} else if (b->access[j].granted) {
			rc = plan_backfill(st, b->access[j].subject,
			                   b->access[j].seq);
			j++;
		} else {
			rc = forget(st, b->access[j].subject, b->me, forgot);
			j++;
		}
		if (rc != CAIRN_OK)
			goto fail;
	}
	if ((rc = store_meta_set_u64(st, "arrived", arrived)) != CAIRN_OK ||
	    (rc = store_meta_get_u64(st, "hlc", &last)) != CAIRN_OK)
		goto fail;
	if (seen > 0 &&
	    (rc = store_meta_set_u64(st, "hlc",
	                             hlc_observe(last, seen, hlc_wall_ms()))))
		goto fail;
	if (b->merge_only) {
		rc = CAIRN_OK;
	} else if (b->backfill != NULL) {
		rc = store_backfill_advance(st, b->backfill, b->cursor,
		                            b->done);
		if (rc != CAIRN_OK)
			goto fail;
	} else if ((rc = store_meta_set_u64(st, "cursor", b->cursor)) !=
	                   CAIRN_OK ||
	           (rc = store_meta_set(st, "epoch", b->epoch)) != CAIRN_OK) {
		goto fail;
	}
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(clean);
	sel = clean = NULL;
	if ((rc = store_end(st, rc)) == CAIRN_OK && applied != NULL)
		*applied = count;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(clean);
	return rc;
}

int
store_backfill_next(struct store *st, char subject[HANDLE_MAX + 1],
                    uint64_t *upto, uint64_t *after)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *v;
	int rc = CAIRN_ESTORAGE, step;

	if (store_prepare(st,
	                  "SELECT subject, upto, after FROM backfills"
	                  " ORDER BY subject LIMIT 1",
	                  &s))
		goto out;
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto out;
	v = sqlite3_column_text(s, 0);
	if (v == NULL || (size_t)sqlite3_column_bytes(s, 0) > HANDLE_MAX)
		goto out;
	snprintf(subject, HANDLE_MAX + 1, "%s", (const char *)v);
	*upto = (uint64_t)sqlite3_column_int64(s, 1);
	*after = (uint64_t)sqlite3_column_int64(s, 2);
	rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_backfill_advance(struct store *st, const char *subject, uint64_t after,
                       int done)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st,
	                  done ? "DELETE FROM backfills WHERE subject = ?1"
	                       : "UPDATE backfills SET after = ?2"
	                         " WHERE subject = ?1",
	                  &s))
		goto out;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	if (!done)
		sqlite3_bind_int64(s, 2, (sqlite3_int64)after);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_set_clean(struct store *st, const char *id)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st, "UPDATE records SET dirty = 0 WHERE id = ?1", &s))
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(st->db) == 1)
		rc = CAIRN_OK;
	else
		rc = CAIRN_ENOTFOUND;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_reset(struct store *st, const char *handle, const char *epoch)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	rc = CAIRN_ESTORAGE;
	/*
	 * Versions this home holds are pushed again as they are (dirty 2):
	 * same hlc, same device, so one that another device has since
	 * superseded on the server loses there, as it should. Versions
	 * written here and not yet pushed stay dirty 1 (store_restamp).
	 */
	if (store_prepare(st,
	                  "UPDATE records SET dirty = 2 WHERE owner = ?1"
	                  " AND dirty = 0",
	                  &s) ||
	    store_exec(st, "DELETE FROM backfills") != CAIRN_OK)
		goto fail;
	sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto fail;
	if ((rc = store_meta_set_u64(st, "cursor", 0)) == CAIRN_OK)
		rc = store_meta_set(st, "epoch", epoch);
fail:
	sqlite3_finalize(s);
	s = NULL;
	rc = store_end(st, rc);
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * A re-stamped entry's clocks move with its version: the fields that
 * changed at the old hlc changed at the new one, and the body says the
 * clocks are for the new hlc. Reads record id into *h (the caller
 * releases it) with the new body, or none (h->body NULL) when there is
 * nothing to rewrite: not an entry, a tombstone, or a body without clocks
 * of its own. h->hlc stays the old hlc.
 */
static int
restamp_entry(struct store *st, const char *id, uint64_t hlc, struct rec *h)
{
	struct entry_clocks c;
	Cairn__Entry *e;
	uint64_t old;
	int f, rc;

	if ((rc = store_head(st, id, h)) != CAIRN_OK)
		return rc;
	old = h->hlc;
	if (h->kind != CAIRN__KIND__KIND_ENTRY || h->deleted ||
	    (e = entryrec_unpack(h)) == NULL) {
		rec_release(h);
		return CAIRN_OK;
	}
	if (e->clocks_for != old) {
		cairn__entry__free_unpacked(e, NULL);
		rec_release(h);
		return CAIRN_OK;
	}
	entryrec_clocks(e, old, &c);
	for (f = 1; f <= ENTRY_FIELDS; f++)
		if (c.hlc[f] == old)
			c.hlc[f] = hlc;
	rc = entryrec_pack_clocks(h, e, NULL, 0, &c, hlc);
	cairn__entry__free_unpacked(e, NULL);
	return rc;
}

/*
 * Versions written here before the first login carry a local device id
 * the server does not know, and a home that logged out and in again has
 * unpushed versions of its old device. Before a push such versions (dirty
 * 1: written here) are written again under device with a new hlc (greater
 * than the old one, so they still beat whatever they beat). Versions to
 * push again as they are (dirty 2, after a server reset) keep theirs: the
 * server accepts any device of the user.
 */
int
store_restamp(struct store *st, const char *device, size_t *n)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char(*ids)[UUID_LEN + 1] = NULL, (*grown)[UUID_LEN + 1];
	const unsigned char *v;
	struct rec h;
	uint64_t hlc;
	size_t count = 0, cap = 0, i, len;
	int rc, step;

	memset(&h, 0, sizeof(h));
	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	rc = CAIRN_ESTORAGE;
	if (store_prepare(st,
	                  "SELECT id FROM records WHERE dirty = 1"
	                  " AND device <> ?1",
	                  &sel) ||
	    store_prepare(st,
	                  "UPDATE records SET device = ?1, hlc = ?2,"
	                  " body = COALESCE(?4, body) WHERE id = ?3",
	                  &upd))
		goto fail;
	/* The ids first, in one scan: updating while scanning is not safe. */
	sqlite3_bind_text(sel, 1, device, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		v = sqlite3_column_text(sel, 0);
		len = (size_t)sqlite3_column_bytes(sel, 0);
		if (v == NULL || len > UUID_LEN)
			goto fail;
		if (count == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((grown = realloc(ids, cap * sizeof(*ids))) ==
			    NULL) {
				rc = CAIRN_ENOMEM;
				goto fail;
			}
			ids = grown;
		}
		memcpy(ids[count], v, len);
		ids[count++][len] = '\0';
	}
	if (step != SQLITE_DONE)
		goto fail;
	/* One read and one write of the clock, however many versions. */
	if (count > 0 && (rc = store_meta_get_u64(st, "hlc", &hlc)) != CAIRN_OK)
		goto fail;
	rc = CAIRN_ESTORAGE;
	for (i = 0; i < count; i++) {
		hlc = hlc_tick(hlc, hlc_wall_ms());
		if ((rc = restamp_entry(st, ids[i], hlc, &h)) != CAIRN_OK)
			goto fail;
		rc = CAIRN_ESTORAGE;
		sqlite3_reset(upd);
		sqlite3_clear_bindings(upd);
		sqlite3_bind_text(upd, 1, device, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, (sqlite3_int64)hlc);
		sqlite3_bind_text(upd, 3, ids[i], -1, SQLITE_STATIC);
		if (h.body != NULL)
			sqlite3_bind_blob(upd, 4, h.body, (int)h.body_len,
			                  SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			goto fail;
		rec_release(&h);
	}
	rc = count > 0 ? store_meta_set_u64(st, "hlc", hlc) : CAIRN_OK;
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sel = upd = NULL;
	if ((rc = store_end(st, rc)) == CAIRN_OK && n != NULL)
		*n = count;
out:
	rec_release(&h);
	free(ids);
	return rc;
}
