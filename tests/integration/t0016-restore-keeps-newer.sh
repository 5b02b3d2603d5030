#!/bin/bash
# t0016: after the server is restored from a backup, a machine pushing back
# what it holds must not undo newer work of another machine (SYNC-CASES 8).
# A holds B's edit v2 of a record; the server goes back to a backup; B edits
# v3 after the restore and syncs; then A re-pushes what it holds. A's copy
# of v2 goes back as B wrote it (same clock, same device), so it loses to
# v3 on the server, and both machines end with v3.
. "$(dirname "$0")/lib.sh"

start_server
mkhome A
mkhome B
ok "alice registers on A" register A alice
ok "alice logs in on B" login B alice
r=$(cj A log 10m drill "v1 from A" | json_get .id)
ok "A syncs" c A sync
ok "B syncs" c B sync
ok "B edits the record" c B edit "$r" --text "v2 from B"
ok "B syncs" c B sync
ok "A syncs and holds v2" c A sync
assert_eq "v2 from B" "$(cj A show "$r" | json_get .text)" "A holds B's v2"

stop_server
mkdir "$T/backup"
cp "$T"/srv.db* "$T/backup/"
rm -f "$T"/srv.db*
cp "$T"/backup/srv.db* "$T/"
restart_server
grep -q 'db.restored' "$SERVER_LOG" ||
    fail "cairnd notices the restored database" "$(tail -n 5 "$SERVER_LOG")"
pass "cairnd notices the restored database"

ok "B syncs after the restore" c B sync
ok "B edits v3" c B edit "$r" --text "v3 from B after the restore"
ok "B syncs v3" c B sync
ok "A syncs (reset: pushes back what it holds)" c A sync
ok "A syncs again" c A sync
ok "B syncs" c B sync
assert_eq "v3 from B after the restore" "$(cj A show "$r" | json_get .text)" \
    "A ends with B's newest edit"
assert_eq "v3 from B after the restore" "$(cj B show "$r" | json_get .text)" \
    "B keeps its newest edit"
assert_same_snapshot A B "both machines hold the same records"
