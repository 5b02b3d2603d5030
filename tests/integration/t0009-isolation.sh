#!/bin/bash
# t0009: learners are isolated. bob syncs and sees none of alice's records,
# even when asking for them by handle; a push that claims alice as author, or
# reuses the id of alice's record, is refused as a whole batch naming the
# record (SYNC-CASES 12) and alice's data is untouched.
. "$(dirname "$0")/lib.sh"

start_server
CA="$T/certs/ca.pem"
mkhome A
mkhome B
ok "alice registers on A" register A alice
ok "bob registers on B" register B bob
a1=$(cj A log --force 1h project "alice's secret project" | json_get .id)
ok "alice logs a private entry" c A log --force 30m drill "alice private" --private
ok "alice logs a third entry" c A log --force 15m reading "alice reads"
assert_json "alice pushes 3" 'd["pushed"] == 3' <<<"$(cj A sync)"
b1=$(cj B log --force 45m review "bob reviews" | json_get .id)
assert_json "bob pushes 1 and pulls nothing of alice's" 'd["pushed"] == 1 and d["pulled"] == 0' <<<"$(cj B sync)"
assert_json "bob's home holds only bob's entry" "
[e['id'] for e in d] == ['$b1'] and all(e['user'] == 'bob' for e in d)" <<<"$(cj B ls)"
rc=0
out=$(c B --json ls --user alice 2>"$T/err") || rc=$?
case $rc in
0) assert_json "ls --user alice on bob's home shows nothing" 'd == []' <<<"$out" ;;
4 | 5) [ "$(wc -l <"$T/err")" -eq 1 ] || fail "ls --user alice refuses in one line"
	pass "ls --user alice on bob's home is refused: $(cat "$T/err")" ;;
*) fail "ls --user alice on bob's home shows nothing" "exit $rc" "$(cat "$T/err")" ;;
esac
expect_cairn_fail 5 '.' B show "$a1"
# A home holding bob's records does not become alice's.
expect_fail 5 'bob|record|another|handle' login B alice
assert_eq bob "$(cj B whoami | json_get .handle)" "bob's home still belongs to bob"

# --- forged pushes -------------------------------------------------------------------
f1=00000000-0000-4000-8000-00000000f001
f2=00000000-0000-4000-8000-00000000f002
out=$(python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "$f1:alice:forged by bob")
assert_json "a push claiming alice as author is refused, naming the record" "
d['code'] < 0 and d['record_id'] == '$f1'" <<<"$out"
out=$(python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" \
    "$f2:-:bob's good record" "$f1:alice:forged by bob")
assert_json "a batch with one forged record is refused whole, naming it" "
d['code'] < 0 and d['record_id'] == '$f1'" <<<"$out"
out=$(python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "$a1:-:bob overwrites alice")
assert_json "a push reusing the id of alice's record is refused" "
d['code'] < 0 and d['record_id'] == '$a1'" <<<"$out"
out=$(python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "not-a-uuid:-:bad id")
assert_json "a push with an id that is not a UUID is refused (EINVAL)" "
d['code'] == -18" <<<"$out"

f3=00000000-0000-4000-8000-00000000f003
out=$(PEER_AHEAD_S=172800 python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "$f3:-:two days ahead")
assert_json "a version stamped two days ahead is refused (ECLOCK), naming it" "
d['code'] == -22 and d['record_id'] == '$f3'" <<<"$out"
out=$(PEER_MINUTES=0 python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "$f3:-:zero minutes")
assert_json "an entry of 0 minutes is refused (EINVAL), naming it" "
d['code'] == -18 and d['record_id'] == '$f3'" <<<"$out"
out=$(PEER_MINUTES=100000 python3 "$PEER" push "$PORT" "$CA" bob "$PASSWORD" "$f3:-:too long")
assert_json "an entry of 100000 minutes is refused (EINVAL)" "
d['code'] == -18 and d['record_id'] == '$f3'" <<<"$out"

assert_json "bob's next sync pulls nothing (the good record of the refused batch was not stored)" \
    'd["pulled"] == 0' <<<"$(cj B sync)"
mkhome B2
ok "bob logs in on a fresh home" login B2 bob
assert_json "bob's fresh home pulls only bob's one record" 'd["pulled"] == 1' <<<"$(cj B2 sync)"
assert_json "bob's fresh home shows only bob's entry" "[e['id'] for e in d] == ['$b1']" <<<"$(cj B2 ls)"

# --- alice is unaffected -----------------------------------------------------------------
assert_json "alice's next sync pulls nothing" 'd["pulled"] == 0' <<<"$(cj A sync)"
assert_eq "alice's secret project" "$(cj A show "$a1" | json_get .text)" "alice's record is intact on A"
mkhome A2
ok "alice logs in on a fresh home" login A2 alice
assert_json "alice's fresh home pulls exactly her 3 records" 'd["pulled"] == 3' <<<"$(cj A2 sync)"
assert_same_snapshot A A2 "alice's two homes are identical"
assert_json "none of bob's records reached alice" 'all(e["user"] == "alice" for e in d)' <<<"$(cj A2 ls)"
expect_cairn_fail 5 '.' A2 show "$f1"
