"""Logs are JSON lines with a request id, and identifiers are masked."""

from __future__ import annotations

import io
import json
import logging

from app.logs import mask_text


def test_mask_text_hides_identifiers():
    line = "permit 123456789012345678 ssn 93141019850315001X phone +86 138 0013 8000 passport E12345678"
    masked = mask_text(line)
    for secret in ("123456789012345678", "93141019850315001X", "E12345678"):
        assert secret not in masked
    assert "5678" in masked


def test_request_log_is_json_with_request_id(app, client):
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "ssc-json")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)

    @app.get("/_log_probe")
    def probe():
        logging.getLogger("app.test").warning("checking %s", "123456789012345678")
        return {"ok": True}

    try:
        response = client.get("/_log_probe", headers={"X-Request-ID": "req-12345678"})
    finally:
        handler.setStream(previous)
    assert response.headers["X-Request-ID"] == "req-12345678"
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    record = next(line for line in lines if line.get("logger") == "app.test")
    assert record["request_id"] == "req-12345678"
    assert "123456789012345678" not in json.dumps(record)
