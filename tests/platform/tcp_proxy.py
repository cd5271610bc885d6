"""A loopback TCP forwarder that a test can cut, restore or slow, to take a real Redis or MySQL 'down'."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target; `stop()` closes every connection and refuses new ones.

    `delay` (seconds, 0 by default) holds back every chunk forwarded in either direction, so a
    request and its answer each arrive that much later: a slow server, not a dead one. It may be
    changed while connections are open; it applies from the next chunk.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.delay = 0.0

    def start(self) -> TcpProxy:
        """Listen (again) on the same port."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, like a crashed server."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile: cut this one too
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
            thread = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            thread.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        selector = selectors.DefaultSelector()
        for sock in peers:
            selector.register(sock, selectors.EVENT_READ)
        try:
            while True:
                for key, _ in selector.select(timeout=0.5):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    delay = self.delay
                    if delay > 0:
                        time.sleep(delay)
                    peers[key.fileobj].sendall(data)
                if client.fileno() < 0 or upstream.fileno() < 0:
                    return
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            with self._lock:
                for sock in peers:
                    self._sockets.discard(sock)
                    sock.close()
