/*
 * cairn-gen: writes N made-up check-ins into a cairn home's local store in
 * one transaction, through the same store functions `cairn log` uses, so
 * benchmarks and the large-sync tests can start from thousands of unsynced
 * entries without running the CLI thousands of times.
 *
 *   cairn-gen [--ids-today] HOME N [SEED] [HOURS]
 *
 * Sessions are HOURS apart (default 1), going back from a day ago: 10,000
 * sessions 4 hours apart are four and a half years of daily practice.
 * Each id is made as at the time of its session (uuid_new_at), as a
 * history logged over time would be; with --ids-today as now, as records
 * a machine made today (a restored backup, an import).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "timefmt.h"
#include "uuid.h"

static const char *activities[] = {"project",   "drill",  "reading",
                                   "retrieval", "review", "community",
                                   "planning"};

/* Writes entry i of the made-up history into st. */
static int ids_today;

static int
gen_one(struct store *st, unsigned i, unsigned seed, int64_t now,
        unsigned hours)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	struct rec r;
	char text[64];
	int rc;

	memset(&r, 0, sizeof(r));
	snprintf(text, sizeof(text), "generated session %u", i);
	e.started_at = now - 86400 - (int64_t)i * 3600 * hours;
	e.utc_offset = local_offset(e.started_at);
	e.minutes = 15 + (i * 7 + seed) % 120;
	e.activity = (char *)activities[(i + seed) % 7];
	e.text = text;
	if ((rc = uuid_new_at(ids_today ? now : e.started_at, r.id)) !=
	    CAIRN_OK)
		return rc;
	r.kind = CAIRN__KIND__KIND_ENTRY;
	if ((rc = entryrec_pack(&r, &e)) != CAIRN_OK)
		return rc;
	rc = store_put(st, &r);
	rec_release(&r);
	return rc;
}

int
main(int argc, char **argv)
{
	struct store *st = NULL;
	char path[4096];
	unsigned long n, i, seed = 0, hours = 1;
	int rc = CAIRN_EUSAGE;

	if (argc > 1 && strcmp(argv[1], "--ids-today") == 0) {
		ids_today = 1;
		argc--;
		argv++;
	}
	if (argc < 3 || argc > 5) {
		fprintf(stderr,
		        "usage: cairn-gen [--ids-today] HOME N [SEED] [HOURS]\n");
		return EXIT_USAGE;
	}
	n = strtoul(argv[2], NULL, 10);
	if (argc >= 4)
		seed = strtoul(argv[3], NULL, 10);
	if (argc == 5)
		hours = strtoul(argv[4], NULL, 10);
	if (hours < 1 || hours > 24 * 365) {
		fprintf(stderr, "cairn-gen: HOURS must be 1..8760\n");
		return EXIT_USAGE;
	}
	if (n == 0 || n > 10000000) {
		fprintf(stderr, "cairn-gen: N must be 1..10000000\n");
		return EXIT_USAGE;
	}
	if ((rc = home_path(argv[1], "cairn.db", path, sizeof(path), NULL)) ||
	    (rc = store_open(path, 0, &st, NULL)) || (rc = store_begin(st)))
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = gen_one(st, (unsigned)i, (unsigned)seed,
		                  (int64_t)time(NULL), (unsigned)hours)) != 0)
			goto out;
	rc = store_commit(st);
out:
	if (rc != CAIRN_OK) {
		fprintf(stderr, "cairn-gen: %s\n",
		        st != NULL ? store_errmsg(st) : err_message(rc));
		store_rollback(st);
	}
	store_close(st);
	return rc == CAIRN_OK ? 0 : err_exit_code(rc);
}
