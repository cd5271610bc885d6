"""The card screens: status and holder, work permit, insurances, contributions (JSON and CSV)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, jsonify, request

from app.api.security import login_required
from app.i18n import locale_meta
from app.services import card, contributions

bp = Blueprint("card", __name__, url_prefix="/card")


def _today():
    """Today's date where the user lives (the service's time zone)."""
    return datetime.now(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date()


def _reply(body: dict):
    """A JSON body with the locale and text direction every text-carrying response carries."""
    return jsonify({**locale_meta(), **body})


@bp.get("")
@login_required
def show_card():
    """Card status (translated, with the Chinese term), holder and masked numbers."""
    return _reply(card.card_view(g.user_id))


@bp.get("/permit")
@login_required
def show_permit():
    """The current work permit: category, employer, position, place, validity, on-site check."""
    return _reply(card.permit_view(g.user_id, _today()))


@bp.get("/insurances")
@login_required
def show_insurances():
    """The five insurances with status, start period and exemption details."""
    return _reply(card.insurances_view(g.user_id, _today()))


def _csv_response(user_id: int, year: str | None) -> Response:
    """The user's own records as a UTF-8 (BOM) CSV attachment."""
    filename, text = contributions.export_csv(user_id, year)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/contributions")
@login_required
def list_contributions():
    """A year of contributions by month and insurance (cursor-paged), or CSV with ?format=csv."""
    if request.args.get("format") == "csv":
        return _csv_response(g.user_id, request.args.get("year"))
    return _reply(contributions.year_view(
        g.user_id,
        year_param=request.args.get("year"),
        cursor=request.args.get("cursor"),
        limit_param=request.args.get("limit"),
        secret_key=current_app.config["SECRET_KEY"],
        current_year=_today().year,
    ))


@bp.get("/contributions.csv")
@login_required
def export_contributions():
    """The user's own contribution records as CSV (one year with ?year=, else all)."""
    return _csv_response(g.user_id, request.args.get("year"))
