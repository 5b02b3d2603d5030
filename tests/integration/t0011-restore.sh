#!/bin/bash
# t0011: the server restored from a backup (SYNC-CASES 8). The clients hold
# cursors the restored database never issued and records it has lost; their
# next sync gets a reset, pushes back what the server lacks, and every
# machine ends with every record exactly once.
. "$(dirname "$0")/lib.sh"

# --- the simplest loss: a record only one machine had ---------------------
# A pushes r after the backup; the server is restored; B pushes something
# new, which moves the server's change log past A's cursor. A must still
# notice that the server lost r, and push it again.
DB="$T/first.db" start_server
mkhome P
mkhome Q
ok "alice registers on P" register P alice
ok "alice logs in on Q" login Q alice
ok "P logs" c P log --force 10m drill "before the backup"
ok "P syncs" c P sync
ok "Q syncs" c Q sync
stop_server
mkdir "$T/first-backup"
cp "$T"/first.db* "$T/first-backup/"
DB="$T/first.db" restart_server
r=$(cj P log --force 20m drill "only on P, after the backup" | json_get .id)
ok "P pushes r" c P sync
stop_server
rm -f "$T"/first.db*
cp "$T"/first-backup/first.db* "$T/"
DB="$T/first.db" restart_server
ok "Q logs after the restore" c Q log --force 30m drill "Q after the restore"
ok "Q syncs with the restored server" c Q sync
ok "P syncs with the restored server" c P sync
ok "P syncs again" c P sync
mkhome S
ok "alice logs in on a fresh home S" login S alice
ok "S syncs" c S sync
assert_json "the record only P had is back on the server (S has it)" \
    "'$r' in [e['id'] for e in d]" <<<"$(cj S ls)"
stop_server

# --- the same, with SQLite's own online backup and an in-place restore ------
# `sqlite3 DB ".backup FILE"` on the running server, `sqlite3 DB ".restore
# FILE"` later: the restored content lands in the same file (same inode).
command -v sqlite3 >/dev/null 2>&1 || fail "sqlite3 is installed (make deps)"
DB="$T/second.db" start_server
mkhome P2
mkhome Q2
ok "alice registers on P2" register P2 alice
ok "alice logs in on Q2" login Q2 alice
ok "P2 logs" c P2 log --force 10m drill "before the online backup"
ok "P2 syncs" c P2 sync
ok "Q2 syncs" c Q2 sync
ok "an online backup of the running server" sqlite3 "$T/second.db" ".backup '$T/second.bak'"
r2=$(cj P2 log --force 20m drill "only on P2, after the online backup" | json_get .id)
ok "P2 pushes r2" c P2 sync
stop_server
ok "restore in place with sqlite3 .restore" sqlite3 "$T/second.db" ".restore '$T/second.bak'"
DB="$T/second.db" restart_server
ok "Q2 logs after the restore" c Q2 log --force 30m drill "Q2 after the restore"
ok "Q2 syncs with the restored server" c Q2 sync
ok "P2 syncs with the restored server" c P2 sync
ok "P2 syncs again" c P2 sync
mkhome S2
ok "alice logs in on a fresh home S2" login S2 alice
ok "S2 syncs" c S2 sync
assert_json "after an in-place restore, the record only P2 had is back (S2 has it)" \
    "'$r2' in [e['id'] for e in d]" <<<"$(cj S2 ls)"
stop_server

# --- three machines, edits on both sides of the backup ----------------------------
start_server
mkhome A
mkhome B
ok "alice registers on A" register A alice
ok "alice logs in on B" login B alice
for i in 1 2 3; do
	c A log --force "${i}5m" drill "before the backup $i" >/dev/null
done
ok "A syncs" c A sync
ok "B syncs" c B sync
assert_json_len B ls 3

# The operator's backup: the database files of a stopped server.
stop_server
mkdir "$T/backup"
cp "$T"/srv.db* "$T/backup/"
restart_server

x1=$(cj A log --force 1h project "after the backup, from A" | json_get .id)
x2=$(cj A log --force 20m review "after the backup, also A" | json_get .id)
ok "A syncs" c A sync
ok "B syncs" c B sync
y1=$(cj B log --force 40m reading "after the backup, from B" | json_get .id)
ok "B edits an old entry" c B edit "$(cj B ls | json_eval '[e["id"] for e in d if e["text"] == "before the backup 1"][0]')" \
    --text "before the backup 1, edited after it"
ok "B syncs" c B sync
ok "A syncs" c A sync
assert_json_len A ls 6
assert_same_snapshot A B "A and B agree before the disaster"

# The disaster: the server comes back from the backup.
stop_server
rm -f "$T"/srv.db*
cp "$T"/backup/srv.db* "$T/"
restart_server
mkhome C
ok "alice logs in on a fresh home C" login C alice
assert_json "the restored server has only the 3 records of the backup" \
    'd["pulled"] == 3' <<<"$(cj C sync)"

# B meets the restored server first and then edits x1; A, which holds the
# older x1, meets it later. B's edit is the latest version of x1 and must
# survive A's re-push.
ok "B syncs with the restored server" c B sync
ok "B syncs again" c B sync
ok "B edits x1 after the restore" c B edit "$x1" --text "x1 edited on B after the restore"
ok "B pushes the edit" c B sync
ok "A syncs with the restored server" c A sync
ok "A syncs again" c A sync
for round in 1 2; do
	for h in B C A; do
		ok "$h syncs (round $round)" c "$h" sync
	done
done
for h in A B C; do
	assert_json "$h has nothing pending" 'd["pending"] == 0' <<<"$(cj "$h" status)"
	assert_eq "6 6" "$(count_unique "$h")" "$h holds 6 entries, ids unique"
done
assert_same_snapshot A B "A and B identical after the restore"
assert_same_snapshot A C "A and C identical after the restore"
assert_eq "x1 edited on B after the restore" "$(cj A show "$x1" | json_get .text)" \
    "B's edit made after the restore survives A's re-push"
assert_eq "after the backup, from B" "$(cj C show "$y1" | json_get .text)" \
    "B's lost entry is back on the server"
assert_eq "after the backup, also A" "$(cj C show "$x2" | json_get .text)" \
    "A's lost entry is back on the server"
assert_json "B's lost edit is back too" \
    'any(e["text"] == "before the backup 1, edited after it" for e in d)' <<<"$(cj C ls)"
mkhome D
ok "alice logs in on a fresh home D" login D alice
assert_json "a fresh home pulls exactly the 6" 'd["pulled"] == 6' <<<"$(cj D sync)"
assert_same_snapshot A D "D is identical to A"
