#!/usr/bin/env bash
# The progress views over a large history: a home with N sessions HOURS
# apart (build/cairn-gen) and the sample plan, then each view timed RUNS
# times (median, milliseconds, the whole command as a learner runs it).
# Appends one line to bench/results/views.txt.
#
#   bench/views.sh [N] [HOURS] [RUNS]   (defaults 10000 4 5: about four
#                                        and a half years of daily practice)
set -euo pipefail
N=${1:-10000}
HOURS=${2:-4}
RUNS=${3:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
CAIRN=$BUILD/cairn
GEN=$BUILD/cairn-gen
for b in "$CAIRN" "$GEN"; do
	[ -x "$b" ] || { echo "bench: $b missing; run make" >&2; exit 2; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
H=$T/home
"$CAIRN" --home "$H" init >/dev/null # a home without a server
"$GEN" "$H" "$N" 1 "$HOURS"
"$CAIRN" --home "$H" plan import "$SRC/tests/data/samples/ultralearning-plan.md" >/dev/null
ms() { # median of RUNS runs of "$@", in ms
	local i t0 t1 all=()
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		all+=($(((t1 - t0) / 1000000)))
	done
	printf '%s\n' "${all[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
c() { "$CAIRN" --home "$H" "$@"; }
line="n=$N hours=$HOURS runs=$RUNS"
for v in "week" "week --json" "streak" "heatmap" "report --format html" \
    "report --format md" "predict ls" "ls --limit 20"; do
	# shellcheck disable=SC2086
	t=$(ms c $v)
	echo "$v: $t ms"
	line="$line ${v// /_}=${t}ms"
done
rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo none)
mkdir -p "$SRC/bench/results"
echo "$(date -u +%FT%TZ) commit=$rev $line" >>"$SRC/bench/results/views.txt"
