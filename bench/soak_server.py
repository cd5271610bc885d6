"""gunicorn hook for the soak's app server, loaded with `GUNICORN_CMD_ARGS=--config python:bench.soak_server`.

A paced client opens its next connection as soon as an answer is in and sends the request when
the timetable says. A sync worker that accepted that connection would sit idle until the request
came. In production nginx stands in front and hands gunicorn only complete requests; here
TCP_DEFER_ACCEPT does the same: the kernel queues a connection for accept() only once its first
bytes have arrived. Nothing else about the server changes (same command line as every benchmark).
"""

from __future__ import annotations

import socket

#: Seconds the kernel waits for a connection's first bytes before handing it over anyway.
DEFER_SECONDS = 30


def when_ready(server) -> None:
    """Defer accept() on every listening socket until a request's first bytes arrive."""
    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, DEFER_SECONDS)
