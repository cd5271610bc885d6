"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Sync workers (steady under keep-alive load, see docs/deploy.md), four per core (a sign-in holds
its worker for WeChat's round trip), bound to loopback behind nginx. With PROMETHEUS_MULTIPROC_DIR
set, a dead worker's metric files are marked so the scrape stops counting its live gauges. Without
APP_ENV it does not start: the app would take an unset APP_ENV for development and serve its demo
defaults.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 4))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a guard against slow leaks); the jitter keeps them from restarting
# together. A new worker loads the app afresh, about 1.5 s of CPU (no preload: a reload must load
# new code), so the interval is long: every 5,000 requests cost each request 0.3 ms of CPU, a
# fifth of what serving it costs; every 200,000 cost under 10 µs (`python -m bench.recycle`).
max_requests = 200_000
max_requests_jitter = 20_000
backlog = 2048
accesslog = None  # nginx keeps the access log; the app logs JSON lines with request ids
forwarded_allow_ips = "127.0.0.1"
# No control socket (gunicorn 25+ puts one at $HOME/.gunicorn/gunicorn.ctl, one path for every instance
# the user runs, so a second instance on the host takes it over): the unit's signals are the interface.
control_socket_disable = True


def child_exit(server, worker):
    """Tell prometheus_client that this worker's per-process files belong to a dead process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


#: Why the server refuses to start when the environment does not name APP_ENV.
NO_APP_ENV = (
    "APP_ENV is not set: this server configuration is for production, and the app would take an "
    "unset APP_ENV for development (demo keys, SQLite, the built-in WeChat emulator). Set "
    "APP_ENV=production in the service's environment file (docs/deploy.md §6), or "
    "APP_ENV=development to serve the embedded defaults on purpose."
)


def on_starting(server):
    """Refuse to start when APP_ENV is unset (an environment file that lost the line is not served as development)."""
    if not os.environ.get("APP_ENV"):
        raise SystemExit(NO_APP_ENV)
