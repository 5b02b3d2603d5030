/*
 * Terminal drawing for the views: the width to fit, whether colour and
 * Unicode shading are wanted (a terminal without NO_COLOR), a day's bar
 * split by activity, and the heatmap's shades. Through a pipe or under
 * NO_COLOR everything is plain ASCII: a letter per activity, one
 * character per shade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cairn.h"

#define TERM_WIDTH_DEFAULT 80
#define TERM_WIDTH_MIN 40
#define TERM_WIDTH_MAX 240

int
term_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	int w = TERM_WIDTH_DEFAULT;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	else if (cols != NULL && atoi(cols) > 0)
		w = atoi(cols);
	return w < TERM_WIDTH_MIN   ? TERM_WIDTH_MIN
	       : w > TERM_WIDTH_MAX ? TERM_WIDTH_MAX
	                            : w;
}

int
term_fancy(void)
{
	return out_color("reset")[0] != '\0';
}

/* The colour of activity slot i (ANSI 256-colour foreground). */
static const char *
term_act_color(const char *act)
{
	static const struct {
		const char *act, *color;
	} colors[] = {
	        {"project", "\033[38;5;33m"},   {"drill", "\033[38;5;196m"},
	        {"reading", "\033[38;5;34m"},   {"retrieval", "\033[38;5;129m"},
	        {"review", "\033[38;5;37m"},    {"community", "\033[38;5;214m"},
	        {"planning", "\033[38;5;245m"},
	};
	size_t i;

	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcmp(colors[i].act, act) == 0)
			return colors[i].color;
	return "\033[38;5;250m";
}

/* The letter that stands for an activity in plain text. */
char
term_act_letter(const char *act)
{
	return act[0] != '\0' ? act[0] : '?';
}

void
term_bar(FILE *f, const struct model *m, const uint32_t *act, double per_cell,
         int width)
{
	size_t i;
	int cells, drawn = 0, j, fancy = term_fancy();
	double carry = 0;

	for (i = 0; i < m->n_acts && drawn < width; i++) {
		if (act[i] == 0)
			continue;
		/* Round cumulatively so the parts add up to the whole. */
		carry += act[i] / per_cell;
		cells = (int)(carry + 0.5) - drawn;
		if (cells < 1)
			cells = 1;
		if (drawn + cells > width)
			cells = width - drawn;
		if (fancy)
			fputs(term_act_color(m->acts[i]), f);
		for (j = 0; j < cells; j++) {
			if (fancy)
				fputs("\u2588", f);
			else
				fputc(term_act_letter(m->acts[i]), f);
		}
		drawn += cells;
	}
	if (fancy && drawn > 0)
		fputs(out_color("reset"), f);
	for (; drawn < width; drawn++)
		fputc(' ', f);
}

void
term_legend(FILE *f, const struct model *m)
{
	size_t i;
	int fancy = term_fancy(), n = 0;

	for (i = 0; i < m->n_acts; i++) {
		if (m->act_total[i] == 0)
			continue;
		fputs(n++ == 0 ? "  " : "  ", f);
		if (fancy)
			fprintf(f, "%s\u2588%s %s", term_act_color(m->acts[i]),
			        out_color("reset"), m->acts[i]);
		else
			fprintf(f, "%c %s", term_act_letter(m->acts[i]),
			        m->acts[i]);
	}
	if (n > 0)
		fputc('\n', f);
}

int
term_level(uint32_t minutes)
{
	return minutes == 0    ? 0
	       : minutes < 30  ? 1
	       : minutes < 60  ? 2
	       : minutes < 120 ? 3
	                       : 4;
}

void
term_cell(FILE *f, int level)
{
	static const char *const plain = ".-+*#";
	static const char *const shades[] = {"\u00b7", "\u2591", "\u2592",
	                                     "\u2593", "\u2588"};
	static const char *const greens[] = {"\033[38;5;240m", "\033[38;5;22m",
	                                     "\033[38;5;28m", "\033[38;5;34m",
	                                     "\033[38;5;46m"};

	if (level < 0) {
		fputc(' ', f); /* not a day of the span (the future) */
		return;
	}
	if (!term_fancy()) {
		fputc(plain[level], f);
		return;
	}
	fprintf(f, "%s%s%s", greens[level], shades[level], out_color("reset"));
}
