"""The subscribe-message ledger: accepts from the client and from WeChat's events, counted once each.

Reconciliation: an accept is one SubscriptionGrant. A client report and a popup event for the same
user and template within PAIR_WINDOW of each other are the same accept: the second one to arrive
fills the other key of the first one's grant instead of adding quota. Each source is idempotent on
its own key (client: report id + template; event: openid + CreateTime + template), so retries of
either never count twice. A delivery report (sent event) is one SubscriptionReceipt, unique by the
MsgID of the message it reports on, so a report sent again counts once. Grants and receipts are
kept for the retention period (`flask privacy purge` deletes older ones; WeChat repeats a push
within seconds), their counts for good in the ledger row. WeChat stays the judge: a 43101 on send
sets the quota to zero.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import clock
from app.errors import ValidationFailed
from app.extensions import db, rows_changed
from app.i18n import _
from app.notices.models.subscription import (
    SUBSCRIPTION_STATUSES,
    SubscriptionGrant,
    SubscriptionQuota,
    SubscriptionReceipt,
)

PAIR_WINDOW = timedelta(minutes=10)
MAX_TEMPLATES_PER_REPORT = 10
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_ACCEPTS = ("accept", "acceptWithAudio")


def _key(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _quota_row(user_id: int, template_id: str) -> SubscriptionQuota:
    """The ledger row, created if missing, locked for this transaction (FOR UPDATE).

    The row is first inserted unless present, before anything else reads or locks: on MySQL,
    parallel transactions that each lock the gap where a missing row would go (SELECT … FOR
    UPDATE) and then insert into it deadlock, and every one but the first would fail. Holding this
    row's lock serialises every change to one user's ledger for one template.
    """
    db.session.execute(
        _insert_unless_present(
            dict(
                user_id=user_id,
                template_id=template_id,
                available=0,
                reserved=0,
                accepted_total=0,
                sent_total=0,
                delivered_total=0,
                failed_total=0,
            )
        )
    )
    return db.session.scalars(
        select(SubscriptionQuota)
        .where(SubscriptionQuota.user_id == user_id, SubscriptionQuota.template_id == template_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _insert_unless_present(values: dict):
    """INSERT of one ledger row that leaves an existing (user, template) row as it is.

    MySQL: ON DUPLICATE KEY UPDATE, which waits for a parallel insert of the same key and then
    locks the row exclusively (INSERT IGNORE would take a shared lock that two waiters cannot both
    upgrade). SQLite: ON CONFLICT DO NOTHING (writers are serialised there).
    """
    now = clock.now()
    values = {**values, "created_at": now, "updated_at": now}
    if db.session.get_bind().dialect.name == "mysql":
        return (
            mysql_insert(SubscriptionQuota).values(**values).on_duplicate_key_update(id=SubscriptionQuota.id)
        )
    return sqlite_insert(SubscriptionQuota).values(**values).on_conflict_do_nothing()


def _accept(
    row: SubscriptionQuota, at: datetime, *, client_key: str | None = None, event_key: str | None = None
) -> bool:
    """Record one accept; True when it added quota, False when it was already known or paired.

    The caller holds the ledger row's lock; the reads here lock too, so they see what a parallel
    report committed while this one waited, not an older snapshot.
    """
    own = SubscriptionGrant.client_key if client_key else SubscriptionGrant.event_key
    other = SubscriptionGrant.event_key if client_key else SubscriptionGrant.client_key
    key = client_key or event_key
    if db.session.scalars(select(SubscriptionGrant.id).where(own == key).with_for_update()).first():
        return False
    match = db.session.scalars(
        select(SubscriptionGrant)
        .where(
            SubscriptionGrant.user_id == row.user_id,
            SubscriptionGrant.template_id == row.template_id,
            other.is_not(None),
            own.is_(None),
            SubscriptionGrant.accepted_at >= at - PAIR_WINDOW,
            SubscriptionGrant.accepted_at <= at + PAIR_WINDOW,
        )
        .order_by(SubscriptionGrant.accepted_at, SubscriptionGrant.id)
        .with_for_update()
    ).first()
    if match is not None:
        setattr(match, "client_key" if client_key else "event_key", key)
        return False
    db.session.add(
        SubscriptionGrant(
            user_id=row.user_id,
            template_id=row.template_id,
            accepted_at=at,
            client_key=client_key,
            event_key=event_key,
        )
    )
    row.available += 1
    row.accepted_total += 1
    return True


def _apply_status(row: SubscriptionQuota, status: str, *, from_settings: bool) -> None:
    """A refusal: a ban, or a template turned off in the settings, leaves nothing to send."""
    row.status = status
    if status == "ban" or (from_settings and status == "reject"):
        row.available = 0


def check_report(results) -> dict[str, str]:
    """The {template_id: status} of a wx.requestSubscribeMessage result (errMsg ignored), or a 422."""

    def invalid(message):
        return ValidationFailed(details={"errors": [{"field": "results", "message": message}]})

    if not isinstance(results, dict):
        raise invalid(_("We could not read the subscription answer."))
    cleaned = {tid: status for tid, status in results.items() if tid != "errMsg"}
    if not cleaned or len(cleaned) > MAX_TEMPLATES_PER_REPORT:
        raise invalid(_("We could not read the subscription answer."))
    for template_id, status in cleaned.items():
        if not _TEMPLATE_ID.fullmatch(template_id) or status not in SUBSCRIPTION_STATUSES:
            raise invalid(_("We could not read the subscription answer."))
    return cleaned


def record_client_report(user_id: int, results, report_id: str | None = None) -> list[dict]:
    """Record what the mini program says the user chose; the ledger rows after it."""
    cleaned = check_report(results)
    if report_id is not None and (not isinstance(report_id, str) or not 1 <= len(report_id) <= 64):
        raise ValidationFailed(
            details={
                "errors": [{"field": "report_id", "message": _("We could not read the subscription answer.")}]
            }
        )
    now = clock.now()
    rows: list[SubscriptionQuota] = []
    for template_id, status in sorted(cleaned.items()):
        row = _quota_row(user_id, template_id)
        if status in _ACCEPTS:
            client_key = (
                _key("client", user_id, report_id, template_id)
                if report_id
                else _key("client", user_id, template_id, now.isoformat(), len(rows))
            )
            _accept(row, now, client_key=client_key)
            row.status = status
        else:
            _apply_status(row, status, from_settings=False)
        rows.append(row)
    db.session.commit()
    return [view(row) for row in rows]


def record_event(user_id: int, openid: str, event: str, create_time: int, items: list[dict]) -> int:
    """Apply a subscribe_msg_*_event's items to the ledger; how many items changed something."""
    at = datetime.fromtimestamp(create_time, UTC) if create_time else clock.now()
    changed = 0
    for item in items:
        template_id = str(item.get("TemplateId") or "")
        if not _TEMPLATE_ID.fullmatch(template_id):
            continue
        row = _quota_row(user_id, template_id)
        if event == "subscribe_msg_sent_event":
            changed += _record_receipt(row, openid, create_time, item, at)
            continue
        status = str(item.get("SubscribeStatusString") or "")
        if status not in SUBSCRIPTION_STATUSES:
            continue
        if event == "subscribe_msg_popup_event" and status in _ACCEPTS:
            changed += _accept(row, at, event_key=_key("event", openid, create_time, template_id))
            row.status = status
        else:
            _apply_status(row, status, from_settings=event == "subscribe_msg_change_event")
            changed += 1
    db.session.commit()
    return changed


def _record_receipt(row: SubscriptionQuota, openid: str, create_time: int, item: dict, at: datetime) -> bool:
    """Count one delivery report unless its message was already counted; True when it counted.

    The key is WeChat's MsgID of the message reported on (unique per message sent); a report
    without one falls back to openid + CreateTime + template + error code. The caller holds the
    ledger row's lock, and the look-up locks too, so a report handled twice at once counts once.
    """
    error_code = str(item.get("ErrorCode", "0"))[:16] or "0"
    msg_id = str(item.get("MsgID") or item.get("MsgId") or "")
    key = _key("sent", msg_id) if msg_id else _key("sent", openid, create_time, row.template_id, error_code)
    if db.session.scalars(
        select(SubscriptionReceipt.id).where(SubscriptionReceipt.receipt_key == key).with_for_update()
    ).first():
        return False
    db.session.add(
        SubscriptionReceipt(
            user_id=row.user_id,
            template_id=row.template_id,
            receipt_key=key,
            error_code=error_code,
            received_at=at,
        )
    )
    if error_code == "0":
        row.delivered_total += 1
    else:
        row.failed_total += 1
        row.last_errcode = error_code
    return True


def view(row: SubscriptionQuota) -> dict:
    """A ledger row for the mini program."""
    return {"template_id": row.template_id, "status": row.status, "available": row.available}


def quota(user_id: int, template_id: str) -> int:
    """Sends left for this user and template."""
    row = db.session.scalars(
        select(SubscriptionQuota).where(
            SubscriptionQuota.user_id == user_id, SubscriptionQuota.template_id == template_id
        )
    ).first()
    return row.available if row else 0


def reserve_quota(user_id: int, template_id: str) -> bool:
    """Take one send from the quota before calling WeChat; False when none is left. Commits."""
    taken = rows_changed(
        update(SubscriptionQuota)
        .where(
            SubscriptionQuota.user_id == user_id,
            SubscriptionQuota.template_id == template_id,
            SubscriptionQuota.available > 0,
        )
        .values(available=SubscriptionQuota.available - 1, reserved=SubscriptionQuota.reserved + 1)
    )
    db.session.commit()
    return taken == 1


def confirm_quota(user_id: int, template_id: str) -> None:
    """WeChat accepted the send that a reservation was for. Commits."""
    db.session.execute(
        update(SubscriptionQuota)
        .where(
            SubscriptionQuota.user_id == user_id,
            SubscriptionQuota.template_id == template_id,
            SubscriptionQuota.reserved > 0,
        )
        .values(reserved=SubscriptionQuota.reserved - 1, sent_total=SubscriptionQuota.sent_total + 1)
    )
    db.session.commit()


def release_quota(user_id: int, template_id: str, *, exhausted: bool = False) -> None:
    """The send did not happen: give the reservation back, or (WeChat said 43101) zero the quota. Commits."""
    values: dict[str, int | ColumnElement[int]] = {"reserved": SubscriptionQuota.reserved - 1}
    values["available"] = 0 if exhausted else SubscriptionQuota.available + 1
    db.session.execute(
        update(SubscriptionQuota)
        .where(
            SubscriptionQuota.user_id == user_id,
            SubscriptionQuota.template_id == template_id,
            SubscriptionQuota.reserved > 0,
        )
        .values(**values)
    )
    db.session.commit()
