"""Console users: a role each, an argon2 password hash and a failed-login counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime
from app.extensions import Model

ADMIN_ROLES = ("viewer", "editor", "publisher", "superadmin", "translator")


class AdminUser(Timestamps, Model):
    """A person who signs in to the console or the admin API."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    #: Sign-in tries counted since the last success (admin_auth counts each before checking it).
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change or deactivation so every console cookie of this admin stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    #: When the latest counted try began; tries older than a day are forgotten (a success clears it).
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
