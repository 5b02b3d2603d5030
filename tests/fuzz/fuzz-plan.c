/*
 * libFuzzer target for the plan importer, which takes text from anywhere:
 * every input that parses must keep each non-blank line in exactly as many
 * item lines, have a well-formed tree, and export to text that parses
 * again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Non-blank lines of s[0..n), with "\n", "\r\n" and "\r" as line ends. */
static size_t
fuzz_count_lines(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		int blank = 1;

		for (; i < n && s[i] != '\n' && s[i] != '\r'; i++)
			if (s[i] != ' ' && s[i] != '\t')
				blank = 0;
		count += !blank;
		if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;
		i++;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct plan *p = NULL, *q = NULL;
	size_t i, lines = 0, len = 0;
	char *buf = NULL;
	FILE *f;

	if (plan_parse(text, size, &p) != CAIRN_OK)
		return 0;
	if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		size -= 3;
	}
	if (p->title == NULL)
		abort();
	for (i = 0; i < p->n_items; i++) {
		const struct plan_item *it = &p->items[i];

		if (it->title == NULL || it->line == NULL ||
		    it->parent >= (int)i || it->parent < -1 ||
		    (it->has_window && it->from_day > it->to_day) ||
		    it->kind < PLAN_PHASE || it->kind > PLAN_NOTE)
			abort();
		lines += fuzz_count_lines(it->line, strlen(it->line));
	}
	if (lines != fuzz_count_lines(text, size))
		abort();
	f = open_memstream(&buf, &len);
	if (f == NULL)
		goto out;
	if (plan_export(p, f) != CAIRN_OK)
		abort();
	fclose(f);
	if (plan_parse(buf, len, &q) != CAIRN_OK)
		abort();
out:
	plan_free(q);
	plan_free(p);
	free(buf);
	return 0;
}
