/*
 * Writes the seed corpus of fuzz-session.c: valid sessions, one file each,
 * in the input format of session.h, into the folder given (normally
 * tests/fuzz/corpus/session/). The output depends on nothing but this
 * file, so `make fuzz` can check the committed seeds are what it writes.
 *
 *   build-fuzz/seed-session tests/fuzz/corpus/session
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "msg.h"
#include "session.h"

#define SEED_MAX (1024 * 1024) /* one seed file */
#define SEED_HLC(sec, n) ((uint64_t)(sec)*1000 << 16 | (n))

static const char *const ids[] = {
        "3b6f1a2e-9c4d-4e8f-a1b2-c3d4e5f60718",
        "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "c0ffee00-1234-4abc-9def-0123456789ab",
        "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6",
        "e5d4c3b2-a190-4f8e-9d7c-6b5a4f3e2d1c",
};

/* One seed being written: setup byte, then records. */
struct seed {
	struct buf b;
	uint32_t next_id;
};

static void
seed_begin(struct seed *s, unsigned setup)
{
	uint8_t c = (uint8_t)setup;

	buf_init(&s->b, SEED_MAX);
	s->next_id = 1;
	if (buf_append(&s->b, &c, 1) != CAIRN_OK)
		abort();
}

/* Appends req as a record for connection conn (its id set here). */
static void
seed_req(struct seed *s, unsigned conn, Cairn__Request *req)
{
	struct buf f;
	uint8_t c = (uint8_t)conn;

	req->id = s->next_id++;
	session_frame(&f, req);
	if (buf_append(&s->b, &c, 1) != CAIRN_OK ||
	    buf_append(&s->b, f.data, f.len) != CAIRN_OK)
		abort();
	buf_release(&f);
}

static void
seed_end(struct seed *s, const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(s->b.data, 1, s->b.len, f) != s->b.len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	buf_release(&s->b);
}

/* ---- requests ---- */

static void
req_hello(struct seed *s, unsigned conn, unsigned version)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;

	h.version = version;
	h.client = "cairn/seed";
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	seed_req(s, conn, &req);
}

static void
req_auth(struct seed *s, unsigned conn)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth a = CAIRN__AUTH__INIT;

	a.device_id = (char *)session_devices[conn];
	a.token.data = (uint8_t *)session_tokens[conn];
	a.token.len = SESSION_TOKEN_LEN;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &a;
	seed_req(s, conn, &req);
}

static void
req_register(struct seed *s, unsigned conn, const char *handle,
             const char *code)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register r = CAIRN__REGISTER__INIT;

	r.handle = (char *)handle;
	r.password = SESSION_PASSWORD;
	r.code = (char *)code;
	r.device_name = "laptop";
	req.body_case = CAIRN__REQUEST__BODY_REGISTER;
	req.register_ = &r;
	seed_req(s, conn, &req);
}

static void
req_login(struct seed *s, unsigned conn, const char *handle, const char *pw)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Login l = CAIRN__LOGIN__INIT;

	l.handle = (char *)handle;
	l.password = (char *)pw;
	l.device_name = "desktop";
	req.body_case = CAIRN__REQUEST__BODY_LOGIN;
	req.login = &l;
	seed_req(s, conn, &req);
}

/* A request whose body is an empty message of body case (list, logout). */
static void
req_empty(struct seed *s, unsigned conn, Cairn__Request__BodyCase body)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Logout lo = CAIRN__LOGOUT__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	Cairn__PeopleList pl = CAIRN__PEOPLE_LIST__INIT;

	req.body_case = body;
	if (body == CAIRN__REQUEST__BODY_LOGOUT)
		req.logout = &lo;
	else if (body == CAIRN__REQUEST__BODY_DEVICES)
		req.devices = &dl;
	else if (body == CAIRN__REQUEST__BODY_PEOPLE)
		req.people = &pl;
	seed_req(s, conn, &req);
}

static void
req_revoke(struct seed *s, unsigned conn, const char *prefix)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DeviceRevoke r = CAIRN__DEVICE_REVOKE__INIT;

	r.device_id = (char *)prefix;
	req.body_case = CAIRN__REQUEST__BODY_REVOKE;
	req.revoke = &r;
	seed_req(s, conn, &req);
}

static void
req_pull(struct seed *s, unsigned conn, uint64_t cursor, const char *subject)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull p = CAIRN__PULL__INIT;

	p.cursor = cursor;
	p.limit = 100;
	p.subject = (char *)subject;
	req.body_case = CAIRN__REQUEST__BODY_PULL;
	req.pull = &p;
	seed_req(s, conn, &req);
}

static void
req_follow(struct seed *s, unsigned conn)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Follow f = CAIRN__FOLLOW__INIT;

	req.body_case = CAIRN__REQUEST__BODY_FOLLOW;
	req.follow = &f;
	seed_req(s, conn, &req);
}

static void
req_invite(struct seed *s, unsigned conn, const char *handle, Cairn__Role role)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Invite i = CAIRN__INVITE__INIT;

	i.handle = (char *)handle;
	i.role = role;
	req.body_case = CAIRN__REQUEST__BODY_INVITE;
	req.invite = &i;
	seed_req(s, conn, &req);
}

static void
req_answer(struct seed *s, unsigned conn, const char *handle, Cairn__Role role,
           int accept)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Answer a = CAIRN__ANSWER__INIT;

	a.handle = (char *)handle;
	a.role = role;
	a.accept = accept;
	req.body_case = CAIRN__REQUEST__BODY_ANSWER;
	req.answer = &a;
	seed_req(s, conn, &req);
}

static void
req_drop(struct seed *s, unsigned conn, const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Drop d = CAIRN__DROP__INIT;

	d.handle = (char *)handle;
	req.body_case = CAIRN__REQUEST__BODY_DROP;
	req.drop = &d;
	seed_req(s, conn, &req);
}

static void
req_group(struct seed *s, unsigned conn, Cairn__GroupAction action,
          const char *name, const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__GroupOp g = CAIRN__GROUP_OP__INIT;

	g.action = action;
	g.name = (char *)name;
	g.handle = (char *)handle;
	req.body_case = CAIRN__REQUEST__BODY_GROUP;
	req.group = &g;
	seed_req(s, conn, &req);
}

/* ---- pushes ---- */

/* A record of kind with body (packed into b by the caller), or deleted. */
static void
req_push_one(struct seed *s, unsigned conn, const char *id, Cairn__Kind kind,
             const uint8_t *body, size_t len, uint64_t hlc, const char *subject)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push p = CAIRN__PUSH__INIT;
	Cairn__Record r = CAIRN__RECORD__INIT;
	Cairn__Record *rp = &r;

	r.id = (char *)id;
	r.kind = kind;
	r.owner = (char *)session_users[conn];
	r.device = (char *)session_devices[conn];
	r.hlc = hlc;
	r.deleted = body == NULL;
	r.body.data = (uint8_t *)body;
	r.body.len = len;
	r.subject = (char *)subject;
	p.records = &rp;
	p.n_records = 1;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &p;
	seed_req(s, conn, &req);
}

static size_t
body_entry(uint8_t *out)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	Cairn__Metric m = CAIRN__METRIC__INIT;
	Cairn__Metric *mp = &m;
	char *skills[] = {"pytorch"};

	e.started_at = SESSION_TIME - 3600;
	e.utc_offset = 60;
	e.minutes = 90;
	e.activity = "project";
	e.text = "collaborative filtering baseline";
	e.skills = skills;
	e.n_skills = 1;
	m.key = "pages";
	m.value = 30;
	e.metrics = &mp;
	e.n_metrics = 1;
	e.limit_minutes = 120;
	e.beaten = 1;
	return cairn__entry__pack(&e, out);
}

static size_t
body_plan(uint8_t *out)
{
	Cairn__Plan p = CAIRN__PLAN__INIT;
	Cairn__Allocation a = CAIRN__ALLOCATION__INIT;
	Cairn__Allocation *ap = &a;

	p.title = "Deep learning in six months";
	p.goal = "ship a model";
	p.start = "2023-11-13";
	p.hours_min = 8;
	p.hours_max = 10;
	a.activity = "project";
	a.min_pct = 40;
	a.max_pct = 60;
	p.allocations = &ap;
	p.n_allocations = 1;
	p.source = "plan.md";
	return cairn__plan__pack(&p, out);
}

static size_t
body_item(uint8_t *out)
{
	Cairn__PlanItem it = CAIRN__PLAN_ITEM__INIT;

	it.plan = (char *)ids[1];
	it.position = 1;
	it.kind = CAIRN__ITEM_KIND__ITEM_PHASE;
	it.title = "Phase 1 (Weeks 1-4)";
	it.line = "## Phase 1 (Weeks 1-4)";
	it.has_window = 1;
	it.from_day = 0;
	it.to_day = 27;
	it.level = 2;
	return cairn__plan_item__pack(&it, out);
}

static size_t
body_comment(uint8_t *out)
{
	Cairn__Comment c = CAIRN__COMMENT__INIT;

	c.week = "2023-W46";
	c.text = "good week";
	c.at = SESSION_TIME;
	return cairn__comment__pack(&c, out);
}

static size_t
body_review(uint8_t *out)
{
	Cairn__Review r = CAIRN__REVIEW__INIT;

	r.week = "2023-W46";
	r.at = SESSION_TIME;
	return cairn__review__pack(&r, out);
}

static size_t
body_prediction(uint8_t *out)
{
	Cairn__Prediction p = CAIRN__PREDICTION__INIT;

	p.week = "2023-W47";
	p.text = "five sessions";
	p.confidence = 70;
	p.at = SESSION_TIME;
	return cairn__prediction__pack(&p, out);
}

static size_t
body_commitment(uint8_t *out)
{
	Cairn__Commitment c = CAIRN__COMMITMENT__INIT;

	c.rule = CAIRN__RULE__RULE_DAYS_PER_WEEK;
	c.value = 4;
	c.since = "2023-11-13";
	c.at = SESSION_TIME;
	return cairn__commitment__pack(&c, out);
}

int
main(int argc, char **argv)
{
	const char *dir;
	struct seed s;
	uint8_t body[1024];
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: seed-session DIR\n");
		return 2;
	}
	dir = argv[1];

	/* Log, sync, look at the devices: one learner's day. */
	seed_begin(&s, SESSION_SETUP_AUTH);
	n = body_entry(body);
	req_push_one(&s, 0, ids[0], CAIRN__KIND__KIND_ENTRY, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	req_pull(&s, 0, 0, "");
	req_empty(&s, 0, CAIRN__REQUEST__BODY_DEVICES);
	req_push_one(&s, 0, ids[0], CAIRN__KIND__KIND_ENTRY, NULL, 0,
	             SEED_HLC(SESSION_TIME, 1), "");
	req_pull(&s, 0, 1, "");
	seed_end(&s, dir, "push-pull");

	/* A plan and its items, and the v2 kinds. */
	seed_begin(&s, SESSION_SETUP_AUTH);
	n = body_plan(body);
	req_push_one(&s, 0, ids[1], CAIRN__KIND__KIND_PLAN, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	n = body_item(body);
	req_push_one(&s, 0, ids[2], CAIRN__KIND__KIND_PLAN_ITEM, body, n,
	             SEED_HLC(SESSION_TIME, 1), "");
	n = body_prediction(body);
	req_push_one(&s, 0, ids[3], CAIRN__KIND__KIND_PREDICTION, body, n,
	             SEED_HLC(SESSION_TIME, 2), "");
	n = body_commitment(body);
	req_push_one(&s, 0, ids[4], CAIRN__KIND__KIND_COMMITMENT, body, n,
	             SEED_HLC(SESSION_TIME, 3), "");
	req_pull(&s, 0, 0, "");
	seed_end(&s, dir, "plan-kinds");

	/* An old client: version 1 pushes an entry and a plan, pulls. */
	seed_begin(&s, SESSION_SETUP_V1_AUTH);
	n = body_entry(body);
	req_push_one(&s, 0, ids[0], CAIRN__KIND__KIND_ENTRY, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	n = body_plan(body);
	req_push_one(&s, 0, ids[1], CAIRN__KIND__KIND_PLAN, body, n,
	             SEED_HLC(SESSION_TIME, 1), "");
	req_pull(&s, 0, 0, "");
	req_empty(&s, 0, CAIRN__REQUEST__BODY_PEOPLE);
	seed_end(&s, dir, "v1-sync");

	/* Partners: invite, accept, follow, see each other, drop. */
	seed_begin(&s, SESSION_SETUP_AUTH | SESSION_SETUP_TWO);
	req_invite(&s, 0, "noor", CAIRN__ROLE__ROLE_PARTNER);
	req_empty(&s, 1, CAIRN__REQUEST__BODY_PEOPLE);
	req_answer(&s, 1, "maya", CAIRN__ROLE__ROLE_PARTNER, 1);
	req_follow(&s, 1);
	n = body_entry(body);
	req_push_one(&s, 0, ids[0], CAIRN__KIND__KIND_ENTRY, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	n = body_comment(body);
	req_push_one(&s, 1, ids[2], CAIRN__KIND__KIND_COMMENT, body, n,
	             SEED_HLC(SESSION_TIME, 1), "maya");
	req_pull(&s, 1, 0, "");
	req_pull(&s, 1, 0, "maya");
	req_drop(&s, 0, "noor");
	req_pull(&s, 1, 0, "");
	seed_end(&s, dir, "partners");

	/* A mentor: noor mentors maya and reviews her week. */
	seed_begin(&s, SESSION_SETUP_AUTH | SESSION_SETUP_TWO);
	req_invite(&s, 0, "noor", CAIRN__ROLE__ROLE_MENTOR);
	req_answer(&s, 1, "maya", CAIRN__ROLE__ROLE_MENTOR, 1);
	n = body_entry(body);
	req_push_one(&s, 0, ids[0], CAIRN__KIND__KIND_ENTRY, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	n = body_review(body);
	req_push_one(&s, 1, ids[3], CAIRN__KIND__KIND_REVIEW, body, n,
	             SEED_HLC(SESSION_TIME, 1), "maya");
	req_pull(&s, 0, 0, "");
	req_empty(&s, 0, CAIRN__REQUEST__BODY_PEOPLE);
	seed_end(&s, dir, "mentor");

	/* A study group: create, invite, join, leave. */
	seed_begin(&s, SESSION_SETUP_AUTH | SESSION_SETUP_TWO);
	req_group(&s, 0, CAIRN__GROUP_ACTION__GROUP_CREATE, "ml-study", "");
	req_group(&s, 0, CAIRN__GROUP_ACTION__GROUP_INVITE, "ml-study", "noor");
	req_group(&s, 1, CAIRN__GROUP_ACTION__GROUP_JOIN, "ml-study", "");
	req_empty(&s, 1, CAIRN__REQUEST__BODY_PEOPLE);
	req_follow(&s, 0);
	n = body_entry(body);
	req_push_one(&s, 1, ids[4], CAIRN__KIND__KIND_ENTRY, body, n,
	             SEED_HLC(SESSION_TIME, 0), "");
	req_group(&s, 1, CAIRN__GROUP_ACTION__GROUP_LEAVE, "ml-study", "");
	seed_end(&s, dir, "group");

	/* Register and log in from Hello; a second device; revoke it. */
	seed_begin(&s, SESSION_SETUP_HELLO);
	req_register(&s, 0, "sam", "");
	req_empty(&s, 0, CAIRN__REQUEST__BODY_DEVICES);
	req_empty(&s, 0, CAIRN__REQUEST__BODY_LOGOUT);
	req_login(&s, 0, "maya", SESSION_PASSWORD);
	req_revoke(&s, 0, "6f1c0e");
	req_empty(&s, 0, CAIRN__REQUEST__BODY_DEVICES);
	seed_end(&s, dir, "register-login");

	/* The refusals: no session, wrong password, invite-only. */
	seed_begin(&s, SESSION_SETUP_HELLO | SESSION_SETUP_INVITE);
	req_pull(&s, 0, 0, "");
	req_login(&s, 0, "maya", "wrong password");
	req_register(&s, 0, "sam", "not-a-code");
	req_auth(&s, 0);
	req_pull(&s, 0, 0, "");
	seed_end(&s, dir, "refusals");

	/* Everything from the input: Hello and Auth, then before-Hello. */
	seed_begin(&s, SESSION_SETUP_NONE);
	req_hello(&s, 0, 2);
	req_auth(&s, 0);
	req_empty(&s, 0, CAIRN__REQUEST__BODY_PEOPLE);
	seed_end(&s, dir, "hello-auth");
	seed_begin(&s, SESSION_SETUP_NONE);
	req_pull(&s, 0, 0, "");
	seed_end(&s, dir, "before-hello");
	return 0;
}
