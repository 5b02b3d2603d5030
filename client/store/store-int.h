/*
 * Private to the store module (store.c and store-sync.c): the store's
 * struct and the helpers both files share. Nothing else includes it.
 */
#ifndef CAIRN_STORE_INT_H
#define CAIRN_STORE_INT_H

#include <sqlite3.h>

#include "cairn.h"

/* The columns store_row_to_rec reads, in its order. */
#define REC_COLUMNS \
	"id, kind, owner, hlc, device, deleted, private, body, at, dirty, " \
	"subject, target, arrived, own"

struct store {
	sqlite3 *db; /* owned */
	int depth;   /* nesting of store_begin; 0 outside a transaction */
	/* The statement every stored version goes through, prepared once
	 * (a pull of thousands of records would otherwise prepare it for
	 * each). Owned; finalized by store_close. */
	sqlite3_stmt *write_row;
	/* The undo group of the open transaction's local writes, 0 until
	 * its first journaled store_put (store-undo.c). */
	int64_t group;
};

/* Records r's previous state (prev, NULL if none) in the undo journal
 * under the transaction's group; r is the version just written. */
int store_journal(struct store *st, const struct rec *prev, const struct rec *r,
                  unsigned fields);

/* Runs sql (no parameters): CAIRN_OK or CAIRN_ESTORAGE. */
int store_exec(struct store *st, const char *sql);
/* Prepares sql into *out (caller finalizes): CAIRN_OK or CAIRN_ESTORAGE. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **out);
/* Ticks the stored clock for a local write; *out is the new timestamp. */
int store_tick(struct store *st, uint64_t *out);
/* Inserts or replaces the row of r (r borrowed). */
int store_write_row(struct store *st, const struct rec *r);
/*
 * Fills r from a row selected with REC_COLUMNS; with copy_body the body is
 * copied (owned by r), else borrowed until the next step.
 */
int store_row_to_rec(sqlite3_stmt *s, struct rec *r, int copy_body);
/* Runs a "SELECT count(*)" with an optional text parameter ?1. */
int store_count_where(struct store *st, const char *sql, const char *text,
                      uint64_t *n);

#endif
