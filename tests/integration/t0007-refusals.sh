#!/bin/bash
# t0007: what the client and server refuse, and that each refusal says in
# one line what failed and what to do: a CA that did not sign the server's
# certificate, a host name the certificate does not cover, a wrong password,
# too many wrong passwords, a revoked device (whose unpushed work stays and
# pushes after a new login, SYNC-CASES 11), logout, and invite-only
# registration.
. "$(dirname "$0")/lib.sh"

start_server
MAIN_PORT=$PORT
mkhome A
ok "alice registers on A" register A alice --device desk

# --- TLS: a CA that did not sign this server --------------------------------------
make_certs "$T/other" localhost 127.0.0.1
CA="$T/other/ca.pem" mkhome W
expect_fail 3 'CA' register W walter
expect_fail 3 'CA' login W alice

# --- TLS: a name the certificate does not cover --------------------------------------
make_certs "$T/lonly" localhost
CERTS="$T/lonly" DB="$T/lonly.db" start_server
CA="$T/lonly/ca.pem" mkhome N
expect_fail 3 'name|match|127\.0\.0\.1' register N nina
PORT=$MAIN_PORT

# --- wrong password, then too many ---------------------------------------------------
mkhome X
PW="not the password" expect_fail 4 'password' login X alice
ok "the right password still works after one failure" login X alice
mkhome R
ok "carol registers" register R carol
for i in 1 2 3 4 5; do
	PW="wrong password $i" expect_fail 4 'password' login X carol
done
PW="wrong password 6" expect_fail 4 'too many (failed |login )?attempts' login X carol
expect_fail 4 'too many (failed |login )?attempts' login X carol
ok "other handles are not locked out by carol's failures" login X alice

# --- a revoked device -----------------------------------------------------------------
mkhome B
ok "alice logs in on B as laptop" login B alice --device laptop
ok "B syncs" c B sync
u1=$(cj B log --force 30m drill "unpushed one" | json_get .id)
u2=$(cj B log --force 40m project "unpushed two" | json_get .id)
devs=$(cj A devices)
assert_json "devices --json shape" '
all(set(x) >= {"id","name","created_at","last_seen","revoked","current"}
    for x in d) and sum(1 for x in d if x["current"]) == 1' <<<"$devs"
assert_json "devices --json times are RFC 3339 (or null)" '
all(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", x["created_at"])
    and (x["last_seen"] is None or __import__("re").fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", x["last_seen"]))
    for x in d)' <<<"$devs"
assert_json "A's own row is current and not revoked" '
[x["name"] for x in d if x["current"]] == ["desk"] and
not any(x["revoked"] for x in d)' <<<"$devs"
bdev=$(json_eval '[x["id"] for x in d if x["name"] == "laptop"][0]' <<<"$devs")
out=$(cj A devices revoke "${bdev:0:8}")
assert_json "devices revoke --json names the device" "d == {'revoked': '$bdev'}" <<<"$out"
assert_json "the list shows it revoked" "
[x['revoked'] for x in d if x['id'] == '$bdev'] == [True]" <<<"$(cj A devices)"
expect_cairn_fail 4 'revoked' B sync
case $FAIL_ERR in
*"cairn login"*) pass "the revoked message says to run cairn login" ;;
*) fail "the revoked message says to run 'cairn login'" "$FAIL_ERR" ;;
esac
assert_json "B's unpushed entries are still there" "
{'$u1', '$u2'} <= {e['id'] for e in d}" <<<"$(cj B ls)"
assert_json "and still pending" 'd["pending"] == 2' <<<"$(cj B status)"
ok "alice logs in again on B" login B alice --device laptop2
assert_json "B's unpushed entries push after the new login" 'd["pushed"] == 2' <<<"$(cj B sync)"
ok "A syncs" c A sync
assert_eq "unpushed two" "$(cj A show "$u2" | json_get .text)" "A receives B's entries"

# A connection that authenticated before its device was revoked can do
# nothing more on it: not list devices, not revoke the owner's device.
(
	trap - ERR
	python3 "$PEER" revoked-session "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" \
	    "$T/revoke.ctl" >"$T/revoked.out" 2>&1
) &
rs=$!
has_device_line() { grep -q '"device"' "$T/revoked.out"; }
wait_for has_device_line || fail "a second session logs in" "$(cat "$T/revoked.out")"
pdev=$(head -n 1 "$T/revoked.out" | json_get .device)
ok "A revokes that session's device" c A devices revoke "${pdev:0:8}"
adev=$(cj A devices | json_eval '[x["id"] for x in d if x["current"]][0]')
echo "$adev" >"$T/revoke.ctl"
wait "$rs" || true
assert_json "the revoked session may not list, revoke or pull" '
d["devices"] == -14 and d["revoke"] < 0 and d["pull"] < 0' \
    <<<"$(tail -n 1 "$T/revoked.out")"
ok "A's own device still works" c A sync
expect_cairn_fail 5 '.' A devices revoke ffffffff

# --- logout --------------------------------------------------------------------------
out=$(cj X logout)
assert_eq alice "$(json_get .handle <<<"$out")" "logout --json"
expect_cairn_fail 4 'login' X whoami
expect_cairn_fail 4 'login' X sync
ok "X works offline after logout" c X ls

# --- invite-only registration ----------------------------------------------------------
DB="$T/invite.db" start_server --registration invite
mkhome I
mkhome J
mkhome K
expect_fail 4 'invite|code' register I ivan
expect_fail 4 'invite|code' register I ivan --code not-a-real-code
code=$("$CAIRND" invite-code --db "$(pg_url "$T/invite.db")" --uses 1)
[ "$(printf '%s\n' "$code" | wc -l)" -eq 1 ] && [ -n "$code" ] ||
    fail "cairnd invite-code prints one line" "$code"
pass "cairnd invite-code prints one code line"
ok "register with the code works" register I ivan --code "$code"
expect_fail 4 'invite|code' register J judy --code "$code"
code2=$("$CAIRND" invite-code --db "$(pg_url "$T/invite.db")" --uses 2)
ok "a two-use code works once" register J judy --code "$code2"
ok "and twice" register K kim --code "$code2"

# --- the per-address limit: 20 failures from one IP, whatever the handles --------------
DB="$T/ip.db" start_server
mkhome IP
ok "dave registers" register IP dave
mkhome IPX
for i in $(seq 1 20); do
	PW="wrong password" expect_fail 4 'password' login IPX "nobody$i"
done
expect_fail 4 'too many (failed |login )?attempts' login IPX dave
