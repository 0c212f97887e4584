#!/usr/bin/env python3
"""Cross-replica smoke check for Chorus, with nothing but the Python 3 standard library.

Connects user smoke-a to the first URL and smoke-b to the second, has smoke-a publish one message, and checks that
smoke-b receives it with the first replica as its origin. Exits 0 when it does, 1 otherwise. Every wait is bounded.

    python3 ws_smoke.py ws://127.0.0.1:8081/ws ws://127.0.0.1:8082/ws
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

TIMEOUT = 15.0
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Client:
    """A minimal RFC 6455 client: text frames only, masked as a client must, no extensions."""

    def __init__(self, url, user):
        parts = urlsplit(url)
        if parts.scheme != "ws":
            raise ValueError("only ws:// URLs: " + url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=TIMEOUT)
        self.sock.settimeout(TIMEOUT)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        path = (parts.path or "/") + "?user=" + user
        request = (f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port or 80}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   f"Sec-WebSocket-Key: {key}\r\n\r\n")
        self.sock.sendall(request.encode("ascii"))
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status = head.split("\r\n", 1)[0]
        if " 101 " not in status + " ":
            raise IOError(f"upgrade refused by {url}: {status}")
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        headers = {line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip()
                   for line in head.split("\r\n")[1:] if ":" in line}
        if headers.get("sec-websocket-accept") != expected:
            raise IOError("bad Sec-WebSocket-Accept from " + url)

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise IOError("connection closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise IOError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send_text(self, text):
        payload = text.encode("utf-8")
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def next_event(self, deadline):
        """The next text frame as JSON; raises on close, on timeout or past the deadline."""
        message = b""
        while True:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            b0, b1 = self._read_exact(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read_exact(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read_exact(8))[0]
            payload = self._read_exact(length)  # server frames are not masked
            opcode = b0 & 0x0F
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise IOError(f"server closed the connection with {code}")
            if opcode in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return json.loads(message.decode("utf-8"))
            # ping/pong/binary: ignored (a ping gets no pong; the check is short)

    def await_type(self, wanted, deadline):
        while time.monotonic() < deadline:
            event = self.next_event(deadline)
            if event.get("type") == wanted:
                return event
        raise TimeoutError(f"no {wanted} event in time")

    def close(self):
        try:
            self.sock.sendall(bytes([0x88, 0x82]) + b"\0\0\0\0" + struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    url_a, url_b = argv[1], argv[2]
    deadline = time.monotonic() + TIMEOUT
    a = Client(url_a, "smoke-a")
    b = Client(url_b, "smoke-b")
    try:
        replica_a = a.await_type("welcome", deadline)["replica"]
        replica_b = b.await_type("welcome", deadline)["replica"]
        if replica_a == replica_b:
            print(f"FAIL: both URLs are the same replica ({replica_a})", file=sys.stderr)
            return 1
        token = base64.b16encode(os.urandom(6)).decode()
        a.send_text(json.dumps({"type": "publish", "ref": "smoke", "payload": {"text": "smoke " + token}}))
        while True:
            event = b.await_type("message", deadline)
            if event.get("payload", {}).get("text") == "smoke " + token:
                break
        if event.get("replica") != replica_a or event.get("from") != "smoke-a":
            print(f"FAIL: unexpected origin in {event}", file=sys.stderr)
            return 1
        print(f"OK: a message published on replica {replica_a} reached a client on replica {replica_b}")
        return 0
    except (OSError, TimeoutError, ValueError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        a.close()
        b.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
