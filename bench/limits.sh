#!/usr/bin/env bash
# What this machine can do at best, measured in the same run as cairn's own
# figures, so these read as a share of the limit rather than as absolutes
# that change with the machine and its load:
#
#   sqlite   raw inserts of cairn-shaped rows in one transaction
#            (build/sqlite-limit): cairnd's records table with its
#            indexes and pragmas (WAL, synchronous=FULL), and the
#            client's (WAL, synchronous=NORMAL); 10,000 and 100,000 rows of
#            150-byte bodies, and 10,000 of cairn-gen's size (BODY, 40)
#            which the push and pull figures are read against
#   fsync    4 KiB write + fdatasync a second on this disk (a commit with
#            synchronous=FULL waits for at least one)
#   tls      TLS 1.3 handshakes a second, server on one core: `openssl
#            s_time -new` (one client, one handshake after the other, pinned
#            to core 0) against a cairnd pinned to core 1 with the
#            project's certificates (certs/mkcerts, ECDSA P-256), and
#            against `openssl s_server -num_tickets 0` (cairnd sends no
#            session tickets either) with the same certificate, the
#            reference: OpenSSL's own server on the same core
#   cairn    as bench/sync.sh: one sync pushing N check-ins, a fresh home
#            pulling them, a sync with nothing to do; records a second and
#            the share of the SQLite limit of the side that writes them
#
# Each figure is the median of RUNS (the s_time ones run TLS_SECONDS each).
# Before measuring it waits up to 15 minutes for the 1-minute load average
# to fall to LOAD_MAX (default 1) or below, and writes the load it measured
# under. Figures are appended to bench/results/limits.txt; BUILD=dir
# measures another build, COMMIT=rev names its commit.
#
#   bench/limits.sh [N] [RUNS]     (defaults: 10000 3; run `make` first)
set -euo pipefail

N=${1:-10000}
RUNS=${2:-3}
TLS_SECONDS=${TLS_SECONDS:-10}
BODY=${BODY:-40} # bytes of a cairn-gen check-in's body (protobuf Entry)
CMD="bench/limits.sh $*"
case $N$RUNS$TLS_SECONDS in
'' | *[!0-9]*) echo "usage: bench/limits.sh [N] [RUNS]" >&2; exit 2 ;;
esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRN=$BUILD/cairn
CAIRND=$BUILD/cairnd
GEN=$BUILD/cairn-gen
LIMIT=$BUILD/sqlite-limit
for b in "$CAIRN" "$CAIRND" "$GEN" "$LIMIT"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
for b in openssl taskset python3; do
	command -v "$b" >/dev/null || { echo "bench: $b missing" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 cores (client and server pinned apart)" >&2; exit 2; }

LOAD_MAX=${LOAD_MAX:-1}
load1() { cut -d' ' -f1 /proc/loadavg; }
wait_load() {
	local i
	for i in $(seq 30); do
		awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l <= m) }' && return 0
		[ "$i" = 1 ] && echo "bench: load $(load1) > $LOAD_MAX, waiting (up to 15 min)" >&2
		sleep 30
	done
	echo "bench: load still $(load1) after 15 minutes; measuring anyway" >&2
}

T=$(mktemp -d)
SPID="" OPID=""
# Stops the servers and removes the folder, keeping the exit status.
cleanup() {
	local rc=$?
	if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
	if [ -n "$OPID" ]; then kill "$OPID" 2>/dev/null || true; wait "$OPID" 2>/dev/null || true; fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
us() { date +%s%6N; }

# Starts cairnd on a new database (after PREFIX, e.g. taskset -c 1) and
# sets SPID and PORT.
DBS=0
start_cairnd() {
	DBS=$((DBS + 1))
	"$@" "$CAIRND" --listen 127.0.0.1:0 --db "$T/srv$DBS.db" \
		--cert "$T/certs/server.pem" --key "$T/certs/server.key" \
		--register-limit 10000 --login-limit 10000 --login-ip-limit 10000 \
		--log-level warn 2>"$T/srv.log" &
	SPID=$!
	PORT=""
	for _ in $(seq 200); do
		PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" 2>/dev/null |
			sed 's/.*://' || true)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; exit 1; }
}
stop_cairnd() {
	kill "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=""
}

# CPU time (user + system) PID has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# handshakes PORT PID: s_time pinned to core 0 against 127.0.0.1:PORT for
# TLS_SECONDS; prints the handshakes a second it saw (one client, one
# after the other), and the server's CPU time per handshake in us, read
# from /proc/PID/stat before and after.
handshakes() {
	local t0 t1 c0 c1 out n
	c0=$(cpu_ticks "$2")
	t0=$(us)
	out=$(taskset -c 0 openssl s_time -connect "127.0.0.1:$1" -new -tls1_3 \
		-CAfile "$T/certs/ca.pem" -time "$TLS_SECONDS" 2>&1 </dev/null)
	t1=$(us)
	c1=$(cpu_ticks "$2")
	n=$(echo "$out" | sed -n 's/^\([0-9]*\) connections in [0-9]* real seconds.*/\1/p')
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "bench: s_time failed: $out" >&2; exit 1; }
	echo "$((n * 1000000 / (t1 - t0))) $(((c1 - c0) * 1000000 / $(getconf CLK_TCK) / n))"
}
# tls_runs PORT PID NAME: RUNS of handshakes, then two lines of figures.
tls_runs() {
	local i
	for i in $(seq "$RUNS"); do handshakes "$1" "$2"; done >"$T/hs"
	cut -d' ' -f1 "$T/hs" >"$T/rates"
	cut -d' ' -f2 "$T/hs" >"$T/cpu"
	add 'tls 1.3 handshakes, s_time -new (one client on core 0) against %s (on core 1): %d/s (%s)' \
		"$3" "$(median <"$T/rates")" "$(range <"$T/rates")"
	add 'tls 1.3 handshakes, %s CPU a handshake: %d us (%s), so %d/s on one core when CPU-bound' \
		"$3" "$(median <"$T/cpu")" "$(range <"$T/cpu")" $((1000000 / $(median <"$T/cpu")))
}

# rows_per_s MODE ROWS BODY [SQL]: median of RUNS runs of sqlite-limit.
sqlite_rate() {
	local mode=$1 rows=$2 body=$3 sql=${4:-} i
	for i in $(seq "$RUNS"); do
		rm -f "$T/lim.db" "$T/lim.db-wal" "$T/lim.db-shm"
		if [ -n "$sql" ]; then
			"$LIMIT" "$mode" "$T/lim.db" "$rows" "$body" "$sql"
		else
			"$LIMIT" "$mode" "$T/lim.db" "$rows" "$body"
		fi | sed -n 's/.*rows_per_s=//p'
	done >"$T/rates"
	echo "$(median <"$T/rates") $(range <"$T/rates")"
}

"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null

wait_load
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%FT%TZ)
lines=()
add() { lines+=("$(printf "$@")"); echo "${lines[-1]}" >&2; }

# --- SQLite -------------------------------------------------------------
for rows in 10000 100000; do
	read -r m r < <(sqlite_rate server "$rows" 150)
	add 'sqlite cairnd table, %d rows x 150 B, WAL, sync=FULL: %d rows/s (%s)' "$rows" "$m" "$r"
done
read -r SRV_LIMIT r < <(sqlite_rate server "$N" "$BODY")
add 'sqlite cairnd table, %d rows x %d B, WAL, sync=FULL: %d rows/s (%s)' "$N" "$BODY" "$SRV_LIMIT" "$r"
for rows in 10000 100000; do
	read -r m r < <(sqlite_rate client "$rows" 150)
	add 'sqlite client table, %d rows x 150 B, WAL, sync=NORMAL: %d rows/s (%s)' "$rows" "$m" "$r"
done
read -r CLI_LIMIT r < <(sqlite_rate client "$N" "$BODY")
add 'sqlite client table, %d rows x %d B, WAL, sync=NORMAL: %d rows/s (%s)' "$N" "$BODY" "$CLI_LIMIT" "$r"

# --- fsync --------------------------------------------------------------
for i in $(seq "$RUNS"); do
	rm -f "$T/fsync"
	"$LIMIT" fsync "$T/fsync" 500 | sed -n 's/.*syncs_per_s=//p'
done >"$T/rates"
FSYNC=$(median <"$T/rates")
add 'fsync: 4 KiB pwrite + fdatasync: %d a second, %.2f ms each (%s)' "$FSYNC" \
	"$(awk -v f="$FSYNC" 'BEGIN { print 1000 / f }')" "$(range <"$T/rates")"

# --- TLS handshakes on one core -----------------------------------------
# The crypto a server does in a handshake (one ECDSA P-256 signature, an
# X25519 key and the shared secret), from openssl speed on core 1.
read -r SIGN ECDH < <(taskset -c 1 openssl speed -seconds 2 -mr ecdsap256 ecdhx25519 2>/dev/null |
	awk -F: '/^\+F4:/ { s = $4 } /^\+F5:/ { e = $4 } END { print s, e }')
add 'tls crypto bound, openssl speed: ECDSA P-256 %d signs/s, X25519 %d ops/s; 1 sign + 2 X25519 = %d us, %d handshakes/s on one core' \
	"${SIGN%.*}" "${ECDH%.*}" "$(awk -v s="$SIGN" -v e="$ECDH" 'BEGIN { printf "%d", 1e6 / s + 2e6 / e }')" \
	"$(awk -v s="$SIGN" -v e="$ECDH" 'BEGIN { printf "%d", 1 / (1 / s + 2 / e) }')"
start_cairnd taskset -c 1
tls_runs "$PORT" "$SPID" cairnd
HS_CPU=$(median <"$T/cpu")
stop_cairnd
OPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
taskset -c 1 openssl s_server -accept "127.0.0.1:$OPORT" -cert "$T/certs/server.pem" \
	-key "$T/certs/server.key" -tls1_3 -num_tickets 0 -www -quiet </dev/null >"$T/s_server.log" 2>&1 &
OPID=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$OPORT") 2>/dev/null && break
	sleep 0.05
done
tls_runs "$OPORT" "$OPID" "openssl s_server"
kill "$OPID" 2>/dev/null || true
wait "$OPID" 2>/dev/null || true
OPID=""

# --- cairn, as bench/sync.sh --------------------------------------------
start_cairnd
home() { "$CAIRN" --home "$T/$1" init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem" >/dev/null; }
push=() pull=() noop=()
for r in $(seq "$RUNS"); do
	home "a$r"
	echo "bench-password" | "$CAIRN" --home "$T/a$r" register "bench$r" --password-stdin >/dev/null
	"$GEN" "$T/a$r" "$N" "$r"
	t0=$(us); "$CAIRN" --home "$T/a$r" sync >/dev/null; t1=$(us)
	push+=($((t1 - t0)))
	home "b$r"
	echo "bench-password" | "$CAIRN" --home "$T/b$r" login "bench$r" --password-stdin >/dev/null
	t0=$(us); "$CAIRN" --home "$T/b$r" sync >/dev/null; t1=$(us)
	pull+=($((t1 - t0)))
	t0=$(us); "$CAIRN" --home "$T/b$r" sync >/dev/null; t1=$(us)
	noop+=($((t1 - t0)))
done
stop_cairnd
mp=$(printf '%s\n' "${push[@]}" | median)
ml=$(printf '%s\n' "${pull[@]}" | median)
mn=$(printf '%s\n' "${noop[@]}" | median)
add 'cairn push %d in one sync: %.1f ms, %d records/s, %d%% of the cairnd-table limit (%d B rows)' \
	"$N" "$(awk -v x="$mp" 'BEGIN { print x / 1000 }')" $((N * 1000000 / mp)) \
	$((N * 1000000 / mp * 100 / SRV_LIMIT)) "$BODY"
add 'cairn fresh home pulls %d: %.1f ms, %d records/s, %d%% of the client-table limit, %d%% of the cairnd-table limit' \
	"$N" "$(awk -v x="$ml" 'BEGIN { print x / 1000 }')" $((N * 1000000 / ml)) \
	$((N * 1000000 / ml * 100 / CLI_LIMIT)) $((N * 1000000 / ml * 100 / SRV_LIMIT))
add 'cairn sync with nothing to do: %.1f ms, of which cairnd'"'"'s CPU for the handshake is %.2f ms' \
	"$(awk -v x="$mn" 'BEGIN { print x / 1000 }')" "$(awk -v h="$HS_CPU" 'BEGIN { print h / 1000 }')"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "# $START $CMD  commit=${COMMIT:-$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo none)}" \
		"runs=$RUNS; $(nproc) cores; sqlite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')," \
		"$(openssl version | cut -d' ' -f1-2); load average (1, 5, 15 min) $LOAD_BEFORE before," \
		"$LOAD_AFTER after; build $BUILD"
	printf '%s\n' "${lines[@]}"
} | tee -a "$SRC/bench/results/limits.txt"
