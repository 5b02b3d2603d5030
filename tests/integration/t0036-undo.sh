#!/bin/bash
# t0036: cairn undo. Each kind of change (log, edit, rm, plan done, plan
# import) is taken back on the machine that made it, as a new version that
# reaches the other machine at the next sync; a second undo goes one
# change further back; what sync brought is never undone; a change whose
# record was changed since on another machine is refused (exit 5) and
# nothing is written; an edit's undo keeps another machine's edit of
# another field.
. "$(dirname "$0")/lib.sh"

FIXTURE="$CAIRN_SRC/tests/data/plans/cmd-small-plan.md"

start_server
mkhome laptop
mkhome desktop
ok "alice registers on the laptop" register laptop alice --device laptop
ok "alice logs in on the desktop" login desktop alice --device desktop
expect_cairn_fail 5 '^cairn: nothing to undo on this machine$' laptop undo
expect_cairn_fail 2 'undo takes no arguments' laptop undo now

# --- log ----------------------------------------------------------------------
e=$(cj laptop log 1h30m reading "to be undone" | json_get .id)
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_eq "to be undone" "$(cj desktop show "$e" | json_get .text)" "the desktop has the entry"
out=$(c laptop undo)
assert_eq "undid: log 1h30m reading (${e:0:8})" "$out" "undo says what it took back"
expect_cairn_fail 5 "no entry ${e:0:8}" laptop show "${e:0:8}"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
expect_cairn_fail 5 "no entry ${e:0:8}" desktop show "${e:0:8}"

# --- edit: the old values come back, another machine's other field stays -------
e=$(cj laptop log 45m drill "before" | json_get .id)
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "laptop edits text and duration" c laptop edit "$e" --text "after" --duration 1h
ok "desktop edits the activity" c desktop edit "$e" --activity review
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "laptop syncs" c laptop sync
assert_json "both edits are on the laptop" "d['text'] == 'after' and d['minutes'] == 60 and d['activity'] == 'review'" \
    <<<"$(cj laptop show "$e")"
out=$(cj laptop undo)
assert_json "undo --json lists the change" \
    "d == {'undone': [{'id': '$e', 'kind': 'entry', 'change': 'edit 45m review'}]}" <<<"$out"
assert_json "the laptop's edit is taken back, the desktop's kept" \
    "d['text'] == 'before' and d['minutes'] == 45 and d['activity'] == 'review'" <<<"$(cj laptop show "$e")"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_json "the undo reached the desktop" \
    "d['text'] == 'before' and d['minutes'] == 45 and d['activity'] == 'review'" <<<"$(cj desktop show "$e")"

# --- rm -----------------------------------------------------------------------
ok "laptop deletes the entry" c laptop rm "$e"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
expect_cairn_fail 5 "no entry" desktop show "${e:0:8}"
out=$(c laptop undo)
assert_eq "undid: rm 45m review (${e:0:8})" "$out" "undo of rm"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_json "the entry is back on the desktop" "d['text'] == 'before' and d['minutes'] == 45" \
    <<<"$(cj desktop show "$e")"

# --- plan import and plan done -------------------------------------------------
ok "laptop imports a plan" c laptop plan import "$FIXTURE" --start 2025-01-06
ok "laptop marks an item done" c laptop plan done "Sharpen the chisels"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
done_on() {
	cj "$1" plan show | json_eval "[it['done'] for it in d['items'] if it['title'] == 'Sharpen the chisels'][0]"
}
assert_eq true "$(done_on desktop)" "the desktop sees the item done"
out=$(c laptop undo)
assert_match "^undid: done Sharpen the chisels \\([0-9a-f]{8}\\)$" "$out" "undo of plan done names the done mark"
assert_eq false "$(done_on laptop)" "the item is open again on the laptop"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_eq false "$(done_on desktop)" "and on the desktop"
out=$(c laptop undo)
assert_match "^undid: plan import Woodworking in 8 weeks \\([0-9a-f]{8}\\)$" "$out" "a second undo takes back the import"
assert_match "more changes of the same command" "$out" "and counts the plan's items"
assert_json_len laptop "plan ls" 0
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_json_len desktop "plan ls" 0

# --- what sync brought is not undoable -----------------------------------------
mkhome tablet
ok "alice logs in on a tablet" login tablet alice --device tablet
ok "the tablet syncs everything" c tablet sync
expect_cairn_fail 5 '^cairn: nothing to undo on this machine$' tablet undo
# The laptop's next change back is the log of the entry whose activity
# the desktop changed since (the undo of its rm was no change to undo).
expect_cairn_fail 5 "^cairn: entry ${e:0:8} was changed on another machine since; nothing undone \\(that change leaves the undo list: run 'cairn undo' again for the one before it\\)$" laptop undo

# --- refused: changed since on another machine --------------------------------
e=$(cj laptop log 20m project "mine" --force | json_get .id)
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "laptop edits the text" c laptop edit "$e" --text "laptop's text"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "desktop edits the same text after" c desktop edit "$e" --text "desktop's text"
ok "desktop syncs" c desktop sync
ok "laptop syncs" c laptop sync
expect_cairn_fail 5 "^cairn: entry ${e:0:8} was changed on desktop since; nothing undone \\(that change leaves the undo list: run 'cairn undo' again for the one before it\\)$" laptop undo
assert_eq "desktop's text" "$(cj laptop show "$e" | json_get .text)" "nothing was written"
# The change before it (the log of that entry) was changed there too.
expect_cairn_fail 5 "^cairn: entry ${e:0:8} was changed on desktop since; nothing undone \\(that change leaves the undo list: run 'cairn undo' again for the one before it\\)$" laptop undo
out=$(c desktop undo)
assert_eq "undid: edit 20m project (${e:0:8})" "$out" "the desktop can undo its own edit"
assert_eq "laptop's text" "$(cj desktop show "$e" | json_get .text)" "which brings back the text it replaced"
