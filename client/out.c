/*
 * Output of the cairn client: the one error line, JSON documents (jansson)
 * and the human forms of entries. Colour only when stdout is a terminal
 * and NO_COLOR is unset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "timefmt.h"

static char errline[ERRBUF_MAX]; /* an errbuf copies in whole */
static int errset;

int
cli_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errline, sizeof(errline), fmt, ap);
	va_end(ap);
	errset = 1;
	return code;
}

int
cli_errbuf(int code, const struct errbuf *e)
{
	if (e == NULL || e->msg[0] == '\0')
		return code;
	return cli_err(code, "%s", e->msg);
}

void
cli_err_clear(void)
{
	errline[0] = '\0';
	errset = 0;
}

const char *
cli_errmsg(void)
{
	return errset ? errline : NULL;
}

int
out_json(json_t *doc)
{
	int rc = CAIRN_OK;

	if (doc == NULL)
		return cli_err(CAIRN_ENOMEM, "out of memory building JSON");
	if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) != 0 ||
	    fputc('\n', stdout) == EOF)
		rc = cli_err(CAIRN_EIO, "cannot write to standard output");
	json_decref(doc);
	return rc;
}

json_t *
out_str_or_null(const char *s)
{
	if (s == NULL || *s == '\0')
		return json_null();
	return json_string(s);
}

json_t *
out_time_or_null(int64_t t)
{
	char buf[64];

	if (t == 0)
		return json_null();
	rfc3339_format(t, local_offset(t), buf, sizeof(buf));
	return json_string(buf);
}

const char *
out_color(const char *which)
{
	static int enabled = -1;
	const char *nc;

	if (enabled < 0) {
		nc = getenv("NO_COLOR");
		enabled = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
	}
	if (!enabled)
		return "";
	if (strcmp(which, "id") == 0)
		return "\033[33m";
	if (strcmp(which, "dim") == 0)
		return "\033[2m";
	if (strcmp(which, "bold") == 0)
		return "\033[1m";
	if (strcmp(which, "reset") == 0)
		return "\033[0m";
	return "";
}

void
out_local_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL)
		snprintf(out, 32, "never");
	else
		strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

void
out_ago(int64_t then, int64_t now, char out[32])
{
	int64_t d = now - then;

	if (then == 0) {
		snprintf(out, 32, "never");
		return;
	}
	if (d < 0) {
		/* A clock behind another machine's: say when, not "in 3 min".
		 */
		out_local_time(then, out);
		return;
	}
	if (d < 60)
		snprintf(out, 32, "just now");
	else if (d < 3600)
		snprintf(out, 32, "%lld min ago", (long long)(d / 60));
	else if (d < 48 * 3600)
		snprintf(out, 32, "%lld h ago", (long long)(d / 3600));
	else if (d < 60 * 86400)
		snprintf(out, 32, "%lld days ago", (long long)(d / 86400));
	else
		out_local_time(then, out);
}

const char *
out_short_id(const char *id, char out[9])
{
	snprintf(out, 9, "%.8s", id);
	return out;
}

/* Adds key: value to o, dropping the reference; -1 on failure. */
static int
set(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

json_t *
out_entry_json(const struct rec *r)
{
	Cairn__Entry *e = NULL;
	json_t *o = NULL, *skills, *metrics;
	char when[64], updated[64];
	size_t i;
	int bad = 0;

	if ((e = entryrec_unpack(r)) == NULL)
		goto out;
	rfc3339_format(e->started_at, e->utc_offset, when, sizeof(when));
	rfc3339_format((int64_t)(hlc_ms(r->hlc) / 1000), 0, updated,
	               sizeof(updated));
	if ((o = json_object()) == NULL)
		goto out;
	skills = json_array();
	metrics = json_object();
	for (i = 0; skills != NULL && i < e->n_skills; i++)
		bad |= json_array_append_new(skills, json_string(e->skills[i]));
	for (i = 0; metrics != NULL && i < e->n_metrics; i++)
		bad |= set(metrics, e->metrics[i]->key,
		           json_real(e->metrics[i]->value));
	bad |= set(o, "id", json_string(r->id));
	bad |= set(o, "user", out_str_or_null(r->owner));
	bad |= set(o, "started_at", json_string(when));
	bad |= set(o, "minutes", json_integer(e->minutes));
	bad |= set(o, "activity", json_string(e->activity));
	bad |= set(o, "text", json_string(e->text));
	bad |= set(o, "skills", skills);
	bad |= set(o, "metrics", metrics);
	bad |= set(o, "item", out_str_or_null(e->item));
	bad |= set(o, "private", json_boolean(r->priv));
	bad |= set(o, "limit_minutes",
	           e->limit_minutes > 0 ? json_integer(e->limit_minutes)
	                                : json_null());
	bad |= set(o, "beaten",
	           e->limit_minutes > 0 ? json_boolean(e->beaten)
	                                : json_null());
	bad |= set(o, "updated_at", json_string(updated));
	bad |= set(o, "synced", json_boolean(!r->dirty));
	if (bad) {
		json_decref(o);
		o = NULL;
	}
out:
	if (e != NULL)
		cairn__entry__free_unpacked(e, NULL);
	return o;
}

/* "2026-11-22 09:30" of t at offset minutes east of UTC. */
static void
local_stamp(int64_t t, int offset, char *out, size_t len)
{
	char buf[64];

	rfc3339_format(t, offset, buf, sizeof(buf));
	/* RFC 3339 is "YYYY-MM-DDTHH:MM:SS...": keep date and minutes. */
	buf[10] = ' ';
	buf[16] = '\0';
	snprintf(out, len, "%.16s", buf);
}

void
out_entry_line(FILE *f, const struct rec *r, int with_user)
{
	Cairn__Entry *e;
	char sid[9], when[32], dur[32], user[HANDLE_MAX + 2];

	out_short_id(r->id, sid);
	if ((e = entryrec_unpack(r)) == NULL) {
		fprintf(f, "%s%s%s (unreadable entry)\n", out_color("id"), sid,
		        out_color("reset"));
		return;
	}
	local_stamp(e->started_at, e->utc_offset, when, sizeof(when));
	duration_format(e->minutes, dur, sizeof(dur));
	if (with_user)
		snprintf(user, sizeof(user), "%-10s ",
		         r->owner[0] != '\0' ? r->owner : "-");
	else
		user[0] = '\0';
	fprintf(f, "%s%s%s %s%s %6s %-10s %s%s%s%s\n", out_color("id"), sid,
	        out_color("reset"), user, when, dur, e->activity, e->text,
	        r->priv ? " [private]" : "", r->dirty ? out_color("dim") : "",
	        r->dirty ? " *" : "");
	if (r->dirty)
		fputs(out_color("reset"), f);
	cairn__entry__free_unpacked(e, NULL);
}

void
out_entry_long(FILE *f, const struct rec *r, const char *item_title)
{
	Cairn__Entry *e;
	char when[64], dur[32];
	size_t i;

	if ((e = entryrec_unpack(r)) == NULL) {
		fprintf(f, "id:       %s (unreadable entry)\n", r->id);
		return;
	}
	rfc3339_format(e->started_at, e->utc_offset, when, sizeof(when));
	duration_format(e->minutes, dur, sizeof(dur));
	fprintf(f, "id:       %s%s%s\n", out_color("id"), r->id,
	        out_color("reset"));
	fprintf(f, "user:     %s\n", r->owner[0] ? r->owner : "(local)");
	fprintf(f, "started:  %s\n", when);
	fprintf(f, "duration: %s\n", dur);
	fprintf(f, "activity: %s\n", e->activity);
	if (e->text[0] != '\0')
		fprintf(f, "text:     %s\n", e->text);
	for (i = 0; i < e->n_skills; i++)
		fprintf(f, "skill:    %s\n", e->skills[i]);
	for (i = 0; i < e->n_metrics; i++)
		fprintf(f, "metric:   %s = %g\n", e->metrics[i]->key,
		        e->metrics[i]->value);
	if (e->item[0] != '\0' && item_title != NULL)
		fprintf(f, "item:     %.8s %s\n", e->item, item_title);
	else if (e->item[0] != '\0')
		fprintf(f, "item:     %s\n", e->item);
	if (e->limit_minutes > 0) {
		duration_format(e->limit_minutes, dur, sizeof(dur));
		fprintf(f, "limit:    %s (%s)\n", dur,
		        e->beaten ? "beaten" : "not beaten");
	}
	if (r->priv)
		fprintf(f, "private:  yes\n");
	fprintf(f, "synced:   %s\n", r->dirty ? "no" : "yes");
	cairn__entry__free_unpacked(e, NULL);
}
