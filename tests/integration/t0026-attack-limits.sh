#!/bin/bash
# t0026: the limits of issue 9 ("Under attack") one by one, at the protocol
# level, with short deadlines: a connection that never logs in is closed
# after --auth-timeout; an authenticated one that stops reading its replies
# after --write-timeout; a frame over 8 KiB is refused (ETOOBIG) before a
# session and accepted after; registrations are limited per address (the
# 21st of the hour is ERATELIMIT, another address passes); on an invite
# server a wrong code is refused without hashing a password and without
# using up the address's registrations; one account holds at most
# --max-conns-per-user connections. Last, a spray of random device ids from
# one address must not lock out devices elsewhere.
#
# Run some checks only with CHECKS="auth-timeout write-timeout frame
# register-limit invite user-cap spray" (default: all).
. "$(dirname "$0")/lib.sh"

want() {
	case " ${CHECKS:-all} " in
	*" all "* | *" $1 "*) return 0 ;;
	esac
	return 1
}

ATTACK="$TEST_DIR/attack.py"
CA="$T/certs/ca.pem"
attack() {
	run_bounded 120 python3 "$ATTACK" "$1" "$PORT" "$CA" "${@:2}"
}
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status"; }

start_server --auth-timeout 2 --write-timeout 2
mkhome H
ok "honest registers" register H honest
ok "honest logs" c H log 30m drill "an entry"
assert_json "honest syncs" 'd["pushed"] == 1' <<<"$(cj H sync)"
# mallory's 300 records of 4 KB come back in Pull batches of about 1 MiB.
mkhome M
ok "mallory registers" register M mallory
out=$(run_bounded 120 python3 "$PEER" fill "$PORT" "$CA" mallory "$PASSWORD" 300 4000)
assert_json "mallory pushes 300 records of 4 KB" 'd["pushed"] == 300' <<<"$out"

# --- --auth-timeout: a connection that says Hello every half second but
# never logs in is closed after 2 s (not kept by its activity).
if want auth-timeout; then
	out=$(attack slots --n 1 --from 127.0.0.2 --hello-every 0.5 --until-closed --max-hold 30)
	echo "# $out"
	assert_json "a connection that never logs in is closed (--auth-timeout 2)" '
	d["closed_by_server"] == 1 and d["codes"].get("OK", 0) >= 1' <<<"$out"
	assert_json "not before its deadline (held at least 1.5 s)" 'd["held_s_min"] >= 1.5' <<<"$out"
	lp=$(json_get '.local_ports[0]' <<<"$out")
	grep -Eq "conn\.close peer=127\.0\.0\.2:$lp reason=\"not logged in in time\"" "$SERVER_LOG" ||
	    fail "the server logs the close: not logged in in time" "$(grep ":$lp " "$SERVER_LOG" | tail -n 3)"
	pass "the server logs the close: not logged in in time ($(json_get .held_s_min <<<"$out") s)"
fi

# --- --write-timeout: one connection pipelines 16 Pulls of everything
# mallory has and reads nothing.
if want write-timeout; then
	bg_start unread python3 "$ATTACK" unread-pulls "$PORT" "$CA" --n 1 --from 127.0.0.3 \
	    --handle mallory --password "$PASSWORD" --pulls 16 --mss 536 --rcvbuf 4096 \
	    --ready "$T/unread.ready" --until "$T/unread.stop"
	WAIT_MAX=60 wait_for test -s "$T/unread.ready" ||
	    fail "the unread-pull connection is set up" "$(cat "$T/unread.err")"
	lp=$(json_get '.local_ports[0]' <"$T/unread.ready")
	not_reading() {
		grep -Eq "conn\.close peer=127\.0\.0\.3:$lp reason=\"peer not reading\"" "$SERVER_LOG"
	}
	WAIT_MAX=60 wait_for not_reading ||
	    fail "a connection that reads none of its replies is closed (--write-timeout 2)" \
	    "$(grep ":$lp " "$SERVER_LOG" | tail -n 3)"
	pass "a connection that reads none of its replies is closed: peer not reading"
	touch "$T/unread.stop"
	WAIT_MAX=60 wait_for test -s "$T/unread.rc" || fail "attack.py unread-pulls ends"
	bg_wait unread
	out=$(cat "$T/unread.out")
	echo "# $out"
	assert_json "attack.py sees its unread connection closed" \
	    'd["closed_by_server"] == 1 and d["requests"] == 16' <<<"$out"
fi

# --- frames before a session: at most 8 KiB.
if want frame; then
	out=$(run_bounded 60 python3 "$PEER" preauth-frame "$PORT" "$CA" mallory "$PASSWORD" 9216)
	echo "# $out"
	assert_json "a 9 KiB frame before login: ETOOBIG (-7) with id 0, then close" '
	d["before"]["frame"] > 8192 and d["before"]["closed"] and
	[(r["id"], r["code"]) for r in d["before"]["responses"]] == [(0, -7)]' <<<"$out"
	assert_json "the same 9 KiB frame after login is answered (HelloOk)" '
	d["after"]["frame"] > 8192 and d["after"]["answered"] and d["after"]["code"] == 0
	and d["after"]["kind"] == "hello"' <<<"$out"
	grep -q 'conn\.bad_frame .*reason="length over 8192"' "$SERVER_LOG" ||
	    fail "the server logs the refused frame" "$(tail -n 5 "$SERVER_LOG")"
	pass "the server logs the refused frame (length over 8192)"
fi

# --- registrations per address: 20 an hour. One connection from
# 127.0.0.5 registers 21 handles in a row (a connection may register
# again); the 21st is refused; 127.0.0.6 still registers.
if want register-limit; then
	out=$(attack registers --n 1 --guesses 21 --from 127.0.0.5 --handle-prefix lim --hold 0)
	echo "# $out"
	assert_json "20 registrations from one address pass, the 21st is ERATELIMIT" '
	d["codes"] == {"OK": 20, "ERATELIMIT": 1}' <<<"$out"
	grep -q 'auth\.ratelimited op=register key=127\.0\.0\.5 ' "$SERVER_LOG" ||
	    fail "the server logs the register limit" "$(tail -n 5 "$SERVER_LOG")"
	pass "the server logs the register limit for 127.0.0.5"
	out=$(attack registers --n 1 --guesses 1 --from 127.0.0.6 --handle-prefix other --hold 0)
	assert_json "a registration from another address passes" 'd["codes"] == {"OK": 1}' <<<"$out"
fi

stop_server

# --- invite only: a wrong code costs no password hash. On a fresh server
# (nothing hashed yet) 40 registrations with a wrong code, 10 pipelined on
# each of 4 connections; one scrypt hash takes 16 MiB (N=16384, r=8), so
# had any been hashed, the peak memory would have grown by that much.
if want invite; then
	DB="$T/invite.db" start_server --registration invite
	hwm0=$(hwm)
	out=$(attack registers --n 4 --guesses 10 --from 127.0.0.7 --code not-a-real-code --hold 0)
	hwm1=$(hwm)
	echo "# $out"
	echo "# VmHWM $hwm0 kB -> $hwm1 kB"
	assert_json "40 registrations with a wrong code: all EINVITE (a wrong code does not use up the address's 20 an hour), nothing made" '
	d["codes"].get("EINVITE", 0) == 40 and sum(d["codes"].values()) == 40' <<<"$out"
	[ $((hwm1 - hwm0)) -lt 12288 ] ||
	    fail "no password was hashed for a wrong code (peak memory grew less than 12 MiB)" \
	    "VmHWM $hwm0 kB -> $hwm1 kB"
	pass "no password was hashed for a wrong code (VmHWM +$(((hwm1 - hwm0) / 1024)) MiB)"
	n=$(grep -c 'auth\.fail op=register .*rc=EINVITE' "$SERVER_LOG" || true)
	[ "$n" -ge 1 ] || fail "the server logs auth.fail op=register rc=EINVITE" "$(tail -n 5 "$SERVER_LOG")"
	pass "the server logs $n auth.fail op=register rc=EINVITE lines"
	! grep -q 'auth\.register ' "$SERVER_LOG" ||
	    fail "no account was made with a wrong code" "$(grep 'auth\.register ' "$SERVER_LOG" | head -n 3)"
	pass "no account was made with a wrong code"
	code=$("$CAIRND" invite-code --db "$(pg_url "$T/invite.db")" --uses 1)
	mkhome I
	ok "with a real code, from 127.0.0.1, ivan registers" register I ivan --code "$code"
	stop_server
fi

# --- connections per account ---------------------------------------------------
# With --max-conns-per-user 3, five connections that authenticate as one
# device of uma: three get a session, two are refused (EBUSY) and say why.
if want user-cap; then
	DB="$T/ucap.db" start_server --max-conns-per-user 3
	mkhome U
	ok "uma registers" register U uma
	out=$(attack unread-pulls --n 5 --concurrency 1 --from 127.0.0.9 --handle uma \
	    --password "$PASSWORD" --pulls 0 --hold 3)
	echo "# $out"
	assert_json "three of five connections of one account get a session, two are refused EBUSY" '
	d["codes"].get("OK", 0) == 3 and d["codes"].get("EBUSY", 0) == 2' <<<"$out"
	grep -q 'auth\.refused user=uma .*connections per account' "$SERVER_LOG" ||
	    fail "the server logs the refusal" "$(tail -n 5 "$SERVER_LOG")"
	pass "the server logs auth.refused for the fourth connection"
	stop_server
fi

# --- a spray of random device ids from one address -------------------------------
# Found by this test: token attempts were counted per (address, device id)
# when they started, in a table of 16,384 keys that refused new keys when
# full, so 20,000 Auths with random device ids from one address locked
# every device anywhere out for a minute. Failures are now counted after
# the lookup, and a full table counts nothing more (a token is 256 random
# bits: the count is about load, not guessing).
if want spray; then
	DB="$T/spray.db" start_server
	mkhome S
	ok "sam registers" register S sam
	ok "sam logs" c S log 30m drill "before the spray"
	out=$(attack auth --n 32 --from 127.0.0.8 --guesses 8 --loop --max-requests 20000 --hold 0)
	echo "# $out"
	assert_json "20,000 random device tokens are all refused" '
	d["requests"] >= 20000 and set(d["codes"]) <= {"ECREDS", "ERATELIMIT"}' <<<"$out"
	full=$(grep -c 'auth\.ratelimited op=auth .*table=full' "$SERVER_LOG" || true)
	echo "# auth.ratelimited table=full lines: $full"
	rc=0
	c S sync >"$T/spray.out" 2>"$T/spray.err" || rc=$?
	[ "$rc" = 0 ] ||
	    fail "a device at 127.0.0.1 still syncs after a spray of random device ids from 127.0.0.8" \
	    "exit $rc: $(cat "$T/spray.err")" \
	    "$(grep 'auth\.ratelimited op=auth key=127\.0\.0\.1' "$SERVER_LOG" | head -n 2)"
	pass "a device at 127.0.0.1 still syncs after a spray of random device ids from 127.0.0.8"
	stop_server
fi
