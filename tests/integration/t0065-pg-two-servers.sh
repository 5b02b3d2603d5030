#!/bin/bash
# t0065: two cairnd on one PostgreSQL database (issue 11). Learners on
# different servers converge; a partner's check-in pushed through one
# server reaches a `feed --follow` connected to the other (LISTEN/NOTIFY);
# PostgreSQL restarting under both servers costs clients a "busy, retry"
# (exit 6), never a crash, and the retry loses and duplicates nothing.
# Runs only against PostgreSQL: ctest's pg label (tests/pg/pg-run).
. "$(dirname "$0")/lib.sh"

if [ "${CAIRN_TEST_DB:-}" != pg ]; then
	echo "1..0 # SKIP needs PostgreSQL (ctest -L pg runs it through tests/pg/pg-run)"
	exit 77
fi

# --- two servers, one database ---------------------------------------------------
start_server --heartbeat 1
PORT_A=$PORT PID_A=$SERVER_PID LOG_A=$SERVER_LOG
start_server --heartbeat 1
PORT_B=$PORT PID_B=$SERVER_PID LOG_B=$SERVER_LOG
[ "$PORT_A" != "$PORT_B" ] || fail "the two servers listen on two ports"
pass "two cairnd on one PostgreSQL database ($PORT_A and $PORT_B)"

PORT=$PORT_A mkhome alice
PORT=$PORT_B mkhome bob
PORT=$PORT_B mkhome alice2
ok "alice registers through A" register alice alice --device alice-a
ok "bob registers through B" register bob bob --device bob-b
rc=0
out=$(register alice2 alice 2>&1) || rc=$?
assert_eq 5 "$rc" "B refuses alice's handle, taken through A (exit 5)"
assert_match "handle 'alice' is taken; pick another" "$out" "B says the handle is taken"
ok "alice logs in on a second home, through B" login alice2 alice --device alice-b

# --- convergence across the servers -------------------------------------------------
a1=$(cj alice log --force 1h project "through A" | json_get .id)
b1=$(cj alice2 log --force 30m drill "through B" | json_get .id)
ok "alice syncs through A" c alice sync
ok "alice2 syncs through B" c alice2 sync
ok "alice syncs through A again" c alice sync
ids alice >"$T/ids.alice"
ids alice2 >"$T/ids.alice2"
cmp -s "$T/ids.alice" "$T/ids.alice2" || fail "both homes hold the same entries" \
    "$(diff "$T/ids.alice" "$T/ids.alice2")"
assert_eq 2 "$(wc -l <"$T/ids.alice")" "both homes hold alice's 2 entries"
ok "alice2 deletes the entry made through A" c alice2 rm "$a1"
ok "alice2 syncs the delete through B" c alice2 sync
ok "alice syncs through A" c alice sync
assert_json "the delete reached the home on A" "[e['id'] for e in d] == ['$b1']" \
    <<<"$(cj alice ls)"

# --- partners on different servers --------------------------------------------------
ok "alice invites bob (A)" c alice invite bob --as partner
ok "bob accepts (B)" c bob accept alice
ok "bob syncs through B" c bob sync
assert_json "bob, on B, sees alice's entry from B" "[e['id'] for e in d] == ['$b1']" \
    <<<"$(cj bob ls --user alice)"

# --- the live feed across servers -------------------------------------------------
bg_start feed "$CAIRN" --home "$T/bob" feed --follow
follower_up() { grep -q 'follow.start user=bob' "$LOG_B"; }
WAIT_MAX=20 wait_for follower_up || fail "bob's feed --follow connects to B" "$(cat "$T/feed.err")"
pass "bob follows on B"
live=$(cj alice log --force 25m drill "live through A" | json_get .id)
ok "alice syncs the check-in through A" c alice sync
t0=$(date +%s%N)
feed_has_live() { grep -q "${live:0:8}" "$T/feed.out"; }
WAIT_MAX=20 wait_for feed_has_live || fail "bob's feed on B prints alice's check-in pushed through A" \
    "$(cat "$T/feed.out")" "$(cat "$T/feed.err")" "$(tail -n 5 "$LOG_B")"
t1=$(date +%s%N)
pass "bob's feed on B prints alice's check-in from A ($(((t1 - t0) / 1000000)) ms after her sync returned)"
kill -INT "$(bg_pid feed)"
bg_wait feed
assert_eq 0 "$BG_RC" "feed --follow ends cleanly on Ctrl-C"

# --- PostgreSQL restarts under both servers ---------------------------------------
"$CAIRN_SRC/tests/pg/pg-ctl" "$CAIRN_TEST_PG_HOST" stop
pass "PostgreSQL stopped"
down=$(cj alice log --force 10m reading "while the database is down" | json_get .id)
expect_cairn_fail 6 "server database busy, retry; try again in a moment" alice sync
expect_cairn_fail 6 "server database busy, retry; try again in a moment" bob sync
kill -0 "$PID_A" && kill -0 "$PID_B" || fail "both servers are still running"
pass "both servers are still running"
"$CAIRN_SRC/tests/pg/pg-ctl" "$CAIRN_TEST_PG_HOST" start
pass "PostgreSQL started again"
synced() { c alice sync >/dev/null 2>&1; }
WAIT_MAX=30 wait_for synced || fail "alice's sync succeeds once PostgreSQL is back" \
    "$(c alice sync 2>&1)" "$(tail -n 5 "$LOG_A")"
pass "alice's sync succeeds once PostgreSQL is back"
grep -q 'db.reconnected' "$LOG_A" || fail "server A logs its reconnection" "$(tail -n 5 "$LOG_A")"
pass "server A reconnected"
assert_json "nothing pending on alice" 'd["pending"] == 0' <<<"$(cj alice status)"
ok "alice2 syncs through B" c alice2 sync
assert_json "the entry written while the database was down reached B, once" \
    "sorted(e['id'] for e in d) == sorted(['$b1', '$live', '$down'])" <<<"$(cj alice2 ls)"
ok "bob syncs through B" c bob sync
assert_json "bob sees alice's 3 entries" "len(d) == 3" <<<"$(cj bob ls --user alice)"

# --- the feed across servers after the restart (the watch reconnected) -------
listening_again() { [ "$(grep -c 'watch.listen' "$LOG_B")" -ge 2 ]; }
WAIT_MAX=30 wait_for listening_again || fail "server B listens for changes again" \
    "$(grep watch "$LOG_B")"
pass "server B listens for changes again"
bg_start feed2 "$CAIRN" --home "$T/bob" feed --follow
follower_again() { [ "$(grep -c 'follow.start user=bob' "$LOG_B")" -ge 2 ]; }
WAIT_MAX=20 wait_for follower_again || fail "bob follows on B again" "$(cat "$T/feed2.err")"
pass "bob follows on B again"
after=$(cj alice log --force 5m drill "after the restart" | json_get .id)
ok "alice syncs through A" c alice sync
feed_has_after() { grep -q "${after:0:8}" "$T/feed2.out"; }
WAIT_MAX=20 wait_for feed_has_after || fail "bob's feed on B prints the check-in from A after the restart" \
    "$(cat "$T/feed2.out")" "$(cat "$T/feed2.err")"
pass "bob's feed on B prints alice's check-in from A after the restart"
kill -INT "$(bg_pid feed2)"
bg_wait feed2

# Both servers stop on SIGTERM and exit 0 (lib.sh's cleanup checks).
