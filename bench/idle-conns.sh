#!/usr/bin/env bash
# Memory of idle connections: starts a real cairnd on 127.0.0.1 with
# throwaway certificates and a temporary database, reads its resident size
# (VmRSS), opens N TLS connections that each say Hello and Auth and then
# stay idle (build/cairn-idle-conns), reads the resident size again and
# prints (after - before) / N. Then it closes everything, stops the server
# with SIGTERM (it must exit 0) and appends the figures to
# bench/results/idle-conns.txt.
#
# With RECORDS, the account first gets RECORDS made-up check-ins (cairn-gen
# and a real `cairn sync`), and every connection pulls one batch of them
# (up to 1000 records or 1 MiB) before it goes idle, as a follower that
# has caught up: what a connection keeps after a burst of traffic.
#
#   bench/idle-conns.sh [N] [RECORDS]   (defaults 2000 0; run `make` first)
set -euo pipefail

N=${1:-2000}
RECORDS=${2:-0}
CMD="bench/idle-conns.sh $*"
[ -z "${CAIRND:-}" ] || CMD="CAIRND=$CAIRND $CMD"
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRND=${CAIRND:-$BUILD/cairnd} # another build's server, to compare
CAIRN=$BUILD/cairn
GEN=$BUILD/cairn-gen
TOOL=$BUILD/cairn-idle-conns
for b in "$CAIRND" "$CAIRN" "$GEN" "$TOOL"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
case $N$RECORDS in
'' | *[!0-9]*) echo "usage: bench/idle-conns.sh [N] [RECORDS]" >&2; exit 2 ;;
esac
[ "$N" -ge 1 ] || { echo "bench: N must be at least 1" >&2; exit 2; }

# The server and the tool each hold one descriptor per connection: raise
# the soft limit (both inherit it) if the hard limit allows.
need=$((N + 64))
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	ulimit -Sn "$need" 2>/dev/null || {
		echo "bench: $N connections need ulimit -n $need;" \
			"the hard limit is $(ulimit -Hn)" >&2
		exit 2
	}
fi

T=$(mktemp -d)
SPID="" TPID=""
# Stops cairnd as an operator does (SIGTERM); one that has not exited
# after 30 s is killed. Its exit status goes to SERVER_RC.
SERVER_RC=""
stop_server() {
	local i=0
	SERVER_RC=0
	kill -TERM "$SPID" 2>/dev/null || true
	while kill -0 "$SPID" 2>/dev/null && [ "$i" -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$SPID" 2>/dev/null && kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" || SERVER_RC=$?
	SPID=""
}
cleanup() {
	exec 4>&- 5<&-
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	[ -n "$SPID" ] && stop_server
	rm -rf "$T"
}
trap cleanup EXIT

"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
"$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" --cert "$T/certs/server.pem" \
	--key "$T/certs/server.key" --max-conns $((N + 1)) --max-conns-per-ip $((N + 1)) --max-conns-per-user $((N + 1)) \
	--idle-timeout 3600 --log-level warn 2>"$T/srv.log" &
SPID=$!
PORT=""
for _ in $(seq 200); do
	PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" |
		sed 's/.*://' || true)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; cat "$T/srv.log" >&2; exit 1; }

PULL=()
if [ "$RECORDS" -gt 0 ]; then
	# The tool logs in to this account (same handle and password).
	H=$T/home
	"$CAIRN" --home "$H" init --server "127.0.0.1:$PORT" \
		--ca "$T/certs/ca.pem" >/dev/null
	echo "idle-bench-password" | "$CAIRN" --home "$H" register idlebench \
		--password-stdin >/dev/null
	"$GEN" "$H" "$RECORDS" 1
	"$CAIRN" --home "$H" sync >/dev/null
	PULL=(--pull)
fi

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SPID/status"; }
# Reads the tool's next line and checks it.
expect() {
	local line=""
	read -r line <&5 || true
	case $line in
	"$1"*) ;;
	*) echo "bench: cairn-idle-conns said '$line', not '$1'" >&2
	   tail -n 5 "$T/srv.log" >&2
	   exit 1 ;;
	esac
}

# The tool reads commands from one pipe and answers on the other.
mkfifo "$T/in" "$T/out"
"$TOOL" "${PULL[@]}" 127.0.0.1 "$PORT" "$T/certs/ca.pem" "$N" \
	<"$T/in" >"$T/out" &
TPID=$!
exec 4>"$T/in" 5<"$T/out"

expect ready # the account exists, one warm-up connection is open
before=$(rss)
t0=$(date +%s%N)
echo go >&4
expect "open $N"
t1=$(date +%s%N)
after=$(rss)
conns=$(grep -c 'conn.refused' "$T/srv.log" || true)
[ "$conns" = 0 ] || { echo "bench: cairnd refused $conns connections" >&2; exit 1; }

exec 4>&- # end of input: the tool closes every connection and exits
wait "$TPID" || { echo "bench: cairn-idle-conns failed" >&2; exit 1; }
TPID=""
stop_server
[ "$SERVER_RC" = 0 ] || { echo "bench: cairnd exited $SERVER_RC" >&2; tail -n 5 "$T/srv.log" >&2; exit 1; }

per=$(awk -v a="$after" -v b="$before" -v n="$N" \
	'BEGIN { printf "%.1f", (a - b) / n }')
echo "cairnd VmRSS before: $before KB, with $N idle connections: $after KB" \
	"(opened in $(((t1 - t0) / 1000000)) ms)"
echo "per idle connection: $per KB"
# The commit measured; -dirty when code differs from it (results do not).
rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git -C "$SRC" status --porcelain -- . ':!bench/results' 2>/dev/null)" ] ||
	rev=$rev-dirty
out=$(printf '%s commit=%s cmd="%s" n=%d records=%d rss_before_kb=%d rss_after_kb=%d per_conn_kb=%s' \
	"$(date -u +%FT%TZ)" "$rev" "${CMD% }" "$N" "$RECORDS" "$before" \
	"$after" "$per")
mkdir -p "$SRC/bench/results"
echo "$out" >>"$SRC/bench/results/idle-conns.txt"
