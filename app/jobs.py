"""RQ jobs: they take ids, run inside an app context and call services."""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_app_context


@contextmanager
def job_app_context():
    """The current app context, or a new app's when a bare RQ worker runs the job."""
    if has_app_context():
        yield current_app
        return
    from app import create_app

    app = create_app()
    with app.app_context():
        yield app
