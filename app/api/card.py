"""The card screens: status and holder, work permit, insurances, contributions (JSON and CSV).

Each JSON screen is rendered once and kept briefly in Redis for its user and locale (see
app/services/view_cache.py), so a repeat view costs the session lookup and one Redis GET.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, request

from app.api.security import login_required
from app.extensions import get_redis
from app.i18n import current_locale_id, locale_meta
from app.services import card, contributions, view_cache

bp = Blueprint("card", __name__, url_prefix="/card")


def _today():
    """Today's date where the user lives (the service's time zone)."""
    return datetime.now(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date()


def _screen(name: str, parts: tuple[str, ...], build: Callable[[], dict]) -> Response:
    """A JSON screen with the locale and direction, from the cache or built (and then cached)."""
    redis_client = get_redis()
    cache_key = view_cache.key(g.user_id, name, current_locale_id(), *parts)
    body = view_cache.get(redis_client, cache_key)
    if body is None:
        body = current_app.json.dumps({**locale_meta(), **build()}).encode("utf-8")
        view_cache.put(redis_client, cache_key, body)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("")
@login_required
def show_card():
    """Card status (translated, with the Chinese term), holder and masked numbers."""
    return _screen("card", (), lambda: card.card_view(g.user_id))


@bp.get("/permit")
@login_required
def show_permit():
    """The current work permit: category, employer, position, place, validity, on-site check."""
    today = _today()
    return _screen("permit", (today.isoformat(),), lambda: card.permit_view(g.user_id, today))


@bp.get("/insurances")
@login_required
def show_insurances():
    """The five insurances with status, start period and exemption details."""
    today = _today()
    return _screen("insurances", (today.isoformat(),), lambda: card.insurances_view(g.user_id, today))


def _csv_response(user_id: int, year: str | None) -> Response:
    """The user's own records as a UTF-8 (BOM) CSV attachment."""
    filename, text = contributions.export_csv(user_id, year)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/contributions")
@login_required
def list_contributions():
    """A year of contributions by month and insurance (cursor-paged), or CSV with ?format=csv."""
    if request.args.get("format") == "csv":
        return _csv_response(g.user_id, request.args.get("year"))
    today = _today()
    year, cursor, limit = (request.args.get(name) for name in ("year", "cursor", "limit"))
    parts = (str(today.year), year or "", cursor or "", limit or "")
    return _screen("contributions", parts, lambda: contributions.year_view(
        g.user_id, year_param=year, cursor=cursor, limit_param=limit,
        secret_key=current_app.config["SECRET_KEY"], current_year=today.year,
    ))


@bp.get("/contributions.csv")
@login_required
def export_contributions():
    """The user's own contribution records as CSV (one year with ?year=, else all)."""
    return _csv_response(g.user_id, request.args.get("year"))
