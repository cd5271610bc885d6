"""The emulator's HTTP API: WeChat's endpoints as api.weixin.qq.com answers them, plus control routes."""

from __future__ import annotations

import functools
import re
import secrets
import time

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider

from app.wechat_emulator.state import CODE_TTL, LOGIN_LIMIT_PER_MINUTE, MAX_CODE_TTL, EmulatorState
from app.wechat_emulator.subscribe import ENDPOINT, OPENID, PATH, SubscribeSendShortcut, error_answer
from app.wechat_emulator.subscribe import subscribe_send as send_answer

wechat_bp = Blueprint("wechat", __name__)
control_bp = Blueprint("control", __name__, url_prefix="/_control")

_RISKY = ("赌博", "毒品", "诈骗", "casino", "gambling", "drugs for sale", "scam")
_REVIEW = ("代办", "办证", "fake permit", "buy a permit", "fake certificate")


def state() -> EmulatorState:
    """The emulator state of the current app."""
    return current_app.extensions["wechat_emulator"]


def error(errcode: int, errmsg: str):
    """WeChat's error answer: HTTP 200 with errcode and errmsg."""
    return jsonify(error_answer(errcode, errmsg))


def endpoint(name: str):
    """Count the call, apply injected slowness and faults, then run the real handler."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            emulator = state()
            emulator.record_call(name)
            delay = emulator.delays.get(name)
            if delay:
                time.sleep(delay)
            fault = emulator.take_fault(name)
            if fault is not None:
                if fault.status != 200:
                    return "emulated failure", fault.status
                return error(fault.errcode, "emulated failure")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict | None:
    """The JSON body, or None when it is not a JSON object."""
    data = request.get_json(force=True, silent=True)
    return data if isinstance(data, dict) else None


def token_problem():
    """The error answer for a bad access token, or None."""
    problem = state().token_error(request.args.get("access_token"))
    return error(*problem) if problem else None


def ok(**fields):
    """A success answer."""
    return jsonify({"errcode": 0, "errmsg": "ok", **fields})


# -- login and tokens ----------------------------------------------------------------------------------


def authorized_body():
    """(JSON body, None) for a call with a valid token and a JSON object body, else (None, WeChat's error)."""
    problem = token_problem()
    if problem:
        return None, problem
    body = json_body()
    if body is None:
        return None, error(47001, "data format error")
    return body, None


@wechat_bp.get("/sns/jscode2session")
@endpoint("jscode2session")
def jscode2session():
    """wx.login code → openid, session_key (unionid when known)."""
    emulator, args = state(), request.args
    if args.get("appid") != emulator.appid:
        return error(40013, "invalid appid")
    if args.get("secret") != emulator.secret:
        return error(40125, "invalid appsecret")
    if args.get("grant_type") != "authorization_code":
        return error(40002, "invalid grant_type")
    with emulator.lock:
        code = emulator.codes.get(args.get("js_code") or "")
        if code is None or emulator.now() - code.issued_at > code.ttl:
            return error(40029, "invalid code")
        user = emulator.user(code.openid)
        now = emulator.now()
        user.logins.append(now)
        if len([t for t in user.logins if now - t < 60]) > LOGIN_LIMIT_PER_MINUTE:
            return error(45011, "api minute-quota reach limit mustslower retry next minute")
        if code.used:
            return error(40163, "code been used")
        if user.high_risk:
            return error(40226, "invalid code, high risk user")
        code.used = True
        answer = {"openid": user.openid, "session_key": emulator.new_session_key(user)}
        if user.unionid:
            answer["unionid"] = user.unionid
    return jsonify(answer)


def _credentials_problem(appid, secret):
    emulator = state()
    if appid != emulator.appid:
        return error(40013, "invalid appid")
    if secret != emulator.secret:
        return error(40001, "invalid credential, access_token is invalid or not latest")
    return None


@wechat_bp.post("/cgi-bin/stable_token")
@endpoint("stable_token")
def stable_token():
    """getStableAccessToken: the same token while it lives; force_refresh issues a new one."""
    body = json_body()
    if body is None:
        return error(47001, "data format error")
    if body.get("grant_type") != "client_credential":
        return error(40002, "invalid grant_type")
    problem = _credentials_problem(body.get("appid"), body.get("secret"))
    if problem:
        return problem
    token = state().issue_token("stable", force=bool(body.get("force_refresh")))
    return jsonify({"access_token": token.value, "expires_in": int(token.expires_at - state().now())})


@wechat_bp.get("/cgi-bin/token")
@endpoint("token")
def classic_token():
    """getAccessToken: every call issues a new token and invalidates the previous one."""
    args = request.args
    if args.get("grant_type") != "client_credential":
        return error(40002, "invalid grant_type")
    problem = _credentials_problem(args.get("appid"), args.get("secret"))
    if problem:
        return problem
    token = state().issue_token("classic")
    return jsonify({"access_token": token.value, "expires_in": int(token.expires_at - state().now())})


# -- sends ---------------------------------------------------------------------------------------------


@wechat_bp.post(PATH)
@endpoint(ENDPOINT)
def subscribe_send():
    """subscribeMessage.send: template rules (47003) and the user's accepted quota (43101)."""
    return jsonify(send_answer(state(), request.args.get("access_token"), json_body()))


@wechat_bp.post("/cgi-bin/message/custom/send")
@endpoint("custom_send")
def custom_send():
    """Customer-service send: only within the reply window opened by the user's last action."""
    body, refusal = authorized_body()
    if refusal is not None:
        return refusal
    emulator = state()
    openid, msgtype = body.get("touser"), body.get("msgtype")
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        return error(40003, "invalid openid")
    content = body.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype not in ("text", "image", "link", "miniprogrampage") or not isinstance(content, dict):
        return error(40008, "invalid message type")
    if msgtype == "text" and not (isinstance(content.get("content"), str) and content["content"].strip()):
        return error(44003, "empty news data")
    with emulator.lock:
        user = emulator.user(openid)
        if user.window_until <= emulator.now():
            return error(45015, "response out of time limit or subscription is canceled")
        if user.window_left <= 0:
            return error(45047, "out of response count limit")
        user.window_left -= 1
        emulator.deliver("custom", {"touser": openid, "msgtype": msgtype, msgtype: content})
    return ok()


# -- content security and phone number -----------------------------------------------------------------


@wechat_bp.post("/wxa/msg_sec_check")
@endpoint("msg_sec_check")
def msg_sec_check():
    """msgSecCheck v2: result.suggest pass/review/risky from keyword lists."""
    body, refusal = authorized_body()
    if refusal is not None:
        return refusal
    if body.get("version") != 2:
        return error(47001, "data format error: version must be 2")
    if body.get("scene") not in (1, 2, 3, 4):
        return error(40129, "invalid scene")
    if not isinstance(body.get("openid"), str) or not OPENID.fullmatch(body["openid"]):
        return error(40003, "invalid openid")
    content = body.get("content")
    if not isinstance(content, str) or not content:
        return error(44002, "empty post data")
    if len(content) > 2500:
        return error(47001, "data format error: content too long")
    lowered = content.casefold()
    risky = next((word for word in _RISKY if word in lowered), None)
    review = next((word for word in _REVIEW if word in lowered), None)
    suggest, label, keyword = (
        ("risky", 20008, risky) if risky else ("review", 21000, review) if review else ("pass", 100, None)
    )
    detail = {"strategy": "keyword", "errcode": 0, "suggest": suggest, "label": label}
    if keyword:
        detail["keyword"] = keyword
    return ok(trace_id=secrets.token_hex(12), result={"suggest": suggest, "label": label}, detail=[detail])


@wechat_bp.post("/wxa/business/getuserphonenumber")
@endpoint("getuserphonenumber")
def get_user_phone_number():
    """getPhoneNumber code → phone_info with a watermark naming the appid."""
    body, refusal = authorized_body()
    if refusal is not None:
        return refusal
    emulator = state()
    with emulator.lock:
        code = emulator.phone_codes.get(body.get("code") or "")
        if code is None or emulator.now() - code.issued_at > CODE_TTL:
            return error(40029, "invalid code")
        if body.get("openid") and body["openid"] != code.openid:
            return error(40029, "invalid code, code does not belong to openid")
        if code.used:
            return error(40163, "code been used")
        code.used = True
        phone = code.phone
    country, pure = _split_phone(phone)
    return ok(
        phone_info={
            "phoneNumber": pure if country == "86" else f"+{country}{pure}",
            "purePhoneNumber": pure,
            "countryCode": int(country),
            "watermark": {
                "timestamp": int(emulator.now()),
                "appid": emulator.watermark_appid or emulator.appid,
            },
        }
    )


def _split_phone(phone: str) -> tuple[str, str]:
    """('86', '13800138000') from '+86 13800138000' or '13800138000'."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("+"):
        for length in (1, 2, 3):
            country = digits[1 : 1 + length]
            if country in (
                "1",
                "7",
                "44",
                "49",
                "33",
                "81",
                "82",
                "86",
                "852",
                "853",
                "886",
                "84",
                "34",
                "351",
                "55",
            ):
                return country, digits[1 + length :]
        return digits[1:3], digits[3:]
    return "86", digits


# -- control routes (never part of WeChat) ------------------------------------------------------------


@wechat_bp.get("/")
def index():
    """What this emulator serves: WeChat's endpoints and the control routes, for a developer."""
    rules = sorted(
        (rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in current_app.url_map.iter_rules()
        if rule.endpoint != "static"
    )
    return jsonify(
        {
            "emulator": "a local api.weixin.qq.com for development and tests",
            "appid": state().appid,
            "endpoints": [{"path": path, "methods": methods} for path, methods in rules],
            "hint": "POST _control/login-code {openid, phone} mints a wx.login code; GET _control/outbox shows sends",
        }
    )


@control_bp.post("/login-code")
def control_login_code():
    """Mint a wx.login code: {openid, phone?, unionid?, ttl?, count?} → {code, codes, openid}.

    Control-only options for load tests: `ttl` seconds of life instead of WeChat's 5 minutes (at
    most a day) and `count` codes at once (at most 10,000); each code is still single-use.
    """
    body = json_body() or {}
    openid = body.get("openid") or "o" + secrets.token_hex(12)
    try:
        ttl = float(CODE_TTL if body.get("ttl") is None else body["ttl"])
        count = int(1 if body.get("count") is None else body["count"])
    except (TypeError, ValueError):
        return jsonify({"error": "ttl and count must be numbers"}), 400
    if not 0 < ttl <= MAX_CODE_TTL or not 1 <= count <= 10_000:
        return jsonify({"error": f"ttl must be in (0, {MAX_CODE_TTL}] and count in [1, 10000]"}), 400
    codes = [
        state().mint_login_code(openid, body.get("phone"), body.get("unionid"), ttl=ttl) for _ in range(count)
    ]
    return jsonify({"code": codes[0], "codes": codes, "openid": openid})


@control_bp.post("/phone-code")
def control_phone_code():
    """Mint a getPhoneNumber code: {openid, phone} → {code}."""
    body = json_body() or {}
    if not body.get("openid") or not body.get("phone"):
        return jsonify({"error": "openid and phone are required"}), 400
    return jsonify({"code": state().mint_phone_code(body["openid"], body["phone"])})


@control_bp.post("/high-risk")
def control_high_risk():
    """{openid, high_risk=true}: block (or unblock) a user's logins with 40226."""
    body = json_body() or {}
    state().set_high_risk(body.get("openid", ""), bool(body.get("high_risk", True)))
    return jsonify({"ok": True})


@control_bp.post("/fail")
def control_fail():
    """{endpoint, errcode=-1, times=1, status=200}: make an endpoint fail."""
    body = json_body() or {}
    state().fail(
        body.get("endpoint", ""), body.get("errcode", -1), body.get("times", 1), body.get("status", 200)
    )
    return jsonify({"ok": True})


@control_bp.post("/slow")
def control_slow():
    """{endpoint, seconds}: make an endpoint slow."""
    body = json_body() or {}
    state().slow(body.get("endpoint", ""), float(body.get("seconds", 0)))
    return jsonify({"ok": True})


#: The most users one grant call may name (a load test's audience in one call).
MAX_GRANT_OPENIDS = 100_000


@control_bp.post("/grant")
def control_grant():
    """{openid or openids: [...], template_id, n=1}: the user(s) accepted a template n times."""
    body = json_body() or {}
    openids = body.get("openids") if "openids" in body else [body.get("openid", "")]
    if not isinstance(openids, list) or not 1 <= len(openids) <= MAX_GRANT_OPENIDS:
        return jsonify({"error": f"openids must be a list of 1 to {MAX_GRANT_OPENIDS} openids"}), 400
    for openid in openids:
        state().grant_subscription(str(openid), body.get("template_id", ""), int(body.get("n", 1)))
    return jsonify({"ok": True, "users": len(openids)})


@control_bp.post("/reset")
def control_reset():
    """Forget all state."""
    state().reset()
    return jsonify({"ok": True})


@control_bp.post("/expire-tokens")
def control_expire_tokens():
    """Expire every access token issued so far."""
    state().expire_tokens()
    return jsonify({"ok": True})


@control_bp.get("/outbox")
def control_outbox():
    """What was sent: ?kind=subscribe|custom."""
    return jsonify({"messages": state().sent(request.args.get("kind"))})


@control_bp.get("/calls")
def control_calls():
    """How many times each endpoint was called."""
    return jsonify(dict(state().calls))


@control_bp.post("/push")
def control_push():
    """Play WeChat: {message, fmt, mode} or {kind: text|enter|popup|change|sent, openid, …} → our callback."""
    from app.wechat_emulator.push import deliver_push

    body = json_body() or {}
    try:
        status, text = deliver_push(current_app, body)
    except ValueError as problem:
        return jsonify({"error": str(problem)}), 400
    return jsonify({"status": status, "body": text})


class _UnicodeJSONProvider(DefaultJSONProvider):
    """JSON with characters as they are (WeChat's answers carry Chinese text unescaped)."""

    ensure_ascii = False


def create_app(emulator_state: EmulatorState, push_options: dict) -> Flask:
    """The emulator as a Flask app of its own."""
    app = Flask("wechat_emulator")
    app.extensions["wechat_emulator"] = emulator_state
    app.extensions["wechat_emulator_push"] = push_options
    app.json = _UnicodeJSONProvider(app)
    app.register_blueprint(wechat_bp)
    app.register_blueprint(control_bp)
    app.wsgi_app = SubscribeSendShortcut(app.wsgi_app, app)  # type: ignore[method-assign]  # Flask's documented middleware hook
    return app
