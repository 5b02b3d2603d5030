#!/bin/bash
# t0043: the active plan is one per learner and syncs. `plan use` on the
# laptop holds on the desktop after sync, and the other way round; a plan
# imported later on either machine is the active one everywhere; commands
# without PLAN (show, done, log --item) follow it on both.
. "$(dirname "$0")/lib.sh"

export CAIRN_NOW=2025-01-08
START=2025-01-06

start_server
mkhome laptop
mkhome desktop
ok "dave registers on the laptop" register laptop dave
ok "dave logs in on the desktop" login desktop dave

printf '# Rust\n\n## Week 1\n- [ ] Read the book, chapter 1\n' >"$T/rust.md"
printf '# Go\n\n## Week 1\n- [ ] Take the Go tour\n' >"$T/go.md"
printf '# Japanese\n\n## Week 1\n- [ ] Learn hiragana\n' >"$T/ja.md"

# active HOME: the title of the plan marked active by plan ls.
active() {
	cj "$1" plan ls | json_eval "[p['title'] for p in d if p['active']]"
}

ok "the laptop imports Rust" c laptop plan import "$T/rust.md" --start "$START"
ok "then Go" c laptop plan import "$T/go.md" --start "$START"
ok "and makes Rust the active plan" c laptop plan use Rust
assert_eq '["Rust"]' "$(active laptop)" "Rust is active on the laptop"
ok "the laptop syncs" c laptop sync
ok "the desktop syncs" c desktop sync
assert_eq '["Rust"]' "$(active desktop)" "plan use on the laptop holds on the desktop"
assert_eq Rust "$(cj desktop plan show | json_get .title)" "plan show there shows Rust"
item=$(cj desktop plan show | json_eval "[i['id'] for i in d['items'] if i['title'] == 'Read the book, chapter 1'][0]")
assert_eq "$item" "$(cj desktop log 20m reading --item "Read the book" | json_get .item)" \
    "log --item on the desktop finds the item in Rust"

ok "the desktop picks Go" c desktop plan use Go
ok "the desktop syncs" c desktop sync
ok "the laptop syncs" c laptop sync
assert_eq '["Go"]' "$(active laptop)" "plan use on the desktop holds on the laptop"
assert_eq '["Go"]' "$(active desktop)" "and on the desktop"
assert_json "plan done on the laptop ticks in Go" "d['items'][0]['title'] == 'Take the Go tour'" \
    <<<"$(cj laptop plan done "Take the Go tour")"

# Offline on both: the laptop picks Rust, then the desktop imports
# Japanese; the later choice wins on both, whichever syncs first.
ok "offline, the laptop picks Rust" c laptop plan use Rust
ok "then the desktop imports Japanese" c desktop plan import "$T/ja.md" --start "$START"
ok "the desktop syncs" c desktop sync
ok "the laptop syncs" c laptop sync
ok "the desktop syncs again" c desktop sync
assert_eq '["Japanese"]' "$(active laptop)" "the later choice is active on the laptop"
assert_eq '["Japanese"]' "$(active desktop)" "and on the desktop"
assert_eq "$(cj laptop plan ls)" "$(cj desktop plan ls)" "both list the same plans, the same one active"

# A rename does not change which plan is active.
ok "the laptop renames Rust" c laptop plan rename Rust "Rust in a month"
ok "the laptop syncs" c laptop sync
ok "the desktop syncs" c desktop sync
assert_eq '["Japanese"]' "$(active desktop)" "a renamed plan does not become active"
assert_json "the desktop sees the new title" "'Rust in a month' in [p['title'] for p in d]" \
    <<<"$(cj desktop plan ls)"
