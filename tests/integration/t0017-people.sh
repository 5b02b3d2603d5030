#!/bin/bash
# t0017: three learners (alice, bob, carol) and a mentor (mona), each on a
# home of their own. Invitations and their refusals; a partnership that
# starts brings months of history (backfill) but never a --private entry;
# an entry made private disappears from the partner, one made shared
# appears; the mentor's comment and review reach the learner's inbox and
# `show`; `feed --follow` prints a partner's check-in as it syncs; a drop
# empties the partner's copy and the server refuses them from then on;
# a study group makes its members partners and ranks them on its board
# (SYNC-CASES 6 and 7).
. "$(dirname "$0")/lib.sh"

# A heartbeat of 1 s lets the follower notice a dead server quickly.
start_server --heartbeat 1
for who in alice bob carol mona; do
	mkhome "$who"
	ok "$who registers" register "$who" "$who" --device "$who-laptop"
done
export CAIRN_NOW=2026-12-02 # a Wednesday: week 2026-W49

# --- alice's history, before anyone sees it -----------------------------------
old1=$(cj alice log 1h project "old project work" --date 2026-09-01 | json_get .id)
old2=$(cj alice log 30m drill "old drill" --date 2026-10-15 | json_get .id)
secret=$(cj alice log --force 45m reading "my private diary" --private | json_get .id)
later=$(cj alice log --force 20m review "private, shared later" --private | json_get .id)
ok "alice syncs her history" c alice sync

# --- invitations and their refusals -------------------------------------------
expect_cairn_fail 5 "there is no user 'nobody'" alice invite nobody --as partner
expect_cairn_fail 5 "you cannot invite yourself" alice invite alice --as partner
expect_cairn_fail 2 "say --as partner or --as mentor" alice invite bob
expect_cairn_fail 2 "--as takes partner or mentor" alice invite bob --as friend
out=$(c alice invite bob --as partner)
assert_match "invited bob to be your study partner; they accept with 'cairn accept alice'" \
    "$out" "alice invites bob"
expect_cairn_fail 5 "you already invited bob" alice invite bob --as partner
assert_json "bob sees the incoming invitation" \
    'd == [{"handle": "alice", "role": "partner", "incoming": True, "at": d[0]["at"], "group": None}]' \
    <<<"$(cj bob invites)"
assert_json "alice sees it outgoing" 'len(d) == 1 and d[0]["incoming"] is False' \
    <<<"$(cj alice invites)"
expect_cairn_fail 5 "there is no invitation from carol" bob accept carol

# Before accepting, bob sees nothing of alice. His own sync moves his
# cursor past her history, so only a backfill can bring it.
ok "bob logs" c bob log 30m reading "bob's own" --date 2026-11-20
ok "bob syncs before accepting" c bob sync
assert_json_len bob "ls --user alice" 0

out=$(c bob accept alice)
assert_match "alice is now your study partner" "$out" "bob accepts alice"
assert_json "bob's people: alice, partner" \
    'len(d) == 1 and d[0]["handle"] == "alice" and d[0]["role"] == "partner"' \
    <<<"$(cj bob people)"
expect_cairn_fail 5 "you and alice are already partners" bob invite alice --as partner

# carol invites alice; alice declines.
ok "carol invites alice" c carol invite alice --as partner
out=$(c alice decline carol)
assert_match "declined carol's invitation" "$out" "alice declines carol"
assert_json_len carol "invites" 0

# --- the history arrives; the private entry never does -------------------------
out=$(cj bob sync)
assert_json "bob's sync backfills alice's two shared entries" \
    'd["pulled"] == 2 and d["backfilled"] == 2 and d["shared"] == ["alice"]' <<<"$out"
assert_json "bob holds alice's shared history, not her private entries" \
    "sorted(e['id'] for e in d) == sorted(['$old1', '$old2'])" <<<"$(cj bob ls --user alice)"
expect_cairn_fail 5 "no entry" bob show "$secret"
assert_json "alice still holds all four of her own" 'len(d) == 4' <<<"$(cj alice ls)"
out=$(c bob ls)
assert_match "alice +2026-10-15" "$out" "bob's ls names whose entries are whose"

# Private made shared reaches bob; shared made private leaves him.
ok "alice makes an entry shared" c alice edit "$later" --public
ok "alice makes her old drill private" c alice edit "$old2" --private
ok "alice syncs the changes" c alice sync
ok "bob syncs" c bob sync
assert_json "bob now holds the entry made shared, not the one made private" \
    "sorted(e['id'] for e in d) == sorted(['$old1', '$later'])" <<<"$(cj bob ls --user alice)"
ok "alice makes the drill shared again" c alice edit "$old2" --public
ok "alice syncs" c alice sync
ok "bob syncs" c bob sync
assert_json_len bob "ls --user alice" 3

# --- a mentor ------------------------------------------------------------------
out=$(c alice invite mona --as mentor)
assert_match "asked mona to be your mentor" "$out" "alice asks mona to mentor her"
out=$(c mona accept alice)
assert_match "you are now alice's mentor" "$out" "mona accepts"
assert_json "alice's people: bob partner, mona mentor" \
    'sorted((p["handle"], p["role"]) for p in d) == [("bob", "partner"), ("mona", "mentor")]' \
    <<<"$(cj alice people)"
ok "mona syncs" c mona sync
assert_json_len mona "ls --user alice" 3
assert_json_len alice "ls --user mona" 0
recent=$(cj alice log 2h project "built the recommender" --date 2026-11-24 | json_get .id)
ok "alice syncs" c alice sync
ok "mona syncs again" c mona sync
out=$(cj mona mentees)
assert_json "mona's mentees: alice, with last week unreviewed" \
    'len(d) == 1 and d[0]["user"] == "alice" and "2026-W48" in d[0]["unreviewed"]' <<<"$out"
ok "mona comments on alice's entry" c mona comment "$recent" "Nice: now write tests for it"
out=$(c mona review alice --comment "Solid week; keep the drills daily")
assert_match "alice, week 2026-W48 \(2026-11-23 \.\. 2026-11-29\): 2h" "$out" \
    "review shows alice's week"
assert_match "marked reviewed" "$out" "review marks the week"
assert_json "the week is no longer unreviewed" '"2026-W48" not in d[0]["unreviewed"]' \
    <<<"$(cj mona mentees)"
ok "mona syncs her comment and review" c mona sync
ok "alice syncs" c alice sync
out=$(cj alice inbox)
assert_json "alice's inbox: mona's comment, her week comment and the review" \
    'sorted((x["kind"], x["author"]) for x in d["comments"]) ==
     [("comment", "mona"), ("comment", "mona"), ("review", "mona")]' <<<"$out"
assert_json "alice's inbox is then read" 'd["comments"] == []' <<<"$(cj alice inbox)"
assert_json "show lists the comment" \
    'd["comments"][0]["author"] == "mona" and d["comments"][0]["text"] == "Nice: now write tests for it"' \
    <<<"$(cj alice show "$recent")"
ok "bob syncs" c bob sync
assert_json "bob, alice's partner, sees the comment on her entry" \
    'len(d["comments"]) == 1' <<<"$(cj bob show "$recent")"
expect_cairn_fail 5 "is not your mentee" bob review alice
expect_cairn_fail 5 "you do not see carol's log" bob comment --week carol last "hi"

# --- the live feed --------------------------------------------------------------
bg_start feed "$CAIRN" --home "$T/bob" feed --follow --since 2026-12-02
follower_up() { grep -q 'follow.start user=bob' "$SERVER_LOG"; }
WAIT_MAX=20 wait_for follower_up || fail "bob's feed --follow connects" "$(cat "$T/feed.err")"
pass "bob's feed --follow connects"
live=$(cj alice log --force 25m drill "live drill" | json_get .id)
ok "alice syncs the live check-in" c alice sync
t0=$(date +%s%N)
feed_has_live() { grep -q "${live:0:8}" "$T/feed.out"; }
WAIT_MAX=20 wait_for feed_has_live || fail "the follower prints alice's check-in" \
    "$(cat "$T/feed.out")" "$(cat "$T/feed.err")"
t1=$(date +%s%N)
pass "bob's feed prints alice's check-in ($(((t1 - t0) / 1000000)) ms after her sync returned)"
assert_match "${live:0:8} alice +[0-9-]+ [0-9:]+ +25m drill +live drill" "$(cat "$T/feed.out")" \
    "the line says whose and what"
ok "mona syncs" c mona sync
ok "mona comments live" c mona comment "$live" "good"
ok "mona syncs" c mona sync
feed_has_comment() { grep -q "mona commented on alice's entry ${live:0:8}: good" "$T/feed.out"; }
WAIT_MAX=20 wait_for feed_has_comment || fail "the follower prints the comment" "$(cat "$T/feed.out")"
pass "bob's feed prints mona's comment on alice's entry"
kill -INT "$(bg_pid feed)"
bg_wait feed
assert_eq 0 "$BG_RC" "feed --follow ends cleanly on Ctrl-C"
assert_json "bob's home kept the check-in the feed printed" "d['id'] == '$live'" \
    <<<"$(cj bob show "$live")"

# --- drop -------------------------------------------------------------------------
ok "bob comments on alice's entry while still partners" c bob comment "$old1" "from bob"
ok "bob syncs it" c bob sync
ok "bob writes another comment, offline" c bob comment "$old1" "too late"
out=$(c alice drop bob)
assert_match "dropped bob" "$out" "alice drops bob"
expect_cairn_fail 5 "you have no partnership" alice drop bob
after=$(cj alice log --force 15m drill "after the drop" | json_get .id)
ok "alice syncs" c alice sync
out=$(c bob sync 2>"$T/bob-sync.err")
assert_match "no longer sharing with alice" "$out" "bob's sync says alice is gone"
assert_match "comment [0-9a-f]{8} was not delivered" "$(cat "$T/bob-sync.err")" \
    "bob's undeliverable comment is set aside, not blocking the sync"
assert_json_len bob "ls --user alice" 0
expect_cairn_fail 5 "no entry" bob show "$after"
ok "bob syncs again: nothing stuck" c bob sync
expect_cairn_fail 5 "no entry" bob comment "$old1" "again"
assert_json "alice still has bob's earlier comment" \
    '[x["author"] for x in d["comments"]] == ["bob"]' <<<"$(cj alice show "$old1")"
assert_json_len mona "ls --user alice" 5

# --- a study group ------------------------------------------------------------------
out=$(c carol group create ml-cohort)
assert_match "created group ml-cohort" "$out" "carol creates a group"
expect_cairn_fail 5 "a group named 'ml-cohort' exists" bob group create ml-cohort
expect_cairn_fail 5 "you need an invitation to join 'ml-cohort'" bob group join ml-cohort
ok "carol invites bob" c carol group invite ml-cohort bob
assert_json "bob's inbox shows the group invitation" \
    'd["invites"] == [{"handle": "carol", "role": None, "group": "ml-cohort"}]' \
    <<<"$(c bob sync >/dev/null && cj bob inbox)"
ok "bob joins" c bob group join ml-cohort
ok "carol logs" c carol log 3h project "group project" --date 2026-12-01
ok "carol syncs" c carol sync
ok "bob logs" c bob log 1h reading "group reading" --date 2026-12-01
out=$(cj bob sync)
assert_json "bob's sync brings carol's history" '"carol" in d["shared"]' <<<"$out"
ok "carol syncs" c carol sync
assert_json_len carol "ls --user bob" 2
out=$(cj bob group board ml-cohort)
assert_json "the board ranks carol (3h) over bob (1h)" \
    '[m["user"] for m in d["members"]] == ["carol", "bob"] and d["members"][0]["minutes"] == 180' \
    <<<"$out"
ok "bob leaves the group" c bob group leave ml-cohort
ok "bob syncs" c bob sync
assert_json_len bob "ls --user carol" 0
