"""Preview samples of the verification journey: every step, its errors, each failed match, the lockout.

Only the previews (app.journeys.preview) read these; the journey itself never does.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from app import clock
from app.i18n import to_text
from app.journeys.engine import Field, Sample, Step
from app.journeys.preview import samples_of
from app.registry.identifiers import message_for
from app.verify import journey, verification


@samples_of(journey.VerifyFlow)
def verify_samples(flow: journey.VerifyFlow) -> list[Sample]:
    """Every screen of the journey worth previewing, with example answers, errors and outcomes."""
    answers = {
        "consent_sensitive": True,
        "passport_name": "MÜLLER, Hans Peter",
        "identifier_type": "permit_number",
        "identifier": "156000000000000001",
        "date_of_birth": "1988-04-12",
        "method": "phone",
        "in_person_reference": "7KQ4-MX29",
    }
    soon = clock.now().replace(microsecond=0) + timedelta(hours=6)
    data = {
        "person_id": 1,
        "locked_until": soon.isoformat(),
        "resume": "check",
        "reference_expires_at": (soon + timedelta(days=7)).isoformat(),
    }
    samples = [Sample(step=name, answers=answers, data=data, label=name) for name in flow.order]
    for kind in ("ssn", "pr_id"):
        samples.append(
            Sample(
                step="identifier",
                answers={**answers, "identifier_type": kind},
                data=data,
                label=f"identifier.{kind}",
            )
        )
    for step in flow.steps.values():
        for field in step.fields:
            samples.append(
                Sample(
                    step=step.name,
                    answers={},
                    data=data,
                    label=f"{step.name}.required",
                    errors=partial(_required_error, step, field),
                )
            )
    for code in (
        "identifier.permit_length",
        "identifier.permit_format",
        "identifier.ssn_check",
        "identifier.ssn_length",
        "identifier.ssn_format",
        "identifier.ssn_date",
        "identifier.pr_id_format",
        "identifier.pr_id_check",
        "identifier.pr_id_date",
    ):
        samples.append(
            Sample(
                step="identifier",
                answers=answers,
                data=data,
                label=code,
                errors=partial(_identifier_error, code),
            )
        )
    for outcome in (
        verification.NO_MATCH,
        verification.NAME_NEAR,
        verification.PERMIT_INACTIVE,
        verification.ALREADY_LINKED,
    ):
        samples.append(
            Sample(
                step="check",
                answers=answers,
                data=data,
                label=f"check.{outcome}",
                errors=partial(journey.failure_errors, outcome, 3),
            )
        )
    for outcome in (verification.PHONE_MISMATCH, verification.PHONE_MISSING, verification.CODE_INVALID):
        samples.append(
            Sample(
                step="phone",
                answers=answers,
                data=data,
                label=f"phone.{outcome}",
                errors=partial(journey.failure_errors, outcome, 1),
            )
        )
    samples.append(
        Sample(
            step="locked",
            answers=answers,
            data={**data, "last_outcome": verification.NO_MATCH},
            label="locked.after_failure",
        )
    )
    return samples


def _required_error(step: Step, field: Field) -> list[tuple[str | None, str]]:
    """The error of a required field left empty, in the active locale."""
    return [(field.name, step.required_message(None, field))]  # type: ignore[arg-type]


def _identifier_error(code: str) -> list[tuple[str | None, str]]:
    """The identifier field's error for a check code, in the active locale."""
    return [("identifier", to_text(message_for(code)))]
