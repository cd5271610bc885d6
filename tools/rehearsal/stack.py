"""The deployment the rehearsal builds by docs/deploy.md: release, database, Redis, WeChat, web, workers, nginx.

One `Run` holds the names, ports and secrets of a rehearsal; each part is started from the guide's
blocks and stopped by the `Supervisor`. The web tier is a list of `WebInstance`s behind nginx's
upstream, so a second gunicorn host is one more instance in `Stack.web`.
"""

from __future__ import annotations

import base64
import os
import secrets
import shlex
import socket
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .guide import ROOT, Guide, database_block, nginx_site, self_signed_command, web_unit
from .processes import StepFailed, Supervisor, alive, children, wait_for

DB_HOST = "127.0.0.1"


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind((DB_HOST, 0))
        return sock.getsockname()[1]


def _alnum(length: int) -> str:
    """A random string of letters and digits (safe in URLs, SQL literals and env files)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _encoding_aes_key() -> str:
    """A WeChat EncodingAESKey: 43 letters and digits, the base64 of 32 bytes without its '='."""
    while True:
        key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
        if key.isalnum():
            return key


@dataclass(frozen=True)
class DbAdmin:
    """How the rehearsal reaches MariaDB as its administrator (REHEARSAL_DB_ADMIN=user[:password]@host:port)."""

    user: str = "root"
    password: str = ""
    host: str = "127.0.0.1"
    port: int = 3306

    @classmethod
    def from_environment(cls) -> DbAdmin:
        """Parse REHEARSAL_DB_ADMIN, defaulting to root with no password on 127.0.0.1:3306."""
        spec = os.environ.get("REHEARSAL_DB_ADMIN", "")
        if not spec:
            return cls()
        credentials, _, address = spec.rpartition("@")
        user, _, password = credentials.partition(":")
        host, _, port = address.partition(":")
        return cls(user or "root", password, host or "127.0.0.1", int(port or 3306))

    def option_file(self) -> str:
        """A ~/.my.cnf for the client tools (mariadb, mysqldump)."""
        lines = ["[client]", f"user={self.user}", f"host={self.host}", f"port={self.port}"]
        if self.password:
            lines.append(f"password={self.password}")
        return "\n".join(lines) + "\n"


@dataclass
class Run:
    """Names, ports, paths and secrets of one rehearsal."""

    root: Path
    admin: DbAdmin = field(default_factory=DbAdmin.from_environment)
    tag: str = field(default_factory=lambda: secrets.token_hex(3))

    def __post_init__(self):
        for name in ("release", "etc", "run", "logs", "home", "backups", "nginx", "redis"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        self.database = f"ssc_rehearsal_{self.tag}"
        self.restore_database = f"ssc_rehearsal_{self.tag}_restore"
        self.db_user = f"ssc_rh_{self.tag}"
        self.db_password = _alnum(24)
        self.redis_port = free_port()
        self.redis_password = _alnum(24)
        self.emulator_port = free_port()
        self.http_port = free_port()
        self.https_port = free_port()
        self.wechat = {
            "appid": "wx" + secrets.token_hex(8),
            "secret": secrets.token_hex(16),
            "token": _alnum(32),
            "aes_key": _encoding_aes_key(),
            "original_id": "gh_" + secrets.token_hex(6),
        }
        self.metrics_token = secrets.token_urlsafe(32)
        self.secret_key = secrets.token_urlsafe(48)
        self.pii_key = base64.b64encode(os.urandom(32)).decode()
        (self.root / "home" / ".my.cnf").write_text(self.admin.option_file())
        (self.root / "home" / ".my.cnf").chmod(0o600)

    @property
    def release(self) -> Path:
        """The release directory (the guide's /srv/ssc-bridge)."""
        return self.root / "release"

    @property
    def base_url(self) -> str:
        """The public address: nginx over HTTPS."""
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def emulator_url(self) -> str:
        """WeChat, as the emulator serves it."""
        return f"http://127.0.0.1:{self.emulator_port}/"

    def database_url(self, database: str | None = None) -> str:
        """The service's DATABASE_URL (its own account)."""
        return (
            f"mysql+pymysql://{self.db_user}:{self.db_password}@{DB_HOST}:{self.admin.port}/"
            f"{database or self.database}?charset=utf8mb4"
        )

    def redis_url(self, db: int = 0) -> str:
        """The service's REDIS_URL."""
        return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/{db}"

    def service_environment(self, database: str | None = None, redis_db: int = 0) -> dict[str, str]:
        """Every variable of the guide's §2 that production needs, as the environment file holds them."""
        return {
            "APP_ENV": "production",
            "SECRET_KEY": self.secret_key,
            "PII_KEY": self.pii_key,
            "DATABASE_URL": self.database_url(database),
            "REDIS_URL": self.redis_url(redis_db),
            "WECHAT_APPID": self.wechat["appid"],
            "WECHAT_SECRET": self.wechat["secret"],
            "WECHAT_TOKEN": self.wechat["token"],
            "WECHAT_AES_KEY": self.wechat["aes_key"],
            "WECHAT_ORIGINAL_ID": self.wechat["original_id"],
            "WECHAT_API_BASE": self.emulator_url,
            "PROXY_HOPS": "1",
            "METRICS_TOKEN": self.metrics_token,
            "LOG_LEVEL": "INFO",
            "DEFAULT_LOCALE": "en",
        }

    def write_environment_file(self, values: dict[str, str]) -> Path:
        """The guide's /etc/ssc-bridge/env: NAME=value lines, written by its owner, read by its group."""
        path = self.root / "etc" / "env"
        path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
        path.chmod(0o640)
        return path


def read_environment_file(path: Path) -> dict[str, str]:
    """What `set -a; . FILE` (or systemd's EnvironmentFile=) gives for plain NAME=value lines."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def clean_environment() -> dict[str, str]:
    """An operator's shell: PATH (without this checkout's .venv), HOME, locale and pip's own settings."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER", "LOGNAME") or key.startswith("PIP_")
    }
    venv_bin = str(ROOT / ".venv")
    path = [
        entry
        for entry in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
        if not entry.startswith(venv_bin) and entry != os.environ.get("VIRTUAL_ENV", "\0") + "/bin"
    ]
    path += [entry for entry in ("/usr/local/sbin", "/usr/sbin", "/sbin") if entry not in path]  # nginx
    keep["PATH"] = os.pathsep.join(path)
    keep.setdefault("LANG", "C.UTF-8")
    return keep


class Stack:
    """The parts of one deployment, started from the guide's blocks."""

    def __init__(self, run: Run, guide: Guide, supervisor: Supervisor):
        self.run, self.guide, self.supervisor = run, guide, supervisor
        self.shell = clean_environment()
        self.activated: dict[str, str] | None = None
        self.redis: subprocess.Popen | None = None
        self.emulator: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.certificate: str | None = None
        self.web: list[WebInstance] = []
        self.workers: list[tuple[str, subprocess.Popen]] = []
        self.created_databases: list[str] = []
        self.created_user = False

    # -- commands as the operator types them ------------------------------------------------------------

    def sh(
        self,
        name: str,
        line: str,
        *,
        env: dict | None = None,
        cwd: Path | None = None,
        stdin: str | None = None,
        timeout: float = 600,
    ) -> str:
        """One command line of the guide, run by /bin/sh as the operator's shell would."""
        return self.supervisor.run(
            name,
            ["/bin/sh", "-c", line],
            env=env or self.shell,
            cwd=cwd or self.run.release,
            stdin=stdin,
            timeout=timeout,
        )

    def admin_shell(self) -> dict[str, str]:
        """The database administrator's shell: its ~/.my.cnf names the server and account."""
        return {**self.shell, "HOME": str(self.run.root / "home")}

    def service_shell(self) -> dict[str, str]:
        """The release's environment active and the environment file loaded (`set -a; . env`)."""
        if self.activated is None:
            raise StepFailed("the release's virtual environment is not built yet")
        return {**self.activated, **read_environment_file(self.run.root / "etc" / "env")}

    def admin_sql(self, statement: str) -> str:
        """A statement as the database administrator (the `mariadb` client)."""
        return self.sh(
            "mariadb-admin",
            f"mariadb --batch --skip-column-names -e {shlex.quote(statement)}",
            env=self.admin_shell(),
            cwd=self.run.root,
        )

    # -- release ----------------------------------------------------------------------------------------

    def copy_release(self) -> int:
        """The checkout's files (tracked and new, nothing ignored) into the release directory, as a checkout."""
        listing = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
        ).stdout
        count = 0
        for name in filter(None, listing.decode().split("\0")):
            source = ROOT / name
            if not source.is_file():
                continue  # deleted in the working tree
            target = self.run.release / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode & 0o777)
            count += 1
        return count

    def build(self) -> list[str]:
        """The guide's `build` block in the release directory; the lines run."""
        env = dict(self.shell)
        done = []
        for line in self.guide.commands("build"):
            if line.startswith(". ") and line.endswith("/activate"):
                venv = self.run.release / line.split()[1].rsplit("/bin/activate", 1)[0]
                env = {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}
            else:
                self.sh("build", line, env=env, timeout=900)
            done.append(line)
        self.activated = env
        return done

    # -- database ---------------------------------------------------------------------------------------

    def create_database(self) -> list[str]:
        """§3's statements with the run's names; then SHOW GRANTS must list exactly the guide's rights."""
        block = database_block(self.guide)
        statements = block.for_run(self.run.database, self.run.db_user, DB_HOST, self.run.db_password)
        self.created_databases.append(self.run.database)
        self.created_user = True
        self.admin_sql(" ".join(statements))
        grants = self.admin_sql(f"SHOW GRANTS FOR '{self.run.db_user}'@'{DB_HOST}'").splitlines()
        on_database = [line for line in grants if f"ON `{self.run.database}`.*" in line]
        elsewhere = [
            line for line in grants if line not in on_database and not line.startswith("GRANT USAGE ON *.*")
        ]
        granted = set()
        for line in on_database:
            granted |= {word.strip() for word in line.split("GRANT ", 1)[1].split(" ON ", 1)[0].split(",")}
        if granted != set(block.privileges) or elsewhere:
            raise StepFailed(f"the account's grants are not the guide's: {grants}")
        return statements

    def drop_databases(self) -> list[str]:
        """Drop what the rehearsal created in MariaDB; what was dropped."""
        dropped = []
        for database in self.created_databases:
            self.admin_sql(f"DROP DATABASE IF EXISTS `{database}`")
            dropped.append(database)
        if self.created_user:
            self.admin_sql(f"DROP USER IF EXISTS '{self.run.db_user}'@'{DB_HOST}'")
            dropped.append(f"user {self.run.db_user}")
        self.created_databases.clear()
        self.created_user = False
        return dropped

    # -- services ---------------------------------------------------------------------------------------

    def start_redis(self) -> None:
        """A Redis of the run's own, with a password, keeping nothing on disk."""
        self.redis = self.supervisor.start(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.run.redis_port),
                "--requirepass",
                self.run.redis_password,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.run.root / "redis"),
            ],
            env=self.shell,
            cwd=self.run.root,
        )
        import redis

        client = redis.Redis.from_url(self.run.redis_url())
        try:
            wait_for(client.ping, "Redis answering", timeout=20)
        finally:
            client.close()

    def start_emulator(self) -> None:
        """WeChat: the emulator as a separate process with the run's mini program identity."""
        wechat = self.run.wechat
        python = str(self.run.release / ".venv" / "bin" / "python")
        self.emulator = self.supervisor.start(
            "wechat-emulator",
            [
                python,
                "-m",
                "app.wechat_emulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.run.emulator_port),
                "--appid",
                wechat["appid"],
                "--secret",
                wechat["secret"],
                "--token",
                wechat["token"],
                "--aes-key",
                wechat["aes_key"],
                "--original-id",
                wechat["original_id"],
                "--callback",
                f"{self.run.base_url}/wechat/callback",
            ],
            env=self.shell,
            cwd=self.run.release,
        )
        wait_for(lambda: requests.get(self.run.emulator_url, timeout=2).ok, "the WeChat emulator answering")

    def start_web(self) -> None:
        """Every web instance by the guide's unit."""
        for instance in self.web:
            instance.start()

    def stop_web(self) -> None:
        """Stop the web instances (systemctl stop)."""
        for instance in self.web:
            instance.stop()

    def start_workers(self) -> list[str]:
        """The guide's `workers` block: each line a worker process."""
        lines = self.guide.commands("workers")
        for number, line in enumerate(lines, start=1):
            self.start_worker(f"worker-{number}", line)
        return lines

    def start_worker(self, name: str, line: str) -> subprocess.Popen:
        """One worker command line, with the service's environment (as its unit would run it)."""
        process = self.supervisor.start(
            name, shlex.split(line), env=self.service_shell(), cwd=self.run.release
        )
        self.workers = [(n, p) for n, p in self.workers if n != name] + [(name, process)]
        log = self.supervisor.log_path(name)
        wait_for(
            lambda: (
                process.poll() is None
                and "worker" in log.read_text(errors="replace")
                and " on queue " in log.read_text(errors="replace")
            ),
            f"{name} listening on its queue",
            timeout=60,
        )
        if process.poll() is not None:
            raise StepFailed(f"{name} exited at start")
        return process

    def stop_workers(self) -> None:
        """Stop the worker processes (warm shutdown on SIGTERM)."""
        for _name, process in self.workers:
            self.supervisor.stop(process, timeout=30)
        self.workers = []

    def start_nginx(self) -> str:
        """deploy/nginx.conf (ports, upstream and certificate templated) in a main config of the run's own."""
        prefix = self.run.root / "nginx"
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / temp).mkdir(exist_ok=True)
            (prefix / temp).chmod(0o777)  # nginx's workers may run as an unprivileged user
        self.run.root.chmod(0o755)
        certificate, key = prefix / "fullchain.pem", prefix / "privkey.pem"
        self.supervisor.run(
            "openssl",
            self_signed_command(certificate, key),
            env=self.shell,
            cwd=prefix,
        )
        key.chmod(0o600)
        site = nginx_site(
            self.run.http_port, self.run.https_port, [w.address for w in self.web], certificate, key
        )
        (prefix / "ssc-bridge.conf").write_text(site)
        main = prefix / "nginx.conf"
        main.write_text(f"""worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/ssc-bridge.conf;
}}
""")
        base = ["nginx", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
        self.supervisor.run("nginx-test", [*base, "-t"], env=self.shell, cwd=prefix)
        self.nginx = self.supervisor.start("nginx", [*base, "-g", "daemon off;"], env=self.shell, cwd=prefix)
        wait_for(
            lambda: requests.get(self.run.base_url + "/healthz", verify=str(certificate), timeout=2).ok,
            "nginx passing /healthz to gunicorn over HTTPS",
        )
        return str(certificate)


class WebInstance:
    """One gunicorn host: the guide's web unit (ExecStartPre, ExecStart, ExecReload) on its own port."""

    def __init__(self, stack: Stack, name: str = "web"):
        self.stack, self.name = stack, name
        self.port = free_port()
        run = stack.run
        # The guide's release, configuration and runtime directories, where this run keeps them.
        self.runtime = run.root / "run" / name
        self.unit = web_unit(
            stack.guide,
            {
                "/srv/ssc-bridge": str(run.release),
                "/etc/ssc-bridge": str(run.root / "etc"),
                "/run/ssc-bridge": str(self.runtime),
            },
        )
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        """host:port of its gunicorn, for nginx's upstream."""
        return f"127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """EnvironmentFile=, Environment= and the listen address (GUNICORN_BIND of deploy/gunicorn.conf.py)."""
        env = {**self.stack.activated, **read_environment_file(Path(self.unit.one("EnvironmentFile")))}
        env.update(self.unit.environment())
        env["GUNICORN_BIND"] = self.address
        return env

    def start(self) -> None:
        """RuntimeDirectory=, ExecStartPre=, then ExecStart= until gunicorn answers /healthz."""
        # RuntimeDirectory=ssc-bridge/metrics is /run/ssc-bridge/metrics.
        runtime = self.runtime / self.unit.one("RuntimeDirectory").split("/", 1)[1]
        runtime.mkdir(parents=True, exist_ok=True)
        workdir = Path(self.unit.one("WorkingDirectory"))
        env = self.environment()
        for line in self.unit.settings.get("ExecStartPre", []):
            self.stack.supervisor.run(f"{self.name}-pre", shlex.split(line), env=env, cwd=workdir)
        self.process = self.stack.supervisor.start(
            self.name, shlex.split(self.unit.one("ExecStart")), env=env, cwd=workdir
        )
        wait_for(
            lambda: (
                self.process.poll() is None and requests.get(f"http://{self.address}/healthz", timeout=2).ok
            ),
            f"{self.name}: gunicorn answering on {self.address}",
            timeout=60,
        )

    def reload(self) -> str:
        """ExecReload= with $MAINPID: the graceful reload; the command run."""
        line = self.unit.one("ExecReload").replace("$MAINPID", str(self.process.pid))
        self.stack.supervisor.run(
            f"{self.name}-reload", shlex.split(line), env=self.stack.shell, cwd=self.stack.run.root
        )
        return line

    def workers(self) -> list[int]:
        """The ids of gunicorn's worker processes."""
        return children(self.process.pid)

    def stop(self) -> None:
        """systemctl stop: SIGTERM to gunicorn's master (graceful), then whatever is left."""
        if self.process is not None:
            self.stack.supervisor.stop(self.process, timeout=30)
            self.process = None


__all__ = ["DbAdmin", "Run", "Stack", "StepFailed", "WebInstance", "alive"]
