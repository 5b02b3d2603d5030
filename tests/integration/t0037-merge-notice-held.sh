#!/bin/bash
# t0037: "replaced yours" survives a sync that fails after its pull. The
# laptop is over its record quota, so its push is held (EQUOTA, exit 6),
# but the pull before it already merged the desktop's edit over the
# laptop's: the line saying so must come out of that very sync, since no
# later sync would say it (the merge is stored).
. "$(dirname "$0")/lib.sh"

start_server --quota-records 2
mkhome laptop
mkhome desktop
ok "alice registers on the laptop" register laptop alice --device laptop
ok "alice logs in on the desktop" login desktop alice --device desktop

e=$(cj laptop log 1h reading "first" --ago 5h | json_get .id)
ok "laptop syncs" c laptop sync
ok "desktop syncs" c desktop sync
ok "laptop logs two more (one past the quota)" c laptop log 20m drill --ago 3h
ok "and another" c laptop log 20m drill --ago 2h
ok "laptop changes the text (offline)" c laptop edit "$e" --text "laptop's"
ok "desktop changes the text later" c desktop edit "$e" --text "desktop's"
ok "desktop syncs" c desktop sync

set +e
"$CAIRN" --home "$T/laptop" sync >"$T/out" 2>"$T/err"
code=$?
set -e
assert_eq 6 "$code" "the laptop's sync is held by the quota (exit 6)"
assert_match "^${e:0:8}: text from desktop replaced yours\$" "$(cat "$T/err")" \
    "the held sync still says the laptop's text was replaced"
assert_match "quota" "$(cat "$T/err")" "and why the push was held"
assert_json "the laptop holds the desktop's text" "d['text'] == \"desktop's\"" \
    <<<"$(cj laptop show "$e")"
