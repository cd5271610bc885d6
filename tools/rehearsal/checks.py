"""What a user, WeChat, a counter, an admin and the monitoring see, through nginx over HTTPS only."""

from __future__ import annotations

import csv
import re
import secrets
import time
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from .guide import ROOT
from .outside import Public, WeChat, popup_event
from .processes import StepFailed, wait_for
from .report import Row
from .stack import Stack

#: The registry feed the operator imports (§11), and the two people the rehearsal verifies.
PEOPLE_FILE = "docs/examples/people.csv"
TEMPLATE = "tmpl_notice_update"
PASSWORD = "rehearsal-" + secrets.token_urlsafe(12)


def example_people() -> dict[str, dict]:
    """The example feed's rows by nationality (the rehearsal verifies the German and the Irish holder)."""
    with (ROOT / PEOPLE_FILE).open(encoding="utf-8") as feed:
        return {row["nationality"]: row for row in csv.DictReader(feed)}


@dataclass
class Context:
    """What the steps share: the deployment, its clients and what they learnt on the way."""

    stack: Stack
    public: Public
    wechat: WeChat
    facts: dict = field(default_factory=dict)
    _engine: object = None

    def db(self):
        """An engine on the service's database, with the service's own account."""
        url = self.stack.service_shell()["DATABASE_URL"]
        if self._engine is not None and self._engine.url.render_as_string(hide_password=False) != url:
            self.close()  # the environment file names another database now (the restore drill)
        if self._engine is None:
            self._engine = create_engine(url, pool_size=2, isolation_level="AUTOCOMMIT")
        return self._engine

    def scalar(self, query: str, **params):
        """One value from the service's database."""
        with self.db().connect() as connection:
            return connection.execute(text(query), params).scalar()

    def close(self) -> None:
        """Let go of the database connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def first_data(ctx: Context, row: Row) -> None:
    """§11: an admin, a service point and the registry feed, by the guide's commands."""
    names = {
        "alice": "rehearsal-publisher",
        '"Pudong counter 1"': '"Rehearsal counter"',
        "people.csv": PEOPLE_FILE,
    }
    outputs = {}
    for line in ctx.stack.guide.commands("first-data", names):
        stdin = PASSWORD + "\n" if " admin create " in line else None
        outputs[line.split()[3]] = ctx.stack.sh(
            "first-data", line, env=ctx.stack.service_shell(), stdin=stdin
        )
    key = [line.strip() for line in outputs["service-point"].splitlines() if line.strip()][-1]
    if not re.fullmatch(r"[\w-]{20,}", key):
        raise StepFailed(f"service-point create printed no key: {outputs['service-point']!r}")
    people = ctx.scalar("SELECT COUNT(*) FROM people")
    ctx.facts.update(service_point_key=key, admin="rehearsal-publisher")
    row.proved = (
        f"admin create (password on stdin), service-point create (key printed once), registry import "
        f"of {PEOPLE_FILE}: {people} people"
    )


def sign_in(ctx: Context, row: Row) -> None:
    """The mini program signs a new WeChat user in."""
    openid = "o" + secrets.token_hex(12)
    token = ctx.public.sign_in(ctx.wechat, openid)
    me = ctx.public.request("GET", "/api/v1/me", token=token).json()
    ctx.facts.update(openid=openid, token=token)
    row.proved = f"wx.login code -> POST /api/v1/auth/login -> session; /api/v1/me answers ({len(me)} fields)"


def _ledger(ctx: Context, openid: str) -> tuple[int, int, int] | None:
    """(available, accepted_total, sent_total) of the user's notice template."""
    with ctx.db().connect() as connection:
        found = connection.execute(
            text(
                "SELECT q.available, q.accepted_total, q.sent_total FROM subscription_quotas q "
                "JOIN users u ON u.id = q.user_id WHERE u.openid = :openid AND q.template_id = :template"
            ),
            {"openid": openid, "template": TEMPLATE},
        ).first()
    return tuple(found) if found else None


def _handled_pushes(ctx: Context) -> int:
    """How many pushes the workers' logs say they handled."""
    return sum(
        ctx.stack.supervisor.log_path(name).read_text(errors="replace").count("wechat push handled")
        for name, _ in ctx.stack.workers
    )


def pushes(ctx: Context, row: Row) -> None:
    """Safe-mode pushes in JSON and XML (wechatpy's crypto): `success`, handled once each; a retry is a duplicate."""
    openid = ctx.facts["openid"]
    ctx.wechat.grant([openid], TEMPLATE, 2)  # the user accepted twice in WeChat's popup
    original_id, now = ctx.stack.run.wechat["original_id"], int(time.time())
    sent = []
    for offset, fmt in enumerate(("json", "xml")):
        path, body, headers = ctx.wechat.push(
            popup_event(openid, original_id, TEMPLATE, now + offset, fmt), fmt
        )
        answer = ctx.public.request("POST", path, data=body, headers=headers, what=f"{fmt} push").text
        if answer != "success":
            raise StepFailed(f"the {fmt} push was answered {answer!r}, not 'success'")
        sent.append((path, body, headers))
    handled = wait_for(
        lambda: (_ledger(ctx, openid) or (0, 0, 0))[1] >= 2 and _ledger(ctx, openid),
        "both pushes handled (the subscription ledger)",
        timeout=30,
    )
    retry = ctx.public.request(
        "POST", sent[0][0], data=sent[0][1], headers=sent[0][2], what="WeChat's retry"
    ).text
    time.sleep(2)  # give a wrongly queued duplicate time to show
    after, logged = _ledger(ctx, openid), _handled_pushes(ctx)
    if handled[:2] != (2, 2) or after != handled or retry != "success" or logged != 2:
        raise StepFailed(
            f"ledger {handled} then {after} after the retry ({retry!r}); {logged} handled in the logs"
        )
    ctx.facts["ledger_before_notice"] = after
    row.proved = (
        "JSON and XML popup events, each encrypted by wechatpy.crypto.WeChatCrypto: 'success', the "
        "ledger counts 2 accepts and the workers' logs 2 handled pushes; WeChat's retry of the JSON "
        "one: 'success', still 2"
    )


def journey(ctx: Context, row: Row) -> None:
    """The verification journey to its result, the phone second factor through the emulator."""
    person = example_people()["DEU"]
    steps = ctx.public.verify(ctx.wechat, ctx.facts["token"], ctx.facts["openid"], person)
    verified = ctx.scalar(
        "SELECT COUNT(*) FROM users WHERE openid = :o AND verified_at IS NOT NULL AND person_id IS NOT NULL",
        o=ctx.facts["openid"],
    )
    if verified != 1:
        raise StepFailed("the journey showed its result but the account is not verified")
    ctx.facts["person"] = person
    row.proved = f"{' > '.join(steps)}; the account is linked to {person['passport_name']!r}"


def card(ctx: Context, row: Row) -> None:
    """The card of the verified holder: their name, the permit masked, never in clear."""
    ctx.facts["card"] = show_card(ctx.public, ctx.facts["token"], ctx.facts["person"])
    row.proved = f"GET /api/v1/card: {ctx.facts['card']}"


def show_card(public: Public, token: str, person: dict) -> str:
    """GET /api/v1/card must name the holder and must not show the permit number in clear."""
    body = public.request("GET", "/api/v1/card", token=token).text
    surname = person["passport_name"].split(",")[0].split()[0]
    if surname not in body or person["permit_number"] in body:
        raise StepFailed(f"the card does not name {surname!r} or shows the permit number in clear")
    return f"names {surname}, permit masked"


def qr_check(ctx: Context, row: Row) -> None:
    """An identity QR code checked once by the service point made with the CLI; a second check is refused."""
    payload = ctx.public.request("POST", "/api/v1/card/qr", token=ctx.facts["token"]).json()["payload"]
    headers = {"X-Service-Point-Key": ctx.facts["service_point_key"]}
    checked = ctx.public.request(
        "POST", "/api/v1/qr/verify", json={"payload": payload}, headers=headers
    ).json()
    again = ctx.public.request(
        "POST",
        "/api/v1/qr/verify",
        409,
        json={"payload": payload},
        headers=headers,
        what="a second check of the same code",
    ).json()
    if not checked.get("valid") or checked["service_point"] != "Rehearsal counter":
        raise StepFailed(f"the QR check answered {checked}")
    row.proved = (
        f"valid, holder {checked['holder']['name']!r} with permit {checked['holder']['permit_number_masked']}; "
        f"the same code again: {again['error']['code']}"
    )


def admin_token(ctx: Context) -> str:
    """The publisher made by the CLI signs in to the admin API."""
    if "admin_token" not in ctx.facts:
        ctx.facts["admin_token"] = ctx.public.request(
            "POST", "/api/v1/admin/auth", json={"username": ctx.facts["admin"], "password": PASSWORD}
        ).json()["token"]
    return ctx.facts["admin_token"]


def publish_notice(ctx: Context, audience: dict, title: str) -> int:
    """A notice drafted and published through the admin API; its id."""
    token = admin_token(ctx)
    draft = ctx.public.request(
        "POST",
        "/api/v1/admin/notices",
        201,
        token=token,
        json={
            "source_locale": "en",
            "category": "deadline",
            "priority": "important",
            "audience": audience,
            "template_id": TEMPLATE,
            "translations": {"en": {"title": title, "body": "Renew your work permit before it expires."}},
            "source": {"title": "Rehearsal", "url": "https://example.org/rehearsal", "date": "2026-01-01"},
        },
    ).json()
    published = ctx.public.request("POST", f"/api/v1/admin/notices/{draft['id']}/publish", token=token).json()
    if not published["started"]:
        raise StepFailed(f"publishing notice {draft['id']} started no delivery: {published}")
    return draft["id"]


def notice(ctx: Context, row: Row) -> None:
    """A notice to a small audience: in the holder's inbox, and a subscribe message at WeChat."""
    openid = ctx.facts["openid"]
    notice_id = publish_notice(ctx, {"nationalities": ["DEU"]}, "Rehearsal: renew your permit")
    inbox = wait_for(
        lambda: [
            item
            for item in ctx.public.request("GET", "/api/v1/notices", token=ctx.facts["token"]).json()["items"]
            if item["id"] == notice_id
        ],
        "the notice in the holder's inbox",
        timeout=30,
    )
    messages = wait_for(
        lambda: [
            m
            for m in ctx.wechat.outbox()
            if m["touser"] == openid and (m.get("page") or "").endswith(f"id={notice_id}")
        ],
        "the subscribe message at WeChat",
        timeout=30,
    )
    ledger = wait_for(
        lambda: _ledger(ctx, openid)[2] == 1 and _ledger(ctx, openid), "the ledger's send", timeout=30
    )
    audience = ctx.scalar(
        "SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = :n AND channel = 'in_app'", n=notice_id
    )
    if len(messages) != 1 or ledger[0] != ctx.facts["ledger_before_notice"][0] - 1:
        raise StepFailed(f"{len(messages)} messages at WeChat, ledger {ledger}")
    row.proved = (
        f"notice {notice_id} to nationality DEU ({audience} recipient): in the inbox "
        f"({inbox[0]['title']!r}), 1 subscribe message in the emulator's outbox, ledger "
        f"{ctx.facts['ledger_before_notice'][0]} -> {ledger[0]} left"
    )


def metrics(ctx: Context, row: Row) -> None:
    """/metrics: hidden without a bearer, refused with a wrong one, served with METRICS_TOKEN; one host's own."""
    from .hosts import scrape

    ctx.public.request("GET", "/metrics", 404, what="/metrics without a token")
    ctx.public.request("GET", "/metrics", 403, token="not-the-token", what="/metrics with a wrong token")
    ctx.public.request("GET", "/metrics", token=ctx.stack.run.metrics_token)
    # Each host counts what it served (summed over its workers): the scrape job asks every host.
    outcomes: dict[str, float] = {}
    for web in ctx.stack.web:
        body = scrape(ctx, web)
        for outcome, value in re.findall(
            r'^ssc_callback_outcomes_total\{outcome="(\w+)"\} ([\d.]+)$', body, re.M
        ):
            outcomes[outcome] = outcomes.get(outcome, 0.0) + float(value)
    if outcomes.get("accepted", 0) != 2 or outcomes.get("duplicate", 0) != 1:
        raise StepFailed(f"the callback outcomes are {outcomes}, not 2 accepted and 1 duplicate")
    requests_seen = len(re.findall(r"^ssc_http_requests_total\{", body, re.M))
    row.proved = (
        f"no token: 404 (nginx); wrong token: 403 (app); METRICS_TOKEN: 200 through nginx; callback "
        f"outcomes accepted 2, duplicate 1 summed over the workers of the {len(ctx.stack.web)} hosts, "
        f"each scraped on its own; {requests_seen} request series"
    )


def readiness(ctx: Context, row: Row) -> None:
    """/readyz through nginx, and plain HTTP sent to HTTPS."""
    ready = ctx.public.request("GET", "/readyz").json()
    redirect = ctx.public.session.get(
        f"http://127.0.0.1:{ctx.stack.run.http_port}/readyz", allow_redirects=False, timeout=10
    )
    if (
        ready["status"] != "ok"
        or redirect.status_code != 301
        or not redirect.headers.get("Location", "").startswith("https://")
    ):
        raise StepFailed(f"/readyz {ready}, plain HTTP answered {redirect.status_code}")
    row.proved = f"/readyz 200 {ready['checks']}; plain HTTP: 301 to https"


def housekeeping(ctx: Context, row: Row) -> None:
    """§7: the cron lines run as written, as the service's account; the purge deletes a stale record."""
    with ctx.db().connect() as connection:  # autocommit
        connection.execute(
            text(
                "INSERT INTO verification_attempts (step, result, created_at) "
                "VALUES ('rehearsal', 'fail', NOW() - INTERVAL 400 DAY)"
            )
        )
    outputs = {}
    for line in ctx.stack.guide.commands("housekeeping"):
        outputs[line] = ctx.stack.sh("housekeeping", line, env=ctx.stack.service_shell()).strip()
    purge = [output for line, output in outputs.items() if " privacy purge" in line]
    stale = ctx.scalar("SELECT COUNT(*) FROM verification_attempts WHERE step = 'rehearsal'")
    if len(purge) != 1 or stale != 0:
        raise StepFailed(f"the daily purge left {stale} stale attempts: {outputs}")
    row.proved = "; ".join(f"`{line}`" for line in outputs) + f": {purge[0].splitlines()[-1]}"
