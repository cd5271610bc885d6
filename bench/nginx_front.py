"""nginx in front of several gunicorn hosts, as production runs it: deploy/nginx.conf with loopback ports.

`front(upstreams)` writes deploy/nginx.conf (through the rehearsal's `nginx_site`, which changes only
its listen addresses, upstream servers and certificate paths) into a temporary prefix with a
self-signed certificate, starts nginx and yields its HTTPS base URL; nginx is stopped on the way out.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench import load
from tools.rehearsal.guide import nginx_site, self_signed_command


def available() -> str | None:
    """Why nginx cannot be put in front here (nginx or openssl missing), or None."""
    missing = [name for name in ("nginx", "openssl") if shutil.which(name, path=_path()) is None]
    return (
        f"{' and '.join(missing)} not installed (Debian: apt-get install {' '.join(missing)})"
        if missing
        else None
    )


def _path() -> str:
    """PATH with the sbin directories, where Debian puts nginx."""
    return os.environ.get("PATH", "") + os.pathsep + "/usr/sbin" + os.pathsep + "/sbin"


@contextmanager
def front(upstreams: list[str]) -> Iterator[str]:
    """nginx by deploy/nginx.conf on loopback ports, passing to `upstreams` (host:port); its https:// URL."""
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    prefix.chmod(0o755)
    process = None
    try:
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / temp).mkdir()
            (prefix / temp).chmod(0o777)  # nginx's workers may run as an unprivileged user
        certificate, key = prefix / "fullchain.pem", prefix / "privkey.pem"
        subprocess.run(
            self_signed_command(certificate, key),
            check=True,
            capture_output=True,
        )
        http_port, https_port = load.free_port(), load.free_port()
        (prefix / "site.conf").write_text(nginx_site(http_port, https_port, upstreams, certificate, key))
        main = prefix / "nginx.conf"
        main.write_text(
            f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
            f"events {{ worker_connections 4096; }}\nhttp {{\n    access_log off;\n"
            + "".join(
                f"    {temp}_temp_path {prefix}/{temp};\n" for temp in ("proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    client_body_temp_path {prefix}/body;\n    include {prefix}/site.conf;\n}}\n"
        )
        nginx = shutil.which("nginx", path=_path()) or "nginx"
        base = [nginx, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
        subprocess.run([*base, "-t"], check=True, capture_output=True)
        process = subprocess.Popen(
            [*base, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"https://127.0.0.1:{https_port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "/healthz", verify=str(certificate), timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(
                    f"nginx did not pass /healthz on: {(prefix / 'error.log').read_text()[-800:]}"
                )
            time.sleep(0.2)
        yield url
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        shutil.rmtree(prefix, ignore_errors=True)
