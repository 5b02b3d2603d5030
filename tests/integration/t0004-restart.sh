#!/bin/bash
# t0004: the server's lifecycle. cairnd exits 0 on SIGTERM (and SIGINT) and
# logs server.stop; data and device tokens survive a restart on the same
# database; --config works; bad options are refused with one line.
. "$(dirname "$0")/lib.sh"

# --- refusals at start -------------------------------------------------------
ok "cairnd --help exits 0" "$CAIRND" --help
for opt in --listen --db --cert --key --registration --config --max-conns \
    --idle-timeout --handshake-timeout --log-level invite-code; do
	grep -q -e "$opt" "$T/ok.out" "$T/ok.err" ||
	    fail "cairnd --help documents $opt" "$(cat "$T/ok.out")"
done
pass "cairnd --help documents every option"
ok "cairnd --version exits 0" "$CAIRND" --version
expect_fail 2 'cairnd' "$CAIRND" --no-such-option
expect_fail 2 'cairnd' "$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" \
    --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
    --registration sometimes
expect_fail 1 'cert|nope' "$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" \
    --cert "$T/nope.pem" --key "$T/certs/server.key"
expect_fail '1|2' 'key|cert' "$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" \
    --cert "$T/certs/server.pem" --key "$T/certs/ca.pem"

# --- data survives a restart ---------------------------------------------------------
start_server
mkhome A
ok "alice registers on A" register A alice
assert_eq 600 "$(stat -c %a "$T/srv.db")" \
    "the server database (password and token hashes) is 0600"
for i in 1 2 3 4 5; do
	c A log --force "${i}0m" drill "before restart $i" >/dev/null
done
assert_json "A pushes its 5 records" 'd["pushed"] == 5' <<<"$(cj A sync)"
ok "A deletes one" c A rm "$(cj A ls --limit 1 | json_get '[0].id')"
assert_json "A pushes the tombstone" 'd["pushed"] == 1' <<<"$(cj A sync)"
first_port=$PORT

stop_server
pass "cairnd exits 0 on SIGTERM and logs server.stop"
restart_server
assert_eq "$first_port" "$PORT" "cairnd listens on the same port again"
mkhome C
ok "alice logs in on a fresh home C after the restart" login C alice
assert_json "C pulls everything" 'd["pulled"] == 5' <<<"$(cj C sync)"
assert_same_snapshot A C "C holds what A holds"
assert_json_len C ls 4
ok "A's device token survived the restart" c A log --force 5m review "after restart"
assert_json "A pushes after the restart without logging in again" 'd["pushed"] == 1 and d["pulled"] == 0' <<<"$(cj A sync)"
assert_json "C pulls it" 'd["pulled"] == 1' <<<"$(cj C sync)"
assert_same_snapshot A C "A and C identical"

# --- SIGTERM while a sync is pushing: in-flight commits finish -----------------
bulk_log A 600
before=$(grep -c 'sync\.push' "$SERVER_LOG" || true)
pushes_started() {
	[ "$(grep -c 'sync\.push' "$SERVER_LOG" || true)" -gt "$before" ]
}
(
	trap - ERR
	rc=0
	CAIRN_BATCH=5 c A sync >"$T/bg.out" 2>"$T/bg.err" || rc=$?
	echo "$rc" >"$T/bg.rc"
) &
bg=$!
wait_for pushes_started || fail "the server logs a push within 10 s"
stop_server
pass "cairnd exits 0 on SIGTERM during a sync, with server.stop"
wait "$bg" || true
rc=$(cat "$T/bg.rc")
case $rc in
0 | 3) pass "the interrupted client exits $rc ($(cat "$T/bg.err"))" ;;
*) fail "the interrupted client exits 0 or 3" "exit $rc" "$(cat "$T/bg.err")" ;;
esac
restart_server
ok "A's retry after the stop succeeds" c A sync
assert_json "nothing pending on A" 'd["pending"] == 0' <<<"$(cj A status)"
assert_json "C pulls exactly the 600 new entries" 'd["pulled"] == 600' <<<"$(cj C sync)"
assert_same_snapshot A C "A and C identical after the stop during a sync"

# --- SIGINT, and --config -----------------------------------------------------
kill -INT "$SERVER_PID"
reap_server
assert_eq 0 "$SERVER_RC" "cairnd exits 0 on SIGINT"
grep -q 'server\.stop' "$SERVER_LOG" || fail "cairnd logs server.stop on SIGINT"
pass "cairnd logs server.stop on SIGINT"

cat >"$T/cairnd.conf" <<CONF
# cairnd configuration for t0004
listen = 127.0.0.1:$first_port
db = $T/srv.db
cert = $T/certs/server.pem
key = $T/certs/server.key
registration = invite
CONF
start_cairnd --config "$T/cairnd.conf"
assert_eq "$first_port" "$PORT" "--config sets listen"
assert_json "the server from --config serves the same database" 'd["pushed"] == 0' <<<"$(cj A sync)"
mkhome D
expect_fail 4 'invite|code' register D bob
stop_server
# Command-line options win over the file.
start_cairnd --config "$T/cairnd.conf" --registration open
ok "--registration on the command line wins over --config" register D bob
stop_server

# --- the listen line is there whatever the log level --------------------------------
# Operators and tests learn the bound port (port 0) from it.
"$CAIRND" --listen 127.0.0.1:0 --db "$T/quiet.db" --cert "$T/certs/server.pem" \
    --key "$T/certs/server.key" --log-level error 2>"$T/quiet.log" &
quiet=$!
quiet_listening() { grep -q 'server\.listen addr=127\.0\.0\.1:[1-9]' "$T/quiet.log"; }
listened=0
WAIT_MAX=5 wait_for quiet_listening && listened=1
kill -TERM "$quiet" 2>/dev/null || true
wait "$quiet" 2>/dev/null || true
[ "$listened" = 1 ] || fail "cairnd --log-level error still logs its server.listen line" \
    "log: $(cat "$T/quiet.log")"
pass "cairnd --log-level error still logs its server.listen line"
