/*
 * cairn undo: takes back this home's last change, one command's writes
 * (log, edit, rm, stop, plan done and reopen, plan import and rm...), as new
 * versions that sync like any edit (docs/sync.md, "Undo"). The journal
 * the store keeps (client/store/store-undo.c) holds each record's state
 * before the change and what the change wrote; a record changed since,
 * on another machine, stops the undo before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

const struct cmd cmd_undo_entry = {
        .name = "undo",
        .fn = cmd_undo,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "undo",
        .summary = "take back this machine's last change",
        .help = "Reverts the last change made on this machine by log, edit, rm,\n"
                "stop, plan done, plan reopen, plan import or plan rm: a\n"
                "logged entry is deleted, an edit gets the old values back, a\n"
                "deleted entry comes back, a done mark is reopened. The undo is a\n"
                "new change: 'cairn sync' takes it to your other machines. Run it\n"
                "again to go one change further back (the last 100 are kept).\n"
                "Comments, predictions, rules and reviews written here are\n"
                "changes too. The timer is not: undoing a stop deletes the entry\n"
                "it logged and leaves the timer stopped. What sync brought is\n"
                "never undone here. When a record of that change was changed\n"
                "since on another machine, nothing is undone (exit 5) and that\n"
                "change leaves the list, so the next undo reaches the one before.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn log 30m reading \"chapter 3\"; cairn undo\n"
                "  cairn undo\n"
                "  cairn --json undo\n",
};

#define UNDO_SAY_MAX 5 /* records named one by one; the rest counted */

/* "entry", "plan item"...: what a learner calls a record of kind. */
static const char *
kind_word(int kind)
{
	switch (kind) {
	case CAIRN__KIND__KIND_ENTRY:
		return "entry";
	case CAIRN__KIND__KIND_PLAN:
		return "plan";
	case CAIRN__KIND__KIND_PLAN_ITEM:
		return "plan item";
	case CAIRN__KIND__KIND_COMMENT:
		return "comment";
	case CAIRN__KIND__KIND_REVIEW:
		return "review";
	case CAIRN__KIND__KIND_PREDICTION:
		return "prediction";
	case CAIRN__KIND__KIND_COMMITMENT:
		return "rule";
	case CAIRN__KIND__KIND_TIMER:
		return "timer";
	default:
		return "record";
	}
}

/* 1 if head still holds what the change wrote, in the fields it wrote. */
static int
intact(const struct undo_item *it, const struct rec *head)
{
	Cairn__Entry *h = NULL, *a = NULL;
	int f, ok = 0;

	if (!head->deleted != !it->after.deleted)
		return 0;
	if (head->deleted)
		return 1;
	if (it->kind != CAIRN__KIND__KIND_ENTRY) {
		return !head->priv == !it->after.priv &&
		       head->body_len == it->after.body_len &&
		       (head->body_len == 0 ||
		        memcmp(head->body, it->after.body, head->body_len) ==
		                0);
	}
	/* An entry: only the fields this change wrote; others may move. */
	if ((h = entryrec_unpack(head)) == NULL ||
	    (a = entryrec_unpack(&it->after)) == NULL)
		goto out;
	for (f = 1; f <= ENTRY_FIELDS; f++)
		if ((it->fields & (1u << f)) &&
		    !entryrec_field_equal(h, head->priv, a, it->after.priv, f))
			goto out;
	ok = 1;
out:
	if (h != NULL)
		cairn__entry__free_unpacked(h, NULL);
	if (a != NULL)
		cairn__entry__free_unpacked(a, NULL);
	return ok;
}

/*
 * The version that takes it back, in *r: a tombstone for a record the
 * change made (or brought back), the old body otherwise. An entry still
 * alive gets back only the fields the change wrote, so an edit made on
 * another machine to another field stays.
 */
static int
undo_version(const struct undo_item *it, const struct rec *head, struct rec *r)
{
	Cairn__Entry *h = NULL, *p = NULL;
	struct entry_clocks c;
	int rc = CAIRN_OK;

	memset(r, 0, sizeof(*r));
	memcpy(r->id, it->id, sizeof(r->id));
	r->kind = it->kind;
	if (!it->existed || it->prev.deleted) {
		r->deleted = 1;
		r->priv = head->priv;
		memcpy(r->subject, head->subject, sizeof(r->subject));
		return CAIRN_OK;
	}
	memcpy(r->subject, it->prev.subject, sizeof(r->subject));
	r->priv = it->prev.priv;
	if (it->kind == CAIRN__KIND__KIND_ENTRY && !head->deleted) {
		if ((h = entryrec_unpack(head)) == NULL ||
		    (p = entryrec_unpack(&it->prev)) == NULL) {
			rc = CAIRN_ESTORAGE;
			goto out;
		}
		if (!(it->fields & (1u << ENTRY_FIELD_PRIVATE)))
			r->priv = head->priv;
		/* store_put sets the clocks again, field by field. */
		entryrec_clocks(h, head->hlc, &c);
		rc = entryrec_pack_clocks(r, h, p, it->fields, &c, head->hlc);
		goto out;
	}
	if (it->prev.body_len > 0) {
		if ((r->body = malloc(it->prev.body_len)) == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		memcpy(r->body, it->prev.body, it->prev.body_len);
		r->body_len = it->prev.body_len;
	}
	rc = rec_derive(r);
out:
	if (h != NULL)
		cairn__entry__free_unpacked(h, NULL);
	if (p != NULL)
		cairn__entry__free_unpacked(p, NULL);
	return rc;
}

/*
 * What the change was, as the command that made it, with the record as
 * the undo leaves it (or as it was, for a record the undo deletes): "log
 * 1h30m reading", "edit 45m drill", "rm 30m reading", "reopen Week 1",
 * "plan import Go".
 */
static void
describe(const struct undo_item *it, const struct rec *head,
         const struct rec *r, char *out, size_t len)
{
	const struct rec *shown = !r->deleted      ? r
	                          : !head->deleted ? head
	                                           : &it->after;
	Cairn__Entry *e;
	Cairn__PlanItem *pi, *pp;
	Cairn__Plan *pl;
	char dur[32];
	const char *verb;

	if (!it->existed || it->prev.deleted)
		verb = "new";
	else if (it->after.deleted)
		verb = "rm";
	else
		verb = "edit";
	snprintf(out, len, "%s %s", verb, kind_word(it->kind));
	switch (it->kind) {
	case CAIRN__KIND__KIND_ENTRY:
		if ((e = entryrec_unpack(shown)) == NULL)
			return;
		duration_format(e->minutes, dur, sizeof(dur));
		snprintf(out, len, "%s %s %s",
		         strcmp(verb, "new") == 0 ? "log" : verb, dur,
		         e->activity);
		cairn__entry__free_unpacked(e, NULL);
		return;
	case CAIRN__KIND__KIND_PLAN:
		pl = cairn__plan__unpack(NULL, shown->body_len,
		                         shown->body != NULL
		                                 ? shown->body
		                                 : (const uint8_t *)"");
		if (pl == NULL)
			return;
		snprintf(out, len, "plan %s %s",
		         strcmp(verb, "new") == 0 ? "import" : verb, pl->title);
		cairn__plan__free_unpacked(pl, NULL);
		return;
	case CAIRN__KIND__KIND_PLAN_ITEM:
		pi = cairn__plan_item__unpack(NULL, it->after.body_len,
		                              it->after.body != NULL
		                                      ? it->after.body
		                                      : (const uint8_t *)"");
		pp = cairn__plan_item__unpack(NULL, it->prev.body_len,
		                              it->prev.body != NULL
		                                      ? it->prev.body
		                                      : (const uint8_t *)"");
		if (pi != NULL && pp != NULL && it->existed &&
		    !it->prev.deleted && !it->after.deleted &&
		    !pi->done != !pp->done)
			snprintf(out, len, "%s %s",
			         pi->done ? "done" : "reopen", pi->title);
		else if (pi != NULL || pp != NULL)
			/* A tombstone's empty body has no title: the other's.
			 */
			snprintf(out, len, "%s plan item %s", verb,
			         (pi != NULL && (!it->after.deleted ||
			                         pp == NULL)
			                  ? pi
			                  : pp)
			                 ->title);
		if (pi != NULL)
			cairn__plan_item__free_unpacked(pi, NULL);
		if (pp != NULL)
			cairn__plan_item__free_unpacked(pp, NULL);
		return;
	default:
		return;
	}
}

/* Refuses when a record of the change was changed since elsewhere. */
static int
check_items(struct cli *c, const struct undo_item *items, size_t n,
            struct rec *heads)
{
	char name[DEVICE_NAME_MAX + 1], mine[CLI_DEVICE_MAX + 1], sid[9];
	size_t i;
	int rc;

	if ((rc = store_device(c->st, mine)) != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	for (i = 0; i < n; i++) {
		rc = store_head(c->st, items[i].id, &heads[i]);
		if (rc == CAIRN_ENOTFOUND)
			return cli_err(
			        CAIRN_EINVAL,
			        "%s %s is no longer on this machine; nothing undone",
			        kind_word(items[i].kind),
			        out_short_id(items[i].id, sid));
		if (rc != CAIRN_OK)
			return cli_err(rc, "cannot read the store: %s",
			               store_errmsg(c->st));
		if (intact(&items[i], &heads[i]))
			continue;
		/* The head's writer, unless a merge here brought the change. */
		sync_device_name(
		        c,
		        strcmp(heads[i].device, mine) != 0 &&
		                        strcmp(heads[i].device, c->device) != 0
		                ? heads[i].device
		                : NULL,
		        name, sizeof(name));
		return cli_err(CAIRN_EINVAL,
		               "%s %s was changed on %s since; nothing undone",
		               kind_word(items[i].kind),
		               out_short_id(items[i].id, sid), name);
	}
	return CAIRN_OK;
}

/* Writes the versions that take the change back; *done lists them. */
static int
undo_write(struct cli *c, const struct undo_item *items, size_t n,
           const struct rec *heads, json_t *done)
{
	char what[256];
	struct rec r;
	size_t i;
	int rc = CAIRN_OK;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < n; i++) {
		if ((rc = undo_version(&items[i], &heads[i], &r)) != CAIRN_OK)
			break;
		describe(&items[i], &heads[i], &r, what, sizeof(what));
		if (json_array_append_new(done,
		                          json_pack("{s:s, s:s, s:s}", "id",
		                                    items[i].id, "kind",
		                                    kind_word(items[i].kind),
		                                    "change", what)) != 0) {
			rc = CAIRN_ENOMEM;
			break;
		}
		/* Already as it was (a tombstone the change made twice). */
		if (!(heads[i].deleted && r.deleted) &&
		    (rc = store_put_flags(c->st, &r, STORE_PUT_NO_JOURNAL)) !=
		            CAIRN_OK)
			break;
		rec_release(&r);
	}
	rec_release(&r);
	return rc;
}

static void
say_done(json_t *done)
{
	char sid[9];
	json_t *v;
	size_t i;

	json_array_foreach(done, i, v)
	{
		if (i == UNDO_SAY_MAX) {
			printf("undid: %zu more change%s of the same command\n",
			       json_array_size(done) - i,
			       json_array_size(done) - i == 1 ? "" : "s");
			break;
		}
		printf("undid: %s (%s)\n",
		       json_string_value(json_object_get(v, "change")),
		       out_short_id(json_string_value(json_object_get(v, "id")),
		                    sid));
	}
}

int
cmd_undo(struct cli *c, int argc, char **argv)
{
	struct undo_item *items = NULL;
	struct rec *heads = NULL;
	json_t *done = NULL;
	char why[512];
	size_t n = 0, i;
	int64_t grp;
	int rc, stale = 0;

	(void)argv;
	if (argc > 1)
		return cli_usage(c, "undo takes no arguments");
	if ((rc = store_begin(c->st)) != CAIRN_OK)
		return cli_err(rc, "cannot write the store: %s",
		               store_errmsg(c->st));
	rc = store_undo_last(c->st, &grp, &items, &n);
	if (rc == CAIRN_ENOTFOUND) {
		rc = cli_err(rc, "nothing to undo on this machine");
		goto out;
	}
	if (rc != CAIRN_OK) {
		rc = cli_err(rc, "cannot read the undo journal: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if ((heads = calloc(n, sizeof(*heads))) == NULL ||
	    (done = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((rc = check_items(c, items, n, heads)) != CAIRN_OK) {
		stale = rc == CAIRN_EINVAL;
		goto out;
	}
	if ((rc = undo_write(c, items, n, heads, done)) == CAIRN_OK)
		rc = store_undo_drop(c->st, grp);
	if (rc != CAIRN_OK)
		rc = cli_err(rc, "cannot store the undo: %s",
		             store_errmsg(c->st));
out:
	if ((rc = store_end(c->st, rc)) == CAIRN_OK) {
		if (c->json)
			rc = out_json(json_pack("{s:O}", "undone", done));
		else
			say_done(done);
	} else if (stale) {
		/*
		 * A change that can no longer be taken back would block every
		 * older one: it leaves the list, and the next undo goes on.
		 */
		snprintf(why, sizeof(why), "%s",
		         cli_errmsg() != NULL ? cli_errmsg() : "");
		if (store_end(c->st, store_begin(c->st) == CAIRN_OK
		                             ? store_undo_drop(c->st, grp)
		                             : CAIRN_ESTORAGE) == CAIRN_OK)
			rc = cli_err(
			        rc,
			        "%s (that change leaves the undo list: run 'cairn undo' again for the one before it)",
			        why);
	}
	for (i = 0; heads != NULL && i < n; i++)
		rec_release(&heads[i]);
	free(heads);
	store_undo_free(items, n);
	json_decref(done);
	return rc;
}
