#!/bin/bash
# t0045: ls for reviewing a long log. Each filter (--activity, --skill,
# --item, --plan, --week, --text) alone and combined with --since, --limit
# and --user; the header and total lines, columns as wide as the rows
# shown need, the UTC offset of a session logged in another time zone
# (under two TZs); refusals of bad values; --json keeps its shape.
. "$(dirname "$0")/lib.sh"

FIXTURE="$CAIRN_SRC/tests/data/plans/cmd-small-plan.md"
export CAIRN_NOW=2026-11-25 # a Wednesday: "last week" is 2026-W47
export TZ=UTC

start_server
mkhome alice
mkhome bob
ok "alice registers" register alice alice
ok "bob registers" register bob bob
ok "alice imports a plan" c alice plan import "$FIXTURE" --start 2026-10-05

# lg ARGS...: logs an entry on alice's home and prints its id.
lg() {
	cj alice log "$@" | json_get .id
}
e1=$(lg 45m drill "dovetails again" --date 2026-11-02 --at 09:00 --skill chisel --item dovetail)
e2=$(lg 1h30m project "rails glued" --date 2026-11-10 --at 18:00 --item "Cut the rails")
e3=$(lg 30m reading "Deep Work chapter 3" --date 2026-11-17 --at 21:00 --skill focus)
e4=$(lg 20m retrieval-practice "flashcards of joints" --date 2026-11-18 --at 07:00)
e5=$(TZ=Asia/Tokyo lg 1h community "study group" --date 2026-11-19 --at 21:00)
e6=$(lg 2h project "old cutting board" --date 2026-10-01 --at 10:00 --item Sharpen)
ok "alice syncs" c alice sync

# ids ARGS...: the ids `ls --json ARGS` lists, in order, space-separated.
lsids() {
	cj alice ls "$@" | json_eval '" ".join(e["id"] for e in d)'
}
check() {
	local want=$1 desc=$2
	shift 2
	assert_eq "$want" "$(lsids "$@")" "$desc"
}

# --- each filter ------------------------------------------------------------------
check "$e5 $e4 $e3 $e2 $e1 $e6" "no filter: every entry, newest first (not a terminal)"
check "$e1" "--activity drill" --activity drill
check "$e2 $e6" "--activity ignores case" --activity PROJECT
check "" "--activity that nobody did lists nothing" --activity chess
check "$e3" "--skill focus" --skill focus
check "$e1" "--skill ignores case" --skill CHISEL
check "$e1" "--item: the drill" --item dovetail
check "$e2" "--item: a phase takes the items under it" --item "Phase 2"
check "$e6" "--item by a piece of the title" --item sharpen
check "$e2 $e1 $e6" "--plan: entries of any item of the plan" --plan Woodworking
check "$e5 $e4 $e3" "--week YYYY-Www" --week 2026-W47
check "$e5 $e4 $e3" "--week last" --week last
check "$e2" "--week a date in it" --week 2026-11-11
check "" "--week this (nothing logged yet)" --week this
check "$e3" "--text: a case-insensitive piece of the text" --text "DEEP work"
check "$e4" "--text: a word inside the text" --text joint

# --- combined ------------------------------------------------------------------------
check "$e2" "--activity with --since" --activity project --since 2026-11-01
check "$e6" "--activity with --until" --activity project --until 2026-10-31
check "$e4" "--week with --text" --week last --text flash
check "$e2" "--limit after the filters: the newest match" --activity project --limit 1
check "$e2" "--plan with --week" --plan wood --week 2026-W46
check "" "--item with --skill that it lacks" --item dovetail --skill focus
check "$e5 $e4" "--since with --week narrows the week" --week last --since 2026-11-18
check "$e5 $e4 $e3 $e2 $e1 $e6" "--all lists everything" --all

# --- --json keeps its shape ---------------------------------------------------------
assert_json "ls --json: an array of entries with the contract fields" '
isinstance(d, list) and len(d) == 1 and
set(d[0]) >= {"id", "user", "started_at", "minutes", "activity", "text", "skills",
              "metrics", "private", "updated_at"} and
d[0]["started_at"] == "2026-11-19T21:00:00+09:00" and d[0]["minutes"] == 60' \
    <<<"$(cj alice ls --text study)"

# --- the human list: header, columns, total ----------------------------------------
s1=${e1:0:8} s3=${e3:0:8} s4=${e4:0:8} s5=${e5:0:8}
want="ID       DATE       START DURATION ACTIVITY TEXT
$s1 2026-11-02 09:00      45m drill    dovetails again
1 entry, 45m"
assert_eq "$want" "$(c alice ls --activity drill)" \
    "one row: header, columns as narrow as their titles, total"
want="ID       DATE       START        DURATION ACTIVITY           TEXT
$s5 2026-11-19 21:00 +09:00       1h community          study group
$s4 2026-11-18 07:00             20m retrieval-practice flashcards of joints
$s3 2026-11-17 21:00             30m reading            Deep Work chapter 3
3 entries, 1h50m"
assert_eq "$want" "$(c alice ls --week last)" \
    "a long activity word widens its column; another zone's offset is shown"
want="ID       DATE       START        DURATION ACTIVITY           TEXT
$s5 2026-11-19 21:00              1h community          study group
$s4 2026-11-18 07:00 +00:00      20m retrieval-practice flashcards of joints
$s3 2026-11-17 21:00 +00:00      30m reading            Deep Work chapter 3
3 entries, 1h50m"
assert_eq "$want" "$(TZ=Asia/Tokyo c alice ls --week last)" \
    "under TZ=Asia/Tokyo the offset moves to the sessions logged in UTC"
assert_eq "no entries" "$(c alice ls --text zzz)" "no match: no header, 'no entries'"
out=$(c alice ls)
assert_eq "6 entries, 6h5m" "$(tail -n 1 <<<"$out")" \
    "the total adds up every listed entry (no window on a pipe)"
assert_match "^$s1 2026-11-02 09:00 +45m drill +dovetails again$" "$out" \
    "a synced entry has no mark"
c alice log 10m planning "next week" --date 2026-11-24 --at 08:00 >/dev/null
assert_match " next week \*$" "$(c alice ls --activity planning)" \
    "an entry not yet synced is marked *"

# --- another learner's entries (--user) ---------------------------------------------
ok "bob invites alice" c bob invite alice --as partner
ok "alice accepts" c alice accept bob
b1=$(cj bob log 25m drill "arpeggios" --date 2026-11-20 --at 10:00 --skill technique | json_get .id)
b2=$(cj bob log 40m reading "Moonwalking with Einstein" --date 2026-11-21 --at 10:00 | json_get .id)
ok "bob syncs" c bob sync
ok "alice syncs" c alice sync
check "$b2 $b1" "--user bob" --user bob
check "$b1" "--user with --activity" --user bob --activity drill
check "$b1" "--user with --skill" --user bob --skill technique
check "$b2" "--user with --text and --week" --user bob --text moonwalking --week last
check "$e1" "--user alice: her own only" --user alice --activity drill
out=$(c alice ls --activity drill)
assert_match "^ID +USER +DATE +START DURATION ACTIVITY TEXT$" "$(head -n 1 <<<"$out")" \
    "with a partner's entries here, a USER column"
assert_match "^${b1:0:8} bob   2026-11-20 10:00      25m drill    arpeggios$" "$out" \
    "the partner's row names them"
assert_eq "2 entries, 1h10m" "$(tail -n 1 <<<"$out")" "the total counts both learners' rows"

# --- refusals -----------------------------------------------------------------------
expect_cairn_fail 5 "^cairn: bad week 'soon': use this, last, YYYY-Www \(e.g. 2026-W48\) or a date in it$" \
    alice ls --week soon
expect_cairn_fail 5 "^cairn: bad --since 'tomorrow': not a date: use YYYY-MM-DD, today, yesterday, a weekday \(mon\) or '3 days ago'$" \
    alice ls --since tomorrow
expect_cairn_fail 5 "^cairn: --since is after --until: nothing could be listed$" \
    alice ls --since 2026-12-02 --until 2026-11-01
expect_cairn_fail 5 "^cairn: bad limit '0': give a positive number$" alice ls --limit 0
expect_cairn_fail 5 "^cairn: --activity needs a non-empty value$" alice ls --activity ""
expect_cairn_fail 5 "^cairn: --text needs a non-empty value$" alice ls --text ""
expect_cairn_fail 5 "nothing" alice ls --item "nothing like this"
expect_cairn_fail 5 "nothing" alice ls --plan "nothing like this"
expect_cairn_fail 2 "^cairn: option '--activity' needs a value; see 'cairn help ls'$" alice ls --activity
expect_cairn_fail 2 "unexpected argument" alice ls drill
out=$(c alice help ls)
assert_match "EXAMPLES:" "$out" "help ls has examples"
for opt in --activity --skill --item --plan --week --text --all; do
	assert_match "^  $opt " "$out" "help ls documents $opt"
done
