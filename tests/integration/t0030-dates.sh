#!/bin/bash
# t0030: durations, dates and times as learners type them, through log
# and edit, with TZ and CAIRN_NOW fixing the zone and "now" (Tuesday
# 2026-12-01, 22:00 in Berlin). log says back what it stored; --from and
# --to (DURATION left out, or agreeing), --ago, across midnight and
# across the spring DST change; every refusal with its exact line and
# exit code (bare numbers, 1h70m, 0m, 25h, February 30, month 13, the
# future, a time the clocks skip, a disagreeing DURATION, an overlap and
# its --force); the new-activity note; edit saying back and storing
# nothing for the same values (so the next sync pushes nothing); the
# other commands' date and duration options; 'cairn help dates'.
. "$(dirname "$0")/lib.sh"

export TZ=Europe/Berlin
export CAIRN_NOW=2026-12-01T22:00:00+01:00

start_server
mkhome A
ok "A registers" register A alice

# re TEXT: TEXT as an extended regular expression matching it literally.
re() {
	printf '%s' "$1" | sed 's/[][\.*^$()+?{}|/]/\\&/g'
}

# refused EXIT LINE ARGS...: cairn ARGS exits EXIT with exactly
# "cairn: LINE" on stderr.
refused() {
	local code=$1 line=$2
	shift 2
	expect_cairn_fail "$code" "^cairn: $(re "$line")\$" A "$@"
}

# logs LINE ARGS...: cairn ARGS succeeds and says LINE, with (ID) after
# it; the id's first 8 characters are left in $ID.
ID=""
logs() {
	local want=$1 out
	shift
	out=$(c A "$@" 2>"$T/logs.err") ||
	    fail "cairn $* succeeds" "stderr: $(cat "$T/logs.err")"
	assert_match "^$(re "$want") \([0-9a-f]{8}\)\$" "$out" "$* says: $want"
	ID=$(printf '%s' "$out" | sed -E 's/.*\(([0-9a-f]{8})\)$/\1/')
}

# --- log says back what it stored -------------------------------------------
logs "logged 1h30m reading on Tue 2026-12-01, 19:00-20:30" \
    log reading "SICP ch. 3" --from 19:00 --to 20:30
e1=$ID
assert_json "the entry is stored as said back" '
d["minutes"] == 90 and d["activity"] == "reading" and
d["started_at"] == "2026-12-01T19:00:00+01:00" and d["text"] == "SICP ch. 3"' \
    <<<"$(cj A show "$e1")"
logs "logged 1h30m drill on Tue 2026-12-01, 17:00-18:30" \
    log 1h30m drill --from 17:00 --to 18:30
e2=$ID
logs "logged 30m project on Tue 2026-12-01, 20:30-21:00" log 30m project --ago 1h
e3=$ID
logs "logged 45m planning on Tue 2026-12-01, 21:15-22:00" log 45m planning
pl=$ID
logs "logged 20m review on Tue 2026-12-01, 16:00-16:20" log 20m review --at 4pm
logs "logged 20m review on Tue 2026-12-01, 15:20-15:40" log 20m review --to 3:40pm
# A minute of clock slack: 21:01 to 22:01 ends a minute after now.
logs "logged 1h retrieval on Mon 2026-11-30, 21:01-22:01" \
    log 1h retrieval --date yesterday --to 22:01
logs "logged 40m project on Sat 2026-11-28, 12:00-12:40" \
    log 40m project --date "3 days ago"

# --- dates and times in every form ---------------------------------------------
logs "logged 10m review on Mon 2026-11-30, 09:05-09:15" log 10m review --date mon --at 9:05
logs "logged 10m review on Tue 2026-12-01, 09:05-09:15" log 10m review --date tuesday --at 09:05
logs "logged 10m review on Wed 2026-11-25, 21:00-21:10" log 10m review --date wed --at 9pm
logs "logged 10m review on Sun 2026-11-29, 21:30-21:40" log 10m review --date "2 days ago" --at 9:30pm
logs "logged 10m review on Tue 2026-11-17, 00:00-00:10" log 10m review --date "2 weeks ago" --at 12am
logs "logged 10m review on Tue 2026-11-17, 12:00-12:10" log 10m review --date "2 weeks ago" --at 12pm
logs "logged 10m review on Mon 2026-11-30, 06:00-06:10" log 10m review --date "1 day ago" --at 06:00
logs "logged 1h30m project on Thu 2026-11-26, 08:00-09:30" log 1.5h project --date thu --at 8am
logs "logged 1h30m project on Fri 2026-11-27, 08:00-09:30" log 90min project --date 2026-11-27 --at 8:00
logs "logged 1h30m project on Fri 2026-11-20, 08:00-09:30" log "1h 30m" project --date 2026-11-20 --at 8:00
logs "logged 10m review on Thu 2024-02-29, 10:00-10:10" log 10m review --date 2024-02-29 --at 10:00

# --- across midnight and across the spring DST change ---------------------------
logs "logged 1h15m drill on Mon 2026-11-30, 23:30-00:45 next day" \
    log drill --from 23:30 --to 00:45 --date yesterday
refused 5 "the session would start in the future (Tue 2026-12-01, 23:30-00:45 next day; it is 2026-12-01 22:00 now); if it was on another day, add --date (e.g. --date yesterday)" \
    log drill --from 23:30 --to 00:45
# Summer time begins at 02:00 on 2026-03-29: 01:00 to 04:00 is two hours.
logs "logged 2h drill on Sun 2026-03-29, 01:00-04:00" \
    log drill --from 01:00 --to 04:00 --date 2026-03-29
refused 5 "2026-03-29 02:30 does not exist in this time zone (the clocks skip it)" \
    log 30m drill --date 2026-03-29 --at 02:30

# --- refusals: durations -------------------------------------------------------
refused 5 "bad duration '90': a bare number: say 90m or 1h30m" log 90 reading
refused 5 "bad duration '1h70m': 70 minutes is more than an hour: use 2h10m" log 1h70m reading
refused 5 "bad duration '0m': no time at all: give at least 1m, e.g. 45m" log 0m reading
refused 5 "bad duration '25h': more than 24h, the most one entry can hold: log each day apart, e.g. 8h" \
    log 25h reading
refused 5 "bad duration '1:30': that is how a time of day is written: for a duration say 1h30m" \
    log 1:30 reading
refused 5 "bad --ago '30h': more than 24h ago; for an earlier day give --date and --at, e.g. --date yesterday --at 21:00" \
    log 1h reading --ago 30h
refused 5 "duration 1h disagrees with --from 10:00 --to 11:30, which is 1h30m: leave the duration out or make them agree" \
    log 1h drill --from 10:00 --to 11:30
refused 5 "--from and --to are the same time: give when the session ended, e.g. --from 10:00 --to 11:00" \
    log drill --from 10:00 --to 10:00
refused 2 "expected DURATION and ACTIVITY (DURATION may be left out only with --from and --to); usage: cairn log [DURATION] ACTIVITY [TEXT] [options]" \
    log reading --from 10:00
refused 2 "--ago says when the session ended: leave out --date, --at, --from and --to; usage: cairn log [DURATION] ACTIVITY [TEXT] [options]" \
    log 1h reading --ago 2h --date yesterday
refused 2 "--at and --from say the same thing: give one of them; usage: cairn log [DURATION] ACTIVITY [TEXT] [options]" \
    log 1h reading --at 9:00 --from 9:00

# --- refusals: dates and times -------------------------------------------------
refused 5 "bad --date '2026-02-30': February has 28 days in 2026" log 1h reading --date 2026-02-30
refused 5 "bad --date '2026-13-01': there is no month 13" log 1h reading --date 2026-13-01
refused 5 "bad --date '2026-12-02': a day in the future (today is Tue 2026-12-01)" \
    log 1h reading --date 2026-12-02
refused 5 "bad --date '3': a bare number: say '3 days ago' (quoted) or a date like 2026-12-01" \
    log 1h reading --date 3
refused 5 "bad --at '24:00': there is no hour 24: midnight is 00:00" log 1h reading --date mon --at 24:00
refused 5 "bad --at '13pm': with am or pm the hour runs 1 to 12: say 13:00 or 1pm" \
    log 1h reading --date mon --at 13pm
refused 5 "bad --from '9': a bare number: say 09:00, 9am or 9pm" log reading --from 9 --to 10:00
refused 5 "bad --to '9:60': there is no minute 60: the minutes run 00 to 59" \
    log reading --from 9:00 --to 9:60
# The future, past the minute of slack.
refused 5 "the session would end in the future (Tue 2026-12-01, 22:01-22:02; it is 2026-12-01 22:00 now); if it was on another day, add --date (e.g. --date yesterday)" \
    log planning --from 22:01 --to 22:02
refused 5 "the session would end in the future (Tue 2026-12-01, 21:30-22:30; it is 2026-12-01 22:00 now)" \
    log 1h review --date today --at 21:30 --force
# Activities are lowercase words.
refused 5 "bad activity 'Reading': activities are lowercase, say 'reading'" log 1h Reading
refused 5 "bad activity 'a b': use one lowercase word of letters, digits, '-' or '_', a letter first (at most 32), e.g. reading" \
    log 1h "a b"

# The entry's own rules name fields as the command line does.
refused 5 "--skill: each must be 1..64 bytes of printable UTF-8" log 10m review --date mon --at 7:00 --skill ""
refused 5 "date: must be after 2000-01-01" log 10m review --date 1999-12-31 --at 7:00

# --- overlaps ------------------------------------------------------------------
refused 5 "overlaps ${e1} (reading, 19:00-20:30 on 2026-12-01); add --force if both are meant" \
    log 30m review --at 19:30
logs "logged 30m review on Tue 2026-12-01, 19:30-20:00" log 30m review --at 19:30 --force
# Touching ends do not overlap: 18:30 is where e2 ends and e1 begins.
logs "logged 30m retrieval on Tue 2026-12-01, 18:30-19:00" log retrieval --from 18:30 --to 19:00
# Deleted entries do not count.
ok "A deletes an entry" c A rm "$ID"
logs "logged 30m project on Tue 2026-12-01, 18:30-19:00" log 30m project --at 18:30

# --- a new activity word -------------------------------------------------------
out=$(c A log 10m reaading --date 2026-11-20 --at 10:00 2>"$T/note")
assert_eq "note: 'reaading' is a new activity (did you mean 'reading'?)" "$(cat "$T/note")" \
    "a typo of a built-in activity gets a note"
assert_match "^logged 10m reaading on Fri 2026-11-20, 10:00-10:10 " "$out" "and is logged"
out=$(c A log 10m reaading --date 2026-11-20 --at 11:00 2>"$T/note")
assert_eq "" "$(cat "$T/note")" "the second time it is no longer new"
out=$(c A log 10m cooking --date 2026-11-20 --at 12:00 2>"$T/note")
assert_eq "note: 'cooking' is a new activity" "$(cat "$T/note")" "a word far from any gets a note without a guess"
out=$(c A log 10m cookng --date 2026-11-20 --at 13:00 2>"$T/note")
assert_eq "note: 'cookng' is a new activity (did you mean 'cooking'?)" "$(cat "$T/note")" \
    "an earlier word of mine is a candidate too"
out=$(c A log 10m project --date 2026-11-20 --at 14:00 2>"$T/note")
assert_eq "" "$(cat "$T/note")" "a built-in activity gets no note"

# --- edit ----------------------------------------------------------------------
ok "A syncs" c A sync
out=$(c A edit "$e1" --from 19:00 --to 20:30 --activity reading --duration 1h30m)
assert_eq "nothing changed" "$out" "an edit to the current values says nothing changed"
assert_json "--json says so too" 'd["changed"] is False and d["minutes"] == 90' \
    <<<"$(cj A edit "$e1" --text "SICP ch. 3")"
assert_json "and the next sync pushes nothing" 'd["pushed"] == 0' <<<"$(cj A sync)"
logs "edited 20m project on Tue 2026-12-01, 20:30-20:50" edit "$e3" --duration 20m
logs "edited 1h15m drill on Tue 2026-12-01, 17:15-18:30" edit "$e2" --from 17:15 --to 18:30
assert_json "the edit is pushed" 'd["pushed"] == 2' <<<"$(cj A sync)"
refused 5 "overlaps ${e2} (drill, 17:15-18:30 on 2026-12-01); add --force if both are meant" \
    edit "$e3" --from 18:00 --to 18:20
logs "edited 20m project on Tue 2026-12-01, 18:00-18:20" edit "$e3" --from 18:00 --to 18:20 --force
refused 5 "bad --date '2026-12-02': a day in the future (today is Tue 2026-12-01)" \
    edit "$e3" --date 2026-12-02
refused 5 "the session would end in the future (Tue 2026-12-01, 21:50-22:10; it is 2026-12-01 22:00 now); if it was on another day, add --date (e.g. --date yesterday)" \
    edit "$e3" --at 21:50
refused 5 "bad --duration '1h70m': 70 minutes is more than an hour: use 2h10m" edit "$e3" --duration 1h70m
logs "edited 20m project on Sun 2026-11-29, 18:00-18:20" edit "$e3" --date sun
refused 2 "--ago says when the session ended: leave out --date, --at, --from and --to; usage: cairn edit ID [--duration D] [--activity A] [--text TEXT] [options]" \
    edit "$e3" --ago 1h --date sun
logs "edited 20m project on Tue 2026-12-01, 20:40-21:00" edit "$e3" --ago 1h
# A longer duration alone keeps the end when keeping the start would end
# the session in the future; a shorter one keeps the start.
logs "edited 50m planning on Tue 2026-12-01, 21:10-22:00" edit "$pl" --duration 50m
logs "edited 30m planning on Tue 2026-12-01, 21:10-21:40" edit "$pl" --duration 30m

# --- the other commands take the same forms -------------------------------------
refused 5 "bad --since '2026-02-30': February has 28 days in 2026" ls --since 2026-02-30
refused 5 "bad --until '2026-13-01': there is no month 13" ls --until 2026-13-01
refused 5 "bad --min '90': a bare number: say 90m or 1h30m" streak --min 90
refused 5 "bad --limit '1h70m': 70 minutes is more than an hour: use 2h10m" start drill --limit 1h70m
refused 5 "bad week '2026-02-30': February has 28 days in 2026" week 2026-02-30
refused 5 "bad week 'someday': use this, last, YYYY-Www (e.g. 2026-W48) or a date in it" week someday
refused 5 "bad --today '2026-13-01': there is no month 13" plan status --today 2026-13-01
refused 5 "bad --start '2026-02-30': February has 28 days in 2026" plan import /dev/null --start 2026-02-30
refused 5 "bad --since '0m': not a date: use YYYY-MM-DD, today, yesterday, a weekday (mon) or '3 days ago'" \
    feed --since 0m
assert_json "week takes '2 weeks ago'" 'd["week"] == "2026-W47"' <<<"$(cj A week "2 weeks ago")"
assert_json "week takes a weekday" 'd["week"] == "2026-W49"' <<<"$(cj A week mon)"
assert_json "streak --min takes 1.5h" 'd["min_minutes"] == 90' <<<"$(cj A streak --min 1.5h)"

# --- help ----------------------------------------------------------------------
ok "cairn help dates" c A help dates
grep -q "^DURATIONS" "$T/ok.out" && grep -q "^DATES" "$T/ok.out" &&
    grep -q "^TIMES OF DAY" "$T/ok.out" && grep -q "^EXAMPLES:" "$T/ok.out" ||
    fail "cairn help dates documents durations, dates, times, with examples" "$(cat "$T/ok.out")"
pass "cairn help dates documents durations, dates, times, with examples"
ok "cairn help" c A help
grep -Eq "^  dates +how to write durations, dates and times of day$" "$T/ok.out" ||
    fail "cairn help lists the dates topic" "$(tail -5 "$T/ok.out")"
pass "cairn help lists the dates topic"
refused 2 "unknown command or topic 'datez'; did you mean 'dates'?" help datez
for cmd in log edit; do
	ok "cairn help $cmd" c A help "$cmd"
	grep -q "^EXAMPLES:" "$T/ok.out" || fail "cairn help $cmd has EXAMPLES"
	pass "cairn help $cmd has EXAMPLES"
done
