"""`flask --app wsgi worker`: an RQ worker on the app's queue, each job run inside the app context."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker

from app.extensions import db, get_queue, get_redis
from app.services import pushes


class AppWorker(Worker):
    """An RQ worker whose work horse runs every job inside the Flask app context."""

    flask_app = None

    def perform_job(self, job, queue, execution) -> bool:
        """Run one job with the app context pushed and a database pool of its own."""
        with self.flask_app.app_context():
            # The work horse is a fork: connections pooled by the parent must not be shared with it.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Quit when the queue is empty (for scripts and tests).")
@click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler for delayed and retried jobs.")
@click.option("--max-jobs", type=int, default=None, help="Quit after this many jobs (then restart it).")
@with_appcontext
def worker(burst: bool, with_scheduler: bool, max_jobs: int | None) -> None:
    """Run an RQ worker on the app's queue; start as many as the load needs."""
    if current_app.config.get("JOBS_SYNC") or current_app.config.get("EMBEDDED_REDIS"):
        raise click.ClickException(
            "jobs run in-process on the embedded defaults; set REDIS_URL (and APP_ENV=production) "
            "to use workers"
        )
    queue = get_queue()
    if pushes.restart_pump(get_redis(), queue):
        click.echo("WeChat pushes were waiting: their pump is queued")
    process = AppWorker([queue], connection=get_redis())
    process.flask_app = current_app._get_current_object()
    click.echo(f"worker {process.name} on queue {queue.name!r}")
    process.work(burst=burst, with_scheduler=with_scheduler, max_jobs=max_jobs,
                 logging_level=current_app.config.get("LOG_LEVEL", "INFO"))


commands = [worker]
