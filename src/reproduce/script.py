
# ---------------------------------------------------------------------------------------
# The engine: Python 3 standard library only. It plays the testsuite's side of one
# connection (autobahn 0.10.9's rules): sends STEPS, answers pings while open, replies to a
# close, fails the connection by dropping TCP on a protocol error, and judges the case as the
# testsuite does (the first EXPECTED list equal to the events received; then the close).
# ---------------------------------------------------------------------------------------

import hashlib
import base64
import os
import select
import socket
import struct
import sys
import time

CHOP_PAUSE = 0.001  # seconds between chopped writes, so the peer reads them one by one
OPEN_HANDSHAKE_TIMEOUT = 5.0
CLOSE_HANDSHAKE_TIMEOUT = 1.0  # our close unanswered this long: drop TCP
SERVER_DROP_TIMEOUT = 1.0  # close handshake done, the server still holds TCP
CASE_LIMIT = 60.0
ACCEPT_LIMIT = 300.0  # --listen: give up when no client comes
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OPNAMES = {0: "CONTINUATION", 1: "TEXT", 2: "BINARY", 8: "CLOSE", 9: "PING", 10: "PONG"}


def preview(payload, limit=40):
    try:
        text = payload.decode("utf-8")
        shown = repr(text[:limit])
    except UnicodeDecodeError:
        shown = "0x" + payload[:limit].hex()
    return shown + (" ..." if len(payload) > limit else "")


def shown_event(e):
    kind, payload = e[0], e[1]
    if kind == "timeout":
        return "timeout %r" % payload
    extra = " (binary)" if kind == "message" and e[2] else ""
    return "%s %s%s" % (kind, preview(payload, 64), extra)


def describe(fin, rsv, opcode, payload):
    """A frame in one line: opcode, FIN, RSV, length, payload preview or close code."""
    line = "%s fin=%d rsv=%d len=%d" % (OPNAMES.get(opcode, "opcode %d" % opcode), fin, rsv,
                                        len(payload))
    if opcode == 8 and len(payload) >= 2:
        code = struct.unpack("!H", payload[:2])[0]
        return line + " code=%d reason=%s" % (code, preview(payload[2:]))
    return line + (" " + preview(payload) if payload else "")


def frame_head(fin, rsv, opcode, n, mask):
    """A frame header (RFC 6455 section 5.2): the shortest length form, then the mask."""
    head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 15)])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    return head + (mask or b"")


def valid_close_code(c):
    return c in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011) or 3000 <= c <= 4999


class Connection:
    def __init__(self, sock, role, rest=b""):
        self.sock = sock
        self.role = role  # "client": we mask; "server": we do not
        self.state = "open"
        self.rx = bytearray(rest)
        self.timers = []  # [at, kind, data]
        self.received = []
        self.tx_frames = {}
        self.closed_by_me = False
        self.failed_by_me = False
        self.dropped_by_me = False
        self.was_clean = False
        self.not_clean_reason = None
        self.remote_close_code = None
        self.remote_close_reason = None
        self.inside_message = False
        self.message = bytearray()
        self.message_binary = False
        self.streaming = None  # [opcode, mask, frame_len, written]
        self.auto_fragment = 0
        self.reply_masks = list(REPLY_MASKS)
        self.started = time.monotonic()
        self.timer(CASE_LIMIT, "limit")

    # ---- time -------------------------------------------------------------------------
    def timer(self, delay, kind, data=None):
        self.timers.append([time.monotonic() + delay, kind, data])

    def fire_due(self):
        while self.state != "closed":
            now = time.monotonic()
            due = [t for t in self.timers if t[0] <= now]
            if not due:
                return
            t = min(due, key=lambda t: t[0])
            self.timers.remove(t)
            self.fire(t[1], t[2])

    def fire(self, kind, data):
        if kind == "later":
            print("   ... %s s later (tag %s)" % (data["delay"], data["tag"]))
            if data["only_if_open"] and self.state != "open":
                return
            if data["record_timeout"]:
                self.received.append(("timeout", data["tag"] or ""))
            self.run(data["steps"])
        elif kind == "kill":
            print("   fail-connection-after timer fired")
            self.fail("Going Away")
        elif kind == "close_after":
            print("   close-after timer fired")
            self.send_close(None, None)
        elif kind == "close_handshake":
            self.was_clean = False
            self.not_clean_reason = "peer did not respond (in time) in closing handshake"
            self.drop()
        elif kind == "server_drop":
            self.was_clean = False
            self.not_clean_reason = "server did not drop TCP connection (in time)"
            self.drop()
        elif kind == "limit":
            self.was_clean = False
            self.not_clean_reason = "case did not end within %s s; dropped" % CASE_LIMIT
            self.drop()

    # ---- sending ----------------------------------------------------------------------
    def mask_for(self, opcode, length, mask):
        if self.role != "client":
            return None
        if mask is not None:
            return mask
        for i, (op, n, m) in enumerate(self.reply_masks):
            if op == opcode and n == length:
                del self.reply_masks[i]
                return m
        return os.urandom(4)

    def write(self, data, chop=None, sync=False):
        if self.state == "closed":
            return
        pieces = [data[i:i + chop] for i in range(0, len(data), chop)] if chop else [data]
        for piece in pieces:
            try:
                self.sock.sendall(piece)
            except OSError:
                return
            if chop or sync:
                time.sleep(CHOP_PAUSE)
                self.pump(0)  # the peer's octets between chops, as autobahn reads them
                if self.state == "closed":
                    return

    def send_frame(self, opcode, payload, fin=True, rsv=0, mask=None, chop=None, sync=False,
                   repeat=None):
        if self.state == "closed":
            return
        if repeat is not None:
            payload = (payload * (repeat // max(len(payload), 1) + 1))[:repeat]
        mask = self.mask_for(opcode, len(payload), mask)
        n = len(payload)
        head = frame_head(fin, rsv, opcode, n, mask)
        body = payload
        if mask:
            body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.tx_frames[opcode & 15] = self.tx_frames.get(opcode & 15, 0) + 1
        how = ""
        if chop:
            how = ", %d octet(s) per write" % chop
        elif sync:
            how = ", alone"
        print("-> %s%s" % (describe(fin, rsv, opcode, payload), how))
        self.write(head + body, chop, sync)

    def send_close(self, code, reason, reply=False, mask=None):
        if self.state != "open":
            return
        payload = b""
        if code is not None:
            payload += struct.pack("!H", code)
        if reason:
            payload += reason
        self.send_frame(8, payload, mask=mask)
        self.state = "closing"
        self.closed_by_me = not reply
        if not reply:
            self.timer(CLOSE_HANDSHAKE_TIMEOUT, "close_handshake")

    def fail(self, why):
        if self.state == "closed":
            return
        print("   failing the connection: %s" % why)
        self.failed_by_me = True
        self.was_clean = False
        self.not_clean_reason = "I failed the WebSocket connection by dropping the TCP connection"
        self.drop()

    def drop(self):
        if self.state == "closed":
            return
        self.dropped_by_me = True
        self.state = "closed"
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def run(self, steps):
        for step in steps:
            if self.state == "closed":
                return
            kind, a = step[0], step[1]
            if kind == "frame":
                if a.get("open_only") and self.state != "open":
                    continue
                self.send_frame(a["opcode"], a["payload"], a["fin"], a["rsv"], a["mask"],
                                a["chop"], a["sync"], a["repeat"])
            elif kind == "close":
                self.send_close(a["code"], a["reason"], mask=a["mask"])
            elif kind == "begin_frame":
                if self.state != "open":
                    continue
                op, n = a["opcode"], a["len"]
                mask = self.mask_for(op, n, a["mask"])
                head = frame_head(False, 0, op, n, mask)
                self.streaming = [mask, n, 0]
                print("-> %s fin=0 len=%d (header; the payload follows in parts)" % (
                    OPNAMES.get(op, op), n))
                self.write(head)
            elif kind == "frame_data":
                if self.state != "open" or self.streaming is None:
                    continue
                mask, n, at = self.streaming
                part = a["data"][:max(n - at, 0)]
                if mask:
                    part = bytes(b ^ mask[(at + i) & 3] for i, b in enumerate(part))
                self.streaming[2] += len(part)
                print("-> %d octet(s) of the frame's payload" % len(part))
                self.write(part)
            elif kind == "kill_after":
                self.timer(a["delay"], "kill")
            elif kind == "close_after":
                self.timer(a["delay"], "close_after")
            elif kind == "later":
                self.timer(a["delay"], "later", a)

    # ---- receiving --------------------------------------------------------------------
    def pump(self, timeout):
        if self.state == "closed":
            return
        try:
            readable, _, _ = select.select([self.sock], [], [], timeout)
        except (OSError, ValueError):
            readable = [self.sock]
        if not readable:
            return
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            print("<- TCP closed by the peer")
            self.state = "closed"
            return
        self.rx += data
        self.process()

    def process(self):
        while self.state in ("open", "closing"):
            frame = self.decode()
            if frame is None:
                return
            self.on_frame(*frame)

    def decode(self):
        b = self.rx
        if len(b) < 2:
            return None
        fin, rsv, op = b[0] >> 7, (b[0] >> 4) & 7, b[0] & 15
        masked, n, at = b[1] >> 7, b[1] & 127, 2
        minimal = True
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack("!H", b[2:4])[0], 4
            minimal = n >= 126
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack("!Q", b[2:10])[0], 10
            minimal = n >= 65536
        mask = None
        if masked:
            if len(b) < at + 4:
                return None
            mask, at = bytes(b[at:at + 4]), at + 4
        if len(b) < at + n:
            return None
        payload = bytes(b[at:at + n])
        del b[:at + n]
        if mask:
            payload = bytes(x ^ mask[i & 3] for i, x in enumerate(payload))
        return fin, rsv, op, mask, payload, minimal

    def on_frame(self, fin, rsv, op, mask, payload, minimal):
        line = "<- " + describe(fin, rsv, op, payload)
        if mask:
            line += " mask=" + mask.hex()
        print(line)
        control = op >= 8
        wrong_mask = (mask is not None) if self.role == "client" else (mask is None)
        problem = None
        if rsv:
            problem = "RSV = %d and no extension negotiated" % rsv
        elif wrong_mask:
            problem = "masked server-to-client frame" if self.role == "client" else \
                "unmasked client-to-server frame"
        elif control and not fin:
            problem = "fragmented control frame"
        elif control and len(payload) > 125:
            problem = "control frame with payload length > 125 octets"
        elif control and op not in (8, 9, 10):
            problem = "control frame using reserved opcode %d" % op
        elif op == 8 and len(payload) == 1:
            problem = "received close control frame with payload len 1"
        elif not control and op > 2:
            problem = "data frame using reserved opcode %d" % op
        elif not control and not self.inside_message and op == 0:
            problem = "received continuation data frame outside fragmented message"
        elif not control and self.inside_message and op != 0:
            problem = "received non-continuation data frame while inside fragmented message"
        elif not minimal:
            problem = "invalid data frame length (not using minimal length encoding)"
        if problem:
            self.fail(problem)
            return
        if op == 8:
            self.on_close(payload)
        elif op == 9:
            if self.state == "open":
                self.send_frame(10, payload)
            self.on_event(("ping", payload))
        elif op == 10:
            self.on_event(("pong", payload))
        else:
            if not self.inside_message:
                self.inside_message = True
                self.message_binary = op == 2
                self.message = bytearray()
            self.message += payload
            if fin:
                self.inside_message = False
                self.on_event(("message", bytes(self.message), self.message_binary))

    def on_close(self, payload):
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        reason = payload[2:]
        self.remote_close_code, self.remote_close_reason = code, None
        if code is not None and not valid_close_code(code):
            self.fail("invalid close code %d" % code)
            return
        if reason:
            try:
                self.remote_close_reason = reason.decode("utf-8")
            except UnicodeDecodeError:
                self.fail("invalid close reason (non-UTF8 payload)")
                return
        if self.state == "closing":
            self.timers = [t for t in self.timers if t[1] != "close_handshake"]
            self.was_clean = True
            if self.role == "server":
                self.drop()
            else:
                self.timer(SERVER_DROP_TIMEOUT, "server_drop")
        elif self.state == "open":
            self.was_clean = True
            self.send_close(1000, None, reply=True)
            if self.role == "server":
                self.drop()

    def on_event(self, event):
        self.received.append(event)
        done = all(list(evs) == self.received for _, evs in EXPECTED)
        if done and EXPECTED_CLOSE["closedByMe"]:
            codes = EXPECTED_CLOSE["closeCode"]
            self.send_close(codes[0] if codes else None, None)

    def loop(self):
        self.process()
        while self.state != "closed":
            self.fire_due()
            if self.state == "closed":
                break
            now = time.monotonic()
            wait = max(0.0, min((t[0] for t in self.timers), default=now + 1) - now)
            self.pump(wait)
        try:
            self.sock.close()
        except OSError:
            pass


# ---- judging (the testsuite's rules) ------------------------------------------------------
def judge(c, was_open):
    behavior, result = "FAILED", "Actual events differ from any expected."
    for word, evs in EXPECTED:
        if list(evs) == c.received:
            behavior, result = word, "Actual events match at least one expected."
            break
    close = "FAILED"
    ec = EXPECTED_CLOSE
    if was_open:
        wrong_closer = ec["closedByMe"] != c.closed_by_me
        if wrong_closer:
            close = "FAILED"
        elif ec["requireClean"] and not c.was_clean:
            close = "UNCLEAN"
        elif c.remote_close_code is not None and c.remote_close_code not in ec["closeCode"]:
            close = "WRONG CODE"
        elif c.role == "client" and c.dropped_by_me:
            close = "FAILED BY CLIENT"
        else:
            close = "OK"
        if ec.get("closedByWrongEndpointIsFatal") and wrong_closer:
            behavior = "FAILED"
    if ADJUST in ("informational", "undefined"):
        behavior = close = "INFORMATIONAL"
    elif ADJUST == "wrong-code-fails-behavior" and close == "WRONG CODE":
        behavior = "FAILED"
    elif isinstance(ADJUST, tuple):  # ("auto-fragment-count", length, size)
        _, n, size = ADJUST
        want = (n // size, 1 if n % size else 0)
        if want != (c.tx_frames.get(0, 0), c.tx_frames.get(1, 0)):
            behavior = "FAILED"
    return behavior, close, result


def passes(behavior, close):
    return behavior in ("OK", "NON-STRICT", "INFORMATIONAL") and close in ("OK", "INFORMATIONAL")


def finish(c, was_open):
    behavior, close, result = judge(c, was_open)
    print()
    print("case %s: behavior %s, close %s" % (CASE_ID, behavior, close))
    if behavior not in ("OK", "INFORMATIONAL"):
        print("  %s" % result)
        for word, evs in EXPECTED:
            print("  expected %s: [%s]" % (word, ", ".join(shown_event(e) for e in evs)))
        print("  received: [%s]" % ", ".join(shown_event(e) for e in c.received))
    print("  closedByMe=%s wasClean=%s droppedByMe=%s remoteCloseCode=%s%s" % (
        c.closed_by_me, c.was_clean, c.dropped_by_me, c.remote_close_code,
        " (%s)" % c.not_clean_reason if c.not_clean_reason else ""))
    print("  the report: behavior %s, close %s" % REPORT_VERDICT)
    if passes(behavior, close):
        print("the peer behaves: case %s passes" % CASE_ID)
        return 0
    print("REPRODUCED: case %s fails (behavior %s, close %s)" % (CASE_ID, behavior, close))
    return 1


# ---- opening handshakes ---------------------------------------------------------------
def accept_key(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def read_head(sock, limit):
    sock.settimeout(limit)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("connection closed during the opening handshake")
        data += chunk
        if len(data) > 65536:
            raise OSError("handshake head too long")
    sock.settimeout(None)
    end = data.index(b"\r\n\r\n") + 4
    return data[:end].decode("latin-1"), data[end:]


def headers(head):
    out = {}
    for line in head.split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip().lower()] = v.strip()
    return out


def as_client(url):
    if not url.startswith("ws://"):
        sys.exit("usage: %s ws://HOST:PORT[/path] | --listen [HOST:]PORT" % sys.argv[0])
    rest = url[5:]
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    authority, resource = rest[:cut], rest[cut:] or "/"
    if resource.startswith("?"):
        resource = "/" + resource
    host, _, port = authority.rpartition(":")
    if not host:
        host, port = authority, "80"
    sock = socket.create_connection((host.strip("[]"), int(port)), timeout=OPEN_HANDSHAKE_TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "User-Agent: wsreport-repro\r\n\r\n" % (resource, authority, key)).encode())
    head, rest = read_head(sock, OPEN_HANDSHAKE_TIMEOUT)
    status = head.split("\r\n", 1)[0]
    if " 101" not in status or headers(head).get("sec-websocket-accept") != accept_key(key):
        print("opening handshake refused: %s" % status)
        print("\ncase %s: behavior FAILED, close FAILED (no opening handshake)" % CASE_ID)
        return 1
    print("connected to %s (as the testsuite's fuzzing client)" % url)
    c = Connection(sock, "client", rest)
    c.run(STEPS)
    c.loop()
    return finish(c, True)


def as_server(where):
    host, _, port = where.rpartition(":")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host or "127.0.0.1", int(port)))
    listener.listen(8)
    listener.settimeout(ACCEPT_LIMIT)
    addr = listener.getsockname()
    print("listening on ws://%s:%d (as the testsuite's fuzzing server; one case)" % addr)
    sys.stdout.flush()
    while True:
        try:
            sock, peer = listener.accept()
        except socket.timeout:
            print("no client within %s s" % ACCEPT_LIMIT)
            return 2
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            head, rest = read_head(sock, OPEN_HANDSHAKE_TIMEOUT)
        except OSError as e:
            print("%s: %s" % (peer, e))
            sock.close()
            continue
        h = headers(head)
        target = head.split("\r\n", 1)[0].split(" ")[1] if " " in head else "/"
        if "websocket" not in h.get("upgrade", "").lower() or "sec-websocket-key" not in h:
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            sock.close()
            continue
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nServer: wsreport-repro\r\n"
                      "Upgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                      % accept_key(h["sec-websocket-key"])).encode())
        # a harness written for the fuzzing server asks for the case count first
        if "getCaseCount" in target or "updateReports" in target or "stopServer" in target \
                or "getCaseInfo" in target or "getCaseStatus" in target:
            c = Connection(sock, "server", rest)
            if "getCaseCount" in target:
                c.send_frame(1, b"1")
            c.send_close(1000, None)
            c.loop()
            continue
        print("client %s:%d asked %s" % (peer[0], peer[1], target))
        c = Connection(sock, "server", rest)
        c.run(STEPS)
        c.loop()
        listener.close()
        return finish(c, True)


def main():
    args = sys.argv[1:]
    print(__doc__.strip().split("\n")[0])
    try:
        if len(args) == 2 and args[0] == "--listen":
            return as_server(args[1])
        if len(args) == 1 and not args[0].startswith("-"):
            return as_client(args[0])
    except OSError as e:
        print("error: %s" % e)
        return 2
    print("usage: %s ws://HOST:PORT[/path]   (test a server)\n"
          "       %s --listen [HOST:]PORT   (test a client: a one-case server)"
          % (sys.argv[0], sys.argv[0]))
    return 2


if __name__ == "__main__":
    sys.exit(main())
