"""A small HTTP/1.1 WSGI server on asyncio that keeps connections open, for loopback benchmarks.

Werkzeug's development server closes every connection after one answer and starts a thread per
connection, so a client pays a TCP handshake per request and the server a thread. This server keeps
connections alive (HTTP/1.1, or HTTP/1.0 asking for it) and runs the app on its event loop's one
thread: right for apps that answer at once, like the WeChat emulator; an app that sleeps holds up
every connection. Bodies need a Content-Length (no chunked requests); answers are buffered and sent
with one.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
from urllib.parse import unquote_to_bytes

log = logging.getLogger("bench.wsgi_server")

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
_REASONS = {
    400: "Bad Request",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}


class WsgiServer:
    """Serves a WSGI app on a loopback port from one background thread (start, then stop)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.host = host
        self.loop = asyncio.new_event_loop()
        self.connections: set[_Connection] = set()
        self.server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Connection(self), host, port, backlog=1024)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}/"
        self.thread = threading.Thread(target=self.loop.run_forever, name="wsgi-server", daemon=True)

    def start(self) -> WsgiServer:
        """Begin serving in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, and end the thread."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
        self.server.close()
        for connection in list(self.connections):
            connection.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()


class _Connection(asyncio.Protocol):
    """One client connection: parses requests as they arrive and answers each in order."""

    def __init__(self, server: WsgiServer):
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.peer = ("", 0)

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = transport.get_extra_info("peername") or ("", 0)
        self.server.connections.add(self)

    def connection_lost(self, exc) -> None:
        self.server.connections.discard(self)
        self.transport = None

    def close(self) -> None:
        """Close after what was written has gone out."""
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    self._refuse(431)
                return
            request = _parse_head(bytes(self.buffer[:end]))
            if request is None:
                self._refuse(400)
                return
            method, target, version, headers = request
            if "transfer-encoding" in headers:
                self._refuse(501)
                return
            length_text = headers.get("content-length", "0").strip()
            if not (length_text.isascii() and length_text.isdigit()):
                self._refuse(400)
                return
            length = int(length_text)
            if length > MAX_BODY_BYTES:
                self._refuse(413)
                return
            start = end + 4
            if len(self.buffer) < start + length:
                if headers.get("expect", "").lower() == "100-continue" and len(self.buffer) == start:
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                return
            body = bytes(self.buffer[start : start + length])
            del self.buffer[: start + length]
            self._answer(method, target, version, headers, body)

    def _answer(self, method: str, target: str, version: str, headers: dict, body: bytes) -> None:
        """Run the app for one request and write its answer; close when the client asked to."""
        connection = headers.get("connection", "").lower()
        keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
        status, response_headers, content = self._run_app(method, target, version, headers, body)
        names = {name.lower() for name, _ in response_headers}
        lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in response_headers]
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(content)}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.transport.write(head if method == "HEAD" else head + content)
        if not keep_alive:
            self.close()

    def _run_app(self, method: str, target: str, version: str, headers: dict, body: bytes):
        """(status, headers, body) of the app's answer; a 500 when it raises."""
        environ = self._environ(method, target, version, headers, body)
        answer: list = []

        def start_response(status, response_headers, exc_info=None):
            if exc_info and answer:
                raise exc_info[1].with_traceback(exc_info[2])
            answer[:] = [status, list(response_headers)]
            return chunks.append

        chunks: list[bytes] = []
        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            log.exception("the app failed on %s %s", method, target)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"Internal Server Error"
        return answer[0], answer[1], b"".join(chunks)

    def _environ(self, method: str, target: str, version: str, headers: dict, body: bytes) -> dict:
        """The WSGI environ of one request (PEP 3333)."""
        path, _, query = target.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.peer[0],
            "REMOTE_PORT": str(self.peer[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name == "content-length":
                environ["CONTENT_LENGTH"] = value
            else:
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ

    def _refuse(self, code: int) -> None:
        """Answer an unreadable request with an error and close the connection."""
        reason = _REASONS[code]
        self.transport.write(
            f"HTTP/1.1 {code} {reason}\r\nContent-Length: {len(reason)}\r\n"
            f"Connection: close\r\n\r\n{reason}".encode("latin-1")
        )
        self.close()


def _parse_head(head: bytes) -> tuple[str, str, str, dict] | None:
    """(method, target, version, headers by lower-case name) of a request head, or None if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            return None
        name, value = name.lower(), value.strip()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return parts[0], parts[1], parts[2], headers
