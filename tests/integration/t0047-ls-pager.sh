#!/bin/bash
# t0047: ls on a terminal (a pseudo-terminal made by python's pty module).
# The list goes through $PAGER, and cairn waits for the pager to end; it
# shows the last 4 weeks by default, the total line saying how to see
# more; --json, a pipe, PAGER= and PAGER=cat get no pager; a pager that
# quits before reading everything is not an error; a timer (not an entry)
# never shows up in the list. No server is needed: ls reads the local store.
. "$(dirname "$0")/lib.sh"

export CAIRN_NOW=2026-11-25
export TZ=UTC
c A init --server 127.0.0.1:9 --ca "$T/certs/ca.pem" >/dev/null

# onpty CMD...: runs CMD on a new pseudo-terminal (stdout and stderr),
# prints what it wrote (\r\n made \n) and exits with its status.
cat >"$T/onpty.py" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:  # EIO: every writer of the terminal is gone
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
onpty() {
	run_bounded 60 python3 "$T/onpty.py" "$@"
}

# The pager: copies its input to a file, then (a slow pager) leaves a
# marker; cairn must have waited for it, so the marker is there as soon
# as cairn has exited.
cat >"$T/pager.sh" <<EOF
#!/bin/sh
cat >"$T/paged.out"
sleep 0.3
echo done >"$T/pager.marker"
EOF
chmod +x "$T/pager.sh"

e1=$(cj A log 45m drill "scales" --date 2026-11-24 --at 09:00 | json_get .id)
e2=$(cj A log 1h reading "Deep Work" --date 2026-11-02 --at 10:00 | json_get .id)
e3=$(cj A log 2h project "old bed frame" --date 2026-10-20 --at 10:00 | json_get .id)
ok "a timer runs (it is no entry)" c A start drill "not an entry"

# --- through the pager, last 4 weeks --------------------------------------------
rc=0
out=$(PAGER="$T/pager.sh" onpty "$CAIRN" --home "$T/A" ls) || rc=$?
assert_eq 0 "$rc" "ls on a terminal exits 0"
assert_eq "done" "$(cat "$T/pager.marker" 2>/dev/null)" \
    "the pager ran and cairn waited for it to end"
assert_eq "" "$out" "nothing reached the terminal past the pager"
want="ID       DATE       START DURATION ACTIVITY TEXT
${e1:0:8} 2026-11-24 09:00      45m drill    scales *
${e2:0:8} 2026-11-02 10:00       1h reading  Deep Work *
2 entries, 1h45m (last 4 weeks; --since DATE or --all for earlier)"
assert_eq "$want" "$(cat "$T/paged.out")" \
    "the pager got the last 4 weeks, the total saying how to see more"

rm -f "$T/pager.marker" "$T/paged.out"
PAGER="$T/pager.sh" onpty "$CAIRN" --home "$T/A" ls --all >/dev/null
assert_eq "3 entries, 3h45m" "$(tail -n 1 "$T/paged.out")" "--all: every entry, no window"
rm -f "$T/pager.marker" "$T/paged.out"
PAGER="$T/pager.sh" onpty "$CAIRN" --home "$T/A" ls --since 2026-10-01 >/dev/null
assert_eq "3 entries, 3h45m" "$(tail -n 1 "$T/paged.out")" "--since: no window"
rm -f "$T/pager.marker" "$T/paged.out"
PAGER="$T/pager.sh" onpty "$CAIRN" --home "$T/A" ls --activity project >/dev/null
assert_eq "1 entry, 2h" "$(tail -n 1 "$T/paged.out")" "a filter searches the whole log: no window"

# --- no pager -------------------------------------------------------------------
rm -f "$T/pager.marker" "$T/paged.out"
out=$(PAGER="$T/pager.sh" onpty "$CAIRN" --home "$T/A" --json ls)
assert_json "--json on a terminal: no pager, every entry" 'len(d) == 3' <<<"$out"
out=$(PAGER="$T/pager.sh" c A ls)
assert_eq "3 entries, 3h45m" "$(tail -n 1 <<<"$out")" "a pipe: no pager, every entry"
for p in "" cat; do
	out=$(PAGER=$p onpty "$CAIRN" --home "$T/A" ls)
	assert_eq "2 entries, 1h45m (last 4 weeks; --since DATE or --all for earlier)" \
	    "$(tail -n 1 <<<"$out")" "PAGER='$p': the list on the terminal itself"
done
[ ! -e "$T/pager.marker" ] && [ ! -e "$T/paged.out" ] &&
    pass "no pager ran for --json, a pipe, PAGER= or PAGER=cat" ||
    fail "no pager ran for --json, a pipe, PAGER= or PAGER=cat"

# --- a pager quit early ------------------------------------------------------------
# 40 entries of 4000 bytes: far more than a pipe holds, so cairn is still
# writing when the pager (head) has quit.
long=$(printf 'x%.0s' $(seq 4000))
for i in $(seq 40); do
	c A log 10m review "$i $long" --date 2026-11-20 --at 10:00 --force >/dev/null
done
rc=0
out=$(PAGER="head -c 100 >'$T/head.out'" onpty "$CAIRN" --home "$T/A" ls) || rc=$?
assert_eq 0 "$rc" "a pager quit early: ls still exits 0"
assert_eq "" "$out" "and says nothing about it"
assert_eq 100 "$(wc -c <"$T/head.out")" "the pager read what it wanted"
rc=0
out=$(PAGER="exit 3" onpty "$CAIRN" --home "$T/A" ls --all) || rc=$?
assert_eq "0:" "$rc:$out" "a pager that reads nothing: exit 0, no message"
