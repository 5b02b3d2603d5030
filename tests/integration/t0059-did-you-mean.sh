#!/bin/bash
# t0059: a mistyped command or option gets the closest real one in its
# error line ("did you mean"), in 'cairn help X' too; getopt's silent
# abbreviations (--act for --activity) are refused the same way; an
# option given a value it does not take is named; nothing is stored by a
# refused command. Exit 2 and one line each time.
. "$(dirname "$0")/lib.sh"

ok "init a home (no server needed)" c h init --server 127.0.0.1:9 --system-ca

expect_cairn_fail 2 "^cairn: unknown command 'stauts'; did you mean 'status'\?$" h stauts
expect_cairn_fail 2 "^cairn: unknown command or topic 'stauts'; did you mean 'status'\?$" h help stauts
expect_cairn_fail 2 "^cairn: unknown command 'lgo'; did you mean 'log'\?$" h lgo
expect_cairn_fail 2 "^cairn: unknown command 'xyzzy'; see 'cairn help'$" h xyzzy
expect_cairn_fail 2 "^cairn: unknown command or topic 'xyzzy'; see 'cairn help'$" h help xyzzy

expect_cairn_fail 2 "^cairn: unknown option '--activty' for 'log'; did you mean '--activity'\?$" \
    h log 45m drill --activty drill
expect_cairn_fail 2 "^cairn: unknown option '--act' for 'log'; did you mean '--activity'\?$" \
    h log 45m drill --act drill
expect_cairn_fail 2 "^cairn: unknown option '--dat' for 'log'; did you mean '--date'\?$" \
    h log --dat=yesterday 45m drill
expect_cairn_fail 2 "^cairn: unknown option '--sk' for 'log'; did you mean '--skill'\?$" \
    h log 45m drill --sk c
expect_cairn_fail 2 "^cairn: unknown option '--jsno' for 'ls'; did you mean '--json'\?$" h ls --jsno
expect_cairn_fail 2 "^cairn: unknown option '--frobnicate' for 'ls'; see 'cairn help ls'$" \
    h ls --frobnicate
expect_cairn_fail 2 "^cairn: unknown option '-x' for 'log'; see 'cairn help log'$" h log 45m drill -x
expect_cairn_fail 2 "^cairn: option '--private' takes no value; see 'cairn help log'$" \
    h log 45m drill --private=yes
expect_cairn_fail 2 "^cairn: unknown option '--dry' for 'plan'; did you mean '--dry-run'\?$" \
    h plan import --dry plan.md
expect_cairn_fail 2 "^cairn: option '--date' needs a value; see 'cairn help log'$" \
    h log 45m drill --date

# The whole names still work, and nothing refused was stored.
assert_json "no refused session was stored" 'd == []' <<<"$(cj h ls)"
ok "whole option names pass" c h log 45m drill --skill c --date yesterday
assert_json "the session with whole names was stored" \
    'len(d) == 1 and d[0]["skills"] == ["c"]' <<<"$(cj h ls)"
