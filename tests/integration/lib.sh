# Shared helpers for the integration scenarios (tests/integration/tNNNN-*.sh),
# in the style of git's t/test-lib.sh. A scenario sources this file, which
# makes a temporary directory with throwaway certificates; the scenario then
# starts its own cairnd on a free loopback port with start_server and drives
# real cairn commands, each home standing for one machine.
#
# Environment (set by ctest, see CMakeLists.txt): CAIRN, CAIRND, MKCERTS,
# CAIRN_SRC. Run by hand from the source tree with
# CAIRN=build/cairn CAIRND=build/cairnd bash tests/integration/t0001-basic.sh
# Set CAIRN_TEST_KEEP=1 to keep the temporary directory, CAIRN_TEST_VERBOSE=1
# to see every command's output.
#
# Checks print "ok N - description"; the first failing check prints
# "not ok N - description" with what was expected and what came, the tail of
# the server logs, and exits 1. A scenario that cannot run (a missing
# prerequisite) calls skip_all "reason": ctest reports it skipped, never
# passed, and make test lists the reason; a check that cannot run here
# calls skip_check "reason".

set -eu
set -o pipefail
set -E

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
CAIRN_SRC=${CAIRN_SRC:-$(cd "$TEST_DIR/../.." && pwd)}
MKCERTS=${MKCERTS:-$CAIRN_SRC/certs/mkcerts}
CAIRN=${CAIRN:-$CAIRN_SRC/build/cairn}
CAIRND=${CAIRND:-$CAIRN_SRC/build/cairnd}
export PEER="$TEST_DIR/peer.py"
PASSWORD="correct horse battery staple"

# Check results go to fd 3, the scenario's stdout, so that a check failing
# inside a command substitution is still seen.
exec 3>&1

test_count=0
SERVER_PIDS=""
SERVER_PID=""
SERVER_LOG=""
PORT=""
T=""

# Fails the scenario: "not ok" line, details, server log tails, exit 1.
fail() {
	test_count=$((test_count + 1))
	echo "not ok $test_count - $1" >&3
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /' >&3
	done
	exit 1
}

# Records a passed check.
pass() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1" >&3
}

# skip_all REASON: the whole scenario cannot run here (a missing program,
# file or privilege). Prints "1..0 # SKIP REASON" and exits 77, which ctest
# reports as skipped (SKIP_RETURN_CODE in CMakeLists.txt).
skip_all() {
	echo "1..0 # SKIP $1" >&3
	exit 77
}

# skip_check REASON: one check cannot run here; the scenario goes on.
# Prints "ok N # skip REASON", which make test lists at the end.
skip_check() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1" >&3
}

# Prerequisites: python3 and openssl are installed by `make deps`; a missing
# one is a failure, not a skip.
command -v python3 >/dev/null 2>&1 || fail "python3 is installed (run make deps)"
command -v openssl >/dev/null 2>&1 || fail "openssl is installed (run make deps)"
for bin in "$CAIRN" "$CAIRND"; do
	[ -x "$bin" ] || skip_all "$bin is not built (set CAIRN and CAIRND)"
done
[ -x "$MKCERTS" ] || fail "mkcerts is executable at $MKCERTS"

T=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$TEST_NAME.XXXXXX")

# Nothing may touch the real user's files.
export HOME="$T/user"
mkdir -m 0700 "$HOME"
unset CAIRN_HOME XDG_DATA_HOME CAIRN_TEST_KILL CAIRND_TEST_KILL_AFTER_COMMITS \
    CAIRN_BATCH
export NO_COLOR=1
export TZ=${TZ:-UTC}

# Background commands a scenario starts (feed --follow); killed at the end.
BG_PIDS=""

cleanup() {
	rc=$?
	set +e
	trap - ERR
	for pid in $BG_PIDS; do
		kill -9 "$pid" 2>/dev/null
	done
	# Servers still running stop as an operator stops them (SIGTERM), so
	# that a sanitizer build's leak check runs; each must exit 0.
	for pid in $SERVER_PIDS; do
		kill -TERM "$pid" 2>/dev/null || continue
		SERVER_PID=$pid
		if ! WAIT_MAX=20 wait_for server_rc_written; then
			kill -9 "$pid" 2>/dev/null
		fi
		wait "${SERVER_WRAP[$pid]}" 2>/dev/null
		src=$(cat "${SERVER_RCFILE[$pid]}" 2>/dev/null || echo none)
		if [ "$rc" -eq 0 ] && [ "$src" != 0 ]; then
			echo "not ok - cairnd $pid exits 0 at the end (exit $src)" >&3
			rc=1
		fi
	done
	# A sanitizer report in any server log fails the scenario.
	if [ "$rc" -eq 0 ] && [ -n "$T" ] &&
	    grep -lE 'Sanitizer|runtime error:' "$T"/server*.log >/dev/null 2>&1; then
		echo "not ok - a sanitizer reported an error in cairnd" >&3
		grep -hE -A5 'Sanitizer|runtime error:' "$T"/server*.log | head -n 30 | sed 's/^/# /' >&3
		rc=1
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$T" ] && [ -d "$T" ]; then
		for log in "$T"/server*.log; do
			[ -f "$log" ] || continue
			echo "# --- last lines of $(basename "$log") ---"
			tail -n 15 "$log" | sed 's/^/# /'
		done
	fi
	if [ "${CAIRN_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "# $TEST_NAME: all $test_count checks passed"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
# A command that fails outside a check says where, before set -e exits.
trap 'echo "# unexpected failure (exit $?) at line $LINENO: $BASH_COMMAND" >&3' ERR

# Bounded polling: runs "$@" until it succeeds, every 0.05 s, at most
# WAIT_MAX (default 10) seconds. Returns 1 on timeout.
wait_for() {
	local tries=$((${WAIT_MAX:-10} * 20))
	while [ "$tries" -gt 0 ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# Runs a command with a hard time limit (seconds) as a safety net against
# a hang, not as synchronisation.
run_bounded() {
	local limit=$1
	shift
	timeout -k 5 "$limit" "$@"
}

server_log_listen_port() {
	sed -n 's/.*server\.listen addr=127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$SERVER_LOG" | head -n 1
}

server_listening() {
	[ -n "$(server_log_listen_port)" ]
}

server_gone() {
	! kill -0 "$SERVER_PID" 2>/dev/null
}

# Starts "$CAIRND" with exactly the arguments given, stderr to a new log
# file $T/server.N.log, and waits for its server.listen line. Sets PORT,
# SERVER_PID and SERVER_LOG. cairnd runs inside a wrapper subshell that
# records its exit status, so that the shell never prints job notices
# ("Killed") into the output of a command under test.
server_seq=0
declare -A SERVER_WRAP SERVER_RCFILE
start_cairnd() {
	local n tries=200
	server_seq=$((server_seq + 1))
	n=$server_seq
	SERVER_LOG="$T/server.$n.log"
	(
		"$CAIRND" "$@" 2>"$SERVER_LOG" </dev/null &
		echo $! >"$T/server.$n.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$T/server.$n.rc"
	) 2>/dev/null &
	SERVER_WRAP[$n]=$!
	while [ ! -s "$T/server.$n.pid" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	SERVER_PID=$(cat "$T/server.$n.pid")
	SERVER_WRAP[$SERVER_PID]=${SERVER_WRAP[$n]}
	SERVER_RCFILE[$SERVER_PID]="$T/server.$n.rc"
	SERVER_PIDS="$SERVER_PIDS $SERVER_PID"
	tries=200
	while [ "$tries" -gt 0 ]; do
		if server_listening; then
			PORT=$(server_log_listen_port)
			return 0
		fi
		if server_gone; then
			fail "cairnd starts ($*)" "it exited before listening:" \
			    "$(cat "$SERVER_LOG")"
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "cairnd starts within 10 s ($*)" "$(tail -n 5 "$SERVER_LOG")"
}

# pg_url PATH: with CAIRN_TEST_DB=pg (tests/pg/pg-run, ctest label pg), the
# PostgreSQL database standing for the SQLite file PATH, created on first
# use in the scenario's own cluster (so restarting on the same PATH finds
# the same data); otherwise PATH itself.
pg_url() {
	local name
	if [ "${CAIRN_TEST_DB:-}" != pg ]; then
		printf '%s\n' "$1"
		return
	fi
	name=$(basename "$1" .db | tr -c 'a-z0-9\n' '_')
	name="t_$name"
	if ! psql -qAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$name'" |
		grep -q 1; then
		createdb "$name" >/dev/null
	fi
	printf 'postgresql:///%s?host=%s\n' "$name" "$CAIRN_TEST_PG_HOST"
}

# start_server [extra args]: cairnd on 127.0.0.1 (port $LISTEN_PORT, else a
# free one) with database ${DB:-$T/srv.db} (pg_url) and the scenario's
# certificates.
start_server() {
	start_cairnd --listen "127.0.0.1:${LISTEN_PORT:-0}" \
	    --db "$(pg_url "${DB:-$T/srv.db}")" \
	    --cert "${CERTS:-$T/certs}/server.pem" \
	    --key "${CERTS:-$T/certs}/server.key" "$@"
}

# Starts the server again on the port it had, so homes keep their config.
restart_server() {
	LISTEN_PORT=$PORT start_server "$@"
}

forget_pid() {
	local keep="" p
	for p in $SERVER_PIDS; do
		[ "$p" = "$1" ] || keep="$keep $p"
	done
	SERVER_PIDS=$keep
}

server_rc_written() {
	[ -s "${SERVER_RCFILE[$SERVER_PID]}" ]
}

# Waits (polling, at most 20 s, then SIGKILL as a safety net) for
# SERVER_PID to exit; sets SERVER_RC to its exit status (137 after
# SIGKILL).
reap_server() {
	if ! WAIT_MAX=20 wait_for server_rc_written; then
		echo "# cairnd $SERVER_PID did not exit within 20 s; killing it" >&3
		kill -9 "$SERVER_PID" 2>/dev/null || true
	fi
	wait "${SERVER_WRAP[$SERVER_PID]}" 2>/dev/null || true
	SERVER_RC=$(cat "${SERVER_RCFILE[$SERVER_PID]}" 2>/dev/null || echo none)
	forget_pid "$SERVER_PID"
}

# SIGTERM, then checks that cairnd exits 0 and logs server.stop.
stop_server() {
	kill -TERM "$SERVER_PID"
	reap_server
	[ "$SERVER_RC" = 0 ] ||
	    fail "cairnd exits 0 on SIGTERM" "exit status $SERVER_RC"
	grep -q 'server\.stop' "$SERVER_LOG" ||
	    fail "cairnd logs server.stop on SIGTERM" "$(tail -n 3 "$SERVER_LOG")"
}

kill9_server() {
	kill -9 "$SERVER_PID" 2>/dev/null || true
	reap_server
}

# bg_start NAME CMD...: runs CMD in the background, stdout to $T/NAME.out,
# stderr to $T/NAME.err, inside a wrapper that records its exit status (so
# the shell prints no job notices); bg_pid NAME is its pid; bg_wait NAME
# polls (at most 20 s) until it exits and sets BG_RC.
bg_start() {
	local name=$1
	shift
	(
		"$@" >"$T/$name.out" 2>"$T/$name.err" 3>&- </dev/null &
		echo $! >"$T/$name.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$T/$name.rc"
	) 2>/dev/null 3>&- &
	wait_for test -s "$T/$name.pid" || fail "$name starts"
	BG_PIDS="$BG_PIDS $(cat "$T/$name.pid")"
}

bg_pid() {
	cat "$T/$1.pid"
}

bg_wait() {
	WAIT_MAX=20 wait_for test -s "$T/$1.rc" || fail "$1 exits within 20 s"
	BG_RC=$(cat "$T/$1.rc")
}

# Certificates for localhost and 127.0.0.1, made once per scenario.
make_certs() {
	"$MKCERTS" --out "$1" "${@:2}" >/dev/null ||
	    fail "mkcerts makes certificates in $1"
}
make_certs "$T/certs" localhost 127.0.0.1

# c HOME ARGS...: runs cairn with --home $T/HOME.
c() {
	local h=$1
	shift
	if [ "${CAIRN_TEST_VERBOSE:-0}" = 1 ]; then
		echo "# cairn --home $h $*" >&2
	fi
	"$CAIRN" --home "$T/$h" "$@"
}

# mkhome NAME: cairn init pointed at the current server, pinning the
# scenario's CA (or $CA).
mkhome() {
	c "$1" init --server "127.0.0.1:$PORT" --ca "${CA:-$T/certs/ca.pem}" \
	    >/dev/null
}

# register HOME HANDLE [ARGS...], login HOME HANDLE [ARGS...]: the password
# ($PW, else $PASSWORD) comes on stdin.
register() {
	local h=$1 handle=$2
	shift 2
	c "$h" register "$handle" --password-stdin "$@" <<<"${PW:-$PASSWORD}"
}

login() {
	local h=$1 handle=$2
	shift 2
	c "$h" login "$handle" --password-stdin "$@" <<<"${PW:-$PASSWORD}"
}

# json_get PATH < JSON: prints the value at PATH (".key", "[N]", chained,
# or "length"); strings raw, everything else as JSON (true, null, 90...).
json_get() {
	python3 -c '
import json, re, sys
path = sys.argv[1]
d = json.load(sys.stdin)
for tok in re.findall(r"\.[A-Za-z_][A-Za-z0-9_]*|\[-?[0-9]+\]|length", path):
    if tok == "length":
        d = len(d)
    elif tok.startswith("."):
        d = d[tok[1:]]
    else:
        d = d[int(tok[1:-1])]
print(d if isinstance(d, str) else json.dumps(d))
' "$1"
}

# json_eval EXPR < JSON: prints the Python expression EXPR over d (the
# document); strings raw, everything else as JSON.
json_eval() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
r = eval("(" + sys.argv[1] + ")", {"json": json}, {"d": d})
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
' "$1"
}

# assert_eq EXPECTED ACTUAL DESCRIPTION
assert_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "expected: $1" "got:      $2"
	fi
}

# assert_match ERE STRING DESCRIPTION
assert_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		pass "$3"
	else
		fail "$3" "expected to match: $1" "got: $2"
	fi
}

# assert_json DESCRIPTION PYTHON-EXPR < JSON: the expression over d is true.
assert_json() {
	local desc=$1 expr=$2 doc r
	doc=$(cat)
	if r=$(printf '%s' "$doc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")", {"json": json}, {"d": d}) else 1)
' "$expr" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "expression: $expr" "document: ${doc:0:1500}" "$r"
	fi
}

# cj HOME ARGS...: runs cairn --json and prints stdout; a failure fails the
# scenario with the command's stderr.
cj() {
	local h=$1 out err rc=0
	shift
	err="$T/cj.err"
	out=$(c "$h" --json "$@" 2>"$err") || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "cairn --home $h --json $* succeeds" "exit $rc" \
		    "stderr: $(cat "$err")"
	fi
	printf '%s\n' "$out"
}

# ok DESCRIPTION CMD...: the command exits 0 (its output is discarded).
ok() {
	local desc=$1 rc=0
	shift
	"$@" >"$T/ok.out" 2>"$T/ok.err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "exit $rc" \
		    "stderr: $(head -c 2000 "$T/ok.err")"
	fi
}

# assert_json_len HOME CMD N: `cairn --json CMD` prints an array of N items.
assert_json_len() {
	local h=$1 cmd=$2 n=$3 got
	# shellcheck disable=SC2086
	got=$(cj "$h" $cmd | json_get length)
	assert_eq "$n" "$got" "$h: $cmd lists $n"
}

# expect_fail EXITCODES ERE CMD...: the command exits with EXITCODES (one
# code, or alternatives "2|5" where the contract allows either) and writes
# exactly one line to stderr matching the (case-sensitive, extended) regular
# expression ERE. For cairn (c, register, login) the line must start with
# "cairn: ".
FAIL_ERR=""
expect_fail() {
	local want=$1 pattern=$2 rc=0 lines
	shift 2
	"$@" >"$T/xf.out" 2>"$T/xf.err" </dev/null || rc=$?
	FAIL_ERR=$(cat "$T/xf.err")
	case "|$want|" in
	*"|$rc|"*) ;;
	*)
		fail "'$*' exits $want" "exit $rc" "stderr: $FAIL_ERR" \
		    "stdout: $(head -c 500 "$T/xf.out")"
		;;
	esac
	lines=$(wc -l <"$T/xf.err")
	if [ "$lines" -ne 1 ]; then
		fail "'$*' writes one line to stderr" "got $lines lines:" \
		    "$FAIL_ERR"
	fi
	if ! grep -Eq -- "$pattern" "$T/xf.err"; then
		fail "'$*' says /$pattern/" "stderr: $FAIL_ERR"
	fi
	case $1 in
	c | register | login | nottybin)
		case $FAIL_ERR in
		"cairn: "*) ;;
		*) fail "cairn's error line starts with 'cairn: '" "$FAIL_ERR" ;;
		esac
		;;
	esac
	pass "$(printf '%s' "$*" | sed "s|$T/||g" | cut -c1-60 | LC_ALL=C tr -c '[:print:]\n' '?') exits $rc: $FAIL_ERR"
}

# expect_cairn_fail EXITCODES ERE HOME ARGS...: expect_fail for cairn.
expect_cairn_fail() {
	local want=$1 pattern=$2
	shift 2
	expect_fail "$want" "$pattern" c "$@"
}

# nottybin HOME ARGS...: cairn without a controlling terminal (setsid), for
# the paths that would otherwise read a password from /dev/tty.
nottybin() {
	local h=$1
	shift
	setsid -w "$CAIRN" --home "$T/$h" "$@"
}

# Normalised listing of a home for comparison across homes: the sorted
# entries with the fields every machine must agree on.
snapshot() {
	cj "$1" ls | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = ("id", "user", "started_at", "minutes", "activity", "text", "skills",
        "metrics", "item", "private", "updated_at")
rows = sorted((tuple(json.dumps(e.get(k), sort_keys=True) for k in keys)
               for e in d))
for r in rows:
    print("\t".join(r))
'
}

# assert_same_snapshot HOME1 HOME2 DESCRIPTION
assert_same_snapshot() {
	local a b
	a=$(snapshot "$1")
	b=$(snapshot "$2")
	if [ "$a" = "$b" ]; then
		pass "$3"
	else
		fail "$3" "$({ diff <(printf '%s\n' "$a") \
		    <(printf '%s\n' "$b") || true; } | head -n 20)"
	fi
}

# ids HOME: the sorted ids `cairn ls` shows, one a line.
ids() {
	cj "$1" ls | json_eval '"\n".join(sorted(e["id"] for e in d))'
}

# count_unique HOME: "TOTAL UNIQUE" ids in `cairn ls --json`.
count_unique() {
	cj "$1" ls |
	    json_eval '"%d %d" % (len(d), len(set(e["id"] for e in d)))'
}

# bulk_log HOME N: adds N unsynced entries to HOME. With cairn-gen (built
# beside cairn; ctest passes it as CAIRN_GEN) they are written through the
# client's store in one transaction, which keeps the large-sync scenarios
# fast under the sanitizers; without it, one `cairn log` each.
bulk_seed=0
bulk_log() {
	local h=$1 n=$2 i=0
	bulk_seed=$((bulk_seed + 1))
	if [ -n "${CAIRN_GEN:-}" ] && [ -x "$CAIRN_GEN" ]; then
		"$CAIRN_GEN" "$T/$h" "$n" "$bulk_seed"
		return
	fi
	while [ "$i" -lt "$n" ]; do
		i=$((i + 1))
		c "$h" log --force 25m drill "bulk $bulk_seed.$i" >/dev/null
	done
}
