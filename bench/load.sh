#!/usr/bin/env bash
# Load: starts a real cairnd on 127.0.0.1 with throwaway certificates, a
# temporary database and its limits raised for one address (the bench is
# every client at once), then runs build/cairn-load against it: CLIENTS
# concurrent authenticated clients, each pushing batches of PUSH_SIZE new
# check-ins for SECONDS, as fast as the acknowledgements come back. It
# prints the tool's progress and summary (throughput, latency percentiles,
# errors, cairnd's CPU and memory) and appends the summary, with the date,
# commit and command, to bench/results/load.txt.
#
#   bench/load.sh [CLIENTS] [SECONDS] [PUSH_SIZE] [-- CAIRN-LOAD OPTIONS]
#
# Defaults 100 10 1. Options after -- go to cairn-load as they are
# (--followers F, --pulls, --think MS, --accounts A, ...). Run `make` (or
# BUILD=dir) first; CAIRND=path measures another build's server.
# The line in results/ also holds the 1-minute load average at the start
# and other_cpu_pct: CPU the rest of the machine took during the run.
set -euo pipefail

CLIENTS=${1:-100}
SECONDS_=${2:-10}
PUSH=${3:-1}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" != -- ] || shift
EXTRA=("$@")
CMD="bench/load.sh $CLIENTS $SECONDS_ $PUSH${EXTRA[*]:+ -- ${EXTRA[*]}}"
[ -z "${CAIRND:-}" ] || CMD="CAIRND=$CAIRND $CMD"
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRND=${CAIRND:-$BUILD/cairnd}
TOOL=$BUILD/cairn-load
for b in "$CAIRND" "$TOOL"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
case $CLIENTS$SECONDS_$PUSH in
'' | *[!0-9]*)
	echo "usage: bench/load.sh [CLIENTS] [SECONDS] [PUSH_SIZE] [-- OPTIONS]" >&2
	exit 2 ;;
esac

# Followers count as connections too.
FOLLOWERS=0
for ((i = 0; i < ${#EXTRA[@]}; i++)); do
	case ${EXTRA[$i]} in
	--followers) FOLLOWERS=${EXTRA[$((i + 1))]:-0} ;;
	--followers=*) FOLLOWERS=${EXTRA[$i]#--followers=} ;;
	esac
done
CONNS=$((CLIENTS + FOLLOWERS + 16))

# The server and the tool each hold one descriptor per connection: raise
# the soft limit (both inherit it) if the hard limit allows.
need=$((CONNS + 64))
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	ulimit -Sn "$need" 2>/dev/null || {
		echo "bench: $CONNS connections need ulimit -n $need;" \
			"the hard limit is $(ulimit -Hn)" >&2
		exit 2
	}
fi

T=$(mktemp -d)
SPID=""
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
	[ -n "$SPID" ] && stop_server
	rm -rf "$T"
}
trap cleanup EXIT

"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
# Every client comes from 127.0.0.1: the per-address limits go up to what
# the run needs; the quotas are off (a long run stores many records).
"$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" --cert "$T/certs/server.pem" \
	--key "$T/certs/server.key" --max-conns "$CONNS" \
	--max-conns-per-ip "$CONNS" --register-limit 100000 \
	--login-limit 100000 --login-ip-limit 100000 \
	--quota-records 0 --quota-mb 0 --log-level warn 2>"$T/srv.log" &
SPID=$!
PORT=""
for _ in $(seq 200); do
	PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" |
		sed 's/.*://' || true)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; cat "$T/srv.log" >&2; exit 1; }

load=$(cut -d' ' -f1 /proc/loadavg)
rc=0
out=$("$TOOL" --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem" \
	--clients "$CLIENTS" --duration "$SECONDS_" --push-size "$PUSH" \
	--cairnd-pid "$SPID" "${EXTRA[@]}") || rc=$?
stop_server
echo "$out"
[ -n "$out" ] || { echo "bench: cairn-load failed ($rc)" >&2; tail -n 5 "$T/srv.log" >&2; exit 1; }
[ "$SERVER_RC" = 0 ] || { echo "bench: cairnd exited $SERVER_RC" >&2; tail -n 5 "$T/srv.log" >&2; rc=1; }
warns=$(grep -cv -e server.listen -e server.stop "$T/srv.log" || true)
[ "$warns" = 0 ] || { echo "bench: cairnd logged:" >&2; grep -v -e server.listen -e server.stop "$T/srv.log" | sort | uniq -c | sort -rn | head -n 5 >&2; }

# The commit measured; -dirty when code differs from it (results do not).
# COMMIT=rev names it instead, for a BUILD made from a clean export.
rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git -C "$SRC" status --porcelain -uno -- . ':!bench/results' 2>/dev/null)" ] ||
	rev=$rev-dirty
rev=${COMMIT:-$rev}
mkdir -p "$SRC/bench/results"
echo "$(date -u +%FT%TZ) commit=$rev cmd=\"$CMD\" loadavg=$load exit=$rc $out" \
	>>"$SRC/bench/results/load.txt"
exit "$rc"
