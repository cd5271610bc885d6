"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Sync workers (steady under keep-alive load, see docs/deploy.md), two per core, bound to loopback
behind nginx. With PROMETHEUS_MULTIPROC_DIR set, a dead worker's metric files are marked so the
scrape stops counting its live gauges.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then; the jitter keeps them from restarting together
max_requests_jitter = 500
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
