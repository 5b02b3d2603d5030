#!/bin/bash
# t0005: a client killed mid-sync loses nothing and duplicates nothing
# (SYNC-CASES 1, 2, 9). 3000 entries are pushed in batches of 100 by a
# client that SIGKILLs itself on the 5th PushOk, before marking that batch;
# the retry finishes the job. A fresh home's first pull is killed on the 3rd
# PullOk, before applying it; its retry ends with every record exactly once.
. "$(dirname "$0")/lib.sh"

N=${T0005_N:-3000}
start_server
mkhome A
ok "alice registers on A" register A alice

t0=$SECONDS
bulk_log A "$N"
echo "# made $N entries in $((SECONDS - t0)) s"
assert_json_len A ls "$N"
assert_json "all $N are pending" "d['pending'] == $N" <<<"$(cj A status)"

# --- push cut off after the 5th acknowledgement ----------------------------------
rc=0
CAIRN_BATCH=100 CAIRN_TEST_KILL=push-ack:5 c A sync >/dev/null 2>&1 || rc=$?
assert_eq 137 "$rc" "the client is SIGKILLed on the 5th PushOk"
pending=$(cj A status | json_get .pending)
assert_eq $((N - 400)) "$pending" \
    "exactly the 4 acknowledged batches are marked synced"
out=$(CAIRN_BATCH=100 cj A sync)
assert_json "the retry pushes every pending record" "d['pushed'] == $pending and d['pulled'] == 0" <<<"$out"
assert_json "nothing pending after the retry" 'd["pending"] == 0' <<<"$(cj A status)"
assert_json "every entry on A is synced" 'all(e["synced"] for e in d)' <<<"$(cj A ls)"

# --- pull cut off before applying the 3rd batch ------------------------------------
mkhome B
ok "alice logs in on a fresh home B" login B alice
rc=0
CAIRN_BATCH=100 CAIRN_TEST_KILL=pull-recv:3 c B sync >/dev/null 2>&1 || rc=$?
assert_eq 137 "$rc" "the client is SIGKILLed on the 3rd PullOk"
assert_eq "200 200" "$(count_unique B)" "B applied exactly the 2 batches before the kill"
out=$(CAIRN_BATCH=100 cj B sync)
assert_json "the retry pulls the rest" "d['pulled'] == $N - 200 and d['pushed'] == 0" <<<"$out"
assert_eq "$N $N" "$(count_unique B)" "B holds $N entries, all ids unique"
ids A >"$T/ids.A"
ids B >"$T/ids.B"
cmp -s "$T/ids.A" "$T/ids.B" || fail "B holds the same id set as A" \
    "$(diff "$T/ids.A" "$T/ids.B" | head -n 5)"
pass "B holds the same id set as A"
assert_json "another sync moves nothing" 'd["pushed"] == 0 and d["pulled"] == 0' <<<"$(cj B sync)"

# --- and one more fresh home pulls everything in one go -----------------------------
mkhome C
ok "alice logs in on C" login C alice
assert_json "C pulls $N" "d['pulled'] == $N" <<<"$(cj C sync)"
ids C >"$T/ids.C"
cmp -s "$T/ids.A" "$T/ids.C" || fail "C holds the same id set as A"
pass "C holds the same id set as A"
assert_same_snapshot A C "C is identical to A"

# --- Ctrl-C (SIGINT) in the middle of a push ------------------------------------------
# The client interrupts itself (SIGINT, as Ctrl-C sends) on its 3rd
# acknowledgement: a known point, however fast the server answers.
bulk_log A 500
rc=0
CAIRN_BATCH=5 CAIRN_TEST_KILL=sigint-push-ack:3 "$CAIRN" --home "$T/A" sync \
    >"$T/int.out" 2>"$T/int.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a sync interrupted by SIGINT does not claim success" \
    "$(cat "$T/int.out")"
assert_eq 1 "$(wc -l <"$T/int.err")" "the interrupted sync says one line (exit $rc: $(cat "$T/int.err"))"
pending=$(cj A status | json_get .pending)
[ "$pending" -gt 0 ] && [ "$pending" -lt 500 ] ||
    fail "the acknowledged batches are marked, the rest pending" "pending $pending"
pass "after Ctrl-C, $pending of 500 are pending"
assert_json "the next sync pushes exactly the rest" "d['pushed'] == $pending" <<<"$(CAIRN_BATCH=100 cj A sync)"
assert_json "C pulls the 500" 'd["pulled"] == 500' <<<"$(cj C sync)"
assert_eq "$((N + 500)) $((N + 500))" "$(count_unique C)" "C holds $((N + 500)) entries, ids unique"
assert_same_snapshot A C "C is identical to A after the interrupted sync"
