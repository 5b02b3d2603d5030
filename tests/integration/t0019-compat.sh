#!/bin/bash
# t0019: protocol versions. A client of protocol version 1 (peer.py,
# speaking it byte for byte as cairn 0.1 did) still syncs its own data
# against this server and receives nothing that version does not know:
# no partner's records, no comments, no access events. A version 2 client
# facing a version 1 server says "server too old" (exit 3) instead of
# failing obscurely. docs/protocol.md, "Versioning rules".
. "$(dirname "$0")/lib.sh"

start_server
for who in alice bob; do
	mkhome "$who"
	ok "$who registers" register "$who" "$who"
done
ok "alice invites bob" c alice invite bob --as partner
ok "bob accepts" c bob accept alice
a1=$(cj alice log 30m drill "alice's entry" | json_get .id)
ok "alice syncs" c alice sync
ok "bob syncs" c bob sync
b1=$(cj bob log 45m reading "bob's entry" | json_get .id)
ok "bob comments on alice's entry" c bob comment "$a1" "from bob"
ok "bob syncs" c bob sync

# Alice on another machine with the old client.
v1=0d0d0d0d-0000-4000-8000-000000000001
out=$(run_bounded 30 python3 "$PEER" v1sync "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" "$v1")
assert_json "the server answers Hello{version: 1} with version 1" 'd["version"] == 1' <<<"$out"
assert_json "the old client's push is accepted" 'd["push_code"] == 0' <<<"$out"
assert_json "it pulls exactly alice's own entry: nothing of bob, no comment" \
    "[(r['id'], r['owner'], r['kind']) for r in d['pulled']] == [('$a1', 'alice', 1)]" <<<"$out"
assert_json "and no field version 1 does not know" 'd["unknown_fields"] == []' <<<"$out"
ok "alice's new client syncs" c alice sync
assert_json "the old client's entry reached the new one" "d['text'] == 'from a v1 client'" \
    <<<"$(cj alice show "$v1")"
ok "bob syncs" c bob sync
assert_json "and her partner, through the server" "d['user'] == 'alice'" <<<"$(cj bob show "$v1")"

# A server that speaks only version 1 (as cairnd 0.1 did).
stop_server
CAIRND_TEST_PROTOCOL_MAX=1 restart_server
expect_cairn_fail 3 "server too old: 127.0.0.1:$PORT does not speak protocol version 2" alice sync
expect_cairn_fail 3 "server too old" alice people
out=$(run_bounded 30 python3 "$PEER" v1sync "$PORT" "$T/certs/ca.pem" alice "$PASSWORD" "$v1")
assert_json "the old client still syncs against it" 'd["version"] == 1 and d["push_code"] == 0' <<<"$out"
