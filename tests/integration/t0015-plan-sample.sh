#!/bin/bash
# t0015: the real learner's plan (../shared/samples/ultralearning-plan.md)
# imports to what the plan says: its title, the three phases and the job
# search section with their windows, the three projects with theirs, the
# eleven success-metric milestones each due at the end of its month, the
# seven-day schedule summing to 20 hours, and every other line kept (plan
# export gives back every non-blank line). The sample is copied into
# tests/data/samples/ so a clone tests it too.
. "$(dirname "$0")/lib.sh"

SAMPLE="$CAIRN_SRC/tests/data/samples/ultralearning-plan.md"
[ -f "$SAMPLE" ] || fail "the sample plan is in the tree" "$SAMPLE"

# A home without a server: the plan works offline.
c L init >/dev/null
ok "the sample imports, starting Monday 2026-11-02" \
    c L plan import "$SAMPLE" --start 2026-11-02
cj L plan show >"$T/show.json"
assert_json "the title" \
    'd["title"] == "Ultralearning Plan: ML Engineer (6-12 months)"' <"$T/show.json"
assert_json "15-25 hours per week" \
    'd["hours_per_week"] == {"min": 15, "max": 25}' <"$T/show.json"

# Windows: week N is days 7(N-1)..7N-1 and month N days 28(N-1)..28N-1
# after the start (docs in client/plan/plan.h).
python3 - "$T/show.json" >"$T/check.out" <<'PY' || fail "the sample's tree" "$(cat "$T/check.out")"
import json, sys
d = json.load(open(sys.argv[1]))
items = d["items"]
def window(kind, prefix):
    hits = [i for i in items if i["kind"] == kind and i["title"].startswith(prefix)]
    assert len(hits) == 1, (kind, prefix, hits)
    return hits[0]["from"], hits[0]["to"]
phases = [i["title"] for i in items if i["kind"] == "phase"]
assert phases == ["Phase 1: Foundation & Metalearning (Weeks 1-2)",
                  "Phase 2: Core Skills via Projects (Weeks 3-16)",
                  "Phase 3: AI-Augmented Development (Ongoing)",
                  "Job Search Integration (Months 8-12)"], phases
assert window("phase", "Phase 1") == ("2026-11-02", "2026-11-15")
assert window("phase", "Phase 2") == ("2026-11-16", "2027-02-21")
assert window("phase", "Phase 3") == (None, None)
assert window("phase", "Job Search") == ("2027-05-17", "2027-10-03")
projects = [i["title"] for i in items if i["kind"] == "project"]
assert len(projects) == 3, projects
assert window("project", "Project 1") == ("2026-11-16", "2026-12-13")
assert window("project", "Project 2") == ("2026-12-14", "2027-01-24")
assert window("project", "Project 3") == ("2027-01-25", "2027-02-21")
ms = [i for i in items if i["kind"] == "milestone"]
assert len(ms) == 11, len(ms)
# Month 3 ends on day 83, month 6 on 167, month 9 on 251, month 12 on 335.
due = {"2027-01-24": 2, "2027-04-18": 3, "2027-07-11": 3, "2027-10-03": 3}
got = {}
for m in ms:
    assert m["from"] == m["to"], m
    got[m["to"]] = got.get(m["to"], 0) + 1
assert got == due, got
assert all(not m["done"] for m in ms)
sched = d["schedule"]
assert [s["day"] for s in sched] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], sched
assert sum(s["hours"] for s in sched) == 20, sched
print("ok")
PY
pass "phases, projects, milestones and schedule are what the sample says"

# Every non-blank line of the file comes back from export.
c L plan export --out "$T/export.md" >/dev/null
python3 - "$SAMPLE" "$T/export.md" >"$T/lines.out" <<'PY' || fail "every line of the sample is kept" "$(cat "$T/lines.out")"
import collections, sys
def lines(p):
    return collections.Counter(l.rstrip() for l in open(p, encoding="utf-8")
                               if l.strip())
a, b = lines(sys.argv[1]), lines(sys.argv[2])
missing = a - b
assert not missing, list(missing)[:5]
print(sum(a.values()))
PY
pass "plan export gives back all $(cat "$T/lines.out") non-blank lines of the sample"
ok "and the export imports again" c L plan import "$T/export.md" --start 2026-11-02
cj L plan show >"$T/again.json"
assert_json "to the same tree" "
[(i['kind'], i['title'], i['from'], i['to'], i['done']) for i in d['items']] ==
[(i['kind'], i['title'], i['from'], i['to'], i['done'])
 for i in __import__('json').load(open('$T/show.json'))['items']]" <"$T/again.json"
