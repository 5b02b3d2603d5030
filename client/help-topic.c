/*
 * Help topics: pages that belong to no one command ('cairn help dates'),
 * looked up by 'cairn help NAME' after the commands and listed at the end
 * of 'cairn help'. A topic is a row here: name, summary, text.
 */
#include <stdio.h>
#include <string.h>

#include "cairn.h"

struct help_topic {
	const char *name;
	const char *summary; /* one line for the topic list */
	const char *text;
};

static const struct help_topic help_topics[] = {
        {
                "dates",
                "how to write durations, dates and times of day",
                "How cairn reads durations, dates and times of day: one reader for\n"
                "every command that takes them. Case and the spaces around a value\n"
                "do not matter; quote a value that has spaces in it.\n"
                "\n"
                "DURATIONS (log DURATION, edit --duration, --ago, start --limit,\n"
                "streak --min), from 1m to 24h:\n"
                "  45m  90min  2h  1h30m  '1h 30m'  1.5h  '2 hours'\n"
                "  Units: h, hr, hour, hours; m, min, minute, minutes. Hours may\n"
                "  have a fraction that makes whole minutes (1.5h, 0.25h).\n"
                "  Refused, with the reason and what to write instead:\n"
                "    90      a bare number: say 90m or 1h30m\n"
                "    1h70m   70 minutes is more than an hour: use 2h10m\n"
                "    0m      no time at all: give at least 1m\n"
                "    25h     more than 24h: log each day apart\n"
                "    1:30    how a time of day is written: say 1h30m\n"
                "\n"
                "DATES (log and edit --date, ls --since and --until, feed --since,\n"
                "plan import --start, plan status --today, and WEEK of week,\n"
                "review, comment and predict when given as a date):\n"
                "  2026-12-01 (or 2026-12-1), today, yesterday\n"
                "  monday .. sunday, mon .. sun: the most recent such day, today\n"
                "    included ('monday' on a Monday is today; the one before is\n"
                "    '1 week ago')\n"
                "  '3 days ago', '1 day ago', '2 weeks ago' (quoted)\n"
                "  Refused: 2026-02-30 (February has 28 days in 2026), 2026-13-01\n"
                "  (there is no month 13), dates before 1970, and for log and edit\n"
                "  a day after today.\n"
                "\n"
                "TIMES OF DAY (log and edit --at, --from, --to), local time:\n"
                "  21:00  9:05  9pm  9:30pm  12am (00:00)  12pm (12:00)  noon\n"
                "  midnight\n"
                "  Refused: 24:00 (midnight is 00:00), 9:60, 13pm, a bare 9 (say\n"
                "  09:00, 9am or 9pm), and a time the clocks skip when summer time\n"
                "  begins (02:30 on that night in most of Europe).\n"
                "\n"
                "WHEN A SESSION WAS (log, edit):\n"
                "  --from 21:00 --to 22:30  from 21:00 to 22:30; DURATION may be left\n"
                "                           out, and if given must agree\n"
                "  --from 23:30 --to 01:00  across midnight: --to is on the next day,\n"
                "                           --date names the day it started\n"
                "  --to 22:30               it ended then (with a DURATION)\n"
                "  --at 9pm                 it started then (with a DURATION)\n"
                "  --ago 2h                 it ended two hours ago\n"
                "  --date DATE              that day (at --at, else from 12:00; today:\n"
                "                           ending now)\n"
                "  A session that would start or end in the future (more than a\n"
                "  minute ahead of the clock) is refused, and so is one that\n"
                "  overlaps another of yours, unless --force is given. Across a\n"
                "  DST change a session lasts the real time between --from and\n"
                "  --to (01:00 to 04:00 on the spring night is 2h).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn log reading --from 21:00 --to 22:30 --date yesterday\n"
                "  cairn log 1.5h project --date yesterday --at 9pm\n"
                "  cairn ls --since monday\n"
                "  cairn week '2 weeks ago'\n",
        },
};

#define N_TOPICS (sizeof(help_topics) / sizeof(help_topics[0]))

int
help_topic_show(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < N_TOPICS; i++) {
		if (strcmp(help_topics[i].name, name) != 0)
			continue;
		fprintf(f, "cairn help %s: %s.\n\n%s", help_topics[i].name,
		        help_topics[i].summary, help_topics[i].text);
		return 1;
	}
	return 0;
}

void
help_topics_list(FILE *f)
{
	size_t i;

	fprintf(f, "\ntopics ('cairn help TOPIC'):\n");
	for (i = 0; i < N_TOPICS; i++)
		fprintf(f, "  %-9s %s\n", help_topics[i].name,
		        help_topics[i].summary);
}

size_t
help_topic_names(const char **out, size_t max)
{
	size_t i;

	for (i = 0; i < N_TOPICS && i < max; i++)
		out[i] = help_topics[i].name;
	return i;
}
