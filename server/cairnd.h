/*
 * cairnd's one internal header: every module of the server and what it
 * offers, in sections, so a newcomer finds any function from this index.
 * The storage interface has its own header (store.h) because a second
 * backend implements it.
 *
 * Threads: everything runs on the libuv loop thread except the run()
 * function of a database job (dbq.c: the database thread) and password
 * hashing (secret.c via uv_queue_work: the libuv thread pool).
 */
#ifndef CAIRND_H
#define CAIRND_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cairn.pb-c.h"
#include "entry.h"
#include "frame.h"
#include "log.h"
#include "store.h"
#include "uuid.h"

#include "cairn-version.h" /* CAIRN_VERSION */
#define CAIRND_NAME "cairnd/" CAIRN_VERSION

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- main.c: options and configuration ---- */

#define CONFIG_PATH_MAX 4096

/* The settings of one server run (plain values, no ownership). */
struct config {
	char listen[256];
	char db[CONFIG_PATH_MAX];
	char cert[CONFIG_PATH_MAX];
	char key[CONFIG_PATH_MAX];
	int invite_only;
	unsigned max_conns;
	unsigned max_conns_ip;      /* per peer address (IPv6: per /64) */
	unsigned max_conns_user;    /* with a session, per account */
	unsigned idle_timeout;      /* seconds */
	unsigned handshake_timeout; /* seconds */
	unsigned auth_timeout;      /* seconds from accept to a session */
	unsigned write_timeout;     /* seconds a reply may wait unread */
	unsigned heartbeat;         /* seconds; 0 means the default */
	unsigned login_limit;       /* password checks per handle a minute */
	unsigned login_ip_limit;    /* password checks per address a minute */
	unsigned register_limit;    /* registrations per address an hour */
	unsigned hash_limit;        /* password hashes in flight */
	unsigned input_budget_mb;   /* buffered request bytes, all conns */
	unsigned quota_records;     /* per user; 0: none */
	unsigned quota_mb;          /* record bytes per user; 0: none */
	enum log_level log_level;
};

/* The defaults of every setting (server.c; the documented ones). */
void config_defaults(struct config *cfg);

/* ---- server.c: loop, listener, signals, shutdown ---- */

#define SERVER_HEARTBEAT_DEFAULT 25 /* seconds between follower heartbeats */

struct conn;
struct dbq;
struct dbq_job;
struct ratelimit;
struct tls_ctx;

/* A password hash in flight (h-auth.c): whose address, which handle. */
struct hash_slot {
	char ip[64];
	char handle[HANDLE_MAX + 1];
	int used;
};

struct server {
	uv_loop_t *loop; /* borrowed */
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	uv_timer_t stop_timer; /* forces connections closed on a stalled stop */
	uv_timer_t heartbeat;  /* follower heartbeats (h-follow.c) */
	uv_timer_t wake;       /* resumes connections paused for input */
	uv_timer_t summary;    /* the periodic conn.summary line */
	unsigned heartbeat_s;  /* its period */
	const struct config *cfg; /* borrowed */
	struct tls_ctx *tls;      /* owned */
	struct store *store;      /* owned; used only by the database thread */
	struct dbq *dbq;          /* owned */
	/* Owned attempt counters (h-auth.c): password checks per handle and
	 * per address, registrations per address, token checks per address
	 * and device. */
	struct ratelimit *rl_handle, *rl_ip, *rl_register, *rl_token;
	struct hash_slot *hash_slots; /* owned, cfg->hash_limit long */
	unsigned hashing; /* password hashes admitted and not finished */
	uint8_t *rbuf;    /* owned; CONN_BUF_SIZE bytes: every libuv read */
	uint8_t *pbuf;    /* owned; CONN_BUF_SIZE bytes: plaintext out of TLS */
	char epoch[UUID_LEN + 1];
	unsigned max_version; /* newest protocol version spoken */
	uint64_t hlc;         /* server clock: seen by pushes, sent back */
	struct conn *conns;   /* open connections, newest first (not owned) */
	unsigned nconns;
	size_t in_bytes;    /* request bytes buffered, all connections */
	size_t wq_bytes;    /* reply bytes queued, all connections */
	unsigned in_paused; /* connections paused for the input budget */
	struct conn_stats { /* since the last summary line */
		uint64_t opened, refused, evicted, timed_out;
		uint64_t auth_refused; /* refused attempts (h-auth.c) */
	} stats;
	uint64_t next_conn_id;
	unsigned inflight;    /* requests not yet answered, on any connection */
	unsigned nfollowers;  /* connections that sent Follow */
	int follow_running;   /* a follow round is queued or running */
	uint64_t follow_base; /* the newest seq the last round saw */
	int follow_again;     /* the log moved during that round */
	int stopping;
	int finished;           /* the stop has closed everything */
	int kill_after_commits; /* CAIRND_TEST_KILL_AFTER_COMMITS, or 0 */
	struct watch *watch;    /* PostgreSQL's change watch (watch.c) */
};

/*
 * Opens the store, listens and runs the loop until SIGINT/SIGTERM. Returns
 * a process exit code; startup failures are logged as one line.
 */
int server_run(const struct config *cfg);
/*
 * Called when a connection has left the list or a request was answered:
 * once stopping and nothing is left, stops the database thread and closes
 * every handle so the loop ends.
 */
void server_check_stop(struct server *srv);
/*
 * The attempt counters and hash slots sized by srv->cfg (h-auth.c uses
 * them). CAIRN_ENOMEM, with nothing left allocated. Free accepts a
 * server where new failed or never ran.
 */
int server_limits_new(struct server *srv);
void server_limits_free(struct server *srv);
/*
 * The size a batch reply (a pull) should aim at now: smaller when replies
 * pile up unread across connections (srv->wq_bytes, kept by conn.c).
 */
size_t server_reply_budget(const struct server *srv);
/* Advances and returns the server clock after observing remote. */
uint64_t server_clock(struct server *srv, uint64_t remote);

/* ---- conn.c: one TLS connection ---- */

/*
 * The size of the server's two shared buffers (struct server rbuf and
 * pbuf): one read of ciphertext, one take of plaintext.
 */
#define CONN_BUF_SIZE (64 * 1024)

struct rq;

/*
 * A connection: a TCP handle and a timer, a TLS session, a frame decoder
 * and the session state. Reference-counted: the handles hold one reference
 * until both are closed, each request in flight holds one. Freed when the
 * last reference goes, which is never inside a callback that still uses it.
 */
struct conn {
	struct server *srv; /* borrowed */
	struct conn *prev, *next;
	uv_tcp_t tcp;
	uv_timer_t timer; /* handshake timeout, then idle timeout */
	struct tls_session *tls;
	struct frame_decoder dec;
	int refs;
	int handles; /* open libuv handles */
	int closing;
	int reading;
	int close_after_flush;
	int stop_requested; /* server stopping: close once idle */
	const char *close_reason;
	size_t wq_bytes;    /* ciphertext queued in uv_write, not yet written */
	size_t in_bytes;    /* decoder bytes counted in srv->in_bytes */
	int in_paused;      /* not reading: the input budget is spent */
	uint64_t born_ms;   /* loop time of accept */
	uint64_t active_ms; /* loop time of the last byte read or reply */
	uint64_t write_ms;  /* loop time the write queue last moved */
	struct rq *rq;      /* the request in flight, or NULL */
	uint64_t id;
	uint64_t opened_ms;
	char peer[64]; /* "IP:PORT" */
	char ip[64];
	/* Session state, written by the handlers. */
	int hello;
	int version; /* protocol version settled by Hello */
	int authed;
	int64_t user_id;
	char handle[HANDLE_MAX + 1];
	char device_id[UUID_LEN + 1];
	/* A follower of the live feed (h-follow.c). */
	int follower;
	int follow_lagging; /* left out of a round for a full queue */
	uint64_t follow_cursor;
	uint64_t follow_sent_ms; /* last event or heartbeat */
};

/* Accepts one pending connection from the listener. */
void conn_accept(struct server *srv);
void conn_ref(struct conn *c);
/* Drops a reference; frees the connection when it was the last. */
void conn_unref(struct conn *c);
/* Closes now (writes in flight are cancelled). Idempotent. */
void conn_close(struct conn *c, const char *reason);
/* Sends close_notify, stops reading, closes when the writes drain. */
void conn_close_after_flush(struct conn *c, const char *reason);
/* Packs, encrypts and queues one response. resp is borrowed. */
int conn_send(struct conn *c, const Cairn__Response *resp);
/* The request in flight has been answered: take the next one. */
void conn_request_done(struct conn *c);
/* Server shutdown: close once the request in flight is answered. */
void conn_stop(struct conn *c);
/* Logs the conn.summary line of the churn since the last one. */
void conn_summary(struct server *srv);

/* ---- dispatch.c: unpack once, check state, call handler, free once ---- */

/* Handler results. */
#define RQ_DONE 0  /* the response is filled */
#define RQ_ASYNC 1 /* the handler will call rq_complete later */

/* Flags of a dispatch table row. */
#define DF_NEEDS_HELLO 0x1
#define DF_NEEDS_AUTH 0x2
#define DF_WRITES 0x4
#define DF_V2 0x8 /* needs protocol version 2 */

/*
 * One request in flight. Owns the unpacked request (freed once, in
 * rq_complete) and the response; handler state hangs on data.
 */
struct rq {
	struct conn *c; /* holds a reference */
	Cairn__Request *req;
	const char *name; /* handler name for logs */
	Cairn__Response resp;
	Cairn__Status status;
	char msg[256];
	char record_id[UUID_LEN + 1];
	int failed;
	int async;
	int writes;      /* the row has DF_WRITES: jobs run as DBQ_WRITE */
	int prechecked;  /* a push's records were checked (off the loop) */
	uint32_t id;     /* the request's id (0 until decoded) */
	int close_after; /* close the connection after this reply */
	uint64_t start_ms;
	void *data;                    /* handler state, owned */
	void (*data_free)(void *data); /* frees data; may be NULL */
};

/* Handles one frame payload received on c (c->rq must be NULL). */
void dispatch_frame(struct conn *c, const uint8_t *p, size_t len);
/* Sends an error response with id 0 (frame-level errors). */
void dispatch_error(struct conn *c, int code, const char *message);
/* Marks the response as failed with code and a one-line message. */
void rq_fail(struct rq *rq, int code, const char *record_id, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));
/* Sends the response of an RQ_ASYNC request and frees the request. */
void rq_complete(struct rq *rq);
/* Queues a job for rq (DBQ_WRITE added for DF_WRITES rows). */
int dbq_submit_rq(struct rq *rq, struct dbq_job *job);

/* ---- h-hello.c, h-auth.c, h-sync.c: handlers (rows of dispatch.c) ---- */

int h_hello(struct rq *rq);
int h_register(struct rq *rq);
int h_login(struct rq *rq);
int h_auth(struct rq *rq);
int h_logout(struct rq *rq);
int h_devices(struct rq *rq);
int h_revoke(struct rq *rq);
int h_rename(struct rq *rq);
int h_push(struct rq *rq);
int h_pull(struct rq *rq);
int h_invite(struct rq *rq);
int h_answer(struct rq *rq);
int h_drop(struct rq *rq);
int h_people(struct rq *rq);
int h_group(struct rq *rq);
int h_follow(struct rq *rq);
/* A push's checks that need no storage; they fail rq (h-sync.c). */
void sync_push_precheck(struct rq *rq);
/* A copy of src in one allocation (free with free). NULL without memory. */
Cairn__Record *sync_record_copy(const Cairn__Record *src);
/*
 * A stored version as a wire Record borrowing s's strings, for viewer.
 * CAIRN_EINTERNAL (logged) if it would send a private body to someone
 * who is neither the record's owner nor its subject.
 */
int sync_record_to_wire(const struct store_record *s, int64_t viewer,
                        Cairn__Record *r);

/* ---- h-follow.c: the live feed ---- */

/* The change log moved: send followers what they may see of it. */
void follow_notify(struct server *srv);
/* Heartbeat tick: an Event to every follower quiet for heartbeat s. */
void follow_heartbeat(struct server *srv);
/* c's output queue drained: serve it if it missed a round. */
void follow_drained(struct conn *c);
/* c is closing: it follows no more. */
void follow_forget(struct conn *c);

/* ---- watch.c: changes from other cairnd on one PostgreSQL ---- */

/* Listens for the change log's notifications (a no-op with SQLite). */
int watch_start(struct server *srv);
/* The server is stopping: no more rounds. */
void watch_stop(struct server *srv);
/* After the loop ended: frees the watch. */
void watch_free(struct server *srv);

/* ---- dbq.c: the database thread and its job queue ---- */

#define DBQ_WRITE 0x1  /* the job writes: it runs inside a savepoint */
#define DBQ_PUSH 0x2   /* counts for CAIRND_TEST_KILL_AFTER_COMMITS */
#define DBQ_DRYRUN 0x4 /* a write job always rolled back: a check */

/*
 * A unit of disk work, embedded in the caller's state. run() executes on
 * the database thread with the store inside a transaction (and, for
 * DBQ_WRITE, a savepoint rolled back if run fails); done() executes on the
 * loop thread after the transaction committed, with rc the result of run
 * (or CAIRN_ESTORAGE if the commit failed). The job is borrowed by the
 * queue from submit until done.
 */
struct dbq_job {
	int (*run)(struct store *st, struct dbq_job *job);
	void (*done)(struct dbq_job *job);
	unsigned flags;
	int rc;
	struct dbq_job *next;
};

/* Starts the database thread over st (borrowed). kill_after: see above. */
int dbq_new(uv_loop_t *loop, struct store *st, int kill_after,
            struct dbq **out);
/* Queues job. CAIRN_EBUSY once the queue is closing. */
int dbq_submit(struct dbq *q, struct dbq_job *job);
/*
 * Runs every queued job, stops and joins the thread, calls the pending
 * done callbacks and closes the async handle (q is freed in its close
 * callback). Accepts NULL.
 */
void dbq_close(struct dbq *q);

/* ---- ratelimit.c: attempt counters in bounded memory ---- */

#define RATELIMIT_KEY_MAX 96
#define RATELIMIT_OK 0
#define RATELIMIT_BLOCKED 1 /* max attempts already in the window */
#define RATELIMIT_FULL 2    /* no room to count a new key: refuse it */

/* At most max attempts per key in any window of window_s seconds. */
struct ratelimit *ratelimit_new(size_t slots, unsigned max, unsigned window_s);
void ratelimit_free(struct ratelimit *rl);
/* 1 if key already has max attempts within the window ending at now. */
int ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now);
/* Counts one attempt starting now unless refused: RATELIMIT_*. */
int ratelimit_take(struct ratelimit *rl, const char *key, int64_t now);
/* Takes back key's newest attempt (it succeeded and should not count). */
void ratelimit_refund(struct ratelimit *rl, const char *key, int64_t now);

/* ---- secret.c: passwords, tokens, invite codes ---- */

#define SECRET_TOKEN_LEN 32
#define SECRET_SCRYPT_N 16384
#define SECRET_SCRYPT_R 8
#define SECRET_SCRYPT_P 1
#define SECRET_PASSWORD_MIN 8
#define SECRET_PASSWORD_MAX 1024
#define SECRET_INVITE_LEN 24

/* scrypt of the password into out (STORE_HASH_LEN bytes). Slow: ~50 ms. */
int secret_scrypt(const char *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint64_t n, uint32_t r, uint32_t p,
                  uint8_t *out);
/* SHA-256 of a device token into out (STORE_HASH_LEN bytes). */
int secret_token_hash(const uint8_t *token, size_t len, uint8_t *out);
/* Cryptographically random bytes. CAIRN_OK or CAIRN_EINTERNAL. */
int secret_random(uint8_t *p, size_t len);
/* A new invite code (SECRET_INVITE_LEN characters and NUL) into out. */
int secret_invite_code(char out[SECRET_INVITE_LEN + 1]);

/* Milliseconds of the loop-independent monotonic clock. */
uint64_t now_mono_ms(void);

#endif
