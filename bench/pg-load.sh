#!/usr/bin/env bash
# Scale-out: the same load generator (cairn-load: CLIENTS concurrent
# clients pushing PUSH_SIZE check-ins at a time for SECONDS) through HAProxy
# (TCP mode, round robin) against 1 cairnd on SQLite, then 1, 2 and 4
# cairnd on one PostgreSQL database (a throwaway cluster with fsync and
# synchronous commit on, tests/pg/pg-start with PG_DURABLE=1, a fresh
# database for each run). Prints one line a run (pushes/s, records/s,
# latency p50/p99, errors) and appends them to bench/results/pg-load.txt.
#
#   bench/pg-load.sh [CLIENTS] [SECONDS] [PUSH_SIZE] [SERVERS...]
#
# Defaults 100 10 1, servers "sqlite 1 2 4". Needs postgresql and haproxy
# (make deps --test installs them), and `make` (or BUILD=dir) first.
set -euo pipefail

CLIENTS=${1:-100}
SECONDS_=${2:-10}
PUSH=${3:-1}
shift $(($# < 3 ? $# : 3))
RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=(sqlite 1 2 4)
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRND=${CAIRND:-$BUILD/cairnd}
TOOL=$BUILD/cairn-load
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
for b in "$CAIRND" "$TOOL" "$HAPROXY"; do
	[ -x "$b" ] || { echo "bench: $b missing (make; apt-get install haproxy)" >&2; exit 2; }
done
CONNS=$((CLIENTS + 16))
ulimit -Sn $((CONNS * 2 + 256)) 2>/dev/null || true

T=$(mktemp -d)
PGDIR=""
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -z "$PGDIR" ] || "$SRC/tests/pg/pg-stop" "$PGDIR"
	rm -rf "$T"
}
trap cleanup EXIT
"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
if printf '%s\n' "${RUNS[@]}" | grep -qv sqlite; then
	PGDIR=$(PG_DURABLE=1 "$SRC/tests/pg/pg-start")
	for d in /usr/lib/postgresql/*/bin; do PATH=$d:$PATH; done
	export PGHOST=$PGDIR PGUSER=cairn PGDATABASE=postgres
fi

# start_cairnd DB N: starts cairnd number N on DB; its port to $T/port.N.
start_cairnd() {
	local db=$1 n=$2 port=""
	"$CAIRND" --listen 127.0.0.1:0 --db "$db" --cert "$T/certs/server.pem" \
		--key "$T/certs/server.key" --max-conns "$CONNS" \
		--max-conns-per-ip "$CONNS" --max-conns-per-user "$CONNS" \
		--register-limit 100000 --login-limit 100000 \
		--login-ip-limit 100000 --quota-records 0 --quota-mb 0 \
		--log-level warn 2>"$T/srv.$n.log" &
	PIDS+=($!)
	for _ in $(seq 200); do
		port=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.$n.log" |
			sed 's/.*://' || true)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || { echo "bench: cairnd did not start" >&2; cat "$T/srv.$n.log" >&2; exit 1; }
	echo "$port" >"$T/port.$n"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git -C "$SRC" status --porcelain -uno -- . ':!bench/results' 2>/dev/null)" ] ||
	rev=$rev-dirty
mkdir -p "$SRC/bench/results"
run=0
for servers in "${RUNS[@]}"; do
	run=$((run + 1))
	PIDS=()
	if [ "$servers" = sqlite ]; then
		db=$T/run$run.db
		n=1
	else
		createdb "bench$run"
		db="postgresql:///bench$run?host=$PGDIR"
		n=$servers
	fi
	backends=""
	for i in $(seq "$n"); do
		start_cairnd "$db" "$i"
		backends="$backends	server s$i 127.0.0.1:$(cat "$T/port.$i")
"
	done
	ha=$(free_port)
	cat >"$T/haproxy.cfg" <<CFG
global
	maxconn $((CONNS * 2))
defaults
	mode tcp
	timeout connect 2s
	timeout client 120s
	timeout server 120s
frontend f
	bind 127.0.0.1:$ha
	default_backend b
backend b
	balance roundrobin
$backends
CFG
	"$HAPROXY" -db -f "$T/haproxy.cfg" 2>"$T/haproxy.log" &
	PIDS+=($!)
	sleep 0.5
	load=$(cut -d' ' -f1 /proc/loadavg)
	out=$("$TOOL" --server "127.0.0.1:$ha" --ca "$T/certs/ca.pem" \
		--clients "$CLIENTS" --duration "$SECONDS_" --push-size "$PUSH" \
		2>/dev/null) || true
	label=$([ "$servers" = sqlite ] && echo "1 cairnd, SQLite" || echo "$servers cairnd, PostgreSQL")
	line="$(date -u +%FT%TZ) commit=$rev backend=\"$label\" clients=$CLIENTS seconds=$SECONDS_ push=$PUSH loadavg=$load $out"
	echo "$line"
	echo "$line" >>"$SRC/bench/results/pg-load.txt"
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait "${PIDS[@]}" 2>/dev/null || true
	PIDS=()
done
