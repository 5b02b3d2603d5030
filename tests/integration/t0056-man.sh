#!/bin/bash
# t0056: the manual pages (docs/man/*.scd) build with scdoc without an
# error or a warning, every command of the command table ('cairn help')
# has its entry in cairn(1), every variable of the ENVIRONMENT section of
# 'cairn help' is in cairn(1)'s, and every page a page refers to exists;
# so the pages cannot drift from the program. Skipped without scdoc.
. "$(dirname "$0")/lib.sh"

if ! command -v scdoc >/dev/null 2>&1; then
	echo "1..0 # SKIP scdoc is not installed (scripts/install-deps installs it)"
	exit 77
fi
MAN="$CAIRN_SRC/docs/man"

for page in cairn.1 cairnd.8 cairn-sync.7 cairn-dates.7; do
	[ -f "$MAN/$page.scd" ] || fail "docs/man/$page.scd exists"
	rc=0
	scdoc <"$MAN/$page.scd" >"$T/$page" 2>"$T/$page.err" || rc=$?
	assert_eq "0 " "$rc $(cat "$T/$page.err")" "scdoc builds $page without a word on stderr"
	assert_match "^\.TH \"?$(echo "${page%.*}" | sed 's/-/\\\\?-/g')\"? \"?${page##*.}\"?" \
	    "$(grep -m1 '^\.TH' "$T/$page")" "$page is titled ${page%.*}(${page##*.})"
	# What a page refers to, it has.
	for ref in $(grep -oE '\*cairn[a-z-]*\*\([0-9]\)' "$MAN/$page.scd" |
	    tr -d '*' | sort -u); do
		name=${ref%(*}
		sec=${ref#*(}
		sec=${sec%)}
		[ -f "$MAN/$name.$sec.scd" ] ||
		    fail "$page refers to $ref, which exists" "no docs/man/$name.$sec.scd"
	done
	pass "every page $page refers to exists"
done

# Every command of the table has a definition "*NAME* ..." in cairn(1).
cmds=$("$CAIRN" help | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')
n=$(printf '%s\n' "$cmds" | wc -l)
[ "$n" -ge 30 ] || fail "cairn help lists the commands" "$cmds"
missing=""
for name in $cmds; do
	grep -Eq "^\*$name\*( |$)" "$MAN/cairn.1.scd" || missing="$missing $name"
done
assert_eq "" "$missing" "cairn(1) has an entry for each of the $n commands of 'cairn help'"

# The environment 'cairn help' lists is the one cairn(1) lists.
vars=$("$CAIRN" help | awk '/^ENVIRONMENT:/ { f = 1; next } f && /^  [A-Z]/ { print $1 }')
[ -n "$vars" ] || fail "cairn help has an ENVIRONMENT section"
env_man=$(sed -n '/^# ENVIRONMENT/,/^# /p' "$MAN/cairn.1.scd" | grep -oE '^\*[A-Z\\_]+\*' |
    tr -d '*\\' | sort | tr '\n' ' ')
assert_eq "$env_man" "$(printf '%s\n' $vars | sort | tr '\n' ' ')" \
    "cairn(1) and 'cairn help' list the same environment"
for v in CAIRN_HOME XDG_DATA_HOME NO_COLOR CAIRN_NOW PAGER TZ; do
	assert_match "^  $v " "$("$CAIRN" help | grep "^  $v ")" "cairn help explains $v"
done

# The build beside $CAIRN made them too (the man target, when scdoc is
# installed).
BUILT="$(dirname "$CAIRN")/docs/man"
if [ -d "$BUILT" ]; then
	for page in cairn.1 cairnd.8 cairn-sync.7 cairn-dates.7; do
		[ -s "$BUILT/$page" ] || fail "the build made $page" "no $BUILT/$page"
	done
	pass "the build made the four pages"
fi
