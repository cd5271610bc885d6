"""Fixtures of the WeChat tests: payload files, a recording queue, and a small compiled catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wechat"
OPENID = "oFixtureUser0001"


def payload(name: str) -> str:
    """The text of a payload file under tests/fixtures/wechat/."""
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


@pytest.fixture
def enqueued(app, monkeypatch):
    """Record every job the callback hands to the queue (and still run it, as the sync queue does)."""
    queue = app.extensions["queue"]
    calls = []
    original = queue.enqueue

    def recording(name, *args, **kwargs):
        calls.append((name, args))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(queue, "enqueue", recording)
    return calls


@pytest.fixture
def korean_catalog(tmp_path):
    """A translations folder where `ko` translates the help-desk welcome (to prove the reply's locale)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from app.helpdesk import answers as helpdesk

    welcome_id = _msgid(helpdesk.welcome_text)
    catalog = Catalog(locale="ko", fuzzy=False)
    catalog.add(welcome_id, "사회보장카드 도움말에 오신 것을 환영합니다. %(keywords)s")
    catalog.add("“card”, “permit”, “contributions”, “lost card” or “language”", "“카드”, “허가”")
    folder = tmp_path / "translations" / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return str(tmp_path / "translations")


def _msgid(function) -> str:
    """The msgid a reply function translates (captured by replacing gettext for one call)."""
    import app.helpdesk.answers as module

    captured = []
    original = module._

    def capture(msgid, **variables):
        captured.append(msgid)
        return msgid

    module._ = capture
    try:
        function()
    finally:
        module._ = original
    return captured[-1]


@pytest.fixture
def real_queue(app, redis_client, monkeypatch):
    """An asynchronous RQ queue on the test Redis (as in production), its version check warmed up."""
    from rq import Queue

    queue = Queue("wechat-test", connection=redis_client)
    queue.get_redis_server_version()
    monkeypatch.setitem(app.extensions, "queue", queue)
    return queue


def pumped_jobs(queue) -> list:
    """Run the pump jobs queued so far (as a worker would) and return the handler jobs they made."""
    from app import pushes

    for job in queue.jobs:
        if job.func_name == pushes.PUMP:
            pushes.pump(queue.connection, queue, *job.args)
            queue.remove(job)
    return [job for job in queue.jobs if job.func_name == pushes.HANDLER]
