#!/bin/bash
# t0041: plans and items by name, removed and renamed. An exact title wins
# over a piece of a title in every ITEM and PLAN argument ("Week 1" is not
# "Week 10"; case-insensitive exact next); an ambiguity lists up to five
# candidates with short ids. `plan rm` removes a plan and its items (the
# entries logged against them stay), says so and that `cairn undo` brings
# it back; the next plan becomes active; another machine loses it at sync.
# `plan rename` gives a plan a new title, on every machine after sync.
. "$(dirname "$0")/lib.sh"

export CAIRN_NOW=2025-01-08
START=2025-01-06

start_server
mkhome A
mkhome B
ok "carol registers on A" register A carol
ok "carol logs in on B" login B carol

cat >"$T/chess.md" <<'EOF'
# Chess

## Week 1
- [ ] Learn how the pieces move

## Week 10
- [ ] Play a rated game

## Endgames
- [ ] Week 1 review
- [ ] King and pawn endings
- [ ] Rook endings
- [ ] Queen endings
- [ ] Bishop endings
- [ ] Knight endings
EOF
cat >"$T/openings.md" <<'EOF'
# Chess openings

- [ ] The Italian game
- [ ] The Sicilian defence
EOF

ok "Chess imports" c A plan import "$T/chess.md" --start "$START"
ok "Chess openings imports" c A plan import "$T/openings.md" --start "$START"
chess=$(cj A plan ls | json_eval "[p['id'] for p in d if p['title'] == 'Chess'][0]")
open=$(cj A plan ls | json_eval "[p['id'] for p in d if p['title'] == 'Chess openings'][0]")

# --- PLAN: exact, then case-insensitive exact, then a piece --------------------
assert_eq "$chess" "$(cj A plan use Chess | json_get .id)" \
    "plan use Chess picks the plan titled exactly so, not 'Chess openings'"
assert_eq "$chess" "$(cj A plan use chess | json_get .id)" \
    "the same title in another case beats a piece of a title"
assert_eq "$open" "$(cj A plan use openings | json_get .id)" "a unique piece still picks"
expect_cairn_fail 5 "^cairn: 'Ches' matches 2 plans: ${chess:0:8} 'Chess', ${open:0:8} 'Chess openings'; give more of the ID or the title$" \
    A plan use Ches
ok "back to Chess" c A plan use Chess

# --- ITEM: "Week 1" is not "Week 10" nor "Week 1 review" ------------------------
show=$(cj A plan show)
w1=$(json_eval "[i['id'] for i in d['items'] if i['title'] == 'Week 1'][0]" <<<"$show")
w10=$(json_eval "[i['id'] for i in d['items'] if i['title'] == 'Week 10'][0]" <<<"$show")
assert_eq "$w1" "$(cj A plan done "Week 1" | json_get '.items[0].id')" \
    "plan done 'Week 1' ticks the item titled exactly so"
assert_eq "$w1" "$(cj A plan reopen "week 1" | json_get '.items[0].id')" \
    "'week 1' (another case) still picks it over longer titles"
assert_eq "$w10" "$(cj A log 20m project --item "Week 10" | json_get .item)" \
    "log --item 'Week 10' names Week 10"
expect_cairn_fail 5 "^cairn: 'endings' matches 5 items: [0-9a-f]{8} King and pawn endings, [0-9a-f]{8} Rook endings, [0-9a-f]{8} Queen endings, [0-9a-f]{8} Bishop endings, [0-9a-f]{8} Knight endings; give more of the ID or the title$" \
    A plan done endings
expect_cairn_fail 5 "^cairn: 'Week' matches 3 items: ${w1:0:8} Week 1, ${w10:0:8} Week 10, [0-9a-f]{8} Week 1 review; give more" \
    A plan done Week
expect_cairn_fail 5 "^cairn: 'e' matches [0-9]+ items: .*, \.\.\.; give more" A plan done e

# --- rm ----------------------------------------------------------------------
ok "Chess openings is active" c A plan use openings
ok "an entry against an opening" c A log 30m drill "italian" --item "Italian" --force
ok "A syncs" c A sync
ok "B syncs" c B sync
assert_json_len B "plan ls" 2
out=$(c A plan rm "Chess openings")
assert_eq "removed plan \"Chess openings\" (${open:0:8}) and its 3 items; entries logged against them stay; 'cairn undo' brings the plan back" \
    "$out" "plan rm says what it removed and how to get it back"
assert_json "plan ls no longer lists it" "[p['title'] for p in d] == ['Chess']" <<<"$(cj A plan ls)"
expect_cairn_fail 5 "^cairn: no plan 'openings'; see 'cairn plan ls'$" A plan show openings
assert_json_len A "ls" 2
assert_eq 4 "$(cj A sync | json_get .pushed)" "the plan and its items go as tombstones"
ok "B syncs" c B sync
assert_json "B loses it too" "[p['title'] for p in d] == ['Chess']" <<<"$(cj B plan ls)"
assert_json_len B "ls" 2

# Removing the active plan makes the other one active.
ok "Chess openings imports again" c A plan import "$T/openings.md" --start "$START"
assert_json "the new import is active" "[p['title'] for p in d if p['active']] == ['Chess openings']" \
    <<<"$(cj A plan ls)"
ok "and goes" c A plan rm "Chess openings"
assert_json "the one left is active" "[p['title'] for p in d if p['active']] == ['Chess']" \
    <<<"$(cj A plan ls)"
n=$(cj A plan show | json_eval "len(d['items'])")
assert_json "--json says what went" "
d['id'] == '$chess' and d['title'] == 'Chess' and d['items'] == $n and d['removed'] is True" \
    <<<"$(cj A plan rm Chess)"
assert_json_len A "plan ls" 0
expect_cairn_fail 5 "^cairn: no plan yet; import one with 'cairn plan import FILE'$" A plan rm Chess
expect_cairn_fail 2 "^cairn: expected one PLAN; usage: cairn plan rm PLAN$" A plan rm

# --- rename ------------------------------------------------------------------
ok "Chess imports again" c A plan import "$T/chess.md" --start "$START"
chess=$(cj A plan ls | json_get '[0].id')
out=$(c A plan rename Chess "Chess in ten weeks")
assert_eq "renamed plan ${chess:0:8}: \"Chess\" is now \"Chess in ten weeks\"" "$out" \
    "plan rename says what it did"
assert_json "plan ls shows the new title" "[p['title'] for p in d] == ['Chess in ten weeks']" \
    <<<"$(cj A plan ls)"
assert_eq "Chess in ten weeks" "$(cj A plan show | json_get .title)" "plan show too"
assert_json "the items are as they were" "len(d['items']) == $n" <<<"$(cj A plan show)"
expect_cairn_fail 5 "^cairn: bad title: must be 1\\.\\.512 bytes of printable UTF-8$" A plan rename "$chess" ""
out=$(c A plan rename "$chess" "Chess in ten weeks")
assert_eq "nothing changed: plan ${chess:0:8} is already \"Chess in ten weeks\"" "$out" \
    "a rename to the same title stores nothing"
expect_cairn_fail 2 "^cairn: expected PLAN and TITLE; usage: cairn plan rename PLAN TITLE$" \
    A plan rename Chess
ok "A syncs" c A sync
ok "B syncs" c B sync
assert_json "B has the new title" "[p['title'] for p in d] == ['Chess in ten weeks']" \
    <<<"$(cj B plan ls)"
