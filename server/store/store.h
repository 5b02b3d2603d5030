/*
 * The storage interface of cairnd: a table of function pointers (a vtable)
 * that a backend fills. store-sqlite.c is the SQLite backend, and (with
 * store-migrate.c, which copies a SQLite database to PostgreSQL) the only
 * file that includes sqlite3.h; store-pg.c is the PostgreSQL backend, on
 * libpq. A store is used by one thread at a time (the database thread of
 * dbq.c, or a test), never concurrently.
 *
 * Every function returns CAIRN_OK or a negative CAIRN_E* code. Strings and
 * buffers handed in are borrowed for the call; structures filled for the
 * caller are plain values (fixed-size arrays), so nothing needs freeing
 * except where said.
 */
#ifndef CAIRND_STORE_H
#define CAIRND_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "entry.h"
#include "uuid.h"

#define STORE_SALT_LEN 16
#define STORE_HASH_LEN 32
#define STORE_INVITE_MAX 64

struct store;

/* An account. Password hash parameters are stored per user. */
struct store_user {
	int64_t id;
	char handle[HANDLE_MAX + 1];
	uint8_t salt[STORE_SALT_LEN];
	uint8_t hash[STORE_HASH_LEN];
	uint64_t n;
	uint32_t r, p;
	int64_t created_at;
};

/* A logged-in device of a user; the token itself is never stored. */
struct store_device {
	char id[UUID_LEN + 1];
	int64_t user_id;
	char handle[HANDLE_MAX + 1]; /* owner's handle, filled by get */
	char name[DEVICE_NAME_MAX + 1];
	uint8_t token_hash[STORE_HASH_LEN];
	int64_t created_at;
	int64_t last_seen;  /* creation, then each Auth */
	int64_t revoked_at; /* 0 if not revoked */
};

/*
 * One version of one record. Pointers are borrowed: in record_put from the
 * caller, in a changes callback from the store, valid only during the call.
 */
struct store_record {
	const char *id;
	int kind;
	int64_t owner_id;
	int64_t subject_id;  /* whose data it is about (docs/sync.md) */
	const char *owner;   /* owner's handle; filled in changes only */
	const char *subject; /* subject's handle; filled in changes only */
	uint64_t hlc;
	const char *device;
	int deleted;
	int private_;
	const uint8_t *body;
	size_t body_len;
	uint64_t seq; /* filled in changes only */
};

/* The head of a stored record, copied out (record_get). */
struct store_record_head {
	int64_t owner_id;
	int64_t subject_id;
	int kind;
	uint64_t hlc;
	char device[UUID_LEN + 1];
	int deleted;
	int private_;
	uint64_t seq;
	size_t body_len; /* bytes of the stored body (0 for a tombstone) */
};

/*
 * What a user's records take on the server, the figures a quota is checked
 * against (h-sync.c). Every record counts for its owner, whoever it is
 * about (a mentor's comment on a mentee's week is the mentor's). records:
 * the owner's stored records that are not tombstones, so deleting frees
 * one. bytes: for every stored record of the owner, tombstones too, its
 * body and STORE_RECORD_OVERHEAD for its id, clock and device, so that
 * tombstones are bounded as well. record_put keeps both in the same
 * transaction as the write, and a migration computes them for existing
 * data; store_usage_of says what one version counts for.
 */
#define STORE_RECORD_OVERHEAD 64
struct store_usage {
	uint64_t records;
	uint64_t bytes;
};

static inline struct store_usage
store_usage_of(int deleted, size_t body_len)
{
	struct store_usage u;

	u.records = deleted ? 0 : 1;
	u.bytes = (uint64_t)body_len + STORE_RECORD_OVERHEAD;
	return u;
}

/* Relationship roles and states (the relations table). */
#define STORE_ROLE_PARTNER 1 /* mutual */
#define STORE_ROLE_MENTOR 2  /* to_id mentors from_id: sees from_id */
#define STORE_PENDING 1      /* invited, not yet answered */
#define STORE_ACTIVE 2

/*
 * A relationship: from_id asked to_id to be a partner, or to be from_id's
 * mentor. Handles are filled by relation_list.
 */
struct store_relation {
	int64_t from_id, to_id;
	int role, state;
	int64_t created_at; /* the invitation */
	int64_t since;      /* accepted, or 0 while pending */
	char from[HANDLE_MAX + 1], to[HANDLE_MAX + 1];
};

#define STORE_GROUP_NAME_MAX 64

struct store_group {
	int64_t id;
	char name[STORE_GROUP_NAME_MAX + 1];
	int64_t created_by;
	int64_t created_at;
};

/* A user's place in a group: invited (STORE_PENDING) or a member. */
struct store_member {
	int64_t group_id, user_id;
	int state;
	int64_t invited_by;
	int64_t at;                           /* invited, then joined */
	char handle[HANDLE_MAX + 1];          /* filled by member_list */
	char group[STORE_GROUP_NAME_MAX + 1]; /* filled by member_list */
};

/* How viewer sees subject (visibility): a mask of these. */
#define STORE_SEE_SELF 0x1
#define STORE_SEE_PARTNER 0x2 /* active partners */
#define STORE_SEE_MENTOR 0x4  /* viewer is subject's mentor */
#define STORE_SEE_GROUP 0x8   /* members of one group */
#define STORE_SEE_ANY \
	(STORE_SEE_SELF | STORE_SEE_PARTNER | STORE_SEE_MENTOR | \
	 STORE_SEE_GROUP)

/*
 * A changes query: what the viewer may see of the change log after
 * cursor. With subject set, a backfill: only records about subject (which
 * must be visible to the viewer), not private, with seq <= upto. With
 * own_only (protocol version 1), only records the viewer owns, of kinds up
 * to max_kind, and no access events.
 */
struct store_query {
	int64_t viewer;
	uint64_t cursor;
	uint64_t upto;   /* 0: no bound */
	int64_t subject; /* 0: everything visible */
	int own_only;
	int max_kind; /* 0: every kind */
	size_t limit; /* most changes reported, at least 1 */
};

/* One change of a viewer's change log (a changes callback's argument). */
#define STORE_CH_RECORD 1
#define STORE_CH_GRANT 2
#define STORE_CH_REVOKE 3
struct store_change {
	int type;
	uint64_t seq;
	const struct store_record *rec; /* STORE_CH_RECORD */
	const char *subject;            /* GRANT, REVOKE: the handle */
};

/* Callback of device_list: return 0 to go on, < 0 to stop with that code. */
typedef int (*store_device_cb)(void *arg, const struct store_device *d);
/*
 * Callback of changes, called in seq order: return 0 to go on, 1 to stop
 * (success), < 0 to stop with that code.
 */
typedef int (*store_change_cb)(void *arg, const struct store_change *ch);
/* Callbacks of relation_list and member_list: 0 goes on, < 0 stops. */
typedef int (*store_relation_cb)(void *arg, const struct store_relation *r);
typedef int (*store_member_cb)(void *arg, const struct store_member *m);

/* Called with one user id; non-zero stops the walk (and is returned). */
typedef int (*store_user_id_cb)(void *arg, int64_t user_id);

struct store_ops {
	const char *name;
	/* Closes and frees the store. Accepts NULL. */
	void (*close)(struct store *st);

	/* Transactions: immediate takes the write lock at once. */
	int (*begin)(struct store *st, int immediate);
	int (*commit)(struct store *st);
	int (*rollback)(struct store *st);
	/* Savepoints inside a transaction; name is [a-z_]+. */
	int (*savepoint)(struct store *st, const char *name);
	int (*release)(struct store *st, const char *name);
	int (*rollback_to)(struct store *st, const char *name);
	/*
	 * The database thread has nothing queued: a moment for housekeeping
	 * that would otherwise fall on a commit (SQLite: a WAL checkpoint).
	 * Outside any transaction; errors are the store's to log.
	 */
	void (*idle)(struct store *st);

	/* The server identity made with the database (a UUID). */
	int (*epoch)(struct store *st, char out[UUID_LEN + 1]);

	/* Creates u (id is set on success). CAIRN_EEXIST if the handle is
	 * taken. */
	int (*user_create)(struct store *st, struct store_user *u);
	/* Looks a user up by handle. CAIRN_ENOTFOUND. */
	int (*user_get)(struct store *st, const char *handle,
	                struct store_user *out);

	/* Stores a new device. CAIRN_EEXIST on an id or token collision. */
	int (*device_create)(struct store *st, const struct store_device *d);
	/* Looks a device up by its full id. CAIRN_ENOTFOUND. */
	int (*device_get)(struct store *st, const char *id,
	                  struct store_device *out);
	/* Calls cb for each device of a user, oldest first. */
	int (*device_list)(struct store *st, int64_t user_id,
	                   store_device_cb cb, void *arg);
	/*
	 * Revokes the one device of user_id whose id starts with prefix and
	 * writes its full id to out_id. Revoking a revoked device is a
	 * success that keeps the first time. CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS.
	 */
	int (*device_revoke)(struct store *st, int64_t user_id,
	                     const char *prefix, int64_t now,
	                     char out_id[UUID_LEN + 1]);
	/* Sets a device's last_seen. */
	int (*device_touch)(struct store *st, const char *id, int64_t now);
	/*
	 * Renames the one device of user_id whose id starts with prefix to
	 * name (checked by the caller) and writes the device as it is now to
	 * out. CAIRN_ENOTFOUND when none of the user's devices matches,
	 * CAIRN_EAMBIGUOUS when several do, CAIRN_EFORBIDDEN when prefix is
	 * the full id of another user's device, CAIRN_EEXIST when another
	 * device of the user that is not revoked has that name already.
	 */
	int (*device_rename)(struct store *st, int64_t user_id,
	                     const char *prefix, const char *name,
	                     struct store_device *out);

	/* Creates an invite code usable uses times. CAIRN_EEXIST. */
	int (*invite_create)(struct store *st, const char *code, uint32_t uses,
	                     int64_t now);
	/* Uses an invite code once. CAIRN_EINVITE if unknown or used up. */
	int (*invite_consume)(struct store *st, const char *code);

	/* Copies the stored head of record id. CAIRN_ENOTFOUND. */
	int (*record_get)(struct store *st, const char *id,
	                  struct store_record_head *out);
	/*
	 * Stores r as the current version of its id, with the next seq. The
	 * merge rule is the caller's (h-sync.c compares with record_get
	 * first), so every backend shares it. Remembers whether any version
	 * was ever stored as not private (docs/sync.md, private records),
	 * and moves the owner's usage (struct store_usage) from what the
	 * replaced version counted for to what r counts for, in the same
	 * transaction.
	 */
	int (*record_put)(struct store *st, const struct store_record *r);
	/*
	 * The change log as q->viewer may see it (docs/sync.md, "Who sees
	 * what"): records and access events with seq > q->cursor, in seq
	 * order, until cb stops or q->limit changes were reported. The
	 * visibility rule is applied here: another user's private record is
	 * reported only if it was once shared, and then redacted (deleted
	 * and private set, no body). CAIRN_EFORBIDDEN for a backfill of a
	 * subject the viewer may not see.
	 */
	int (*changes)(struct store *st, const struct store_query *q,
	               store_change_cb cb, void *arg);
	/* How viewer may see subject: a mask of STORE_SEE_* (0: not at all). */
	int (*visibility)(struct store *st, int64_t viewer, int64_t subject,
	                  unsigned *mask);
	/* Appends an access event for viewer about subject (next seq). */
	int (*access_event)(struct store *st, int64_t viewer, int64_t subject,
	                    int granted);

	/* Looks a user up by id. CAIRN_ENOTFOUND. */
	int (*user_by_id)(struct store *st, int64_t id, struct store_user *out);

	/* Relationships. get: CAIRN_ENOTFOUND. put inserts or replaces. */
	int (*relation_get)(struct store *st, int64_t from_id, int64_t to_id,
	                    int role, struct store_relation *out);
	int (*relation_put)(struct store *st, const struct store_relation *r);
	int (*relation_delete)(struct store *st, int64_t from_id, int64_t to_id,
	                       int role);
	/* Calls cb for every relationship user_id is part of, oldest first. */
	int (*relation_list)(struct store *st, int64_t user_id,
	                     store_relation_cb cb, void *arg);

	/* Groups. create: CAIRN_EEXIST if the name is taken; sets g->id. */
	int (*group_create)(struct store *st, struct store_group *g);
	int (*group_get)(struct store *st, const char *name,
	                 struct store_group *out);
	/* A user's place in a group. get: CAIRN_ENOTFOUND. */
	int (*member_get)(struct store *st, int64_t group_id, int64_t user_id,
	                  struct store_member *out);
	int (*member_put)(struct store *st, const struct store_member *m);
	int (*member_delete)(struct store *st, int64_t group_id,
	                     int64_t user_id);
	/*
	 * Calls cb for every member and invitee of group_id, or (group_id
	 * 0) for every place user_id holds, in any group.
	 */
	int (*member_list)(struct store *st, int64_t group_id, int64_t user_id,
	                   store_member_cb cb, void *arg);
	/* The highest seq ever given, to records or events (0 for none). */
	int (*max_seq)(struct store *st, uint64_t *out);
	/*
	 * Calls cb with every user who may see a change after seq after, and
	 * possibly more (a superset): the owners and subjects of the records
	 * written since, the users of the access events since, and everyone
	 * related to any of them by a relationship (any role or state) or a
	 * group (any state). The live feed asks only them (h-follow.c).
	 */
	int (*audience)(struct store *st, uint64_t after, store_user_id_cb cb,
	                void *arg);
	/*
	 * A user's usage as record_put keeps it, writes of the current
	 * transaction included (zeros for a user without records).
	 */
	int (*usage_get)(struct store *st, int64_t user_id,
	                 struct store_usage *out);
};

struct store {
	const struct store_ops *ops;
};

/*
 * store-mark.c: what a file-based backend keeps outside its database to
 * recognise a database restored from a backup (see the file's comment).
 */
#define CONFIG_MARK_PATH_MAX 4200
struct store_mark;

/* Identity of a file (device, inode, birth time) as text. ENOTFOUND. */
int store_file_id(const char *path, char *out, size_t len);
/* Opens (creating) the mark file beside db_path. Close with _close. */
int store_mark_open(const char *db_path, struct store_mark **out);
void store_mark_close(struct store_mark *m);
/* Reads the epoch and highest seq recorded. CAIRN_ENOTFOUND if none. */
int store_mark_read(struct store_mark *m, char epoch[UUID_LEN + 1],
                    uint64_t *seq);
/* Records the epoch and highest seq (in place, no fsync). */
int store_mark_write(struct store_mark *m, const char *epoch, uint64_t seq);

/*
 * Opens (creating if needed) the SQLite database at path, running schema
 * migrations. Returns a new store in *out (close with ops->close), or an
 * error with a one-line reason in err.
 */
int store_sqlite_open(const char *path, struct store **out, char *err,
                      size_t errlen);

/*
 * Connects to the PostgreSQL database at url (store-pg.c), running schema
 * migrations. Without libpq at build time, an error that says so.
 */
int store_pg_open(const char *url, struct store **out, char *err,
                  size_t errlen);

/*
 * A change watch (PostgreSQL only): a connection of its own that LISTENs
 * for the notification every commit that moves the change log sends, so
 * that a cairnd learns of changes another cairnd wrote (the live feed).
 * It only says that something changed; what is read from the database.
 * Used by the loop thread (server/watch.c), never by the database thread.
 */
struct store_watch;
int store_watch_open(const char *url, struct store_watch **out, char *err,
                     size_t errlen);
/* The socket to poll for reading. */
int store_watch_fd(const struct store_watch *w);
/* Reads what arrived: notifications (>= 0), or CAIRN_EBUSY if lost. */
int store_watch_drain(struct store_watch *w);
void store_watch_close(struct store_watch *w);

/*
 * cairnd migrate (store-migrate.c): copies the SQLite database at from,
 * every row with its ids and seqs and the epoch, into the empty
 * PostgreSQL database at url to, in one transaction; a line of what was
 * copied goes to report. CAIRN_EEXIST if to already has accounts.
 */
int store_migrate(const char *from, const char *to, FILE *report, char *err,
                  size_t errlen);

/* 1 if db names a PostgreSQL database (postgresql:// or postgres://). */
int store_is_pg(const char *db);

/*
 * Opens the store --db names: a postgresql:// URL is PostgreSQL
 * (store_pg_open), anything else a SQLite file (store_sqlite_open).
 */
int store_open(const char *db, struct store **out, char *err, size_t errlen);

#endif
