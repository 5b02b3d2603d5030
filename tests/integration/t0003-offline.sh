#!/bin/bash
# t0003: local first. With the server down, log, edit and rm succeed (exit
# 0) and sync fails with exit 3 and one line; once the server is back on the
# same database the offline work syncs, and another machine receives it.
. "$(dirname "$0")/lib.sh"

start_server
mkhome A
ok "alice registers" register A alice
k1=$(cj A log --force 40m project "before the outage" | json_get .id)
k2=$(cj A log --force 25m drill "to be edited offline" | json_get .id)
k3=$(cj A log --force 10m reading "to be deleted offline" | json_get .id)
assert_json "the first sync pushes 3" 'd["pushed"] == 3' <<<"$(cj A sync)"

stop_server
n1=$(cj A log --force 1h review "written offline" --skill recall | json_get .id)
pass "log works with the server down"
out=$(cj A edit "${k2:0:8}" --force --text "edited offline" --duration 30m)
assert_json "edit works with the server down" 'd["text"] == "edited offline" and d["synced"] is False' <<<"$out"
out=$(cj A rm "${k3:0:8}")
assert_json "rm works with the server down" 'd["deleted"] is True' <<<"$out"
ok "show works with the server down" c A show "$n1"
expect_cairn_fail 3 '.' A sync
expect_cairn_fail 3 '.' A --json sync
assert_json "a failed sync --json prints only its error on stdout" \
    'list(d) == ["error"] and d["error"]["code"] == "ENET" and d["error"]["exit"] == 3' <"$T/xf.out"
assert_json "the 3 offline changes are pending" 'd["pending"] == 3' <<<"$(cj A status)"
assert_json_len A ls 3
# A second machine set up while the server is down cannot log in.
mkhome B
expect_fail 3 '.' login B alice

restart_server
out=$(cj A sync)
assert_json "the offline changes sync once the server is back" 'd["pushed"] == 3 and d["pulled"] == 0' <<<"$out"
assert_json "nothing pending after the sync" 'd["pending"] == 0' <<<"$(cj A status)"
ok "alice logs in on B" login B alice
out=$(cj B sync)
assert_json "B pulls the 3 live entries and the tombstone" 'd["pulled"] >= 3' <<<"$out"
assert_same_snapshot A B "B holds exactly what A holds"
assert_eq "edited offline" "$(cj B show "$k2" | json_get .text)" "the offline edit reached B"
expect_cairn_fail 5 '.' B show "$k3"
assert_eq "written offline" "$(cj B show "$n1" | json_get .text)" "the offline entry reached B"
assert_eq "before the outage" "$(cj B show "$k1" | json_get .text)" "the old entry reached B"
