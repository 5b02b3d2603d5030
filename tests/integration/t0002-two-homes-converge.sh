#!/bin/bash
# t0002: one learner, two machines (homes A and B). Logs, edits and deletes
# on both converge after syncs in either order; a record edited on both
# while offline ends with the same winner on both (the later version by the
# hybrid logical clock, whichever syncs first); edit-after-delete resurrects,
# delete-after-edit deletes (SYNC-CASES 3 and 4).
. "$(dirname "$0")/lib.sh"

start_server
mkhome A
mkhome B
ok "alice registers on A" register A alice --device home-a
out=$(login B alice --json --device home-b)
assert_eq alice "$(json_get .handle <<<"$out")" "alice logs in on B (--password-stdin)"
assert_json "A and B are different devices" "d['device'] != '$(cj A whoami | json_get .device)'" \
    <<<"$(cj B whoami)"

# --- independent work on both machines ----------------------------------------
a1=$(cj A log --force 1h project "a one" | json_get .id)
a2=$(cj A log --force 30m drill "a two" --skill scales | json_get .id)
a3=$(cj A log --force 15m reading "a three" | json_get .id)
b1=$(cj B log --force 45m review "b one" --metric score=7 | json_get .id)
b2=$(cj B log --force 20m retrieval "b two" | json_get .id)
ok "A edits its own entry" c A edit "$a2" --force --text "a two, edited" --duration 35m
ok "B deletes its own entry" c B rm "$b2"

out=$(cj A sync)
assert_json "A pushes its 3 entries" 'd["pushed"] == 3 and d["pulled"] == 0' <<<"$out"
out=$(cj B sync)
# b2 was deleted before it was ever pushed: sending its tombstone is
# allowed but not required.
assert_json "B pushes its versions and pulls A's 3" 'd["pushed"] in (1, 2) and d["pulled"] == 3' <<<"$out"
out=$(cj A sync)
assert_json "A pulls B's versions" 'd["pushed"] == 0 and d["pulled"] in (1, 2)' <<<"$out"
out=$(cj B sync)
assert_json "B has nothing left to move" 'd["pushed"] == 0 and d["pulled"] == 0' <<<"$out"
assert_json_len A ls 4
assert_json_len B ls 4
assert_same_snapshot A B "A and B hold identical entries"
assert_eq "a two, edited" "$(cj B show "$a2" | json_get .text)" "B sees A's edit"
expect_cairn_fail 5 '.' A show "$b2"
assert_json "B's metric arrived on A" 'd["metrics"] == {"score": 7}' <<<"$(cj A show "$b1")"

# The other order: B first, then A.
c1=$(cj B log --force 50m planning "b plans" | json_get .id)
ok "A edits B's entry" c A edit "$b1" --text "b one, edited on A"
out=$(cj B sync)
assert_json "B (first this time) pushes 1" 'd["pushed"] == 1 and d["pulled"] == 0' <<<"$out"
out=$(cj A sync)
assert_json "A pushes 1 and pulls 1" 'd["pushed"] == 1 and d["pulled"] == 1' <<<"$out"
ok "B syncs" c B sync
assert_same_snapshot A B "A and B identical after syncing in the other order"
assert_eq "b one, edited on A" "$(cj B show "$b1" | json_get .text)" "B sees A's edit of its entry"

# Text, skills and metrics outside ASCII travel unchanged.
u=$(cj A log --force 25m review "Übung macht den Meister — 学习 🧗 \"quoted\" tab	end" \
    --skill "café" --skill "日本語" --metric "größe=1.5" | json_get .id)
ok "A syncs the Unicode entry" c A sync
ok "B syncs" c B sync
assert_eq "$(cj A show "$u" | json_eval 'json.dumps([d["text"], d["skills"], d["metrics"]])')" \
    "$(cj B show "$u" | json_eval 'json.dumps([d["text"], d["skills"], d["metrics"]])')" \
    "a Unicode text, skills and metric arrive byte for byte"
assert_json "and are what was typed" '
d["text"] == "Übung macht den Meister — 学习 🧗 \"quoted\" tab\tend" and
d["skills"] == ["café", "日本語"] and d["metrics"] == {"größe": 1.5}' <<<"$(cj B show "$u")"
ok "A deletes it again" c A rm "$u"
ok "A syncs" c A sync
ok "B syncs" c B sync

# --- concurrent edits while both are offline (no sync in between) ---------------
# A edits first, B edits later: B's version is later and must win, even
# though B pushes first and A pushes last.
ok "A edits a1 offline" c A edit "$a1" --force --text "a1 by A" --duration 61m
ok "B edits a1 later" c B edit "$a1" --force --text "a1 by B" --duration 62m
ok "B syncs first" c B sync
ok "A syncs second" c A sync
ok "B syncs again" c B sync
assert_eq "a1 by B" "$(cj A show "$a1" | json_get .text)" "A holds the later edit (B's)"
assert_eq "a1 by B" "$(cj B show "$a1" | json_get .text)" "B holds the later edit (B's)"
assert_eq 62 "$(cj A show "$a1" | json_get .minutes)" "the whole later version won on A"
assert_same_snapshot A B "A and B identical after a concurrent edit"

# Same again with the roles swapped in time but not in sync order.
ok "B edits c1 offline" c B edit "$c1" --text "c1 by B"
ok "A edits c1 later" c A edit "$c1" --text "c1 by A"
ok "B syncs first" c B sync
ok "A syncs second" c A sync
ok "B syncs again" c B sync
assert_eq "c1 by A" "$(cj B show "$c1" | json_get .text)" "B holds A's later edit"
assert_same_snapshot A B "A and B identical after the second concurrent edit"

# --- edit after delete: the later edit resurrects ----------------------------------
ok "A deletes a3" c A rm "$a3"
ok "B edits a3 after that" c B edit "$a3" --text "a3 lives"
ok "A syncs" c A sync
ok "B syncs" c B sync
ok "A syncs" c A sync
assert_eq "a3 lives" "$(cj A show "$a3" | json_get .text)" "edit after delete wins on A"
assert_eq "a3 lives" "$(cj B show "$a3" | json_get .text)" "edit after delete wins on B"

# --- delete after edit: the later delete wins ----------------------------------------
ok "A edits a2" c A edit "$a2" --text "a2 edited before the delete"
ok "B deletes a2 after that" c B rm "$a2"
ok "B syncs" c B sync
ok "A syncs" c A sync
ok "B syncs" c B sync
expect_cairn_fail 5 '.' A show "$a2"
expect_cairn_fail 5 '.' B show "$a2"
assert_json_len A ls 4
assert_same_snapshot A B "A and B identical at the end"
assert_json "every entry on B is synced" 'all(e["synced"] for e in d)' <<<"$(cj B ls)"
assert_json "nothing pending on A" 'd["pending"] == 0' <<<"$(cj A status)"
