/*
 * The cairn client's one internal header. Every module of client/ has a
 * section here listing what it offers and who owns what, so any function of
 * the client can be found from this one index (tmux's tmux.h idea).
 *
 * client/ holds main, the commands and their helpers; the lower layers
 * have a folder each: client/store/ (the local store) and client/plan/
 * (the plan importer, whose interface is plan/plan.h, the plan tree and
 * its views).
 */
#ifndef CAIRN_CLIENT_H
#define CAIRN_CLIENT_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "cairn.pb-c.h"
#include "entry.h"
#include "comment.h"
#include "plan.h"
#include "uuid.h"

#include "cairn-version.h" /* CAIRN_VERSION */

#define CLI_PATH_MAX 4096  /* longest path the client builds */
#define CLI_SERVER_MAX 300 /* longest "HOST:PORT" */
#define CLI_HOST_MAX 256   /* longest host name or address */
#define CLI_PORT_MAX 8     /* longest port text, with NUL */
#define CLI_DEVICE_MAX 64  /* longest device id accepted from a peer */
#define CLI_TOKEN_MAX 64   /* longest device token in bytes */
#define CLI_PASSWORD_MIN 8
#define CLI_PASSWORD_MAX 1024
#define CLI_META_MAX 4200        /* longest meta value (timer text, paths) */
#define CLI_BATCH_DEFAULT 1000   /* records per push or pull by default */
#define CLI_CA_MAX (1024 * 1024) /* largest CA file init copies */

/* ------------------------------------------------------------------ */
/* errbuf.c: the error out-parameter of the lower layers (home,       */
/* store, plan, net), which know nothing of the command line. A       */
/* function that takes struct errbuf *err (its last parameter; NULL   */
/* when the caller wants no message) writes one line there when it    */
/* fails with something to say, and never touches it otherwise. The   */
/* caller owns it and starts it empty (struct errbuf err = {""}); a   */
/* command turns it into its error line with cli_errbuf.              */

#define ERRBUF_MAX 1024 /* as long as the error line main prints */

struct errbuf {
	char msg[ERRBUF_MAX]; /* "" until a failure says what happened */
};

/*
 * Formats a message into e (when e is not NULL) and returns code, so a
 * failure reads "return errbuf_set(err, CAIRN_EIO, ...)".
 */
int errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------ */
/* main.c: global options, the command table and the dispatcher.       */
/* opts.c: what the commands share: option parsing, usage errors and   */
/* connecting to the server as this home.                              */

/* Command flags, enforced once by the dispatcher. */
#define CMD_NEEDS_HOME 0x01  /* opens the home (initialised) and its store */
#define CMD_NEEDS_LOGIN 0x02 /* needs a device token in the store */
#define CMD_WRITES 0x04      /* may write the store (else query_only) */
#define CMD_NETWORK 0x08     /* talks to the server: needs init's config */
#define CMD_MAKES_HOME 0x10  /* init: may run where no home is yet */

struct net_conn;
struct store;

/* Everything a command may use; filled by the dispatcher. */
struct cli {
	char home[CLI_PATH_MAX];     /* the home directory */
	int json;                    /* --json given */
	struct store *st;            /* open store, or NULL (owned by main) */
	char server[CLI_SERVER_MAX]; /* "HOST:PORT" from config, or "" */
	char ca[CLI_PATH_MAX];       /* pinned CA path, or "" if none */
	char handle[HANDLE_MAX + 1]; /* logged-in handle, or "" */
	char device[CLI_DEVICE_MAX + 1]; /* server device id, or "" */
	uint8_t token[CLI_TOKEN_MAX];    /* device token */
	size_t token_len;                /* 0 when logged out */
	const struct cmd *cmd;           /* the running command */
};

struct cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	int flags;
	const char *usage;   /* "log DURATION ACTIVITY [TEXT] [options]" */
	const char *summary; /* one line for the command list */
	const char *help;    /* the options and details, for help COMMAND */
};

/* Each command's table row (name, function, flags, usage and help), kept
 * in the file that implements it so they cannot drift apart. */
extern const struct cmd cmd_init_entry;
extern const struct cmd cmd_register_entry;
extern const struct cmd cmd_login_entry;
extern const struct cmd cmd_logout_entry;
extern const struct cmd cmd_whoami_entry;
extern const struct cmd cmd_devices_entry;
extern const struct cmd cmd_log_entry;
extern const struct cmd cmd_start_entry;
extern const struct cmd cmd_stop_entry;
extern const struct cmd cmd_status_entry;
extern const struct cmd cmd_cancel_entry;
extern const struct cmd cmd_continue_entry;
extern const struct cmd cmd_ls_entry;
extern const struct cmd cmd_show_entry;
extern const struct cmd cmd_edit_entry;
extern const struct cmd cmd_rm_entry;
extern const struct cmd cmd_sync_entry;
extern const struct cmd cmd_plan_entry;
extern const struct cmd cmd_week_entry;
extern const struct cmd cmd_streak_entry;
extern const struct cmd cmd_heatmap_entry;
extern const struct cmd cmd_report_entry;
extern const struct cmd cmd_predict_entry;
extern const struct cmd cmd_commit_entry;
extern const struct cmd cmd_invite_entry;
extern const struct cmd cmd_invites_entry;
extern const struct cmd cmd_accept_entry;
extern const struct cmd cmd_decline_entry;
extern const struct cmd cmd_people_entry;
extern const struct cmd cmd_drop_entry;
extern const struct cmd cmd_feed_entry;
extern const struct cmd cmd_comment_entry;
extern const struct cmd cmd_inbox_entry;
extern const struct cmd cmd_mentees_entry;
extern const struct cmd cmd_review_entry;
extern const struct cmd cmd_completion_entry;
extern const struct cmd cmd_group_entry;
extern const struct cmd cmd_undo_entry;

/*
 * Parses the options of a command with getopt_long (argv[0] is the command
 * name). Returns the option character, -1 at the end, or CAIRN_EUSAGE after
 * setting the error line for an unknown option or a missing argument.
 * *arg is set to the option's argument (borrowed from argv).
 */
int cli_getopt(struct cli *c, int argc, char **argv,
               const struct option *longopts, const char **arg);
/* help-topic.c: pages that are no command's ('cairn help dates'). */
/* Prints the help topic name to f; 0 when there is no such topic. */
int help_topic_show(FILE *f, const char *name);
/* Lists the topics, one line each, for the end of 'cairn help'. */
void help_topics_list(FILE *f);
/* Writes up to max topic names to out; returns how many. */
size_t help_topic_names(const char **out, size_t max);
/* Index of the first positional argument after cli_getopt returned -1. */
int cli_optind(void);
/*
 * For completion: from now on (in a child process) cli_getopt writes the
 * long options it is given to fd, one "NAME HAS_ARG" line each, and
 * returns CAIRN_EUSAGE instead of parsing. -1 turns it off.
 */
void cli_probe_options(int fd);
/* The command table in 'cairn help' order (borrowed); *n is its length. */
const struct cmd *const *cli_commands(size_t *n);
/* Sets a usage error naming the command's usage line; returns EUSAGE. */
int cli_usage(struct cli *c, const char *what);
/* The home's server and login state as a net_target (borrowing c). */
struct net_target;
void cli_net_target(const struct cli *c, struct net_target *t);
/*
 * net_open for this home: its server, pinned CA, handle and device token
 * (borrowed from c). Sets the error line on failure. Caller frees *out
 * with net_close.
 */
int cli_net_open(struct cli *c, int auth, struct net_conn **out);

/* ------------------------------------------------------------------ */
/* home.c: the home directory, its config file and pinned CA.          */
/* Failures are written to err (see errbuf.c).                         */

/* Picks the home: opt, $CAIRN_HOME, $XDG_DATA_HOME/cairn, ~/.local/share. */
int home_resolve(const char *opt, char *out, size_t len, struct errbuf *err);
/*
 * Opens an existing home: dir must hold the config file 'cairn init'
 * writes (CAIRN_ENOCONFIG, with what to run, when it does not exist or
 * has none). The dir is made 0700 and the files of a home in it 0600
 * (the token and the pin are in there); one owned by another user, or
 * shared (sticky), is refused.
 */
int home_open(const char *dir, struct errbuf *err);
/* What home_make created, so that a failed init can take it back. */
struct home_made {
	size_t dir_from; /* dir[0..dir_from) is the first dir made; 0: none */
	unsigned files;  /* bit i: the home's i-th file did not exist */
};
/*
 * For init: creates dir and missing parents (0700) and makes it private
 * as home_open does, noting in *made what did not exist before. On
 * failure it has taken back what it made.
 */
int home_make(const char *dir, struct home_made *made, struct errbuf *err);
/*
 * Takes back what home_make made and what was written in the home since:
 * the files of a home that did not exist, then the directories made.
 */
void home_unmake(const char *dir, const struct home_made *made);
/* Joins home and name into out; CAIRN_ETOOBIG if it does not fit. */
int home_path(const char *home, const char *name, char *out, size_t len,
              struct errbuf *err);
/* Reads "server" from HOME/config into server ("" when absent). */
int home_config_read(const char *home, char *server, size_t len,
                     struct errbuf *err);
/*
 * Writes HOME/config (0600) with "server = value", atomically; server
 * NULL writes a config without one (a home that works offline only).
 */
int home_config_write(const char *home, const char *server, struct errbuf *err);
/*
 * Reads the PEM file src (at most CLI_CA_MAX bytes, with a certificate
 * OpenSSL can read) into *out (NUL-terminated, caller frees), *outlen.
 */
int home_ca_load(const char *src, char **out, size_t *outlen,
                 struct errbuf *err);
/* Writes len bytes of PEM to HOME/ca.pem (0600), atomically. */
int home_ca_save(const char *home, const char *data, size_t len,
                 struct errbuf *err);
/*
 * What a home trusts, from its ca.pem (path; NULL or "" when it has
 * none): HOME_TRUST_PINNED, the certificates in it and nothing else;
 * HOME_TRUST_SYSTEM, the system's CA store ('cairn init --system-ca'
 * wrote a ca.pem saying so); HOME_TRUST_NONE, nothing: no connection.
 */
#define HOME_TRUST_NONE 0
#define HOME_TRUST_PINNED 1
#define HOME_TRUST_SYSTEM 2
int home_trust(const char *path);
/* Writes HOME/ca.pem (0600) saying to trust the system's CA store. */
int home_trust_system(const char *home, struct errbuf *err);
/*
 * Describes the first certificate in the PEM file path into out: its
 * subject and SHA-256 fingerprint, "and N more" when there are more.
 * CAIRN_EINVAL (out "") when it holds none that OpenSSL can read.
 */
int home_ca_describe(const char *path, char *out, size_t len);
/* Splits "HOST:PORT" or "[V6]:PORT"; CAIRN_EINVAL if malformed. */
int home_split_server(const char *s, char *host, size_t hostlen, char *port,
                      size_t portlen);

/* ------------------------------------------------------------------ */
/* store/store.c, store/store-sync.c: the local SQLite store (the     */
/* only files that include sqlite3.h). A record row is one version of */
/* one record.                                                        */

#define REC_TARGET_MAX 48 /* a record id, or "week:YYYY-Www" */

struct rec {
	char id[UUID_LEN + 1];
	int kind;                   /* CAIRN__KIND__* */
	char owner[HANDLE_MAX + 1]; /* "" before the first login */
	/* Whose data it is about (docs/sync.md): the owner, except for
	 * comments (the owner of what they are on) and reviews (the
	 * mentee). */
	char subject[HANDLE_MAX + 1];
	uint64_t hlc;
	char device[CLI_DEVICE_MAX + 1];
	int deleted;
	int priv;
	uint8_t *body; /* owned; NULL for a tombstone */
	size_t body_len;
	/* Derived from the body by rec_derive, kept for queries: */
	int64_t at; /* started_at of an entry, at of a comment or review */
	char target[REC_TARGET_MAX + 1]; /* what a comment or review is on */
	int dirty;        /* 1 written here, 2 to push again as is; 0 synced */
	uint64_t seq;     /* the server's seq, in a pulled batch only */
	uint64_t arrived; /* local order of arrival from others, 0 if mine */
	/* An entry's fields (bit ENTRY_FIELD_*) whose value this home wrote:
	 * a pulled edit that replaces one of them unseen is said. Local. */
	unsigned own;
};

/*
 * An access event of a pull (docs/sync.md): subject became visible
 * (granted: backfill it up to seq) or invisible (forget it).
 */
struct access {
	uint64_t seq;
	char subject[HANDLE_MAX + 1];
	int granted;
};

/* Frees r's body; r may be reused. Accepts NULL. */
void rec_release(struct rec *r);
/* Frees an array of n records made by the store. Accepts NULL. */
void rec_free_array(struct rec *recs, size_t n);

struct store_filter {
	int64_t since;     /* at >= since (INT64_MIN for none) */
	int64_t until;     /* at < until (INT64_MAX for none) */
	int64_t limit;     /* most rows, 0 for all */
	const char *owner; /* only this owner, or NULL (borrowed) */
};

/*
 * Opens (creating with mode 0600) the store at path and runs its
 * migrations. With query_only set, any later write fails. Failures are
 * written to err. Caller frees with store_close.
 */
int store_open(const char *path, int query_only, struct store **out,
               struct errbuf *err);
void store_close(struct store *st);
/* The last SQLite error message of st (borrowed). */
const char *store_errmsg(struct store *st);

/*
 * Transactions nest: only the outermost begin and commit reach SQLite, so
 * a command can wrap store_put and its own writes in one transaction.
 */
int store_begin(struct store *st);
int store_commit(struct store *st);
/* Rolls back the whole open transaction, if any; never fails. */
void store_rollback(struct store *st);
/*
 * Ends what store_begin began: commits when rc is CAIRN_OK and returns
 * what the commit returned; otherwise rolls back and returns rc. The one
 * tail of every writing transaction.
 */
int store_end(struct store *st, int rc);

/* Meta values (text). get: CAIRN_ENOTFOUND when absent, ETOOBIG if long. */
int store_meta_get(struct store *st, const char *key, char *out, size_t len);
int store_meta_set(struct store *st, const char *key, const char *value);
int store_meta_del(struct store *st, const char *key);
/* Unsigned meta values; a missing key reads as 0. */
int store_meta_get_u64(struct store *st, const char *key, uint64_t *v);
int store_meta_set_u64(struct store *st, const char *key, uint64_t v);

/* The device id new versions carry: the server's, else a local one. */
int store_device(struct store *st, char out[CLI_DEVICE_MAX + 1]);
/*
 * Writes a new local version of r: fills r->hlc (ticked from the stored
 * clock), r->device, r->owner and r->dirty; stores r whole. r->body is
 * borrowed.
 */
int store_put(struct store *st, struct rec *r);
#define STORE_PUT_NO_JOURNAL 0x01 /* not an undoable change (undo's own) */
/*
 * store_put with flags. Every store_put records the record's previous
 * state in the undo journal under its transaction's group, unless
 * STORE_PUT_NO_JOURNAL. An entry's field clocks are set here (docs/sync.md,
 * "Per-field merge"): the fields whose value differs from the previous
 * head take the new hlc, the others keep theirs.
 */
int store_put_flags(struct store *st, struct rec *r, int flags);
/* The head version of record id, tombstones included. CAIRN_ENOTFOUND. */
int store_head(struct store *st, const char *id, struct rec *out);
/*
 * Finds the live (not deleted) record whose id starts with prefix (at
 * least 6 characters): CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS. On success *out
 * owns a body; release with rec_release.
 */
int store_get(struct store *st, const char *prefix, struct rec *out);
/* store_get limited to records of kind (0: any kind). */
int store_get_kind(struct store *st, int kind, const char *prefix,
                   struct rec *out);
/*
 * Calls cb for each live record of kind (of owner, unless owner is NULL),
 * oldest version first; cb's record is borrowed for the call. A non-zero
 * return of cb stops and is returned.
 */
int store_list_kind(struct store *st, int kind, const char *owner,
                    int (*cb)(void *arg, const struct rec *r), void *arg);
/*
 * Calls cb for each live entry matching f, newest first; cb's record is
 * borrowed for the call. A non-zero return of cb stops and is returned.
 */
int store_list(struct store *st, const struct store_filter *f,
               int (*cb)(void *arg, const struct rec *r), void *arg);
/*
 * Calls cb for each live record of kind (comments, reviews) on target (a
 * record id, or "week:YYYY-Www" of subject; subject NULL for any), oldest
 * first; cb's record is borrowed. A non-zero return of cb stops.
 */
int store_list_on(struct store *st, int kind, const char *target,
                  const char *subject,
                  int (*cb)(void *arg, const struct rec *r), void *arg);
/*
 * Calls cb for each live comment or review about me that someone else
 * wrote and that arrived after the arrival number after, newest first.
 */
int store_list_about(struct store *st, const char *me, uint64_t after,
                     int (*cb)(void *arg, const struct rec *r), void *arg);
/* 1 in *yes if the store holds entries of others than me. */
int store_has_others(struct store *st, const char *me, int *yes);
/* Number of dirty records. */
int store_count_dirty(struct store *st, uint64_t *n);
/*
 * Number of records of another learner's own in this home: those owned by
 * the handle it was logged in as before, if that is not handle (partners'
 * records do not count: they are a cache).
 */
int store_count_foreign(struct store *st, const char *handle, uint64_t *n);
/* Gives records written before the first login (owner "") to handle. */
int store_claim(struct store *st, const char *handle);

/*
 * Up to max_n dirty records whose bodies total about max_bytes at most
 * (at least one record). *out is a new array the caller frees with
 * rec_free_array; *n may be 0.
 */
int store_dirty_batch(struct store *st, size_t max_n, size_t max_bytes,
                      struct rec **out, size_t *n);
/*
 * The same after the first skip dirty versions (those of a batch still in
 * flight, when pushes are pipelined). Which versions are skipped is only
 * an optimisation: a version pushed twice is ignored by the server, one
 * left out stays dirty for a later batch.
 */
int store_dirty_batch_after(struct store *st, size_t skip, size_t max_n,
                            size_t max_bytes, struct rec **out, size_t *n);
/*
 * Clears dirty for each of recs whose stored (hlc, device) is still the
 * one given, in one transaction. *cleaned counts them (may be NULL).
 */
int store_mark_clean(struct store *st, const struct rec *recs, size_t n,
                     size_t *cleaned);
/* A pulled batch as store_apply_pull takes it (everything borrowed). */
struct store_batch {
	const struct rec *recs; /* in seq order */
	size_t n;
	const struct access *access; /* in seq order */
	size_t n_access;
	const char *me;       /* this home's handle */
	uint64_t cursor;      /* where the batch ends */
	const char *epoch;    /* a main pull's epoch */
	const char *backfill; /* a backfill's subject, or NULL */
	int done;             /* a backfill's last batch */
	int merge_only;       /* a live event: no position to save */
	/*
	 * Called for each field of an own entry that a pulled version
	 * replaced when this home had changed it and the writer had not seen
	 * that change (may be NULL): the record, the field (ENTRY_FIELD_*)
	 * and the device of the version that won.
	 */
	void (*lost)(void *arg, const char *id, int field, const char *device);
	void *lost_arg;
	uint64_t *merged; /* adds merged versions written (may be NULL) */
};

/*
 * Applies a pulled batch in one transaction: records merged by
 * hlc_version_cmp (greater wins; a winning local dirty version stays
 * dirty), access events in seq order between them (a grant plans a
 * backfill, a revoke forgets the subject), clocks observed, and then the
 * main pull's cursor and epoch saved, or the backfill advanced (removed
 * when done). *applied counts stored versions, *forgot adds forgotten
 * records (both may be NULL).
 */
int store_apply_pull(struct store *st, const struct store_batch *b,
                     size_t *applied, size_t *forgot);
/* The first pending backfill: CAIRN_ENOTFOUND when there is none. */
int store_backfill_next(struct store *st, char subject[HANDLE_MAX + 1],
                        uint64_t *upto, uint64_t *after);
/* Moves a backfill past after, or removes it when done. */
int store_backfill_advance(struct store *st, const char *subject,
                           uint64_t after, int done);
/*
 * The undo journal (client/store/store-undo.c): each command's writes
 * form a group; the newest STORE_UNDO_GROUPS groups are kept.
 */
#define STORE_UNDO_GROUPS 100
struct undo_item {
	char id[UUID_LEN + 1];
	int kind;
	int existed;      /* 0: the change created the record */
	struct rec prev;  /* the state before the change (body owned) */
	struct rec after; /* what the change wrote: body, deleted, priv */
	unsigned fields;  /* entry fields the change changed */
};
/*
 * The newest group of the journal in *items (caller frees with
 * store_undo_free), its number in *grp. CAIRN_ENOTFOUND when empty.
 */
int store_undo_last(struct store *st, int64_t *grp, struct undo_item **items,
                    size_t *n);
void store_undo_free(struct undo_item *items, size_t n);
/* Removes group grp from the journal. */
int store_undo_drop(struct store *st, int64_t grp);

/* Clears dirty of record id (a refused comment). CAIRN_ENOTFOUND. */
int store_set_clean(struct store *st, const char *id);
/*
 * Forgets every record another learner owns, the pending backfills, the
 * cache and the cursor (this home now belongs to handle).
 */
int store_drop_cache(struct store *st, const char *handle);
/* A cached server answer by key ("people"). CAIRN_ENOTFOUND. *out is new. */
int store_cache_get(struct store *st, const char *key, uint8_t **out,
                    size_t *len);
int store_cache_put(struct store *st, const char *key, const uint8_t *p,
                    size_t len);
/* Observes a remote clock value (a PushOk's hlc) into the stored clock. */
int store_observe(struct store *st, uint64_t remote);
/*
 * Server reset: cursor 0, epoch saved, every synced record owned by handle
 * marked to be pushed again as it is (dirty 2), in one transaction.
 */
int store_reset(struct store *st, const char *handle, const char *epoch);
/*
 * Re-stamps dirty versions written under another device id (before login,
 * or by a logged-out device) with device and a new hlc, so the server
 * accepts them. *n counts them (may be NULL).
 */
int store_restamp(struct store *st, const char *device, size_t *n);

/* ------------------------------------------------------------------ */
/* out.c: output (human and --json) and the one error line.            */

/*
 * Records the error line for code and returns code; main prints it as
 * "cairn: <message>". Without a call, err_message(code) is printed.
 */
int cli_err(int code, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/*
 * Records e's message as the error line for code and returns code. An
 * empty message records nothing: the line stays as it was, and main
 * prints err_message(code) if nothing was ever recorded.
 */
int cli_errbuf(int code, const struct errbuf *e);
/* Forgets the recorded error line (a failure the caller recovered from). */
void cli_err_clear(void);
/* The recorded error line, or NULL. */
const char *cli_errmsg(void);
/* Prints doc as one JSON document on stdout and drops the reference. */
int out_json(json_t *doc);
/* A new JSON object for an entry record; NULL if the body is corrupt. */
json_t *out_entry_json(const struct rec *r);
/* A JSON string, or null when s is NULL or empty. */
json_t *out_str_or_null(const char *s);
/* RFC 3339 string (local offset) of t, or null when t is 0. */
json_t *out_time_or_null(int64_t t);
/*
 * Prints one human line for an entry ("3f2a9c1e 2026-11-22 09:30 ..."),
 * with its learner's handle after the id when with_user is set.
 */
void out_entry_line(FILE *f, const struct rec *r, int with_user);
/*
 * Prints an entry in full, one field a line; item_title (may be NULL)
 * names its plan item.
 */
void out_entry_long(FILE *f, const struct rec *r, const char *item_title);
/* Colour escape for which ("id", "dim", "reset"...), or "" if disabled. */
const char *out_color(const char *which);
/* "2026-11-30 21:04" of unix time t in the local zone, or "never" (0). */
void out_local_time(int64_t t, char out[32]);
/*
 * How long before now then was, as people say it: "just now", "3 min ago",
 * "5 h ago", "4 days ago"; the local date and time past 60 days or when
 * then is ahead of now; "never" for 0.
 */
void out_ago(int64_t then, int64_t now, char out[32]);
/* The first 8 characters of an id, in a static buffer per call slot. */
const char *out_short_id(const char *id, char out[9]);

/* ------------------------------------------------------------------ */
/* pager.c: long output through $PAGER (else less -FRX) on a terminal. */

/*
 * When stdout is a terminal (and $PAGER is not "" or cat), sends stdout
 * through the pager from here on and returns 1; else 0, and nothing
 * changes. Call pager_end before the command returns.
 */
int pager_start(void);
/* 1 when the pager has quit early: further output is pointless. */
int pager_gone(void);
/* Ends the pager's input and waits for it; a pager quit early is fine. */
void pager_end(void);

/* ------------------------------------------------------------------ */
/* suggest.c: "did you mean" for what a user mistyped.                 */

/*
 * The candidate closest to word by edit distance (insertions, deletions,
 * substitutions and swaps of neighbours, case ignored), or NULL when none
 * is close enough to be a likely typo: at most 1 edit for words of up to
 * 4 characters, 2 for longer ones. word itself (an exact match) is never
 * suggested. Ties go to the earlier candidate.
 */
const char *suggest_closest(const char *word, const char *const *cands,
                            size_t n);

/* ------------------------------------------------------------------ */
/* password.c: reading passwords.                                      */

/*
 * Reads a password into buf (NUL-terminated, CLI_PASSWORD_MIN..MAX bytes)
 * from stdin (one line) or from /dev/tty without echo; confirm asks twice
 * on a terminal. Errors: CAIRN_EUSAGE (no terminal), CAIRN_EINVAL.
 */
int password_read(int from_stdin, int confirm, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* entryrec.c: check-ins as records.                                    */

/* Unpacks r's body into a new Entry (free with cairn__entry__free_unpacked). */
Cairn__Entry *entryrec_unpack(const struct rec *r);
/* Packs e into r->body (owned by r, previous body freed); sets r->at. */
int entryrec_pack(struct rec *r, const Cairn__Entry *e);
/* Frees an Entry built field by field by the commands (see entryrec.c). */
void entryrec_free_built(Cairn__Entry *e);
/* Copies e into a new built Entry (free with entryrec_free_built). */
Cairn__Entry *entryrec_copy(const Cairn__Entry *e);
/*
 * Fills the fields of r the store looks records up by, from its body: at
 * (an entry's start, a comment's or review's time) and target (what a
 * comment or review is on: an id, or "week:YYYY-Www"). CAIRN_EPROTO if
 * the body does not decode.
 */
int rec_derive(struct rec *r);
/* Packs m into r->body (previous body freed) and derives r's fields. */
int rec_pack_body(struct rec *r, const ProtobufCMessage *m);

/*
 * Per-field clocks of an entry version (docs/sync.md, "Per-field merge"),
 * indexed by ENTRY_FIELD_* (0 unused): when each field last changed, and
 * the clock of the value that change replaced.
 */
struct entry_clocks {
	uint64_t hlc[ENTRY_FIELDS + 1];
	uint64_t base[ENTRY_FIELDS + 1];
};
/*
 * Reads the clocks of e, the body of the version hlc. A body without
 * clocks for hlc (an older client's) reads as every field changed at hlc.
 */
void entryrec_clocks(const Cairn__Entry *e, uint64_t hlc,
                     struct entry_clocks *c);
/* 1 if field f holds the same value in a and b (with their private flags). */
int entryrec_field_equal(const Cairn__Entry *a, int apriv,
                         const Cairn__Entry *b, int bpriv, int f);
/*
 * Packs into r->body the entry e with the fields in mask (bits
 * ENTRY_FIELD_*) taken from src, carrying clocks c written for the
 * version marker (r's hlc). e and src are borrowed, unknown fields of e
 * included. Sets r->at.
 */
int entryrec_pack_clocks(struct rec *r, const Cairn__Entry *e,
                         const Cairn__Entry *src, unsigned mask,
                         const struct entry_clocks *c, uint64_t marker);
/* What entryrec_merge found. */
struct entry_merge {
	struct entry_clocks c; /* each field's winning clock */
	unsigned from_in;      /* fields the incoming version won */
	unsigned take_in;      /* of those, values that differ from local */
	unsigned take_loc;     /* fields local won, values that differ */
	unsigned lost;         /* take_in fields own held, written unseen */
	int priv;              /* the merged private flag */
};
/*
 * Merges two versions of one entry field by field: the greater field
 * clock wins, a tie goes to the greater version (hlc_version_cmp). loc
 * and in are the bodies of lr and ir; own is lr's own-field bits.
 */
void entryrec_merge(const Cairn__Entry *loc, const struct rec *lr, unsigned own,
                    const Cairn__Entry *in, const struct rec *ir,
                    struct entry_merge *m);

/* ------------------------------------------------------------------ */
/* plan/plan-tree.c: a plan as records (one Plan, one PlanItem per    */
/* item), loaded into a tree with the minutes logged against each     */
/* item.                                                              */

#define PTREE_ENTRIES_MAX 2000000 /* entries one plan view reads */
#define PTREE_POS_STEP 16         /* positions of an import: 0, 16, 32... */

struct ptree_item {
	char id[UUID_LEN + 1];
	Cairn__PlanItem *m; /* owned (unpacked) */
	int priv;           /* the record is private */
	int parent;         /* index of the parent item, -1 at the top */
	uint64_t minutes;   /* logged for it and everything under it */
};

/* An entry of the plan's owner, as the plan views need it. */
struct ptree_entry {
	int item;           /* index of its item, -1 if none in this plan */
	int64_t day;        /* its local date, days since 1970-01-01 */
	int64_t started_at; /* unix seconds */
	uint32_t minutes, limit;
	int beaten;
	char activity[ENTRY_ACTIVITY_MAX + 1];
};

struct ptree_key {
	const char *id; /* borrowed from items[idx].id */
	size_t idx;
};

struct ptree {
	char id[UUID_LEN + 1];
	char owner[HANDLE_MAX + 1];
	int priv;
	Cairn__Plan *plan;        /* owned (unpacked) */
	int64_t start;            /* plan->start, days since 1970-01-01 */
	struct ptree_item *items; /* owned, in document order */
	size_t n;
	struct ptree_key *byid;   /* owned: item ids sorted, n long */
	struct ptree_entry *ents; /* owned, oldest first (ptree_load_entries) */
	size_t n_ents;
};

/* Frees t and everything it owns. Accepts NULL. */
void ptree_free(struct ptree *t);
/*
 * Makes a new tree (new UUIDs) from an imported plan p starting start
 * (days since 1970-01-01), with source the file name. Every record is
 * checked with planrec; a failure says why in err. Caller frees *out.
 */
int ptree_from_plan(const struct plan *p, int64_t start, const char *source,
                    struct ptree **out, struct errbuf *err);
/*
 * Loads the plan whose record id is id and its items. An unreadable plan
 * or too many items say so in err; a store failure leaves err as it was
 * (see store_errmsg). Caller frees *out.
 */
int ptree_load(struct store *st, const char *id, struct ptree **out,
               struct errbuf *err);
/*
 * Reads the entries of t's owner into t->ents and sums minutes into the
 * items they name and every ancestor of those. Too many entries say so
 * in err; a store failure leaves err as it was.
 */
int ptree_load_entries(struct store *st, struct ptree *t, struct errbuf *err);
/*
 * Adds an entry to t (what ptree_load_entries does for each one); more
 * than PTREE_ENTRIES_MAX say so in err.
 */
int ptree_add_entry(struct ptree *t, const char *item, int64_t started_at,
                    int utc_offset, uint32_t minutes, uint32_t limit,
                    int beaten, const char *activity, struct errbuf *err);
/* Index of the item whose id is id, or -1. */
int ptree_find(const struct ptree *t, const char *id);
/*
 * Finds the item spec names: an id prefix of 6 or more characters, else
 * a title: the exact title, then the same ignoring case, then a unique
 * piece of a title (items other than notes first). CAIRN_ENOTFOUND or
 * CAIRN_EAMBIGUOUS say so in err (listing candidates).
 */
int ptree_resolve(const struct ptree *t, const char *spec, int *idx,
                  struct errbuf *err);
/* Stores the plan record and every item record in one transaction. */
int ptree_store(struct store *st, struct ptree *t);
/* Stores a new version of item i (after its fields changed). */
int ptree_put_item(struct store *st, struct ptree *t, size_t i);
/* Stores a new version of the plan record (after its fields changed). */
int ptree_put_plan(struct store *st, struct ptree *t);
/* Stores a tombstone for item i. */
int ptree_tombstone_item(struct store *st, const struct ptree *t, size_t i);
/* Tombstones the plan and every item of t in one transaction. */
int ptree_remove(struct store *st, const struct ptree *t);
/*
 * Sorts t's items by position, indexes their ids and links parents (after
 * items or ids changed). CAIRN_OK or CAIRN_ENOMEM.
 */
int ptree_relink(struct ptree *t);
/*
 * plan/plan-replace.c: a plan updated from an edited file. The items of
 * the new tree are matched to the old ones by title path (the titles of
 * their ancestors and their own; duplicates pair in order); a match keeps
 * the old id, done mark and privacy, so the minutes logged against it
 * stay.
 */
#define PTREE_CH_KIND 1u   /* kind changed */
#define PTREE_CH_WINDOW 2u /* window or time box changed */
#define PTREE_CH_TEXT 4u   /* source text changed */
#define PTREE_CH_DONE 8u   /* ticked in the file */
#define PTREE_CH_PLACE 16u /* parent, heading level or order changed */

struct ptree_diff {
	int *old_of;    /* owned, per new item: the old item it keeps, or -1 */
	unsigned *what; /* owned, per new item: PTREE_CH_* of a kept one */
	char *gone;     /* owned, per old item: 1 when removed */
	size_t added, removed, changed, kept;
};

/*
 * Makes nt (fresh from ptree_from_plan) the next version of old: nt takes
 * old's plan id, and each matched item its old id, done mark (or the
 * file's tick) and privacy; positions are kept where the order allows.
 * Fills *d (release with ptree_diff_release).
 */
int ptree_replace(const struct ptree *old, struct ptree *nt,
                  struct ptree_diff *d);
void ptree_diff_release(struct ptree_diff *d);
/*
 * Stores what d says in one transaction: nt's plan record, its added and
 * changed items, tombstones for old's removed ones.
 */
int ptree_replace_store(struct store *st, const struct ptree *old,
                        struct ptree *nt, const struct ptree_diff *d);
/* Rebuilds the in-memory plan of t for export. Caller plan_frees *out. */
int ptree_to_plan(const struct ptree *t, struct plan **out);
/* Kind name of item i ("phase", "task"...). */
const char *ptree_kind(const struct ptree *t, size_t i);
/* Writes the window of item i as dates ("" when it has none). */
void ptree_window(const struct ptree *t, size_t i, char from[11], char to[11]);
/* Depth of item i in the tree (0 at the top). */
int ptree_depth(const struct ptree *t, size_t i);
/* 1 if hay contains needle (not empty), ignoring ASCII case. */
int ptree_ci_contains(const char *hay, const char *needle);

/* ------------------------------------------------------------------ */
/* plan/plan-status.c: where a learner stands against a plan on a     */
/* day.                                                               */

struct pstatus_act {
	char activity[ENTRY_ACTIVITY_MAX + 1];
	uint64_t minutes; /* logged since the plan started, up to today */
	int has_alloc;    /* the plan allocates a share to it */
	unsigned min_pct, max_pct;
};

struct pstatus {
	int64_t today;              /* days since 1970-01-01 */
	int64_t day;                /* today - start (0 the first day) */
	int week;                   /* week of the plan, 0 before it starts */
	int64_t week_from, week_to; /* this plan week, days since 1970 */
	int phase;                  /* index of the current phase, or -1 */
	int *due;                   /* owned: items due this week */
	size_t n_due;
	int *overdue; /* owned: items past their window, not done */
	size_t n_overdue;
	uint64_t week_minutes;   /* logged this plan week */
	double sched_hours;      /* the schedule's hours in a week */
	double sched_to_date;    /* scheduled from the week's start to today */
	struct pstatus_act *act; /* owned */
	size_t n_act;
	uint64_t total_minutes; /* logged from the start to today */
};

/*
 * Computes the status of t (entries loaded) on the day today (days since
 * 1970-01-01). Release *out with pstatus_release.
 */
int pstatus_compute(const struct ptree *t, int64_t today, struct pstatus *out);
void pstatus_release(struct pstatus *s);
/*
 * Hours the plan's schedule asks for on day (days since 1970-01-01): the
 * rows naming its weekday; without a schedule, the least weekly hours
 * spread over seven days; 0 when the plan says neither.
 */
double pstatus_day_hours(const Cairn__Plan *p, int64_t day);
/* The --json document of a status (new reference; NULL on failure). */
json_t *pstatus_json(const struct ptree *t, const struct pstatus *s);
/* Prints a status for people. */
void pstatus_print(FILE *f, const struct ptree *t, const struct pstatus *s);

/* ------------------------------------------------------------------ */
/* cmd-plan.c: the plan command and its sub-table; plan/plan-show.c:  */
/* plan show; plan-select.c: plans and items by what a user types, and */
/* today (shared with log, edit and start).                           */

int cmd_plan(struct cli *c, int argc, char **argv);
/*
 * Today for the plan views, as days since 1970-01-01: $CAIRN_NOW
 * (YYYY-MM-DD, for tests) when set, else the local date.
 */
int plan_today(int64_t *days);
/*
 * Now for the views: *now (unix seconds; may be NULL) and *today (the
 * local date, days since 1970-01-01; may be NULL). $CAIRN_NOW, the test
 * hook, fixes them: a date (that day at noon) or an RFC 3339 time. Sets
 * the error line when CAIRN_NOW is malformed.
 */
int cli_now(int64_t *now, int64_t *today);
/*
 * Finds ITEM (see ptree_resolve) in the active plan of this home and
 * writes its id; *limit (may be NULL) gets its time box in minutes. A
 * home without a plan keeps ITEM as written (a label of at most 36
 * bytes here). Sets the error line on failure.
 */
int plan_resolve_item(struct cli *c, const char *spec, char id[UUID_LEN + 1],
                      uint32_t *limit);
/*
 * Loads the plan spec names (id prefix or title piece) of owner (NULL:
 * this home's own), or the active one when spec is NULL. Sets the error
 * line on failure. Caller frees *out.
 */
int plan_open(struct cli *c, const char *spec, const char *owner,
              struct ptree **out);
/*
 * The plan of owner (NULL: this home's own) the progress views use: the
 * active one for this home, the last imported for others. *out is NULL,
 * without an error, when they have none. Caller frees with ptree_free.
 */
int plan_open_any(struct cli *c, const char *owner, struct ptree **out);
/* plan show (plan/plan-show.c), called by cmd_plan. */
int plan_cmd_show(struct cli *c, int argc, char **argv);
/* hours_per_week of p: {"min","max"}, or null when not given (new ref). */
json_t *plan_hours_json(const Cairn__Plan *p);
/* The schedule of p: [{"day","hours","activity"}] (new ref). */
json_t *plan_schedule_json(const Cairn__Plan *p);

/* ------------------------------------------------------------------ */
/* view/model.c: the progress model of one learner over a span of days, */
/* from the local store; every view reads it.                          */

#define MODEL_ACTS 16        /* activities told apart; the rest "other" */
#define MODEL_BANDS 5        /* confidence bands 50-60 .. 90-100 */
#define MODEL_RECENT_WEEKS 8 /* "recent" calibration */
#define MODEL_COMMITS 8
#define MODEL_TEXT_MAX 160 /* bytes of an entry's text kept */

struct model_day {
	int64_t day; /* days since 1970-01-01 */
	uint32_t minutes;
	uint32_t act[MODEL_ACTS]; /* minutes per activity (model.acts) */
	double target_h;          /* what the plan's schedule asks */
	int free;                 /* the schedule leaves the day free */
};

struct model_entry {
	char id[UUID_LEN + 1];
	int64_t day, started_at;
	int offset;
	uint32_t minutes, limit;
	int beaten, act;
	char activity[ENTRY_ACTIVITY_MAX + 1];
	char item[ENTRY_ITEM_MAX + 1];
	char text[MODEL_TEXT_MAX + 1];
};

struct model_pred {
	char id[UUID_LEN + 1];
	char week[WEEK_NAME_MAX + 1];
	int64_t monday;
	char text[1025], note[1025];
	unsigned confidence;
	int outcome; /* CAIRN__OUTCOME__* */
	int64_t at, resolved_at;
	int dirty;
};

struct model_band {
	unsigned lo, hi, n;
	double came_true; /* share that came true (partly counts 0.5) */
};

struct model_calib {
	struct model_band band[MODEL_BANDS];
	unsigned n;   /* resolved predictions counted */
	double brier; /* mean of (p - outcome)^2; 0 when n is 0 */
};

struct model_commit {
	int rule; /* CAIRN__RULE__* */
	double value;
	int64_t since;
};

struct model_breach {
	int rule;
	double value, got;
	int64_t from, to; /* the days it covers */
};

struct model {
	char user[HANDLE_MAX + 1];
	int64_t today, from, to; /* the span, inclusive */
	struct model_day *days;  /* owned, n_days (to - from + 1) */
	size_t n_days;
	char acts[MODEL_ACTS][ENTRY_ACTIVITY_MAX + 1];
	uint64_t act_total[MODEL_ACTS]; /* minutes in the span */
	size_t n_acts;
	uint64_t total;           /* minutes in the span */
	struct model_entry *ents; /* owned: the span's, oldest first */
	size_t n_ents;
	int has_plan;
	char plan[PLAN_TITLE_MAX + 1];
	double week_target_h;     /* the schedule's hours in a week */
	unsigned streak_min;      /* minutes that make a day count */
	int streak, longest;      /* days in a row (free days skipped) */
	int64_t last_at;          /* last check-in, unix s; 0 if none */
	int64_t first_day;        /* first day with a check-in, or -1 */
	uint64_t entries_total;   /* check-ins in the whole history */
	struct model_pred *preds; /* owned: every prediction */
	size_t n_preds;
	char recent_week[WEEK_NAME_MAX + 1];
	struct model_calib all, recent; /* recent: the last 8 weeks */
	struct model_commit commits[MODEL_COMMITS];
	size_t n_commits;
	struct model_breach *breaches; /* owned: every broken commitment */
	size_t n_breaches;
};

/* What model_build may leave out or count differently. */
struct model_opts {
	unsigned streak_min; /* minutes that make a day count; 0: default */
	int shared_only;     /* leave private entries out (a report) */
};

/* The learner's own day of a session (days since 1970-01-01). */
int64_t model_entry_day(int64_t started_at, int utc_offset);
/*
 * Builds user's model for the days from..to (at most 100 years) as of
 * today, against plan t (borrowed; NULL without one), with options o
 * (may be NULL). Release *out with model_release.
 */
int model_build(struct store *st, const char *user, const struct ptree *t,
                int64_t from, int64_t to, int64_t today,
                const struct model_opts *o, struct model *out);
/*
 * Only the predictions of user and their calibration (no sessions read):
 * what predict ls and plan status need. Release with model_release.
 */
int model_build_predictions(struct store *st, const char *user, int64_t today,
                            struct model *out);
void model_release(struct model *m);
/* Calibration of the resolved predictions of weeks from since on. */
void model_calibrate(const struct model_pred *p, size_t n, int64_t since,
                     struct model_calib *c);
/* 1 for right, 0.5 for partly, 0 for wrong (or open). */
double model_outcome_value(int outcome);
/* 1 if prediction i is still open after its week ended. */
int model_pred_due(const struct model *m, size_t i);
/* "max-gap", "days-per-week", "hours-per-week". */
const char *model_rule_name(int rule);
/* One line for a breach, with its dates. */
void model_breach_text(const struct model_breach *b, char *out, size_t len);

/* ------------------------------------------------------------------ */
/* view/term.c: drawing on a terminal (colour and Unicode only there).  */

/* Columns to fit: the terminal's, else $COLUMNS, else 80 (40..240). */
int term_width(void);
/* 1 when colour and Unicode shading are wanted (a tty, no NO_COLOR). */
int term_fancy(void);
/* The plain-text letter of an activity. */
char term_act_letter(const char *act);
/*
 * Draws width cells of a bar split by activity (act: minutes per slot of
 * m->acts), per_cell minutes a cell, padded with spaces.
 */
void term_bar(FILE *f, const struct model *m, const uint32_t *act,
              double per_cell, int width);
/* One line naming the activities' colours or letters. */
void term_legend(FILE *f, const struct model *m);
/* The heatmap shade 0..4 of a day's minutes. */
int term_level(uint32_t minutes);
/* One heatmap cell of level (-1: blank, a day not yet come). */
void term_cell(FILE *f, int level);

/* cmd-view.c: week, streak, heatmap. */
/*
 * The model of user (this home's when NULL) over from..to, with their
 * plan (*plan, may be NULL; caller frees) when they have one. Sets the
 * error line on failure; warns on stderr when nothing of them is here.
 */
int view_open(struct cli *c, const char *user, int64_t from, int64_t to,
              const struct model_opts *o, struct model *m, struct ptree **plan);

/* ------------------------------------------------------------------ */
/* view/progress.c: the progress model, one learner's week against their */
/* plan, read from the local store (mentees, review, group board).      */

#define PROGRESS_STREAK_MIN 15 /* minutes that make a day count */

struct progress {
	char user[HANDLE_MAX + 1];
	int64_t monday, today;   /* days since 1970-01-01 */
	uint32_t day_minutes[7]; /* Monday first */
	uint64_t week_minutes;
	int has_plan;
	char plan[PLAN_TITLE_MAX + 1];
	double target_h;   /* the plan's hours for the week */
	double due_h;      /* of which due by today (all, if past) */
	int overdue;       /* milestones and phases overdue */
	int streak;        /* days in a row with PROGRESS_STREAK_MIN */
	int64_t last_at;   /* the last check-in (unix s), 0 if none */
	int64_t first_day; /* the learner's first day, -1 if none */
	uint64_t entries;
	int breaches; /* commitments broken in the last 2 weeks */
	int behind;   /* fewer hours than due, or overdue */
};

/*
 * The Monday of WEEK as commands take it: this (NULL too), last, YYYY-Www
 * or a YYYY-MM-DD date in it. CAIRN_EINVAL with a message in err.
 */
int week_arg(const char *s, int64_t today, int64_t *monday, struct errbuf *err);
/*
 * Computes user's progress in the week starting monday, as of today,
 * against plan t (borrowed; NULL when they have none).
 */
int progress_compute(struct store *st, const char *user, const struct ptree *t,
                     int64_t monday, int64_t today, struct progress *out);
/* The --json form, figures as numbers (new reference). */
json_t *progress_json(const struct progress *p);
/* "6h15m of 20h" (or "6h15m" without a plan) into out. */
void progress_hours(const struct progress *p, char *out, size_t len);

/* ------------------------------------------------------------------ */
/* cmd-people.c: the people list the server keeps, cached locally.    */

/* Caches a PeopleOk answer (sets the error line on failure). */
int people_cache_put(struct cli *c, const Cairn__Response *resp);
/*
 * The cached people list (empty before the first sync). *out is new:
 * free with cairn__people_ok__free_unpacked.
 */
int people_cache_load(struct cli *c, Cairn__PeopleOk **out);
/* The role handle has in p (of role, or any when role is 0), or 0. */
int people_role(const Cairn__PeopleOk *p, const char *handle, int role);
/* "partner", "mentor", "mentee". */
const char *people_role_name(int role);

/* ------------------------------------------------------------------ */
/* net.c: one blocking TLS connection to cairnd. It knows nothing of  */
/* the command line: a command connects with cli_net_open (opts.c).   */

struct net_conn;

/*
 * Where net_open connects and as whom; every pointer is borrowed for the
 * call only (the connection keeps copies of what it needs).
 */
struct net_target {
	const char *server;   /* "HOST:PORT" or "[V6]:PORT" */
	const char *ca;       /* the home's ca.pem (home_trust); NULL or "":
	                       * none, and net_open refuses to connect */
	const char *handle;   /* for the "run 'cairn login'" hints, or NULL */
	const char *device;   /* device id, for Auth */
	const uint8_t *token; /* device token, for Auth */
	size_t token_len;
};

/*
 * Connects to t->server, verifies it against t->ca, and says Hello. With
 * auth set, authenticates with t->device and t->token. Failures are
 * written to err. Caller frees *out with net_close.
 */
int net_open(const struct net_target *t, int auth, struct net_conn **out,
             struct errbuf *err);
/* Closes the connection (close_notify) and frees it. Accepts NULL. */
void net_close(struct net_conn *n);
/*
 * Sends req (its id is set here) and waits for its Response. A Response
 * with a non-zero status becomes that error (written to err, with a
 * hint), as does any failure. On success *resp is new; free it with
 * msg_free_response.
 */
int net_call(struct net_conn *n, Cairn__Request *req, Cairn__Response **resp,
             struct errbuf *err);
/* Sends req (its id is set here) without waiting. */
int net_send(struct net_conn *n, Cairn__Request *req, struct errbuf *err);
/*
 * Waits for the answer to the request sent with id (requests are
 * answered in the order sent), as net_call does after sending.
 */
int net_answer(struct net_conn *n, uint32_t id, Cairn__Response **resp,
               struct errbuf *err);
/*
 * Waits (up to the timeout) for the next frame from the server, an answer
 * or an event (id 0, body event), and returns it as it came: a status is
 * not turned into an error here. *resp is new (msg_free_response).
 */
int net_recv(struct net_conn *n, Cairn__Response **resp, struct errbuf *err);
/* How long waits for the server last, in ms (0: the default, 30 s). */
void net_set_timeout(struct net_conn *n, int ms);
/* The socket, to wait on many connections at once with poll. */
int net_fd(const struct net_conn *n);
/* The record the last refused call named, or "" (borrowed). */
const char *net_refused_record(const struct net_conn *n);
/* What the server said in HelloOk (borrowed from n). */
const char *net_epoch(const struct net_conn *n);
uint32_t net_max_batch(const struct net_conn *n);
/* Set by a SIGINT handler: blocking waits return CAIRN_EINTR. */
extern volatile sig_atomic_t net_interrupted;

/* ------------------------------------------------------------------ */
/* Commands: one file per family. Each returns a CAIRN_* code.          */

/* cmd-init.c */
int cmd_init(struct cli *c, int argc, char **argv);
/* cmd-account.c */
int cmd_register(struct cli *c, int argc, char **argv);
int cmd_login(struct cli *c, int argc, char **argv);
int cmd_logout(struct cli *c, int argc, char **argv);
int cmd_whoami(struct cli *c, int argc, char **argv);
int cmd_devices(struct cli *c, int argc, char **argv);
/* cmd-log.c */
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_edit(struct cli *c, int argc, char **argv);
int cmd_rm(struct cli *c, int argc, char **argv);
/*
 * Finds the live entry whose id starts with prefix, setting the error line
 * when there is none, several, or the prefix is bad. *r as store_get.
 */
int cmd_find_entry(struct cli *c, const char *prefix, struct rec *r);
/* cmd-timer.c */
int cmd_start(struct cli *c, int argc, char **argv);
int cmd_stop(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_cancel(struct cli *c, int argc, char **argv);
int cmd_continue(struct cli *c, int argc, char **argv);
/* cmd-ls.c */
int cmd_ls(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
/* cmd-sync.c */
int cmd_sync(struct cli *c, int argc, char **argv);
/*
 * Copies a Record from the server into r (body owned by r), checking its
 * bounds and deriving its fields. CAIRN_EPROTO if malformed.
 */
int sync_from_wire(const Cairn__Record *w, struct rec *r);
/*
 * A device's name as this home last heard it from the server (cached by
 * sync), else its first 8 characters; "another machine" for NULL or "".
 */
void sync_device_name(struct cli *c, const char *id, char *out, size_t len);
/* cmd-undo.c */
int cmd_undo(struct cli *c, int argc, char **argv);
/* cmd-people.c */
int cmd_invite(struct cli *c, int argc, char **argv);
int cmd_invites(struct cli *c, int argc, char **argv);
int cmd_accept(struct cli *c, int argc, char **argv);
int cmd_decline(struct cli *c, int argc, char **argv);
int cmd_people(struct cli *c, int argc, char **argv);
int cmd_drop(struct cli *c, int argc, char **argv);
/* cmd-group.c */
int cmd_group(struct cli *c, int argc, char **argv);
/* cmd-comment.c */
int cmd_comment(struct cli *c, int argc, char **argv);
int cmd_inbox(struct cli *c, int argc, char **argv);
/*
 * Lists the comments on target (a record id, or "week:YYYY-Www" with
 * subject) for show and review: printed, or appended to arr when it is
 * not NULL.
 */
int comments_show(struct cli *c, const char *target, const char *subject,
                  json_t *arr);
/* cmd-feed.c */
int cmd_feed(struct cli *c, int argc, char **argv);
/* cmd-view.c */
int cmd_week(struct cli *c, int argc, char **argv);
int cmd_streak(struct cli *c, int argc, char **argv);
int cmd_heatmap(struct cli *c, int argc, char **argv);
/* cmd-report.c */
int cmd_report(struct cli *c, int argc, char **argv);
/* cmd-predict.c */
int cmd_predict(struct cli *c, int argc, char **argv);
int cmd_commit(struct cli *c, int argc, char **argv);
/* The calibration as JSON (new reference) and for people. */
json_t *calib_json(const struct model_calib *c);
void calib_print(FILE *f, const char *label, const struct model_calib *c);
/* cmd-mentor.c */
int cmd_mentees(struct cli *c, int argc, char **argv);
int cmd_review(struct cli *c, int argc, char **argv);

/*
 * Rewrites an entry_validate reason (len bytes of room) in the names the
 * command line uses: "minutes: ..." becomes "duration: ...".
 */
void cmd_entry_why(char *why, size_t len);

#endif
