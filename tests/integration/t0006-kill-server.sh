#!/bin/bash
# t0006: a server killed mid-sync loses nothing and duplicates nothing
# (SYNC-CASES 1). First cairnd SIGKILLs itself right after its 3rd committed
# push, before replying; then a real kill -9 lands while a sync is running.
# Each time the retry ends with every record exactly once on the server, as
# a fresh home's pull shows.
. "$(dirname "$0")/lib.sh"

N1=${T0006_N1:-2000}
N2=${T0006_N2:-1000}
PUSH_EVENT='sync\.push'

# --- the server dies after its 3rd commit ------------------------------------------
CAIRND_TEST_KILL_AFTER_COMMITS=3 start_server
mkhome A
ok "alice registers on A" register A alice
t0=$SECONDS
bulk_log A "$N1"
echo "# logged $N1 entries in $((SECONDS - t0)) s"
CAIRN_BATCH=100 expect_cairn_fail 3 '.' A sync
reap_server
assert_eq 137 "$SERVER_RC" "cairnd SIGKILLed itself after the 3rd commit"
pending=$(cj A status | json_get .pending)
if [ "$pending" -le 0 ] || [ "$pending" -gt $((N1 - 200)) ]; then
	fail "the 2 acknowledged batches are marked, the 3rd is not" \
	    "pending $pending of $N1"
fi
pass "the acknowledged batches are marked, the unacknowledged are not ($pending pending)"

restart_server
out=$(CAIRN_BATCH=100 cj A sync)
assert_json "the retry pushes everything still pending" "d['pushed'] == $pending" <<<"$out"
assert_json "nothing pending on A" 'd["pending"] == 0' <<<"$(cj A status)"
mkhome B
ok "alice logs in on a fresh home B" login B alice
assert_json "B pulls $N1" "d['pulled'] == $N1" <<<"$(cj B sync)"
assert_eq "$N1 $N1" "$(count_unique B)" "B holds $N1 entries, ids unique"
ids A >"$T/ids.A"
ids B >"$T/ids.B"
cmp -s "$T/ids.A" "$T/ids.B" || fail "B holds the same ids as A" \
    "$(diff "$T/ids.A" "$T/ids.B" | head -n 5)"
pass "B holds the same ids as A"

# --- a real kill -9 while a sync is in flight -------------------------------------------
bulk_log A "$N2"
total=$((N1 + N2))
before=$(grep -c "$PUSH_EVENT" "$SERVER_LOG" || true)
pushes_started() {
	[ "$(grep -c "$PUSH_EVENT" "$SERVER_LOG" || true)" -gt "$before" ]
}
# One record a push: the sync lasts seconds, not the few milliseconds
# 1000 records take in batches, so the kill lands while it runs.
(
	trap - ERR
	CAIRN_BATCH=1 c A sync >"$T/bg.out" 2>"$T/bg.err"
) &
sync_pid=$!
wait_for pushes_started || fail "the server logs a push within 10 s" \
    "$(tail -n 5 "$SERVER_LOG")"
kill9_server
pass "cairnd killed with SIGKILL during a push"
rc=0
wait "$sync_pid" || rc=$?
assert_eq 3 "$rc" "the interrupted sync exits 3 (it was still running)"
assert_eq 1 "$(wc -l <"$T/bg.err")" "the interrupted sync says one line"
pending=$(cj A status | json_get .pending)
[ "$pending" -gt 0 ] || fail "records are left pending by the interrupted sync"
pass "the interrupted sync left $pending records pending"

restart_server
ok "the retry succeeds" c A sync
assert_json "nothing pending on A" 'd["pending"] == 0' <<<"$(cj A status)"
ok "B syncs" c B sync
assert_eq "$total $total" "$(count_unique B)" "B holds $total entries, ids unique"
mkhome C
ok "alice logs in on a fresh home C" login C alice
assert_json "C pulls $total" "d['pulled'] == $total" <<<"$(cj C sync)"
ids A >"$T/ids.A"
ids C >"$T/ids.C"
cmp -s "$T/ids.A" "$T/ids.C" || fail "C holds the same ids as A" \
    "$(diff "$T/ids.A" "$T/ids.C" | head -n 5)"
pass "C holds the same ids as A"
assert_same_snapshot A C "C is identical to A"
