#!/bin/bash
# t0058: 'cairn completion zsh' and 'cairn completion fish' print scripts
# their shells accept (zsh -n, fish -n), naming every command and the
# options of a few; skipped (77) when neither shell is installed.
. "$(dirname "$0")/lib.sh"

have=""
command -v zsh >/dev/null 2>&1 && have="$have zsh"
command -v fish >/dev/null 2>&1 && have="$have fish"
if [ -z "$have" ]; then
	echo "1..0 # SKIP neither zsh nor fish is installed"
	exit 77
fi
cmds=$("$CAIRN" help | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')

for sh in $have; do
	"$CAIRN" completion "$sh" >"$T/cairn.$sh" ||
	    fail "cairn completion $sh exits 0"
	rc=0
	"$sh" -n "$T/cairn.$sh" >"$T/$sh.err" 2>&1 || rc=$?
	assert_eq "0 " "$rc $(cat "$T/$sh.err")" "$sh -n accepts 'cairn completion $sh'"
	for name in $cmds; do
		case $sh in
		zsh) grep -q "^		'$name':" "$T/cairn.zsh" ;;
		fish) grep -q -- "-f -a $name -d " "$T/cairn.fish" ;;
		esac || fail "the $sh script names the command $name"
	done
	pass "the $sh script names every command of 'cairn help'"
	case $sh in
	zsh) assert_match "^	log\) opts=\(.*--skill.*\) args=\(.*--date" \
	    "$(grep '^	log)' "$T/cairn.zsh")" "zsh: log's options, --date taking a value" ;;
	fish) assert_match "^complete -c cairn -n '__fish_seen_subcommand_from log' -l date -r -F$" \
	    "$(grep "from log' -l date" "$T/cairn.fish")" "fish: log --date takes a value" ;;
	esac
done
