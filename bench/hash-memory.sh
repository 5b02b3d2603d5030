#!/usr/bin/env bash
# cairnd's resident memory after password hashing: four accounts
# registered, then eight rounds of two logins at once (each an scrypt
# hash of 16 MiB on the libuv thread pool; two is what cairnd hashes at
# once for one address). Prints VmRSS after the registrations, after the
# logins, and the peak (VmHWM).
#
#   bench/hash-memory.sh                 (run `make` first)
#   CAIRND=/other/cairnd bench/hash-memory.sh   measures another server
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRN=$BUILD/cairn
CAIRND=${CAIRND:-$BUILD/cairnd}
T=$(mktemp -d)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

"$SRC/certs/mkcerts" --out "$T/c" localhost 127.0.0.1 >/dev/null
"$CAIRND" --listen 127.0.0.1:0 --db "$T/s.db" --cert "$T/c/server.pem" \
	--key "$T/c/server.key" --log-level warn 2>"$T/log" &
SPID=$!
PORT=""
for _ in $(seq 200); do
	PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/log" | sed 's/.*://' || true)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; exit 1; }
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$SPID/status"; }
for u in a b c d; do
	"$CAIRN" --home "$T/$u" init --server "127.0.0.1:$PORT" --ca "$T/c/ca.pem" >/dev/null
	echo bench-password | "$CAIRN" --home "$T/$u" register "user$u" --password-stdin >/dev/null
done
rss0=$(kb VmRSS)
for r in 1 2 3 4 5 6 7 8; do
	pids=""
	for u in a b c d; do
		case $((r % 2))$u in 0[ab] | 1[cd]) continue ;; esac
		(echo bench-password | "$CAIRN" --home "$T/$u" login "user$u" \
			--password-stdin >/dev/null) &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
done
sleep 0.5
out=$(printf '%s cairnd=%s rss_after_registers_kb=%s rss_after_16_logins_kb=%s hwm_kb=%s' \
	"$(date -u +%FT%TZ)" "$CAIRND" "$rss0" "$(kb VmRSS)" "$(kb VmHWM)")
echo "$out"
mkdir -p "$SRC/bench/results"
echo "$out" >>"$SRC/bench/results/hash-memory.txt"
