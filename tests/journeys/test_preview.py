"""Previews of every screen, and the pseudo-locale proof that no user-facing text bypasses gettext.

The proof extracts the template afresh from the source tree and builds en@pseudo and ar@pseudo
from it in a temporary folder, so it never depends on (or silently skips because of) the state
of translations/: a string added without gettext fails here on the next run.
"""

from __future__ import annotations

import re

import pytest
from babel import Locale
from flask_babel import force_locale

from app import create_app
from app.i18n import catalogs
from app.i18n.pseudo import unwrapped_strings
from app.journeys import registry
from app.journeys.engine import Flow, Sample, Step
from app.journeys.preview import all_screens, sample_screens
from tests.conftest import make_test_config
from tests.verify.test_journey import assert_screen

#: Language names are written in their own language on purpose (never translated).
ENDONYM = re.compile(r"^\$\.fields\[0\]\.options\[\d+\]\.label$")
#: Country names come translated from CLDR (Babel), not from gettext: under en@pseudo they are
#: CLDR's English names, which is right.
CLDR_COUNTRIES = frozenset(Locale("en").territories.values())
#: A source's title, publisher and kind are the document's own data (content/facts.toml), shown as
#: written; the line that presents them ("Source: … Checked on …") is translated.
SOURCE_DATA = re.compile(r"\.sources\[\d+\]\.(title|publisher|kind)$")


def test_all_screens_covers_every_step_error_and_the_lockout(app):
    screens = all_screens(locale="en")
    verify = [s for s in screens if s["flow"] == "verify"]
    steps = {s["screen"]["step"] for s in verify}
    assert steps >= {
        "language",
        "start",
        "consent",
        "name",
        "identifier_type",
        "identifier",
        "date_of_birth",
        "check",
        "second_factor",
        "phone",
        "in_person",
        "result",
        "locked",
    }
    labels = {s["sample"] for s in verify}
    assert {
        "check.no_match",
        "check.name_near",
        "check.already_linked",
        "check.permit_inactive",
        "phone.phone_mismatch",
        "locked",
        "identifier.permit_length",
    } <= labels
    for item in verify:
        assert_screen(item["screen"], item["screen"]["step"], "en")
    with_errors = [s for s in verify if s["screen"]["errors"]]
    assert len(with_errors) > 20


def test_sample_screens_in_another_locale_and_with_a_users_state(app):
    flow = registry.get("verify")
    screens = sample_screens(flow, "ar", user_state={"answers": {"passport_name": "KIM MINJUN"}})
    assert {s["screen"]["locale"] for s in screens} == {"ar"}
    assert {s["screen"]["dir"] for s in screens} == {"rtl"}
    check = next(s for s in screens if s["sample"] == "check")
    assert check["screen"]["summary"][0]["value"] == "KIM MINJUN"


def test_the_registry_takes_other_flows(app):
    class Hello(Step):
        name = "hello"

        def title(self, ctx):
            return "Hello"

    class HelloFlow(Flow):
        name = "hello-test"
        total = 0

    flow = HelloFlow([Hello()])
    assert registry.register(flow) is flow
    assert registry.register(flow) is flow  # idempotent for the same object
    with pytest.raises(ValueError, match="already registered"):
        registry.register(HelloFlow([Hello()]))
    assert registry.get("hello-test") is flow and flow in registry.all_flows()
    assert flow.samples() == [Sample(step="hello")]
    registry._FLOWS.pop("hello-test")


@pytest.fixture(scope="module")
def pseudo_dir(tmp_path_factory):
    """en@pseudo and ar@pseudo built from a template extracted right now from the source."""
    folder = tmp_path_factory.mktemp("translations")
    catalogs.write_template(catalogs.extract_catalog(), folder)
    built = catalogs.build_pseudo(folder)
    assert len(built) == 2 and all(path.exists() for path in built), "pseudo-locales were not built"
    return folder


@pytest.fixture
def pseudo_app(_schema, database_url, pseudo_dir):
    """An app serving the freshly built pseudo-locales."""
    application = create_app(
        make_test_config(database_url, TRANSLATIONS_DIR=str(pseudo_dir), PSEUDO_LOCALES=True)
    )
    with application.app_context():
        yield application


def test_no_screen_has_an_unwrapped_string_under_en_pseudo(pseudo_app):
    screens = all_screens(locale="en@pseudo")
    assert screens
    problems = []
    for item in screens:
        screen = item["screen"]
        assert screen["locale"] == "en@pseudo"
        found = unwrapped_strings(screen)
        if screen["step"] == "language":
            found = [(path, value) for path, value in found if not ENDONYM.match(path)]
        found = [
            (path, value)
            for path, value in found
            if value not in CLDR_COUNTRIES and not SOURCE_DATA.search(path)
        ]
        problems += [(item["sample"], path, value) for path, value in found]
    assert problems == [], "\n".join(f"{s}: {p} = {v!r}" for s, p, v in problems)


def test_ar_pseudo_is_right_to_left_and_runs_the_plural_paths(pseudo_app):
    screens = all_screens(locale="ar@pseudo")
    assert {s["screen"]["dir"] for s in screens} == {"rtl"}
    failure = next(s["screen"] for s in screens if s["sample"] == "check.no_match")
    assert "#" in failure["errors"][-1]["message"]  # ar@pseudo numbers its plural forms
    with force_locale("ar@pseudo"):
        from app.i18n import ngettext

        forms = {
            ngettext(
                "You have %(num)d more try. After that, you must wait before you can try again.",
                "You have %(num)d more tries. After that, you must wait before you can try again.",
                n,
            )[-3:]
            for n in (0, 1, 2, 3, 11, 100)
        }
    assert len(forms) == 6
