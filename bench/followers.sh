#!/usr/bin/env bash
# Live-feed followers: starts a real cairnd on 127.0.0.1 with throwaway
# certificates and a temporary database, opens N followers of one learner's
# partner (build/cairn-followers, through the client's own library), reads
# cairnd's resident memory before and after, pushes one check-in and times
# it reaching every follower. Repeats RUNS times (each on a fresh server)
# and appends each run's figures to bench/results/followers.txt.
#
#   bench/followers.sh [N] [RUNS]   (defaults 2000 3; run `make` first)
set -euo pipefail

N=${1:-2000}
RUNS=${2:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRND=$BUILD/cairnd
TOOL=$BUILD/cairn-followers
for b in "$CAIRND" "$TOOL"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
case $N$RUNS in
'' | *[!0-9]*) echo "usage: bench/followers.sh [N] [RUNS]" >&2; exit 2 ;;
esac
need=$((N + 64))
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	ulimit -Sn "$need" 2>/dev/null || {
		echo "bench: $N followers need ulimit -n $need" >&2
		exit 2
	}
fi
T=$(mktemp -d)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git -C "$SRC" status --porcelain -- . ':!bench/results' 2>/dev/null)" ] ||
	rev=$rev-dirty
mkdir -p "$SRC/bench/results"
for run in $(seq "$RUNS"); do
	rm -f "$T/srv.db"* "$T/.srv.db.cairnd-mark" "$T/srv.log"
	"$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" \
		--cert "$T/certs/server.pem" --key "$T/certs/server.key" \
		--max-conns $((N + 16)) --max-conns-per-ip $((N + 16)) --max-conns-per-user $((N + 16)) --log-level warn 2>"$T/srv.log" &
	SPID=$!
	PORT=""
	for _ in $(seq 200); do
		PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" |
			sed 's/.*://' || true)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; exit 1; }
	out=$("$TOOL" "127.0.0.1:$PORT" "$T/certs/ca.pem" "$N" "$SPID")
	kill -TERM "$SPID"
	wait "$SPID" || { echo "bench: cairnd did not exit 0" >&2; exit 1; }
	SPID=""
	echo "run $run: $out"
	echo "$(date -u +%FT%TZ) commit=$rev cmd=\"bench/followers.sh $N $RUNS\" run=$run $out" \
		>>"$SRC/bench/results/followers.txt"
done
