"""Console pages of notices: list, compose, edit, translate, preview, publish, withdraw, stats, versions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from app import clock
from app.admin.console import bp, console_view
from app.admin.forms import ActionForm, NoticeForm, TranslationForm, VersionForm
from app.errors import ValidationFailed
from app.extensions import get_queue
from app.i18n import _, ngettext, npgettext, pgettext
from app.i18n.locales import SUPPORTED, native_name, text_direction
from app.notices import (
    audience,
    delivery,
    editing,
    fallback,
    inbox,
    markdown,
    publishing,
    stats,
    store,
    versions,
)
from app.notices.messages import category_label, priority_label
from app.notices.models.notice import NOTICE_STATUSES

#: Service field paths → the form field that shows the error.
_FIELD_FOR = {
    "source.title": "source_title",
    "source.url": "source_url",
    "source.date": "source_date",
    "category": "category",
    "priority": "priority",
    "template_id": "template_id",
    "source_locale": "source_locale",
    "publish_at": "publish_at",
}


def _split(value: str | None) -> list[str]:
    """Comma- or space-separated codes as a list."""
    return [part for part in (value or "").replace(",", " ").split() if part]


def audience_from_form(form: NoticeForm) -> dict:
    """The audience filter the form describes."""
    spec: dict = {}
    if form.audience_locales.data:
        spec["locales"] = list(form.audience_locales.data)
    for name in ("nationalities", "cities", "employers"):
        values = _split(getattr(form, f"audience_{name}").data)
        if values:
            spec[name] = values
    if form.audience_permit_categories.data:
        spec["permit_categories"] = list(form.audience_permit_categories.data)
    if form.audience_permit_expiring_within_days.data is not None:
        spec["permit_expiring_within_days"] = form.audience_permit_expiring_within_days.data
    if not spec and form.audience_all.data:
        spec = {"all": True}
    return spec


def _local_to_utc(moment: datetime | None) -> str | None:
    """A console date-time (in the service's time zone) as an ISO UTC string."""
    if moment is None:
        return None
    return moment.replace(tzinfo=clock.zone()).astimezone(UTC).isoformat()


def data_from_form(form: NoticeForm) -> dict:
    """The service's notice input from the compose form."""
    return {
        "source_locale": form.source_locale.data,
        "translations": {form.source_locale.data: {"title": form.title.data, "body": form.body.data}},
        "source": {
            "title": form.source_title.data,
            "url": form.source_url.data,
            "date": form.source_date.data.isoformat() if form.source_date.data else None,
        },
        "category": form.category.data,
        "priority": form.priority.data,
        "audience": audience_from_form(form),
        "template_id": form.template_id.data or None,
        "publish_at": _local_to_utc(form.publish_at.data),
    }


def fill_form(form: NoticeForm, notice) -> None:
    """Put a notice's next version (its pending draft, or else its live text) into the compose form."""
    content = versions.working_copy(notice)
    source = content["translations"].get(content["source_locale"])
    form.source_locale.data = content["source_locale"]
    form.title.data, form.body.data = (source["title"], source["body"]) if source else ("", "")
    form.source_title.data, form.source_url.data = content["source"]["title"], content["source"]["url"]
    form.source_date.data = date.fromisoformat(content["source"]["date"])
    form.category.data, form.priority.data = content["category"], content["priority"]
    form.template_id.data = content["template_id"] or ""
    if notice.publish_at:
        form.publish_at.data = notice.publish_at.astimezone(clock.zone()).replace(tzinfo=None)
    spec = content["audience"] or {}
    form.audience_all.data = bool(spec.get("all"))
    form.audience_locales.data = spec.get("locales", [])
    form.audience_nationalities.data = ", ".join(spec.get("nationalities", []))
    form.audience_cities.data = ", ".join(spec.get("cities", []))
    form.audience_employers.data = ", ".join(spec.get("employers", []))
    form.audience_permit_categories.data = spec.get("permit_categories", [])
    form.audience_permit_expiring_within_days.data = spec.get("permit_expiring_within_days")


def _field_text(key: str, content: dict) -> str:
    """One field of a version's content as the comparison shows it."""
    if key == "category":
        return category_label(content["category"])
    if key == "priority":
        return priority_label(content["priority"])
    if key == "source_locale":
        return f"{native_name(content['source_locale'])} ({content['source_locale']})"
    if key == "source":
        source = content["source"]
        return f"{source['title']} · {source['url']} · {source['date']}"
    if key == "template_id":
        return content["template_id"] or pgettext("console", "none (inbox only)")
    return json.dumps(content.get(key), ensure_ascii=False, sort_keys=True)


def _field_label(key: str) -> str:
    """The console's name of a notice field."""
    labels = {
        "category": pgettext("console", "Category"),
        "priority": pgettext("console", "Priority"),
        "audience": pgettext("console", "Audience"),
        "source": pgettext("console", "Official source"),
        "source_locale": pgettext("console", "Written in"),
        "template_id": pgettext("console", "WeChat template"),
    }
    return labels.get(key, key)


def draft_comparison(notice) -> list[dict]:
    """The changes of the pending draft beside the live text: one row per changed field or language."""
    draft = versions.pending_draft(notice)
    if draft is None:
        return []
    live = versions.snapshot(notice)
    rows = []
    for key in versions.draft_changes(notice):
        if key.startswith("translations."):
            locale = key.split(".", 1)[1]
            old, new = live["translations"].get(locale), draft.snapshot["translations"].get(locale)
            rows.append(
                {
                    "key": key,
                    "label": f"{native_name(locale)} ({locale})",
                    "text": True,
                    "locale": locale,
                    "dir": text_direction(locale),
                    "live": {"title": old["title"], "html": markdown.render_markdown(old["body"])}
                    if old
                    else None,
                    "draft": {"title": new["title"], "html": markdown.render_markdown(new["body"])},
                }
            )
        else:
            rows.append(
                {
                    "key": key,
                    "label": _field_label(key),
                    "text": False,
                    "live": _field_text(key, live),
                    "draft": _field_text(key, draft.snapshot),
                }
            )
    return rows


def show_errors(form: NoticeForm, error: ValidationFailed) -> None:
    """Attach the service's field errors to the form fields (the rest go to the audience or the top)."""
    for path, message in error.details.get("fields", {}).items():
        if path.startswith("audience"):
            name = "audience_" + path.split(".")[1] if "." in path else "audience_all"
            field = getattr(form, name, None) or form.audience_all
        elif path.startswith("translations"):
            field = form.body if path.endswith("body") else form.title
        else:
            field = getattr(form, _FIELD_FOR.get(path, ""), None) or form.title
        field.errors = [*field.errors, str(message)]


def _labels() -> dict:
    """Category and priority labels for templates."""
    return {"category_label": category_label, "priority_label": priority_label}


@bp.get("/notices")
@console_view("notices.view")
def notice_list():
    """Every notice, newest first; ?status= filters."""
    status = request.args.get("status")
    if status not in NOTICE_STATUSES:
        status = None
    return render_template(
        "admin/notices/list.html",
        notices=editing.list_notices(status),
        status=status,
        statuses=NOTICE_STATUSES,
        **_labels(),
    )


@bp.route("/notices/new", methods=["GET", "POST"])
@console_view("notices.edit")
def notice_new():
    """Compose a notice in its source language."""
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            notice = editing.create_notice(data_from_form(form), g.actor)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash(_("The notice was saved as a draft."))
            return redirect(url_for("console.notice_detail", notice_id=notice.id))
    return render_template("admin/notices/form.html", form=form, notice=None), 422 if form.errors else 200


@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@console_view("notices.edit")
def notice_edit(notice_id: int):
    """Edit a notice; a published one gets a new version."""
    notice = store.get_notice(notice_id)
    form = NoticeForm()
    if request.method == "GET":
        fill_form(form, notice)
    elif form.validate_on_submit():
        try:
            editing.update_notice(notice_id, data_from_form(form), g.actor)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            _flash_saved(notice, _("The notice was saved."))
            return redirect(url_for("console.notice_detail", notice_id=notice_id))
    return render_template("admin/notices/form.html", form=form, notice=notice), 422 if form.errors else 200


def _flash_saved(notice, saved: str) -> None:
    """Say what a save did: on a published notice it made a draft version that waits for a publisher."""
    draft = versions.pending_draft(notice) if notice.status == "published" else None
    if draft is None:
        flash(saved)
        return
    flash(
        # TRANSLATORS: %(version)s and %(live)s are version numbers of a notice.
        _(
            "Saved as draft version %(version)s. Readers keep version %(live)s until a publisher publishes "
            "the draft.",
            version=draft.version,
            live=notice.version,
        )
    )


@bp.get("/notices/<int:notice_id>")
@console_view("notices.view")
def notice_detail(notice_id: int):
    """A notice: its state, translations (missing ones flagged), audience, a pending draft beside the
    live text, and actions."""
    notice = store.get_notice(notice_id)
    rows = [
        {
            "locale": locale,
            "name": native_name(locale),
            "translation": notice.translation(locale),
            "fallback": fallback.fallback_locale(notice, locale),
        }
        for locale in SUPPORTED
    ]
    count = audience.count_recipients(notice.audience, default_locale=current_app.config["DEFAULT_LOCALE"])
    draft = versions.pending_draft(notice)
    draft_form = VersionForm(version=draft.version) if draft else None
    return render_template(
        "admin/notices/detail.html",
        notice=notice,
        rows=rows,
        recipients=count,
        missing=fallback.missing_locales(notice),
        form=ActionForm(),
        draft=draft,
        draft_rows=draft_comparison(notice),
        draft_form=draft_form,
        **_labels(),
    )


@bp.route("/notices/<int:notice_id>/translate/<locale>", methods=["GET", "POST"])
@console_view("notices.translate")
def notice_translate(notice_id: int, locale: str):
    """Translate a notice into one locale, beside the source text."""
    if locale not in SUPPORTED:
        abort(404)
    notice = store.get_notice(notice_id)
    form = TranslationForm()
    content = versions.working_copy(notice)
    current = content["translations"].get(locale)
    if request.method == "GET" and current is not None:
        form.title.data, form.body.data = current["title"], current["body"]
        form.machine_translated.data = bool(current.get("machine_translated"))
    if form.validate_on_submit():
        try:
            editing.set_translation(
                notice_id,
                locale,
                {
                    "title": form.title.data,
                    "body": form.body.data,
                    "machine_translated": bool(form.machine_translated.data),
                },
                g.actor,
            )
        except ValidationFailed as error:
            for path, message in error.details.get("fields", {}).items():
                field = form.body if "body" in path else form.title
                field.errors = [*field.errors, str(message)]
        else:
            _flash_saved(notice, _("The translation was saved."))
            return redirect(url_for("console.notice_detail", notice_id=notice_id))
    source = content["translations"].get(content["source_locale"])
    if source is not None:
        source = {"title": source["title"], "html": markdown.render_markdown(source["body"])}
    return render_template(
        "admin/notices/translate.html",
        notice=notice,
        locale=locale,
        locale_name=native_name(locale),
        dir=text_direction(locale),
        form=form,
        source=source,
        source_locale=content["source_locale"],
    ), 422 if form.errors else 200


@bp.get("/notices/<int:notice_id>/preview/<locale>")
@console_view("notices.view")
def notice_preview(notice_id: int, locale: str):
    """The notice exactly as a reader in `locale` gets it (with the fallback flagged)."""
    if locale not in SUPPORTED:
        abort(404)
    notice = store.get_notice(notice_id)
    item = inbox.notice_item(notice, locale)
    return render_template(
        "admin/notices/preview.html",
        notice=notice,
        item=item,
        locale=locale,
        dir=text_direction(item["content_locale"]),
        locales=SUPPORTED,
        names={loc: native_name(loc) for loc in SUPPORTED},
        **_labels(),
    )


@bp.post("/notices/<int:notice_id>/publish")
@console_view("notices.publish")
def notice_publish(notice_id: int):
    """Publish now (or schedule), or make the draft version live; delivery runs as jobs."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    result = publishing.publish(notice_id, g.actor, version=form.version.data)
    if result.new_version:
        flash(
            # TRANSLATORS: %(version)s is a version number of a notice.
            _(
                "Version %(version)s is published: readers see it now. Nothing was sent again.",
                version=result.notice.version,
            )
        )
    elif result.started:
        delivery.queue_fan_out(get_queue(), notice_id)
        flash(_("The notice is published and being delivered."))
    else:
        flash(_("The notice is scheduled."))
    if result.missing_translations:
        flash(
            # TRANSLATORS: %(locales)s is a list of language codes such as "ko, ja".
            ngettext(
                "%(num)d language has no translation and shows the fallback: %(locales)s",
                "%(num)d languages have no translation and show the fallback: %(locales)s",
                len(result.missing_translations),
                locales=", ".join(result.missing_translations),
            )
        )
    return redirect(url_for("console.notice_detail", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/draft/discard")
@console_view("notices.edit")
def notice_discard_draft(notice_id: int):
    """Discard the draft version; readers keep the live text."""
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    publishing.discard_draft(notice_id, g.actor, version=form.version.data)
    flash(_("The draft was discarded. Readers keep the published version."))
    return redirect(url_for("console.notice_detail", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/withdraw")
@console_view("notices.publish")
def notice_withdraw(notice_id: int):
    """Withdraw a notice from every inbox; unsent WeChat messages are cancelled."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    publishing.withdraw(notice_id, g.actor)
    flash(_("The notice was withdrawn."))
    return redirect(url_for("console.notice_detail", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/resume")
@console_view("notices.publish")
def notice_resume(notice_id: int):
    """Settle messages a stopped worker left half-sent and queue the rest again."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    store.get_notice(notice_id)
    delivery.queue_resume(get_queue(), notice_id)
    # TRANSLATORS: console message after staff restart a stopped notice delivery.
    flash(_("Delivery was resumed."))
    return redirect(url_for("console.notice_stats", notice_id=notice_id))


@bp.get("/notices/<int:notice_id>/stats")
@console_view("stats.view")
def notice_stats(notice_id: int):
    """Delivered, read and failed counts, in total and per locale, with the WeChat error codes."""
    notice = store.get_notice(notice_id)
    return render_template(
        "admin/notices/stats.html",
        notice=notice,
        stats=stats.stats(notice_id),
        failures=stats.failure_codes(notice_id),
        form=ActionForm(),
        **_labels(),
    )


@bp.get("/notices/<int:notice_id>/versions")
@console_view("notices.view")
def notice_versions(notice_id: int):
    """Every version of a notice: what went out, drafts, and edits superseded or discarded."""
    notice = store.get_notice(notice_id)
    return render_template(
        "admin/notices/versions.html",
        notice=notice,
        versions=list(reversed(notice.versions)),
        version_state=version_state,
    )


def version_state(state: str) -> str:
    """A version's state in the console's language."""
    labels = {
        "draft": pgettext("notice version", "draft, waiting for a publisher"),
        "published": pgettext("notice version", "published"),
        "superseded": pgettext("notice version", "replaced by a later edit"),
        "discarded": pgettext("notice version", "discarded"),
    }
    return labels.get(state, state)


@bp.get("/audience/count")
@console_view("notices.view")
def audience_count():
    """The live recipient count the compose page asks for while the audience is edited."""
    form = NoticeForm(formdata=request.args, meta={"csrf": False})
    form.audience_permit_expiring_within_days.validate(form)
    spec = audience_from_form(form)
    try:
        spec = audience.parse_audience(spec)
    except ValidationFailed as error:
        return jsonify(
            {"count": None, "error": error.render_message(), "fields": error.details.get("fields", {})}
        ), 422
    count = audience.count_recipients(spec, default_locale=current_app.config["DEFAULT_LOCALE"])
    # TRANSLATORS: %(num)s is a number of users.
    label = npgettext("console", "%(num)s recipient", "%(num)s recipients", count)
    return jsonify({"count": count, "label": label, "audience": spec})
