/*
 * The storage interface of cairnd: a table of function pointers (a vtable)
 * that a backend fills. store-sqlite.c is the SQLite backend, and the only
 * file that includes sqlite3.h; a PostgreSQL backend would implement the
 * same table. A store is used by one thread at a time (the database thread
 * of dbq.c, or a test), never concurrently.
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
 * caller, in a pull callback from the store, valid only during the call.
 */
struct store_record {
	const char *id;
	int kind;
	int64_t owner_id;
	const char *owner; /* owner's handle; filled in pulls only */
	uint64_t hlc;
	const char *device;
	int deleted;
	int private_;
	const uint8_t *body;
	size_t body_len;
	uint64_t seq; /* filled in pulls only */
};

/* The head of a stored record, copied out (record_get). */
struct store_record_head {
	int64_t owner_id;
	uint64_t hlc;
	char device[UUID_LEN + 1];
	int deleted;
	int private_;
	uint64_t seq;
};

/* Callback of device_list: return 0 to go on, < 0 to stop with that code. */
typedef int (*store_device_cb)(void *arg, const struct store_device *d);
/*
 * Callback of pull, called in seq order: return 0 to go on, 1 to stop
 * (success), < 0 to stop with that code.
 */
typedef int (*store_record_cb)(void *arg, const struct store_record *r);

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

	/* Creates an invite code usable uses times. CAIRN_EEXIST. */
	int (*invite_create)(struct store *st, const char *code, uint32_t uses,
	                     int64_t now);
	/* Uses an invite code once. CAIRN_EINVITE if unknown or used up. */
	int (*invite_consume)(struct store *st, const char *code);

	/* Copies the stored head of record id. CAIRN_ENOTFOUND. */
	int (*record_get)(struct store *st, const char *id,
	                  struct store_record_head *out);
	/*
	 * Merges one version by the merge rule (hlc_version_cmp): a winner
	 * replaces the stored version and takes the next seq (*applied = 1);
	 * an older or identical version is ignored (*applied = 0).
	 * CAIRN_EFORBIDDEN if the id belongs to another owner.
	 */
	int (*record_put)(struct store *st, const struct store_record *r,
	                  int *applied);
	/*
	 * Calls cb for each record visible to user_id with seq > cursor, in
	 * seq order, until cb stops or none are left.
	 */
	int (*pull)(struct store *st, int64_t user_id, uint64_t cursor,
	            store_record_cb cb, void *arg);
	/* The highest seq ever given (0 for none). */
	int (*max_seq)(struct store *st, uint64_t *out);
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

#endif
