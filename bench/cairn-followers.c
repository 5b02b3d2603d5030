/*
 * cairn-followers: N idle live-feed followers on one cairnd, and how long
 * one check-in takes to reach all of them. It speaks the protocol through
 * the client's own library (client/net.c), not a second implementation.
 *
 *   cairn-followers HOST:PORT CA N [CAIRND-PID]
 *
 * Two accounts, star and fan (registered, or logged in when they exist),
 * become partners. N connections authenticate as one device of fan and
 * send Follow; with CAIRND-PID the server's resident memory is read before
 * and after, for the memory one idle follower costs. Then star pushes one
 * entry, and the tool waits (poll over every socket, at most 60 s) until
 * each follower has received an Event carrying it. It prints one line of
 * figures (times from the start of the push: its connection, TLS, commit
 * and acknowledgement, then the first and the last follower to see it)
 * and exits 0 only if all N received the entry.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "uuid.h"

#define FW_PASSWORD "followers-bench-password"
#define FW_WAIT_MS 60000
#define FW_N_MAX 100000

struct fw_account {
	const char *handle;
	char device[UUID_LEN + 1];
	uint8_t token[64];
	size_t token_len;
};

static double
fw_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* VmRSS of pid in KB, or -1. */
static long
fw_rss(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
fw_fail(const char *what, int rc, const struct errbuf *err)
{
	fprintf(stderr, "cairn-followers: %s: %s\n", what,
	        err != NULL && err->msg[0] != '\0' ? err->msg
	                                           : err_message(rc));
	return 1;
}

/* Registers a (or logs in when the handle is taken); fills the device. */
static int
fw_account(const struct net_target *t0, struct fw_account *a)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register rg = CAIRN__REGISTER__INIT;
	Cairn__Login lg = CAIRN__LOGIN__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	int rc;

	if ((rc = net_open(t0, 0, &n, &err)) != CAIRN_OK)
		return fw_fail("connect", rc, &err);
	rg.handle = (char *)a->handle;
	rg.password = FW_PASSWORD;
	rg.device_name = "bench";
	req.body_case = CAIRN__REQUEST__BODY_REGISTER;
	req.register_ = &rg;
	rc = net_call(n, &req, &resp, &err);
	if (rc == CAIRN_EEXIST) {
		lg.handle = (char *)a->handle;
		lg.password = FW_PASSWORD;
		lg.device_name = "bench";
		req.body_case = CAIRN__REQUEST__BODY_LOGIN;
		req.login = &lg;
		rc = net_call(n, &req, &resp, &err);
	}
	if (rc != CAIRN_OK) {
		net_close(n);
		return fw_fail(a->handle, rc, &err);
	}
	snprintf(a->device, sizeof(a->device), "%s", resp->session->device_id);
	a->token_len = resp->session->token.len < sizeof(a->token)
	                       ? resp->session->token.len
	                       : sizeof(a->token);
	memcpy(a->token, resp->session->token.data, a->token_len);
	msg_free_response(resp);
	net_close(n);
	return 0;
}

static void
fw_target(struct net_target *t, const struct net_target *t0,
          const struct fw_account *a)
{
	*t = *t0;
	t->handle = a->handle;
	t->device = a->device;
	t->token = a->token;
	t->token_len = a->token_len;
}

/* One request on a fresh authenticated connection of a. */
static int
fw_call(const struct net_target *t0, const struct fw_account *a,
        Cairn__Request *req, int ok_codes)
{
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	struct net_target t;
	int rc;

	fw_target(&t, t0, a);
	if ((rc = net_open(&t, 1, &n, &err)) == CAIRN_OK)
		rc = net_call(n, req, &resp, &err);
	msg_free_response(resp);
	net_close(n);
	if (rc != CAIRN_OK && rc != ok_codes)
		return fw_fail(a->handle, rc, &err);
	return 0;
}

/* star pushes one entry; its id into id. */
static int
fw_push(const struct net_target *t0, const struct fw_account *star,
        char id[UUID_LEN + 1])
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push push = CAIRN__PUSH__INIT;
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	Cairn__Record r = CAIRN__RECORD__INIT, *rp = &r;
	uint8_t body[256];

	e.started_at = (int64_t)time(NULL) - 3600;
	e.minutes = 25;
	e.activity = "drill";
	e.text = "the check-in every follower waits for";
	if (uuid_new(id) != CAIRN_OK)
		return 1;
	r.id = id;
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.owner = (char *)star->handle;
	r.hlc = hlc_make(hlc_wall_ms(), 0);
	r.device = (char *)star->device;
	r.body.data = body;
	r.body.len = cairn__entry__pack(&e, body);
	push.records = &rp;
	push.n_records = 1;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &push;
	return fw_call(t0, star, &req, CAIRN_OK);
}

/* 1 if resp is an Event carrying record id. */
static int
fw_has(const Cairn__Response *resp, const char *id)
{
	size_t i;

	if (resp->id != 0 || resp->body_case != CAIRN__RESPONSE__BODY_EVENT)
		return 0;
	for (i = 0; i < resp->event->n_records; i++)
		if (strcmp(resp->event->records[i]->id, id) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct fw_account star = {"star"}, fan = {"fan"};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Invite inv = CAIRN__INVITE__INIT;
	Cairn__Answer ans = CAIRN__ANSWER__INIT;
	Cairn__Follow fo = CAIRN__FOLLOW__INIT;
	Cairn__Response *resp = NULL;
	struct net_conn **conns = NULL;
	struct pollfd *pfd = NULL;
	struct net_target t0, t;
	struct errbuf err = {""};
	struct rlimit rl;
	char id[UUID_LEN + 1];
	double t_open, t_push, t_ack, t_first = 0, t_last = 0, now;
	long pid = 0, rss0 = -1, rss1 = -1, n, i, got = 0;
	int rc, status = 1;

	if (argc < 4 || argc > 5) {
		fprintf(stderr,
		        "usage: cairn-followers HOST:PORT CA N [CAIRND-PID]\n");
		return 2;
	}
	n = strtol(argv[3], NULL, 10);
	if (n < 1 || n > FW_N_MAX) {
		fprintf(stderr, "cairn-followers: N is 1 to %d\n", FW_N_MAX);
		return 2;
	}
	if (argc == 5)
		pid = strtol(argv[4], NULL, 10);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)n + 32) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 32 ? rl.rlim_max
		                                           : (rlim_t)n + 32;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&t0, 0, sizeof(t0));
	t0.server = argv[1];
	t0.ca = argv[2];
	if (fw_account(&t0, &star) || fw_account(&t0, &fan))
		return 1;
	inv.handle = "fan";
	inv.role = CAIRN__ROLE__ROLE_PARTNER;
	req.body_case = CAIRN__REQUEST__BODY_INVITE;
	req.invite = &inv;
	if (fw_call(&t0, &star, &req, CAIRN_EEXIST))
		return 1;
	ans.handle = "star";
	ans.accept = 1;
	req.body_case = CAIRN__REQUEST__BODY_ANSWER;
	req.answer = &ans;
	if (fw_call(&t0, &fan, &req, CAIRN_ENOTFOUND))
		return 1;

	if ((conns = calloc((size_t)n, sizeof(*conns))) == NULL ||
	    (pfd = calloc((size_t)n, sizeof(*pfd))) == NULL)
		goto out;
	if (pid > 0)
		rss0 = fw_rss(pid);
	fw_target(&t, &t0, &fan);
	t_open = fw_ms();
	for (i = 0; i < n; i++) {
		if ((rc = net_open(&t, 1, &conns[i], &err)) != CAIRN_OK) {
			fprintf(stderr, "cairn-followers: follower %ld: ", i);
			fw_fail("connect", rc, &err);
			goto out;
		}
		req.body_case = CAIRN__REQUEST__BODY_FOLLOW;
		req.follow = &fo;
		if ((rc = net_call(conns[i], &req, &resp, &err)) != CAIRN_OK) {
			fw_fail("follow", rc, &err);
			goto out;
		}
		msg_free_response(resp);
		resp = NULL;
		pfd[i].fd = net_fd(conns[i]);
		pfd[i].events = POLLIN;
	}
	t_open = fw_ms() - t_open;
	if (pid > 0)
		rss1 = fw_rss(pid);

	t_push = fw_ms();
	if (fw_push(&t0, &star, id))
		goto out;
	t_ack = fw_ms() - t_push;
	while (got < n) {
		rc = poll(pfd, (nfds_t)n, FW_WAIT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			fprintf(stderr,
			        "cairn-followers: %ld of %ld followers got nothing within %d s\n",
			        n - got, n, FW_WAIT_MS / 1000);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN))
				continue;
			if ((rc = net_recv(conns[i], &resp, &err)) != 0) {
				fw_fail("follower", rc, &err);
				goto out;
			}
			if (fw_has(resp, id)) {
				now = fw_ms() - t_push;
				if (got++ == 0)
					t_first = now;
				t_last = now;
				pfd[i].fd = -1; /* done: poll skips it */
			}
			msg_free_response(resp);
			resp = NULL;
		}
	}
	printf("followers=%ld opened_ms=%.0f", n, t_open);
	if (rss0 >= 0 && rss1 >= 0)
		printf(" rss_before_kb=%ld rss_after_kb=%ld per_follower_kb=%.1f",
		       rss0, rss1, (double)(rss1 - rss0) / (double)n);
	printf(" push_acked_ms=%.1f fanout_first_ms=%.1f fanout_last_ms=%.1f\n",
	       t_ack, t_first, t_last);
	status = 0;
out:
	msg_free_response(resp);
	for (i = 0; conns != NULL && i < n; i++)
		net_close(conns[i]);
	free(conns);
	free(pfd);
	return status;
}
