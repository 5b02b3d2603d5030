#!/bin/bash
# t0024: 300 password guesses at one handle at once (60 connections from
# 127.0.0.2, 5 pipelined Logins each, repeated until the limit answers)
# get the server to check at most 5 passwords for that handle within the
# minute (attempts count when they start, one hash per handle in flight:
# issue 9, finding 1); every guess is answered ECREDS, ERATELIMIT or
# EBUSY. Meanwhile an honest learner (another handle, from 127.0.0.1)
# logs in and syncs, and the victim's own machine, which holds a device
# token, keeps syncing; only a new login of the victim waits for the
# window.
. "$(dirname "$0")/lib.sh"

ATTACK="$TEST_DIR/attack.py"
start_server
CA="$T/certs/ca.pem"

mkhome V
ok "victim registers" register V victim
ok "victim logs" c V log --force 30m drill "before the guessing"
assert_json "victim syncs" 'd["pushed"] == 1' <<<"$(cj V sync)"
mkhome A
ok "alice registers" register A alice

flood_start=$SECONDS
# 300 at once, then again on each connection as answers come, until the
# handle's window is full (the first ERATELIMIT): however fast the busy
# answers come, the window is filled and the limit seen.
bg_start guesses python3 "$ATTACK" logins "$PORT" "$CA" --n 60 --guesses 5 \
    --loop --until-code ERATELIMIT --max-requests 100000 \
    --from 127.0.0.2 --handle victim --ready "$T/guesses.ready" --hold 0
WAIT_MAX=60 wait_for test -s "$T/guesses.ready" ||
    fail "the 60 guessing connections are open" "$(cat "$T/guesses.err")"
pass "60 connections from 127.0.0.2 send 300 guesses at victim: $(cat "$T/guesses.ready")"

# The honest ones, while the guesses are being answered.
mkhome A2
ok "alice logs in on a second machine during the guessing" login A2 alice
ok "alice logs on it" c A2 log --force 20m reading "during the guessing"
assert_json "alice syncs during the guessing" 'd["pushed"] == 1' <<<"$(cj A2 sync)"
ok "victim logs on the machine she has" c V log --force 10m review "during the guessing"
assert_json "victim's device (token, no password) syncs during the guessing" \
    'd["pushed"] == 1' <<<"$(cj V sync)"

WAIT_MAX=120 wait_for test -s "$T/guesses.rc" ||
    fail "the guessing ends" "$(cat "$T/guesses.err")"
bg_wait guesses
[ "$BG_RC" = 0 ] || fail "attack.py logins exits 0" "exit $BG_RC" "$(cat "$T/guesses.err")" "$(cat "$T/guesses.out")"
out=$(cat "$T/guesses.out")
echo "# attack: $out"
assert_json "every guess is answered (300 at once, then more until the window was full)" \
    'd["requests"] >= 300 and sum(d["codes"].values()) == d["requests"]' <<<"$out"
assert_json "the handle's window filled: ERATELIMIT came" \
    'd["codes"].get("ERATELIMIT", 0) >= 1' <<<"$out"
assert_json "every answer is ECREDS, ERATELIMIT or EBUSY" \
    'set(d["codes"]) <= {"ECREDS", "ERATELIMIT", "EBUSY"}' <<<"$out"
assert_json "at most 5 guesses are answered ECREDS (checked)" \
    'd["codes"].get("ECREDS", 0) <= 5' <<<"$out"
checked=$(grep -c 'auth\.fail op=login user=victim ' "$SERVER_LOG" || true)
[ "$checked" -le 5 ] ||
    fail "at most 5 passwords of victim are checked within the minute (auth.fail op=login user=victim lines)" \
    "got $checked lines" "$(grep 'auth\.fail op=login user=victim ' "$SERVER_LOG" | head -n 8)"
pass "the server checked $checked passwords of victim (at most 5)"
grep -q 'auth\.login user=alice ' "$SERVER_LOG" ||
    fail "the server logs alice's login" "$(tail -n 5 "$SERVER_LOG")"
pass "the server logs alice's login"

# The handle's window is full for a minute after the first guess: a new
# login of victim, even with the right password, waits (ERATELIMIT, exit
# 4) without a password check. Checked only while the minute lasts.
mkhome V2
if [ $((SECONDS - flood_start)) -lt 45 ]; then
	expect_fail 4 'too many login attempts' login V2 victim
	checked2=$(grep -c 'auth\.fail op=login user=victim ' "$SERVER_LOG" || true)
	assert_eq "$checked" "$checked2" "the refused login checked no password"
else
	skip_check "a new login waits: the window may have passed ($((SECONDS - flood_start)) s since the guessing began)"
fi
kill -0 "$SERVER_PID" || fail "cairnd is up after the guessing"
pass "cairnd is up after the guessing"
stop_server
