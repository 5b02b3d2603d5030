#!/bin/bash
# t0020: the progress views through the CLI, with CAIRN_NOW fixing "now".
# The sample plan imported from Monday 2026-11-16 and a fortnight of
# sessions: week --json gives the day and week totals against the plan's
# 20 hours (and what is due by today); a partner's week --user shows the
# same totals; streak skips the days a plan leaves free (a second learner
# on a plan of three days a week); heatmap has no escape codes through a
# pipe; four predictions at known confidences, resolved on Friday, give
# the Brier score computed by hand on both of the learner's machines; a
# commitment (--max-gap 2) broken by three empty days reaches the
# partner's inbox once; the report in Markdown and HTML.
. "$(dirname "$0")/lib.sh"

SAMPLE="$CAIRN_SRC/tests/data/samples/ultralearning-plan.md"
SMALL="$CAIRN_SRC/tests/data/plans/cmd-small-plan.md"
start_server
mkhome maya
mkhome maya2
mkhome sam
mkhome leo
ok "maya registers" register maya maya
ok "maya logs in on a second machine" login maya2 maya
ok "sam registers" register sam sam
ok "leo registers" register leo leo
ok "maya invites sam" c maya invite sam --as partner
ok "sam accepts" c sam accept maya

export CAIRN_NOW=2026-11-25 # Wednesday of the plan's second week
ok "maya imports the sample plan from Monday 2026-11-16" \
    c maya plan import "$SAMPLE" --start 2026-11-16
# Week 1 (2026-W47): 2h Mon, 1h30m Tue, 45m and 1h15m Thu, 3h Sat.
for s in "2026-11-16 09:00 2h project" "2026-11-17 19:00 1h30m drill" \
    "2026-11-19 07:00 45m reading" "2026-11-19 20:00 1h15m project" \
    "2026-11-21 10:00 3h project"; do
	set -- $s
	ok "maya logs $4 $3 on $1" c maya log "$3" "$4" "session" --date "$1" --at "$2"
done
# Week 2 (2026-W48) so far: 1h Mon, 2h Tue, and a session from 23:30 on
# Tuesday into Wednesday, which counts on Tuesday.
ok "maya logs Monday" c maya log 1h retrieval "flashcards" --date 2026-11-23 --at 08:00
ok "maya logs Tuesday" c maya log 2h project "features" --date 2026-11-24 --at 18:00
ok "maya logs past midnight" c maya log 1h drill "late drill" --date 2026-11-24 --at 23:30

out=$(cj maya week 2026-W47)
assert_json "week 47: the day totals" \
    '[x["minutes"] for x in d["days"]] == [120, 90, 0, 120, 0, 180, 0]' <<<"$out"
assert_json "week 47: 8h30m of the plan's 20h" \
    'd["minutes"] == 510 and d["target_minutes"] == 1200' <<<"$out"
assert_json "week 47: the split by activity on Thursday" \
    'd["days"][3]["by_activity"] == {"reading": 45, "project": 75}' <<<"$out"
out=$(cj maya week)
assert_json "this week: Tuesday has the late drill, Wednesday nothing" \
    '[x["minutes"] for x in d["days"][:3]] == [60, 180, 0] and d["week"] == "2026-W48"' <<<"$out"
assert_json "this week: 8h due by Wednesday (3 + 3 + 2), 4h done" \
    'd["due_minutes"] == 480 and d["minutes"] == 240' <<<"$out"
assert_json "the streak: Monday and Tuesday (Wednesday still open)" \
    'd["streak"] == 2' <<<"$out"
out=$(c maya week)
assert_match "^Tue 11-24 .* 3h" "$out" "week for people: one line a day"
assert_match "total 4h of 20h \(8h due by today\), behind" "$out" "week's total line"

ok "maya syncs" c maya sync
ok "sam syncs" c sam sync
assert_eq "$(cj maya week 2026-W47 | json_eval '[d["minutes"], [x["minutes"] for x in d["days"]]]')" \
    "$(cj sam week 2026-W47 --user maya | json_eval '[d["minutes"], [x["minutes"] for x in d["days"]]]')" \
    "sam's week --user maya shows maya's own totals"
expect_cairn_fail 5 "bad handle" sam week --user "Not A Handle"

# --- streaks and a plan's free days ----------------------------------------------
ok "leo imports a plan of Mon, Wed and Sat" c leo plan import "$SMALL" --start 2026-11-16
for d in 2026-11-16 2026-11-18 2026-11-21 2026-11-23; do
	ok "leo practises on $d" c leo log 30m project "bench work" --date "$d" --at 10:00
done
assert_json "leo's streak runs across the free days: 4" \
    'd["current"] == 4 and d["longest"] == 4' <<<"$(cj leo streak)"
ok "sam (no plan) practises Monday" c sam log 30m project "x" --date 2026-11-23 --at 10:00
ok "sam practises Wednesday" c sam log 30m project "y" --date 2026-11-25 --at 07:00
assert_json "without a plan, an empty Tuesday breaks sam's run" \
    'd["current"] == 1 and d["longest"] == 1' <<<"$(cj sam streak)"
assert_json "maya's streak with --min 1h: Tuesday only (Monday had 1h)" \
    'd["current"] == 2' <<<"$(cj maya streak --min 1h)"
assert_json "with --min 2h: none in a row now" \
    'd["current"] == 1' <<<"$(cj maya streak --min 2h)"

# --- heatmap ---------------------------------------------------------------------
out=$(c maya heatmap --weeks 4 | cat)
if printf '%s' "$out" | grep -q $'\033'; then
	fail "heatmap through a pipe has no escape codes" "$out"
fi
pass "heatmap through a pipe has no escape codes"
assert_match "^Tue \. \. \* # *$" "$(printf '%s\n' "$out" | sed -n 3p)" \
    "heatmap: Tuesdays shaded by time (1h30m, then 3h)"
assert_json "heatmap --json: one cell per day up to today" \
    'len(d["days"]) == 4 * 7 - 4 and d["days"][-1]["date"] == "2026-11-25"' \
    <<<"$(cj maya heatmap --weeks 4)"

# --- the prediction game ------------------------------------------------------------
export CAIRN_NOW=2026-11-23T09:00:00+00:00 # Monday morning
p1=$(cj maya predict "the CF model beats the baseline" --confidence 80 | json_get .id)
p2=$(cj maya predict "Docker works first time" --confidence 60 | json_get .id)
p3=$(cj maya predict "RMSE under 0.9" --confidence 90 | json_get .id)
p4=$(cj maya predict "the API takes a day" --confidence 70 | json_get .id)
expect_cairn_fail 5 "confidence is a percentage from 50 to 100" maya predict "x" --confidence 40
export CAIRN_NOW=2026-11-27T17:00:00+00:00 # Friday evening
ok "right" c maya predict resolve "${p1:0:8}" right
ok "wrong" c maya predict resolve "${p2:0:8}" wrong --note "port clash"
ok "partly" c maya predict resolve "${p3:0:8}" partly
ok "right again" c maya predict resolve "${p4:0:8}" right
expect_cairn_fail 2 "say right, wrong or partly" maya predict resolve "${p4:0:8}" maybe
# (0.8-1)^2 + (0.6-0)^2 + (0.9-0.5)^2 + (0.7-1)^2 = 0.65; / 4 = 0.1625
brier='abs(d["recent"]["brier"] - 0.1625) < 1e-9 and d["recent"]["resolved"] == 4'
assert_json "Brier score 0.1625 on maya's laptop" "$brier" <<<"$(cj maya predict ls)"
ok "maya syncs" c maya sync
ok "her second machine syncs" c maya2 sync
assert_json "the same on her second machine" "$brier" <<<"$(cj maya2 predict ls)"
assert_json "and her partner sees them" "$brier" <<<"$(c sam sync >/dev/null; cj sam predict ls --user maya)"
assert_json "calibration per band: 90% said, half came true" \
    'd["recent"]["bands"][4] == {"from": 90, "to": 100, "resolved": 1, "came_true": 0.5}' \
    <<<"$(cj maya predict ls)"
ok "an open prediction for this week" c maya predict "the talk goes well" --confidence 75
export CAIRN_NOW=2026-12-02
assert_json "past its week, it is due in week" \
    'any(p["due"] and p["text"] == "the talk goes well" for p in d["predictions"])' \
    <<<"$(cj maya week)"
assert_match "predictions due: 1" "$(c maya plan status)" "and in plan status"

# --- a commitment, broken --------------------------------------------------------------
export CAIRN_NOW=2026-11-27
ok "maya commits to a gap of at most 2 days" c maya commit --max-gap 2
ok "maya logs Friday" c maya log 30m review "weekly review" --date 2026-11-27 --at 10:00
ok "maya syncs" c maya sync
export CAIRN_NOW=2026-12-01 # Sat, Sun, Mon empty: 3 days
ok "sam syncs" c sam sync
out=$(cj sam inbox)
assert_json "sam's inbox: maya broke her commitment, with the dates" \
    'd["broken_commitments"] == [{"user": "maya", "rule": "max-gap", "value": 2, "got": 3, "from": "2026-11-28", "to": "2026-11-30"}]' \
    <<<"$out"
assert_json "said once: not again" 'd["broken_commitments"] == []' <<<"$(cj sam inbox)"
assert_match "3 days without practice, 2026-11-28 .. 2026-11-30" "$(c maya week last)" \
    "maya's own week says so"

# --- the report --------------------------------------------------------------------------
out=$(c maya report --format md --weeks 3)
assert_match "^\| 2026-W47 \| 8.5 \| 20.0 \|$" "$out" "report md: hours per week against the target"
assert_match "^## Heatmap" "$out" "report md: the heatmap"
ok "report html to a file" c maya report --weeks 3 --out "$T/r.html"
assert_eq 3 "$(grep -c 'class="week-bar"' "$T/r.html")" "report html: one bar per week"
if grep -qi '<script' "$T/r.html"; then
	fail "report html has no script" "$(grep -i '<script' "$T/r.html" | head -3)"
fi
pass "report html has no script"
