"""The card screens: status and holder, work permit, insurances, contributions (JSON and CSV).

Each JSON screen is rendered once and kept briefly in Redis for its user and locale (see
app/view_cache.py). The kept screen is fetched with the session, in the same round trip,
for the locale the request most likely gets; a repeat view then costs that one round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask import Blueprint, Response, current_app, g, request

from app import clock, view_cache
from app.api.security import login_required, prefetched
from app.card import card, contributions
from app.extensions import get_redis
from app.i18n import current_locale_id, locale_before_session, locale_meta

bp = Blueprint("card", __name__, url_prefix="/card")


#: The JSON card screens: (name, path below /card, endpoint); app/web/repeat_screens.py serves them too.
CARD_SCREENS = (
    ("card", "", "api.card.show_card"),
    ("permit", "/permit", "api.card.show_permit"),
    ("insurances", "/insurances", "api.card.show_insurances"),
    ("contributions", "/contributions", "api.card.list_contributions"),
)


#: Where a request keeps its screen's cache key parts, worked out once.
_PARTS_KEY = "ssc.card_parts"


def cache_parts(name: str, today: date, args: Mapping[str, str]) -> tuple[str, ...]:
    """What, beside the user and the locale, tells one kept copy of a screen from another."""
    if name == "card":
        return ()
    if name != "contributions":
        return (today.isoformat(),)
    year, cursor, limit = (args.get(arg) for arg in ("year", "cursor", "limit"))
    return str(today.year), year or "", cursor or "", limit or ""


def _parts(name: str) -> tuple[str, ...]:
    """This request's cache key parts of its screen (worked out once: the prefetch needs them too)."""
    environ = request.environ
    if _PARTS_KEY not in environ:
        environ[_PARTS_KEY] = cache_parts(name, clock.today(), request.args)
    return environ[_PARTS_KEY]


def _prefetch(name: str):
    """The session lookup's prefetch of a screen's kept copy, in the locale the request most likely gets."""
    return lambda user_id: [view_cache.key(user_id, name, locale_before_session(), *_parts(name))]


def _screen(name: str, build: Callable[[], dict]) -> Response:
    """A JSON screen with the locale and direction, from the cache or built (and then cached)."""
    redis_client = get_redis()
    cache_key = view_cache.key(g.user_id, name, current_locale_id(), *_parts(name))
    body = view_cache.get(redis_client, cache_key, prefetched())
    if body is None:
        body = current_app.json.dumps({**locale_meta(), **build()}).encode("utf-8")
        view_cache.put(redis_client, cache_key, body)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("")
@login_required(prefetch=_prefetch("card"))
def show_card():
    """Card status (translated, with the Chinese term), holder and masked numbers."""
    return _screen("card", lambda: card.card_view(g.user_id))


@bp.get("/permit")
@login_required(prefetch=_prefetch("permit"))
def show_permit():
    """The current work permit: category, employer, position, place, validity, on-site check."""
    return _screen("permit", lambda: card.permit_view(g.user_id, clock.today()))


@bp.get("/insurances")
@login_required(prefetch=_prefetch("insurances"))
def show_insurances():
    """The five insurances with status, start period and exemption details."""
    return _screen("insurances", lambda: card.insurances_view(g.user_id, clock.today()))


def _csv_response(user_id: int, year: str | None) -> Response:
    """The user's own records as a UTF-8 (BOM) CSV attachment."""
    filename, text = contributions.export_csv(user_id, year)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/contributions")
@login_required(prefetch=_prefetch("contributions"))
def list_contributions():
    """A year of contributions by month and insurance (cursor-paged), or CSV with ?format=csv."""
    if request.args.get("format") == "csv":
        return _csv_response(g.user_id, request.args.get("year"))
    today = clock.today()
    return _screen(
        "contributions",
        lambda: contributions.year_view(
            g.user_id,
            year_param=request.args.get("year"),
            cursor=request.args.get("cursor"),
            limit_param=request.args.get("limit"),
            secret_key=current_app.config["SECRET_KEY"],
            current_year=today.year,
        ),
    )


@bp.get("/contributions.csv")
@login_required
def export_contributions():
    """The user's own contribution records as CSV (one year with ?year=, else all)."""
    return _csv_response(g.user_id, request.args.get("year"))
