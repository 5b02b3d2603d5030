#!/bin/bash
# t0027: the TLS key exchange groups cairnd offers. TLS 1.3 only, and only
# the elliptic-curve groups X25519, P-256 and P-384: OpenSSL's default
# list would also take the finite-field ffdhe groups, slower and weaker.
# Checked with openssl s_client offering one group at a time.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"
start_server
CA="$T/certs/ca.pem"

# handshake GROUP [extra s_client options]: prints the negotiated key line.
handshake() {
	local g=$1
	shift
	run_bounded 20 openssl s_client -connect "127.0.0.1:$PORT" \
	    -servername localhost -CAfile "$CA" -groups "$g" "$@" \
	    </dev/null 2>&1 || true
}

for g in X25519 P-256 P-384; do
	out=$(handshake "$g")
	grep -q 'Server Temp Key' <<<"$out" ||
	    fail "a client offering only $g connects" "$out"
	pass "a client offering only $g connects"
done
for g in ffdhe2048 ffdhe3072 P-521; do
	out=$(handshake "$g")
	if grep -q 'Server Temp Key' <<<"$out"; then
		fail "a client offering only $g is refused" "$out"
	fi
	pass "a client offering only $g is refused"
done
out=$(handshake X25519 -tls1_2)
if grep -q 'Server Temp Key' <<<"$out"; then
	fail "TLS 1.2 is refused" "$out"
fi
pass "TLS 1.2 is refused"
stop_server
