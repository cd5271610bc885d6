"""The benchmarks' keep-alive WSGI server: one connection for many requests, WSGI as PEP 3333 says, bad input refused."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
import requests

from app.wechat_emulator import create_emulator
from bench.wsgi_server import WsgiServer


def echo_app(environ, start_response):
    """Answers with what it saw of the request; /boom raises, /plain sets no Content-Length."""
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("boom")
    seen = {
        key: environ.get(key)
        for key in (
            "REQUEST_METHOD",
            "PATH_INFO",
            "QUERY_STRING",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
            "HTTP_X_TEST",
            "SERVER_PROTOCOL",
        )
    }
    seen["body"] = environ["wsgi.input"].read().decode()
    body = json.dumps(seen).encode()
    headers = [("Content-Type", "application/json")]
    if environ["PATH_INFO"] != "/plain":
        headers.append(("Content-Length", str(len(body))))
    start_response("200 OK", headers)
    return [body]


@pytest.fixture
def server():
    served = WsgiServer(echo_app).start()
    yield served
    served.stop()


def raw(server, data: bytes) -> bytes:
    """Send bytes on a fresh connection; everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_many_requests_share_one_connection(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    sockets = set()
    for number in range(3):
        connection.request(
            "POST",
            f"/a%20path?n={number}",
            body=b'{"x": 1}',
            headers={"Content-Type": "application/json", "X-Test": "yes"},
        )
        response = connection.getresponse()
        seen = json.loads(response.read())
        sockets.add(id(connection.sock))
        assert response.getheader("Connection") == "keep-alive"
        assert seen == {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/a path",
            "QUERY_STRING": f"n={number}",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "8",
            "HTTP_X_TEST": "yes",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "body": '{"x": 1}',
        }
    assert len(sockets) == 1
    connection.close()


def test_pipelined_requests_are_answered_in_order(server):
    one = b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
    two = b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
    answer = raw(server, one + two)
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert answer.index(b'"PATH_INFO": "/1"') < answer.index(b'"PATH_INFO": "/2"')
    assert answer.endswith(b'"body": "abc"}')


def test_close_and_http_1_0_end_the_connection(server):
    assert b"Connection: close" in raw(server, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert b"Connection: close" in raw(server, b"GET / HTTP/1.0\r\n\r\n")


def test_a_missing_content_length_is_added(server):
    answer = raw(server, b"GET /plain HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, body = answer.split(b"\r\n\r\n", 1)
    assert f"Content-Length: {len(body)}".encode() in head


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000, b"431"),
    ],
)
def test_unreadable_requests_are_refused_and_closed(server, request_bytes, status):
    answer = raw(server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status) and b"Connection: close" in answer


def test_an_app_error_is_a_500_and_the_connection_lives_on(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/boom")
    assert connection.getresponse().read() == b"Internal Server Error"
    connection.request("GET", "/fine")
    assert json.loads(connection.getresponse().read())["PATH_INFO"] == "/fine"
    connection.close()


def test_the_emulator_served_by_it_sends_over_one_session():
    emulator = create_emulator()
    state = emulator.extensions["wechat_emulator"]
    state.grant_subscription("oServedUser00001", "tmpl_notice_update", 2)
    served = WsgiServer(emulator).start()
    try:
        session = requests.Session()
        token = session.post(
            served.url + "cgi-bin/stable_token",
            timeout=5,
            json={"grant_type": "client_credential", "appid": state.appid, "secret": state.secret},
        ).json()["access_token"]
        body = {
            "touser": "oServedUser00001",
            "template_id": "tmpl_notice_update",
            "data": {
                "thing1": {"value": "x"},
                "thing2": {"value": "y"},
                "time3": {"value": "2026-01-01 10:00"},
            },
        }
        answers = [
            session.post(
                served.url + "cgi-bin/message/subscribe/send",
                params={"access_token": token},
                json=body,
                timeout=5,
            ).json()["errcode"]
            for _ in range(3)
        ]
        session.close()
    finally:
        served.stop()
    assert answers == [0, 0, 43101]
    assert len(state.sent("subscribe")) == 2
