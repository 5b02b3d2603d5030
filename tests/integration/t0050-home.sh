#!/bin/bash
# t0050: the home. Commands other than init and help refuse a home that
# does not exist or that init never made (exit 2, naming 'cairn init'),
# and create nothing there; a failed init leaves nothing behind; init
# without --server makes a home that works offline and is pointed at a
# server later, its records syncing from then on; --home and --json work
# after the command too, but not after "--" nor as another option's
# value; with --json every failure is also a JSON document on stdout.
. "$(dirname "$0")/lib.sh"

start_server
hint="run 'cairn init --server HOST:PORT --ca FILE' first, or 'cairn init' for a home without a server"

# --- refusals ---------------------------------------------------------------
expect_cairn_fail 2 "^cairn: $T/NONE is not a cairn home \(no such directory\); $hint\$" NONE ls
[ ! -e "$T/NONE" ] || fail "ls on a missing home creates nothing" "$(ls -la "$T/NONE")"
pass "ls on a missing home creates nothing"
expect_cairn_fail 2 "is not a cairn home \(no such directory\)" NONE log 30m drill
expect_cairn_fail 2 "is not a cairn home \(no such directory\)" NONE register ann --password-stdin
expect_cairn_fail 2 "is not a cairn home \(no such directory\)" NONE sync
[ ! -e "$T/NONE" ] || fail "log, register and sync create nothing"
pass "log, register and sync on a missing home create nothing"

mkdir -m 0755 "$T/EMPTY"
expect_cairn_fail 2 "^cairn: $T/EMPTY is not a cairn home \(never initialised\); $hint\$" EMPTY log 30m drill
expect_cairn_fail 2 "never initialised" EMPTY whoami
assert_eq "" "$(ls -A "$T/EMPTY")" "a directory that is not a home stays empty"
assert_eq 755 "$(stat -c %a "$T/EMPTY")" "and keeps its mode"
# A relative --home is named absolutely.
expect_fail 2 "^cairn: $T/EMPTY is not a cairn home" \
    bash -c 'cd "$1" && "$2" --home EMPTY ls' - "$T" "$(realpath "$CAIRN")"
# help needs no home.
ok "help needs no home" c NONE help
ok "help COMMAND needs no home" c NONE help ls
ok "COMMAND --help needs no home" c NONE ls --help

# --- JSON errors --------------------------------------------------------------
expect_cairn_fail 2 "never initialised" EMPTY --json ls
assert_json "--json: the refusal is a JSON document on stdout too" '
d == {"error": {"code": "ENOCONFIG", "exit": 2,
  "message": "'"$T"'/EMPTY is not a cairn home (never initialised); " +
  "run '"'"'cairn init --server HOST:PORT --ca FILE'"'"' first, or " +
  "'"'"'cairn init'"'"' for a home without a server"}}' <"$T/xf.out"
expect_cairn_fail 2 "unknown command 'frobnicate'" EMPTY frobnicate --json
assert_json "--json after an unknown command: a usage error document" \
    'd["error"]["code"] == "EUSAGE" and d["error"]["exit"] == 2' <"$T/xf.out"

# --- a failed init leaves nothing ---------------------------------------------
nothing_at() { # DESCRIPTION PATH
	if [ -e "$2" ]; then
		fail "$1" "$(find "$2" | head)"
	fi
	pass "$1"
}
expect_cairn_fail 2 "bad server 'nohost'" NEW/a/b init --server nohost --ca "$T/certs/ca.pem"
nothing_at "a bad --server creates nothing" "$T/NEW"
expect_cairn_fail 5 "cannot read CA file $T/nope.pem" NEW/a/b init --server "127.0.0.1:$PORT" --ca "$T/nope.pem"
nothing_at "an unreadable --ca creates nothing" "$T/NEW"
printf 'not a certificate\n' >"$T/bad.pem"
expect_cairn_fail 5 "holds no PEM certificate" NEW/a/b init --server "127.0.0.1:$PORT" --ca "$T/bad.pem"
nothing_at "a --ca that is no certificate creates nothing" "$T/NEW"
expect_cairn_fail 2 "^cairn: --ca FILE is required" NEW/a/b init --server "127.0.0.1:$PORT"
nothing_at "--server without --ca creates nothing" "$T/NEW"
expect_cairn_fail 2 "^cairn: --ca and --system-ca go with --server" NEW/a/b init --ca "$T/certs/ca.pem"
nothing_at "--ca without --server creates nothing" "$T/NEW"
expect_cairn_fail 2 "unexpected argument" NEW/a/b init stray
nothing_at "a stray argument creates nothing" "$T/NEW"
# A failure after the home is begun takes back what init made: here the
# store cannot be made (cairn.db is a directory).
mkdir -p "$T/HALF/cairn.db"
before=$(cd "$T/HALF" && find . | sort)
expect_cairn_fail 1 "cannot open $T/HALF/cairn.db" HALF init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem"
assert_eq "$before" "$(cd "$T/HALF" && find . | sort)" \
    "a failed init leaves no config, CA or store behind"
expect_cairn_fail 2 "never initialised" HALF ls

# --- a home without a server, pointed at one later ------------------------------
out=$(cj L init)
assert_json "init alone makes a home that works offline" \
    "d == {'home': '$T/L', 'server': None, 'trust': None, 'ca': None}" <<<"$out"
assert_eq 700 "$(stat -c %a "$T/L")" "the new home is private"
assert_eq 600 "$(stat -c %a "$T/L/config")" "its config is private"
first=$(cj L log 45m reading "before any server" | json_get .id)
assert_json_len L ls 1
expect_cairn_fail 2 "^cairn: this home has no server; run 'cairn init --server HOST:PORT --ca FILE'\$" L sync
expect_cairn_fail 2 "this home has no server" L register ann --password-stdin
cp "$T/L/config" "$T/config.before"
out=$(c L init)
assert_eq "home $T/L works offline: it has no server yet" "$(head -n 1 <<<"$out")" \
    "init again on the home says what it uses"
cmp -s "$T/config.before" "$T/L/config" || fail "init alone changes nothing"
pass "init alone changes nothing"
out=$(cj L init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem")
assert_json "init --server points the home at a server later" \
    "d['server'] == '127.0.0.1:$PORT' and d['trust'] == 'pinned'" <<<"$out"
ok "ann registers from that home" register L ann --device L
ok "and syncs" c L sync
mkhome M
ok "ann logs in on a second machine" login M ann --device M
ok "which syncs" c M sync
assert_json "the entry logged before the home had a server reached the other machine" \
    "[e['text'] for e in d if e['id'] == '$first'] == ['before any server']" <<<"$(cj M ls)"

# --- --home and --json after the command ------------------------------------------
assert_json "ls --home DIR --json" "len(d) == 1 and d[0]['id'] == '$first'" \
    <<<"$(c NONE ls --home "$T/L" --json)"
assert_json "ls --json --home=DIR" "len(d) == 1" <<<"$("$CAIRN" ls --json --home="$T/L")"
assert_json "--home before and after: the last one counts" "len(d) == 1" \
    <<<"$("$CAIRN" --home "$T/NONE" ls --home "$T/L" --json)"
id=$("$CAIRN" log 20m drill "after the command" --home "$T/L" --json --force | json_get .id)
assert_json "log ... --home DIR --json" \
    "[e['text'] for e in d if e['id'] == '$id'] == ['after the command']" <<<"$(cj L ls)"
# After "--" they are arguments.
id=$(c L --json log 10m drill --force -- --json | json_get .id)
assert_json "after '--', --json is the entry's text" \
    "[e['text'] for e in d if e['id'] == '$id'] == ['--json']" <<<"$(cj L ls)"
# As another option's value they are that value.
c L edit "$id" --text --home >/dev/null
assert_json "edit ID --text --home: the text is '--home', the home is L's" \
    "[e['text'] for e in d if e['id'] == '$id'] == ['--home']" <<<"$(cj L ls)"
out=$(c L edit "$id" --text --json)
assert_match "^edited " "$out" "edit ID --text --json: no JSON asked for"
assert_json "edit ID --text --json: the text is '--json'" \
    "[e['text'] for e in d if e['id'] == '$id'] == ['--json']" <<<"$(cj L ls)"
expect_cairn_fail 2 "^cairn: option '--home' needs a DIR\$" L ls --home

# --- JSON errors carry the exit code ---------------------------------------------
expect_cairn_fail 5 "." L show ffffffff --json
assert_json "not found: ENOTFOUND, exit 5, on stdout" \
    'd["error"]["code"] == "ENOTFOUND" and d["error"]["exit"] == 5' <"$T/xf.out"
expect_cairn_fail 2 "expected DURATION and ACTIVITY" L log --json
assert_json "usage: EUSAGE, exit 2, the stderr line's message" '
d["error"]["code"] == "EUSAGE" and d["error"]["exit"] == 2 and
d["error"]["message"] == "'"${FAIL_ERR#cairn: }"'"' <"$T/xf.out"
mkhome OUT
expect_cairn_fail 4 "not logged in" OUT whoami --json
assert_json "auth: EAUTHREQ, exit 4" \
    'd["error"]["code"] == "EAUTHREQ" and d["error"]["exit"] == 4' <"$T/xf.out"
expect_cairn_fail 5 "." L show ffffffff
[ ! -s "$T/xf.out" ] || fail "without --json a failure prints nothing on stdout" "$(cat "$T/xf.out")"
pass "without --json a failure prints nothing on stdout"
