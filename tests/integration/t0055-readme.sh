#!/bin/bash
# t0055: the README's examples run as written, in order, against a fresh
# server: every fenced block marked <!-- readme-test --> (see
# readme-run.py for how blocks, machines and IDs are read). Maya, her
# desktop, Sam and Ines each get a home; the work directory holds what a
# reader has: var/certs/ca.pem as `make run` makes it, ca.pem from an
# operator and the sample plan. So README and behaviour cannot drift.
. "$(dirname "$0")/lib.sh"

start_server
mkdir -p "$T/work/var/certs" "$T/homes" "$T/bin"
cp "$T/certs/ca.pem" "$T/work/var/certs/ca.pem"
cp "$T/certs/ca.pem" "$T/work/ca.pem"
cp "$CAIRN_SRC/tests/data/samples/ultralearning-plan.md" "$T/work/"

cairn_bin="$(cd "$(dirname "$CAIRN")" && pwd)/$(basename "$CAIRN")"
# The cairn a reader runs; register and login read the password from the
# terminal, which a test has not, so it comes on stdin here.
cat >"$T/bin/cairn" <<WRAP
#!/bin/bash
case \$1 in
register | login) exec "$cairn_bin" "\$@" --password-stdin <<<"$PASSWORD" ;;
esac
exec "$cairn_bin" "\$@"
WRAP
chmod +x "$T/bin/cairn"

PATH="$T/bin:$PATH" python3 "$TEST_DIR/readme-run.py" "$CAIRN_SRC/README.md" \
    "$T/work" "$T/homes" "$PORT" ||
    fail "every README example runs as written (the failing one is above)"
pass "every README example ran as written"
