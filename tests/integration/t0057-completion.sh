#!/bin/bash
# t0057: 'cairn completion bash' loads in bash and completes as a user
# types: command names from the table, each command's options (read from
# the arrays the command parses with, subcommands' included), global
# options, file names after an option that takes a value. Every option a
# command's help page lists is completed, so help and completion cannot
# drift apart. Refusals: no shell, an unknown one (did you mean).
. "$(dirname "$0")/lib.sh"

"$CAIRN" completion bash >"$T/cairn.bash" || fail "cairn completion bash exits 0"
pass "cairn completion bash prints a script"
bash -n "$T/cairn.bash" || fail "bash -n accepts the script"
pass "bash -n accepts the script"

# comp WORD...: what the completion function offers for the command line
# "WORD..." with the cursor on its last word, one per line, sorted.
comp() {
	bash -c '
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_cairn
printf "%s\n" "${COMPREPLY[@]}" | sort
' comp "$T/cairn.bash" "$@"
}

complete_line=$(bash -c 'source "$1"; complete -p cairn' x "$T/cairn.bash")
assert_eq "complete -o default -F _cairn cairn" "$complete_line" \
    "the script registers _cairn for cairn, file names as the fallback"

assert_eq "log login logout" "$(comp cairn lo | tr '\n' ' ' | sed 's/ $//')" \
    "cairn lo<TAB>: log, login, logout"
assert_eq "start status stop streak" "$(comp cairn st | tr '\n' ' ' | sed 's/ $//')" \
    "cairn st<TAB>: start, status, stop, streak"
cmds=$("$CAIRN" help | awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }' | sort)
assert_eq "$cmds" "$(comp cairn '')" "cairn <TAB>: every command of 'cairn help'"
assert_eq "completion" "$(comp cairn compl)" "cairn compl<TAB>: completion"
assert_eq "--help
--home" "$(comp cairn --h)" "cairn --h<TAB>: --help, --home"
assert_eq "--skill" "$(comp cairn log --sk)" "cairn log --sk<TAB>: --skill"
assert_eq "--item" "$(comp cairn --home /tmp/x log 45m drill --it)" \
    "after --home DIR the command is still found: log --it<TAB>: --item"
assert_eq "--json" "$(comp cairn --json log --js)" "--json is completed after the command"
assert_eq "--dry-run" "$(comp cairn plan import --dr)" \
    "a subcommand's options: plan import --dr<TAB>: --dry-run"
assert_eq "--confidence" "$(comp cairn predict "a guess" --con)" \
    "predict --con<TAB>: --confidence"
assert_eq "--note" "$(comp cairn predict resolve c4211078 right --no)" \
    "predict resolve's options: --no<TAB>: --note"
assert_eq "--max-gap" "$(comp cairn commit --max)" "commit --max<TAB>: --max-gap"
assert_eq "" "$(comp cairn log --date '')" \
    "after an option that takes a value: nothing offered (the shell completes files)"
assert_eq "" "$(comp cairn --home '')" "after --home: the shell completes directories"
assert_eq "" "$(comp cairn plan import '')" "a positional argument: the shell completes files"
assert_eq "" "$(comp cairn sync --x)" "sync has no option --x"

# Every option a command's help page lists ("  --name ...") is completed.
for cmd in $cmds; do
	offered=$(comp cairn "$cmd" --)
	for opt in $("$CAIRN" help "$cmd" | sed -n 's/^  \(--[a-z][a-z-]*\).*/\1/p'); do
		[[ $'\n'$offered$'\n' == *$'\n'"$opt"$'\n'* ]] ||
		    fail "cairn $cmd --<TAB> offers $opt (its help lists it)" \
		        "offered: $(printf '%s' "$offered" | tr '\n' ' ')"
	done
	# Not "printf | grep -q": grep leaving early fails printf under pipefail.
	[[ $'\n'$offered$'\n' == *$'\n'--help$'\n'* ]] ||
	    fail "cairn $cmd --<TAB> offers --help"
done
pass "every command completes the options its help page lists, and --help"

expect_fail 2 "^cairn: expected a shell: bash, zsh or fish; usage: cairn completion bash\|zsh\|fish$" \
    "$CAIRN" completion
expect_fail 2 "^cairn: unknown shell 'bsh'; did you mean 'bash'\?$" "$CAIRN" completion bsh
expect_fail 2 "^cairn: unknown shell 'powershell'; cairn completes bash, zsh and fish$" \
    "$CAIRN" completion powershell
