#!/usr/bin/env bash
# Floods against cairnd (issue 9, "Under attack"): for each flood kind of
# tests/integration/attack.py, a fresh cairnd on 127.0.0.1 with its
# defaults, an honest learner whose `cairn sync` (from 127.0.0.1, one new
# entry each time) is timed RUNS times without the flood and RUNS times
# while the flood holds (the median of each), cairnd's peak and current
# resident memory (VmHWM, VmRSS) during the flood, and what the flood
# cost the attacker and what it got. The floods come from other loopback
# addresses (127.0.0.2 and up; all of 127.0.0.0/8 is loopback), except the
# auth floods, which come from the honest learner's own 127.0.0.1.
# Nothing but loopback is contacted. Prints a table and appends it, with
# the date, the commit and the command, to bench/results/attack.txt.
#
#   bench/attack.sh [N] [RUNS]   (defaults 1024 5; run `make` first)
#   CAIRND=path bench/attack.sh  measures another build's server
#   KINDS="slots giant" ...      only some floods
set -euo pipefail

N=${1:-1024}
RUNS=${2:-5}
CMD="bench/attack.sh $*"
[ -z "${CAIRND:-}" ] || CMD="CAIRND=$CAIRND $CMD"
[ -z "${KINDS:-}" ] || CMD="KINDS='$KINDS' $CMD"
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRND=${CAIRND:-$BUILD/cairnd}
CAIRN=$BUILD/cairn
ATTACK=$SRC/tests/integration/attack.py
PEER=$SRC/tests/integration/peer.py
KINDS=${KINDS:-logins slots1 slots giant registers auth auth-spray pulls}
for b in "$CAIRND" "$CAIRN"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
case $N$RUNS in
'' | *[!0-9]*) echo "usage: bench/attack.sh [N] [RUNS]" >&2; exit 2 ;;
esac
[ "$N" -ge 64 ] && [ "$RUNS" -ge 1 ] ||
	{ echo "bench: N must be at least 64, RUNS at least 1" >&2; exit 2; }
# Addresses for N connections at 64 per address.
ADDRS=$(((N + 63) / 64))

need=$((N * 2 + 256))
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	ulimit -Sn "$need" 2>/dev/null || {
		echo "bench: $N connections need ulimit -n $need;" \
			"the hard limit is $(ulimit -Hn)" >&2
		exit 2
	}
fi

T=$(mktemp -d)
SPID="" APID=""
PW="correct horse battery staple"
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
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "$SPID" ] && stop_server
	rm -rf "$T"
}
trap cleanup EXIT

"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
CA=$T/certs/ca.pem

# start_server NAME ARGS: a fresh cairnd with its defaults (plus ARGS).
start_server() {
	local name=$1
	shift
	"$CAIRND" --listen 127.0.0.1:0 --db "$T/$name.db" \
		--cert "$T/certs/server.pem" --key "$T/certs/server.key" \
		"$@" 2>"$T/$name.log" &
	SPID=$!
	SLOG=$T/$name.log
	PORT=""
	for _ in $(seq 200); do
		PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$SLOG" |
			sed 's/.*://' || true)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; cat "$SLOG" >&2; exit 1; }
}

# account HOME HANDLE: a home registered as HANDLE with one synced entry.
account() {
	"$CAIRN" --home "$T/$1" init --server "127.0.0.1:$PORT" --ca "$CA" >/dev/null
	"$CAIRN" --home "$T/$1" register "$2" --password-stdin <<<"$PW" >/dev/null
	"$CAIRN" --home "$T/$1" log 25m drill "first" >/dev/null
	"$CAIRN" --home "$T/$1" sync >/dev/null
}

# syncs HOME: RUNS timed syncs of one new entry each; sets MED (median ms
# of the successful ones, "-" if none), OKS ("k/RUNS") and ERR (the last
# failure's message).
syncs() {
	local h=$1 i t0 t1 ms=() rc
	ERR=""
	for i in $(seq "$RUNS"); do
		"$CAIRN" --home "$T/$h" log 10m review "run $i" >/dev/null
		t0=$(date +%s%N)
		rc=0
		timeout 120 "$CAIRN" --home "$T/$h" sync >/dev/null 2>"$T/sync.err" || rc=$?
		t1=$(date +%s%N)
		if [ "$rc" = 0 ]; then
			ms+=($(((t1 - t0) / 1000000)))
		else
			ERR="exit $rc: $(head -c 120 "$T/sync.err")"
		fi
	done
	OKS="${#ms[@]}/$RUNS"
	if [ "${#ms[@]}" -gt 0 ]; then
		MED=$(printf '%s\n' "${ms[@]}" | sort -n |
			awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
	else
		MED=-
	fi
}

mem() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$SPID/status"; }
# jq-less field access on attack.py's report.
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$T/attack.out" "$1"; }

ROWS=()
# run KIND LABEL COST-EXPR ATTACK-ARGS...: one flood, one row.
run() {
	local kind=$1 label=$2 cost=$3 base base_ok flood flood_ok hwm rss t0 rss0
	shift 3
	syncs "H-$CUR"
	base=$MED base_ok=$OKS
	rss0=$(mem VmRSS)
	rm -f "$T/ready" "$T/stop"
	t0=$(date +%s%N)
	python3 "$ATTACK" "$kind" "$PORT" "$CA" --ready "$T/ready" \
		--until "$T/stop" "$@" >"$T/attack.out" 2>"$T/attack.err" &
	APID=$!
	for _ in $(seq 6000); do
		[ -s "$T/ready" ] && break
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/ready" ] || { echo "bench: the $label flood did not start" >&2; cat "$T/attack.err" >&2; exit 1; }
	FLOOD_S=$(((($(date +%s%N) - t0) / 1000000)))
	syncs "H-$CUR"
	flood=$MED flood_ok=$OKS
	hwm=$(mem VmHWM)
	rss=$(mem VmRSS)
	DUR_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	touch "$T/stop"
	wait "$APID" || { echo "bench: attack.py $kind failed" >&2; cat "$T/attack.err" >&2; exit 1; }
	APID=""
	RSS0=$rss0 RSS=$rss
	local what
	what=$(eval "$cost")
	ROWS+=("$(printf '%-26s | %8s ms %5s | %8s ms %5s | %5s MB | %5s MB | %s' \
		"$label" "$base" "$base_ok" "$flood" "$flood_ok" "$hwm" "$rss" "$what")")
	[ -z "$ERR" ] || ROWS+=("$(printf '%-26s   last failure during the flood: %s' "" "$ERR")")
	echo "${ROWS[-1]}" >&2
	stop_server
}

for kind in $KINDS; do
	CUR=$kind # the homes of this flood's server
	case $kind in
	logins)
		start_server logins
		account "H-$CUR" honest
		account "V-$CUR" victim
		run logins "logins (60 x 5, 1 addr)" \
			'echo "$(grep -c "auth.fail op=login user=victim" "$SLOG") password checks of victim in $DUR_S s ($(field "d[\"codes\"]"))"' \
			--n 60 --guesses 5 --loop --from 127.0.0.2 --handle victim
		;;
	slots1)
		start_server slots1
		account "H-$CUR" honest
		run slots "slots ($N, 1 addr)" \
			'echo "$(field "d[\"open_after_start\"]") of $(field "d[\"attempted\"]") held; $(( (RSS - RSS0) * 1024 / ($(field "d[\"open_after_start\"]") + 1) )) KB of cairnd per held connection"' \
			--n "$N" --from 127.0.0.2
		;;
	slots)
		start_server slots
		account "H-$CUR" honest
		run slots "slots ($((N + 64)), $((ADDRS + 1)) addrs)" \
			'echo "$(field "d[\"open_after_start\"]") of $(field "d[\"attempted\"]") held, $(field "d[\"closed_by_server\"]") evicted; $(( (RSS - RSS0) * 1024 / ($(field "d[\"open_after_start\"]") + 1) )) KB of cairnd per held connection, $(( $(field "d[\"bytes_sent\"]") / $(field "d[\"attempted\"]") )) B sent per connection"' \
			--n $((N + 64)) --from "127.0.0.2+$((ADDRS + 1))"
		;;
	giant)
		start_server giant
		account "H-$CUR" honest
		run giant-preauth "giant pre-auth ($N)" \
			'echo "$(field "d[\"attempted\"]") connections (reconnecting), answers $(field "d[\"codes\"]"), held $(field "d.get(\"held_s_median\", 0)") s median; $(( $(field "d[\"bytes_sent\"]") / $(field "d[\"attempted\"]") / 1024 )) KiB sent per connection"' \
			--n "$N" --from "127.0.0.2+$ADDRS" --burst 262144 --reconnect --settle 30
		;;
	registers)
		start_server registers
		account "H-$CUR" honest
		run registers "registers ($N, $ADDRS addrs)" \
			'echo "$(grep -c "auth.register user=flood" "$SLOG") accounts made, answers $(field "d[\"codes\"]")"' \
			--n "$N" --from "127.0.0.2+$ADDRS"
		;;
	auth)
		start_server auth
		account "H-$CUR" honest
		run auth "auth (2,000, own addr)" \
			'echo "$(field "d[\"requests\"]") random tokens in $DUR_S s, answers $(field "d[\"codes\"]")"' \
			--n 48 --from 127.0.0.1 --guesses 8 --loop --max-requests 2000 --ready-after 200
		;;
	auth-spray)
		start_server auth-spray
		account "H-$CUR" honest
		run auth "auth spray (own addr)" \
			'echo "$(field "d[\"requests\"]") random tokens in $DUR_S s, answers $(field "d[\"codes\"]"); $(grep -c "table=full" "$SLOG") table=full log lines"' \
			--n 48 --from 127.0.0.1 --guesses 8 --loop --ready-after 20000
		;;
	pulls)
		# One account holds them all: its cap on connections
		# (--max-conns-per-user, 32) is raised to measure what unread
		# replies cost.
		start_server pulls --max-conns-per-user 1024
		account "H-$CUR" honest
		account "M-$CUR" mallory
		python3 "$PEER" fill "$PORT" "$CA" mallory "$PW" 300 4000 >/dev/null
		np=$((N - 64))
		[ "$np" -le 960 ] || np=960
		run unread-pulls "unread pulls ($np)" \
			'echo "$(field "d[\"codes\"].get(\"OK\", 0)") sessions x 8 Pulls of ~1 MiB unread; $(( (RSS - RSS0) * 1024 / np )) KB of cairnd per connection; $(( $(field "d[\"bytes_sent\"]") / np )) B sent per connection; open in $FLOOD_S ms"' \
			--n "$np" --from "127.0.0.3+$(((np + 63) / 64))" --handle mallory \
			--password "$PW" --pulls 8 --concurrency 32 --mss 536 --rcvbuf 4096
		;;
	*) echo "bench: unknown kind $kind" >&2; exit 2 ;;
	esac
done

rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git -C "$SRC" status --porcelain -- server common 2>/dev/null)" ] ||
	rev=$rev-dirty
{
	echo "== $(date -u +%FT%TZ) commit=$rev cairnd=$CAIRND cmd=\"${CMD% }\""
	echo "   ($(nproc) cores; honest sync = one new entry, median of $RUNS; memory = cairnd during the flood)"
	printf '%-26s | %-17s | %-17s | %-8s | %-8s | %s\n' flood "sync, no flood" "sync, flood" VmHWM VmRSS "attacker: cost and gain"
	printf '%s\n' "${ROWS[@]}"
} | tee -a "$SRC/bench/results/attack.txt"
