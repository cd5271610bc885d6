"""Security headers on every response; a strict CSP on console pages; HSTS only in production."""

from __future__ import annotations

from flask import render_template_string

from app import create_app
from app.web.security_headers import API_CSP, CONSOLE_CSP, FRAME_ONLY_CSP

PAGE = "<!doctype html><title>t</title><p>{{ word }}</p>"


def _add_html_routes(app):
    @app.get("/admin/probe-page")
    def console_page():
        return render_template_string(PAGE, word="console")

    @app.get("/probe-html")
    def other_page():
        return render_template_string(PAGE, word="other")

    @app.get("/probe-own-csp")
    def own_policy():
        return "x", 200, {"Content-Security-Policy": "default-src 'self'"}


def _assert_base(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def _assert_strict(policy: str):
    """No inline or eval'd script, scripts and styles from this origin only, no plugins, no framing."""
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_console_policy_is_strict():
    _assert_strict(CONSOLE_CSP)


def test_json_answers_and_errors_carry_the_headers(probe_app):
    client = probe_app.test_client()
    for path, status in (("/healthz", 200), ("/api/v1/nothing-here", 404), ("/probe/private", 401)):
        response = client.get(path)
        assert response.status_code == status, path
        _assert_base(response)
        assert response.headers["Content-Security-Policy"] == API_CSP
        assert "Strict-Transport-Security" not in response.headers


def test_console_html_gets_the_strict_policy(make_app):
    app = make_app()
    _add_html_routes(app)
    client = app.test_client()
    console = client.get("/admin/probe-page")
    _assert_base(console)
    _assert_strict(console.headers["Content-Security-Policy"])

    other = client.get("/probe-html")
    _assert_base(other)
    assert other.headers["Content-Security-Policy"] == FRAME_ONLY_CSP

    own = client.get("/probe-own-csp")
    assert own.headers["Content-Security-Policy"] == "default-src 'self'"
    assert own.headers["X-Frame-Options"] == "DENY"


def test_every_console_page_that_exists_gets_the_strict_policy(make_app):
    """Whatever console pages exist today (GET, no arguments): HTML ones carry the strict CSP."""
    app = make_app()
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule)
        _assert_base(response)
        if response.mimetype == "text/html":
            _assert_strict(response.headers["Content-Security-Policy"])


def test_hsts_only_in_production():
    """Production (never connected here: /healthz touches no backing service) sends HSTS."""
    app = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "s" * 32,
            "PII_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "DATABASE_URL": "mysql+pymysql://nobody@127.0.0.1:1/none",
            "WECHAT_APPID": "wx1234567890abcdef",
            "WECHAT_SECRET": "s" * 32,
            "WECHAT_TOKEN": "t" * 32,
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    _assert_base(response)


def test_declared_oversized_body_is_refused_before_the_view(probe_app):
    """The probe view would answer 400 (not JSON); the size check runs first and answers 413."""
    limit = probe_app.config["MAX_CONTENT_LENGTH"]
    response = probe_app.test_client().post("/probe/echo", data=b"x" * (limit + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request.too_large"
    _assert_base(response)


def test_console_refuses_json_bodies(make_app):
    """Console forms never parse JSON (Flask-WTF would crash on a non-object); the admin API does."""
    app = make_app()

    @app.post("/admin/probe-form")
    def probe_form():
        return "posted"

    client = app.test_client()
    response = client.post("/admin/probe-form", data=b'"just a string"', content_type="application/json")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "request.unsupported_type"
    assert client.post("/admin/probe-form", data={"a": "b"}).get_data(as_text=True) == "posted"


def test_behind_a_proxy_the_client_address_and_scheme_come_from_its_headers(make_app):
    app = make_app(PROXY_HOPS=1)

    @app.get("/probe-peer")
    def peer():
        from flask import request

        return {"addr": request.remote_addr, "secure": request.is_secure}

    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client.get("/probe-peer", headers=forwarded).get_json() == {"addr": "203.0.113.9", "secure": True}
    # Without the setting the headers are not trusted (anyone could send them).
    plain = make_app()

    @plain.get("/probe-peer")
    def plain_peer():
        from flask import request

        return {"addr": request.remote_addr}

    assert plain.test_client().get("/probe-peer", headers=forwarded).get_json() == {"addr": "127.0.0.1"}
    # A forwarded request never reaches /metrics, whatever address it claims.
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403


def test_a_view_can_take_a_larger_body(make_app):
    """An upload view declares its own limit; every other view keeps MAX_CONTENT_LENGTH."""
    from flask import request

    from app.web.security_headers import body_limit

    app = make_app()
    limit = app.config["MAX_CONTENT_LENGTH"]

    @app.post("/probe-upload")
    @body_limit(limit * 3)
    def upload():
        return {"size": len(request.get_data())}

    client = app.test_client()
    big = b"x" * (limit * 2)
    assert client.post("/probe-upload", data=big).get_json() == {"size": limit * 2}
    assert client.post("/probe-upload", data=b"x" * (limit * 3 + 1)).status_code == 413
    assert client.post("/probe/echo", data=big).status_code == 413
