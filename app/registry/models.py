"""The registry mirror: people, passports, employers, permits, accounts, cards, insurances, contributions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CHAR, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import EncryptedString, Money, Timestamps, UTCDateTime, binary_hash_column, utcnow
from app.extensions import Model

INSURANCE_TYPES = ("pension", "medical", "work_injury", "unemployment", "maternity")
ENROLMENT_STATUSES = ("enrolled", "exempt", "suspended", "ended")
CARD_STATUSES = ("not_activated", "normal", "sealed", "temp_lost", "formally_lost", "frozen", "cancelled")
PERMIT_CATEGORIES = ("A", "B", "C")
PERMIT_STATUSES = ("valid", "expired", "cancelled")
CONTRIBUTION_STATUSES = ("due", "paid", "arrears", "reversed")
DOCUMENT_TYPES = ("passport", "pr_card_2017", "pr_card_2023")


class Person(Timestamps, Model):
    """A foreigner in the registry; the stable key across passport renewals."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_name: Mapped[str] = mapped_column(String(200))
    name_canonical: Mapped[str] = mapped_column(String(200), index=True)
    family_name: Mapped[str | None] = mapped_column(String(120))
    given_names: Mapped[str | None] = mapped_column(String(120))
    nationality: Mapped[str] = mapped_column(CHAR(3), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(CHAR(1))
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    phone_hash: Mapped[str | None] = binary_hash_column(nullable=True)
    pr_id: Mapped[str | None] = mapped_column(EncryptedString)
    pr_id_hash: Mapped[str | None] = binary_hash_column(unique=True, nullable=True)

    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="person", order_by="IdentityDocument.id"
    )
    permits: Mapped[list[WorkPermit]] = relationship(back_populates="person", order_by="WorkPermit.id")
    account: Mapped[SocialSecurityAccount | None] = relationship(back_populates="person", uselist=False)


class IdentityDocument(Timestamps, Model):
    """A passport (or PR card); a renewal adds a row and keeps the old one."""

    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    type: Mapped[str] = mapped_column(String(20), default="passport")
    number: Mapped[str] = mapped_column(EncryptedString)
    number_hash: Mapped[str] = binary_hash_column()
    issuing_country: Mapped[str] = mapped_column(CHAR(3))
    expires_on: Mapped[date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(default=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="documents")


class Employer(Timestamps, Model):
    """An employer, by its unified social credit code."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(CHAR(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    city_code: Mapped[str] = mapped_column(CHAR(6), index=True)
    address: Mapped[str | None] = mapped_column(String(300))


class WorkPermit(Timestamps, Model):
    """A Foreigner's Work Permit: an 18-digit number for life, a category, an employer."""

    __tablename__ = "work_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    permit_number: Mapped[str] = mapped_column(EncryptedString)
    permit_number_hash: Mapped[str] = binary_hash_column(unique=True)
    category: Mapped[str] = mapped_column(CHAR(1), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    position: Mapped[str] = mapped_column(String(200))
    work_address: Mapped[str] = mapped_column(String(300))
    work_city_code: Mapped[str] = mapped_column(CHAR(6), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="valid")
    entry_date: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="permits")
    employer: Mapped[Employer] = relationship()


class SocialSecurityAccount(Timestamps, Model):
    """A person's social-insurance account, by social security number."""

    __tablename__ = "social_security_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    ssn: Mapped[str] = mapped_column(EncryptedString)
    ssn_hash: Mapped[str] = binary_hash_column(unique=True)
    status: Mapped[str] = mapped_column(String(12), default="active")

    person: Mapped[Person] = relationship(back_populates="account")
    card: Mapped[SocialSecurityCard | None] = relationship(back_populates="account", uselist=False)
    enrolments: Mapped[list[InsuranceEnrolment]] = relationship(back_populates="account")


class SocialSecurityCard(Timestamps, Model):
    """The social security card (physical number if any) and its status."""

    __tablename__ = "social_security_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_security_accounts.id"), unique=True)
    card_number: Mapped[str | None] = mapped_column(EncryptedString)
    status: Mapped[str] = mapped_column(String(16), default="not_activated")
    issuing_city_code: Mapped[str | None] = mapped_column(CHAR(6))
    last_status_change_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[SocialSecurityAccount] = relationship(back_populates="card")


class InsuranceEnrolment(Timestamps, Model):
    """One of the five insurances for an account; exemptions name the agreement and certificate."""

    __tablename__ = "insurance_enrolments"
    __table_args__ = (UniqueConstraint("account_id", "insurance_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_security_accounts.id"))
    insurance_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    start_period: Mapped[str | None] = mapped_column(CHAR(7))
    end_period: Mapped[str | None] = mapped_column(CHAR(7))
    exemption_country: Mapped[str | None] = mapped_column(CHAR(3))
    exemption_certificate: Mapped[str | None] = mapped_column(String(64))
    exemption_valid_to: Mapped[date | None] = mapped_column(Date)

    account: Mapped[SocialSecurityAccount] = relationship(back_populates="enrolments")


class ContributionRecord(Timestamps, Model):
    """One month's contribution to one insurance from one employer, in CNY."""

    __tablename__ = "contribution_records"
    __table_args__ = (
        UniqueConstraint("account_id", "insurance_type", "period", "employer_id"),
        Index("ix_contribution_records_account_period", "account_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("social_security_accounts.id"))
    insurance_type: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(CHAR(7))
    base: Mapped[Decimal] = mapped_column(Money)
    employer_amount: Mapped[Decimal] = mapped_column(Money)
    employee_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(CHAR(3), default="CNY")
    status: Mapped[str] = mapped_column(String(10))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    paid_on: Mapped[date | None] = mapped_column(Date)

    employer: Mapped[Employer] = relationship()
