#!/bin/bash
# t0023: what a home trusts, and that it stays private (audit finding 10
# and a lesser item). 'cairn init' needs --ca FILE (pinned: that CA and
# nothing else) or an explicit --system-ca (the system's store), and says
# which, with the CA's fingerprint; a home that trusts nothing connects
# nowhere; a server with a certificate from another CA is refused, even
# when the system store trusts that CA. The home is made 0700 and its
# files 0600, an existing loose one too; a shared one is refused.
. "$(dirname "$0")/lib.sh"

start_server
S="127.0.0.1:$PORT"
fp=$(openssl x509 -in "$T/certs/ca.pem" -noout -fingerprint -sha256 | sed 's/^[^=]*=//')

# --- init without --ca -----------------------------------------------------------
expect_cairn_fail 2 "--ca FILE is required.*--system-ca" N init --server "$S"
[ ! -e "$T/N/config" ] && [ ! -e "$T/N/ca.pem" ] ||
    fail "a refused init writes no config and no ca.pem" "$(ls -la "$T/N")"
pass "a refused init writes no config and no ca.pem"
expect_cairn_fail 2 'not both' N init --server "$S" --ca "$T/certs/ca.pem" --system-ca
ok "cairn help init documents --system-ca" c N help init
grep -q -- '--system-ca' "$T/ok.out" || fail "help init mentions --system-ca" "$(cat "$T/ok.out")"
pass "help init mentions --system-ca"

# --- pinned -------------------------------------------------------------------------
ok "init --ca pins the CA" c P init --server "$S" --ca "$T/certs/ca.pem"
assert_match "trusts only the CA pinned in .*/P/ca.pem.*SHA-256 $fp" "$(cat "$T/ok.out")" \
    "init says it trusts only the pinned CA, with its fingerprint"
out=$(cj P init --server "$S" --ca "$T/certs/ca.pem")
assert_json "init --json: trust pinned, the CA's fingerprint" \
    "d['trust'] == 'pinned' and '$fp' in d['ca']" <<<"$out"
ok "init again without --ca keeps the pin" c P init --server "$S"
assert_match "trusts only the CA pinned in .*SHA-256 $fp" "$(cat "$T/ok.out")" \
    "... and says so"
ok "the pinned home registers" register P alice
ok "the pinned home syncs" c P sync

# --- the system store, only when asked ---------------------------------------------
ok "init --system-ca" c Y init --server "$S" --system-ca
assert_match "trusts the system's CA store" "$(cat "$T/ok.out")" \
    "init says it trusts the system's CA store"
out=$(cj Y init --server "$S" --system-ca)
assert_json "init --json: trust system" "d['trust'] == 'system' and d['ca'] is None" <<<"$out"
# This machine's store does not hold the scenario's private CA.
expect_fail 3 'not signed by a CA this system trusts.*--ca FILE' register Y bob
# A store that holds it (OpenSSL reads SSL_CERT_FILE) is used.
SSL_CERT_FILE="$T/certs/ca.pem" ok "with the CA in the system store, --system-ca connects" \
    register Y bob
ok "init --ca replaces --system-ca with a pin" c Y init --server "$S" --ca "$T/certs/ca.pem"
assert_match "trusts only the CA pinned" "$(cat "$T/ok.out")" "... and says so"
ok "the re-pinned home syncs" c Y sync

# --- a server with a certificate from another CA ------------------------------------
make_certs "$T/other" localhost 127.0.0.1
stop_server
CERTS="$T/other" restart_server
expect_cairn_fail 3 'not signed by the pinned CA' P sync
# Even when the system store trusts the other CA, the pin alone counts.
SSL_CERT_FILE="$T/other/ca.pem" expect_cairn_fail 3 'not signed by the pinned CA' P sync
# The system-trusting kind follows the system store.
ok "init --system-ca on a fresh home" c Z init --server "$S" --system-ca
expect_fail 3 'not signed by a CA this system trusts' register Z zed
stop_server
restart_server
ok "the pinned home syncs again with its own CA's server" c P sync

# --- a home that trusts nothing (made by an older cairn without --ca) ----------------
mkdir -m 0700 "$T/L"
printf 'server = %s\n' "$S" >"$T/L/config"
chmod 0600 "$T/L/config"
expect_fail 2 "trusts no CA.*cairn init --server $S --ca FILE" register L lee

# --- the home is private -------------------------------------------------------------
# A home made beforehand with loose modes, and files in it, is tightened.
mkdir -m 0755 "$T/O"
chmod 0755 "$T/O"
ok "init in an existing 0755 directory" c O init --server "$S" --ca "$T/certs/ca.pem"
assert_eq 700 "$(stat -c %a "$T/O")" "an existing home is made 0700"
assert_eq 600 "$(stat -c %a "$T/O/cairn.db")" "its database is 0600"
assert_eq 600 "$(stat -c %a "$T/O/ca.pem")" "ca.pem is 0600"
# Any command opening a home loosened later tightens it again (status
# rewrites none of these files).
chmod 0777 "$T/O"
chmod 0644 "$T/O/config" "$T/O/ca.pem" "$T/O/cairn.db"
ok "status on a loosened home" c O status
assert_eq 700 "$(stat -c %a "$T/O")" "a loosened home is made 0700 again"
assert_eq "600 600 600" "$(stat -c %a "$T/O/config" "$T/O/ca.pem" "$T/O/cairn.db" | xargs)" \
    "and its files 0600"
# A shared directory (sticky, like /tmp) is nobody's home.
mkdir "$T/shared" && chmod 1777 "$T/shared"
expect_cairn_fail 5 'shared directory' shared init --server "$S" --ca "$T/certs/ca.pem"
assert_eq 1777 "$(stat -c %a "$T/shared")" "a refused shared directory is left as it was"
# A directory of another user is refused (only root can make one here).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 0700 "$T/theirs"
	chown nobody "$T/theirs"
	expect_cairn_fail 5 'belongs to another user' theirs init --server "$S" --ca "$T/certs/ca.pem"
else
	skip_check "another user's home is refused (needs root)"
fi
