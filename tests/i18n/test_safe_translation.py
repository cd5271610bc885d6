"""A translator's mistake never breaks a request: Python and Jinja fall back to the source and log once."""

from __future__ import annotations

import logging

import pytest
from flask import jsonify, render_template_string

from app.i18n import _, _l, force_locale, lazy_pgettext, ngettext, npgettext, pgettext, to_text
from app.i18n.translate import current_translations

from .conftest import FIXTURES, install_po, mini_app


@pytest.fixture
def broken_app(tmp_path):
    translations = tmp_path / "translations"
    install_po(translations, "fr", FIXTURES / "broken" / "fr.po")
    app = mini_app(translations)

    @app.get("/hello")
    def hello():
        return jsonify(message=_("Hello %(name)s", name="Ana"))

    @app.get("/days")
    def days():
        return jsonify(message=ngettext("%(num)d day left", "%(num)d days left", 3))

    @app.get("/page")
    def page():
        return render_template_string(
            "<p>{{ _('Hello %(name)s', name=name) }}</p>"
            "<p>{% trans %}<b>Welcome</b>{% endtrans %}</p>"
            "<p>{% trans count=3 %}{{ count }} day left{% pluralize %}{{ count }} days left{% endtrans %}</p>"
            "<p>{{ _('Save 50%% today') }}</p>",
            name="<Ana>",
        )

    return app


def _broken_records(caplog):
    return [record for record in caplog.records if record.getMessage() == "broken translation"]


def test_a_placeholder_typo_serves_english_with_one_error_log(broken_app, caplog):
    caplog.set_level(logging.ERROR, logger="app.i18n")
    response = broken_app.test_client().get("/hello", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert response.get_json() == {"message": "Hello Ana"}
    assert response.headers["Content-Language"] == "fr"
    records = _broken_records(caplog)
    assert len(records) == 1
    assert records[0].locale == "fr" and records[0].msgid == "Hello %(name)s" and "nmae" in records[0].error


def test_a_broken_plural_form_serves_english(broken_app, caplog):
    caplog.set_level(logging.ERROR, logger="app.i18n")
    response = broken_app.test_client().get("/days", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert response.get_json() == {"message": "3 days left"}
    assert len(_broken_records(caplog)) == 1


def test_templates_use_the_same_safe_functions_and_escape_translations(broken_app, caplog):
    caplog.set_level(logging.ERROR, logger="app.i18n")
    response = broken_app.test_client().get("/page", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<p>Hello &lt;Ana&gt;</p>" in html  # source text, value escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Bienvenue" in html  # translator markup escaped
    assert "<script>" not in html
    assert "<p>3 days left</p>" in html
    assert "<p>Save 50% today</p>" in html
    assert len(_broken_records(caplog)) == 1
    assert broken_app.jinja_env.policies["ext.i18n.trimmed"] is True


def test_untranslated_context_and_lazy_strings(broken_app):
    with broken_app.test_request_context(headers={"Accept-Language": "fr"}):
        assert pgettext("button", "Continue") == "Continue"
        assert npgettext("notice", "%(num)d notice", "%(num)d notices", 1) == "1 notice"
        lazy = lazy_pgettext("button", "Continue")
        assert to_text(lazy) == "Continue" and type(to_text(lazy)) is str
        assert to_text(_l("Hello %(name)s", name="Ana")) == "Hello Ana"
        assert to_text("plain") == "plain"
        assert _("") == ""


def test_translations_are_looked_up_once_per_context_and_follow_force_locale(broken_app):
    with broken_app.test_request_context(headers={"Accept-Language": "fr"}):
        first = current_translations()
        assert current_translations() is first
        with force_locale("de"):
            assert current_translations() is not first
        assert current_translations() is first
    with broken_app.test_request_context(headers={"Accept-Language": "fr"}):
        assert current_translations() is first  # cached per app and locale


def test_no_app_context_returns_the_source():
    assert _("Hello %(name)s", name="Ana") == "Hello Ana"
    assert ngettext("%(num)d day left", "%(num)d days left", 1) == "1 day left"
    assert pgettext("button", "Continue") == "Continue"


def test_force_locale_resolves_any_tag_and_never_raises(broken_app):
    from babel import Locale

    from app.i18n import current_locale_id

    with broken_app.app_context():
        for tag, expected in [
            ("zh_CN", "zh_Hans"),
            ("zh-TW", "zh_Hant"),
            ("xx", "en"),
            (None, "en"),
            (Locale("fr"), "fr"),
            ("fr", "fr"),
        ]:
            with force_locale(tag):
                assert current_locale_id() == expected
        assert current_locale_id() == "en"


def test_a_non_integer_plural_count_does_not_break(tmp_path):
    from app.i18n.catalogs import TRANSLATIONS_DIR

    app = mini_app(TRANSLATIONS_DIR)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert ngettext("%(num)s day", "%(num)s days", 2.5) == "2.5 days"
        assert npgettext("card", "%(num)s day", "%(num)s days", 1.0) == "1.0 day"
        assert ngettext("%(num)s day", "%(num)s days", None) == "None days"
