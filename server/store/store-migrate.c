/*
 * cairnd migrate --from FILE --to URL: moves a group's data from a SQLite
 * database to an empty PostgreSQL one (docs/operating.md). Every row is
 * copied as it is, ids, seqs, token hashes, usage and the epoch included,
 * so clients go on with their cursors and logged-in devices stay logged
 * in: to them, the server is the same server. One transaction: a failed
 * migration leaves the target as it was. The source is opened as cairnd
 * opens it (migrated to the current schema) and then only read.
 *
 * The one file besides store-sqlite.c that reads SQLite, and besides
 * store-pg.c that speaks libpq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"

#ifdef CAIRN_HAVE_LIBPQ

#include <libpq-fe.h>
#include <sqlite3.h>

/*
 * The tables in an order that satisfies the foreign keys, each with its
 * columns and their kinds: i integer, t text, b bytes.
 */
static const struct {
	const char *table;
	const char *cols;
	const char *kinds;
} mg_tables[] = {
        {"users",
         "id, handle, salt, hash, n, r, p, created_at, used_records, "
         "used_bytes",
         "itbbiiiiii"},
        {"devices",
         "id, user_id, name, token_hash, created_at, last_seen, revoked_at",
         "titbiii"},
        {"invites", "code, uses_left, created_at", "tii"},
        {"records",
         "id, owner_id, subject_id, kind, hlc, device, deleted, private, "
         "exposed, body, seq",
         "tiiiitiiibi"},
        {"relations", "from_id, to_id, role, state, created_at, since",
         "iiiiii"},
        {"groups", "id, name, created_by, created_at", "itii"},
        {"group_members", "group_id, user_id, state, invited_by, at", "iiiii"},
        {"access_events", "seq, viewer_id, subject_id, granted", "iiii"},
};
#define MG_NTABLES (sizeof(mg_tables) / sizeof(mg_tables[0]))
#define MG_COLS_MAX 12

struct mg {
	sqlite3 *src;
	PGconn *dst;
	char *err;
	size_t errlen;
};

static int
mg_pgfail(struct mg *m, PGresult *r, const char *what)
{
	snprintf(m->err, m->errlen, "%s: %s", what,
	         r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(m->dst));
	m->err[strcspn(m->err, "\n")] = '\0';
	PQclear(r);
	return CAIRN_ESTORAGE;
}

/* Runs SQL on the target, expecting success. */
static int
mg_exec(struct mg *m, const char *sql)
{
	PGresult *r = PQexec(m->dst, sql);
	ExecStatusType es = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
		return mg_pgfail(m, r, "target");
	PQclear(r);
	return CAIRN_OK;
}

/* One integer of a one-row query on the target. */
static int
mg_count(struct mg *m, const char *sql, long long *out)
{
	PGresult *r = PQexec(m->dst, sql);

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK ||
	    PQntuples(r) != 1)
		return mg_pgfail(m, r, "target");
	*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return CAIRN_OK;
}

/* Copies one table; *rows: how many. */
static int
mg_copy(struct mg *m, size_t t, long long *rows)
{
	const char *kinds = mg_tables[t].kinds;
	char sql[512], num[MG_COLS_MAX][24];
	const char *vals[MG_COLS_MAX];
	int lens[MG_COLS_MAX], fmts[MG_COLS_MAX];
	size_t n = strlen(kinds), i, off;
	sqlite3_stmt *q = NULL;
	PGresult *r;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s", mg_tables[t].cols,
	         mg_tables[t].table);
	if (sqlite3_prepare_v2(m->src, sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(m->err, m->errlen, "source: %s",
		         sqlite3_errmsg(m->src));
		return CAIRN_ESTORAGE;
	}
	off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (",
	                       mg_tables[t].table, mg_tables[t].cols);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s$%zu",
		                        i > 0 ? ", " : "", i + 1);
	snprintf(sql + off, sizeof(sql) - off, ")");
	r = PQprepare(m->dst, mg_tables[t].table, sql, (int)n, NULL);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		sqlite3_finalize(q);
		return mg_pgfail(m, r, "target");
	}
	PQclear(r);
	*rows = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			if (kinds[i] == 'i') {
				snprintf(num[i], sizeof(num[i]), "%lld",
				         (long long)sqlite3_column_int64(
				                 q, (int)i));
				vals[i] = num[i];
				lens[i] = 0;
				fmts[i] = 0;
			} else if (kinds[i] == 't') {
				vals[i] = (const char *)sqlite3_column_text(
				        q, (int)i);
				lens[i] = 0;
				fmts[i] = 0;
			} else {
				vals[i] = sqlite3_column_blob(q, (int)i);
				lens[i] = sqlite3_column_bytes(q, (int)i);
				if (vals[i] == NULL)
					vals[i] = "";
				fmts[i] = 1;
			}
			if (vals[i] == NULL) {
				sqlite3_finalize(q);
				snprintf(m->err, m->errlen,
				         "source: %s has an empty value",
				         mg_tables[t].table);
				return CAIRN_ESTORAGE;
			}
		}
		r = PQexecPrepared(m->dst, mg_tables[t].table, (int)n, vals,
		                   lens, fmts, 0);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			sqlite3_finalize(q);
			return mg_pgfail(m, r, "target");
		}
		PQclear(r);
		(*rows)++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		snprintf(m->err, m->errlen, "source: %s",
		         sqlite3_errmsg(m->src));
		return CAIRN_ESTORAGE;
	}
	return CAIRN_OK;
}

/* One text value of a one-row query on the source. */
static int
mg_src_text(struct mg *m, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *q = NULL;
	int rc = CAIRN_ESTORAGE;

	if (sqlite3_prepare_v2(m->src, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_text(q, 0) != NULL) {
		snprintf(out, len, "%s",
		         (const char *)sqlite3_column_text(q, 0));
		rc = CAIRN_OK;
	}
	sqlite3_finalize(q);
	if (rc != CAIRN_OK)
		snprintf(m->err, m->errlen, "source: %s",
		         sqlite3_errmsg(m->src));
	return rc;
}

static int
mg_run(struct mg *m, FILE *report)
{
	char epoch[UUID_LEN + 1], seq[32], sql[256];
	const char *params[2];
	long long users = 0, rows[MG_NTABLES];
	PGresult *r;
	size_t t;
	int rc;

	if ((rc = mg_exec(m, "BEGIN")) != CAIRN_OK ||
	    (rc = mg_exec(m, "LOCK TABLE counter IN EXCLUSIVE MODE")) != 0 ||
	    (rc = mg_count(m, "SELECT count(*) FROM users", &users)) != 0)
		return rc;
	if (users > 0) {
		snprintf(
		        m->err, m->errlen,
		        "the target database already holds %lld accounts; migrate into an empty database",
		        users);
		return CAIRN_EEXIST;
	}
	if ((rc = mg_exec(m, "DELETE FROM invites")) != CAIRN_OK)
		return rc;
	for (t = 0; t < MG_NTABLES; t++)
		if ((rc = mg_copy(m, t, &rows[t])) != CAIRN_OK)
			return rc;
	if ((rc = mg_src_text(m, "SELECT value FROM meta WHERE key = 'epoch'",
	                      epoch, sizeof(epoch))) != CAIRN_OK ||
	    (rc = mg_src_text(m, "SELECT seq FROM counter WHERE id = 1", seq,
	                      sizeof(seq))) != CAIRN_OK)
		return rc;
	/* Same epoch, same seqs: every client's cursor stays valid. */
	params[0] = epoch;
	params[1] = seq;
	r = PQexecParams(m->dst,
	                 "UPDATE meta SET value = $1 WHERE key = 'epoch'", 1,
	                 NULL, params, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		return mg_pgfail(m, r, "target");
	PQclear(r);
	r = PQexecParams(m->dst, "UPDATE counter SET seq = $1 WHERE id = 1", 1,
	                 NULL, params + 1, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		return mg_pgfail(m, r, "target");
	PQclear(r);
	/* New accounts and groups are numbered after the copied ones. */
	snprintf(sql, sizeof(sql),
	         "SELECT setval('users_id_seq', COALESCE(max(id), 0) + 1, "
	         "false) FROM users");
	if ((rc = mg_exec(m, sql)) != CAIRN_OK ||
	    (rc = mg_exec(m, "SELECT setval('groups_id_seq', COALESCE(max(id),"
	                     " 0) + 1, false) FROM groups")) != CAIRN_OK ||
	    (rc = mg_exec(m, "COMMIT")) != CAIRN_OK)
		return rc;
	fprintf(report, "migrated epoch %s, change log at %s:", epoch, seq);
	for (t = 0; t < MG_NTABLES; t++)
		fprintf(report, "%s %lld %s", t > 0 ? "," : "", rows[t],
		        mg_tables[t].table);
	fprintf(report, "\n");
	return CAIRN_OK;
}

int
store_migrate(const char *from, const char *to, FILE *report, char *err,
              size_t errlen)
{
	struct store *st = NULL;
	struct mg m = {NULL, NULL, err, errlen};
	int rc;

	/* Both brought to the current schema, as cairnd would. */
	if ((rc = store_sqlite_open(from, &st, err, errlen)) != CAIRN_OK)
		return rc;
	st->ops->close(st);
	st = NULL;
	if ((rc = store_pg_open(to, &st, err, errlen)) != CAIRN_OK)
		return rc;
	st->ops->close(st);
	if (sqlite3_open_v2(from, &m.src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", from,
		         m.src != NULL ? sqlite3_errmsg(m.src)
		                       : "out of memory");
		sqlite3_close(m.src);
		return CAIRN_ESTORAGE;
	}
	m.dst = PQconnectdb(to);
	if (m.dst == NULL || PQstatus(m.dst) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
		         m.dst != NULL ? PQerrorMessage(m.dst)
		                       : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		rc = CAIRN_ESTORAGE;
	} else {
		/* One snapshot of the source for the whole copy. */
		rc = sqlite3_exec(m.src, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
		             ? mg_run(&m, report)
		             : CAIRN_ESTORAGE;
		sqlite3_exec(m.src, "COMMIT", NULL, NULL, NULL);
	}
	PQfinish(m.dst);
	sqlite3_close(m.src);
	return rc;
}

#else /* !CAIRN_HAVE_LIBPQ */

int
store_migrate(const char *from, const char *to, FILE *report, char *err,
              size_t errlen)
{
	(void)from;
	(void)report;
	return store_pg_open(to, NULL, err, errlen); /* says why not */
}

#endif
