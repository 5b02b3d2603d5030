#!/bin/bash
# t0013: a sync that moves many records shows its progress on a terminal
# and stays quiet when its output is not a terminal (LESSONS 4, 5).
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null 2>&1 || fail "script(1) is installed (bsdutils)"
start_server
mkhome A
mkhome B
mkhome C
ok "alice registers on A" register A alice
ok "alice logs in on B" login B alice
ok "alice logs in on C" login C alice
ok "250 entries are logged on A" bulk_log A 250

# Not a terminal: nothing on stderr, the summary on stdout.
out=$(CAIRN_BATCH=50 c A sync 2>"$T/err")
assert_eq "pushed 250, pulled 0" "$out" "the sync reports what moved"
assert_eq "" "$(cat "$T/err")" "no progress is written when stderr is not a terminal"

# A terminal (script(1) gives the command a pseudo-terminal).
CAIRN_BATCH=50 script -qec "'$CAIRN' --home '$T/B' sync" /dev/null \
    >"$T/tty.out" </dev/null || fail "sync on a terminal succeeds" "$(cat "$T/tty.out")"
assert_match 'pulling 250' "$(tr '\r' '\n' <"$T/tty.out")" \
    "on a terminal the sync shows how many records it has pulled"
assert_match 'pulled 250' "$(cat "$T/tty.out")" "and then what moved"

ok "A logs 120 more" bulk_log A 120
CAIRN_BATCH=50 script -qec "'$CAIRN' --home '$T/A' sync" /dev/null \
    >"$T/tty2.out" </dev/null || fail "push on a terminal succeeds" "$(cat "$T/tty2.out")"
assert_match 'pushing 100/120' "$(tr '\r' '\n' <"$T/tty2.out")" \
    "on a terminal the push shows its progress as done/total"
out=$(c C sync 2>"$T/err")
assert_eq "pushed 0, pulled 370" "$out" "a third home pulls everything once"
assert_eq "" "$(cat "$T/err")" "quietly"
