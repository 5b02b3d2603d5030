#!/bin/bash
# t0001: the everyday commands of one learner on one machine: init,
# register, whoami, log, ls, show, edit, rm, status, the timer, sync, online
# and offline; the --json shapes of the CLI contract; help; usage errors;
# unknown and ambiguous ID prefixes.
. "$(dirname "$0")/lib.sh"

start_server

# --- init -----------------------------------------------------------------
out=$(cj A init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem")
assert_eq "127.0.0.1:$PORT" "$(json_get .server <<<"$out")" "init --json server"
assert_eq "$(realpath "$T/A")" "$(realpath "$(json_get .home <<<"$out")")" \
    "init --json home"
assert_eq 700 "$(stat -c %a "$T/A")" "home directory is 0700"
assert_eq 600 "$(stat -c %a "$T/A/ca.pem")" "pinned ca.pem is 0600"
assert_eq 600 "$(stat -c %a "$T/A/config")" "config is 0600"
cmp -s "$T/certs/ca.pem" "$T/A/ca.pem" || fail "init copies the CA into the home"
pass "init copies the CA into the home"
grep -Eq "^server *= *127\.0\.0\.1:$PORT\$" "$T/A/config" ||
    fail "config says server = HOST:PORT" "$(cat "$T/A/config")"
pass "config says server = 127.0.0.1:$PORT"

# --- help and usage -----------------------------------------------------
ok "cairn help exits 0" c A help
grep -q 'log' "$T/ok.out" || fail "cairn help lists the log command"
pass "cairn help lists commands"
ok "cairn help log exits 0" c A help log
grep -q 'DURATION' "$T/ok.out" || fail "cairn help log shows its usage" \
    "$(cat "$T/ok.out")"
ok "cairn log --help exits 0" c A log --help
grep -q 'DURATION' "$T/ok.out" || fail "cairn log --help shows its usage"
ok "cairn sync --help exits 0" c A sync --help
expect_cairn_fail 2 'frobnicate' A frobnicate
expect_cairn_fail 2 '.' A log
expect_cairn_fail 2 '.' A ls --no-such-option
expect_cairn_fail 2 'init|server' A init --ca "$T/certs/ca.pem"

# init parses HOST:PORT forms without connecting.
out=$(cj V6 init --server "[::1]:7443" --ca "$T/certs/ca.pem")
assert_eq "[::1]:7443" "$(json_get .server <<<"$out")" "init accepts [IPv6]:PORT"
out=$(cj NM init --server "localhost:7443" --ca "$T/certs/ca.pem")
assert_eq "localhost:7443" "$(json_get .server <<<"$out")" "init accepts NAME:PORT"
expect_cairn_fail 2 'HOST:PORT|server' BAD init --server localhost --ca "$T/certs/ca.pem"
expect_cairn_fail '2|5' 'port|HOST:PORT|server' BAD init --server localhost:99999 --ca "$T/certs/ca.pem"
expect_cairn_fail '2|5' 'PEM|certificate|CA|ca' BAD init --server localhost:7443 --ca "$T/A/config"
expect_cairn_fail '1|2|5' 'nope|such|read' BAD init --server localhost:7443 --ca "$T/nope.pem"

expect_cairn_fail 4 'login|register' A whoami
expect_cairn_fail 4 'login|register' A sync

# --- register, whoami -------------------------------------------------------
out=$(register A alice --json --device desk)
assert_eq alice "$(json_get .handle <<<"$out")" "register --json handle"
device=$(json_get .device <<<"$out")
[ -n "$device" ] || fail "register --json names the device"
out=$(cj A whoami)
assert_eq alice "$(json_get .handle <<<"$out")" "whoami --json handle"
assert_eq "127.0.0.1:$PORT" "$(json_get .server <<<"$out")" "whoami --json server"
[ -n "$(json_get .device <<<"$out")" ] || fail "whoami --json device"
pass "whoami --json device is set"
ok "human whoami" c A whoami
grep -q alice "$T/ok.out" || fail "human whoami names the handle"
pass "human whoami names the handle"
assert_eq 600 "$(stat -c %a "$T/A/cairn.db" 2>&1)" "cairn.db is 0600"
mkhome B
expect_fail 5 'exist|taken' register B alice
PW=short expect_fail '2|5' 'password|8' register B bobby
expect_fail 2 'password-stdin' nottybin B register bobby
expect_fail 2 'password-stdin' nottybin B login alice

# --- log ---------------------------------------------------------------------
out=$(c A log --force 1h30m project "built a bed frame")
assert_match '^logged 1h30m project on [A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2}, [0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}( next day)? \([0-9a-f]{8}\)$' \
    "$out" "human log output"
e1=$(cj A log --force 45m reading "chapter 3" --skill sql --skill joins \
    --metric pages=12 --metric score=0.5 --date 2026-01-05 --at 09:30 --private)
assert_json "log --json: every field of the entry contract" '
set(d) >= {"id","user","started_at","minutes","activity","text","skills",
           "metrics","item","private","limit_minutes","beaten","updated_at",
           "synced"}' <<<"$e1"
assert_json "log --json values" '
d["user"] == "alice" and d["minutes"] == 45 and d["activity"] == "reading"
and d["text"] == "chapter 3" and d["skills"] == ["sql", "joins"]
and d["metrics"] == {"pages": 12, "score": 0.5} and d["private"] is True
and d["item"] is None and d["limit_minutes"] is None and d["beaten"] is None
and d["synced"] is False' <<<"$e1"
assert_json "log --json id is a UUID" '
__import__("re").fullmatch(
 "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", d["id"])' <<<"$e1"
assert_json "started_at is RFC 3339 local time of --date/--at" '
d["started_at"].startswith("2026-01-05T09:30:00") and
__import__("re").fullmatch(r".*(Z|[+-]\d\d:\d\d)", d["started_at"])' <<<"$e1"
assert_json "updated_at is RFC 3339 UTC" '
__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                           d["updated_at"])' <<<"$e1"
id1=$(json_get .id <<<"$e1")
e2=$(cj A log --force 2h community "study group" --item phase-1)
id2=$(json_get .id <<<"$e2")
assert_eq phase-1 "$(json_get .item <<<"$e2")" "log --item is kept"
out=$(c A log --force 20m bouldering --json)
assert_eq bouldering "$(json_get .activity <<<"$out")" "custom activity word"
id3=$(json_get .id <<<"$out")
expect_cairn_fail '2|5' 'activity|[Ii]nvalid' A log 20m "Not A Word"
expect_cairn_fail '2|5' 'duration|[Ii]nvalid' A log 0m drill
expect_cairn_fail '2|5' 'duration|[Ii]nvalid' A log 1x drill
expect_cairn_fail '2|5' 'duration|[Ii]nvalid|24h' A log 25h drill
long=$(python3 -c 'print("é" * 2048, end="")')
out=$(cj A log --force 5m reading "$long")
assert_eq 4096 "$(json_get .text <<<"$out" | python3 -c 'import sys; print(len(sys.stdin.read().rstrip("\n").encode()))')" \
    "a text of exactly 4096 bytes (2048 × é) is kept whole"
ok "rm it" c A rm "$(json_get .id <<<"$out")"
expect_cairn_fail '2|5' 'text|4096|long' A log 5m reading "${long}x"
expect_cairn_fail '2|5' 'metric|[Ii]nvalid' A log 5m reading x --metric pages=lots
expect_cairn_fail '2|5' 'date|[Ii]nvalid' A log 5m reading x --date 2026-02-30
assert_json_len A ls 4

# --- ls, show ----------------------------------------------------------------------
ls=$(cj A ls)
assert_json "ls is newest first" '
[e["started_at"] for e in d] == sorted((e["started_at"] for e in d),
                                       reverse=True)' <<<"$ls"
assert_json "ls --json entries all belong to alice and are unsynced" '
all(e["user"] == "alice" and e["synced"] is False for e in d)' <<<"$ls"
assert_eq 1 "$(c A ls --json --limit 1 | json_get length)" "ls --limit 1 (--json after the command)"
assert_eq "$id1" "$(cj A ls --since 2026-01-05 --until 2026-01-05 | json_get '[0].id')" \
    "ls --since/--until select a day"
out=$(cj A show "${id1:0:8}")
assert_eq "$id1" "$(json_get .id <<<"$out")" "show by an 8-character prefix"
assert_eq "$id1" "$(cj A show "${id1:0:6}" | json_get .id)" "show by a 6-character prefix"
assert_eq "$id1" "$(cj A show "$id1" | json_get .id)" "show by the full id"
ok "human show" c A show "${id1:0:8}"
grep -q 'chapter 3' "$T/ok.out" || fail "human show prints the text"
pass "human show prints the text"
expect_cairn_fail 5 'not found|[Nn]o (such )?entry' A show ffffffff
expect_cairn_fail 5 'not found|[Nn]o (such )?entry' A show 00000000-0000-4000-8000-000000000000
expect_cairn_fail 5 'not found|[Nn]o (such )?entry' A rm fffffff0
expect_cairn_fail 5 'not found|[Nn]o (such )?entry' A edit fffffff0 --text x

# --- edit, rm -------------------------------------------------------------------------
before=$(json_get .updated_at <<<"$e2")
out=$(cj A edit "${id2:0:8}" --force --duration 1h15m --text "study group, long" --public)
assert_json "edit --json changes what it was told to" '
d["minutes"] == 75 and d["text"] == "study group, long" and
d["activity"] == "community" and d["item"] == "phase-1"' <<<"$out"
assert_json "edit moves updated_at forward" "d['updated_at'] >= '$before'" <<<"$out"
out=$(cj A edit "${id1:0:8}" --public --activity review)
assert_json "edit --public and --activity" '
d["private"] is False and d["activity"] == "review" and d["minutes"] == 45' <<<"$out"
out=$(cj A rm "${id3:0:8}")
assert_json "rm --json" "d == {'id': '$id3', 'deleted': True}" <<<"$out"
expect_cairn_fail 5 'not found|[Nn]o (such )?entry|deleted' A show "$id3"
assert_json_len A ls 3

# --- status, timer ------------------------------------------------------------------------
out=$(cj A status)
assert_json "status --json before the first sync" '
d["running"] is False and d["pending"] >= 3 and d["last_sync"] is None' <<<"$out"
out=$(cj A start drill "scales" --limit 30m)
assert_json "start --json" '
d["activity"] == "drill" and d["text"] == "scales" and d["limit_minutes"] == 30
and d["started_at"]' <<<"$out"
expect_cairn_fail '2|5' 'running|already' A start reading
out=$(cj A status)
assert_json "status shows the running timer" '
d["running"] is True and d["activity"] == "drill" and d["limit_minutes"] == 30
and d["elapsed_minutes"] == 0' <<<"$out"
out=$(cj A stop --note "clean")
assert_json "stop --json is the entry, with its challenge" '
d["activity"] == "drill" and d["limit_minutes"] == 30 and d["beaten"] is True
and "id" in d' <<<"$out"
expect_cairn_fail '2|5' 'running|timer' A stop
assert_json_len A ls 4

# --- sync ------------------------------------------------------------------------------------
out=$(cj A sync)
assert_json "first sync --json pushes the local changes" '
set(d) >= {"pushed","pulled","cursor"} and d["pushed"] >= 4 and
d["pulled"] == 0 and isinstance(d["cursor"], int)' <<<"$out"
assert_json "after sync every entry is synced" 'all(e["synced"] for e in d)' \
    <<<"$(cj A ls)"
assert_json "status after sync: nothing pending, last_sync set" '
d["pending"] == 0 and d["last_sync"]' <<<"$(cj A status)"
out=$(cj A sync)
assert_json "second sync moves nothing" 'd["pushed"] == 0 and d["pulled"] == 0' <<<"$out"
e5=$(cj A log --force 10m retrieval "flashcards")
id5=$(json_get .id <<<"$e5")
assert_json "a new entry is pending" 'd["pending"] == 1' <<<"$(cj A status)"
out=$(cj A sync)
assert_json "sync pushes exactly the one change" 'd["pushed"] == 1 and d["pulled"] == 0' <<<"$out"
out=$(c A sync)
assert_match '^pushed 0, pulled 0$' "$out" "human sync output"

# --- offline: the server is gone ---------------------------------------------------------------
stop_server
ok "log works offline" c A log --force 30m planning "next week"
ok "edit works offline" c A edit "${id5:0:8}" --text "flashcards, offline"
ok "rm works offline" c A rm "${id2:0:8}"
ok "ls works offline" c A ls
expect_cairn_fail 3 '.' A sync
assert_json "offline changes are pending" 'd["pending"] == 3' <<<"$(cj A status)"

# --- ambiguous prefixes (records with chosen ids arrive by sync) ------------------------------
restart_server
a1=abcdef01-0000-4000-8000-000000000001
a2=abcdef01-0000-4000-8000-000000000002
out=$(python3 "$PEER" push "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
    "$a1:-:twin one" "$a2:-:twin two")
assert_json "a hand-made peer pushes two records" 'd["code"] == 0 and d["applied"] == 2' <<<"$out"
out=$(cj A sync)
assert_json "sync pushes the offline work and pulls the peer's records" '
d["pushed"] == 3 and d["pulled"] == 2' <<<"$out"
expect_cairn_fail 5 'ambiguous|several|more than one' A show abcdef
expect_cairn_fail 5 'ambiguous|several|more than one' A rm abcdef01
assert_eq "twin two" "$(cj A show abcdef01-0000-4000-8000-000000000002 | json_get .text)" \
    "a longer prefix picks one"
assert_json_len A ls 7
