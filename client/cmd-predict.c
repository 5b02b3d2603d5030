/*
 * The prediction game and commitments. On Monday a learner writes what
 * will break, what will be harder than expected and what numbers they will
 * see (predict), on Friday says how each turned out (predict resolve);
 * predict ls shows them with the calibration the model computes (the
 * share that came true per confidence band, and the Brier score). A
 * commitment is a rule made with one's partners (commit); the model finds
 * when it was broken. Both are records that sync: partners and mentors see
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "predict.h"

const struct cmd cmd_predict_entry = {
        .name = "predict",
        .fn = cmd_predict,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage =
                "predict TEXT [--confidence PERCENT] [--week WEEK] | predict ls [--week WEEK] [--user HANDLE] | predict resolve ID right|wrong|partly [--note TEXT]",
        .summary = "the prediction game: Monday's guesses, Friday's answers",
        .help = "On Monday write down what will break, what will be harder than\n"
                "expected and what numbers you will see, each with how sure you\n"
                "are (50 to 100, default 70). On Friday resolve them. predict ls\n"
                "shows them and your calibration: per confidence band the share\n"
                "that came true, and the Brier score (mean of (p - outcome)^2;\n"
                "partly counts 0.5), overall and for the last 8 weeks. A\n"
                "prediction still open after its week shows as DUE in week.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn predict \"Docker networking will eat an evening\" --confidence 80\n"
                "  cairn predict ls\n"
                "  cairn predict resolve c4211078 right --note \"two evenings, in fact\"\n",
};

const struct cmd cmd_commit_entry = {
        .name = "commit",
        .fn = cmd_commit,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage =
                "commit [--max-gap DAYS | --days-per-week N | --hours-per-week H]",
        .summary = "a rule you make with your partners",
        .help = "  --max-gap DAYS        at most DAYS days in a row without practice\n"
                "  --days-per-week N     at least N days with practice each week\n"
                "  --hours-per-week H    at least H hours each week\n"
                "Without an option: your rules and when they were broken. A new\n"
                "value replaces the old. Partners and mentors see the rule, and\n"
                "their inbox and mentees say when it is broken.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn commit --max-gap 2\n"
                "  cairn commit --hours-per-week 10\n"
                "  cairn commit\n",
};

#define PREDICT_DEFAULT_CONF 70

static const char *const outcome_names[] = {"open", "right", "wrong", "partly"};

static const char *
outcome_name(int o)
{
	return o >= 0 && o <= 3 ? outcome_names[o] : "?";
}

/* A percentage argument 50..100. */
static int
predict_conf(const char *arg, unsigned *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end == '%')
		end++;
	if (end == arg || *end != '\0' || v < PREDICT_CONF_MIN ||
	    v > PREDICT_CONF_MAX)
		return cli_err(
		        CAIRN_EINVAL,
		        "confidence is a percentage from %d to %d (e.g. --confidence 80); below 50, predict the opposite",
		        PREDICT_CONF_MIN, PREDICT_CONF_MAX);
	*out = (unsigned)v;
	return CAIRN_OK;
}

/* Stores p as record r (new id when r->id is empty). */
static int
predict_store(struct cli *c, struct rec *r, const Cairn__Prediction *p)
{
	char why[200];
	int rc;

	if (prediction_validate(p, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "%s", why);
	if (r->id[0] == '\0' && (rc = uuid_new(r->id)) != CAIRN_OK)
		return rc;
	r->kind = CAIRN__KIND__KIND_PREDICTION;
	if ((rc = rec_pack_body(r, &p->base)) != CAIRN_OK ||
	    (rc = store_put(c->st, r)) != CAIRN_OK)
		return cli_err(rc, "cannot store the prediction: %s",
		               store_errmsg(c->st));
	return CAIRN_OK;
}

static int
predict_make(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"confidence", required_argument, NULL, 'c'},
	        {"week", required_argument, NULL, 'w'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Prediction p = CAIRN__PREDICTION__INIT;
	char week[WEEK_NAME_LEN + 1], sid[9];
	const char *arg, *wk = NULL;
	struct errbuf err = {""};
	int64_t now, today, monday;
	struct rec r;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	p.confidence = PREDICT_DEFAULT_CONF;
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'c' && (rc = predict_conf(arg, &p.confidence)) != 0)
			return rc;
		if (ch == 'w')
			wk = arg;
	}
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one TEXT");
	if ((rc = cli_now(&now, &today)) != CAIRN_OK)
		return rc;
	if ((rc = week_arg(wk, today, &monday, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	week_of_day(monday, week, NULL);
	p.week = week;
	p.text = argv[cli_optind()];
	p.at = now;
	p.note = "";
	if ((rc = predict_store(c, &r, &p)) == CAIRN_OK) {
		if (c->json)
			rc = out_json(json_pack("{s:s, s:s, s:s, s:i}", "id",
			                        r.id, "week", week, "text",
			                        p.text, "confidence",
			                        (int)p.confidence));
		else
			printf("predicted for %s at %u%% (%s); on Friday: 'cairn predict resolve %.8s right|wrong|partly'\n",
			       week, p.confidence, out_short_id(r.id, sid),
			       r.id);
	}
	rec_release(&r);
	return rc;
}

static int
predict_resolve(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"note", required_argument, NULL, 'n'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Prediction *p = NULL;
	const char *arg, *note = NULL, *how;
	char *own_note = NULL;
	int64_t now;
	struct rec r;
	int ch, rc, o;

	memset(&r, 0, sizeof(r));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		note = arg;
	}
	if (argc - cli_optind() != 2)
		return cli_usage(c, "expected ID right|wrong|partly");
	how = argv[cli_optind() + 1];
	for (o = 1; o <= 3 && strcmp(how, outcome_names[o]) != 0; o++)
		;
	if (o > 3)
		return cli_err(CAIRN_EUSAGE,
		               "say right, wrong or partly, not '%s'", how);
	rc = store_get_kind(c->st, CAIRN__KIND__KIND_PREDICTION,
	                    argv[cli_optind()], &r);
	if (rc == CAIRN_ENOTFOUND || rc == CAIRN_EINVAL)
		return cli_err(rc == CAIRN_EINVAL ? rc : CAIRN_ENOTFOUND,
		               "no prediction %s; see 'cairn predict ls'",
		               argv[cli_optind()]);
	if (rc == CAIRN_EAMBIGUOUS)
		return cli_err(
		        rc,
		        "'%s' matches several predictions; give more of the ID",
		        argv[cli_optind()]);
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if (r.owner[0] != '\0' && strcmp(r.owner, c->handle) != 0) {
		rc = cli_err(CAIRN_EFORBIDDEN,
		             "prediction %.8s is %s's; only they resolve it",
		             r.id, r.owner);
		goto out;
	}
	p = cairn__prediction__unpack(NULL, r.body_len,
	                              r.body != NULL ? r.body
	                                             : (const uint8_t *)"");
	if (p == NULL) {
		rc = cli_err(CAIRN_ESTORAGE, "prediction %.8s is unreadable",
		             r.id);
		goto out;
	}
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		goto out;
	p->outcome = (Cairn__Outcome)o;
	p->resolved_at = now;
	if (note != NULL) {
		own_note = p->note; /* put back before the free */
		p->note = (char *)note;
	}
	if ((rc = predict_store(c, &r, p)) != CAIRN_OK)
		goto out;
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:s}", "id", r.id,
		                        "outcome", how, "week", p->week));
	else
		printf("%.8s (%s, %u%%): %s\n", r.id, p->week, p->confidence,
		       how);
out:
	if (p != NULL) {
		if (own_note != NULL)
			p->note = own_note;
		cairn__prediction__free_unpacked(p, NULL);
	}
	rec_release(&r);
	return rc;
}

json_t *
calib_json(const struct model_calib *c)
{
	json_t *bands = json_array();
	int b;

	for (b = 0; bands != NULL && b < MODEL_BANDS; b++)
		json_array_append_new(
		        bands,
		        json_pack("{s:i, s:i, s:i, s:o}", "from",
		                  (int)c->band[b].lo, "to", (int)c->band[b].hi,
		                  "resolved", (int)c->band[b].n, "came_true",
		                  c->band[b].n > 0
		                          ? json_real(c->band[b].came_true)
		                          : json_null()));
	return json_pack("{s:i, s:o, s:o}", "resolved", (int)c->n, "brier",
	                 c->n > 0 ? json_real(c->brier) : json_null(), "bands",
	                 bands);
}

void
calib_print(FILE *f, const char *label, const struct model_calib *c)
{
	int b;

	if (c->n == 0) {
		fprintf(f, "%s: nothing resolved yet\n", label);
		return;
	}
	fprintf(f,
	        "%s: %u resolved, Brier score %.3f (0 is perfect, 0.25 is always saying 50%%)\n",
	        label, c->n, c->brier);
	for (b = 0; b < MODEL_BANDS; b++) {
		if (c->band[b].n == 0)
			continue;
		fprintf(f, "  said %u-%u%%: %u, %.0f%% came true\n",
		        c->band[b].lo, c->band[b].hi, c->band[b].n,
		        c->band[b].came_true * 100.0);
	}
}

static int
predict_ls(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"week", required_argument, NULL, 'w'},
	        {"user", required_argument, NULL, 'u'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *wk = NULL, *user = c->handle;
	struct errbuf err = {""};
	int64_t today, monday = INT64_MIN;
	json_t *arr = NULL, *doc;
	struct model m;
	size_t i;
	int ch, rc, shown = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'w')
			wk = arg;
		else
			user = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (user != c->handle && !handle_valid(user))
		return cli_err(CAIRN_EINVAL, "bad handle '%s'", user);
	if ((rc = cli_now(NULL, &today)) != CAIRN_OK)
		return rc;
	if (wk != NULL && (rc = week_arg(wk, today, &monday, &err)) != 0)
		return cli_errbuf(rc, &err);
	if ((rc = model_build_predictions(c->st, user, today, &m)) != 0)
		return cli_err(rc, "cannot read %s's predictions: %s", user,
		               store_errmsg(c->st));
	if (c->json && (arr = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < m.n_preds; i++) {
		const struct model_pred *p = &m.preds[i];

		if (wk != NULL && p->monday != monday)
			continue;
		shown++;
		if (arr != NULL) {
			json_array_append_new(
			        arr,
			        json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:b}",
			                  "id", p->id, "week", p->week, "text",
			                  p->text, "confidence",
			                  (int)p->confidence, "outcome",
			                  outcome_name(p->outcome), "note",
			                  out_str_or_null(p->note), "due",
			                  model_pred_due(&m, i)));
			continue;
		}
		printf("%.8s %s %3u%% %-6s %s%s%s%s\n", p->id, p->week,
		       p->confidence,
		       model_pred_due(&m, i) ? "DUE" : outcome_name(p->outcome),
		       p->text, p->note[0] != '\0' ? " (" : "", p->note,
		       p->note[0] != '\0' ? ")" : "");
	}
	if (arr != NULL) {
		doc = json_pack("{s:s, s:o, s:o, s:o}", "user", user,
		                "predictions", arr, "calibration",
		                calib_json(&m.all), "recent",
		                calib_json(&m.recent));
		arr = NULL;
		rc = out_json(doc);
		goto out;
	}
	if (shown == 0)
		printf("no predictions%s; on Monday: cairn predict \"what will break\" --confidence 70\n",
		       wk != NULL ? " that week" : "");
	calib_print(stdout, "calibration", &m.all);
	calib_print(stdout, "the last 8 weeks", &m.recent);
out:
	json_decref(arr);
	model_release(&m);
	return rc;
}

int
cmd_predict(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ls") == 0)
		return predict_ls(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "resolve") == 0)
		return predict_resolve(c, argc - 1, argv + 1);
	return predict_make(c, argc, argv);
}

/* ---- commit ---- */

int
cmd_commit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"max-gap", required_argument, NULL, 'g'},
	        {"days-per-week", required_argument, NULL, 'd'},
	        {"hours-per-week", required_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Commitment k = CAIRN__COMMITMENT__INIT;
	char why[200], name[96], since[11], line[160];
	const char *arg, *val = NULL;
	int64_t now, today;
	struct model m;
	struct rec r;
	char *end;
	size_t i;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (val != NULL)
			return cli_usage(c, "one rule at a time");
		val = arg;
		k.rule = ch == 'g'   ? CAIRN__RULE__RULE_MAX_GAP
		         : ch == 'd' ? CAIRN__RULE__RULE_DAYS_PER_WEEK
		                     : CAIRN__RULE__RULE_HOURS_PER_WEEK;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(&now, &today)) != CAIRN_OK)
		return rc;
	if (val == NULL) {
		/* No rule given: the rules and when they were broken. */
		if ((rc = model_build(c->st, c->handle, NULL, today, today,
		                      today, NULL, &m)) != CAIRN_OK)
			return cli_err(rc, "cannot read the store: %s",
			               store_errmsg(c->st));
		if (m.n_commits == 0)
			printf("no commitments: e.g. cairn commit --max-gap 2\n");
		for (i = 0; i < m.n_commits; i++) {
			planrec_days_date(m.commits[i].since, since);
			printf("%s %g since %s\n",
			       model_rule_name(m.commits[i].rule),
			       m.commits[i].value, since);
		}
		for (i = 0; i < m.n_breaches; i++) {
			model_breach_text(&m.breaches[i], line, sizeof(line));
			printf("  broken: %s\n", line);
		}
		model_release(&m);
		return CAIRN_OK;
	}
	k.value = strtod(val, &end);
	if (end == val || *end != '\0')
		return cli_err(CAIRN_EINVAL, "'%s' is not a number", val);
	planrec_days_date(today, since);
	k.since = since;
	k.at = now;
	if (commitment_validate(&k, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "%s", why);
	/* One record per rule and learner: a new value replaces the old. */
	snprintf(name, sizeof(name), "cairn-commitment:%s:%d", c->handle,
	         (int)k.rule);
	uuid_from_name(name, r.id);
	r.kind = CAIRN__KIND__KIND_COMMITMENT;
	if ((rc = rec_pack_body(&r, &k.base)) != CAIRN_OK ||
	    (rc = store_put(c->st, &r)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the commitment: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:f, s:s}", "rule",
		                        model_rule_name(k.rule), "value",
		                        k.value, "since", since));
	else
		printf("committed: %s %g from %s; your partners and mentors see it after 'cairn sync'\n",
		       model_rule_name(k.rule), k.value, since);
out:
	rec_release(&r);
	return rc;
}
