/*
 * The plan importer, part two: lines. Checks the text is UTF-8, cuts it
 * into lines ("\n", "\r\n" or "\r"), gives each non-blank line to exactly
 * one unit (the first unit whose text came from it; fences of code blocks
 * and setext underlines to their block; any other line to a stray unit of
 * its own) and puts the units in source order with their verbatim lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan-int.h"

int
plan_split_lines(struct pp *pp)
{
	size_t i, n = 0, cap = 0;
	int rc;

	for (i = 0; i < pp->len;) {
		size_t s = i;

		while (i < pp->len && pp->doc[i] != '\n' && pp->doc[i] != '\r')
			i++;
		rc = plan_grow((void **)&pp->lstart, &cap, n + 1,
		               sizeof(size_t), pp->len + 1);
		if (rc != CAIRN_OK)
			return rc;
		pp->lstart[n++] = s;
		if (i < pp->len && pp->doc[i] == '\r' && i + 1 < pp->len &&
		    pp->doc[i + 1] == '\n')
			i += 2;
		else if (i < pp->len)
			i++;
	}
	pp->nlines = n;
	pp->lend = malloc((n ? n : 1) * sizeof(size_t));
	if (pp->lend == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < n; i++) {
		size_t e = pp->lstart[i];

		while (e < pp->len && pp->doc[e] != '\n' && pp->doc[e] != '\r')
			e++;
		pp->lend[i] = e;
	}
	return CAIRN_OK;
}

static int
pp_blank(const struct pp *pp, int ln)
{
	size_t i;

	for (i = pp->lstart[ln]; i < pp->lend[ln]; i++)
		if (pp->doc[i] != ' ' && pp->doc[i] != '\t')
			return 0;
	return 1;
}

/* Returns 1 if line ln is a code fence of char c (after any list marker). */
static int
pp_fence_line(const struct pp *pp, int ln, char c)
{
	size_t i = plan_skip_prefix(pp, ln, 1), k = 0;

	while (i < pp->lend[ln] && pp->doc[i] == c) {
		i++;
		k++;
	}
	return k >= 3;
}

/* Returns 1 if line ln is a setext underline ("===" or "---"). */
static int
pp_setext_line(const struct pp *pp, int ln)
{
	size_t i = plan_skip_prefix(pp, ln, 0), e = pp->lend[ln];
	char c;

	if (i >= e || (pp->doc[i] != '=' && pp->doc[i] != '-'))
		return 0;
	c = pp->doc[i];
	while (i < e && pp->doc[i] == c)
		i++;
	while (i < e && (pp->doc[i] == ' ' || pp->doc[i] == '\t'))
		i++;
	return i == e;
}

/* Returns 1 if heading unit u is an ATX heading ("## x"). */
static int
pp_atx(const struct pp *pp, const struct plan_unit *u)
{
	size_t i = u->text_off, s;

	if (!u->has_text)
		return 1;
	s = pp->lstart[plan_line_of(pp, u->text_off)];
	while (i > s && (pp->doc[i - 1] == ' ' || pp->doc[i - 1] == '\t'))
		i--;
	return i > s && pp->doc[i - 1] == '#';
}

/* Claims the fences of code blocks and the underlines of setext headings. */
static void
pp_claim_marks(struct pp *pp, int *claim)
{
	size_t i;
	int ln;

	for (i = 0; i < pp->out.n; i++) {
		struct plan_unit *u = &pp->out.u[i];

		if (u->first < 0)
			continue;
		if (u->fence) {
			ln = u->first - 1;
			if (ln >= 0 && claim[ln] < 0 &&
			    pp_fence_line(pp, ln, u->fence)) {
				claim[ln] = (int)i;
				u->first = ln;
			}
			ln = u->last + 1;
			if ((size_t)ln < pp->nlines && claim[ln] < 0 &&
			    pp_fence_line(pp, ln, u->fence)) {
				claim[ln] = (int)i;
				u->last = ln;
			}
		}
		if (u->level > 0 && !pp_atx(pp, u)) {
			ln = u->last + 1;
			if ((size_t)ln < pp->nlines && claim[ln] < 0 &&
			    pp_setext_line(pp, ln)) {
				claim[ln] = (int)i;
				u->last = ln;
			}
		}
	}
}

/* Appends line ln to buf (NUL bytes read as U+FFFD). */
static void
pp_copy_line(const struct pp *pp, int ln, char *buf, size_t *len)
{
	size_t i;

	for (i = pp->lstart[ln]; i < pp->lend[ln]; i++) {
		if (pp->doc[i] == '\0') {
			memcpy(buf + *len, "\xef\xbf\xbd", 3);
			*len += 3;
		} else {
			buf[(*len)++] = pp->doc[i];
		}
	}
}

static size_t
pp_line_bytes(const struct pp *pp, int ln)
{
	size_t i, n = 0;

	for (i = pp->lstart[ln]; i < pp->lend[ln]; i++)
		n += pp->doc[i] == '\0' ? 3 : 1;
	return n;
}

/*
 * Makes the verbatim text of unit ui (its claimed lines and the blank lines
 * between them). Lines past PLAN_LINE_MAX are left to stray units (claim
 * -2). Returns CAIRN_OK, CAIRN_ETOOBIG for a single line too long, or
 * CAIRN_ENOMEM.
 */
static int
pp_unit_text(const struct pp *pp, int *claim, int ui, int first, int last,
             char **out)
{
	char *buf = NULL;
	size_t len = 0, need;
	int ln, rc = CAIRN_OK, any = 0;

	buf = malloc(PLAN_LINE_MAX + 4);
	if (buf == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (ln = first; ln <= last; ln++) {
		if (claim[ln] != ui && !(claim[ln] == -1 && pp_blank(pp, ln)))
			continue;
		need = (any ? 1 : 0) + pp_line_bytes(pp, ln);
		if (len + need > PLAN_LINE_MAX) {
			if (!any) {
				rc = CAIRN_ETOOBIG;
				goto out;
			}
			for (; ln <= last; ln++)
				if (claim[ln] == ui)
					claim[ln] = -2;
			break;
		}
		if (any)
			buf[len++] = '\n';
		pp_copy_line(pp, ln, buf, &len);
		any = 1;
	}
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	*out = malloc(len + 1);
	if (*out == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	memcpy(*out, buf, len + 1);
out:
	free(buf);
	return rc;
}

static int
pp_push_out(struct plan_doc *d, size_t cap[2], const struct plan_unit *u,
            char *line)
{
	int rc;

	if (d->n >= PLAN_MAX_ITEMS)
		return CAIRN_ETOOBIG;
	rc = plan_grow((void **)&d->u, &cap[0], d->n + 1, sizeof(*u),
	               PLAN_MAX_ITEMS);
	if (rc != CAIRN_OK)
		return rc;
	rc = plan_grow((void **)&d->lines, &cap[1], d->n + 1, sizeof(char *),
	               PLAN_MAX_ITEMS);
	if (rc != CAIRN_OK)
		return rc;
	d->u[d->n] = *u;
	d->lines[d->n++] = line;
	return CAIRN_OK;
}

/* Orders the units by their first line, adds stray units, sets lines. */
int
plan_finish(struct pp *pp, struct plan_doc *d)
{
	int *claim = NULL;
	char *emitted = NULL, *line = NULL;
	size_t i, cap[2] = {0, 0};
	int ln, c, rc = CAIRN_OK;

	claim = malloc((pp->nlines ? pp->nlines : 1) * sizeof(int));
	emitted = calloc(pp->out.n ? pp->out.n : 1, 1);
	if (claim == NULL || emitted == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < pp->nlines; i++)
		claim[i] = -1;
	for (i = 0; i < pp->out.n; i++)
		for (ln = pp->out.u[i].first;
		     ln >= 0 && ln <= pp->out.u[i].last; ln++)
			if (claim[ln] < 0)
				claim[ln] = (int)i;
	pp_claim_marks(pp, claim);
	for (ln = 0; (size_t)ln < pp->nlines; ln++) {
		struct plan_unit stray;

		c = claim[ln];
		if (c >= 0 && emitted[c])
			continue;
		if (c >= 0) {
			rc = pp_unit_text(pp, claim, c, pp->out.u[c].first,
			                  pp->out.u[c].last, &line);
			if (rc != CAIRN_OK)
				goto out;
			rc = pp_push_out(d, cap, &pp->out.u[c], line);
			if (rc != CAIRN_OK)
				goto out;
			line = NULL;
			pp->out.u[c].title = NULL;
			emitted[c] = 1;
			continue;
		}
		if (pp_blank(pp, ln))
			continue;
		memset(&stray, 0, sizeof(stray));
		stray.type = PU_STRAY;
		stray.first = stray.last = ln;
		stray.table = -1;
		claim[ln] = -3;
		rc = pp_unit_text(pp, claim, -3, ln, ln, &line);
		if (rc == CAIRN_OK)
			rc = plan_title_add(&stray, line, strlen(line));
		if (rc == CAIRN_OK)
			rc = pp_push_out(d, cap, &stray, line);
		if (rc != CAIRN_OK) {
			free(stray.title);
			goto out;
		}
		line = NULL;
	}
out:
	free(line);
	free(claim);
	free(emitted);
	return rc;
}

void
plan_doc_release(struct plan_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->u[i].title);
		free(d->lines[i]);
	}
	free(d->u);
	free(d->lines);
	free(d->tables);
	free(d->cells);
	memset(d, 0, sizeof(*d));
}
