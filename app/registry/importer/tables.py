"""The registry tables the import writes, as Core tables: bulk statements skip the ORM."""

from __future__ import annotations

from app.extensions import table_of
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

PEOPLE = table_of(Person)
DOCUMENTS = table_of(IdentityDocument)
EMPLOYERS = table_of(Employer)
PERMITS = table_of(WorkPermit)
ACCOUNTS = table_of(SocialSecurityAccount)
CARDS = table_of(SocialSecurityCard)
ENROLMENTS = table_of(InsuranceEnrolment)
CONTRIBUTIONS = table_of(ContributionRecord)
