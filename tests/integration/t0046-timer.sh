#!/bin/bash
# t0046: the timer on two machines of one learner (laptop and desktop) and
# a partner (bob). stop says how the session did against its time box
# (within by 7m, over by 5m), status says the time left or "over by 5m",
# cancel discards, continue starts again from the last stopped session.
# The timer is a private record per device: after a sync the desktop says
# "timer running on laptop", starting one there too warns and goes on,
# and the partner never receives it; entries, week and feed ignore it. The
# server refuses a timer that is not private, and a version 1 session
# cannot push one. $CAIRN_NOW fixes "now", so every time shown is exact.
. "$(dirname "$0")/lib.sh"

start_server
for h in laptop desktop bob; do
	mkhome "$h"
done
ok "alice registers on her laptop" register laptop alice --device laptop
ok "alice logs in on her desktop" login desktop alice --device desktop
ok "bob registers" register bob bob --device bob-pc

# at HH:MM HOME ARGS...: cairn at that time on 2026-11-25 (UTC).
at() {
	local t=$1
	shift
	CAIRN_NOW="2026-11-25T$t:00+00:00" c "$@"
}

# Rows of kind 8 (timers) in HOME's store.
timer_rows() {
	python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute("SELECT count(DISTINCT id) FROM records WHERE kind = 8").fetchone()[0])
' "$T/$1/cairn.db"
}

# --- nothing running -------------------------------------------------------------
expect_cairn_fail 5 "^cairn: no timer is running; start one with 'cairn start ACTIVITY'$" \
    laptop stop
expect_cairn_fail 5 "^cairn: no timer is running; start one with 'cairn start ACTIVITY'$" \
    laptop cancel
expect_cairn_fail 5 "^cairn: no stopped session to continue; start one with 'cairn start ACTIVITY'$" \
    laptop continue
expect_cairn_fail 2 "usage" laptop cancel now
expect_cairn_fail 2 "usage" laptop continue drill

# --- a time-boxed drill beaten by 7 minutes --------------------------------------
out=$(at 21:05 laptop start drill scales --limit 45m)
assert_eq "started drill scales (limit 45m); 'cairn stop' logs it" "$out" \
    "start says what runs"
CAIRN_NOW=2026-11-25T21:10:00+00:00 expect_cairn_fail 5 "^cairn: a timer is already running \(drill scales, started 21:05\); run 'cairn stop' or 'cairn cancel' first$" \
    laptop start reading
out=$(at 21:25 laptop status | head -n 1)
assert_eq "running: drill scales, started 21:05, 20m so far (limit 45m, 25m left)" \
    "$out" "status: the time so far and the time left"
out=$(at 21:55 laptop status | head -n 1)
assert_eq "running: drill scales, started 21:05, 50m so far (limit 45m, over by 5m)" \
    "$out" "status: over by 5m once the time box is exceeded"
out=$(CAIRN_NOW=2026-11-25T21:55:00+00:00 cj laptop status)
assert_json "status --json: elapsed and over_minutes" '
d["running"] is True and d["elapsed_minutes"] == 50 and d["limit_minutes"] == 45
and d["over_minutes"] == 5 and d["others"] == []' <<<"$out"

# --- the desktop sees it after a sync ----------------------------------------------
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
out=$(at 21:25 desktop status)
assert_eq "no timer running" "$(sed -n 1p <<<"$out")" "desktop: its own timer is not running"
assert_eq "timer running on laptop: drill for 20m (since 21:05)" \
    "$(sed -n 2p <<<"$out")" "desktop: the laptop's timer, after sync"
out=$(CAIRN_NOW=2026-11-25T21:25:00+00:00 cj desktop status)
assert_json "desktop status --json lists the laptop's timer" '
d["running"] is False and len(d["others"]) == 1 and
d["others"][0]["device"] == "laptop" and d["others"][0]["activity"] == "drill" and
d["others"][0]["elapsed_minutes"] == 20 and d["others"][0]["limit_minutes"] == 45' <<<"$out"
CAIRN_NOW=2026-11-25T21:25:00+00:00 expect_cairn_fail 5 "^cairn: no timer is running here; the one on laptop \(drill since 21:05\) stops there$" \
    desktop stop
# Starting one on the desktop too is allowed, with a warning.
CAIRN_NOW=2026-11-25T21:26:00+00:00 c desktop start reading book >"$T/start.out" 2>"$T/start.err"
assert_eq "started reading book; 'cairn stop' logs it" "$(cat "$T/start.out")" \
    "desktop starts its own timer"
assert_eq "cairn: note: a timer is also running on laptop: drill for 21m (since 21:05)" \
    "$(cat "$T/start.err")" "start warns about the laptop's timer"

# --- cancel ---------------------------------------------------------------------
out=$(at 21:30 desktop cancel)
assert_eq "discarded: reading book, 4m since 21:26; nothing logged" "$out" \
    "cancel says what it discarded"
assert_json_len desktop ls 0
assert_eq "no timer running" "$(at 21:31 desktop status | head -n 1)" \
    "desktop: no timer after cancel"
out=$(at 21:31 laptop start project x 2>&1 || true)
assert_match "already running" "$out" "the desktop's cancel did not touch the laptop's timer"

# --- stop: within the time box by 7m ---------------------------------------------------
out=$(at 21:43 laptop stop)
assert_match "^stopped: 38m drill, within its 45m time box by 7m \([0-9a-f]{8}\)$" "$out" \
    "stop: within its time box by 7m"
out=$(cj laptop ls)
assert_json "the entry records the challenge beaten" '
len(d) == 1 and d[0]["minutes"] == 38 and d[0]["activity"] == "drill" and
d[0]["text"] == "scales" and d[0]["limit_minutes"] == 45 and d[0]["beaten"] is True' <<<"$out"

# --- continue, and over the time box by 5m --------------------------------------------
out=$(at 22:00 laptop continue)
assert_eq "continuing drill scales (limit 45m), as stopped 17 min ago; 'cairn stop' logs it" \
    "$out" "continue starts again from the last stopped session"
out=$(at 22:50 laptop stop --note "sloppy")
assert_match "^stopped: 50m drill, over its 45m time box by 5m \([0-9a-f]{8}\)$" "$out" \
    "stop: over its time box by 5m"
assert_json "the second entry: not beaten, note added" '
len(d) == 2 and d[0]["minutes"] == 50 and d[0]["beaten"] is False and
d[0]["text"] == "scales; sloppy" and d[0]["limit_minutes"] == 45' <<<"$(cj laptop ls)"
out=$(at 23:00 laptop start review)
out=$(at 23:10 laptop stop)
assert_match "^stopped: 10m review \([0-9a-f]{8}\)$" "$out" "stop without a time box says no more"

# --- continue on the other machine -------------------------------------------------
ok "laptop syncs the stopped timer" c laptop sync
ok "desktop syncs" c desktop sync
out=$(at 23:12 desktop status)
assert_eq "no timer running" "$(sed -n 1p <<<"$out")" "desktop: no timer after the laptop stopped"
assert_match "^[0-9]+ changes? not yet synced; last sync " "$(sed -n 2p <<<"$out")" \
    "desktop: no laptop timer line once it stopped"
out=$(at 23:15 desktop continue)
assert_eq "continuing review, as stopped 5 min ago; 'cairn stop' logs it" "$out" \
    "desktop continues the session the laptop stopped"
out=$(CAIRN_NOW=2026-11-25T23:20:00+00:00 cj desktop status)
assert_json "desktop: its continued timer runs" '
d["running"] is True and d["activity"] == "review" and d["elapsed_minutes"] == 5
and d["limit_minutes"] is None' <<<"$out"

# --- status works offline ---------------------------------------------------------
stop_server
out=$(at 23:25 desktop status | head -n 1)
assert_eq "running: review, started 23:15, 10m so far" "$out" "status works offline"
restart_server

# --- only alice's machines get the timers; the views ignore them ------------------
ok "bob invites alice" c bob invite alice --as partner
ok "alice accepts" c desktop accept bob
ok "desktop syncs its timer" c desktop sync
ok "laptop syncs" c laptop sync
ok "bob syncs" c bob sync
assert_eq 2 "$(timer_rows laptop)" "the laptop holds both machines' timers"
assert_eq 2 "$(timer_rows desktop)" "the desktop holds both machines' timers"
assert_eq 0 "$(timer_rows bob)" "the partner never receives a timer"
assert_json "bob's feed has alice's entries only" '
len(d) == 3 and all(e["user"] == "alice" for e in d)' <<<"$(cj bob feed --since 2026-11-01)"
assert_json_len bob "ls --user alice" 3
assert_json "alice's week counts her entries, not the timers" '
d["minutes"] == 98' <<<"$(CAIRN_NOW=2026-11-25 cj laptop week)"
out=$(at 23:30 laptop status)
assert_eq "timer running on desktop: review for 15m (since 23:15)" \
    "$(sed -n 2p <<<"$out")" "the laptop sees the desktop's continued timer"

# --- the server's checks -----------------------------------------------------------
out=$(python3 "$PEER" push-timer "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
    5e1c7a00-0000-4000-8000-000000000001 2 0)
assert_json "a timer that is not private is refused" '
d["code"] == -18 and "a timer must be private" in d["message"] and
d["record_id"] == "5e1c7a00-0000-4000-8000-000000000001"' <<<"$out"
out=$(python3 "$PEER" push-timer "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
    5e1c7a00-0000-4000-8000-000000000002 2 1 Drill)
assert_json "a timer with a bad activity is refused" '
d["code"] == -18 and "activity" in d["message"]' <<<"$out"
out=$(python3 "$PEER" push-timer "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
    5e1c7a00-0000-4000-8000-000000000003 1 1)
assert_json "a version 1 session cannot push a timer" '
d["code"] == -18 and "unknown kind 8" in d["message"]' <<<"$out"
out=$(python3 "$PEER" push-timer "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
    5e1c7a00-0000-4000-8000-000000000004 2 1)
assert_json "a private timer is accepted" 'd["code"] == 0 and d["applied"] == 1' <<<"$out"
