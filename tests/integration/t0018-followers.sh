#!/bin/bash
# t0018: 2,000 idle live-feed followers on one cairnd (200 under the
# sanitizers), and one check-in reaching every one of them. The figures it
# prints (server memory per idle follower, fan-out time) are information,
# not assertions: bench/followers.sh is where they are measured.
. "$(dirname "$0")/lib.sh"

N=${FOLLOWERS:-2000}
[ "${CAIRN_SANITIZED:-0}" = 1 ] && N=${FOLLOWERS:-200}
if [ -z "${CAIRN_FOLLOWERS:-}" ] || [ ! -x "$CAIRN_FOLLOWERS" ]; then
	skip_all "cairn-followers is not built (set CAIRN_FOLLOWERS)"
fi
need=$((N + 64))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need" ]; then
	ulimit -Sn "$need" 2>/dev/null ||
	    fail "the file limit allows $N connections" "ulimit -Hn: $(ulimit -Hn)"
fi
start_server --max-conns $((N + 16)) --max-conns-per-ip $((N + 16)) --max-conns-per-user $((N + 16))
out=$(run_bounded 600 "$CAIRN_FOLLOWERS" "127.0.0.1:$PORT" "$T/certs/ca.pem" "$N" \
    "$SERVER_PID") || fail "every one of $N followers receives the check-in" "$out"
pass "every one of $N followers receives the check-in"
echo "# $out"
follows=$(grep -c 'follow.start user=fan' "$SERVER_LOG")
assert_eq "$N" "$follows" "the server counted $N followers"
