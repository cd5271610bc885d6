"""What can go wrong with a notice, as the API and the console report it."""

from __future__ import annotations

from app.errors import Conflict, NotFound
from app.i18n import _l


class NoticeNotFound(NotFound):
    """No notice with this id."""

    code = "notice.not_found"
    message = _l("This notice does not exist.")


class NoticeWithdrawn(Conflict):
    """A withdrawn notice cannot be changed or published again."""

    code = "notice.withdrawn"
    message = _l("Someone withdrew this notice, so you cannot change it.")


class NoticeNotPublished(Conflict):
    """Only a published or scheduled notice can be withdrawn."""

    code = "notice.not_published"
    message = _l("This notice is not published.")


class DraftChanged(Conflict):
    """The draft a publisher (or editor) acted on is no longer the newest one."""

    code = "notice.draft_changed"
    message = _l("Someone changed the notice after you opened it. Check the newest draft and try again.")


class NoDraft(Conflict):
    """There is no draft version waiting to be published or discarded."""

    code = "notice.no_draft"
    message = _l("This notice has no draft waiting for publication.")


class ConcurrentEdit(Conflict):
    """Two changes to one notice met; the later one was not saved."""

    code = "notice.concurrent_edit"
    message = _l("Someone else changed this notice at the same moment. Reload it and try again.")


INVALID_NOTICE = _l("Some fields of the notice need a correction.")
