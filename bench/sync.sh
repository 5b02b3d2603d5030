#!/usr/bin/env bash
# Sync benchmark: push N check-ins in one sync, pull them into a fresh home,
# then a sync with nothing to do, against a real cairnd over TLS on
# 127.0.0.1. Prints one line per measurement (median of RUNS) and appends
# them to bench/results/sync.txt.
#
#   bench/sync.sh [N] [RUNS]        (defaults: 10000 5; run `make` first)
set -euo pipefail

N=${1:-10000}
RUNS=${2:-5}
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
	--key "$T/certs/server.key" --log-level warn 2>"$T/srv.log" &
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
home() { "$CAIRN" --home "$T/$1" init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem" >/dev/null; }

push=() pull=() noop=()
for r in $(seq "$RUNS"); do
	home "a$r"
	echo "bench-password" | "$CAIRN" --home "$T/a$r" register "bench$r" \
		--password-stdin >/dev/null
	"$GEN" "$T/a$r" "$N" "$r"
	t0=$(ms); "$CAIRN" --home "$T/a$r" sync >/dev/null; t1=$(ms)
	push+=($((t1 - t0)))
	home "b$r"
	echo "bench-password" | "$CAIRN" --home "$T/b$r" login "bench$r" \
		--password-stdin >/dev/null
	t0=$(ms); "$CAIRN" --home "$T/b$r" sync >/dev/null; t1=$(ms)
	pull+=($((t1 - t0)))
	t0=$(ms); "$CAIRN" --home "$T/b$r" sync >/dev/null; t1=$(ms)
	noop+=($((t1 - t0)))
	got=$("$CAIRN" --home "$T/b$r" --json ls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	[ "$got" = "$N" ] || { echo "bench: pulled $got of $N" >&2; exit 1; }
done

mp=$(printf '%s\n' "${push[@]}" | median)
ml=$(printf '%s\n' "${pull[@]}" | median)
mn=$(printf '%s\n' "${noop[@]}" | median)
out=$(printf '%s commit=%s n=%d runs=%d push_ms=%d pull_fresh_ms=%d noop_sync_ms=%d' \
	"$(date -u +%FT%TZ)" "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)" \
	"$N" "$RUNS" "$mp" "$ml" "$mn")
echo "$out"
mkdir -p "$SRC/bench/results"
echo "$out" >>"$SRC/bench/results/sync.txt"
