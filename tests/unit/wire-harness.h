/*
 * The harness of the wire tests (test-server-wire*.c): a real cairnd loop
 * (server_run) on a thread of the test process, on 127.0.0.1 with a free
 * port and throwaway certificates, its log captured by a logger thread,
 * and a minimal blocking TLS client built on common/. group_setup starts
 * the server, group_teardown stops it with SIGTERM and checks it exited 0.
 */
#ifndef CAIRN_WIRE_HARNESS_H
#define CAIRN_WIRE_HARNESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cairnd.h"
#include "frame.h"
#include "msg.h"
#include "tls.h"

#define LOG_MAX (1024 * 1024)
#define PASSWORD "correct horse"

struct wire_state {
	char dir[64];
	char ca[128];
	struct config cfg;
	/* Called on cfg after the defaults, before the server starts. */
	void (*tune)(struct config *cfg);
	pthread_t server, logger;
	int server_rc;
	int log_fd, saved_stderr;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char log[LOG_MAX];
	size_t loglen;
	int port;
	int logger_done;
	int started; /* the server thread runs: teardown must stop it */
};

extern struct wire_state W;

struct client {
	int fd;
	struct tls_ctx *ctx;
	struct tls_session *s;
	struct frame_decoder dec;
	uint32_t next_id;
};

struct rec {
	Cairn__Record r;
	uint8_t body[256];
};

/* 1 if the server logged s; wait_logged waits up to 10 s for it. */
int logged(const char *s);
int wait_logged(const char *s);
/* cmocka group fixtures: start and stop the server. */
int group_setup(void **state);
int group_teardown(void **state);
/* A plain TCP connection to the server (for malformed input). */
int tcp_connect(void);
/* A client: connect with TLS, send and receive frames, call. */
void cl_connect(struct client *c);
void cl_close(struct client *c);
void cl_raw(struct client *c, const void *p, size_t len);
uint32_t cl_send(struct client *c, Cairn__Request *req);
Cairn__Response *cl_recv(struct client *c);
Cairn__Response *cl_call(struct client *c, Cairn__Request *req);
int code_of(const Cairn__Response *r);
/* Protocol steps; cl_account registers (reg) or logs in. */
/* Hello with the newest version, or with version. */
void cl_hello(struct client *c);
void cl_hello_version(struct client *c, unsigned version);
int cl_account(struct client *c, int reg, const char *handle, const char *pw,
               char dev[UUID_LEN + 1], uint8_t token[32]);
int cl_auth(struct client *c, const char *dev, const uint8_t token[32]);
/* Records and the push and pull calls; *_expect assert a status code. */
size_t entry_body(uint8_t *out, size_t cap, const char *text);
void rec_make(struct rec *x, const char *id, const char *owner, const char *dev,
              uint64_t hlc);
Cairn__Response *cl_push(struct client *c, struct rec *recs, size_t n);
void push_expect(struct client *c, struct rec *recs, size_t n, int code);
void call_expect(struct client *c, Cairn__Request *req, int code);
Cairn__Response *cl_pull(struct client *c, uint64_t cursor, const char *epoch,
                         uint32_t limit);

#endif
