#!/usr/bin/env bash
# cairn against Taskwarrior + taskd, the closest existing tool (a CLI with a
# local store that syncs to a TLS server), on the same machine, on
# 127.0.0.1, in a temporary folder. Four operations:
#
#   push   one sync pushing N new records (cairn: N check-ins written by
#          build/cairn-gen, then `cairn sync`; task: N tasks brought in
#          with `task import`, then `task sync`), each run to a new account
#   pull   a fresh machine pulling N records pushed earlier (cairn: a new
#          home, `cairn login`, then `cairn sync` is timed; task: a new data
#          folder with the same credentials, `task sync`)
#   noop   a sync with nothing to do, on the home / data folder just pulled
#   memory the servers' resident memory (VmRSS) before the first large sync
#          and after all of them: one setup push plus two a run (2 * RUNS
#          + 1 large syncs)
#
# Runs are interleaved: within a run each operation goes cairn then task,
# the next run task then cairn, so a load that comes and goes hits both.
# Each time is the median of RUNS with its min-max; the ratio is task /
# cairn: the ratio of the medians and the range of the per-run ratios.
#
# A record is the same thing on both sides: a practice session done. For
# Taskwarrior that is a completed task (what `task log` makes) with a
# description, a project (the activity), an entry and an end date.
#
# taskd is set up here with its own configuration: `taskd init`, a private
# CA and a server certificate for "localhost" made with openssl (taskwarrior
# checks the name it connects to against the certificate, so the clients
# use localhost:PORT, which /etc/hosts maps to 127.0.0.1 where taskd
# listens), a client certificate signed by the same CA, request.limit raised
# to 64 MiB (the default 1 MiB refuses a 10,000-task push, about 2 MB),
# `taskd add org Bench` and one user per account. Installs taskd and
# taskwarrior with apt-get when they are missing and this runs as root.
#
# Durability differs: cairnd commits each pushed batch with
# synchronous=FULL (an fdatasync) before it answers; taskd 1.1.0 appends to
# the user's tx.data and never calls fsync or fdatasync (strace), so a
# power cut can lose a sync it acknowledged.
#
# Before measuring it waits (up to 15 minutes) for the 1-minute load
# average to fall to LOAD_MAX (default 1) or below, and writes the load it
# measured under. Figures are appended to bench/results/compare-taskd.txt;
# BUILD=dir measures another build, COMMIT=rev names its commit.
#
#   bench/compare-taskd.sh [N] [RUNS]     (defaults: 10000 5; run `make` first)
set -euo pipefail

N=${1:-10000}
RUNS=${2:-5}
CMD="bench/compare-taskd.sh $*"
case $N$RUNS in
'' | *[!0-9]*) echo "usage: bench/compare-taskd.sh [N] [RUNS]" >&2; exit 2 ;;
esac
[ "$N" -ge 1 ] && [ "$RUNS" -ge 1 ] || { echo "bench: N and RUNS must be at least 1" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRN=$BUILD/cairn
CAIRND=$BUILD/cairnd
GEN=$BUILD/cairn-gen
for b in "$CAIRN" "$CAIRND" "$GEN"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
for b in python3 openssl; do
	command -v "$b" >/dev/null || { echo "bench: $b missing" >&2; exit 2; }
done

# taskd and taskwarrior (Debian 12: taskd 1.1.0, taskwarrior 2.6.2).
missing=()
command -v taskd >/dev/null || missing+=(taskd)
command -v task >/dev/null || missing+=(taskwarrior)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "bench: installing ${missing[*]}" >&2
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >&2
	else
		echo "bench: needs ${missing[*]}: run as root, or" \
			"sudo apt-get install ${missing[*]}" >&2
		exit 2
	fi
fi

# Other work on this machine distorts the figures: wait for the 1-minute
# load average to fall to LOAD_MAX (default 1) or below, polling every 30 s
# for 15 minutes at most, then go on whatever it is and say what it was.
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
SPID="" TPID=""
# Stops both servers and removes the folder; the script's exit status is
# kept (a server killed here would otherwise make it 143).
cleanup() {
	local rc=$?
	if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
	if [ -n "$TPID" ]; then kill "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

# --- cairnd -------------------------------------------------------------
"$SRC/certs/mkcerts" --out "$T/certs" localhost 127.0.0.1 >/dev/null
# Limits on logins and registrations per address are raised: every
# account here comes from 127.0.0.1.
"$CAIRND" --listen 127.0.0.1:0 --db "$T/srv.db" --cert "$T/certs/server.pem" \
	--key "$T/certs/server.key" --register-limit 10000 --login-limit 10000 \
	--login-ip-limit 10000 --log-level warn 2>"$T/srv.log" &
SPID=$!
PORT=""
for _ in $(seq 200); do
	PORT=$(grep -o 'server.listen addr=127.0.0.1:[0-9]*' "$T/srv.log" 2>/dev/null |
		sed 's/.*://' || true)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "$PORT" ] || { echo "bench: cairnd did not start" >&2; exit 1; }

# --- taskd --------------------------------------------------------------
TD=$T/taskd
mkdir -p "$TD/data" "$TD/pki"
TPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(
	cd "$TD/pki"
	ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "$@" 2>/dev/null; }
	ec -x509 -days 30 -keyout ca.key -out ca.pem -subj "/CN=bench taskd CA"
	ec -keyout server.key -out server.csr -subj "/CN=localhost"
	printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		"extendedKeyUsage=serverAuth" "keyUsage=digitalSignature" >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 30 -extfile server.ext -out server.pem 2>/dev/null
	ec -keyout client.key -out client.csr -subj "/CN=bench taskwarrior"
	printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature" >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 30 -extfile client.ext -out client.pem 2>/dev/null
)
taskd init --data "$TD/data" >/dev/null
tdconf() { taskd config --force --data "$TD/data" "$1" "$2" >/dev/null; }
tdconf root "$TD/data"
tdconf server "127.0.0.1:$TPORT"
tdconf server.cert "$TD/pki/server.pem"
tdconf server.key "$TD/pki/server.key"
tdconf ca.cert "$TD/pki/ca.pem"
tdconf log "$TD/taskd.log"
tdconf pid.file "$TD/taskd.pid"
tdconf request.limit 67108864
tdconf ip.log off
taskd add --data "$TD/data" org Bench >/dev/null
taskd server --data "$TD/data" >"$TD/server.out" 2>&1 &
TPID=$!
for _ in $(seq 200); do
	grep -q 'Server ready' "$TD/taskd.log" 2>/dev/null && break
	sleep 0.05
done
grep -q 'Server ready' "$TD/taskd.log" || { echo "bench: taskd did not start" >&2; cat "$TD/server.out" "$TD/taskd.log" >&2; exit 1; }

# --- helpers ------------------------------------------------------------
us() { date +%s%6N; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
raw() { echo "$1 $2 $3 $4" >>"$T/raw"; } # op tool run value

cairn_home() { # NAME: a new home pointed at cairnd
	"$CAIRN" --home "$T/$1" init --server "127.0.0.1:$PORT" --ca "$T/certs/ca.pem" >/dev/null
}
cairn_count() {
	"$CAIRN" --home "$T/$1" --json ls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

task_user() { # USER: prints its credentials
	local key
	key=$(taskd add --data "$TD/data" user Bench "$1" | sed -n 's/^New user key: //p')
	[ -n "$key" ] || { echo "bench: taskd add user $1 failed" >&2; exit 1; }
	echo "Bench/$1/$key"
}
task_dir() { # NAME CREDENTIALS: a new data folder and its taskrc
	mkdir -p "$T/$1"
	cat >"$T/$1.rc" <<-EOF
		data.location=$T/$1
		confirmation=off
		verbose=nothing
		hooks=off
		taskd.server=localhost:$TPORT
		taskd.certificate=$TD/pki/client.pem
		taskd.key=$TD/pki/client.key
		taskd.ca=$TD/pki/ca.pem
		taskd.trust=strict
		taskd.credentials=$2
	EOF
}
task_in() { local d=$1; shift; TASKRC="$T/$d.rc" TASKDATA="$T/$d" task "$@"; }
task_gen() { # FILE SEED: N completed tasks shaped like cairn-gen's check-ins
	python3 - "$1" "$N" "$2" <<-'EOF'
		import json, sys, time, uuid
		out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		acts = ["project", "drill", "reading", "retrieval", "review",
		        "community", "planning"]
		fmt = lambda t: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
		now = int(time.time())
		with open(out, "w") as f:
		    for i in range(n):
		        start = now - 86400 - i * 3600
		        mins = 15 + (i * 7 + seed) % 120
		        f.write(json.dumps({
		            "uuid": str(uuid.uuid4()), "status": "completed",
		            "description": "generated session %d" % i,
		            "project": acts[(i + seed) % 7],
		            "entry": fmt(start), "end": fmt(start + 60 * mins)}) + "\n")
	EOF
}

# One operation of run R for one tool; each records its time in us.
cairn_push() {
	cairn_home "cp$1"
	echo "bench-password" | "$CAIRN" --home "$T/cp$1" register "push$1" \
		--password-stdin >/dev/null
	"$GEN" "$T/cp$1" "$N" "$1"
	local t0 t1
	t0=$(us); "$CAIRN" --home "$T/cp$1" sync >/dev/null; t1=$(us)
	raw push cairn "$1" $((t1 - t0))
}
task_push() {
	task_dir "tp$1" "$(task_user "push$1")"
	task_gen "$T/tp$1.json" "$1"
	task_in "tp$1" import "$T/tp$1.json" >/dev/null 2>&1
	local t0 t1
	t0=$(us); task_in "tp$1" sync >/dev/null; t1=$(us)
	raw push task "$1" $((t1 - t0))
}
cairn_pull() {
	cairn_home "cl$1"
	echo "bench-password" | "$CAIRN" --home "$T/cl$1" login pull \
		--password-stdin >/dev/null
	local t0 t1
	t0=$(us); "$CAIRN" --home "$T/cl$1" sync >/dev/null; t1=$(us)
	raw pull cairn "$1" $((t1 - t0))
	local got; got=$(cairn_count "cl$1")
	[ "$got" = "$N" ] || { echo "bench: cairn pulled $got of $N" >&2; exit 1; }
}
task_pull() {
	task_dir "tl$1" "$TASK_PULL_CRED"
	local t0 t1
	t0=$(us); task_in "tl$1" sync >/dev/null; t1=$(us)
	raw pull task "$1" $((t1 - t0))
	local got; got=$(task_in "tl$1" count status:completed)
	[ "$got" = "$N" ] || { echo "bench: task pulled $got of $N" >&2; exit 1; }
}
cairn_noop() {
	local t0 t1
	t0=$(us); "$CAIRN" --home "$T/cl$1" sync >/dev/null; t1=$(us)
	raw noop cairn "$1" $((t1 - t0))
}
task_noop() {
	local t0 t1
	t0=$(us); task_in "tl$1" sync >/dev/null; t1=$(us)
	raw noop task "$1" $((t1 - t0))
}

wait_load
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%FT%TZ)

# --- setup: the account every fresh machine pulls ------------------------
cairn_home src
echo "bench-password" | "$CAIRN" --home "$T/src" register pull --password-stdin >/dev/null
TASK_PULL_CRED=$(task_user pull)
task_dir tsrc "$TASK_PULL_CRED"
task_gen "$T/tsrc.json" 0
task_in tsrc import "$T/tsrc.json" >/dev/null 2>&1
"$GEN" "$T/src" "$N" 0
echo "$(rss "$SPID") $(rss "$TPID")" >"$T/rss0" # before any large sync
raw rss cairn 0 "$(rss "$SPID")"
raw rss task 0 "$(rss "$TPID")"
"$CAIRN" --home "$T/src" sync >/dev/null
task_in tsrc sync >/dev/null

# --- the runs, interleaved ----------------------------------------------
for r in $(seq "$RUNS"); do
	if [ $((r % 2)) = 1 ]; then first=cairn second=task; else first=task second=cairn; fi
	for op in push pull noop; do
		"${first}_$op" "$r"
		"${second}_$op" "$r"
	done
	raw rss cairn "$r" "$(rss "$SPID")"
	raw rss task "$r" "$(rss "$TPID")"
	echo "bench: run $r of $RUNS done" >&2
done
raw hwm cairn 0 "$(hwm "$SPID")"
raw hwm task 0 "$(hwm "$TPID")"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -------------------------------------------------------------
TASKV=$(task --version 2>/dev/null || echo '?')
TASKDV=$(taskd --version 2>/dev/null | sed -n 's/.*taskd \([0-9.]*\).*/\1/p' | head -1)
# COMMIT=rev names the commit of a BUILD made from a clean export.
COMMIT=${COMMIT:-$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo none)}
out=$(python3 - "$T/raw" "$N" "$RUNS" <<-'EOF'
	import statistics, sys
	path, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	v = {}
	for line in open(path):
	    op, tool, run, val = line.split()
	    v.setdefault((op, tool), {})[int(run)] = int(val)
	def ms(x):
	    return "%.1f" % (x / 1000) if x < 100000 else "%.0f" % (x / 1000)
	names = {"push": "push %d in one sync" % n,
	         "pull": "fresh machine pulls %d" % n,
	         "noop": "sync with nothing to do"}
	for op in ("push", "pull", "noop"):
	    c, t = v[(op, "cairn")], v[(op, "task")]
	    rs = sorted(t[r] / c[r] for r in c)
	    mc, mt = statistics.median(c.values()), statistics.median(t.values())
	    print("%-26s cairn %s ms (%s-%s)  task %s ms (%s-%s)  task/cairn %.1fx (%.1f-%.1fx)"
	          % (names[op] + ":", ms(mc), ms(min(c.values())), ms(max(c.values())),
	             ms(mt), ms(min(t.values())), ms(max(t.values())), mt / mc, rs[0], rs[-1]))
	# Memory: growth from before the first large sync to after the last.
	grow = {}
	parts = []
	for tool in ("cairn", "task"):
	    r = v[("rss", tool)]
	    inc = [r[i] - r[i - 1] for i in range(1, runs + 1)]
	    grow[tool] = r[runs] - r[0]
	    parts.append("%s %.1f -> %.1f MB (+%.1f MB; a run +%.1f..+%.1f MB; peak %.1f MB)"
	                 % (tool if tool == "cairn" else "taskd", r[0] / 1024, r[runs] / 1024,
	                    grow[tool] / 1024, min(inc) / 1024, max(inc) / 1024,
	                    v[("hwm", tool)][0] / 1024))
	ratio = grow["task"] / grow["cairn"] if grow["cairn"] > 0 else float("inf")
	print("%-26s %s  %s  taskd/cairnd growth %.1fx"
	      % ("server memory, %d large syncs:" % (2 * runs + 1), parts[0], parts[1], ratio))
	print("  per run, in ms (run 1, 2, ...; odd runs cairn first, even runs task first):")
	for op in ("push", "pull", "noop"):
	    for tool in ("cairn", "task"):
	        x = v[(op, tool)]
	        print("    %s %-5s %s" % (op, tool, " ".join(ms(x[r]) for r in sorted(x))))
	for tool in ("cairn", "task"):
	    x = v[("rss", tool)]
	    print("    rss %-5s %s (KB, before the first large sync, then after each run)"
	          % (tool, " ".join(str(x[r]) for r in sorted(x))))
EOF
)
{
	echo "# $START $CMD  commit=$COMMIT n=$N runs=$RUNS; $(nproc) cores;" \
		"load average (1, 5, 15 min) $LOAD_BEFORE before, $LOAD_AFTER after;" \
		"taskwarrior $TASKV, taskd $TASKDV; build $BUILD"
	echo "$out"
} | tee -a "$SRC/bench/results/compare-taskd.txt"
