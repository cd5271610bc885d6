"""Logs are JSON lines with a request id, and identifiers are masked."""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

from app.logs import mask_text
from tests.verify import conftest as verify_fixtures

journey = verify_fixtures.journey  # the journeys' fixture: a signed-in user walking the verify flow


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


PASSPORTS = ("C01X00T47", "AB12C3456", "18AV12345")


@contextmanager
def captured_log():
    """The JSON lines the app's handler writes inside the block."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "ssc-json")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_alphanumeric_passport_numbers_are_masked_by_pattern():
    for number in PASSPORTS:
        for shown in (number, number.lower()):
            masked = mask_text(f"passport {shown}, again ({shown}).")
            assert shown not in masked and masked.count("****") == 2
    kept = ("utf8mb4", "2026-12-06T21:01:37.829487Z", "3fa85f64-5717", "sha256", "x86_64")
    for text in kept:
        assert mask_text(text) == text


def test_identifier_fields_are_masked_whatever_they_look_like(app, client):
    """By field: a value under an identifier's key, at any depth, even one no pattern would catch."""

    @app.get("/_field_probe")
    def probe():
        logging.getLogger("app.test").warning(
            "fields",
            extra={
                "passport_number": "XQZWVKAB",
                "phone": 13800138000,
                "answers": {"identifier": "LETTERSONLY", "passport_name": "DOE, Jane"},
                "rows": [{"permit_number": "ZZTOPSECRET"}],
            },
        )
        return {"ok": True}

    with captured_log() as lines:
        client.get("/_field_probe")
    record = next(json.loads(line) for line in lines.getvalue().splitlines() if '"fields"' in line)
    text = json.dumps(record)
    for secret in ("XQZWVKAB", "13800138000", "LETTERSONLY", "ZZTOPSECRET"):
        assert secret not in text
    assert record["answers"]["passport_name"] == "DOE, Jane"  # not an identifier: kept


def test_a_value_from_an_identifier_field_is_masked_wherever_it_is_logged(app, journey, monkeypatch):
    """By origin: what the user typed as their number is masked in a traceback that quotes it."""
    from app.verify import journey as verify

    def broken_normalize(kind, raw):
        raise ValueError(f"cannot read {raw!r} as a {kind}")  # a bug that quotes its input

    monkeypatch.setattr(verify, "normalize", broken_normalize)
    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    trip.answer("name", passport_name="DOE, Jane")
    trip.answer("identifier_type", identifier_type="pr_id")
    typed = "qzxwvk-ab"  # no pattern would take it for an identifier
    with captured_log() as lines:
        assert trip.post("identifier", identifier=typed).status_code == 500
    logged = lines.getvalue()
    assert "unexpected error" in logged and "cannot read" in logged
    assert typed not in logged.lower() and "qzxwvk" not in logged.lower()


def test_an_identifier_read_from_the_registry_is_masked_in_that_requests_logs(app, client):
    from app.extensions import db
    from app.registry.models import IdentityDocument
    from tests.factories import make_person

    person = make_person(passport_number="KQ7ZWX")  # letters and two digits: no pattern takes it
    document_id = person.documents[0].id
    db.session.expire_all()

    @app.get("/_registry_probe")
    def probe():
        number = db.session.get(IdentityDocument, document_id).number
        logging.getLogger("app.test").warning("the document %s was checked", number)
        return {"ok": True}

    with captured_log() as lines:
        client.get("/_registry_probe")
    assert "document ****" in lines.getvalue() and "KQ7ZWX" not in lines.getvalue()


def test_audit_details_are_masked_by_field_and_pattern(app):
    from app.audit import log as audit
    from app.extensions import db

    entry = audit.record(
        "test.masking",
        actor_type="system",
        details={
            "passport": "PLAINLETTERS",
            "note": "typed C01X00T47 at the counter",
            "nested": {"ssn": "ABCDEFGH"},
        },
    )
    db.session.commit()
    text = json.dumps(entry.details)
    for secret in ("PLAINLETTERS", "C01X00T47", "ABCDEFGH"):
        assert secret not in text
