#!/bin/bash
# t0067: `cairnd migrate --from FILE --to URL` moves a study group from
# SQLite to PostgreSQL (docs/operating.md). After the move, on the same
# address, clients carry on as if nothing happened: same epoch and cursor
# (their next sync moves nothing), devices still logged in, partners still
# partners; new work flows; a fresh home pulls everything once. A second
# migration into the now-used database is refused and changes nothing.
# Runs only against PostgreSQL: ctest's pg label (tests/pg/pg-run).
. "$(dirname "$0")/lib.sh"

if [ "${CAIRN_TEST_DB:-}" != pg ]; then
	echo "1..0 # SKIP needs PostgreSQL (ctest -L pg runs it through tests/pg/pg-run)"
	exit 77
fi

# --- a group on SQLite ---------------------------------------------------------------
start_cairnd --listen 127.0.0.1:0 --db "$T/group.db" \
    --cert "$T/certs/server.pem" --key "$T/certs/server.key"
for who in alice bob; do
	mkhome "$who"
	ok "$who registers on the SQLite server" register "$who" "$who"
done
ok "alice invites bob" c alice invite bob --as partner
ok "bob accepts" c bob accept alice
bulk_log alice 120
c alice log --force 45m reading "shared later" --private >/dev/null
ok "alice syncs" c alice sync
ok "bob syncs" c bob sync
ok "bob comments on alice's newest shared entry" \
    c bob comment "$(cj alice ls | json_eval 'sorted(d, key=lambda e: e["id"])[0]["id"]')" "nice"
ok "bob syncs the comment" c bob sync
ok "alice syncs" c alice sync
before_alice=$(ids alice)
before_bob=$(cj bob ls --user alice | json_eval '"\n".join(sorted(e["id"] for e in d))')
stop_server

# --- the move ----------------------------------------------------------------------
TO=$(pg_url "$T/moved.db")
expect_fail 2 "migrate needs --from FILE --to URL" "$CAIRND" migrate --from "$T/group.db"
expect_fail 2 "migrate copies a SQLite file" "$CAIRND" migrate --from "$T/group.db" --to "$T/other.db"
out=$("$CAIRND" migrate --from "$T/group.db" --to "$TO")
assert_match "^migrated epoch [0-9a-f-]{36}, change log at [0-9]+: 2 users, 2 devices, 0 invites, 122 records, 1 relations, 0 groups, 0 group_members, 2 access_events$" \
    "$out" "cairnd migrate copies every row and says what"
expect_fail 1 "the target database already holds 2 accounts; migrate into an empty database" \
    "$CAIRND" migrate --from "$T/group.db" --to "$TO"

# --- the same group on PostgreSQL, same address -----------------------------------
LISTEN_PORT=$PORT start_cairnd --listen "127.0.0.1:$PORT" --db "$TO" \
    --cert "$T/certs/server.pem" --key "$T/certs/server.key"
out=$(cj alice sync)
assert_json "alice's next sync moves nothing (same epoch, same cursor)" \
    'd["pushed"] == 0 and d["pulled"] == 0' <<<"$out"
out=$(cj bob sync)
assert_json "bob's too" 'd["pushed"] == 0 and d["pulled"] == 0' <<<"$out"
assert_eq "$before_alice" "$(ids alice)" "alice's home is unchanged"
new=$(cj alice log --force 30m drill "after the move" | json_get .id)
ok "alice syncs new work to PostgreSQL" c alice sync
ok "bob syncs" c bob sync
assert_json "bob sees alice's entries, the new one too" \
    "sorted(e['id'] for e in d) == sorted('''$before_bob'''.split() + ['$new'])" \
    <<<"$(cj bob ls --user alice)"
mkhome fresh
ok "alice logs in on a fresh home" login fresh alice
ok "the fresh home pulls" c fresh sync
assert_eq "$(ids alice)" "$(ids fresh)" "the fresh home holds exactly alice's entries"
assert_eq "122 122" "$(count_unique fresh)" "alice's 121 moved entries and the new one, each once"
mkhome carol
ok "a new account registers after the move" register carol carol
