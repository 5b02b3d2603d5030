#!/bin/bash
# t0012: many machines at once. Eight homes of two learners sync at the
# same moment (the server group-commits their pushes), one home runs two
# syncs at once; afterwards every machine of a learner holds exactly the
# same records, each once, and none of the other learner's.
. "$(dirname "$0")/lib.sh"

PER=${T0012_PER:-40}
start_server
for who in alice bob; do
	h=${who:0:1}
	mkhome "${h}1"
	ok "$who registers on ${h}1" register "${h}1" "$who"
	for i in 2 3 4; do
		mkhome "$h$i"
		ok "$who logs in on $h$i" login "$h$i" "$who"
	done
done
homes="a1 a2 a3 a4 b1 b2 b3 b4"
for h in $homes; do
	i=0
	while [ "$i" -lt "$PER" ]; do
		i=$((i + 1))
		c "$h" log --force 15m drill "$h entry $i" >/dev/null
	done
done
pass "each of the 8 homes logged $PER entries"

bg_sync() {
	trap - ERR
	local rc=0
	c "$1" sync >"$T/sync.$2.out" 2>"$T/sync.$2.err" || rc=$?
	echo "$rc" >"$T/sync.$2.rc"
}
pids=""
for h in $homes; do
	CAIRN_BATCH=7 bg_sync "$h" "$h" &
	pids="$pids $!"
done
CAIRN_BATCH=7 bg_sync a1 a1-twice &
pids="$pids $!"
for p in $pids; do
	wait "$p" || true
done
for h in $homes; do
	assert_eq 0 "$(cat "$T/sync.$h.rc")" "$h's concurrent sync exits 0 $(cat "$T/sync.$h.err")"
done
rc=$(cat "$T/sync.a1-twice.rc")
case $rc in
0) pass "a second sync of a1 at the same time also succeeds" ;;
*) [ "$(wc -l <"$T/sync.a1-twice.err")" -eq 1 ] ||
	fail "a second sync of a1 at the same time fails in one line" "$(cat "$T/sync.a1-twice.err")"
	pass "a second sync of a1 at the same time refuses in one line (exit $rc): $(cat "$T/sync.a1-twice.err")" ;;
esac

# Everyone syncs once more (in turn) to pull what the others pushed.
for h in $homes; do
	ok "$h syncs again" c "$h" sync
done
total=$((PER * 4))
for h in $homes; do
	assert_eq "$total $total" "$(count_unique "$h")" "$h holds $total entries, ids unique"
	assert_json "$h has nothing pending" 'd["pending"] == 0' <<<"$(cj "$h" status)"
done
for i in 2 3 4; do
	assert_same_snapshot a1 "a$i" "a1 and a$i identical"
	assert_same_snapshot b1 "b$i" "b1 and b$i identical"
done
assert_json "alice's homes hold only alice's entries" \
    'all(e["user"] == "alice" and e["text"].startswith("a") for e in d)' <<<"$(cj a3 ls)"
assert_json "bob's homes hold only bob's entries" \
    'all(e["user"] == "bob" and e["text"].startswith("b") for e in d)' <<<"$(cj b2 ls)"
mkhome fresh
ok "alice logs in on a fresh home" login fresh alice
assert_json "the fresh home pulls exactly $total" "d['pulled'] == $total" <<<"$(cj fresh sync)"
assert_same_snapshot a1 fresh "the fresh home is identical to a1"
if grep -E ' (error|warn) ' "$SERVER_LOG" | grep -v 'auth\.' >"$T/errs"; then
	fail "the server logged no errors or warnings" "$(head -n 5 "$T/errs")"
fi
pass "the server logged no errors or warnings"
