/*
 * "Did you mean": the closest of a few candidate words to a mistyped one,
 * by optimal string alignment distance (Levenshtein with swaps of
 * neighbours), for commands, options and activity words.
 */
#include <ctype.h>
#include <string.h>

#include "cairn.h"

#define SUGGEST_WORD_MAX 64

static size_t
suggest_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* The distance of a and b (case ignored); SIZE_MAX past the length cap. */
static size_t
suggest_distance(const char *a, const char *b)
{
	size_t d[SUGGEST_WORD_MAX + 1][SUGGEST_WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, cost;

	if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			       tolower((unsigned char)b[j - 1]);
			d[i][j] = suggest_min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
			                       d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
			            tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
			            tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

const char *
suggest_closest(const char *word, const char *const *cands, size_t n)
{
	size_t i, d, best = (size_t)-1, limit;
	const char *hit = NULL;

	if (word == NULL || word[0] == '\0')
		return NULL;
	limit = strlen(word) <= 4 ? 1 : 2;
	for (i = 0; i < n; i++) {
		if (cands[i] == NULL || strcmp(cands[i], word) == 0)
			continue;
		d = suggest_distance(word, cands[i]);
		if (d <= limit && d < best) {
			best = d;
			hit = cands[i];
		}
	}
	return hit;
}
