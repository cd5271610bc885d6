"""`flask --app wsgi worker`: an RQ worker on the app's queue, each job run inside the app context."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import Worker

from app import pushes, redis_client
from app.extensions import db, get_queue, get_redis

#: How often an idle worker wakes to run its maintenance, which also restarts a dead push pump.
MAINTENANCE_SECONDS = 60
#: RQ waits for a job this long less 15 s before it loops (and may run its maintenance).
WORKER_TTL_SECONDS = MAINTENANCE_SECONDS + 15


class AppWorker(Worker):
    """An RQ worker whose work horse runs every job inside the Flask app context."""

    flask_app: Flask  # the app the jobs run in, set before work() starts

    def run_maintenance_tasks(self) -> None:
        """RQ's maintenance, then a pump for WeChat pushes left waiting by a pump that died."""
        super().run_maintenance_tasks()
        try:
            if pushes.restart_pump(self.connection, self.queues[0]):
                self.log.warning("WeChat pushes were waiting with no pump: a pump is queued")
        except Exception:  # the next maintenance round tries again; the worker must keep working
            self.log.exception("could not check the WeChat push inbox")

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
    redis_client.ride_out_outages(get_redis())  # the jobs' client too: the work horse is a fork
    if pushes.restart_pump(get_redis(), queue):
        click.echo("WeChat pushes were waiting: their pump is queued")
    # Maintenance every minute, also when idle: a pump that died (its worker killed) leaves the
    # inbox held for PUMP_HOLD_SECONDS at most, and the next round starts a new one.
    process = AppWorker(
        [queue],
        connection=get_redis(),
        worker_ttl=WORKER_TTL_SECONDS,
        maintenance_interval=MAINTENANCE_SECONDS,
    )
    # Flask types its proxies as the object they stand for; `_get_current_object` is the proxy's own.
    process.flask_app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001 - Flask's documented way to unwrap the proxy
    click.echo(f"worker {process.name} on queue {queue.name!r}")
    process.work(
        burst=burst,
        with_scheduler=with_scheduler,
        max_jobs=max_jobs,
        logging_level=current_app.config.get("LOG_LEVEL", "INFO"),
    )


commands = [worker]
