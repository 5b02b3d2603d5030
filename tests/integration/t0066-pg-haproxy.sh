#!/bin/bash
# t0066: two cairnd on one PostgreSQL behind HAProxy (TCP mode, round
# robin), the way a school runs cairn (docs/operating.md). Clients reach
# whichever server HAProxy picks and converge; a follower gets a check-in
# whichever server either of them reached; killing the cairnd that is
# serving a large push (kill -9) loses and duplicates nothing once the
# client's retry lands on the other. Runs only against PostgreSQL with
# haproxy installed: ctest's pg label (tests/pg/pg-run).
. "$(dirname "$0")/lib.sh"

if [ "${CAIRN_TEST_DB:-}" != pg ]; then
	echo "1..0 # SKIP needs PostgreSQL (ctest -L pg runs it through tests/pg/pg-run)"
	exit 77
fi
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
if [ ! -x "$HAPROXY" ]; then
	echo "1..0 # SKIP needs haproxy (make test installs it)"
	exit 77
fi
N=${T0066_N:-400}

start_server --heartbeat 1
PORT_A=$PORT PID_A=$SERVER_PID LOG_A=$SERVER_LOG
start_server --heartbeat 1
PORT_B=$PORT PID_B=$SERVER_PID LOG_B=$SERVER_LOG

# A free port for HAProxy (bound and released; tried again if taken).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
haproxy_up() {
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $HA_PORT), 1)" 2>/dev/null
}
for attempt in 1 2 3; do
	HA_PORT=$(free_port)
	cat >"$T/haproxy.cfg" <<CFG
global
	maxconn 512
defaults
	mode tcp
	timeout connect 2s
	timeout client 120s
	timeout server 120s
	retries 3
	option redispatch
frontend cairn
	bind 127.0.0.1:$HA_PORT
	default_backend cairnd
backend cairnd
	balance roundrobin
	server a 127.0.0.1:$PORT_A check inter 200ms fall 1 rise 2
	server b 127.0.0.1:$PORT_B check inter 200ms fall 1 rise 2
CFG
	bg_start haproxy "$HAPROXY" -db -f "$T/haproxy.cfg"
	if WAIT_MAX=10 wait_for haproxy_up; then
		break
	fi
	kill -9 "$(bg_pid haproxy)" 2>/dev/null || true
	[ "$attempt" -lt 3 ] || fail "haproxy starts" "$(cat "$T/haproxy.err")"
done
pass "HAProxy on $HA_PORT in front of cairnd $PORT_A and $PORT_B"
PORT=$HA_PORT

# --- clients converge whichever server they reach -----------------------------
for h in alice alice2 bob fresh; do
	mkhome "$h"
done
ok "alice registers through HAProxy" register alice alice --device one
ok "alice logs in on a second home" login alice2 alice --device two
ok "bob registers" register bob bob
for i in 1 2 3; do
	c alice log --force 20m drill "alice one $i" >/dev/null
	c alice2 log --force 30m project "alice two $i" >/dev/null
	ok "alice syncs ($i)" c alice sync
	ok "alice2 syncs ($i)" c alice2 sync
done
ok "alice syncs once more" c alice sync
ids alice >"$T/ids.alice"
ids alice2 >"$T/ids.alice2"
cmp -s "$T/ids.alice" "$T/ids.alice2" || fail "both homes converge" \
    "$(diff "$T/ids.alice" "$T/ids.alice2")"
assert_eq 6 "$(wc -l <"$T/ids.alice")" "both homes hold the same 6 entries"
served_a=$(grep -c 'sync.push' "$LOG_A" || true)
served_b=$(grep -c 'sync.push' "$LOG_B" || true)
[ "$served_a" -gt 0 ] && [ "$served_b" -gt 0 ] ||
    fail "HAProxy spreads the syncs over both servers" "A: $served_a, B: $served_b"
pass "HAProxy spread the pushes: $served_a on A, $served_b on B"

# --- the live feed, whichever server each side reached ---------------------------
ok "alice invites bob" c alice invite bob --as partner
ok "bob accepts" c bob accept alice
bg_start feed "$CAIRN" --home "$T/bob" feed --follow
follower_up() { grep -q 'follow.start user=bob' "$LOG_A" "$LOG_B"; }
WAIT_MAX=20 wait_for follower_up || fail "bob's feed --follow connects" "$(cat "$T/feed.err")"
for i in 1 2; do
	live=$(cj alice log --force 25m drill "live $i" | json_get .id)
	ok "alice syncs check-in $i" c alice sync
	feed_has_live() { grep -q "${live:0:8}" "$T/feed.out"; }
	WAIT_MAX=20 wait_for feed_has_live || fail "bob's feed prints check-in $i" \
	    "$(cat "$T/feed.out")" "$(cat "$T/feed.err")"
	pass "bob's feed prints alice's check-in $i"
done
kill -INT "$(bg_pid feed)"
bg_wait feed

# --- kill -9 the server serving a large push ---------------------------------------
bulk_log alice "$N"
total=$((6 + 2 + N))
before_a=$(grep -c 'sync.push' "$LOG_A" || true)
before_b=$(grep -c 'sync.push' "$LOG_B" || true)
pushing() {
	[ "$(grep -c 'sync.push' "$LOG_A" || true)" -gt "$before_a" ] ||
	    [ "$(grep -c 'sync.push' "$LOG_B" || true)" -gt "$before_b" ]
}
(
	trap - ERR
	CAIRN_BATCH=1 c alice sync >"$T/big.out" 2>"$T/big.err"
) &
sync_pid=$!
wait_for pushing || fail "a server logs the large push within 10 s"
if [ "$(grep -c 'sync.push' "$LOG_A" || true)" -gt "$before_a" ]; then
	victim=$PID_A survivor=B
else
	victim=$PID_B survivor=A
fi
SERVER_PID=$victim
kill9_server
pass "the cairnd serving the push is killed with SIGKILL"
rc=0
wait "$sync_pid" || rc=$?
[ "$rc" -ne 0 ] || fail "the interrupted sync fails" "$(cat "$T/big.out")"
pass "the interrupted sync fails (exit $rc): $(cat "$T/big.err")"
retried() { c alice sync >/dev/null 2>&1; }
WAIT_MAX=60 wait_for retried || fail "the retry succeeds on the other server" "$(c alice sync 2>&1)"
pass "the retry lands on server $survivor and succeeds"
assert_json "nothing pending on alice" 'd["pending"] == 0' <<<"$(cj alice status)"
ok "a fresh home logs in" login fresh alice --device fresh
ok "the fresh home pulls" c fresh sync
assert_eq "$total $total" "$(count_unique fresh)" "the server holds all $total entries, each once"
ids alice >"$T/ids.alice"
ids fresh >"$T/ids.fresh"
cmp -s "$T/ids.alice" "$T/ids.fresh" || fail "the fresh home holds alice's ids" \
    "$(diff "$T/ids.alice" "$T/ids.fresh" | head -n 5)"
pass "the fresh home holds exactly alice's ids"
