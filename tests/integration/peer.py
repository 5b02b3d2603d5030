#!/usr/bin/env python3
"""A hand-written cairn protocol peer for the integration scenarios.

It speaks the wire format of docs/protocol.md with its own tiny protobuf
encoder, independently of the C code, and can misbehave on purpose: send
garbage, giant length fields, requests out of order, records that claim
another author. Each command prints one JSON line describing what the server
did, for the shell scenario to check. Only 127.0.0.1 is ever contacted.

usage: peer.py COMMAND PORT [ARGS...]   (see the functions named cmd_*)
"""

import json
import os
import socket
import ssl
import struct
import sys
import time

HOST = "127.0.0.1"


# --- protobuf encoding (proto3 wire format) ---------------------------------

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return varint((field << 3) | 2) + varint(len(b)) + b


def parse(buf):
    """Decodes one message level into {field: [values]} (ints or bytes)."""
    out = {}
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            n, i = read_varint(buf, i)
            v = bytes(buf[i:i + n])
            if len(v) != n:
                raise ValueError("truncated field")
            i += n
        elif wt == 1:
            v = struct.unpack("<Q", buf[i:i + 8])[0]
            i += 8
        elif wt == 5:
            v = struct.unpack("<I", buf[i:i + 4])[0]
            i += 4
        else:
            raise ValueError("bad wire type %d" % wt)
        out.setdefault(field, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def unzigzag(n):
    return (n >> 1) ^ -(n & 1)


def first(msg, field, default=None):
    v = msg.get(field)
    return v[0] if v else default


# --- messages ------------------------------------------------------------------

def request(rid, field, body):
    return f_varint(1, rid) + f_bytes(field, body)


def hello(version=1):
    return f_varint(1, version) + f_bytes(2, "peer.py")


def login(handle, password, device="peer.py"):
    return f_bytes(1, handle) + f_bytes(2, password) + f_bytes(3, device)


def entry(text, minutes=30, activity="drill", started_at=None):
    if started_at is None:
        started_at = int(time.time()) - 3600
    return (f_varint(1, started_at) + f_varint(2, zigzag(0)) +
            f_varint(3, minutes) + f_bytes(4, activity) + f_bytes(5, text))


def record(rid, owner, device, text, hlc=None):
    """A KIND_ENTRY record. PEER_AHEAD_S (seconds the clock runs ahead) and
    PEER_MINUTES in the environment make deliberately bad ones."""
    if hlc is None:
        ahead = int(os.environ.get("PEER_AHEAD_S", "0"))
        hlc = int((time.time() + ahead) * 1000) << 16
    minutes = int(os.environ.get("PEER_MINUTES", "30"))
    return (f_bytes(1, rid) + f_varint(2, 1) + f_bytes(3, owner) +
            f_varint(4, hlc) + f_bytes(5, device) +
            f_bytes(8, entry(text, minutes=minutes)))


def decode_response(payload):
    m = parse(payload)
    st = parse(first(m, 2, b""))
    body = {}
    for field, name in ((10, "hello"), (11, "session"), (15, "devices"),
                        (17, "push"), (18, "pull")):
        if field in m:
            body["kind"] = name
            body["msg"] = parse(m[field][0])
    return {
        "id": first(m, 1, 0),
        "code": unzigzag(first(st, 1, 0)),
        "message": first(st, 2, b"").decode("utf-8", "replace"),
        "record_id": first(st, 3, b"").decode("utf-8", "replace"),
        "body": body,
    }


# --- transport -----------------------------------------------------------------

def connect_tcp(port, timeout=10):
    s = socket.create_connection((HOST, port), timeout=timeout)
    return s


def connect_tls(port, ca, timeout=10):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    raw = connect_tcp(port, timeout)
    return ctx.wrap_socket(raw, server_hostname=HOST)


def send_frame(s, payload):
    s.sendall(struct.pack(">I", len(payload)) + payload)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_frame(s):
    head = recv_exact(s, 4)
    if head is None:
        return None
    (n,) = struct.unpack(">I", head)
    if n > 4 * 1024 * 1024:
        raise ValueError("server sent a frame of %d bytes" % n)
    payload = recv_exact(s, n)
    if payload is None:
        return None
    return decode_response(payload)


LOCAL_PORT = [0]


def drain_until_close(s, limit=10.0):
    """Reads until the peer closes. Returns (closed, responses, seconds)."""
    LOCAL_PORT[0] = s.getsockname()[1]
    start = time.monotonic()
    responses = []
    s.settimeout(0.5)
    buf = b""
    while time.monotonic() - start < limit:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return True, responses, time.monotonic() - start
        if not chunk:
            return True, responses, time.monotonic() - start
        buf += chunk
        while len(buf) >= 4:
            (n,) = struct.unpack(">I", buf[:4])
            if len(buf) < 4 + n:
                break
            try:
                responses.append(decode_response(buf[4:4 + n]))
            except ValueError:
                responses.append({"undecodable": True})
            buf = buf[4 + n:]
    return False, responses, time.monotonic() - start


def report(**kw):
    kw["local_port"] = LOCAL_PORT[0]
    print(json.dumps(kw, sort_keys=True))


def summarize(responses):
    return [{"id": r.get("id"), "code": r.get("code"),
             "message": r.get("message")} for r in responses]


# --- commands --------------------------------------------------------------------

def cmd_garbage(port):
    """Plain TCP: 64 KiB of random bytes, then wait for the close."""
    s = connect_tcp(port)
    try:
        s.sendall(os.urandom(65536))
    except (ConnectionError, OSError):
        pass
    closed, _, secs = drain_until_close(s)
    report(closed=closed, seconds=round(secs, 2))


def cmd_bigframe(port, ca):
    """TLS, then a frame header announcing 0x7fffffff bytes."""
    s = connect_tls(port, ca)
    s.sendall(struct.pack(">I", 0x7FFFFFFF) + b"\x08\x01")
    closed, responses, secs = drain_until_close(s)
    report(closed=closed, responses=summarize(responses),
           seconds=round(secs, 2))


def cmd_junkframe(port, ca):
    """TLS, then one well-framed payload of random bytes that is not a
    valid Request (a field with a wire type protobuf does not have)."""
    s = connect_tls(port, ca)
    payload = b"\x0f\xff" + os.urandom(510)
    send_frame(s, payload)
    closed, responses, secs = drain_until_close(s)
    report(closed=closed, responses=summarize(responses),
           seconds=round(secs, 2))


def cmd_idle(port):
    """Plain TCP, sends nothing; measures how long until the server closes."""
    s = connect_tcp(port)
    closed, _, secs = drain_until_close(s, limit=15.0)
    report(closed=closed, seconds=round(secs, 2))


def cmd_idle_tls(port, ca):
    """TLS handshake, then silence; measures how long until the close."""
    s = connect_tls(port, ca)
    closed, _, secs = drain_until_close(s, limit=15.0)
    report(closed=closed, seconds=round(secs, 2))


def cmd_hold(port, ca, seconds):
    """TLS handshake, then holds the connection SECONDS and closes it.
    Prints its local port first."""
    s = connect_tls(port, ca)
    print(json.dumps({"local_port": s.getsockname()[1]}), flush=True)
    time.sleep(float(seconds))
    s.close()


def cmd_hello(port, ca, version="1"):
    """Hello with the given version; prints the server's answer."""
    s = connect_tls(port, ca)
    send_frame(s, request(7, 10, hello(int(version))))
    r = recv_frame(s)
    if r is None:
        report(answered=False)
        return
    out = {"answered": True, "id": r["id"], "code": r["code"],
           "message": r["message"], "kind": r["body"].get("kind")}
    if r["body"].get("kind") == "hello":
        m = r["body"]["msg"]
        out.update(version=first(m, 1, 0),
                   epoch=first(m, 3, b"").decode(),
                   max_frame=first(m, 4, 0), max_batch=first(m, 5, 0))
    closed, more, _ = drain_until_close(s, limit=2.0) if r["code"] else (
        False, [], 0)
    out["closed_after"] = closed
    report(**out)


def cmd_pull_first(port, ca):
    """A Pull before Hello: expects an error reply, then a close."""
    s = connect_tls(port, ca)
    send_frame(s, request(3, 18, f_varint(1, 0)))
    closed, responses, _ = drain_until_close(s)
    report(closed=closed, responses=summarize(responses))


def cmd_pipeline(port, ca, handle, password):
    """Hello, Login and Pull written at once: responses come in order."""
    s = connect_tls(port, ca)
    data = b""
    for rid, field, body in ((11, 10, hello()),
                             (12, 12, login(handle, password)),
                             (13, 18, f_varint(3, 10))):
        m = request(rid, field, body)
        data += struct.pack(">I", len(m)) + m
    s.sendall(data)
    got = []
    for _ in range(3):
        r = recv_frame(s)
        if r is None:
            break
        got.append({"id": r["id"], "code": r["code"],
                    "kind": r["body"].get("kind")})
    report(responses=got)


def session(port, ca, handle, password):
    s = connect_tls(port, ca)
    send_frame(s, request(1, 10, hello()))
    r = recv_frame(s)
    if r is None or r["code"] != 0:
        raise SystemExit("hello refused: %r" % (r,))
    send_frame(s, request(2, 12, login(handle, password)))
    r = recv_frame(s)
    if r is None or r["code"] != 0:
        raise SystemExit("login refused: %r" % (r,))
    device = first(r["body"]["msg"], 2, b"").decode()
    return s, device


def cmd_push(port, ca, handle, password, *specs):
    """Logs in as HANDLE and pushes one batch. Each spec is
    ID:OWNER:TEXT; OWNER "-" means HANDLE. Prints the server's status."""
    s, device = session(port, ca, handle, password)
    recs = b""
    for spec in specs:
        rid, owner, text = spec.split(":", 2)
        if owner == "-":
            owner = handle
        recs += f_bytes(1, record(rid, owner, device, text))
    send_frame(s, request(3, 17, recs))
    r = recv_frame(s)
    if r is None:
        report(answered=False)
        return
    out = {"answered": True, "code": r["code"], "message": r["message"],
           "record_id": r["record_id"]}
    if r["body"].get("kind") == "push":
        m = r["body"]["msg"]
        out.update(applied=first(m, 1, 0), ignored=first(m, 2, 0))
    report(**out)


def cmd_v1sync(port, ca, handle, password, rid):
    """A client of protocol version 1, byte for byte as cairn 0.1 spoke it:
    Hello{version: 1}, Login, Push of one entry RID, then Pull from 0 until
    the server has no more. Prints the version the server answered, the
    push's status, and every pulled record's id, owner and kind, and
    whether any field version 1 does not know came back."""
    s = connect_tls(port, ca)
    send_frame(s, request(1, 10, hello(1)))
    h = recv_frame(s)
    version = first(h["body"]["msg"], 1, 0)
    send_frame(s, request(2, 12, login(handle, password)))
    r = recv_frame(s)
    if r is None or r["code"] != 0:
        raise SystemExit("login refused: %r" % (r,))
    device = first(r["body"]["msg"], 2, b"").decode()
    send_frame(s, request(3, 17, f_bytes(1, record(rid, handle, device,
                                                   "from a v1 client"))))
    push = recv_frame(s)
    pulled, unknown, cursor, epoch, rid_n = [], [], 0, b"", 4
    while True:
        send_frame(s, request(rid_n, 18, f_varint(1, cursor) +
                              f_bytes(2, epoch) + f_varint(3, 2)))
        rid_n += 1
        r = recv_frame(s)
        if r is None or r["code"] != 0:
            raise SystemExit("pull refused: %r" % (r,))
        m = r["body"]["msg"]
        unknown += [f for f in m if f not in (1, 2, 3, 4, 5)]
        for raw in m.get(1, []):
            rec = parse(raw)
            unknown += [f for f in rec if f not in range(1, 10)]
            pulled.append({"id": first(rec, 1, b"").decode(),
                           "owner": first(rec, 3, b"").decode(),
                           "kind": first(rec, 2, 0)})
        cursor = first(m, 2, 0)
        epoch = first(m, 5, b"")
        if not first(m, 3, 0):
            break
    report(version=version, push_code=push["code"], pulled=pulled,
           unknown_fields=sorted(set(unknown)))


def cmd_fill(port, ca, handle, password, n, size):
    """Pushes N records with SIZE-byte texts (batches of 100)."""
    import uuid
    s, device = session(port, ca, handle, password)
    n, size = int(n), int(size)
    done = 0
    rid = 10
    while done < n:
        k = min(100, n - done)
        recs = b"".join(
            f_bytes(1, record(str(uuid.uuid4()), handle, device,
                              "x" * size)) for _ in range(k))
        rid += 1
        send_frame(s, request(rid, 17, recs))
        r = recv_frame(s)
        if r is None or r["code"] != 0:
            report(pushed=done, error=r and r["message"])
            return
        done += k
    report(pushed=done)


def cmd_stall(port, ca, handle, password, n, hold):
    """Logs in, writes N pipelined Pulls from cursor 0, never reads, and
    holds the socket HOLD seconds (or until the server gives up). Writes
    its local port on stdout first, so the scenario can find it in the
    server's log."""
    s, _ = session(port, ca, handle, password)
    print(json.dumps({"local_port": s.getsockname()[1]}), flush=True)
    frames = b""
    for i in range(int(n)):
        m = request(100 + i, 18, f_varint(3, 1000))
        frames += struct.pack(">I", len(m)) + m
    s.settimeout(float(hold))
    try:
        s.sendall(frames)
    except (OSError, ssl.SSLError):
        pass
    time.sleep(float(hold))


def cmd_revoked_session(port, ca, handle, password, ctlfile):
    """Logs in and prints its device id; waits until CTLFILE holds a device
    id (the scenario revokes this session's device meanwhile), then, on the
    same connection, asks for the device list, to revoke that device, and
    to pull; prints each answer's code."""
    s, dev = session(port, ca, handle, password)
    print(json.dumps({"device": dev}), flush=True)
    deadline = time.time() + 20
    target = ""
    while not target and time.time() < deadline:
        try:
            target = open(ctlfile).read().strip()
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    out = {}
    for name, field, body in (("devices", 15, b""),
                              ("revoke", 16, f_bytes(1, target)),
                              ("pull", 18, f_varint(1, 0))):
        send_frame(s, request(len(out) + 3, field, body))
        out[name] = recv_frame(s)["code"]
    print(json.dumps(out), flush=True)



def still_open(s, rid=99):
    """True if the server still answers on s: a repeated Hello."""
    try:
        send_frame(s, request(rid, 10, hello(2)))
        r = recv_frame(s)
    except (OSError, ssl.SSLError, ValueError):
        return False
    return r is not None and r["id"] == rid and r["code"] == 0


def cmd_register_nul(port, ca, handle, password):
    """Hello, then Register{handle: HANDLE + "\\0evil"}: prints the answer
    (its id, code, message) and whether the connection stays open."""
    s = connect_tls(port, ca)
    send_frame(s, request(1, 10, hello(2)))
    recv_frame(s)
    body = (f_bytes(1, handle.encode() + b"\0evil") + f_bytes(2, password) +
            f_bytes(4, "peer.py"))
    send_frame(s, request(5, 11, body))
    r = recv_frame(s)
    if r is None:
        report(answered=False, open=False)
        return
    report(answered=True, id=r["id"], code=r["code"], message=r["message"],
           open=still_open(s))


def cmd_push_nul(port, ca, handle, password, rid, tail_kib="200"):
    """Logs in and pushes one entry RID whose text is "ok\\0" and TAIL_KIB
    KiB after it; prints the status and whether the connection stays
    open."""
    s, device = session(port, ca, handle, password)
    text = b"ok\0" + b"x" * (int(tail_kib) * 1024)
    hlc = int(time.time() * 1000) << 16
    rec = (f_bytes(1, rid) + f_varint(2, 1) + f_bytes(3, handle) +
           f_varint(4, hlc) + f_bytes(5, device) + f_bytes(8, entry(text)))
    send_frame(s, request(3, 17, f_bytes(1, rec)))
    r = recv_frame(s)
    if r is None:
        report(answered=False, open=False)
        return
    out = {"answered": True, "code": r["code"], "message": r["message"],
           "record_id": r["record_id"]}
    if r["body"].get("kind") == "push":
        m = r["body"]["msg"]
        out.update(applied=first(m, 1, 0), ignored=first(m, 2, 0))
    out["open"] = still_open(s)
    report(**out)


def cmd_push_timer(port, ca, handle, password, rid, version, private,
                   activity="drill"):
    """Says Hello with VERSION, logs in and pushes one KIND_TIMER record
    RID (a running timer named "peer"; PRIVATE 1 or 0); prints the status
    as cmd_push does."""
    s = connect_tls(port, ca)
    send_frame(s, request(1, 10, hello(int(version))))
    if recv_frame(s) is None:
        raise SystemExit("no answer to hello")
    send_frame(s, request(2, 12, login(handle, password)))
    r = recv_frame(s)
    if r is None or r["code"] != 0:
        raise SystemExit("login refused: %r" % (r,))
    device = first(r["body"]["msg"], 2, b"").decode()
    body = (f_bytes(1, activity) + f_varint(4, int(time.time()) - 600) +
            f_bytes(6, "peer") + f_varint(7, 1))
    hlc = int(time.time() * 1000) << 16
    rec = (f_bytes(1, rid) + f_varint(2, 8) + f_bytes(3, handle) +
           f_varint(4, hlc) + f_bytes(5, device) +
           f_varint(7, int(private)) + f_bytes(8, body))
    send_frame(s, request(3, 17, f_bytes(1, rec)))
    r = recv_frame(s)
    if r is None:
        report(answered=False)
        return
    out = {"answered": True, "code": r["code"], "message": r["message"],
           "record_id": r["record_id"]}
    if r["body"].get("kind") == "push":
        m = r["body"]["msg"]
        out.update(applied=first(m, 1, 0), ignored=first(m, 2, 0))
    report(**out)


def cmd_fake_server(port, certdir, mode, portfile):
    """A TLS server with CERTDIR's server.pem and key on PORT (0: any; the
    port is written to PORTFILE) that serves one connection as a cairnd
    that misbehaves: MODE "hello" answers Hello with a server name holding
    a NUL byte; MODE "pull" answers properly but a Pull with one record
    whose entry text holds a NUL byte. Requests it does not expect get an
    empty answer; it exits when the client closes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(os.path.join(certdir, "server.pem"),
                        os.path.join(certdir, "server.key"))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, port))
    ls.listen(1)
    ls.settimeout(30)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    raw, _ = ls.accept()
    raw.settimeout(30)
    s = ctx.wrap_socket(raw, server_side=True)
    rid = "3f2a9c1e-0000-4000-8000-00000000f00d"
    while True:
        try:
            head = recv_exact(s, 4)
            if head is None:
                break
            (n,) = struct.unpack(">I", head)
            m = parse(recv_exact(s, n) or b"")
        except (OSError, ssl.SSLError, ValueError):
            break
        req_id = first(m, 1, 0)
        if 10 in m:
            name = b"cairnd\0evil" if mode == "hello" else b"fake"
            body = f_bytes(10, f_varint(1, 2) + f_bytes(2, name) +
                           f_bytes(3, "e" * 8) + f_varint(4, 4194304) +
                           f_varint(5, 1000) +
                           f_varint(6, int(time.time() * 1000)))
        elif 13 in m:
            body = f_bytes(11, f_bytes(1, "alice") +
                           f_bytes(2, first(parse(m[13][0]), 1, b"")))
        elif 17 in m:
            body = f_bytes(17, f_varint(1, 0))
        elif 18 in m:
            rec = (f_bytes(1, rid) + f_varint(2, 1) + f_bytes(3, "alice") +
                   f_varint(4, int(time.time() * 1000) << 16) +
                   f_bytes(5, "a410" * 9) + f_varint(9, 1) +
                   f_bytes(8, entry(b"fine\0hidden")))
            body = f_bytes(18, f_bytes(1, rec) + f_varint(2, 1) +
                           f_bytes(5, "e" * 8))
        else:
            body = b""
        resp = f_varint(1, req_id) + body
        try:
            send_frame(s, resp)
        except (OSError, ssl.SSLError):
            break
    s.close()


def cmd_preauth_frame(port, ca, handle, password, size="9216"):
    """A frame of SIZE bytes (a Hello whose client string fills it) as the
    first frame of a connection, before any login, and the same frame on a
    second connection after Hello and Login as HANDLE. Prints each answer
    (id, code, kind) and whether the first connection was closed."""
    size = int(size)

    def big_hello(rid):
        pad = size - len(request(rid, 10, hello(2)))
        body = f_varint(1, 2) + f_bytes(2, "p" * max(0, pad - 3))
        m = request(rid, 10, body)
        return m

    s = connect_tls(port, ca)
    m = big_hello(5)
    send_frame(s, m)
    closed, responses, _ = drain_until_close(s, limit=10.0)
    before = {"frame": len(m), "closed": closed,
              "responses": summarize(responses)}
    s, _ = session(port, ca, handle, password)
    m = big_hello(6)
    send_frame(s, m)
    r = recv_frame(s)
    after = {"frame": len(m), "answered": r is not None}
    if r is not None:
        after.update(id=r["id"], code=r["code"], kind=r["body"].get("kind"))
    report(before=before, after=after)


COMMANDS = {
    "revoked-session": cmd_revoked_session,
    "fill": cmd_fill,
    "stall": cmd_stall,
    "garbage": cmd_garbage,
    "bigframe": cmd_bigframe,
    "junkframe": cmd_junkframe,
    "idle": cmd_idle,
    "idle-tls": cmd_idle_tls,
    "hello": cmd_hello,
    "hold": cmd_hold,
    "pull-first": cmd_pull_first,
    "pipeline": cmd_pipeline,
    "push": cmd_push,
    "v1sync": cmd_v1sync,
    "register-nul": cmd_register_nul,
    "push-nul": cmd_push_nul,
    "push-timer": cmd_push_timer,
    "fake-server": cmd_fake_server,
    "preauth-frame": cmd_preauth_frame,
}


def main(argv):
    if len(argv) < 3 or argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    COMMANDS[argv[1]](int(argv[2]), *argv[3:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
