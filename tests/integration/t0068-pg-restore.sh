#!/bin/bash
# t0068: a PostgreSQL database restored from pg_dump (SYNC-CASES 8, and
# docs/operating.md "Backups and restores"). A dump taken while cairnd runs,
# records pushed after it, then the restore into a newly created database:
# cairnd sees a database that is not the one it served and gives it a new
# epoch; the clients' next sync resets, pushes back what the server lost,
# and a fresh machine ends with every record exactly once.
# Runs only against PostgreSQL: ctest's pg label (tests/pg/pg-run).
. "$(dirname "$0")/lib.sh"

if [ "${CAIRN_TEST_DB:-}" != pg ]; then
	echo "1..0 # SKIP needs PostgreSQL (ctest -L pg runs it through tests/pg/pg-run)"
	exit 77
fi

start_server
DBNAME=t_srv
mkhome P
mkhome Q
ok "alice registers on P" register P alice
ok "alice logs in on Q" login Q alice
ok "P logs" c P log --force 10m drill "before the dump"
ok "P syncs" c P sync
ok "Q syncs" c Q sync
epoch1=$(psql -qAt -d "$DBNAME" -c "SELECT value FROM meta WHERE key = 'epoch'")
ok "pg_dump while cairnd runs" pg_dump -Fc -d "$DBNAME" -f "$T/backup.dump"
r=$(cj P log --force 20m drill "only on P, after the dump" | json_get .id)
ok "P pushes r" c P sync
stop_server

ok "the database is dropped" dropdb "$DBNAME"
ok "and created again" createdb "$DBNAME"
ok "pg_restore into it" pg_restore -d "$DBNAME" "$T/backup.dump"
assert_eq "$epoch1" "$(psql -qAt -d "$DBNAME" -c "SELECT value FROM meta WHERE key = 'epoch'")" \
    "the dump holds the old epoch"
restart_server
grep -q 'db.restored .*reason="database is a copy (restored or moved)"' "$SERVER_LOG" ||
    fail "cairnd logs that its database was restored" "$(tail -n 5 "$SERVER_LOG")"
pass "cairnd logs that its database was restored"
epoch2=$(psql -qAt -d "$DBNAME" -c "SELECT value FROM meta WHERE key = 'epoch'")
[ "$epoch2" != "$epoch1" ] || fail "the restored database has a new epoch" "$epoch2"
pass "the restored database has a new epoch"

ok "Q logs after the restore" c Q log --force 30m drill "Q after the restore"
ok "Q syncs with the restored server" c Q sync
ok "P syncs with the restored server" c P sync
ok "P syncs again" c P sync
mkhome S
ok "alice logs in on a fresh home S" login S alice
ok "S syncs" c S sync
assert_json "the record only P had is back on the server (S has it)" \
    "'$r' in [e['id'] for e in d]" <<<"$(cj S ls)"
assert_eq "3 3" "$(count_unique S)" "S holds the 3 records, each once"
ids P >"$T/ids.P"
ids S >"$T/ids.S"
cmp -s "$T/ids.P" "$T/ids.S" || fail "S holds the same records as P" "$(diff "$T/ids.P" "$T/ids.S")"
pass "S holds the same records as P"
stop_server
restart_server
c P sync >/dev/null
assert_json "a restart without a restore keeps the epoch: P's sync moves nothing" \
    'd["pushed"] == 0 and d["pulled"] == 0' <<<"$(cj P sync)"
