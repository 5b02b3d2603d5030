#!/bin/bash
# t0022: a NUL byte in any string is refused, on both sides (audit finding
# 9). protobuf-c hands a string over cut at its first NUL, so without the
# check "carol\0evil" registers as carol and an entry "ok\0" + 200 KiB is
# validated as "ok" and stored and synced whole. The server refuses both
# (a request: EINVAL naming the field, or EPROTO and a close; a pushed
# record: EINVAL naming the record and its field, nothing stored); the
# client refuses a server's message or pulled record holding one, and a
# plan file holding one.
. "$(dirname "$0")/lib.sh"

start_server
mkhome A

# --- a handle with a NUL ----------------------------------------------------
out=$(python3 "$PEER" register-nul "$PORT" "$T/certs/ca.pem" carol "$PASSWORD")
assert_json "Register{handle: 'carol\\0evil'} is answered" 'd["answered"]' <<<"$out"
assert_json "... and refused: EINVAL naming the field on a live connection, or EPROTO and a close" \
    '(d["code"] == -18 and d["id"] == 5 and "handle" in d["message"] and "NUL" in d["message"] and d["open"]) or (d["code"] == -6 and not d["open"])' <<<"$out"
ok "carol is still free: the refused request registered nobody" register A carol

# --- an entry "ok\0" + 200 KiB -------------------------------------------------
rid=3f2a9c1e-0000-4000-8000-0000000000aa
out=$(python3 "$PEER" push-nul "$PORT" "$T/certs/ca.pem" carol "$PASSWORD" "$rid" 200)
assert_json "push of an entry whose text is 'ok\\0' + 200 KiB is refused as EINVAL" \
    'd["answered"] and d["code"] == -18' <<<"$out"
assert_json "... naming the record" "d['record_id'] == '$rid'" <<<"$out"
assert_json "... and the field: text holds a NUL byte" \
    '"text" in d["message"] and "NUL" in d["message"]' <<<"$out"
assert_json "... on a connection that stays open" 'd["open"]' <<<"$out"
# Nothing of it was stored: another machine of carol's pulls nothing.
mkhome B
ok "carol logs in on B" login B carol
ok "B syncs" c B sync
assert_json_len B ls 0
out=$(python3 "$PEER" push "$PORT" "$T/certs/ca.pem" carol "$PASSWORD" \
    "3f2a9c1e-0000-4000-8000-0000000000ab:-:clean text")
assert_json "the same push without the NUL is applied" 'd["code"] == 0 and d["applied"] == 1' <<<"$out"

# --- a password with a NUL: refused, not cut at it --------------------------------
mkhome P
printf 'longpassword\0xyz\n' >"$T/nul-pw"
nul_register() { c P register penny --password-stdin <"$T/nul-pw"; }
expect_fail 5 'password holds a NUL byte' nul_register
printf 'longpassword\n' >"$T/pw"
pw_login() { c P login penny --password-stdin <"$T/pw"; }
expect_fail 4 'wrong handle or password' pw_login

# --- a plan file with a NUL ------------------------------------------------------
printf '# Plan\n\n- [ ] task one\0 hidden\n- [ ] task two\n' >"$T/nul-plan.md"
expect_cairn_fail 5 'nul-plan.md.*(NUL|UTF-8)' A plan import "$T/nul-plan.md"
expect_cairn_fail 5 'nul-plan.md' A plan import "$T/nul-plan.md" --dry-run
assert_json_len A "plan ls" 0
printf '# Plan\n\n- [ ] task one hidden\n- [ ] task two\n' >"$T/plan.md"
ok "the same plan without the NUL imports" c A plan import "$T/plan.md"

# --- the client refuses what a server sends with a NUL -------------------------
# A fake cairnd (peer.py) with the scenario's certificate: its HelloOk names
# the server "cairnd\0evil"; then a proper one whose pull carries an entry
# "fine\0hidden". The home keeps its CA and login; only the server changes.
fake() {
	rm -f "$T/fake.port"
	bg_start fake python3 "$PEER" fake-server 0 "$T/certs" "$1" "$T/fake.port"
	WAIT_MAX=20 wait_for test -s "$T/fake.port" || fail "the fake server listens"
	ok "B points at the fake server" c B init --server "127.0.0.1:$(cat "$T/fake.port")"
}
fake hello
expect_cairn_fail 3 "refuses: field 'hello.server' holds a NUL byte" B sync
bg_wait fake
fake pull
expect_cairn_fail 3 "refuses: record 3f2a9c1e-0000-4000-8000-00000000f00d: field 'text' holds a NUL byte" B sync
bg_wait fake
assert_json_len B ls 0
