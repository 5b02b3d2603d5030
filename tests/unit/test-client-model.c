/*
 * Unit tests of the progress model (client/view/model.c) over a real local
 * store: weeks across daylight-saving changes in America/New_York and
 * Europe/Berlin (a 23- and a 25-hour day), a session crossing midnight,
 * the calibration and Brier score of a hand-computed set of predictions,
 * and commitments found broken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

struct fixture {
	char dir[64], path[96];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-client-model-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cairn.db", f->dir);
	assert_int_equal(store_open(f->path, 0, &f->st, NULL), CAIRN_OK);
	assert_int_equal(store_meta_set(f->st, "handle", "ana"), CAIRN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static int64_t
day_of(const char *s)
{
	int64_t d;

	assert_int_equal(planrec_date_days(s, &d), CAIRN_OK);
	return d;
}

/* Logs minutes at a local wall time in the process's zone (TZ). */
static void
log_local(struct store *st, const char *date, int hour, int minute,
          uint32_t minutes)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	struct ymd y;
	int64_t utc;
	int offset;
	struct rec r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(sscanf(date, "%d-%d-%d", &y.y, &y.m, &y.d), 3);
	assert_int_equal(local_to_instant(&y, hour, minute, &utc, &offset),
	                 CAIRN_OK);
	e.started_at = utc;
	e.utc_offset = offset;
	e.minutes = minutes;
	e.activity = "drill";
	e.text = "";
	assert_int_equal(uuid_new(r.id), CAIRN_OK);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	assert_int_equal(entryrec_pack(&r, &e), CAIRN_OK);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	rec_release(&r);
}

static void
zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* The model of ana's week starting monday, as of today. */
static void
week_model(struct store *st, const char *monday, const char *today,
           struct model *m)
{
	assert_int_equal(model_build(st, "ana", NULL, day_of(monday),
	                             day_of(monday) + 6, day_of(today), NULL,
	                             m),
	                 CAIRN_OK);
}

static void
test_dst_new_york(void **state)
{
	struct fixture *f = *state;
	struct model m;

	/* Sunday 2026-03-08 has 23 hours there: 02:00 becomes 03:00. */
	zone("America/New_York");
	log_local(f->st, "2026-03-07", 23, 30, 20); /* Sat, EST */
	log_local(f->st, "2026-03-08", 0, 30, 30);  /* Sun, EST */
	log_local(f->st, "2026-03-08", 23, 30, 40); /* Sun, EDT */
	log_local(f->st, "2026-03-09", 0, 10, 50);  /* Mon: next week */
	/* Sunday 2026-11-01 has 25 hours: 01:00-02:00 happens twice. */
	log_local(f->st, "2026-11-01", 0, 30, 15);
	log_local(f->st, "2026-11-01", 23, 45, 25);
	log_local(f->st, "2026-11-02", 0, 5, 35);

	week_model(f->st, "2026-03-02", "2026-03-20", &m);
	assert_int_equal(m.days[5].minutes, 20); /* Saturday */
	assert_int_equal(m.days[6].minutes, 70); /* the 23-hour Sunday */
	assert_int_equal(m.total, 90);
	model_release(&m);
	week_model(f->st, "2026-03-09", "2026-03-20", &m);
	assert_int_equal(m.days[0].minutes, 50);
	assert_int_equal(m.total, 50);
	model_release(&m);
	week_model(f->st, "2026-10-26", "2026-11-20", &m);
	assert_int_equal(m.days[6].minutes, 40); /* the 25-hour Sunday */
	model_release(&m);
	week_model(f->st, "2026-11-02", "2026-11-20", &m);
	assert_int_equal(m.days[0].minutes, 35);
	model_release(&m);

	/* Seen from Berlin, the sessions stay on the days they were had. */
	zone("Europe/Berlin");
	week_model(f->st, "2026-03-02", "2026-03-20", &m);
	assert_int_equal(m.days[6].minutes, 70);
	model_release(&m);
}

static void
test_dst_berlin_and_midnight(void **state)
{
	struct fixture *f = *state;
	struct model m;

	/* Berlin's 25-hour Sunday 2026-10-25 and 23-hour 2026-03-29. */
	zone("Europe/Berlin");
	log_local(f->st, "2026-10-25", 2, 30, 30); /* the repeated hour */
	log_local(f->st, "2026-10-25", 23, 59, 60);
	log_local(f->st, "2026-03-29", 3, 30, 45);
	/* A session from 23:30 to 01:00 counts on the day it started. */
	log_local(f->st, "2026-10-20", 23, 30, 90);
	week_model(f->st, "2026-10-19", "2026-11-10", &m);
	assert_int_equal(m.days[1].minutes, 90); /* Tuesday */
	assert_int_equal(m.days[2].minutes, 0);
	assert_int_equal(m.days[6].minutes, 90);
	assert_int_equal(m.total, 180);
	model_release(&m);
	week_model(f->st, "2026-03-23", "2026-04-10", &m);
	assert_int_equal(m.days[6].minutes, 45);
	model_release(&m);
	/* Today is Monday 2026-10-26 (open): the run is Sunday alone. */
	week_model(f->st, "2026-10-26", "2026-10-26", &m);
	assert_int_equal(m.streak, 1);
	model_release(&m);
}

/* Stores a resolved prediction of ana's. */
static void
predict(struct store *st, const char *week, unsigned conf, int outcome)
{
	Cairn__Prediction p = CAIRN__PREDICTION__INIT;
	struct rec r;

	memset(&r, 0, sizeof(r));
	p.week = (char *)week;
	p.text = "a guess";
	p.note = "";
	p.confidence = conf;
	p.outcome = (Cairn__Outcome)outcome;
	p.at = 1790000000;
	p.resolved_at = outcome != 0 ? 1790100000 : 0;
	assert_int_equal(uuid_new(r.id), CAIRN_OK);
	r.kind = CAIRN__KIND__KIND_PREDICTION;
	assert_int_equal(rec_pack_body(&r, &p.base), CAIRN_OK);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	rec_release(&r);
}

static void
test_brier(void **state)
{
	struct fixture *f = *state;
	struct model m;
	size_t i, due = 0;

	/*
	 * (0.8-1)^2 + (0.6-0)^2 + (0.9-0.5)^2 + (0.7-1)^2
	 * = 0.04 + 0.36 + 0.16 + 0.09 = 0.65; / 4 = 0.1625.
	 */
	predict(f->st, "2026-W48", 80, CAIRN__OUTCOME__OUTCOME_RIGHT);
	predict(f->st, "2026-W48", 60, CAIRN__OUTCOME__OUTCOME_WRONG);
	predict(f->st, "2026-W48", 90, CAIRN__OUTCOME__OUTCOME_PARTLY);
	predict(f->st, "2026-W48", 70, CAIRN__OUTCOME__OUTCOME_RIGHT);
	predict(f->st, "2026-W48", 75, CAIRN__OUTCOME__OUTCOME_OPEN);
	predict(f->st, "2026-W20", 100, CAIRN__OUTCOME__OUTCOME_WRONG);
	week_model(f->st, "2026-11-30", "2026-12-02", &m);
	assert_int_equal(m.n_preds, 6);
	/* All weeks: five resolved, with the certain miss of week 20. */
	assert_int_equal(m.all.n, 5);
	assert_true(m.all.brier > (0.65 + 1.0) / 5 - 1e-9 &&
	            m.all.brier < (0.65 + 1.0) / 5 + 1e-9);
	/* The last 8 weeks: the hand-computed four. */
	assert_int_equal(m.recent.n, 4);
	assert_true(m.recent.brier > 0.1625 - 1e-9 &&
	            m.recent.brier < 0.1625 + 1e-9);
	assert_int_equal(m.recent.band[0].n, 0); /* 50-60 */
	assert_int_equal(m.recent.band[1].n, 1); /* 60: wrong */
	assert_true(m.recent.band[1].came_true == 0);
	assert_int_equal(m.recent.band[2].n, 1); /* 70: right */
	assert_true(m.recent.band[2].came_true == 1);
	assert_true(m.recent.band[4].came_true == 0.5); /* 90: partly */
	assert_int_equal(m.all.band[4].n, 2);           /* 90 and 100 */
	assert_true(m.all.band[4].came_true == 0.25);
	/* The open one of last week is due now. */
	for (i = 0; i < m.n_preds; i++)
		due += model_pred_due(&m, i);
	assert_int_equal(due, 1);
	model_release(&m);
}

static void
commit(struct store *st, int rule, double value, const char *since)
{
	Cairn__Commitment k = CAIRN__COMMITMENT__INIT;
	struct rec r;

	memset(&r, 0, sizeof(r));
	k.rule = (Cairn__Rule)rule;
	k.value = value;
	k.since = (char *)since;
	k.at = 1790000000;
	assert_int_equal(uuid_new(r.id), CAIRN_OK);
	r.kind = CAIRN__KIND__KIND_COMMITMENT;
	assert_int_equal(rec_pack_body(&r, &k.base), CAIRN_OK);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	rec_release(&r);
}

static void
test_commitments(void **state)
{
	struct fixture *f = *state;
	struct model m;

	zone("UTC");
	/* Mon..Tue practice, then three empty days; today is Saturday. */
	log_local(f->st, "2026-11-23", 9, 0, 30);
	log_local(f->st, "2026-11-24", 9, 0, 30);
	log_local(f->st, "2026-11-28", 9, 0, 30);
	commit(f->st, CAIRN__RULE__RULE_MAX_GAP, 2, "2026-11-23");
	commit(f->st, CAIRN__RULE__RULE_DAYS_PER_WEEK, 4, "2026-11-16");
	week_model(f->st, "2026-11-30", "2026-12-01", &m);
	assert_int_equal(m.n_commits, 2);
	assert_int_equal(m.n_breaches, 3);
	/* The gap: Wed..Fri, 3 days against at most 2. */
	assert_int_equal(m.breaches[0].rule, CAIRN__RULE__RULE_MAX_GAP);
	assert_int_equal(m.breaches[0].from, day_of("2026-11-25"));
	assert_int_equal(m.breaches[0].to, day_of("2026-11-27"));
	assert_true(m.breaches[0].got == 3);
	/* Weeks with fewer than 4 days: W47 (none) and W48 (three). */
	assert_int_equal(m.breaches[1].from, day_of("2026-11-16"));
	assert_true(m.breaches[1].got == 0);
	assert_int_equal(m.breaches[2].from, day_of("2026-11-23"));
	assert_true(m.breaches[2].got == 3);
	model_release(&m);
	/* A gap still open (Sunday and Monday, today Tuesday) is within 2. */
	week_model(f->st, "2026-11-30", "2026-12-01", &m);
	assert_int_equal(m.breaches[0].to, day_of("2026-11-27"));
	model_release(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_dst_new_york, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dst_berlin_and_midnight,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_brier, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_commitments, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
