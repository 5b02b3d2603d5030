/*
 * People: relationships (invite, answer, drop), study groups (create,
 * invite, join, leave) and the caller's list of them. Each request is one
 * database job; every one answers with the caller's whole PeopleOk, so the
 * client can cache what the server decided.
 *
 * Visibility changes become access events (docs/sync.md, SYNC-CASES 6):
 * before changing anything, the job notes for every pair of users the
 * change touches whether the one may see the other; afterwards it compares
 * and appends a grant or revoke event for each pair that changed, in the
 * same transaction. Pairs that stay visible another way (partners who are
 * also in a group) get no event.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "cairnd.h"
#include "err.h"
#include "log.h"

#define PEOPLE_ANSWER_MAX (256u * 1024) /* bytes of one PeopleOk */
#define PEOPLE_GROUP_MAX 500            /* members and invitees a group */
#define PEOPLE_PAIRS_MAX (2 * PEOPLE_GROUP_MAX + 2)
#define PEOPLE_RELATIONS_MAX 500 /* relationships and invitations a user */

/* Who may see whom before a change, to find what the change altered. */
struct vis_pair {
	int64_t viewer, subject;
	unsigned before;
};

struct people_op {
	struct rq *rq; /* borrowed: the request owns this op */
	struct dbq_job job;
	int64_t user_id;
	char handle[HANDLE_MAX + 1];
	char device_id[UUID_LEN + 1];
	int64_t now;
	int (*act)(struct store *st, struct people_op *op);
	const char *what; /* for the log */
	char other[HANDLE_MAX + 1];
	char group[STORE_GROUP_NAME_MAX + 1];
	int role;   /* STORE_ROLE_*, or 0 */
	int accept; /* answer */
	char fail_msg[200];
	struct vis_pair pairs[PEOPLE_PAIRS_MAX];
	size_t npairs;
	unsigned events;    /* access events appended */
	struct arena arena; /* the answer */
	Cairn__PeopleOk ok;
};

static void
people_op_free(void *p)
{
	struct people_op *op = p;

	if (op == NULL)
		return;
	arena_release(&op->arena);
	free(op);
}

static struct people_op *
people_op_new(struct rq *rq, const char *what)
{
	struct people_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return NULL;
	}
	op->rq = rq;
	op->what = what;
	op->user_id = rq->c->user_id;
	memcpy(op->handle, rq->c->handle, sizeof(op->handle));
	memcpy(op->device_id, rq->c->device_id, sizeof(op->device_id));
	op->now = (int64_t)time(NULL);
	arena_init(&op->arena, PEOPLE_ANSWER_MAX);
	cairn__people_ok__init(&op->ok);
	rq->data = op;
	rq->data_free = people_op_free;
	return op;
}

/* Fails the job with code and a one-line reason for the caller. */
static int people_refuse(struct people_op *op, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
people_refuse(struct people_op *op, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op->fail_msg, sizeof(op->fail_msg), fmt, ap);
	va_end(ap);
	return code;
}

/* ---- access events ---- */

/* Notes whether viewer may see subject now (before the change). */
static int
vis_note(struct store *st, struct people_op *op, int64_t viewer,
         int64_t subject)
{
	struct vis_pair *p;

	if (viewer == subject)
		return CAIRN_OK;
	if (op->npairs >= PEOPLE_PAIRS_MAX)
		return CAIRN_EINTERNAL;
	p = &op->pairs[op->npairs++];
	p->viewer = viewer;
	p->subject = subject;
	return st->ops->visibility(st, viewer, subject, &p->before);
}

/* Notes both directions between a and b. */
static int
vis_note_both(struct store *st, struct people_op *op, int64_t a, int64_t b)
{
	int rc;

	if ((rc = vis_note(st, op, a, b)) != CAIRN_OK)
		return rc;
	return vis_note(st, op, b, a);
}

/* After the change: an access event for every noted pair that changed. */
static int
vis_emit(struct store *st, struct people_op *op)
{
	unsigned after;
	size_t i;
	int rc;

	for (i = 0; i < op->npairs; i++) {
		const struct vis_pair *p = &op->pairs[i];

		rc = st->ops->visibility(st, p->viewer, p->subject, &after);
		if (rc != CAIRN_OK)
			return rc;
		if ((p->before != 0) == (after != 0))
			continue;
		rc = st->ops->access_event(st, p->viewer, p->subject,
		                           after != 0);
		if (rc != CAIRN_OK)
			return rc;
		op->events++;
	}
	return CAIRN_OK;
}

/* ---- the answer: the caller's people, invitations and groups ---- */

struct people_build {
	struct people_op *op;
	struct store *st;
	int rc;
};

static int
add_person(struct people_op *op, const char *handle, int role, int64_t since,
           const char *group)
{
	Cairn__Person *p;

	if ((p = arena_alloc(&op->arena, sizeof(*p))) == NULL)
		return CAIRN_ENOMEM;
	cairn__person__init(p);
	p->handle = arena_strdup(&op->arena, handle);
	p->role = (Cairn__Role)role;
	p->since = since;
	p->group = arena_strdup(&op->arena, group != NULL ? group : "");
	if (p->handle == NULL || p->group == NULL)
		return CAIRN_ENOMEM;
	return arena_push(&op->arena, (void ***)&op->ok.people,
	                  &op->ok.n_people, p);
}

static int
add_invitation(struct people_op *op, const char *handle, int role, int incoming,
               int64_t at, const char *group)
{
	Cairn__Invitation *v;

	if ((v = arena_alloc(&op->arena, sizeof(*v))) == NULL)
		return CAIRN_ENOMEM;
	cairn__invitation__init(v);
	v->handle = arena_strdup(&op->arena, handle);
	v->role = (Cairn__Role)role;
	v->incoming = incoming;
	v->at = at;
	v->group = arena_strdup(&op->arena, group != NULL ? group : "");
	if (v->handle == NULL || v->group == NULL)
		return CAIRN_ENOMEM;
	return arena_push(&op->arena, (void ***)&op->ok.invites,
	                  &op->ok.n_invites, v);
}

static int
build_relation(void *arg, const struct store_relation *r)
{
	struct people_build *b = arg;
	struct people_op *op = b->op;
	int mine = r->from_id == op->user_id;
	const char *other = mine ? r->to : r->from;
	int role;

	if (r->state == STORE_PENDING)
		return add_invitation(op, other,
		                      r->role == STORE_ROLE_PARTNER
		                              ? CAIRN__ROLE__ROLE_PARTNER
		                              : CAIRN__ROLE__ROLE_MENTOR,
		                      !mine, r->created_at, NULL);
	if (r->role == STORE_ROLE_PARTNER)
		role = CAIRN__ROLE__ROLE_PARTNER;
	else /* from_id asked to_id to be its mentor */
		role = mine ? CAIRN__ROLE__ROLE_MENTOR
		            : CAIRN__ROLE__ROLE_MENTEE;
	return add_person(op, other, role, r->since, NULL);
}

/* One member or invitee of a group the caller belongs to. */
struct group_build {
	struct people_op *op;
	Cairn__Group *g;
};

static int
build_member(void *arg, const struct store_member *m)
{
	struct group_build *gb = arg;
	struct people_op *op = gb->op;
	char *h;

	if ((h = arena_strdup(&op->arena, m->handle)) == NULL)
		return CAIRN_ENOMEM;
	if (m->state == STORE_PENDING)
		return arena_push(&op->arena, (void ***)&gb->g->invited,
		                  &gb->g->n_invited, h);
	if (arena_push(&op->arena, (void ***)&gb->g->members, &gb->g->n_members,
	               h) != CAIRN_OK)
		return CAIRN_ENOMEM;
	if (m->user_id == op->user_id)
		return CAIRN_OK;
	return add_person(op, m->handle, CAIRN__ROLE__ROLE_PARTNER, m->at,
	                  m->group);
}

/* One place of the caller: a group it is in, or an invitation to one. */
static int
build_place(void *arg, const struct store_member *m)
{
	struct people_build *b = arg;
	struct people_op *op = b->op;
	struct group_build gb = {op, NULL};
	struct store_user inviter;
	int rc;

	if (m->state == STORE_PENDING) {
		rc = b->st->ops->user_by_id(b->st, m->invited_by, &inviter);
		if (rc != CAIRN_OK)
			return rc;
		return add_invitation(op, inviter.handle,
		                      CAIRN__ROLE__ROLE_UNSPECIFIED, 1, m->at,
		                      m->group);
	}
	if ((gb.g = arena_alloc(&op->arena, sizeof(*gb.g))) == NULL)
		return CAIRN_ENOMEM;
	cairn__group__init(gb.g);
	if ((gb.g->name = arena_strdup(&op->arena, m->group)) == NULL ||
	    arena_push(&op->arena, (void ***)&op->ok.groups, &op->ok.n_groups,
	               gb.g) != CAIRN_OK)
		return CAIRN_ENOMEM;
	return b->st->ops->member_list(b->st, m->group_id, 0, build_member,
	                               &gb);
}

static int
people_build(struct store *st, struct people_op *op)
{
	struct people_build b = {op, st, 0};
	int rc;

	if ((rc = st->ops->relation_list(st, op->user_id, build_relation,
	                                 &b)) != CAIRN_OK)
		return rc;
	return st->ops->member_list(st, 0, op->user_id, build_place, &b);
}

/* ---- relationships ---- */

/* The user other names; refuses unknown handles and oneself (verb). */
static int
people_other(struct store *st, struct people_op *op, const char *verb,
             struct store_user *u)
{
	int rc;

	rc = st->ops->user_get(st, op->other, u);
	if (rc == CAIRN_ENOTFOUND)
		return people_refuse(op, CAIRN_ENOTFOUND,
		                     "there is no user '%s' on this server",
		                     op->other);
	if (rc != CAIRN_OK)
		return rc;
	if (u->id == op->user_id)
		return people_refuse(op, CAIRN_EINVAL, "you cannot %s yourself",
		                     verb);
	return CAIRN_OK;
}

/* Makes a relationship active and its visibility known. */
static int
relation_activate(struct store *st, struct people_op *op,
                  struct store_relation *r)
{
	int rc;

	if ((rc = vis_note_both(st, op, r->from_id, r->to_id)) != CAIRN_OK)
		return rc;
	r->state = STORE_ACTIVE;
	r->since = op->now;
	if ((rc = st->ops->relation_put(st, r)) != CAIRN_OK)
		return rc;
	return vis_emit(st, op);
}

static int
count_relation(void *arg, const struct store_relation *r)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
act_invite(struct store *st, struct people_op *op)
{
	struct store_relation r, back;
	struct store_user u;
	size_t n = 0;
	int rc;

	if ((rc = people_other(st, op, "invite", &u)) != CAIRN_OK)
		return rc;
	/* Invitations cost the invited a line in their list: bounded. */
	if ((rc = st->ops->relation_list(st, op->user_id, count_relation,
	                                 &n)) != CAIRN_OK)
		return rc;
	if (n >= PEOPLE_RELATIONS_MAX)
		return people_refuse(
		        op, CAIRN_ETOOBIG,
		        "you have %d relationships and invitations; drop some first",
		        PEOPLE_RELATIONS_MAX);
	if (op->role == STORE_ROLE_PARTNER) {
		rc = st->ops->relation_get(st, u.id, op->user_id,
		                           STORE_ROLE_PARTNER, &back);
		if (rc == CAIRN_OK && back.state == STORE_ACTIVE)
			return people_refuse(op, CAIRN_EEXIST,
			                     "you and %s are already partners",
			                     op->other);
		if (rc == CAIRN_OK) /* they asked first: that is a yes */
			return relation_activate(st, op, &back);
		if (rc != CAIRN_ENOTFOUND)
			return rc;
	}
	rc = st->ops->relation_get(st, op->user_id, u.id, op->role, &r);
	if (rc == CAIRN_OK && r.state == STORE_ACTIVE)
		return people_refuse(op, CAIRN_EEXIST,
		                     op->role == STORE_ROLE_PARTNER
		                             ? "you and %s are already partners"
		                             : "%s is already your mentor",
		                     op->other);
	if (rc == CAIRN_OK)
		return people_refuse(
		        op, CAIRN_EEXIST,
		        "you already invited %s; they can run 'cairn accept %s'",
		        op->other, op->handle);
	if (rc != CAIRN_ENOTFOUND)
		return rc;
	memset(&r, 0, sizeof(r));
	r.from_id = op->user_id;
	r.to_id = u.id;
	r.role = op->role;
	r.state = STORE_PENDING;
	r.created_at = op->now;
	return st->ops->relation_put(st, &r);
}

static int
act_answer(struct store *st, struct people_op *op)
{
	static const int roles[] = {STORE_ROLE_PARTNER, STORE_ROLE_MENTOR};
	struct store_relation r;
	struct store_user u;
	size_t i;
	int rc, found = 0;

	rc = st->ops->user_get(st, op->other, &u);
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	for (i = 0; rc == CAIRN_OK && i < 2; i++) {
		if (op->role != 0 && op->role != roles[i])
			continue;
		rc = st->ops->relation_get(st, u.id, op->user_id, roles[i], &r);
		if (rc == CAIRN_ENOTFOUND ||
		    (rc == CAIRN_OK && r.state != STORE_PENDING)) {
			rc = CAIRN_OK;
			continue;
		}
		if (rc != CAIRN_OK)
			break;
		found++;
		if (op->accept)
			rc = relation_activate(st, op, &r);
		else
			rc = st->ops->relation_delete(st, u.id, op->user_id,
			                              roles[i]);
	}
	if (rc == CAIRN_ENOTFOUND || (rc == CAIRN_OK && found == 0))
		return people_refuse(
		        op, CAIRN_ENOTFOUND,
		        "there is no invitation from %s; see 'cairn invites'",
		        op->other);
	return rc;
}

static int
act_drop(struct store *st, struct people_op *op)
{
	static const int roles[] = {STORE_ROLE_PARTNER, STORE_ROLE_MENTOR};
	struct store_relation r;
	struct store_user u;
	int64_t a, b;
	size_t i, dir;
	int rc, found = 0;

	if ((rc = people_other(st, op, "drop", &u)) != CAIRN_OK)
		return rc;
	if ((rc = vis_note_both(st, op, op->user_id, u.id)) != CAIRN_OK)
		return rc;
	for (dir = 0; dir < 2; dir++) {
		a = dir == 0 ? op->user_id : u.id;
		b = dir == 0 ? u.id : op->user_id;
		for (i = 0; i < 2; i++) {
			rc = st->ops->relation_get(st, a, b, roles[i], &r);
			if (rc == CAIRN_ENOTFOUND)
				continue;
			if (rc != CAIRN_OK ||
			    (rc = st->ops->relation_delete(st, a, b,
			                                   roles[i])) != 0)
				return rc;
			found++;
		}
	}
	if (found == 0)
		return people_refuse(
		        op, CAIRN_ENOTFOUND,
		        "you have no partnership, mentor or invitation with %s",
		        op->other);
	return vis_emit(st, op);
}

/* ---- groups ---- */

/* 1 if s is a group name: 1..STORE_GROUP_NAME_MAX of [a-z0-9_-]. */
static int
group_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > STORE_GROUP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return 0;
	return 1;
}

/* The group op->group; refuses unknown names. */
static int
group_find(struct store *st, struct people_op *op, struct store_group *g)
{
	int rc = st->ops->group_get(st, op->group, g);

	if (rc == CAIRN_ENOTFOUND)
		return people_refuse(op, CAIRN_ENOTFOUND,
		                     "there is no group '%s'", op->group);
	return rc;
}

static int
act_group_create(struct store *st, struct people_op *op)
{
	struct store_member m;
	struct store_group g;
	int rc;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "%s", op->group);
	g.created_by = op->user_id;
	g.created_at = op->now;
	rc = st->ops->group_create(st, &g);
	if (rc == CAIRN_EEXIST)
		return people_refuse(
		        op, CAIRN_EEXIST,
		        "a group named '%s' exists; pick another name",
		        op->group);
	if (rc != CAIRN_OK)
		return rc;
	memset(&m, 0, sizeof(m));
	m.group_id = g.id;
	m.user_id = op->user_id;
	m.state = STORE_ACTIVE;
	m.invited_by = op->user_id;
	m.at = op->now;
	return st->ops->member_put(st, &m);
}

static int
count_place(void *arg, const struct store_member *m)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
act_group_invite(struct store *st, struct people_op *op)
{
	struct store_member me, m;
	struct store_group g;
	struct store_user u;
	size_t n = 0;
	int rc;

	if ((rc = group_find(st, op, &g)) != CAIRN_OK)
		return rc;
	rc = st->ops->member_get(st, g.id, op->user_id, &me);
	if (rc == CAIRN_ENOTFOUND ||
	    (rc == CAIRN_OK && me.state != STORE_ACTIVE))
		return people_refuse(op, CAIRN_EFORBIDDEN,
		                     "you are not a member of group '%s'",
		                     op->group);
	if (rc != CAIRN_OK ||
	    (rc = people_other(st, op, "invite", &u)) != CAIRN_OK)
		return rc;
	rc = st->ops->member_get(st, g.id, u.id, &m);
	if (rc == CAIRN_OK)
		return people_refuse(op, CAIRN_EEXIST,
		                     m.state == STORE_ACTIVE
		                             ? "%s is already in group '%s'"
		                             : "%s is already invited to '%s'",
		                     op->other, op->group);
	if (rc != CAIRN_ENOTFOUND)
		return rc;
	if ((rc = st->ops->member_list(st, g.id, 0, count_place, &n)) != 0)
		return rc;
	if (n >= PEOPLE_GROUP_MAX)
		return people_refuse(op, CAIRN_ETOOBIG,
		                     "group '%s' is full (%d people)",
		                     op->group, PEOPLE_GROUP_MAX);
	memset(&m, 0, sizeof(m));
	m.group_id = g.id;
	m.user_id = u.id;
	m.state = STORE_PENDING;
	m.invited_by = op->user_id;
	m.at = op->now;
	return st->ops->member_put(st, &m);
}

/* Notes the caller against every member of group gid. */
static int
note_member(void *arg, const struct store_member *m)
{
	struct people_build *b = arg;

	if (m->state != STORE_ACTIVE)
		return 0;
	return vis_note_both(b->st, b->op, b->op->user_id, m->user_id);
}

static int
act_group_join_leave(struct store *st, struct people_op *op, int join)
{
	struct people_build b = {op, st, 0};
	struct store_member m;
	struct store_group g;
	int rc;

	if ((rc = group_find(st, op, &g)) != CAIRN_OK)
		return rc;
	rc = st->ops->member_get(st, g.id, op->user_id, &m);
	if (rc == CAIRN_ENOTFOUND)
		return people_refuse(
		        op, join ? CAIRN_EFORBIDDEN : CAIRN_ENOTFOUND,
		        join ? "you need an invitation to join '%s': ask a member to run 'cairn group invite %s %s'"
		             : "you are not in group '%s'",
		        op->group, op->group, op->handle);
	if (rc != CAIRN_OK)
		return rc;
	if (join && m.state == STORE_ACTIVE)
		return people_refuse(op, CAIRN_EEXIST,
		                     "you are already in group '%s'",
		                     op->group);
	if ((rc = st->ops->member_list(st, g.id, 0, note_member, &b)) != 0)
		return rc;
	if (join) {
		m.state = STORE_ACTIVE;
		m.at = op->now;
		rc = st->ops->member_put(st, &m);
	} else {
		rc = st->ops->member_delete(st, g.id, op->user_id);
	}
	if (rc != CAIRN_OK)
		return rc;
	return vis_emit(st, op);
}

static int
act_group_join(struct store *st, struct people_op *op)
{
	return act_group_join_leave(st, op, 1);
}

static int
act_group_leave(struct store *st, struct people_op *op)
{
	return act_group_join_leave(st, op, 0);
}

/* ---- the job and the handlers ---- */

static int
people_run(struct store *st, struct dbq_job *job)
{
	struct people_op *op = container_of(job, struct people_op, job);
	struct store_device d;
	int rc;

	/* The session's device may have been revoked since it logged in. */
	rc = st->ops->device_get(st, op->device_id, &d);
	if (rc == CAIRN_ENOTFOUND || (rc == CAIRN_OK && d.revoked_at != 0))
		return CAIRN_EREVOKED;
	if (rc != CAIRN_OK)
		return rc;
	if (op->act != NULL && (rc = op->act(st, op)) != CAIRN_OK)
		return rc;
	return people_build(st, op);
}

static void
people_done(struct dbq_job *job)
{
	struct people_op *op = container_of(job, struct people_op, job);
	struct rq *rq = op->rq;

	if (job->rc == CAIRN_EREVOKED) {
		rq->c->authed = 0;
		rq_fail(rq, CAIRN_EREVOKED, NULL,
		        "this device's token was revoked; run 'cairn login HANDLE'");
	} else if (job->rc < 0 && op->fail_msg[0] != '\0') {
		rq_fail(rq, job->rc, NULL, "%s", op->fail_msg);
	} else if (job->rc == CAIRN_ENOMEM) {
		rq_fail(rq, CAIRN_ETOOBIG, NULL,
		        "the list of your people is too large to send");
	} else if (job->rc == CAIRN_EBUSY) {
		rq_fail(rq, CAIRN_EBUSY, NULL, "server database busy, retry");
	} else if (job->rc < 0) {
		rq_fail(rq, CAIRN_ESTORAGE, NULL,
		        "server storage error; retry later");
	} else {
		rq->resp.body_case = CAIRN__RESPONSE__BODY_PEOPLE;
		rq->resp.people = &op->ok;
	}
	if (op->act != NULL)
		log_event(LOG_INFO, "people.change",
		          "user=%s op=%s other=%s group=%s code=%s events=%u",
		          op->handle, op->what, op->other[0] ? op->other : "-",
		          op->group[0] ? op->group : "-", err_name(job->rc),
		          op->events);
	if (job->rc >= 0 && op->events > 0)
		follow_notify(rq->c->srv);
	rq_complete(rq);
}

static int
people_submit(struct rq *rq, struct people_op *op)
{
	op->job.run = people_run;
	op->job.done = people_done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* Copies a handle argument, refusing what cannot be one. */
static int
people_handle_arg(struct rq *rq, struct people_op *op, const char *h)
{
	if (!handle_valid(h)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "'%.40s' is not a handle (2-32 of a-z, 0-9, _ and -, a letter first)",
		        h);
		return CAIRN_EINVAL;
	}
	snprintf(op->other, sizeof(op->other), "%s", h);
	return CAIRN_OK;
}

/* STORE_ROLE_* of a wire role; 0 for none, -1 for one not allowed. */
static int
people_role(Cairn__Role r)
{
	switch (r) {
	case CAIRN__ROLE__ROLE_UNSPECIFIED:
		return 0;
	case CAIRN__ROLE__ROLE_PARTNER:
		return STORE_ROLE_PARTNER;
	case CAIRN__ROLE__ROLE_MENTOR:
		return STORE_ROLE_MENTOR;
	default:
		return -1;
	}
}

int
h_invite(struct rq *rq)
{
	const Cairn__Invite *m = rq->req->invite;
	struct people_op *op;
	int role = people_role(m->role);

	if (role <= 0) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "invite as partner or as mentor");
		return RQ_DONE;
	}
	if ((op = people_op_new(rq, "invite")) == NULL ||
	    people_handle_arg(rq, op, m->handle) != CAIRN_OK)
		return RQ_DONE;
	op->role = role;
	op->act = act_invite;
	return people_submit(rq, op);
}

int
h_answer(struct rq *rq)
{
	const Cairn__Answer *m = rq->req->answer;
	struct people_op *op;
	int role = people_role(m->role);

	if (role < 0) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "answer invitations as partner or as mentor");
		return RQ_DONE;
	}
	if ((op = people_op_new(rq, m->accept ? "accept" : "decline")) ==
	            NULL ||
	    people_handle_arg(rq, op, m->handle) != CAIRN_OK)
		return RQ_DONE;
	op->role = role;
	op->accept = m->accept;
	op->act = act_answer;
	return people_submit(rq, op);
}

int
h_drop(struct rq *rq)
{
	struct people_op *op;

	if ((op = people_op_new(rq, "drop")) == NULL ||
	    people_handle_arg(rq, op, rq->req->drop->handle) != CAIRN_OK)
		return RQ_DONE;
	op->act = act_drop;
	return people_submit(rq, op);
}

int
h_people(struct rq *rq)
{
	struct people_op *op;

	if ((op = people_op_new(rq, "list")) == NULL)
		return RQ_DONE;
	return people_submit(rq, op);
}

int
h_group(struct rq *rq)
{
	const Cairn__GroupOp *m = rq->req->group;
	struct people_op *op;

	if (!group_name_valid(m->name)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "a group name is 1-%d of a-z, 0-9, _ and -",
		        STORE_GROUP_NAME_MAX);
		return RQ_DONE;
	}
	if ((op = people_op_new(rq, "group")) == NULL)
		return RQ_DONE;
	snprintf(op->group, sizeof(op->group), "%s", m->name);
	switch (m->action) {
	case CAIRN__GROUP_ACTION__GROUP_CREATE:
		op->act = act_group_create;
		op->what = "group-create";
		break;
	case CAIRN__GROUP_ACTION__GROUP_INVITE:
		if (people_handle_arg(rq, op, m->handle) != CAIRN_OK)
			return RQ_DONE;
		op->act = act_group_invite;
		op->what = "group-invite";
		break;
	case CAIRN__GROUP_ACTION__GROUP_JOIN:
		op->act = act_group_join;
		op->what = "group-join";
		break;
	case CAIRN__GROUP_ACTION__GROUP_LEAVE:
		op->act = act_group_leave;
		op->what = "group-leave";
		break;
	default:
		rq_fail(rq, CAIRN_EINVAL, NULL, "unknown group action %d",
		        (int)m->action);
		return RQ_DONE;
	}
	return people_submit(rq, op);
}
