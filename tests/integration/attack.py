#!/usr/bin/env python3
"""A flood driver for the "under attack" scenarios (issue 9).

It opens many hostile connections to a cairnd on 127.0.0.1 at once, from
chosen loopback source addresses (all of 127.0.0.0/8 is loopback on Linux,
so a flood can come from 127.0.0.2, 127.0.0.3, ... while the honest `cairn`
client connects from 127.0.0.1), holds them, and prints ONE JSON line
saying what happened: answers by status code, closes, counts. The shell
scenario checks that line. It speaks the protocol with peer.py's encoder
(docs/protocol.md), TLS through the ssl module's memory BIOs on asyncio
sockets, so that "never read" really means that nothing is read.

usage: attack.py KIND PORT CA [options]

KIND (see the kind_* functions):
  logins        N connections, each Hello then GUESSES pipelined Logins with
                wrong passwords at --handle, all sent at the same moment
  unread-pulls  logs in once as --handle/--password (to get a device token),
                then N connections each Hello, Auth and PULLS pipelined
                Pulls of everything, never reading a reply
  giant-preauth N connections, each TLS then a frame header announcing
                --length bytes (4 MiB) and --burst bytes of it at once, then
                --trickle bytes a second, before any Hello or login
  slots         N TLS handshakes, then silence (or a Hello every
                --hello-every seconds)
  registers     N connections, each Hello then GUESSES pipelined Registers
                of new handles (with --code, an invite code)
  auth          N connections, each Hello then Auths with random device ids
                and tokens: GUESSES each, or without end with --loop

Connections are spread round-robin over --from addresses ("127.0.0.2",
"127.0.0.2-17" for a range of the last byte, "127.0.0.2+16" for sixteen
addresses from there, or a comma list). Only 127.0.0.0/8 is ever used.

Timeline: open every connection (--concurrency at a time), write --ready
FILE (one JSON line of progress) once every connection has been tried (or
once --ready-after answers came),
then hold until --until FILE exists or --hold seconds have passed (bounded
by --max-hold), then look at which connections the server closed, close
the rest, print the report and exit 0. Exit 1 when the setup fails (the
report then has "error"), 2 on a usage error.
"""

import argparse
import asyncio
import errno
import json
import os
import random
import resource
import socket
import ssl
import struct
import sys
import time
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402  (the encoder and decoder of the scenarios)

HOST = "127.0.0.1"
FRAME_MAX = 4 * 1024 * 1024
TCP_STATES = {1: "established", 7: "close", 8: "close_wait",
              4: "fin_wait1", 5: "fin_wait2", 6: "time_wait", 9: "last_ack"}
IP_BIND_ADDRESS_NO_PORT = 24

CODE_NAMES = {0: "OK", -6: "EPROTO", -7: "ETOOBIG", -12: "EAUTHREQ",
              -13: "ECREDS", -14: "EREVOKED", -15: "ERATELIMIT",
              -16: "EEXIST", -17: "EINVITE", -18: "EINVAL", -23: "EBUSY",
              -24: "ESTATE"}


class Closed(Exception):
    """The server closed the connection (reason in args[0])."""


def parse_addrs(spec):
    out = []
    for part in spec.split(","):
        part = part.strip()
        if "+" in part:
            base, k = part.split("+", 1)
            a, b, c, d = (int(x) for x in base.split("."))
            for i in range(int(k)):
                v = (a << 24 | b << 16 | c << 8 | d) + i
                out.append(socket.inet_ntoa(struct.pack(">I", v)))
        elif "-" in part:
            base, last = part.rsplit("-", 1)
            pre, first = base.rsplit(".", 1)
            for i in range(int(first), int(last) + 1):
                out.append("%s.%d" % (pre, i))
        else:
            out.append(part)
    for a in out:
        packed = socket.inet_aton(a)
        if packed[0] != 127:
            raise SystemExit("attack.py: %s is not a loopback address" % a)
    return out


def errname(e):
    if isinstance(e, Closed):
        return e.args[0]
    if isinstance(e, ssl.SSLError):
        return "tls:" + (e.reason or type(e).__name__).lower()
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, str(e.errno))
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    return type(e).__name__


class Conn:
    """One TLS connection over a non-blocking socket and memory BIOs."""

    def __init__(self, att, addr):
        self.att = att
        self.addr = addr
        self.sock = None
        self.tls = None
        self.plain = b""
        self.closed = None  # why the server closed it, once it did
        self.local_port = 0
        self.opened_at = None
        self.closed_at = None
        self.watched = False

    async def open(self):
        loop = asyncio.get_running_loop()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        except OSError:
            pass
        self.sock = s
        if self.att.args.rcvbuf:
            # A small receive window before connecting: the attacker's own
            # kernel memory stays small, and so does what the server's
            # kernel takes off the server's hands.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                         self.att.args.rcvbuf)
        if self.att.args.mss:
            # Small segments: the server's kernel sizes its send buffer by
            # segments, so it takes little of what cairnd queues.
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG,
                         self.att.args.mss)
        s.bind((self.addr, 0))
        await asyncio.wait_for(loop.sock_connect(s, (HOST, self.att.port)),
                               self.att.timeout)
        self.local_port = s.getsockname()[1]
        self.att.count("tcp_connected")
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = self.att.ctx.wrap_bio(inc, out, server_hostname=HOST)
        self.inc, self.out = inc, out
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self.flush()
                await self.fill(self.att.timeout)
        await self.flush()
        self.opened_at = time.monotonic()

    async def flush(self):
        data = self.out.read()
        if data:
            await asyncio.get_running_loop().sock_sendall(self.sock, data)
            self.att.stats["bytes_sent"] += len(data)

    async def fill(self, timeout):
        """Reads ciphertext once into the TLS session; Closed at EOF."""
        loop = asyncio.get_running_loop()
        try:
            data = await asyncio.wait_for(loop.sock_recv(self.sock, 65536),
                                          timeout)
        except (ConnectionResetError, BrokenPipeError):
            raise Closed("reset")
        if not data:
            raise Closed("eof")
        self.inc.write(data)

    async def send(self, payload):
        self.tls.write(payload)
        await self.flush()

    async def send_frames(self, frames):
        data = b"".join(struct.pack(">I", len(f)) + f for f in frames)
        await self.send(data)

    async def recv_frame(self, timeout=None):
        """The next Response (peer.decode_response), or Closed."""
        timeout = timeout or self.att.timeout
        while True:
            if len(self.plain) >= 4:
                (n,) = struct.unpack(">I", self.plain[:4])
                if n > FRAME_MAX:
                    raise Closed("server sent %d bytes" % n)
                if len(self.plain) >= 4 + n:
                    payload = self.plain[4:4 + n]
                    self.plain = self.plain[4 + n:]
                    return peer.decode_response(payload)
            try:
                data = self.tls.read(65536)
                if not data:
                    raise Closed("eof")
                self.plain += data
                continue
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLZeroReturnError:
                raise Closed("close_notify")
            await self.fill(timeout)

    async def answer(self, timeout=None):
        """Reads one response and counts its status code."""
        r = await self.recv_frame(timeout)
        self.att.code(r["code"])
        return r

    async def watch(self):
        """Reads until the server closes; counts what it sent."""
        self.watched = True
        try:
            while True:
                await self.answer(timeout=1e9)
        except Exception as e:  # noqa: BLE001 - every end is a close
            self.mark_closed(errname(e))

    def mark_closed(self, why):
        if self.closed is None:
            self.closed = why
            self.closed_at = time.monotonic()
            self.att.count("closed_by_server")
            self.att.stats["close_reasons"][why] = \
                self.att.stats["close_reasons"].get(why, 0) + 1
            if self.opened_at is not None:
                self.att.held_s.append(self.closed_at - self.opened_at)

    def tcp_state(self):
        try:
            info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO,
                                        8)
            return TCP_STATES.get(info[0], str(info[0]))
        except OSError:
            return "gone"

    async def probe(self):
        """For a connection nothing reads: did the server close it? Bytes
        written to a socket its owner closed draw a reset, so a Hello goes
        out first (harmless in any state after Hello), then the TCP state
        says."""
        if self.closed is not None or self.sock is None or self.watched:
            return
        try:
            m = peer.request(9, 10, peer.hello(2))
            self.tls.write(struct.pack(">I", len(m)) + m)
            self.sock.send(self.out.read())
        except BlockingIOError:
            pass
        except (OSError, ssl.SSLError) as e:
            self.mark_closed(errname(e))
            return
        await asyncio.sleep(0.3)
        st = self.tcp_state()
        if st != "established":
            self.mark_closed("tcp:" + st)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


class Attack:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        self.timeout = args.timeout
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.ctx.load_verify_locations(args.ca)
        self.addrs = parse_addrs(args.src)
        self.conns = []
        self.cur = {}  # connection i's current Conn
        self.held_s = []
        self.stop = None
        self.go = None
        self.answers = 0
        self.ready_written = False
        self.stats = {"kind": args.kind, "n": args.n, "from": self.addrs[0]
                      if len(self.addrs) == 1 else "%s..%s (%d)" % (
                          self.addrs[0], self.addrs[-1], len(self.addrs)),
                      "attempted": 0, "tcp_connected": 0, "handshakes": 0,
                      "refused": 0, "refused_reasons": {}, "requests": 0,
                      "codes": {}, "closed_by_server": 0,
                      "close_reasons": {}, "reconnects": 0, "bytes_sent": 0}

    def count(self, key, k=1):
        self.stats[key] = self.stats.get(key, 0) + k

    def code(self, c):
        name = CODE_NAMES.get(c, str(c))
        self.stats["codes"][name] = self.stats["codes"].get(name, 0) + 1
        self.answers += 1
        if self.args.ready_after and self.answers >= self.args.ready_after:
            self.write_ready()

    def write_ready(self):
        """The --ready file, once: how many connections are open."""
        a = self.args
        if not a.ready or self.ready_written:
            return
        self.ready_written = True
        with open(a.ready + ".tmp", "w") as f:
            f.write(json.dumps({
                "open": sum(1 for c in self.conns if c.closed is None),
                "attempted": self.stats["attempted"],
                "answers": self.answers,
                "local_ports": [c.local_port for c in self.conns][:8]})
                + "\n")
        os.rename(a.ready + ".tmp", a.ready)

    def refused(self, why):
        self.count("refused")
        r = self.stats["refused_reasons"]
        r[why] = r.get(why, 0) + 1

    async def connect(self, i):
        """Opens connection i (TCP + TLS), or counts why it could not."""
        c = Conn(self, self.addrs[i % len(self.addrs)])
        self.count("attempted")
        try:
            await c.open()
        except Exception as e:  # noqa: BLE001
            self.refused(errname(e))
            c.close()
            return None
        self.count("handshakes")
        self.conns.append(c)
        self.cur[i] = c
        return c

    async def hello(self, c):
        await c.send_frames([peer.request(1, 10, peer.hello(2))])
        r = await c.recv_frame()
        if r["code"] != 0:
            raise Closed("hello refused %d" % r["code"])

    async def hold(self):
        """Until --until FILE exists or --hold seconds, at most --max-hold."""
        a = self.args
        start = time.monotonic()
        limit = a.hold if a.until is None and not a.until_closed \
            else a.max_hold
        while time.monotonic() - start < limit:
            if a.until is not None and os.path.exists(a.until):
                break
            if a.until_closed and all(c.closed is not None
                                      for c in self.conns):
                break
            await asyncio.sleep(0.05)
        self.stop.set()

    async def run(self):
        a = self.args
        self.stop = asyncio.Event()
        self.go = asyncio.Event()
        kind = KINDS[a.kind]
        t0 = time.monotonic()
        try:
            await kind.setup(self)
        except Exception as e:  # noqa: BLE001
            self.stats["error"] = "setup: %s %s" % (errname(e), e)
            return 1
        sem = asyncio.Semaphore(a.concurrency)
        tasks = []
        pending = [a.n]

        async def one(i):
            async with sem:
                try:
                    await kind.start(self, i)
                except Exception as e:  # noqa: BLE001
                    self.refused("start:" + errname(e))
            pending[0] -= 1
            if pending[0] == 0:
                self.go.set()
            await kind.after(self, i)

        for i in range(a.n):
            tasks.append(asyncio.ensure_future(one(i)))
        await self.go.wait()
        self.stats["open_ms"] = int((time.monotonic() - t0) * 1000)
        self.stats["open_after_start"] = sum(
            1 for c in self.conns if c.closed is None)
        if not a.ready_after:
            self.write_ready()
        await self.hold()
        # --settle: what was opened just before the stop gets its answer.
        t1 = time.monotonic()
        while a.settle and time.monotonic() - t1 < a.settle and any(
                c.watched and c.closed is None for c in self.conns):
            await asyncio.sleep(0.05)
        # Let the kinds that wait for answers finish (bounded).
        done, rest = await asyncio.wait(tasks, timeout=a.timeout)
        for t in rest:
            t.cancel()
        await asyncio.gather(*(c.probe() for c in self.conns),
                             return_exceptions=True)
        self.stats["open_at_end"] = sum(
            1 for c in self.conns if c.closed is None)
        self.stats["unfinished"] = len(rest)
        if self.held_s:
            s = sorted(self.held_s)
            self.stats["held_s_min"] = round(s[0], 2)
            self.stats["held_s_median"] = round(s[len(s) // 2], 2)
        if a.n <= 8:
            self.stats["local_ports"] = [c.local_port for c in self.conns]
        for c in self.conns:
            c.close()
        self.stats["seconds"] = round(time.monotonic() - t0, 2)
        return 0


class Kind:
    """A flood kind: setup once, start(i) opens and sets up connection i,
    after(i) runs once every connection has started (until the stop)."""

    async def setup(self, att):
        pass

    async def start(self, att, i):
        await att.connect(i)

    async def after(self, att, i):
        pass


class Guesses(Kind):
    """Shared by logins, registers and auth: Hello, wait for every
    connection, then the requests pipelined, then the answers."""

    def frames(self, att, i):
        raise NotImplementedError

    async def start(self, att, i):
        c = await att.connect(i)
        if c is None:
            return
        try:
            await att.hello(c)
        except Exception as e:  # noqa: BLE001
            c.mark_closed(errname(e))

    async def after(self, att, i):
        c = att.cur.get(i)
        if c is None or c.closed is not None:
            return
        a = att.args
        try:
            while True:
                frames = self.frames(att, i)
                await c.send_frames(frames)
                att.count("requests", len(frames))
                for _ in frames:
                    await c.answer()
                if not a.loop:
                    break
                if a.until_code and att.stats["codes"].get(a.until_code):
                    break
                if a.max_requests:  # that many, whatever the hold
                    if att.stats["requests"] >= a.max_requests:
                        break
                elif not a.until_code and att.stop.is_set():
                    break
        except Exception as e:  # noqa: BLE001
            c.mark_closed(errname(e))
            return
        # Hold the connection until the stop.
        await att.stop.wait()


class Logins(Guesses):
    def frames(self, att, i):
        a = att.args
        return [peer.request(100 + g, 12, peer.login(
            a.handle, "wrong guess %d.%d %s" % (i, g, os.urandom(4).hex()),
            device="attack.py")) for g in range(a.guesses)]


class Registers(Guesses):
    def frames(self, att, i):
        a = att.args
        out = []
        for g in range(a.guesses):
            handle = "%s%s" % (a.handle_prefix, os.urandom(5).hex())
            body = (peer.f_bytes(1, handle) +
                    peer.f_bytes(2, a.password or "flood password 1234") +
                    (peer.f_bytes(3, a.code) if a.code else b"") +
                    peer.f_bytes(4, "attack.py"))
            out.append(peer.request(100 + g, 11, body))
        return out


class Auths(Guesses):
    def frames(self, att, i):
        a = att.args
        out = []
        for g in range(a.guesses):
            dev = a.device or str(uuid.uuid4())
            body = peer.f_bytes(1, dev) + peer.f_bytes(2, os.urandom(32))
            out.append(peer.request(100 + g, 13, body))
        return out


class UnreadPulls(Kind):
    async def setup(self, att):
        """One Login (from the first attack address) for a device token."""
        a = att.args
        c = Conn(att, att.addrs[0])
        await c.open()
        await att.hello(c)
        await c.send_frames([peer.request(2, 12, peer.login(
            a.handle, a.password, device="attack.py unread"))])
        r = await c.recv_frame()
        if r["code"] != 0:
            raise Closed("login refused %d %s" % (r["code"], r["message"]))
        m = r["body"]["msg"]
        att.device = peer.first(m, 2, b"").decode()
        att.token = peer.first(m, 3, b"")
        c.close()

    async def start(self, att, i):
        a = att.args
        c = await att.connect(i)
        if c is None:
            return
        try:
            await att.hello(c)
            await c.send_frames([peer.request(2, 13, peer.f_bytes(
                1, att.device) + peer.f_bytes(2, att.token))])
            r = await c.answer()
            if r["code"] != 0:
                return
            pulls = [peer.request(100 + k, 18, peer.f_varint(3, 1000))
                     for k in range(a.pulls)]
            await c.send_frames(pulls)
            att.count("requests", len(pulls))
        except Exception as e:  # noqa: BLE001
            c.mark_closed(errname(e))
        # From here on nothing is read.


class GiantPreauth(Kind):
    def __init__(self):
        self.burst_done = set()

    async def start(self, att, i):
        await self.one(att, i)

    async def one(self, att, i):
        a = att.args
        c = await att.connect(i)
        if c is None:
            return None
        # The burst goes once per connection index; a reconnection sends
        # the header and a trickle's worth.
        burst = min(a.burst if i not in self.burst_done else a.trickle,
                    a.length)
        self.burst_done.add(i)
        try:
            await c.send(struct.pack(">I", a.length) + os.urandom(burst))
            c.sent = burst
            att.count("requests")
        except Exception as e:  # noqa: BLE001
            c.mark_closed(errname(e))
            return c
        c.watcher = asyncio.ensure_future(c.watch())
        return c

    async def after(self, att, i):
        a = att.args
        while not att.stop.is_set():
            c = att.cur.get(i)
            if c is None or c.closed is not None:
                if not a.reconnect:
                    break
                await asyncio.sleep(a.reconnect_delay)
                att.count("reconnects")
                await self.one(att, i)
                continue
            if a.trickle and c.sent < a.length:
                try:
                    k = min(a.trickle, a.length - c.sent)
                    await c.send(os.urandom(k))
                    c.sent += k
                except Exception as e:  # noqa: BLE001
                    c.mark_closed(errname(e))
            try:
                await asyncio.wait_for(att.stop.wait(), 1.0)
            except asyncio.TimeoutError:
                pass


class Slots(Kind):
    async def start(self, att, i):
        c = await att.connect(i)
        if c is not None:
            c.watcher = asyncio.ensure_future(c.watch())

    async def after(self, att, i):
        a = att.args
        while not att.stop.is_set():
            c = att.cur.get(i)
            if c is None or c.closed is not None:
                if not a.reconnect:
                    return
                await asyncio.sleep(a.reconnect_delay)
                att.count("reconnects")
                await self.start(att, i)
                continue
            if a.hello_every:
                try:
                    await c.send_frames([peer.request(1, 10, peer.hello(2))])
                    att.count("requests")
                except Exception as e:  # noqa: BLE001
                    c.mark_closed(errname(e))
            try:
                await asyncio.wait_for(att.stop.wait(), a.hello_every or 1.0)
            except asyncio.TimeoutError:
                pass


KINDS = {"logins": Logins(), "unread-pulls": UnreadPulls(),
         "giant-preauth": GiantPreauth(), "slots": Slots(),
         "registers": Registers(), "auth": Auths()}


def main(argv):
    p = argparse.ArgumentParser(prog="attack.py", description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("port", type=int)
    p.add_argument("ca")
    p.add_argument("--n", type=int, default=64, help="connections")
    p.add_argument("--from", dest="src", default="127.0.0.2",
                   help="source addresses (127.0.0.0/8 only)")
    p.add_argument("--concurrency", type=int, default=64,
                   help="connections being opened at once")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="bound on each network step, seconds")
    p.add_argument("--ready", help="file written once every connection "
                   "has been tried")
    p.add_argument("--until", help="hold until this file exists")
    p.add_argument("--hold", type=float, default=0.0,
                   help="seconds to hold without --until")
    p.add_argument("--max-hold", type=float, default=300.0)
    p.add_argument("--settle", type=float, default=0.0,
                   help="after the hold, wait up to S seconds for the "
                   "server to close every connection that has a reader")
    p.add_argument("--until-closed", action="store_true",
                   help="stop holding once the server closed every "
                   "connection (those with a reader)")
    p.add_argument("--handle", default="victim")
    p.add_argument("--password", default="")
    p.add_argument("--handle-prefix", default="flood")
    p.add_argument("--code", default="", help="invite code for registers")
    p.add_argument("--device", default="",
                   help="auth: this device id instead of random ones")
    p.add_argument("--guesses", type=int, default=1,
                   help="requests pipelined per connection")
    p.add_argument("--loop", action="store_true",
                   help="auth, logins, registers: repeat until the stop")
    p.add_argument("--max-requests", type=int, default=0,
                   help="with --loop: send this many in all, however long "
                   "the hold (bounded by --timeout after it)")
    p.add_argument("--until-code", default="",
                   help="with --loop: send until some answer has this "
                   "status (a name: ERATELIMIT), whatever the hold")
    p.add_argument("--ready-after", type=int, default=0,
                   help="write --ready once this many answers came")
    p.add_argument("--pulls", type=int, default=8,
                   help="unread-pulls: Pulls pipelined per connection")
    p.add_argument("--rcvbuf", type=int, default=0,
                   help="SO_RCVBUF of every connection (0: the system's)")
    p.add_argument("--mss", type=int, default=0,
                   help="TCP_MAXSEG of every connection (0: the system's)")
    p.add_argument("--length", type=int, default=FRAME_MAX,
                   help="giant-preauth: the announced frame length")
    p.add_argument("--burst", type=int, default=64 * 1024,
                   help="giant-preauth: bytes sent at once")
    p.add_argument("--trickle", type=int, default=1024,
                   help="giant-preauth: bytes sent every second after")
    p.add_argument("--reconnect", action="store_true",
                   help="giant-preauth, slots: reopen what the server "
                   "closes, until the stop")
    p.add_argument("--reconnect-delay", type=float, default=0.5,
                   help="seconds before reopening a closed connection")
    p.add_argument("--hello-every", type=float, default=0.0,
                   help="slots: a Hello every S seconds")
    a = p.parse_args(argv)
    if a.kind == "unread-pulls" and not a.password:
        p.error("unread-pulls needs --handle and --password")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.n + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    att = Attack(a)
    rc = asyncio.run(att.run())
    print(json.dumps(att.stats, sort_keys=True), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
