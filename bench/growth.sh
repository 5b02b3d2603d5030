#!/usr/bin/env bash
# Push into a large server database: fills cairnd's database with FILL
# records (one learner's hourly sessions going back years, ids made at
# their sessions' times, pushed in syncs of 100,000), then times one sync
# pushing PUSH check-ins made now from a fresh learner, RUNS times, and
# the bytes cairnd wrote to disk for it (/proc/PID/io write_bytes). This
# is where random record ids hurt: each insert lands on a different page
# of the id index; ids led by their hour (common/uuid.c) land in 1/256.
#
#   bench/growth.sh [FILL] [PUSH] [RUNS]   (defaults: 1000000 10000 3)
#   BUILD=/other/build bench/growth.sh ... measures another build.
set -euo pipefail

FILL=${1:-1000000}
PUSH=${2:-10000}
RUNS=${3:-3}
CHUNK=100000
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRN=$BUILD/cairn
CAIRND=$BUILD/cairnd
GEN=$BUILD/cairn-gen
for b in "$CAIRN" "$CAIRND" "$GEN"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done

T=$(mktemp -d)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
"$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" --cert "$T/certs/server.pem" \
	--key "$T/certs/server.key" --quota-records 0 --quota-mb 0 \
	--register-limit 1000 --log-level warn 2>"$T/srv.log" &
SPID=$!
PORT=""
for _ in $(seq 200); do
	PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" |
		sed 's/.*://' || true)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; exit 1; }

ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
written() { awk '/^write_bytes/ {print $2}' "/proc/$SPID/io"; }
home() {
	"$CAIRN" --home "$T/$1" init --server "127.0.0.1:$PORT" \
		--ca "$T/certs/ca.pem" >/dev/null
	echo "bench-password" | "$CAIRN" --home "$T/$1" register "$1" \
		--password-stdin >/dev/null
}

home filler
left=$FILL
seed=1000
t0=$(ms)
while [ "$left" -gt 0 ]; do
	n=$((left < CHUNK ? left : CHUNK))
	"$GEN" "$T/filler" "$n" "$seed"
	"$CAIRN" --home "$T/filler" sync >/dev/null
	left=$((left - n))
	seed=$((seed + 1))
done
fill_ms=$(($(ms) - t0))

push=() bytes=()
for r in $(seq "$RUNS"); do
	home "p$r"
	"$GEN" --ids-today "$T/p$r" "$PUSH" "$r"
	w0=$(written)
	t0=$(ms)
	"$CAIRN" --home "$T/p$r" sync >/dev/null
	t1=$(ms)
	push+=($((t1 - t0)))
	bytes+=($((($(written) - w0) / 1048576)))
done

out=$(printf '%s commit=%s fill=%d fill_ms=%d push=%d runs=%d push_ms=%s (median %d) written_mib=%s' \
	"$(date -u +%FT%TZ)" "$(git -C "$BUILD/.." rev-parse --short HEAD 2>/dev/null || echo none)" \
	"$FILL" "$fill_ms" "$PUSH" "$RUNS" "$(IFS=,; echo "${push[*]}")" \
	"$(printf '%s\n' "${push[@]}" | median)" "$(IFS=,; echo "${bytes[*]}")")
echo "$out"
mkdir -p "$SRC/bench/results"
echo "$out" >>"$SRC/bench/results/growth.txt"
