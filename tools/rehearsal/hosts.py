"""Two web hosts behind one nginx upstream: sessions, kept screens and load cross them; metrics stay per host."""

from __future__ import annotations

import re
import secrets

import redis
import requests

from .checks import Context
from .drills import paced_load
from .processes import StepFailed
from .report import Row
from .stack import WebInstance

#: Load through nginx for the spread check: seconds, requests a second in all, connections.
SPREAD_SECONDS, SPREAD_RATE, SPREAD_CONNECTIONS = 6, 120, 8
#: Requests sent straight to the first host while the second host's counters must stay put.
DIRECT_REQUESTS = 20


def direct(
    web: WebInstance, method: str, path: str, token: str | None = None, **options
) -> requests.Response:
    """One request straight to a host's gunicorn (what nginx does for the requests it sends there)."""
    headers = dict(options.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"http://{web.address}{path}", headers=headers, timeout=30, **options)


def _expect(response: requests.Response, what: str) -> requests.Response:
    """The response, or StepFailed naming what answered what."""
    if response.status_code != 200:
        raise StepFailed(f"{what} answered {response.status_code}: {response.text[:300]}")
    return response


def scrape(ctx: Context, web: WebInstance) -> str:
    """One host's /metrics, straight from its gunicorn, with METRICS_TOKEN (as a per-host scrape job does)."""
    return _expect(
        direct(web, "GET", "/metrics", token=ctx.stack.run.metrics_token), f"/metrics of {web.name}"
    ).text


def requests_total(body: str) -> float:
    """The sum of a scrape's ssc_http_requests_total series (every route, method and status)."""
    return sum(
        float(value) for value in re.findall(r"^ssc_http_requests_total\{[^}]*\} ([\d.e+]+)$", body, re.M)
    )


def two_hosts(ctx: Context, row: Row) -> None:
    """A session from one host works on the other; a screen kept by one is served by the other; both carry load."""
    first, second = ctx.stack.web[:2]
    openid = "o" + secrets.token_hex(12)
    login = _expect(
        direct(
            first,
            "POST",
            "/api/v1/auth/login",
            json={"code": ctx.wechat.login_code(openid), "language": "en"},
        ),
        f"sign-in at {first.name}",
    ).json()
    token, user_id = login["token"], login["user"]["id"]
    me = _expect(direct(second, "GET", "/api/v1/me", token=token), f"/api/v1/me at {second.name}").json()
    if me["user"]["id"] != user_id:
        raise StepFailed(
            f"{second.name} sees user {me['user']['id']} for the session {first.name} made for {user_id}"
        )

    # A screen kept by the first host is served by the second: the kept bytes are not rendered again
    # (a re-render would seal them anew), which needs the same release stamp on both hosts.
    path = "/api/v1/flows/verify"
    _expect(direct(first, "GET", path, token=token), f"{path} at {first.name}")  # starts the journey
    kept_by_first = _expect(direct(first, "GET", path, token=token), f"{path} again at {first.name}").content
    store = redis.Redis.from_url(ctx.stack.run.redis_url(0))
    try:
        key = f"ssc:flow-screen:{user_id}:verify"
        sealed = store.get(key)
        served_by_second = _expect(
            direct(second, "GET", path, token=token), f"{path} at {second.name}"
        ).content
        sealed_after = store.get(key)
    finally:
        store.close()
    if sealed is None or sealed != sealed_after or served_by_second != kept_by_first:
        raise StepFailed(
            f"{second.name} did not serve the screen {first.name} kept (kept: {sealed is not None}, "
            f"unchanged: {sealed == sealed_after}, same bytes: {served_by_second == kept_by_first})"
        )
    release = sealed.split(b"|", 1)[0].decode()

    # Metrics are per host: requests sent to the first one are counted by it alone.
    before = {web.name: requests_total(scrape(ctx, web)) for web in (first, second)}
    for _ in range(DIRECT_REQUESTS):
        _expect(direct(first, "GET", "/api/v1/me", token=token), f"/api/v1/me at {first.name}")
    after = {web.name: requests_total(scrape(ctx, web)) for web in (first, second)}
    grew = {name: after[name] - before[name] for name in before}
    if grew[first.name] < DIRECT_REQUESTS or grew[second.name] > 2:
        raise StepFailed(f"after {DIRECT_REQUESTS} requests to {first.name} the counters grew by {grew}")

    # Load through nginx (as the holder signed in before) reaches both hosts.
    outcome = paced_load(
        ctx, ["/api/v1/me", path, "/healthz"], SPREAD_SECONDS, SPREAD_RATE, SPREAD_CONNECTIONS
    )
    spread_before = after
    spread = {web.name: requests_total(scrape(ctx, web)) - spread_before[web.name] for web in (first, second)}
    failed = {status: count for status, count in outcome["outcomes"].items() if status != "200"}
    if failed or min(spread.values()) < outcome["requests"] * 0.2:
        raise StepFailed(f"through nginx: {dict(outcome['outcomes'])}; requests counted per host: {spread}")
    row.proved = (
        f"signed in at {first.name}, /api/v1/me at {second.name}: the same user; the screen {first.name} kept "
        f"(release {release}) served by {second.name} as kept, not rendered again; {DIRECT_REQUESTS} requests "
        f"to {first.name} counted by it alone ({grew}); {outcome['requests']} requests through nginx all 200, "
        f"counted {', '.join(f'{name} {count:.0f}' for name, count in spread.items())}"
    )
