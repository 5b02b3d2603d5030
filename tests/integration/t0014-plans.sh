#!/bin/bash
# t0014: plans sync like entries. A learner imports a plan on machine A
# (a small fixture, then the shared sample plan), logs a session against an
# item (its minutes count for the item and every ancestor), ticks items on
# two machines at once, and both machines end with the same `plan show
# --json`; `plan status` names the week, the phase, what is due and the
# hours against the schedule; `plan export` re-imports to the same tree;
# another learner sees nothing of it. The sample is the copy in
# tests/data/samples/ultralearning-plan.md.
. "$(dirname "$0")/lib.sh"

FIXTURE="$CAIRN_SRC/tests/data/plans/cmd-small-plan.md"
SAMPLE="$CAIRN_SRC/tests/data/samples/ultralearning-plan.md"
[ -f "$SAMPLE" ] || fail "the sample plan is in the tree" "$SAMPLE"
# Plan days count from this date (see 'cairn help plan'); the plan starts
# on Monday 2025-01-06, so this Wednesday is in week 3.
export CAIRN_NOW=2025-01-22
START=2025-01-06

start_server
mkhome X
ok "bob registers (the outsider)" register X bob

# norm: a show --json document with ids replaced by document positions,
# so two imports of one plan compare equal.
norm() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
pos = {it["id"]: i for i, it in enumerate(d["items"])}
items = [[it["kind"], it["title"], it["from"], it["to"], it["done"],
          pos.get(it["parent"])] for it in d["items"]]
print(json.dumps([d["title"], d["start"], d["hours_per_week"],
                  d["schedule"], items], sort_keys=True, indent=1))
'
}

# chain ID < SHOW-JSON: {"by": minutes of item ID, "up": its ancestors'
# minutes, nearest first}.
chain() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
by = {it["id"]: it for it in d["items"]}
i, up = by[sys.argv[1]]["parent"], []
while i is not None:
    up.append(by[i]["minutes"])
    i = by[i]["parent"]
print(json.dumps({"by": by[sys.argv[1]]["minutes"], "up": up}))
' "$1"
}

# item_id JSON TITLE-PIECE: the id of the first item whose title has it.
item_id() {
	json_eval "[it['id'] for it in d['items'] if '$2'.lower() in it['title'].lower()][0]" <<<"$1"
}

# flow LABEL HANDLE FILE DONE1 DONE2 DONE3 LOGGED: the whole scenario for
# one plan file. DONEn and LOGGED are pieces of checkbox items' titles.
flow() {
	local L=$1 who=$2 file=$3 d1=$4 d2=$5 d3=$6 logged=$7
	local A="${L}a" B="${L}b" R="${L}r" out pid show i1 i2 i3 il st

	mkhome "$A"
	mkhome "$B"
	mkhome "$R"
	ok "$L: $who registers on $A" register "$A" "$who"
	ok "$L: $who logs in on $B" login "$B" "$who"

	# --- import ---------------------------------------------------------------
	out=$(cj "$A" plan import "$file" --start "$START" --dry-run)
	assert_json "$L: a dry run says what it understood and stores nothing" "
d['id'] is None and d['dry_run'] is True and d['start'] == '$START' and
d['counts']['phase'] >= 2 and d['items'] > 5 and
all(w['from'] <= w['to'] for w in d['windows'])" <<<"$out"
	assert_json_len "$A" "plan ls" 0
	out=$(c "$A" plan import "$file" --start "$START")
	assert_match "phases, .* projects, .* tasks" "$out" "$L: import prints the counts"
	assert_match "stored; it is now the active plan" "$out" "$L: import stores the plan"
	pid=$(cj "$A" plan ls | json_get '[0].id')
	assert_json "$L: plan ls shows the plan, active" "
len(d) == 1 and d[0]['active'] is True and d[0]['start'] == '$START'" <<<"$(cj "$A" plan ls)"

	show=$(cj "$A" plan show)
	assert_json "$L: plan show --json has the documented shape" "
set(d) == {'id', 'title', 'start', 'hours_per_week', 'schedule', 'items'} and
d['id'] == '$pid' and all(set(it) == {'id', 'parent', 'kind', 'title',
'from', 'to', 'done', 'minutes'} for it in d['items']) and
all(it['kind'] in ('phase', 'project', 'task', 'milestone', 'skill', 'note')
    for it in d['items']) and
all(s['day'] and s['hours'] > 0 for s in d['schedule']) and
d['items'][0]['parent'] is None" <<<"$show"
	i1=$(item_id "$show" "$d1")
	i2=$(item_id "$show" "$d2")
	i3=$(item_id "$show" "$d3")
	il=$(item_id "$show" "$logged")

	# --- log --item: minutes for the item and all its ancestors -------------
	out=$(cj "$A" log 45m project "on the plan" --item "${il:0:8}" --date 2025-01-21)
	assert_eq "$il" "$(json_get .item <<<"$out")" "$L: log --item stores the item's id"
	ok "$L: log --item takes a piece of the title" \
	    c "$A" log 15m reading "by title" --item "$logged" --date 2025-01-20
	assert_json "$L: the minutes count for the item and every ancestor" "
d['by'] == 60 and d['up'] and all(m >= 60 for m in d['up'])" <<<"$(cj "$A" plan show | chain "$il")"
	assert_match "item: +${il:0:8} " "$(c "$A" show "$(cj "$A" ls | json_get '[0].id')")" \
	    "$L: show names the entry's plan item"
	assert_json "$L: ls lists entries only" "len(d) == 2" <<<"$(cj "$A" ls)"
	expect_cairn_fail 5 'matches [0-9]+ items' "$A" log 10m project --item "a"

	# --- done on A, sync both, B agrees ----------------------------------------
	assert_json "$L: plan done ticks an item" "
d['items'][0]['id'] == '$i1' and d['items'][0]['done'] is True" <<<"$(cj "$A" plan done "${i1:0:6}")"
	ok "$L: A syncs" c "$A" sync
	ok "$L: B syncs" c "$B" sync
	assert_eq "$(cj "$A" plan show)" "$(cj "$B" plan show)" \
	    "$L: B's plan show --json is A's, after a done on A"

	# --- concurrent ticks on two machines, offline, merge per item ------------
	ok "$L: A ticks another item offline" c "$A" plan done "$i2"
	ok "$L: B ticks a third item offline" c "$B" plan done "$i3"
	ok "$L: B reopens the first item" c "$B" plan reopen "$i1"
	ok "$L: B ticks it again" c "$B" plan done "$i1"
	ok "$L: A syncs" c "$A" sync
	ok "$L: B syncs" c "$B" sync
	ok "$L: A syncs again" c "$A" sync
	show=$(cj "$A" plan show)
	assert_eq "$show" "$(cj "$B" plan show)" "$L: A and B agree after concurrent ticks"
	assert_json "$L: both machines' ticks survived" "
{it['id']: it['done'] for it in d['items']}['$i1'] and
{it['id']: it['done'] for it in d['items']}['$i2'] and
{it['id']: it['done'] for it in d['items']}['$i3']" <<<"$show"

	# --- status -------------------------------------------------------------
	st=$(c "$B" plan status)
	assert_match "^week 3 of the plan" "$st" "$L: status names the week"
	assert_match "^current phase: " "$st" "$L: status names the current phase"
	assert_match "^due this week" "$st" "$L: status lists what is due"
	assert_match "^overdue" "$st" "$L: status lists what is overdue"
	assert_match "^hours this week: 1h logged of [0-9.]+h scheduled" "$st" \
	    "$L: status gives hours this week against the schedule"
	assert_json "$L: status --json agrees" "
d['week'] == 3 and d['week_from'] == '2025-01-20' and d['today'] == '2025-01-22'
and d['hours']['logged'] == 1.0 and d['hours']['scheduled'] > 0 and
d['phase'] is not None and isinstance(d['due'], list) and
isinstance(d['overdue'], list) and
{a['activity']: a['minutes'] for a in d['activities']}.get('project') == 45
" <<<"$(cj "$B" plan status)"

	# --- export and re-import ------------------------------------------------
	ok "$L: plan export writes Markdown" c "$A" plan export --out "$T/$L.md"
	grep -q '\[x\]' "$T/$L.md" || fail "$L: the export ticks done items"
	pass "$L: the export ticks done items"
	ok "$L: the export re-imports" c "$R" plan import "$T/$L.md" --start "$START"
	assert_eq "$(cj "$A" plan show | norm)" "$(cj "$R" plan show | norm)" \
	    "$L: the re-imported tree is the same (ids aside)"

	# --- another learner sees none of it ----------------------------------------
	ok "$L: bob syncs" c X sync
	assert_json_len X "plan ls" 0
	assert_json_len X "plan ls --user $who" 0
	expect_cairn_fail 5 "no plan" X plan show --user "$who"
}

flow fx alice "$FIXTURE" "Sharpen the chisels" "Cut the rails" \
    "Bed frame assembled" "Model the bed frame"

# --- time-boxed drills (fixture) ------------------------------------------------
show=$(cj fxa plan show)
drill=$(item_id "$show" "dovetail")
out=$(cj fxa start drill --item dovetail)
assert_json "start --item takes the drill's time box as the limit" \
    'd["limit_minutes"] == 30' <<<"$out"
out=$(cj fxa stop)
assert_json "stop logs the attempt against the drill, beaten" "
d['item'] == '$drill' and d['limit_minutes'] == 30 and d['beaten'] is True" <<<"$out"
out=$(cj fxa start drill --item dovetail --limit 1h)
assert_json "--limit wins over the drill's time box" \
    'd["limit_minutes"] == 60' <<<"$out"
ok "the second attempt ends" c fxa stop
assert_match "attempts: 1m \(beaten\) 1m \(beaten\)" "$(c fxa plan show)" \
    "plan show lists each attempt's time, oldest first"
assert_eq dovetail "$(cj X log 10m drill --item dovetail | json_get .item)" \
    "without a plan, --item is kept as written"

# A "Start:" line in the plan sets its start; --start still wins.
printf '# Learn Blender\nStart: 2026-03-04\n\nMonth 1: Basic 3D Literacy\n' >"$T/blender.md"
assert_json "a Start: line in the plan gives its start" 'd["start"] == "2026-03-04"' \
    <<<"$(cj X plan import "$T/blender.md" --dry-run)"
assert_json "--start wins over the plan's Start: line" 'd["start"] == "2026-05-04"' \
    <<<"$(cj X plan import "$T/blender.md" --dry-run --start 2026-05-04)"

# The same flow on the real sample; t0015 checks the sample's own
# acceptance points.
flow sm carol "$SAMPLE" "Recommendation system deployed" "RL agent trained" \
    "Full MLOps pipeline running" "Collaborative filtering"
