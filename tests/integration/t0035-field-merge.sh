#!/bin/bash
# t0035: per-field merge (SYNC-CASES 14). One learner, two machines. An
# entry edited offline on both, in different fields (the laptop the text,
# the desktop the duration), keeps both edits on both machines after
# laptop, desktop, laptop sync. Both editing the same field: the later
# edit wins everywhere and the machine whose edit lost says so, one line
# ("396cad48: text from desktop replaced yours"); the winner says nothing.
# A sequential edit (made after seeing the other) is not a conflict and
# says nothing. A whole-record version of an older client (peer.py, no
# field clocks) still wins as a whole record, and the edit it replaced
# unseen is said.
. "$(dirname "$0")/lib.sh"

start_server
mkhome laptop
mkhome desktop
ok "alice registers on the laptop" register laptop alice --device laptop
ok "alice logs in on the desktop" login desktop alice --device desktop

e=$(cj laptop log 1h30m reading "first notes" --skill chess | json_get .id)
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync

# --- different fields: both edits survive --------------------------------------
ok "laptop changes the text (offline)" c laptop edit "$e" --text "laptop notes"
ok "desktop changes the duration (offline)" c desktop edit "$e" --duration 45m
ok "desktop marks it private (offline)" c desktop edit "$e" --private
out=$(cj laptop sync)
assert_json "laptop pushes its edit" 'd["pushed"] == 1 and d["merged"] == 0 and d["replaced"] == []' <<<"$out"
out=$(cj desktop sync)
assert_json "desktop pulls it, merges and pushes the merge, nothing lost" \
    'd["pulled"] == 1 and d["merged"] == 1 and d["pushed"] == 1 and d["replaced"] == []' <<<"$out"
out=$(cj laptop sync)
assert_json "laptop takes the merge as it is" 'd["pulled"] == 1 and d["merged"] == 0 and d["pushed"] == 0 and d["replaced"] == []' <<<"$out"
for h in laptop desktop; do
	assert_json "$h has both edits" \
	    "d['text'] == 'laptop notes' and d['minutes'] == 45 and d['activity'] == 'reading' and d['private'] is True and d['skills'] == ['chess']" \
	    <<<"$(cj "$h" show "$e")"
done
assert_same_snapshot laptop desktop "laptop and desktop hold the same entries"
out=$(cj desktop sync)
assert_json "one more sync moves nothing" 'd["pushed"] == 0 and d["pulled"] == 0' <<<"$out"

# The other order: the desktop syncs its edit first.
ok "laptop changes the activity (offline)" c laptop edit "$e" --activity drill
ok "desktop changes the skills (offline)" c desktop edit "$e" --skill go --skill shogi
ok "desktop syncs first" c desktop sync
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
for h in laptop desktop; do
	assert_json "$h has both edits (desktop first)" \
	    "d['activity'] == 'drill' and d['skills'] == ['go', 'shogi'] and d['text'] == 'laptop notes' and d['minutes'] == 45" \
	    <<<"$(cj "$h" show "$e")"
done

# --- the same field: the later edit wins, the loser is told -------------------
ok "laptop changes the text again (offline)" c laptop edit "$e" --text "laptop's version"
ok "desktop changes the text later (offline)" c desktop edit "$e" --text "desktop's version" --duration 50m
out=$(c laptop sync)
assert_eq "pushed 1, pulled 0" "$out" "laptop pushes and says nothing more"
out=$(c desktop sync)
assert_eq "pushed 1, pulled 1" "$out" "desktop's edit won: it says nothing more"
out=$(c laptop sync)
assert_eq "pushed 0, pulled 1
${e:0:8}: text from desktop replaced yours" "$out" "laptop says its text was replaced, one line"
for h in laptop desktop; do
	assert_json "$h holds the later text" "d['text'] == \"desktop's version\" and d['minutes'] == 50" \
	    <<<"$(cj "$h" show "$e")"
done

# A sequential edit (the desktop saw the laptop's text first) says nothing.
ok "laptop changes the text" c laptop edit "$e" --text "laptop, again"
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "desktop changes the text it has seen" c desktop edit "$e" --text "desktop, after reading"
ok "desktop syncs" c desktop sync
out=$(c laptop sync)
assert_eq "pushed 0, pulled 1" "$out" "an edit made after seeing the laptop's is no conflict"
assert_eq "desktop, after reading" "$(cj laptop show "$e" | json_get .text)" "laptop has the desktop's text"

# --json names the field and the device.
ok "laptop changes the metrics (offline)" c laptop edit "$e" --metric pages=3
ok "desktop changes the metrics later (offline)" c desktop edit "$e" --metric pages=9
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
out=$(cj laptop sync)
assert_json "--json lists what was replaced" \
    "d['replaced'] == [{'id': '$e', 'field': 'metrics', 'device': d['replaced'][0]['device'], 'device_name': 'desktop'}]" <<<"$out"

# --- an older client's whole-record version -----------------------------------
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "laptop changes the skills (offline)" c laptop edit "$e" --skill tactics
out=$(run_bounded 30 python3 "$PEER" push "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" "$e:-:from an old client")
assert_json "an old client (no field clocks) pushes the entry whole" 'd["code"] == 0 and d["applied"] == 1' <<<"$out"
out=$(c laptop sync)
assert_match "^${e:0:8}: skills from peer.py replaced yours$" "$out" \
    "laptop says the old client's version replaced its skills"
ok "desktop syncs" c desktop sync
for h in laptop desktop; do
	assert_json "$h holds the old client's version whole" \
	    "d['text'] == 'from an old client' and d['minutes'] == 30 and d['activity'] == 'drill' and d['skills'] == []" \
	    <<<"$(cj "$h" show "$e")"
done
ok "laptop edits the old client's version" c laptop edit "$e" --duration 20m
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
assert_json "the edit of an old client's version merges like any other" \
    "d['text'] == 'from an old client' and d['minutes'] == 20" <<<"$(cj desktop show "$e")"
