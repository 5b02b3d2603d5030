#!/bin/bash
# t0010: certs/mkcerts makes what cairnd and the clients need: keys 0600,
# certificates 0644, the names as subjectAltNames, a CA that signs the server
# certificate; refuses to overwrite keys without --force; --force keeps the
# CA (clients keep their pinned ca.pem); --new-ca replaces it. A server with
# the rotated certificate still serves a client that pinned the old ca.pem.
# Under umask 000 the directory it makes is still 0700 and keys 0600; a
# directory others may write to is refused.
. "$(dirname "$0")/lib.sh"

D="$T/mk"
ok "mkcerts --help exits 0" "$MKCERTS" --help
grep -q -- '--force' "$T/ok.out" || fail "mkcerts --help documents --force"
pass "mkcerts --help documents --force"
expect_fail 2 'NAME' "$MKCERTS" --out "$D"
expect_fail 2 'out' "$MKCERTS" localhost
expect_fail 2 'days' "$MKCERTS" --out "$D" --days 0 localhost
expect_fail 2 'days' "$MKCERTS" --out "$D" --days ten localhost
expect_fail 2 'bad name' "$MKCERTS" --out "$D" 'bad name'
[ ! -e "$D/ca.key" ] || fail "refused runs write nothing"
pass "refused runs write nothing"

ok "mkcerts makes a CA and a server certificate" "$MKCERTS" --out "$D" \
    localhost 127.0.0.1 ::1
grep -q "cairn init --server HOST:PORT --ca $D/ca.pem" "$T/ok.out" ||
    fail "mkcerts prints the pin hint" "$(cat "$T/ok.out")"
pass "mkcerts prints the pin hint"
fp=$(openssl x509 -in "$D/ca.pem" -noout -fingerprint -sha256 | sed 's/^[^=]*=//')
grep -q "SHA-256 $fp" "$T/ok.out" ||
    fail "mkcerts prints the CA's SHA-256 fingerprint" "$(cat "$T/ok.out")"
pass "mkcerts prints the CA's SHA-256 fingerprint"
assert_eq 600 "$(stat -c %a "$D/ca.key")" "ca.key is 0600"
assert_eq 600 "$(stat -c %a "$D/server.key")" "server.key is 0600"
assert_eq 644 "$(stat -c %a "$D/ca.pem")" "ca.pem is 0644"
assert_eq 644 "$(stat -c %a "$D/server.pem")" "server.pem is 0644"
san=$(openssl x509 -in "$D/server.pem" -noout -ext subjectAltName)
assert_match 'DNS:localhost' "$san" "SAN has DNS:localhost"
assert_match 'IP Address:127\.0\.0\.1' "$san" "SAN has IP:127.0.0.1"
assert_match 'IP Address:0:0:0:0:0:0:0:1' "$san" "SAN has IP:::1"
text=$(openssl x509 -in "$D/server.pem" -noout -text)
assert_match 'TLS Web Server Authentication' "$text" "extendedKeyUsage serverAuth"
assert_match 'ASN1 OID: prime256v1' "$text" "the server key is ECDSA P-256"
catext=$(openssl x509 -in "$D/ca.pem" -noout -text)
assert_match 'CA:TRUE' "$catext" "the CA has basicConstraints CA:TRUE"
assert_match 'Certificate Sign, CRL Sign' "$catext" "the CA has keyUsage keyCertSign, cRLSign"
ok "server.pem verifies against ca.pem" openssl verify -CAfile "$D/ca.pem" "$D/server.pem"
if openssl x509 -in "$D/server.pem" -noout -checkend $((826 * 86400)) >/dev/null; then
	fail "the server certificate expires after 825 days by default"
fi
openssl x509 -in "$D/server.pem" -noout -checkend $((824 * 86400)) >/dev/null ||
    fail "the server certificate is valid for 825 days by default"
pass "the server certificate is valid for 825 days by default"

expect_fail 1 'force' "$MKCERTS" --out "$D" localhost

# A permissive umask changes nothing: a new directory (and its missing
# parents) 0700, keys 0600, certificates 0644.
U="$T/umask/certs"
ok "mkcerts under umask 000" sh -c 'umask 000 && exec "$@"' sh \
    "$MKCERTS" --out "$U" localhost
assert_eq 700 "$(stat -c %a "$T/umask")" "umask 000: a parent it makes is 0700"
assert_eq 700 "$(stat -c %a "$U")" "umask 000: the directory it makes is 0700"
assert_eq 600 "$(stat -c %a "$U/ca.key")" "umask 000: ca.key is 0600"
assert_eq 600 "$(stat -c %a "$U/server.key")" "umask 000: server.key is 0600"
assert_eq 644 "$(stat -c %a "$U/ca.pem")" "umask 000: ca.pem is 0644"
assert_eq 644 "$(stat -c %a "$U/server.pem")" "umask 000: server.pem is 0644"
ok "umask 000: --force rotates" sh -c 'umask 000 && exec "$@"' sh \
    "$MKCERTS" --out "$U" --force --new-ca localhost
assert_eq 600 "$(stat -c %a "$U/ca.key")" "umask 000: the new ca.key is 0600"
assert_eq 600 "$(stat -c %a "$U/server.key")" "umask 000: the new server.key is 0600"
assert_eq 700 "$(stat -c %a "$U")" "umask 000: the directory stays 0700"
# A directory other users may write to is refused, and nothing written.
mkdir "$T/open" && chmod 0777 "$T/open"
expect_fail 1 'writable by other' "$MKCERTS" --out "$T/open" localhost
mkdir "$T/groupw" && chmod 0775 "$T/groupw"
expect_fail 1 'writable by other' "$MKCERTS" --out "$T/groupw" localhost
{ [ -z "$(ls -A "$T/open")" ] && [ -z "$(ls -A "$T/groupw")" ]; } || fail "a refused directory stays empty" "$(ls -la "$T/open" "$T/groupw")"
pass "a refused directory stays empty"
cp "$D/ca.pem" "$T/ca.orig"
cp "$D/server.pem" "$T/server.orig"

# A client pins this ca.pem and syncs.
CERTS="$D" start_server
CA="$D/ca.pem" mkhome A
ok "alice registers against the first certificate" register A alice
ok "alice logs" c A log --force 30m drill "before rotation"
ok "alice syncs" c A sync

ok "mkcerts --force --days 30 issues a new server certificate" \
    "$MKCERTS" --out "$D" --force --days 30 localhost 127.0.0.1
cmp -s "$T/ca.orig" "$D/ca.pem" || fail "--force keeps ca.pem"
pass "--force keeps ca.pem"
cmp -s "$T/server.orig" "$D/server.pem" && fail "--force replaces server.pem"
pass "--force replaces server.pem"
ok "the new server certificate verifies against the kept CA" \
    openssl verify -CAfile "$T/ca.orig" "$D/server.pem"
openssl x509 -in "$D/server.pem" -noout -checkend $((31 * 86400)) >/dev/null &&
    fail "--days 30 makes a 30-day certificate"
pass "--days 30 makes a 30-day certificate"
assert_eq 600 "$(stat -c %a "$D/server.key")" "the new server.key is 0600"

stop_server
CERTS="$D" restart_server
ok "alice logs after rotation" c A log --force 20m drill "after rotation"
ok "the client that pinned the old ca.pem syncs with the rotated certificate" c A sync

ok "mkcerts --force --new-ca replaces the CA" \
    "$MKCERTS" --out "$D" --force --new-ca localhost 127.0.0.1
cmp -s "$T/ca.orig" "$D/ca.pem" && fail "--new-ca replaces ca.pem"
pass "--new-ca replaces ca.pem"
ok "the new server certificate verifies against the new CA" \
    openssl verify -CAfile "$D/ca.pem" "$D/server.pem"
if openssl verify -CAfile "$T/ca.orig" "$D/server.pem" >/dev/null 2>&1; then
	fail "the new server certificate does not verify against the old CA"
fi
pass "the new server certificate does not verify against the old CA"
stop_server
CERTS="$D" restart_server
expect_fail 3 'CA' c A sync
