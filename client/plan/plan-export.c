/*
 * Writes a plan back as Markdown: every item's source line(s) verbatim, in
 * document order, with the box of each task-list item ticked or cleared
 * from its done mark. Items are separated by a blank line, which keeps
 * each one its own block when read again, except between table rows (a
 * blank line would end the table), told by the '|' both lines hold.
 */
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

static void
plan_export_item(const struct plan_item *it, FILE *f)
{
	long box;
	int k;

	if (it->line == NULL || it->line[0] == '\0') {
		if (it->level > 0) {
			for (k = 0; k < it->level && k < 6; k++)
				fputc('#', f);
			fputc(' ', f);
		} else if (it->checkbox) {
			fputs(it->done ? "- [x] " : "- [ ] ", f);
		} else if (it->kind != PLAN_NOTE) {
			fputs("- ", f);
		}
		fputs(it->title != NULL ? it->title : "", f);
		fputc('\n', f);
		return;
	}
	box = it->checkbox ? plan_export_box(it->line) : -1;
	if (box < 0) {
		fputs(it->line, f);
	} else {
		char mark = it->line[box];

		if (it->done && mark == ' ')
			mark = 'x';
		else if (!it->done)
			mark = ' ';
		fwrite(it->line, 1, (size_t)box, f);
		fputc(mark, f);
		fputs(it->line + box + 1, f);
	}
	fputc('\n', f);
}

int
plan_export(const struct plan *p, FILE *f)
{
	const struct plan_item *prev = NULL;
	size_t i;

	for (i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];

		if (prev != NULL && !(prev->line != NULL && it->line != NULL &&
		                      plan_export_piped_last(prev->line) &&
		                      plan_export_piped(it->line)))
			fputc('\n', f);
		plan_export_item(it, f);
		prev = it;
	}
	if (fflush(f) != 0 || ferror(f))
		return CAIRN_EIO;
	return CAIRN_OK;
}
