"""The registry tables the import writes, as Core tables: bulk statements skip the ORM."""

from __future__ import annotations

from app.registry.models import (
    ContributionRecord,
    Employer,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)

PEOPLE = Person.__table__
DOCUMENTS = IdentityDocument.__table__
EMPLOYERS = Employer.__table__
PERMITS = WorkPermit.__table__
ACCOUNTS = SocialSecurityAccount.__table__
CARDS = SocialSecurityCard.__table__
ENROLMENTS = InsuranceEnrolment.__table__
CONTRIBUTIONS = ContributionRecord.__table__
