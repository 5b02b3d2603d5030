/*
 * Writes a plan back as Markdown: every item's source line(s) verbatim, in
 * document order, with the box of each task-list item ticked or cleared
 * from its done mark, and a done mark written ("[x] ") where the source
 * had no box. Items are separated by a blank line, which keeps each one
 * its own block when read again, except between table rows (a blank line
 * would end the table), told by the '|' both lines hold, and between two
 * list items, so a tight list stays tight.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan.h"

/* Returns 1 if line s (up to its first '\n') holds a '|'. */
static int
plan_export_piped(const char *s)
{
	for (; *s != '\0' && *s != '\n'; s++)
		if (*s == '|')
			return 1;
	return 0;
}

/* Returns 1 if the last line of s holds a '|'. */
static int
plan_export_piped_last(const char *s)
{
	const char *nl = strrchr(s, '\n');

	return plan_export_piped(nl != NULL ? nl + 1 : s);
}

/*
 * Returns the offset of the mark inside "[ ]" of a task-list line (after
 * blanks, quote markers and a list marker), or -1.
 */
static long
plan_export_box(const char *s)
{
	size_t i = 0;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '>')
		i++;
	if (s[i] == '-' || s[i] == '+' || s[i] == '*') {
		i++;
	} else {
		size_t j = i;

		while (s[j] >= '0' && s[j] <= '9')
			j++;
		if (j == i || (s[j] != '.' && s[j] != ')'))
			return -1;
		i = j + 1;
	}
	if (s[i] != ' ' && s[i] != '\t')
		return -1;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (s[i] != '[' || s[i + 1] == '\0' || s[i + 2] != ']' ||
	    strchr(" xX", s[i + 1]) == NULL)
		return -1;
	return (long)(i + 1);
}

/*
 * The offset after the list marker (and its blanks) of a list-item line,
 * after blanks and quote markers, or -1. *ordered tells "1." from "-".
 */
static long
plan_export_li(const char *s, int *ordered)
{
	size_t i = 0, j;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '>')
		i++;
	*ordered = 0;
	if (s[i] == '-' || s[i] == '+' || s[i] == '*') {
		i++;
	} else {
		for (j = i; s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j == i || j - i > 9 || (s[j] != '.' && s[j] != ')'))
			return -1;
		*ordered = 1;
		i = j + 1;
	}
	if (s[i] != ' ' && s[i] != '\t')
		return -1;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return (long)i;
}

/*
 * Where a done mark "[x] " goes in a line that has no box: after a list
 * marker, after an ATX heading's #s, in a table row's first cell, else at
 * the start of the text. -1 for a code or HTML block, a rule or a list
 * item whose text is a heading, which cannot carry one.
 */
static long
plan_export_mark_at(const char *s)
{
	size_t i = 0, j;
	int ordered;
	long li = plan_export_li(s, &ordered);

	if (li >= 0)
		return s[li] == '#' || s[li] == '\0' ? -1 : li;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '>')
		i++;
	if (i >= 4 && s[0] != '>')
		return -1; /* an indented code block */
	if (s[i] == '`' || s[i] == '~' || s[i] == '<' || s[i] == '\0' ||
	    s[i] == '\n' || strncmp(s + i, "---", 3) == 0 ||
	    strncmp(s + i, "***", 3) == 0 || strncmp(s + i, "___", 3) == 0)
		return -1;
	if (s[i] == '#') {
		for (j = i; s[j] == '#'; j++)
			;
		if (j - i > 6 || (s[j] != ' ' && s[j] != '\t'))
			return (long)i;
		while (s[j] == ' ' || s[j] == '\t')
			j++;
		return s[j] == '\0' || s[j] == '\n' ? -1 : (long)j;
	}
	if (s[i + strspn(s + i, "|-: \t")] == '\0')
		return -1; /* a table's delimiter row */
	if (s[i] == '|') {
		for (i++; s[i] == ' ' || s[i] == '\t'; i++)
			;
		return s[i] == '|' || s[i] == '\0' ? -1 : (long)i;
	}
	return (long)i;
}

static void
plan_export_item(const struct plan_item *it, FILE *f)
{
	long box, at;
	int k;

	if (it->line == NULL || it->line[0] == '\0') {
		if (it->level > 0) {
			for (k = 0; k < it->level && k < 6; k++)
				fputc('#', f);
			fputc(' ', f);
			if (it->done)
				fputs("[x] ", f);
		} else if (it->checkbox || it->done) {
			fputs(it->done ? "- [x] " : "- [ ] ", f);
		} else if (it->kind != PLAN_NOTE) {
			fputs("- ", f);
		}
		fputs(it->title != NULL ? it->title : "", f);
		fputc('\n', f);
		return;
	}
	box = plan_export_box(it->line);
	at = plan_export_mark_at(it->line);
	/* A box the importer read off a heading, a row or a line. */
	if (box < 0 && at >= 0 && it->line[at] == '[' &&
	    strchr(" xX", it->line[at + 1]) != NULL &&
	    it->line[at + 1] != '\0' && it->line[at + 2] == ']')
		box = at + 1;
	if (box >= 0) {
		char mark = it->line[box];

		if (it->done && mark == ' ')
			mark = 'x';
		else if (!it->done)
			mark = ' ';
		fwrite(it->line, 1, (size_t)box, f);
		fputc(mark, f);
		fputs(it->line + box + 1, f);
	} else if (it->done && at >= 0) {
		/* A done mark where the source had no box. */
		fwrite(it->line, 1, (size_t)at, f);
		fputs("[x] ", f);
		fputs(it->line + at, f);
	} else {
		fputs(it->line, f);
	}
	fputc('\n', f);
}

/*
 * 1 if cur may follow prev without a blank line: two list items (a tight
 * list stays tight), when cur can start a list item right after prev's
 * text: a bullet, "1.", or a number after a numbered item.
 */
static int
plan_export_tight(const struct plan_item *prev, const struct plan_item *cur)
{
	int po, co;

	if (prev->line == NULL || cur->line == NULL ||
	    plan_export_li(prev->line, &po) < 0 ||
	    plan_export_li(cur->line, &co) < 0)
		return 0;
	if (!co)
		return 1;
	return po ||
	       strtol(cur->line + strspn(cur->line, " \t>"), NULL, 10) == 1;
}

int
plan_export(const struct plan *p, FILE *f)
{
	const struct plan_item *prev = NULL;
	size_t i;

	for (i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];

		if (prev != NULL &&
		    !(prev->line != NULL && it->line != NULL &&
		      plan_export_piped_last(prev->line) &&
		      plan_export_piped(it->line)) &&
		    !plan_export_tight(prev, it))
			fputc('\n', f);
		plan_export_item(it, f);
		prev = it;
	}
	if (fflush(f) != 0 || ferror(f))
		return CAIRN_EIO;
	return CAIRN_OK;
}
