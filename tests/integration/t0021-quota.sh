#!/bin/bash
# t0021: a server that will not take more. With --quota-records 50 a
# learner's sync stores what fits and stops with exit 6 and one line that
# says what to do and what waits; nothing is lost: after the operator
# raises the quota the queued entries go, and deleting entries makes room.
# Then the server's disk fills up (CAIRND_TEST_DB_HEADROOM=0: the database
# may not grow): exit 6 again, a server-side message, the database intact,
# and everything goes once there is room.
. "$(dirname "$0")/lib.sh"

n_ls() {
	cj "$1" ls | json_get length
}

start_server --quota-records 50 --quota-mb 1
mkhome A
ok "ann registers on A" register A ann
bulk_log A 60
assert_eq 60 "$(n_ls A)" "A holds 60 entries"
expect_cairn_fail 6 \
    "^cairn: your account is over its storage quota on this server \(50 records / 1 MiB\); remove old entries or ask the server's operator to raise --quota-records/--quota-mb; 60 changes stay queued on this machine" \
    A sync
grep -q 'sync.quota user=ann .*refused=10 applied=50' "$SERVER_LOG" ||
    fail "cairnd logs the refusal" "$(grep sync "$SERVER_LOG" | tail -n 3)"
pass "cairnd logs sync.quota with 50 applied and 10 refused"
assert_eq 60 "$(n_ls A)" "A still holds its 60 entries"

mkhome B
ok "ann logs in on B" login B ann
assert_json "B pulls the 50 the server took" 'd["pulled"] == 50' <<<"$(cj B sync)"
expect_cairn_fail 6 'storage quota.*60 changes stay queued' A sync

# --- the operator raises the quota ------------------------------------------------------
stop_server
restart_server --quota-records 100 --quota-mb 1
assert_json "A's queued entries go once the quota is raised" \
    'd["pushed"] == 60' <<<"$(cj A sync)"
assert_json "B pulls the other 10" 'd["pulled"] == 10' <<<"$(cj B sync)"
assert_same_snapshot A B "A and B hold the same 60 entries"

# --- over the quota, deleting makes room ------------------------------------------------
stop_server
restart_server --quota-records 60 --quota-mb 1
new=$(cj A log 20m reading "one too many" | json_get .id)
expect_cairn_fail 6 'storage quota on this server \(60 records / 1 MiB\).*1 change stays queued' A sync
for id in $(cj A ls | json_eval '" ".join(e["id"] for e in d[-2:])'); do
	ok "ann deletes $id" c A rm "$id"
done
rc=0
c A sync >/dev/null 2>"$T/err" || rc=$?
case $rc in
0) pass "the deletes and the new entry went in one sync" ;;
6) assert_json "the second sync sends the entry the deletes made room for" \
    'd["pushed"] >= 1' <<<"$(cj A sync)" ;;
*) fail "A's sync after deleting exits 0 or 6" "exit $rc" "$(cat "$T/err")" ;;
esac
assert_json "B gets the new entry and loses the two deleted" \
    'd["pulled"] == 3' <<<"$(cj B sync)"
assert_eq "one too many" "$(cj B show "$new" | json_get .text)" "B has the new entry"
assert_same_snapshot A B "A and B hold the same 59 entries"

# --- the server's disk is full ----------------------------------------------------------
stop_server
export CAIRND_TEST_DB_HEADROOM=0
restart_server
unset CAIRND_TEST_DB_HEADROOM
grep -q 'test.headroom' "$SERVER_LOG" || fail "cairnd takes the test headroom"
bulk_log A 400
expect_cairn_fail 6 \
    "^cairn: the server's disk is full; nothing was lost; tell the server's operator; 400 changes stay queued on this machine" \
    A sync
grep -q 'db.full' "$SERVER_LOG" ||
    fail "cairnd logs db.full" "$(tail -n 5 "$SERVER_LOG")"
pass "cairnd logs db.full"
assert_eq 459 "$(n_ls A)" "A still holds all 459 entries"
assert_json "B still syncs from the full server (reads work)" \
    'd["pulled"] == 0' <<<"$(cj B sync)"
sqlite3 "$T/srv.db" 'PRAGMA integrity_check' >"$T/ic" 2>&1 ||
    fail "the server database can be checked" "$(cat "$T/ic")"
assert_eq ok "$(cat "$T/ic")" "the server database is intact"

stop_server
restart_server
assert_json "with room again, A's 400 queued entries go" \
    'd["pushed"] == 400' <<<"$(cj A sync)"
assert_json "B pulls them" 'd["pulled"] == 400' <<<"$(cj B sync)"
assert_same_snapshot A B "A and B hold the same 459 entries"
