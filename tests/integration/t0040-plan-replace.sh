#!/bin/bash
# t0040: a plan changes. alice imports a plan, logs a session against one
# item, ticks another, then edits the file: she renames a section, adds an
# item, removes one, reworks the text and kind of two more. `plan import
# FILE --replace PLAN --dry-run` prints the diff (- removed, + added,
# ~ changed, the count kept) and stores nothing; without --dry-run the
# matched items keep their ids, done marks and minutes, the items under the
# renamed section are new, and only what changed is pushed at the next
# sync. Two items with the same title path pair up in order. Importing a
# plan whose title she already has warns and names the --replace command.
. "$(dirname "$0")/lib.sh"

export CAIRN_NOW=2025-01-22
START=2025-01-06

start_server
mkhome A
ok "alice registers" register A alice

cat >"$T/plan.md" <<'EOF'
# Woodworking in 8 weeks

## Phase 1: Basics (Weeks 1-2)
- [ ] Sharpen the chisels
- [ ] Buy oak boards
- [ ] Glue a test joint
- [ ] Practice dovetails
- [ ] Practice dovetails

## Key Concepts
- Grain direction

## Phase 2: The bed (Weeks 3-8)
- [ ] Cut the rails
- [ ] Model the bed frame
EOF

# The edit: Phase 2 renamed, a task added, one removed, one reworded with
# the same title, one concept made a task; the duplicates stay.
cat >"$T/plan2.md" <<'EOF'
# Woodworking in 8 weeks

## Phase 1: Basics (Weeks 1-2)
- [ ] Sharpen the **chisels**
- [ ] Hone the plane
- [ ] Buy oak boards
- [ ] Practice dovetails
- [ ] Practice dovetails

## Key Concepts
- [ ] Grain direction

## Phase 2: The big bed (Weeks 3-8)
- [ ] Cut the rails
- [ ] Model the bed frame
EOF

# id SHOW-JSON TITLE: the id of the item titled exactly TITLE (the Nth
# with $3).
id() {
	json_eval "[it['id'] for it in d['items'] if it['title'] == '$2'][${3:-0}]" <<<"$1"
}

# field SHOW-JSON ID KEY: that item's KEY ("" when the id is gone).
field() {
	json_eval "([it['$3'] for it in d['items'] if it['id'] == '$2'] or [''])[0]" <<<"$1"
}

ok "the plan imports" c A plan import "$T/plan.md" --start "$START"
pid=$(cj A plan ls | json_get '[0].id')
sid=${pid:0:8}
v1=$(cj A plan show)
sharpen=$(id "$v1" "Sharpen the chisels")
oak=$(id "$v1" "Buy oak boards")
phase1=$(id "$v1" "Phase 1: Basics (Weeks 1-2)")
rails=$(id "$v1" "Cut the rails")
dove1=$(id "$v1" "Practice dovetails" 0)
dove2=$(id "$v1" "Practice dovetails" 1)
grain=$(id "$v1" "Grain direction")
ok "45m logged against Sharpen the chisels" \
    c A log 45m project "chisels" --item "${sharpen:0:8}" --date 2025-01-20
ok "30m logged against Cut the rails" \
    c A log 30m project "rails" --item "${rails:0:8}" --date 2025-01-21
ok "Buy oak boards ticked" c A plan done "${oak:0:8}"
ok "the second Practice dovetails ticked" c A plan done "${dove2:0:8}"
ok "the first sync" c A sync

# --- the same title: a warning that names the --replace command -----------
c A plan import "$T/plan.md" --start "$START" --dry-run >"$T/w.out" 2>"$T/w.err"
assert_eq "warning: you already have a plan 'Woodworking in 8 weeks' ($sid); to update it, use 'cairn plan import $T/plan.md --replace $sid'" \
    "$(cat "$T/w.err")" "importing a plan of the same title warns, naming --replace"
assert_match "^dry run: nothing stored" "$(cat "$T/w.out")" "the import still runs"
assert_json_len A "plan ls" 1

# --- the dry run: the diff, nothing stored -----------------------------------
before=$(cj A plan show)
out=$(c A plan import "$T/plan2.md" --replace "$sid" --dry-run)
want="plan \"Woodworking in 8 weeks\" ($sid) from $T/plan2.md:
- task      Glue a test joint
- phase     Phase 2: The bed (Weeks 3-8) (30m logged)
- task      Cut the rails (30m logged)
- task      Model the bed frame
~ task      Sharpen the chisels (text)
+ task      Hone the plane
~ task      Grain direction (kind, text)
+ phase     Phase 2: The big bed (Weeks 3-8)
+ task      Cut the rails
+ task      Model the bed frame
4 added, 4 removed, 2 changed, 6 kept
dry run: nothing stored"
assert_eq "$want" "$out" "--replace --dry-run prints the diff"
assert_eq "$before" "$(cj A plan show)" "the dry run stores nothing"
assert_json "--json gives the diff as lists" "
d['id'] == '$pid' and d['dry_run'] is True and d['kept'] == 6 and
[i['title'] for i in d['added']] == ['Hone the plane',
 'Phase 2: The big bed (Weeks 3-8)', 'Cut the rails', 'Model the bed frame'] and
[(i['title'], i['minutes']) for i in d['removed']] == [('Glue a test joint', 0),
 ('Phase 2: The bed (Weeks 3-8)', 30), ('Cut the rails', 30),
 ('Model the bed frame', 0)] and
[(i['title'], i['changed']) for i in d['changed']] == [
 ('Sharpen the chisels', 'text'), ('Grain direction', 'kind, text')]" \
    <<<"$(cj A plan import "$T/plan2.md" --replace "$sid" --dry-run)"

# --- the replace --------------------------------------------------------------
out=$(c A plan import "$T/plan2.md" --replace "Woodworking in 8 weeks")
assert_match "^4 added, 4 removed, 2 changed, 6 kept$" "$out" "the replace prints the counts"
assert_match "^stored; it is now the active plan$" "$out" "and stores"
v2=$(cj A plan show)
assert_eq "$pid" "$(json_get .id <<<"$v2")" "the plan keeps its id"
assert_eq "$sharpen" "$(id "$v2" "Sharpen the chisels")" "a reworded item keeps its id"
assert_eq 45 "$(field "$v2" "$sharpen" minutes)" "and the minutes logged against it"
assert_eq "$oak" "$(id "$v2" "Buy oak boards")" "a ticked item keeps its id"
assert_eq true "$(field "$v2" "$oak" done)" "and its done mark"
assert_eq "$phase1" "$(id "$v2" "Phase 1: Basics (Weeks 1-2)")" "its section keeps its id"
assert_eq 45 "$(field "$v2" "$phase1" minutes)" "and the minutes under it"
assert_eq "$dove1 $dove2" "$(id "$v2" "Practice dovetails" 0) $(id "$v2" "Practice dovetails" 1)" \
    "two items of one title path pair up in order"
assert_eq "false true" "$(field "$v2" "$dove1" done) $(field "$v2" "$dove2" done)" \
    "each keeps its own done mark"
assert_eq "$grain" "$(id "$v2" "Grain direction")" "an item whose kind changed keeps its id"
assert_eq task "$(field "$v2" "$grain" kind)" "and takes its new kind"
assert_eq "" "$(field "$v2" "$rails" title)" "an item under the renamed section is gone"
new_rails=$(id "$v2" "Cut the rails")
assert_eq 0 "$(field "$v2" "$new_rails" minutes)" "its namesake under the new section is new"
assert_json "added and removed items are there and gone" "
[it['title'] for it in d['items']] == ['Woodworking in 8 weeks',
 'Phase 1: Basics (Weeks 1-2)', 'Sharpen the chisels', 'Hone the plane',
 'Buy oak boards', 'Practice dovetails', 'Practice dovetails', 'Key Concepts',
 'Grain direction', 'Phase 2: The big bed (Weeks 3-8)', 'Cut the rails',
 'Model the bed frame']" <<<"$v2"
assert_json_len A "ls" 2
assert_eq 1 "$(cj A plan ls | json_get length)" "still one plan"

# Only what changed travels: the plan, 4 added, 2 changed, 4 tombstones.
assert_eq 11 "$(cj A sync | json_get .pushed)" "the sync pushes only the changes"
out=$(c A plan import "$T/plan2.md" --replace "$sid")
assert_match "^0 added, 0 removed, 0 changed, 12 kept$" "$out" "the same file again changes nothing"
assert_eq 1 "$(cj A sync | json_get .pushed)" "and rewrites no item (the plan record only)"
assert_eq "$v2" "$(cj A plan show)" "the tree is as it was"

# A second machine sees the replaced plan as it is.
mkhome B
ok "alice logs in on B" login B alice
ok "B syncs" c B sync
assert_eq "$(cj A plan show)" "$(cj B plan show)" "B's plan show --json is A's"

# --- refusals -------------------------------------------------------------------
expect_cairn_fail 5 "^cairn: no plan 'Knitting'; see 'cairn plan ls'$" \
    A plan import "$T/plan2.md" --replace Knitting
expect_cairn_fail 2 "^cairn: option '--replace' needs a value; see 'cairn help plan'$" \
    A plan import "$T/plan2.md" --replace
expect_cairn_fail 5 "cannot open $T/nope.md" A plan import "$T/nope.md" --replace "$sid"

# --start in any form the date parser takes reaches --replace (2025-01-22
# is a Wednesday: "monday" is 2025-01-20).
assert_json "--replace --start monday moves the start" 'd["start"] == "2025-01-20"' \
    <<<"$(cj A plan import "$T/plan2.md" --replace "$sid" --start monday --dry-run)"
assert_json "--replace --start 2025-2-3 moves the start" 'd["start"] == "2025-02-03"' \
    <<<"$(cj A plan import "$T/plan2.md" --replace "$sid" --start 2025-2-3 --dry-run)"
