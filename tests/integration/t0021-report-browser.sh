#!/bin/bash
# t0021: the HTML report in a real headless browser (Debian's
# chromium-headless-shell, installed by `make test`; where there is none
# the test says so and skips). Entries whose texts carry HTML
# (<script>alert(1)</script> and "><img src=x onerror=alert(1)>) are in
# the report; the DOM the browser renders has one bar per week and one
# heatmap cell per day so far, no script element, no event attribute, no
# image, and the texts as text. A screenshot is written under the build
# folder (report-screenshot.png).
. "$(dirname "$0")/lib.sh"

BROWSER=""
for b in chromium-headless-shell chromium; do
	if command -v "$b" >/dev/null 2>&1; then
		BROWSER=$(command -v "$b")
		break
	fi
done
if [ -z "$BROWSER" ]; then
	skip_all "no headless Chromium (make test installs chromium-headless-shell)"
fi
browser() {
	run_bounded 120 "$BROWSER" --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$T/chromium" "$@" 2>"$T/browser.err"
}


export CAIRN_NOW=2026-11-25 # a Wednesday
c L init >/dev/null
ok "a plan" c L plan import "$CAIRN_SRC/tests/data/plans/cmd-small-plan.md" --start 2026-10-19
ok "a hostile text" c L log 1h project '<script>alert(1)</script>' --date 2026-11-23 --at 09:00
ok "another" c L log 30m drill '"><img src=x onerror=alert(1)>' --date 2026-11-24 --at 09:00
ok "and a plain one" c L log 2h reading 'Goodfellow & Bengio, ch. 6' --date 2026-11-10 --at 20:00
ok "the report, six weeks" c L report --weeks 6 --out "$T/report.html"

browser --dump-dom "file://$T/report.html" >"$T/dom.html" ||
    fail "the browser renders the report" "$(tail -n 5 "$T/browser.err")"
pass "the browser renders the report"
out=$(python3 - "$T/dom.html" <<'EOF'
import html.parser, json, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.classes, self.events, self.text = {}, {}, [], []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k.startswith("on"):
                self.events.append(k)
            if k == "class":
                for c in (v or "").split():
                    key = tag + "." + c
                    self.classes[key] = self.classes.get(key, 0) + 1
    def handle_data(self, data):
        self.text.append(data)

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"tags": p.tags, "classes": p.classes, "events": p.events,
                  "text": "".join(p.text)}))
EOF
)
assert_json "one bar per week" 'd["classes"].get("g.week-bar") == 6' <<<"$out"
# 2026-10-19 .. 2026-11-25: five whole weeks and Monday to Wednesday.
assert_json "one heatmap cell per day so far" 'd["classes"].get("rect.day") == 5 * 7 + 3' <<<"$out"
assert_json "no script element" '"script" not in d["tags"]' <<<"$out"
assert_json "no event attribute" 'd["events"] == []' <<<"$out"
assert_json "no image" '"img" not in d["tags"]' <<<"$out"
assert_json "the hostile texts are shown as text" \
    '"<script>alert(1)</script>" in d["text"] and "\"><img src=x onerror=alert(1)>" in d["text"]' <<<"$out"
assert_json "and the plain one" '"Goodfellow & Bengio, ch. 6" in d["text"]' <<<"$out"
assert_json "the plan's timeline is drawn" 'd["classes"].get("rect.phase", 0) >= 1' <<<"$out"
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$T/report.html" ||
    fail "the report forbids script and fetching in its CSP"
pass "the report forbids script and fetching in its CSP"

SHOT="$(dirname "$CAIRN")/report-screenshot.png"
browser --screenshot="$SHOT" --window-size=1000,1600 "file://$T/report.html" >/dev/null ||
    fail "the browser takes a screenshot" "$(tail -n 5 "$T/browser.err")"
[ -s "$SHOT" ] || fail "the screenshot is written" "$SHOT"
pass "a screenshot is written to $SHOT"
