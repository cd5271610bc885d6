"""`python -m tools.rehearsal [--keep]`: run the rehearsal of docs/deploy.md and print its table.

Exit status: 0 every step held, 1 a step failed, 3 skipped because a part of the machine is missing
(under CI=true a missing part is a failure, status 1).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from . import checks, drills, hosts
from .guide import Guide, GuideError, nginx_site
from .outside import Public, WeChat
from .processes import StepFailed, Supervisor, tail
from .report import Report
from .stack import DbAdmin, Run, Stack, WebInstance, clean_environment

EXIT_SKIPPED = 3
#: The gunicorn hosts behind nginx's upstream, each by the guide's web unit on a port of its own.
WEB_INSTANCES = ("web-a", "web-b")
#: Packages of requirements-dev.txt that must not be in a server's environment.
TEST_PACKAGES = (
    "pytest",
    "ruff",
    "hypothesis",
    "import-linter",
    "playwright",
    "schemathesis",
    "pip-audit",
    "dennis",
    "mypy",
    "pytest-cov",
)
TOOLS = {
    "nginx": "nginx",
    "openssl": "openssl",
    "redis-server": "redis-server",
    "mariadb": "mariadb-client",
    "mysqldump": "mariadb-client",
    "gunzip": "gzip",
    "git": "git",
}


def missing_parts() -> list[str]:
    """What this machine lacks for a rehearsal: programs, and a MariaDB the rehearsal can administer."""
    path = clean_environment()["PATH"]
    missing = [
        f"{tool} (Debian: {package})"
        for tool, package in TOOLS.items()
        if shutil.which(tool, path=path) is None
    ]
    if shutil.which("mariadb"):
        admin = DbAdmin.from_environment()
        probe = subprocess.run(
            [
                "mariadb",
                f"--user={admin.user}",
                f"--host={admin.host}",
                f"--port={admin.port}",
                *([f"--password={admin.password}"] if admin.password else []),
                "-e",
                "SELECT 1",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if probe.returncode != 0:
            missing.append(
                f"a MariaDB to administer at {admin.host}:{admin.port} as {admin.user} "
                f"(REHEARSAL_DB_ADMIN): {probe.stderr.strip()[:200]}"
            )
    return missing


def _terminate(signum, frame):
    """SIGTERM ends the rehearsal the way Ctrl-C does: through its clean-up."""
    raise KeyboardInterrupt


def rehearse(root: Path, report: Report) -> None:
    """Every step, in the guide's order; a failure raises out of it."""
    with report.step("guide") as row:
        guide = Guide.read()
        run = Run(root)
        nginx_site(1, 2, ["127.0.0.1:3"], root / "c", root / "k")  # deploy/nginx.conf still has its anchors
        row.proved = (
            f"docs/deploy.md blocks {', '.join(guide.blocks)}; deploy/nginx.conf templatable; "
            f"run {run.tag} in {root}"
        )
    supervisor = Supervisor(run.root / "logs")
    stack = Stack(run, guide, supervisor)
    try:
        deploy(stack, report)
        context = checks.Context(stack, Public(run, stack.certificate), WeChat(run))
        try:
            for name, step in (
                ("first data (§11)", checks.first_data),
                ("sign-in", checks.sign_in),
                ("WeChat pushes", checks.pushes),
                ("verification journey", checks.journey),
                ("card", checks.card),
                ("QR check", checks.qr_check),
                ("notice", checks.notice),
                ("housekeeping (§7)", checks.housekeeping),
                ("/metrics", checks.metrics),
                ("/readyz", checks.readiness),
                ("two web hosts (§10)", hosts.two_hosts),
                ("reload under load", drills.reload_under_load),
                ("worker killed mid-fan-out", drills.fan_out_kill),
                ("backup and restore", drills.backup_restore),
            ):
                with report.step(name) as row:
                    step(context, row)
        finally:
            context.close()
    finally:
        with report.step("clean-up") as row:
            stopped = supervisor.stop_all()
            dropped = stack.drop_databases()
            row.proved = (
                f"stopped by process id: {', '.join(stopped) or 'nothing left'}; dropped "
                f"{', '.join(dropped) or 'nothing'}"
            )


def deploy(stack: Stack, report: Report) -> None:
    """The release, database, WeChat, environment file, migration, web, workers and nginx by the guide."""
    run = stack.run
    with report.step("release") as row:
        files = stack.copy_release()
        row.proved = f"{files} files of the checkout (tracked and new, none ignored) in {run.release}"
    with report.step("build (§5)") as row:
        lines = stack.build()
        listed = json.loads(stack.sh("build", "pip list --format=json", env=stack.activated))
        names = {package["name"].lower() for package in listed}
        found = [name for name in TEST_PACKAGES if name in names]
        catalogs = len(list((run.release / "translations").glob("*/LC_MESSAGES/*.mo")))
        if found or not catalogs:
            raise StepFailed(
                f"test packages in the server's environment: {found}; {catalogs} compiled catalogs"
            )
        row.proved = f"{' ; '.join(lines)}: {len(names)} packages, none of the test tools; {catalogs} catalogs compiled"
    with report.step("database (§3)") as row:
        statements = stack.create_database()
        row.proved = f"{' '.join(statements)} -- SHOW GRANTS lists exactly these rights".replace(
            run.db_password, "…"
        )
    with report.step("Redis, WeChat, environment") as row:
        stack.start_redis()
        stack.start_emulator()
        environment = run.service_environment()
        run.write_environment_file(environment)
        row.proved = (
            f"redis-server :{run.redis_port} with a password; the emulator :{run.emulator_port} as "
            f"{run.wechat['appid']} / {run.wechat['original_id']} (own token and AES key); env file "
            f"(0640): {', '.join(environment)}"
        )
    if "config-check" in stack.guide.blocks:
        with report.step("config check (§2)") as row:
            row.proved = config_check(stack)
    with report.step("migrate (§3)") as row:
        line = stack.guide.command("migrate", "flask")
        stack.sh("migrate", line, env=stack.service_shell())
        tables = stack.admin_sql(
            f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{run.database}'"
        )
        row.proved = f"`{line}` as the service's account: {tables.strip()} tables"
    with report.step("web unit (§6)") as row:
        stack.web.extend(WebInstance(stack, name) for name in WEB_INSTANCES)
        stack.start_web()
        row.proved = "; ".join(
            f"ExecStartPre, then `{web.unit.one('ExecStart')}` on {web.address}: {len(web.workers())} workers"
            for web in stack.web
        )
        row.proved += "; PROMETHEUS_MULTIPROC_DIR from the unit"
    with report.step("workers (§7)") as row:
        lines = stack.start_workers()
        row.proved = " and ".join(f"`{line}`" for line in lines) + ": both on queue 'ssc'"
    with report.step("nginx") as row:
        stack.certificate = stack.start_nginx()
        row.proved = (
            f"deploy/nginx.conf on 127.0.0.1:{run.https_port} (HTTPS, self-signed certificate made "
            f"with openssl) and :{run.http_port}, upstream {', '.join(w.address for w in stack.web)}; "
            f"nginx -t passed"
        )


def config_check(stack: Stack) -> str:
    """The guide's `config check` passes on the environment file, and fails naming WECHAT_TOKEN without it."""
    line = stack.guide.command("config-check", "flask")
    output = stack.sh("config-check", line, env=stack.service_shell())
    without = {key: value for key, value in stack.service_shell().items() if key != "WECHAT_TOKEN"}
    try:
        refused = stack.sh("config-check", line, env=without)
    except StepFailed as failure:
        refused = str(failure)
    else:
        raise StepFailed(f"`{line}` passed without WECHAT_TOKEN: {_verdict(refused)}")
    if "WECHAT_TOKEN" not in refused or not _verdict(output).startswith("verdict: ready"):
        raise StepFailed(f"`{line}`: {_verdict(output)}; without WECHAT_TOKEN: {refused[-300:]}")
    warnings = (
        [
            text.strip(" -")
            for text in output.split("warnings", 1)[-1].splitlines()[1:]
            if text.startswith("  - ")
        ]
        if "warnings" in output
        else []
    )
    return (
        f"`{line}` with the environment file: {_verdict(output)}"
        + (f" ({'; '.join(warnings)})" if warnings else "")
        + "; without WECHAT_TOKEN it exits 1 naming it"
    )


def _verdict(output: str) -> str:
    """The `verdict:` line of `flask config check`."""
    return next((text.strip() for text in output.splitlines() if text.startswith("verdict:")), output[-200:])


def main(argv: list[str] | None = None) -> int:
    """Check the machine, run the rehearsal in a new directory, print the table; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tools.rehearsal", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's directory (logs, configs) afterwards"
    )
    options = parser.parse_args(argv)
    missing = missing_parts()
    if missing:
        message = "the deploy-guide rehearsal needs " + "; ".join(missing)
        if os.environ.get("CI") == "true":
            print(f"FAILED: {message} (.ci/run installs them)", flush=True)
            return 1
        print(f"SKIPPED: {message}", flush=True)
        return EXIT_SKIPPED
    signal.signal(signal.SIGTERM, _terminate)
    root = Path(tempfile.mkdtemp(prefix="ssc-rehearsal-"))
    report = Report()
    failed = False
    try:
        rehearse(root, report)
    except (StepFailed, GuideError, KeyboardInterrupt, Exception) as error:  # noqa: BLE001 - reported below
        failed = True
        print(f"rehearsal stopped: {type(error).__name__}: {str(error)[:2000]}", flush=True)
        for log in sorted((root / "logs").glob("*.log")):
            print(f"--- {log.name} (end) ---\n{tail(log.read_text(errors='replace'), 15)}", flush=True)
    print("\n" + report.table(), flush=True)
    if options.keep or failed:
        print(f"the run's files: {root}", flush=True)
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed or not report.passed else 0


if __name__ == "__main__":
    sys.exit(main())
