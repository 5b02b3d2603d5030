#!/bin/bash
# t0042: plan export keeps every done mark. Items ticked with `plan done`
# are written ticked whether their line had a box or not (a heading, a
# plain line, a list item without "[ ]", a course row), so export ->
# import on another home gives back the same done marks; a tight list
# stays tight (no blank line between items that had none).
. "$(dirname "$0")/lib.sh"

START=2026-01-05

start_server
mkhome A
mkhome R

cat >"$T/plan.md" <<'EOF'
# Piano in a year

## Month 1: Reading music
Learn the notes of the treble clef
- Scales in C and G
- [ ] Hanon exercise 1
- Play "Ode to Joy" hands together
  - left hand alone first
  - then both hands

## Month 2: Chords
1. Major triads
2. Minor triads
3. Inversions

## Courses

| Course | Duration |
|--------|----------|
| Piano for beginners | 4 weeks |
| Music theory basics | 6 weeks |
EOF

ok "the plan imports" c A plan import "$T/plan.md" --start "$START"
for t in "Month 1: Reading music" "Learn the notes of the treble clef" \
    "Scales in C and G" "Hanon exercise 1" "left hand alone first" \
    "Minor triads" "Piano for beginners"; do
	ok "'$t' is ticked" c A plan done "$t"
done
ok "plan export writes Markdown" c A plan export --out "$T/out.md"

want='# Piano in a year

## [x] Month 1: Reading music

[x] Learn the notes of the treble clef

- [x] Scales in C and G
- [x] Hanon exercise 1
- Play "Ode to Joy" hands together
  - [x] left hand alone first
  - then both hands

## Month 2: Chords

1. Major triads
2. [x] Minor triads
3. Inversions

## Courses

| Course | Duration |
|--------|----------|
| [x] Piano for beginners | 4 weeks |
| Music theory basics | 6 weeks |'
assert_eq "$want" "$(cat "$T/out.md")" \
    "every done item is ticked, boxes or none, and the lists stay tight"

# done HOME: the items' titles and done marks, in order.
done_marks() {
	cj "$1" plan show | json_eval "[[i['title'], i['done']] for i in d['items']]"
}
ok "the export imports on another home" c R plan import "$T/out.md" --start "$START"
assert_eq "$(done_marks A)" "$(done_marks R)" \
    "the re-imported plan has the same titles and done marks"
kinds=$(cj A plan show | json_eval "[i['kind'] if i['title'] != 'left hand alone first' else 'task' for i in d['items']]")
assert_eq "$kinds" "$(cj R plan show | json_eval "[i['kind'] for i in d['items']]")" \
    "and the same kinds, but for a ticked note list item, now a task"

# Exported again, the marks are boxes now and nothing doubles.
ok "R exports" c R plan export --out "$T/again.md"
assert_eq "$want" "$(cat "$T/again.md")" "a second export is the same file"
ok "A reopens a heading" c A plan reopen "Month 1: Reading music"
assert_match "^## Month 1: Reading music$" "$(c A plan export)" \
    "a reopened item that had no box is written as it was"
