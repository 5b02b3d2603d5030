/*
 * The undo journal (docs/sync.md, "Undo"): every local store_put inside
 * a command's transaction records the record's previous state (or that
 * it did not exist) under the transaction's group, so 'cairn undo' can
 * write it back as new versions that sync. Writes made by sync (pulls,
 * merges) do not pass through store_put and are never journaled. The
 * newest STORE_UNDO_GROUPS groups are kept.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cairn.h"
#include "err.h"
#include "store-int.h"

/* The transaction's group: the next number, taken at its first write. */
static int
journal_group(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (st->group > 0)
		return CAIRN_OK;
	if (store_prepare(st, "SELECT COALESCE(MAX(grp), 0) + 1 FROM undo",
	                  &s) ||
	    sqlite3_step(s) != SQLITE_ROW)
		goto out;
	st->group = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	/* Bounded: the oldest groups go. */
	if (store_prepare(st, "DELETE FROM undo WHERE grp <= ?1", &s))
		goto out;
	sqlite3_bind_int64(s, 1, st->group - STORE_UNDO_GROUPS);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_journal(struct store *st, const struct rec *prev, const struct rec *r,
              unsigned fields)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = journal_group(st)) != CAIRN_OK)
		return rc;
	rc = CAIRN_ESTORAGE;
	/*
	 * A record written twice by one command keeps its first previous
	 * state and its last version.
	 */
	if (store_prepare(
	            st,
	            "INSERT INTO undo(grp, id, kind, existed, deleted, private,"
	            " body, subject, own, after, after_deleted, after_private,"
	            " fields)"
	            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	            " ?13) ON CONFLICT(grp, id) DO UPDATE SET"
	            " after = excluded.after,"
	            " after_deleted = excluded.after_deleted,"
	            " after_private = excluded.after_private,"
	            " fields = fields | excluded.fields",
	            &s))
		goto out;
	sqlite3_bind_int64(s, 1, st->group);
	sqlite3_bind_text(s, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, r->kind);
	sqlite3_bind_int(s, 4, prev != NULL);
	if (prev != NULL) {
		sqlite3_bind_int(s, 5, prev->deleted ? 1 : 0);
		sqlite3_bind_int(s, 6, prev->priv ? 1 : 0);
		if (prev->body != NULL && prev->body_len > 0)
			sqlite3_bind_blob(s, 7, prev->body, (int)prev->body_len,
			                  SQLITE_STATIC);
		sqlite3_bind_text(s, 8, prev->subject, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)prev->own);
	} else {
		sqlite3_bind_int(s, 5, 0);
		sqlite3_bind_int(s, 6, 0);
		sqlite3_bind_text(s, 8, "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 9, 0);
	}
	if (!r->deleted && r->body != NULL && r->body_len > 0)
		sqlite3_bind_blob(s, 10, r->body, (int)r->body_len,
		                  SQLITE_STATIC);
	sqlite3_bind_int(s, 11, r->deleted ? 1 : 0);
	sqlite3_bind_int(s, 12, r->priv ? 1 : 0);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)fields);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

static void
copy_text(sqlite3_stmt *s, int col, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (v == NULL || n >= len)
		n = 0;
	memcpy(out, v != NULL ? (const char *)v : "", n);
	out[n] = '\0';
}

void
store_undo_free(struct undo_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++) {
		rec_release(&items[i].prev);
		rec_release(&items[i].after);
	}
	free(items);
}

int
store_undo_last(struct store *st, int64_t *grp, struct undo_item **items,
                size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct undo_item *v = NULL, *grown, *it;
	size_t count = 0, cap = 0, len;
	const void *b;
	int64_t g = 0;
	int rc = CAIRN_ESTORAGE, step;

	if (store_prepare(
	            st,
	            "SELECT grp, id, kind, existed, deleted, private, body,"
	            " subject, own, after, after_deleted, after_private,"
	            " fields"
	            " FROM undo WHERE grp = (SELECT MAX(grp) FROM undo)"
	            " ORDER BY rowid",
	            &s))
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = CAIRN_ENOMEM;
				goto out;
			}
			v = grown;
		}
		it = &v[count++];
		memset(it, 0, sizeof(*it));
		g = sqlite3_column_int64(s, 0);
		copy_text(s, 1, it->id, sizeof(it->id));
		it->kind = sqlite3_column_int(s, 2);
		it->existed = sqlite3_column_int(s, 3);
		memcpy(it->prev.id, it->id, sizeof(it->id));
		it->prev.kind = it->kind;
		it->prev.deleted = sqlite3_column_int(s, 4);
		it->prev.priv = sqlite3_column_int(s, 5);
		b = sqlite3_column_blob(s, 6);
		len = (size_t)sqlite3_column_bytes(s, 6);
		if (b != NULL && len > 0) {
			if ((it->prev.body = malloc(len)) == NULL) {
				rc = CAIRN_ENOMEM;
				goto out;
			}
			memcpy(it->prev.body, b, len);
			it->prev.body_len = len;
		}
		copy_text(s, 7, it->prev.subject, sizeof(it->prev.subject));
		it->prev.own = (unsigned)sqlite3_column_int64(s, 8);
		memcpy(it->after.id, it->id, sizeof(it->id));
		it->after.kind = it->kind;
		b = sqlite3_column_blob(s, 9);
		len = (size_t)sqlite3_column_bytes(s, 9);
		if (b != NULL && len > 0) {
			if ((it->after.body = malloc(len)) == NULL) {
				rc = CAIRN_ENOMEM;
				goto out;
			}
			memcpy(it->after.body, b, len);
			it->after.body_len = len;
		}
		it->after.deleted = sqlite3_column_int(s, 10);
		it->after.priv = sqlite3_column_int(s, 11);
		it->fields = (unsigned)sqlite3_column_int64(s, 12);
	}
	if (step != SQLITE_DONE)
		goto out;
	if (count == 0) {
		rc = CAIRN_ENOTFOUND;
		goto out;
	}
	*grp = g;
	*items = v;
	*n = count;
	v = NULL;
	count = 0;
	rc = CAIRN_OK;
out:
	store_undo_free(v, count);
	sqlite3_finalize(s);
	return rc;
}

int
store_undo_drop(struct store *st, int64_t grp)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st, "DELETE FROM undo WHERE grp = ?1", &s))
		goto out;
	sqlite3_bind_int64(s, 1, grp);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}
