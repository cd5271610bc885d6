"""PII_KEY rotation: key ids on ciphertexts, two keys during the rotation, a resumable re-encryption, retirement."""

from __future__ import annotations

import base64
import os
import shlex
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select, type_coerce

from app import clock, pii
from app.config import ConfigError, check_production
from app.extensions import db as _db
from app.journeys.models import FlowState
from app.privacy import key_rotation as pii_rotation
from app.privacy import rights as privacy
from app.privacy.models import PiiKeyRotation
from app.registry.importer import import_file
from app.registry.models import (
    IdentityDocument,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)
from app.verify.attempts import identifier_key, subject_key
from app.verify.models import InPersonReference, VerificationAttempt
from app.verify.verification import VerificationLocked, find_person, match_identity, wechat_subject
from tests.conftest import TEST_DATABASE_URL, make_test_config
from tests.factories import make_person, make_pr_id, make_user

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()
OTHER = base64.b64encode(b"x" * 32).decode()


@pytest.fixture
def app_config(database_url):
    """The service runs on OLD until a test rotates."""
    return make_test_config(database_url, PII_KEY=OLD)


@pytest.fixture
def keys(app):
    """Switch this process's keys as a restart with a new environment would; the app's keys come back after."""
    yield pii.configure
    pii.configure(app.config["PII_KEY"], app.config.get("PII_KEY_PREVIOUS"))


def legacy_v1(master_b64: str, plaintext: str) -> str:
    """A value as written before ciphertexts carried a key id (the `v1:` scheme)."""
    key = pii.PiiKey(master_b64)
    nonce = os.urandom(12)
    return (
        "v1:" + base64.urlsafe_b64encode(nonce + key.aead.encrypt(nonce, plaintext.encode(), b"v1")).decode()
    )


def raw(model, column: str) -> dict[int, str | None]:
    """id -> the stored ciphertext of one column (of a model or a table)."""
    table = getattr(model, "__table__", model)
    _db.session.commit()  # a new transaction: on MariaDB an open one would still see its first snapshot
    return dict(_db.session.execute(select(table.c.id, type_coerce(table.c[column], Text))).all())


# --- the codec ---------------------------------------------------------------------------------


def test_new_values_name_their_key_and_both_keys_open_them_during_a_rotation():
    old, rotating, new_only = pii.PiiCodec(OLD), pii.PiiCodec(NEW, OLD), pii.PiiCodec(NEW)
    before = old.encrypt("123456789012345678")
    assert before.startswith(old.key_id + ":") and old.key_id != rotating.key_id == new_only.key_id
    assert len(old.key_id) == 11 and old.key_id.startswith("k")
    after = rotating.encrypt("123456789012345678")
    assert after.startswith(new_only.key_id + ":")
    assert rotating.decrypt(before) == rotating.decrypt(after) == "123456789012345678"
    with pytest.raises(pii.UnknownPiiKey, match=old.key_id):
        new_only.decrypt(before)
    assert old.decrypt(legacy_v1(OLD, "X1")) == rotating.decrypt(legacy_v1(OLD, "X1")) == "X1"
    with pytest.raises(pii.UnknownPiiKey):
        new_only.decrypt(legacy_v1(OLD, "X1"))
    with pytest.raises(ValueError, match="unknown PII scheme"):
        rotating.decrypt("v9:" + after.partition(":")[2])


def test_a_key_id_cannot_be_moved_to_another_key():
    """The key id is authenticated: a ciphertext relabelled with another key's id does not open."""
    rotating = pii.PiiCodec(NEW, OLD)
    token = pii.PiiCodec(OLD).encrypt("secret")
    with pytest.raises(Exception):  # noqa: B017 - the tag check fails; the point is no plaintext
        rotating.decrypt(rotating.key_id + ":" + token.partition(":")[2])


def test_lookups_match_either_key_and_sealed_bytes_open_with_either():
    rotating, old = pii.PiiCodec(NEW, OLD), pii.PiiCodec(OLD)
    assert rotating.lookup_hashes("X1", "permit") == (
        pii.PiiCodec(NEW).lookup_hash("X1", "permit"),
        old.lookup_hash("X1", "permit"),
    )
    assert rotating.lookup_hash("X1", "permit") == rotating.lookup_hashes("X1", "permit")[0]
    assert pii.PiiCodec(OLD).lookup_hashes("X1", "permit") == (old.lookup_hash("X1", "permit"),)
    assert rotating.unseal(old.seal(b"body", b"ctx"), b"ctx") == b"body"
    assert pii.PiiCodec(NEW).unseal(old.seal(b"body", b"ctx"), b"ctx") is None


def test_the_previous_key_must_be_a_different_valid_key():
    with pytest.raises(ValueError, match="PII_KEY_PREVIOUS"):
        pii.PiiCodec(NEW, NEW)
    with pytest.raises(ValueError, match="PII_KEY_PREVIOUS must be the base64 of 32 bytes"):
        pii.PiiCodec(NEW, base64.b64encode(b"short").decode())


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        (base64.b64encode(b"short").decode(), "PII_KEY_PREVIOUS must be the base64 of exactly 32 bytes"),
        (NEW, "PII_KEY_PREVIOUS must be the key PII_KEY replaces"),
    ],
)
def test_production_refuses_a_wrong_previous_key(previous, message):
    values = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 64,
        "PII_KEY": NEW,
        "PII_KEY_PREVIOUS": previous,
        "DATABASE_URL": "mysql+pymysql://ssc:pw@db:3306/ssc?charset=utf8mb4",
        "REDIS_URL": "redis://r:6379/0",
        "WECHAT_APPID": "wx1234567890abcdef",
        "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
        "WECHAT_TOKEN": "a-real-token-1234",
        "WECHAT_AES_KEY": "A" * 43,
        "WECHAT_ORIGINAL_ID": "gh_1234567890ab",
    }
    with pytest.raises(ConfigError, match=message):
        check_production(values)


# --- rotation on the service's data --------------------------------------------------------------


def _population():
    """People (with legacy `v1:` values too), a user with journey answers, an attempt record: all under OLD."""
    people = [
        make_person(card_number=f"C{n:08d}", pr_id=make_pr_id() if n % 2 else None, commit=False)
        for n in range(7)
    ]
    people.append(make_person(phone=None, commit=False))
    user = make_user(verified=True)
    people.append(user.person)
    _db.session.add(
        FlowState(
            user_id=user.id,
            flow="verify",
            step="phone",
            answers={"passport_name": "MÜLLER, Hans", "permit_number": "123"},
        )
    )
    _db.session.add(
        VerificationAttempt(
            user_id=user.id,
            wechat_subject=wechat_subject(user.openid),
            identifier_type="ssn",
            step="identifier_match",
            result="pass",
        )
    )
    _db.session.commit()
    # Two values exactly as the code before key ids wrote them.
    _db.session.execute(
        SocialSecurityCard.__table__.update()
        .where(SocialSecurityCard.id == people[0].account.card.id)
        .values(
            {SocialSecurityCard.__table__.c.card_number: type_coerce(legacy_v1(OLD, "C00000000"), String)}
        )
    )
    _db.session.commit()
    return people, user


def _expected(people) -> dict:
    """Each identifier as the registry holds it, read now."""
    return {
        p.id: (
            p.phone,
            p.pr_id,
            p.documents[0].number,
            p.permits[0].permit_number,
            p.account.ssn,
            p.account.card.card_number,
        )
        for p in people
    }


def _assert_all_under(codec_key_id: str) -> None:
    for target in pii_rotation.targets():
        for name in target.columns:
            for value in raw(target.table, name).values():
                assert value is None or value.startswith(codec_key_id + ":"), (target.table.name, name, value)


def test_rotation_reencrypts_every_value_rekeys_every_hash_and_keeps_the_data(app, keys):
    people, user = _population()
    expected = _expected(people)
    assert raw(SocialSecurityCard, "card_number")[people[0].account.card.id].startswith("v1:")
    total = sum(
        1
        for target in pii_rotation.targets()
        for name in target.columns
        for value in raw(target.table, name).values()
        if value is not None
    )

    codec = keys(NEW, OLD)
    report = pii_rotation.rotate(batch_size=3)
    assert report.values == report.total == total and report.remaining == {}
    assert report.hashes == sum(1 for p in expected.values() for v in (p[0], p[1]) if v) + 3 * len(people)
    assert report.subjects == 1
    _assert_all_under(codec.key_id)
    assert pii_rotation.rotate(batch_size=3).values == 0  # idempotent: nothing left, nothing re-done

    new_only = keys(NEW)
    _db.session.expire_all()
    for person in people:
        person = _db.session.get(Person, person.id)
        assert _expected([person])[person.id] == expected[person.id]
        phone, pr_id, passport, permit, ssn, _card = expected[person.id]
        assert person.phone_hash == (new_only.lookup_hash(phone, "phone") if phone else None)
        assert person.pr_id_hash == (new_only.lookup_hash(pr_id, "pr_id") if pr_id else None)
        assert person.documents[0].number_hash == new_only.lookup_hash(passport, "passport")
        assert find_person("permit_number", permit) == (person, person.permits[0])
        assert find_person("ssn", ssn)[0] == person
        if pr_id:
            assert find_person("pr_id", pr_id)[0] == person
    flow = _db.session.scalar(select(FlowState).where(FlowState.user_id == user.id))
    assert flow.answers == {"passport_name": "MÜLLER, Hans", "permit_number": "123"}
    attempt = _db.session.scalar(select(VerificationAttempt))
    assert attempt.wechat_subject == new_only.lookup_hash(user.openid, "wechat-openid")
    record = _db.session.scalar(select(PiiKeyRotation))
    assert (record.values_reencrypted, record.finished_at is not None, record.retired_at) == (
        total,
        True,
        None,
    )


def test_a_row_the_service_rewrites_during_a_batch_keeps_the_services_value(app, keys, monkeypatch):
    """The rotation never writes back a value it read before the service changed it, and still finishes the row."""
    people, _ = _population()
    codec = keys(NEW, OLD)
    ids = sorted(person.id for person in people)
    target = ids[3]  # the first row of the second batch of three; it has a phone and a PR ID
    assert raw(Person, "pr_id")[target] is not None
    service_wrote = {}
    decrypt = pii_rotation._decrypt

    def the_service_writes_meanwhile(codec_, table, column, row_id, stored):
        if (table, column, row_id) == ("people", "phone", target) and not service_wrote:
            service_wrote["phone"] = codec.encrypt("+8613911112222")
            with _db.engine.begin() as conn:  # another process: its own connection and transaction
                conn.execute(
                    Person.__table__.update()
                    .where(Person.__table__.c.id == target)
                    .values(
                        {
                            Person.__table__.c.phone: type_coerce(service_wrote["phone"], String),
                            Person.__table__.c.phone_hash: codec.lookup_hash("+8613911112222", "phone"),
                        }
                    )
                )
        return decrypt(codec_, table, column, row_id, stored)

    monkeypatch.setattr(pii_rotation, "_decrypt", the_service_writes_meanwhile)
    total = sum(
        1
        for target_ in pii_rotation.targets()
        for name in target_.columns
        for value in raw(target_.table, name).values()
        if value is not None
    )
    report = pii_rotation.rotate(batch_size=3)
    assert (report.changed_meanwhile, report.remaining) == (1, {})
    assert report.values == total - 1  # the phone the service wrote is not re-encrypted again
    assert raw(Person, "phone")[target] == service_wrote["phone"]
    assert raw(Person, "pr_id")[target].startswith(codec.key_id + ":")
    _db.session.expire_all()
    assert _db.session.get(Person, target).phone == "+8613911112222"


def test_rotate_key_fails_while_a_process_still_writes_with_the_old_key(app, keys, monkeypatch):
    """A process not restarted writes under the old key behind the rotation: the run says so and is not finished."""
    people, _ = _population()
    keys(NEW, OLD)
    rekey_subjects = pii_rotation._rekey_subjects
    people_table = Person.__table__

    def a_straggler_writes_then_subjects(codec, batch_size):
        old = pii.PiiCodec(OLD)
        with _db.engine.begin() as conn:
            conn.execute(
                people_table.update()
                .where(people_table.c.id == people[0].id)
                .values(
                    {
                        people_table.c.phone: type_coerce(old.encrypt("+8613922223333"), String),
                        people_table.c.phone_hash: old.lookup_hash("+8613922223333", "phone"),
                    }
                )
            )
        return rekey_subjects(codec, batch_size)

    monkeypatch.setattr(pii_rotation, "_rekey_subjects", a_straggler_writes_then_subjects)
    result = app.test_cli_runner().invoke(args=["pii", "rotate-key"])
    assert result.exit_code == 1
    assert "people.phone: 1" in result.output and "restart it, then run this again" in result.output
    _db.session.commit()  # a new snapshot on MariaDB (and every object expired)
    assert _db.session.scalar(select(PiiKeyRotation.finished_at)) is None
    monkeypatch.undo()
    assert app.test_cli_runner().invoke(args=["pii", "rotate-key"]).exit_code == 0
    _db.session.commit()
    assert _db.session.scalar(select(PiiKeyRotation.finished_at)) is not None
    assert _db.session.get(Person, people[0].id).phone == "+8613922223333"


def test_rotate_key_pauses_after_each_batch_when_asked(app, keys, monkeypatch):
    """`--pause` waits after every committed batch (the kill test below paces the run with it)."""
    _population()
    keys(NEW, OLD)
    from app.privacy.cli import pii as pii_cli

    waits: list[float] = []
    monkeypatch.setattr(pii_cli.time, "sleep", waits.append)
    result = app.test_cli_runner().invoke(args=["pii", "rotate-key", "--batch-size", "2", "--pause", "0.25"])
    assert result.exit_code == 0, result.output
    assert waits == [0.25] * result.output.count("look-up hashes re-keyed (") and len(waits) > 1
    refused = app.test_cli_runner().invoke(args=["pii", "rotate-key", "--pause", "-1"])
    assert refused.exit_code == 2 and "--pause" in refused.output


def test_lookups_exports_and_the_registry_import_work_in_the_middle_of_a_rotation(app, keys):
    """Rows under either key are found, and a re-import neither duplicates nor cancels what the old key hashed."""
    for name in ("people.csv", "contributions.csv"):
        import_file(EXAMPLES / name)
    people = {p.id: (p.permits[0].permit_number, p.account.ssn) for p in _db.session.scalars(select(Person))}
    keys(NEW, OLD)
    pii_rotation.rotate(batch_size=2)
    # One person's permit and SSN back under the old key, as rows the rotation has not reached yet are,
    # and an attempt record of an earlier (deleted) account of a user, under the old key's subject.
    old = pii.PiiCodec(OLD)
    first_person = min(people)
    permit_number, ssn = people[first_person]
    permits, accounts = WorkPermit.__table__, SocialSecurityAccount.__table__
    _db.session.execute(
        permits.update()
        .where(permits.c.person_id == first_person)
        .values(
            {
                permits.c.permit_number: type_coerce(old.encrypt(permit_number), String),
                permits.c.permit_number_hash: old.lookup_hash(permit_number, "permit"),
            }
        )
    )
    _db.session.execute(
        accounts.update()
        .where(accounts.c.person_id == first_person)
        .values(
            {
                accounts.c.ssn: type_coerce(old.encrypt(ssn), String),
                accounts.c.ssn_hash: old.lookup_hash(ssn, "ssn"),
            }
        )
    )
    user = make_user(commit=False)
    _db.session.add(
        VerificationAttempt(
            user_id=None,
            wechat_subject=old.lookup_hash(user.openid, "wechat-openid"),
            step="identifier_match",
            result="fail",
        )
    )
    _db.session.commit()
    _db.session.expire_all()

    for person_id, (permit_number, ssn) in people.items():
        assert find_person("permit_number", permit_number)[0].id == person_id
        assert find_person("ssn", ssn)[0].id == person_id
    counts = {
        model: _db.session.scalar(select(func.count()).select_from(model))
        for model in (Person, WorkPermit, SocialSecurityAccount, IdentityDocument)
    }
    report = import_file(EXAMPLES / "people.csv")
    assert (report.added, report.updated, report.rejected) == (0, 0, 0)
    assert {model: _db.session.scalar(select(func.count()).select_from(model)) for model in counts} == counts
    assert (
        _db.session.scalar(select(WorkPermit.status).where(WorkPermit.person_id == first_person)) == "valid"
    )
    contributions = import_file(EXAMPLES / "contributions.csv")
    assert (contributions.added, contributions.rejected) == (0, 0)
    export = privacy.export_user(user.id, locale="en", today=clock.today())
    assert len(export["verification_attempts"]) == 1


def test_attempt_limits_reached_under_the_old_key_still_hold_during_the_rotation(app, keys):
    """A lockout counted before the restart with the new key is not a fresh set of attempts."""
    person = make_person()
    user, other = make_user(), make_user()
    permit = person.permits[0].permit_number
    old = pii.PiiCodec(OLD)
    redis_client = app.extensions["redis"]
    redis_client.set(subject_key(old.lookup_hash(user.openid, "wechat-openid")), 5, ex=3600)
    redis_client.set(identifier_key(old.lookup_hash(permit, "permit")), 5, ex=3600)
    keys(NEW, OLD)
    answers = {
        "identifier_type": "permit_number",
        "identifier": permit,
        "passport_name": person.passport_name,
        "date_of_birth": person.date_of_birth,
    }
    with pytest.raises(VerificationLocked):
        match_identity(user.id, **answers)  # this WeChat user's own tries
    with pytest.raises(VerificationLocked):
        match_identity(other.id, **answers)  # the number's, from any account
    new = pii.PiiCodec(NEW)
    assert (
        int(redis_client.get(subject_key(new.lookup_hash(other.openid, "wechat-openid")))) == 0
    )  # given back


def test_retirement_waits_for_every_value_and_every_open_reference_of_the_old_key(app, keys):
    people, user = _population()
    runner = app.test_cli_runner()
    keys(NEW, OLD)
    refused = runner.invoke(args=["pii", "retire-key"])
    assert refused.exit_code == 1 and "run `flask --app wsgi pii rotate-key` first" in refused.output

    _db.session.add(
        InPersonReference(
            user_id=user.id,
            person_id=people[0].id,
            reference_hash="0" * 64,
            expires_at=clock.now() + timedelta(days=7),
        )
    )
    _db.session.commit()
    done = runner.invoke(args=["pii", "rotate-key", "--batch-size", "4"])
    assert done.exit_code == 0, done.output
    assert "Next: flask --app wsgi pii retire-key" in done.output

    old = pii.PiiCodec(OLD)  # a process still on the old key writes a value
    table = Person.__table__
    _db.session.execute(
        table.update()
        .where(table.c.id == people[1].id)
        .values(
            {
                table.c.phone: type_coerce(old.encrypt("+8613900000000"), String),
                table.c.phone_hash: old.lookup_hash("+8613900000000", "phone"),
            }
        )
    )
    _db.session.commit()
    refused = runner.invoke(args=["pii", "retire-key"])
    assert refused.exit_code == 1 and "people.phone: 1 values" in refused.output
    assert runner.invoke(args=["pii", "rotate-key"]).exit_code == 0

    refused = runner.invoke(args=["pii", "retire-key"])
    assert refused.exit_code == 1 and "1 in-person references made before the rotation" in refused.output
    reference = _db.session.scalar(select(InPersonReference))
    reference.cancelled_at = clock.now()
    _db.session.commit()
    retired = runner.invoke(args=["pii", "retire-key"])
    assert retired.exit_code == 0, retired.output
    assert f"Key {pii.PiiCodec(OLD).key_id} retired" in retired.output
    assert _db.session.scalar(select(PiiKeyRotation.retired_at)) is not None
    assert runner.invoke(args=["pii", "retire-key"]).exit_code == 0  # already retired: says so again
    status = runner.invoke(args=["pii", "status"]).output
    new_id = pii.PiiCodec(NEW).key_id
    assert (
        f"PII_KEY: key {new_id}" in status and f"PII_KEY_PREVIOUS: key {pii.PiiCodec(OLD).key_id}" in status
    )
    assert f"social_security_cards.card_number: {new_id}: 7" in status
    assert f"Rotation {pii.PiiCodec(OLD).key_id} -> {new_id}: started " in status
    assert "values re-encrypted, finished 2" in status and "retired not yet" not in status

    keys(OLD, NEW)  # the retired key put back as PII_KEY
    refused = runner.invoke(args=["pii", "rotate-key"])
    assert refused.exit_code == 1 and "retired on" in refused.output


def test_rotate_needs_the_previous_key_and_status_counts_values_by_key(app, keys):
    _population()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["pii", "rotate-key"])
    assert refused.exit_code == 1 and "PII_KEY_PREVIOUS is not set" in refused.output
    status = runner.invoke(args=["pii", "status"])
    old_id = pii.PiiCodec(OLD).key_id
    assert status.exit_code == 0 and "PII_KEY_PREVIOUS: not set" in status.output
    assert f"social_security_cards.card_number: {old_id}: 6, v1: 1" in status.output
    keys(NEW, OTHER)  # the old key is not the one the data was written with
    refused = runner.invoke(args=["pii", "rotate-key"])
    assert refused.exit_code == 1 and "neither PII_KEY nor PII_KEY_PREVIOUS" in refused.output


def test_every_hash_column_is_rekeyed_or_said_to_be_kept(app):
    """A new look-up hash column must be paired with its encrypted value or listed with what happens to it."""
    paired = {(table, hash_column) for (table, _), (hash_column, _) in pii_rotation.LOOKUP_HASHES.items()}
    hash_columns = {
        (table.name, column.name)
        for table in _db.metadata.sorted_tables
        for column in table.columns
        if (column.name.endswith("_hash") or column.name == "wechat_subject")
        and column.name not in ("password_hash", "key_hash")
    }
    assert hash_columns == paired | set(pii_rotation.HASH_ONLY)
    encrypted = {(target.table.name, name) for target in pii_rotation.targets() for name in target.columns}
    assert set(pii_rotation.LOOKUP_HASHES) <= encrypted


def test_the_guides_rotation_commands_are_the_clis(app):
    """docs/deploy.md §4 gives the commands this file tests, with the names and options the CLI has."""
    from tools.rehearsal.guide import Guide, strip_comment

    lines = [strip_comment(line) for _, line in Guide.read().fenced_lines() if " pii " in line]
    assert lines == [
        "flask --app wsgi pii status",
        "flask --app wsgi pii rotate-key",
        "flask --app wsgi pii retire-key",
    ]
    for line in lines:
        words = shlex.split(line)
        command = app.cli.get_command(None, words[3]).get_command(None, words[4])
        command.make_context(command.name, words[5:])
    assert "`PII_KEY_PREVIOUS`" in (ROOT / "docs" / "deploy.md").read_text()


# --- a kill in the middle, on MariaDB --------------------------------------------------------------


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "pii", *args]


def _environment() -> dict:
    return {
        **os.environ,
        "APP_ENV": "testing",
        "DATABASE_URL": TEST_DATABASE_URL or "",
        "PII_KEY": NEW,
        "PII_KEY_PREVIOUS": OLD,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.real_mysql
def test_a_rotation_killed_in_the_middle_finishes_on_a_second_run_each_value_once(app, keys):
    people = [
        make_person(card_number=f"C{n:08d}", pr_id=make_pr_id() if n % 3 == 0 else None, commit=False)
        for n in range(100)
    ]
    _db.session.commit()
    expected = _expected(people)
    _db.session.expunge_all()
    total = sum(1 for values in expected.values() for value in values if value is not None)
    keys(NEW, OLD)  # this process, like every web and worker process, restarted with both keys

    def lookups_work(sample) -> None:
        for person_id in sample:
            _, pr_id, _, permit, ssn, _ = expected[person_id]
            assert find_person("permit_number", permit)[0].id == person_id
            assert find_person("ssn", ssn)[0].id == person_id
            if pr_id:
                assert find_person("pr_id", pr_id)[0].id == person_id
        _db.session.rollback()  # the next read sees the other process's commits

    ids = sorted(expected)
    # Paced, so the kill lands in the middle: unpaced, the run could end before this reader (with
    # its look-ups after each batch) had read 25 lines of the pipe.
    process = subprocess.Popen(
        _command("rotate-key", "--batch-size", "10", "--pause", "0.1"),
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    batches = 0
    try:
        for line in process.stdout:
            if "values and" in line and "re-keyed" in line:
                batches += 1
                lookups_work(ids[batches % len(ids) :: 37])
            if batches == 25:  # the second table is under way
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL and batches == 25

    new_id = pii.codec().key_id
    at_kill = {
        (target.table.name, name, row_id): value
        for target in pii_rotation.targets()
        for name in target.columns
        for row_id, value in raw(target.table, name).items()
        if value is not None
    }
    done = {key: value for key, value in at_kill.items() if value.startswith(new_id + ":")}
    assert 0 < len(done) < total == len(at_kill)
    lookups_work(ids)

    second = subprocess.run(
        _command("rotate-key", "--batch-size", "10"),
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Re-encrypted {total - len(done)} values" in second.stdout
    assert f"({total} values since the rotation began)" in second.stdout
    _db.session.rollback()
    after = {
        (target.table.name, name, row_id): value
        for target in pii_rotation.targets()
        for name in target.columns
        for row_id, value in raw(target.table, name).items()
        if value is not None
    }
    assert set(after) == set(at_kill)
    assert all(value.startswith(new_id + ":") for value in after.values())
    assert all(after[key] == value for key, value in done.items()), "a value was re-encrypted twice"
    assert all(after[key] != value for key, value in at_kill.items() if key not in done)
    assert _db.session.scalar(select(PiiKeyRotation.values_reencrypted)) == total

    retired = subprocess.run(
        _command("retire-key"), cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=300
    )
    assert retired.returncode == 0, retired.stdout + retired.stderr
    keys(NEW)  # PII_KEY_PREVIOUS removed, every process restarted
    _db.session.expire_all()
    assert _expected([_db.session.get(Person, person_id) for person_id in ids]) == expected
    lookups_work(ids)
    again = subprocess.run(
        _command("rotate-key"), cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "Re-encrypted 0 values" in again.stdout, again.stdout + again.stderr
    assert _db.session.scalar(select(PiiKeyRotation.values_reencrypted)) == total
