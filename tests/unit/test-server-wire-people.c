/*
 * The server over the wire, people: the access-control matrix. One learner
 * (olive) holds shared, private and once-shared records and a comment from
 * a partner; a viewer of each relationship (self, partner, mentor, mentee,
 * group member, stranger, dropped partner, invited-not-accepted) then tries
 * every request kind that reads or writes her data with crafted requests:
 * pull, backfill pull, follow, comment on an entry, on a private entry and
 * on a week, review, a record claiming her as owner, an edit and a delete
 * of her record. Each cell is allowed or refused as docs/sync.md says.
 * Also: invitations and their refusals, access events, and the version 1
 * contract. See wire-harness.h for the server and client.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "comment.h"
#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "wire-harness.h"

/* One user with one device and a connection authenticated as it. */
struct user {
	const char *handle;
	char dev[UUID_LEN + 1];
	uint8_t tok[32];
	struct client c;
};

static struct user olive = {"olive"}, olive2 = {"olive"}, pat = {"pat"},
                   mona = {"mona"}, mel = {"mel"}, gus = {"gus"}, sid = {"sid"},
                   dan = {"dan"}, pen = {"pen"};

/* Olive's records. */
#define E_SHARED "0e000000-0000-4000-8000-000000000001"
#define E_PRIVATE "0e000000-0000-4000-8000-000000000002"
#define E_ONCE "0e000000-0000-4000-8000-000000000003"
#define P_PLAN "0e000000-0000-4000-8000-000000000004"
#define C_PAT "0e000000-0000-4000-8000-000000000005"
#define E_LIVE "0e000000-0000-4000-8000-000000000006"

static uint64_t
now_hlc(void)
{
	static uint64_t last;
	uint64_t t = hlc_make(hlc_wall_ms(), 0);

	last = t > last ? t : last + 1;
	return last;
}

static Cairn__Response *
call_people(struct client *c, Cairn__Request *req)
{
	Cairn__Response *r = cl_call(c, req);

	if (code_of(r) == 0)
		assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_PEOPLE);
	return r;
}

static int
invite(struct user *u, const char *handle, Cairn__Role role)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Invite m = CAIRN__INVITE__INIT;
	Cairn__Response *r;
	int code;

	m.handle = (char *)handle;
	m.role = role;
	req.body_case = CAIRN__REQUEST__BODY_INVITE;
	req.invite = &m;
	r = call_people(&u->c, &req);
	code = code_of(r);
	msg_free_response(r);
	return code;
}

static int
answer(struct user *u, const char *handle, int accept)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Answer m = CAIRN__ANSWER__INIT;
	Cairn__Response *r;
	int code;

	m.handle = (char *)handle;
	m.accept = accept;
	req.body_case = CAIRN__REQUEST__BODY_ANSWER;
	req.answer = &m;
	r = call_people(&u->c, &req);
	code = code_of(r);
	msg_free_response(r);
	return code;
}

static int
drop(struct user *u, const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Drop m = CAIRN__DROP__INIT;
	Cairn__Response *r;
	int code;

	m.handle = (char *)handle;
	req.body_case = CAIRN__REQUEST__BODY_DROP;
	req.drop = &m;
	r = call_people(&u->c, &req);
	code = code_of(r);
	msg_free_response(r);
	return code;
}

static int
group(struct user *u, Cairn__GroupAction action, const char *name,
      const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__GroupOp m = CAIRN__GROUP_OP__INIT;
	Cairn__Response *r;
	int code;

	m.action = action;
	m.name = (char *)name;
	m.handle = (char *)(handle != NULL ? handle : "");
	req.body_case = CAIRN__REQUEST__BODY_GROUP;
	req.group = &m;
	r = call_people(&u->c, &req);
	code = code_of(r);
	msg_free_response(r);
	return code;
}

/* The role handle has in u's people list (0 when absent). */
static int
role_of(struct user *u, const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__PeopleList m = CAIRN__PEOPLE_LIST__INIT;
	Cairn__Response *r;
	size_t i;
	int role = 0;

	req.body_case = CAIRN__REQUEST__BODY_PEOPLE;
	req.people = &m;
	r = call_people(&u->c, &req);
	assert_int_equal(code_of(r), 0);
	for (i = 0; i < r->people->n_people; i++)
		if (strcmp(r->people->people[i]->handle, handle) == 0)
			role = r->people->people[i]->role;
	msg_free_response(r);
	return role;
}

/* A record of u's with a body of kind (an Entry with text, else given). */
static void
rec_of(struct rec *x, struct user *u, const char *id, int kind,
       const uint8_t *body, size_t len)
{
	rec_make(x, id, u->handle, u->dev, now_hlc());
	x->r.kind = kind;
	if (body != NULL) {
		assert_true(len <= sizeof(x->body));
		memcpy(x->body, body, len);
		x->r.body.len = len;
	}
}

static int
push_one(struct user *u, struct rec *x)
{
	Cairn__Response *r = cl_push(&u->c, x, 1);
	int code = code_of(r);

	msg_free_response(r);
	return code;
}

/* Pushes a comment by u on target (a record id) or on subject's week. */
static int
push_comment(struct user *u, const char *id, const char *target,
             const char *subject)
{
	Cairn__Comment cm = CAIRN__COMMENT__INIT;
	uint8_t body[200];
	struct rec x;

	cm.target = (char *)(target != NULL ? target : "");
	cm.week = (char *)(target == NULL ? "2026-W48" : "");
	cm.text = "nice work";
	cm.at = (int64_t)time(NULL);
	rec_of(&x, u, id, CAIRN__KIND__KIND_COMMENT, body,
	       cairn__comment__pack(&cm, body));
	x.r.subject = (char *)(subject != NULL ? subject : "");
	return push_one(u, &x);
}

static int
push_review(struct user *u, const char *id, const char *subject)
{
	Cairn__Review rv = CAIRN__REVIEW__INIT;
	uint8_t body[64];
	struct rec x;

	rv.week = "2026-W48";
	rv.at = (int64_t)time(NULL);
	rec_of(&x, u, id, CAIRN__KIND__KIND_REVIEW, body,
	       cairn__review__pack(&rv, body));
	x.r.subject = (char *)subject;
	return push_one(u, &x);
}

static void
user_up(struct user *u, int reg)
{
	cl_connect(&u->c);
	cl_hello(&u->c);
	assert_int_equal(
	        cl_account(&u->c, reg, u->handle, PASSWORD, u->dev, u->tok), 0);
}

/* What a full pull (from 0, all batches) brings u of olive's records. */
struct seen {
	int shared, private_, once_body, once_redacted, plan, pat_comment;
	int live;
	int granted, revoked; /* access events about olive */
};

static void
pull_all(struct user *u, struct seen *s)
{
	Cairn__Response *r;
	uint64_t cursor = 0;
	char epoch[UUID_LEN + 1] = "";
	size_t i;
	int more = 1;

	memset(s, 0, sizeof(*s));
	while (more) {
		r = cl_pull(&u->c, cursor, epoch, 3);
		assert_int_equal(code_of(r), 0);
		for (i = 0; i < r->pull->n_records; i++) {
			const Cairn__Record *x = r->pull->records[i];

			if (strcmp(x->id, E_SHARED) == 0)
				s->shared++;
			if (strcmp(x->id, E_PRIVATE) == 0)
				s->private_++;
			if (strcmp(x->id, E_ONCE) == 0 && x->body.len > 0)
				s->once_body++;
			if (strcmp(x->id, E_ONCE) == 0 && x->body.len == 0 &&
			    x->deleted && x->private_)
				s->once_redacted++;
			if (strcmp(x->id, P_PLAN) == 0)
				s->plan++;
			if (strcmp(x->id, C_PAT) == 0) {
				s->pat_comment++;
				assert_string_equal(x->subject, "olive");
			}
			if (strcmp(x->id, E_LIVE) == 0)
				s->live++;
		}
		for (i = 0; i < r->pull->n_access; i++) {
			if (strcmp(r->pull->access[i]->subject, "olive") != 0)
				continue;
			if (r->pull->access[i]->granted)
				s->granted++;
			else
				s->revoked++;
		}
		cursor = r->pull->cursor;
		snprintf(epoch, sizeof(epoch), "%s", r->pull->epoch);
		more = r->pull->more;
		msg_free_response(r);
	}
}

/*
 * What a backfill pull of olive gives u: 1 if her shared entry came, 2 if
 * a private record did (never), -1 if the call failed.
 */
static int
backfill(struct user *u)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull p = CAIRN__PULL__INIT;
	Cairn__Response *r;
	size_t i;
	int got = 0;

	p.subject = "olive";
	p.upto = UINT64_MAX >> 1;
	req.body_case = CAIRN__REQUEST__BODY_PULL;
	req.pull = &p;
	r = cl_call(&u->c, &req);
	if (code_of(r) != 0) {
		msg_free_response(r);
		return -1;
	}
	for (i = 0; i < r->pull->n_records; i++) {
		const char *id = r->pull->records[i]->id;

		if (strcmp(id, E_SHARED) == 0)
			got |= 1;
		if (strcmp(id, E_PRIVATE) == 0 || strcmp(id, E_ONCE) == 0 ||
		    r->pull->records[i]->private_)
			got |= 2;
	}
	msg_free_response(r);
	return got;
}

/* The cells of one viewer's row: 1 allowed, 0 refused. */
struct row {
	struct user *u;
	const char *rel;
	int sees;    /* pull brings olive's shared records; backfill works */
	int comment; /* may comment on her entries and weeks */
	int review;  /* may review her weeks */
	int self;    /* olive herself: private too, may edit */
};

static void
check_row(const struct row *w, int n)
{
	char id[UUID_LEN + 1];
	struct seen s;
	struct rec x;
	int want;

	/* Reads: the pull and a backfill. */
	pull_all(w->u, &s);
	if (w->self) {
		/* The pushing device skips what it wrote: use olive2. */
		assert_int_equal(s.private_, 1);
	} else {
		assert_int_equal(s.private_, 0);
	}
	assert_int_equal(s.shared, w->sees);
	assert_int_equal(s.plan, w->sees);
	/* Pat's own device wrote it: a pull skips what it has. */
	assert_int_equal(s.pat_comment, w->u == &pat ? 0 : w->sees);
	assert_int_equal(s.once_body, w->self);
	assert_int_equal(s.once_redacted, w->sees && !w->self);
	if (!w->self)
		assert_int_equal(backfill(w->u), w->sees ? 1 : 0);

	/* Writes about her. */
	snprintf(id, sizeof(id), "0c%06d-0000-4000-8000-000000000001", n);
	want = w->comment ? 0 : CAIRN_EFORBIDDEN;
	assert_int_equal(push_comment(w->u, id, E_SHARED, NULL), want);
	snprintf(id, sizeof(id), "0c%06d-0000-4000-8000-000000000002", n);
	assert_int_equal(push_comment(w->u, id, E_PRIVATE, NULL),
	                 w->self ? 0 : CAIRN_EFORBIDDEN);
	snprintf(id, sizeof(id), "0c%06d-0000-4000-8000-000000000003", n);
	assert_int_equal(push_comment(w->u, id, NULL, "olive"), want);
	snprintf(id, sizeof(id), "0c%06d-0000-4000-8000-000000000004", n);
	assert_int_equal(push_review(w->u, id, "olive"),
	                 w->review ? 0 : CAIRN_EFORBIDDEN);

	/* Writing as her, or over her records. */
	if (!w->self) {
		snprintf(id, sizeof(id), "0c%06d-0000-4000-8000-000000000005",
		         n);
		rec_of(&x, w->u, id, CAIRN__KIND__KIND_ENTRY, NULL, 0);
		x.r.owner = "olive";
		assert_int_equal(push_one(w->u, &x), CAIRN_EFORBIDDEN);
	}
	rec_of(&x, w->u, E_SHARED, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(w->u, &x), w->self ? 0 : CAIRN_EFORBIDDEN);
	rec_of(&x, w->u, E_SHARED, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	x.r.deleted = 1;
	x.r.body.len = 0;
	if (!w->self)
		assert_int_equal(push_one(w->u, &x), CAIRN_EFORBIDDEN);
}

/* Waits on a follower for an event; returns 1 if olive's live entry came
 * before the follower's own marker record. */
static int
follow_sees_live(struct user *u, const char *marker)
{
	Cairn__Response *r;
	size_t i;
	int live = 0;

	for (;;) {
		r = cl_recv(&u->c);
		assert_non_null(r);
		assert_int_equal(r->id, 0);
		assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_EVENT);
		for (i = 0; i < r->event->n_records; i++) {
			if (strcmp(r->event->records[i]->id, E_LIVE) == 0)
				live = 1;
			if (strcmp(r->event->records[i]->id, marker) == 0) {
				msg_free_response(r);
				return live;
			}
		}
		msg_free_response(r);
	}
}

static void
follow(struct user *u)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Follow m = CAIRN__FOLLOW__INIT;
	Cairn__Response *r;

	req.body_case = CAIRN__REQUEST__BODY_FOLLOW;
	req.follow = &m;
	r = cl_call(&u->c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_FOLLOW);
	assert_true(r->follow->heartbeat_s > 0);
	msg_free_response(r);
}

static void
test_matrix(void **state)
{
	struct user *all[] = {&olive, &pat, &mona, &mel,
	                      &gus,   &sid, &dan,  &pen};
	struct row rows[] = {
	        {&olive2, "self", 1, 1, 0, 1},
	        {&pat, "partner", 1, 1, 0, 0},
	        {&mona, "mentor", 1, 1, 1, 0},
	        {&mel, "mentee", 0, 0, 0, 0},
	        {&gus, "group member", 1, 1, 0, 0},
	        {&sid, "stranger", 0, 0, 0, 0},
	        {&dan, "dropped", 0, 0, 0, 0},
	        {&pen, "invited", 0, 0, 0, 0},
	};
	struct user *sub[2];
	char marker[UUID_LEN + 1];
	struct seen s;
	struct rec x;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		user_up(all[i], 1);
	user_up(&olive2, 0);

	/* Olive's records: shared, private, once shared, a plan. */
	rec_of(&x, &olive, E_SHARED, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(&olive, &x), 0);
	rec_of(&x, &olive, E_PRIVATE, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	x.r.private_ = 1;
	assert_int_equal(push_one(&olive, &x), 0);
	rec_of(&x, &olive, E_ONCE, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(&olive, &x), 0);
	rec_of(&x, &olive, E_ONCE, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	x.r.private_ = 1;
	assert_int_equal(push_one(&olive, &x), 0);
	{
		Cairn__Plan p = CAIRN__PLAN__INIT;
		uint8_t body[64];

		p.title = "ML plan";
		p.start = "2026-11-02";
		rec_of(&x, &olive, P_PLAN, CAIRN__KIND__KIND_PLAN, body,
		       cairn__plan__pack(&p, body));
		assert_int_equal(push_one(&olive, &x), 0);
	}

	/* Relationships, and the refusals of bad invitations. */
	assert_int_equal(invite(&olive, "pat", CAIRN__ROLE__ROLE_PARTNER), 0);
	assert_int_equal(invite(&olive, "pat", CAIRN__ROLE__ROLE_PARTNER),
	                 CAIRN_EEXIST);
	assert_int_equal(invite(&olive, "nobody", CAIRN__ROLE__ROLE_PARTNER),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(invite(&olive, "olive", CAIRN__ROLE__ROLE_PARTNER),
	                 CAIRN_EINVAL);
	assert_int_equal(invite(&olive, "pat", CAIRN__ROLE__ROLE_MENTEE),
	                 CAIRN_EINVAL);
	assert_int_equal(answer(&pat, "sid", 1), CAIRN_ENOTFOUND);
	assert_int_equal(answer(&pat, "olive", 1), 0);
	assert_int_equal(invite(&pat, "olive", CAIRN__ROLE__ROLE_PARTNER),
	                 CAIRN_EEXIST);
	assert_int_equal(invite(&olive, "mona", CAIRN__ROLE__ROLE_MENTOR), 0);
	assert_int_equal(answer(&mona, "olive", 1), 0);
	assert_int_equal(invite(&mel, "olive", CAIRN__ROLE__ROLE_MENTOR), 0);
	assert_int_equal(answer(&olive, "mel", 1), 0);
	assert_int_equal(
	        group(&olive, CAIRN__GROUP_ACTION__GROUP_CREATE, "g1", NULL),
	        0);
	assert_int_equal(
	        group(&gus, CAIRN__GROUP_ACTION__GROUP_CREATE, "g1", NULL),
	        CAIRN_EEXIST);
	assert_int_equal(
	        group(&gus, CAIRN__GROUP_ACTION__GROUP_JOIN, "g1", NULL),
	        CAIRN_EFORBIDDEN);
	assert_int_equal(
	        group(&sid, CAIRN__GROUP_ACTION__GROUP_INVITE, "g1", "gus"),
	        CAIRN_EFORBIDDEN);
	assert_int_equal(
	        group(&olive, CAIRN__GROUP_ACTION__GROUP_INVITE, "g1", "gus"),
	        0);
	assert_int_equal(
	        group(&gus, CAIRN__GROUP_ACTION__GROUP_JOIN, "g1", NULL), 0);
	assert_int_equal(invite(&dan, "olive", CAIRN__ROLE__ROLE_PARTNER), 0);
	assert_int_equal(answer(&olive, "dan", 1), 0);
	assert_int_equal(drop(&olive, "dan"), 0);
	assert_int_equal(drop(&olive, "dan"), CAIRN_ENOTFOUND);
	assert_int_equal(invite(&olive, "pen", CAIRN__ROLE__ROLE_PARTNER), 0);

	/* What each sees the other as. */
	assert_int_equal(role_of(&olive, "pat"), CAIRN__ROLE__ROLE_PARTNER);
	assert_int_equal(role_of(&olive, "mona"), CAIRN__ROLE__ROLE_MENTOR);
	assert_int_equal(role_of(&mona, "olive"), CAIRN__ROLE__ROLE_MENTEE);
	assert_int_equal(role_of(&olive, "mel"), CAIRN__ROLE__ROLE_MENTEE);
	assert_int_equal(role_of(&gus, "olive"), CAIRN__ROLE__ROLE_PARTNER);
	assert_int_equal(role_of(&dan, "olive"), 0);
	assert_int_equal(role_of(&pen, "olive"), 0);

	/* A partner's comment on her shared entry. */
	assert_int_equal(push_comment(&pat, C_PAT, E_SHARED, NULL), 0);

	/* Access events: the partner was granted; the dropped one revoked. */
	pull_all(&pat, &s);
	assert_int_equal(s.granted, 1);
	assert_int_equal(s.revoked, 0);
	pull_all(&dan, &s);
	assert_int_equal(s.granted, 1);
	assert_int_equal(s.revoked, 1);
	pull_all(&sid, &s);
	assert_int_equal(s.granted + s.revoked, 0);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("row %zu: %s\n", i, rows[i].rel);
		check_row(&rows[i], (int)i);
	}

	/*
	 * Follow: pat (partner) and sid (stranger) follow; olive logs; each
	 * then gets a marker from their own other device, after which
	 * olive's entry must have arrived or not.
	 */
	sub[0] = &pat;
	sub[1] = &sid;
	for (i = 0; i < 2; i++)
		follow(sub[i]);
	rec_of(&x, &olive, E_LIVE, CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(&olive, &x), 0);
	for (i = 0; i < 2; i++) {
		struct user other = {sub[i]->handle};

		user_up(&other, 0);
		snprintf(marker, sizeof(marker),
		         "0f00000%zu-0000-4000-8000-000000000000", i);
		rec_of(&x, &other, marker, CAIRN__KIND__KIND_ENTRY, NULL, 0);
		assert_int_equal(push_one(&other, &x), 0);
		assert_int_equal(follow_sees_live(sub[i], marker), i == 0);
		cl_close(&other.c);
	}

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		cl_close(&all[i]->c);
	cl_close(&olive2.c);
}

/* A version 1 session keeps the version 1 contract. */
static void
test_version1(void **state)
{
	struct user v1 = {"vic"}, friend = {"fay"};
	Cairn__Response *r;
	struct rec x;
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__PeopleList pl = CAIRN__PEOPLE_LIST__INIT;

	user_up(&friend, 1);
	cl_connect(&v1.c);
	cl_hello(&v1.c);
	assert_int_equal(cl_account(&v1.c, 1, "vic", PASSWORD, v1.dev, v1.tok),
	                 0);
	assert_int_equal(invite(&v1, "fay", CAIRN__ROLE__ROLE_PARTNER), 0);
	assert_int_equal(answer(&friend, "vic", 1), 0);
	rec_of(&x, &friend, "0d000000-0000-4000-8000-000000000001",
	       CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(&friend, &x), 0);
	cl_close(&v1.c);

	/* The same account over version 1: own records only. */
	cl_connect(&v1.c);
	cl_hello_version(&v1.c, 1);
	assert_int_equal(cl_auth(&v1.c, v1.dev, v1.tok), 0);
	rec_of(&x, &v1, "0d000000-0000-4000-8000-000000000002",
	       CAIRN__KIND__KIND_ENTRY, NULL, 0);
	assert_int_equal(push_one(&v1, &x), 0);
	r = cl_pull(&v1.c, 0, "", 0);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->pull->n_records, 0); /* its own device wrote it */
	assert_int_equal(r->pull->n_access, 0);
	msg_free_response(r);
	/* Version 2 requests are refused; new kinds too. */
	req.body_case = CAIRN__REQUEST__BODY_PEOPLE;
	req.people = &pl;
	call_expect(&v1.c, &req, CAIRN_EVERSION);
	assert_int_equal(push_comment(&v1,
	                              "0d000000-0000-4000-8000-000000000003",
	                              NULL, NULL),
	                 CAIRN_EINVAL);
	cl_close(&v1.c);
	cl_close(&friend.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matrix),
	        cmocka_unit_test(test_version1),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
