#!/bin/bash
# t0051: naming devices. Without --device and without a terminal, a new
# device is named after the host, made unique among the account's live
# devices (host, host-2, host-3; a revoked device's name is free again);
# on a terminal cairn asks, Enter taking that default; --device still
# works. 'devices rename ID|this NAME' renames one, seen from the other
# machines, with exact refusals; 'devices' says when, as "3 min ago".
. "$(dirname "$0")/lib.sh"

start_server
host=$(python3 -c 'import socket; print(socket.gethostname()[:64] or "cairn")')
for h in A B C D E F G Z; do
	mkhome "$h"
done

# --- the default name, made unique --------------------------------------------
out=$(register A ann --json)
assert_eq "$host" "$(json_get .device_name <<<"$out")" "register without --device: the host name"
adev=$(json_get .device <<<"$out")
out=$(login B ann --json)
assert_eq "$host-2" "$(json_get .device_name <<<"$out")" "a second device of the host: $host-2"
bdev=$(json_get .device <<<"$out")
out=$(login C ann --json)
assert_eq "$host-3" "$(json_get .device_name <<<"$out")" "a third: $host-3"
ok "C logs out (its device is revoked)" c C logout
out=$(login D ann)
assert_match "^logged in as ann \(device [0-9a-f]{8}, $host-3\)\$" "$out" \
    "the revoked device's name is free again"
out=$(login E ann --json --device laptop)
assert_eq laptop "$(json_get .device_name <<<"$out")" "--device NAME still works"
assert_json "devices lists the names" "
sorted(x['name'] for x in d if not x['revoked']) == sorted(['$host', '$host-2', '$host-3', 'laptop'])
and [x['name'] for x in d if x['revoked']] == ['$host-3']" <<<"$(cj A devices)"

# --- on a terminal, cairn asks ----------------------------------------------------
# on_tty HOME ARGS... ANSWERS: runs cairn on a pseudo-terminal, answering
# each prompt (a line ending in ": ") in turn; prints what the terminal
# showed. A password prompt is answered once cairn has turned echo off
# (it flushes what was typed before), polled on the terminal's settings.
on_tty() {
	python3 - "$CAIRN" "$@" <<'EOF'
import os, pty, select, signal, sys, termios, time
cairn, home, *rest = sys.argv[1:]
answers = rest.pop().split("|")
pid, fd = pty.fork()
if pid == 0:
    os.execv(cairn, [cairn, "--home", home] + rest)
seen, out, deadline = b"", b"", time.monotonic() + 30
def echo_off():
    return not termios.tcgetattr(fd)[3] & termios.ECHO
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    seen += chunk
    if seen.rstrip(b" ").endswith(b":") and answers:
        if b"Password" in seen:
            while not echo_off() and time.monotonic() < deadline:
                time.sleep(0.01)
        os.write(fd, (answers.pop(0) + "\n").encode())
        seen = b""
else:
    os.kill(pid, signal.SIGKILL)  # a safety net against a hang
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
}
out=$(on_tty "$T/F" login ann "studio|$PASSWORD")
assert_match "^Device name \[$host\]: studio\$" "$out" "on a terminal login asks for a name, offering the host name"
assert_match "^logged in as ann \(device [0-9a-f]{8}, studio\)\$" "$out" "the typed name is the device's"
out=$(on_tty "$T/G" login ann "|$PASSWORD")
assert_match "^logged in as ann \(device [0-9a-f]{8}, $host-4\)\$" "$out" \
    "Enter takes the default, made unique"

# --- devices rename ------------------------------------------------------------------
out=$(cj A devices rename "${bdev:0:8}" study-desk)
assert_json "devices rename ID NAME --json" \
    "d['renamed']['id'] == '$bdev' and d['renamed']['name'] == 'study-desk' and d['renamed']['current'] is False" <<<"$out"
assert_json "the other machine sees its new name" \
    "[x['name'] for x in d if x['current']] == ['study-desk']" <<<"$(cj B devices)"
out=$(c B devices rename this kitchen)
assert_eq "renamed device ${bdev:0:8} to kitchen (this device)" "$out" "devices rename this NAME"
assert_json "and the first machine sees that" \
    "[x['name'] for x in d if x['id'] == '$bdev'] == ['kitchen']" <<<"$(cj A devices)"

register Z zed --device zed >/dev/null
# login and register take a name by rename's rule: no control characters
# (an escape sequence echoed back would repaint the terminal).
mkhome Y
expect_cairn_fail 5 "^cairn: device name must not hold control characters" \
    Y login ann --device "$(printf 'x\033[31mred')" --password-stdin
assert_json_len Z devices 1
zdev=$(cj Z whoami | json_get .device)
expect_cairn_fail 5 "^cairn: no device of yours matches 'ffffffff'; see 'cairn devices'\$" \
    A devices rename ffffffff x
expect_cairn_fail 5 "^cairn: device $zdev is not one of yours; see 'cairn devices'\$" \
    A devices rename "$zdev" x
expect_cairn_fail 5 "^cairn: another of your devices is named 'kitchen'; pick another name\$" \
    A devices rename this kitchen
expect_cairn_fail 5 "^cairn: device name must be 1 to 64 bytes, got 65\$" \
    A devices rename this "$(printf 'x%.0s' {1..65})"
expect_cairn_fail 5 "^cairn: device name must be 1 to 64 bytes, got 0\$" A devices rename this ""
expect_cairn_fail 5 "^cairn: device name must not hold control characters" \
    A devices rename this $'a\tb'
expect_cairn_fail 5 "^cairn: bad device id 'xyz': give 6 or more of its characters, or 'this'\$" \
    A devices rename xyz name
expect_cairn_fail 2 "^cairn: expected 'rename ID NAME' \(ID 'this' for this device\)" A devices rename this
expect_cairn_fail 2 "expected 'rename ID NAME' \(ID 'this' for this device\)" A --json devices rename
assert_json "--json: the usage error as a document" \
    'd["error"]["code"] == "EUSAGE" and d["error"]["exit"] == 2' <"$T/xf.out"
assert_json "refused renames change nothing" \
    "[x['name'] for x in d if x['id'] == '$adev'] == ['$host']" <<<"$(cj A devices)"

# --- "3 min ago" ------------------------------------------------------------------------
# B has been quiet for 200 s and was made 3 days ago (set in the server's
# database; B does not connect again, so nothing touches it).
now=$(date +%s)
if [ "${CAIRN_TEST_DB:-}" = pg ]; then
	psql -qAt -d "$(pg_url "$T/srv.db")" -c "UPDATE devices SET last_seen = $((now - 200)), created_at = $((now - 3 * 86400 - 100)) WHERE id = '$bdev'" >/dev/null
else
	python3 - "$T/srv.db" "$bdev" "$now" <<'EOF'
import sqlite3, sys
now = int(sys.argv[3])
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("UPDATE devices SET last_seen = ?, created_at = ? WHERE id = ?",
           (now - 200, now - 3 * 86400 - 100, sys.argv[2]))
db.commit()
EOF
fi
out=$(c A devices)
assert_match "^${bdev:0:8} kitchen +last seen 3 min ago, made 3 days ago\$" "$out" \
    "devices: last seen 3 min ago, made 3 days ago"
assert_match "^${adev:0:8} $host +last seen just now, made (just now|[0-9]+ min ago) \(this device\)\$" "$out" \
    "this device: last seen just now"
assert_match "^[0-9a-f]{8} $host-3 +last seen .* \[revoked\]\$" "$out" "a revoked device is marked"
