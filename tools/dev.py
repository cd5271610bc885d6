#!/usr/bin/env python3
"""The two commands: `python3 tools/dev.py serve` runs the service; `python3 tools/dev.py test` runs every test.

Also `python3 tools/dev.py audit [--strict]`: the pinned packages against the vulnerability database
(pip-audit); `test` runs it too, failing on any known vulnerability. And `python3 tools/dev.py
rehearse [--keep]`: the rehearsal of docs/deploy.md (tools/rehearsal/), which `test` runs last.

Needs only Python 3.11+: it makes a virtual environment in .venv and installs the pinned
requirements into it (again only when a requirements file changed).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def say(message: str) -> None:
    """Print a progress line."""
    print(f"==> {message}", flush=True)


def run(*args, env=None, check=True, cwd=ROOT) -> int:
    """Run a command in the project, echoing it."""
    print("$ " + " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], env=env, cwd=cwd, check=check).returncode


def ensure_venv(requirements: str) -> None:
    """Create .venv and install the requirements when they changed since the last install."""
    if sys.version_info < (3, 11):  # noqa: UP036 - say it plainly to someone on an older Python
        sys.exit("Python 3.11 or newer is needed.")
    if not PY.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / "requirements.txt", ROOT / requirements, ROOT / "constraints.txt"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing {requirements}")
    run(
        PY,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        ROOT / requirements,
        "-c",
        ROOT / "constraints.txt",
    )
    stamp.write_text(digest)


def flask(*args, env=None, check=True) -> int:
    """Run `flask --app wsgi …` inside the virtual environment."""
    return run(PY, "-m", "flask", "--app", "wsgi", *args, env=env, check=check)


def port_open(host: str, port: int) -> bool:
    """True when something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def serve() -> None:
    """Set up and run the service on the embedded defaults with demo data."""
    ensure_venv("requirements.txt")
    env = dict(os.environ, APP_ENV=os.environ.get("APP_ENV", "development"))
    port = env.get("PORT", "5000")
    env.setdefault("WECHAT_API_BASE", f"http://127.0.0.1:{port}/_wechat/")
    (ROOT / "instance").mkdir(exist_ok=True)
    flask("i18n", "compile", env=env)
    flask("db", "upgrade", env=env)
    flask("seed-demo", "--if-empty", env=env)
    flask("admin", "demo", env=env)
    say("starting")
    print(
        f"\n  Mini-program API   http://127.0.0.1:{port}/api/v1/locales\n"
        f"  Admin console      http://127.0.0.1:{port}/admin/\n"
        f"  Preview (browser)  http://127.0.0.1:{port}/_preview/  (the mini program at phone size)\n"
        f"  WeChat emulator    http://127.0.0.1:{port}/_wechat/\n"
        f"  Health             http://127.0.0.1:{port}/readyz\n",
        flush=True,
    )
    os.execve(PY, [str(PY), "-m", "flask", "--app", "wsgi", "run", "--port", port, "--with-threads"], env)


#: The `calendar` tests run again with the clock frozen at these instants (ticking on from there;
#: TEST_CLOCK, tests/conftest.py), on a machine in zone TZ: either side of midnight in Shanghai
#: (the users' day) and in UTC, the turn of the year, 29 February, and machines in zones that are
#: neither. (TEST_CLOCK, TZ, what it is)
CLOCK_EDGES = (
    ("2026-12-31T23:30:00+08:00", "UTC", "23:30 on 31 December in Shanghai"),
    ("2027-01-01T00:30:00+08:00", "UTC", "00:30 on 1 January in Shanghai, still 31 December in UTC"),
    ("2028-02-28T15:59:00+00:00", "UTC", "15:59 UTC, 23:59 on 28 February in Shanghai"),
    ("2028-02-28T16:01:00+00:00", "UTC", "16:01 UTC, 29 February (a leap day) has begun in Shanghai"),
    (
        "2028-02-29T12:00:00+08:00",
        "America/Los_Angeles",
        "noon on 29 February in Shanghai, 28 February in Los Angeles",
    ),
    ("2027-01-01T00:30:00+05:30", "Asia/Kolkata", "00:30 on 1 January in Kolkata, still 31 December in UTC"),
)
#: The edge that also runs on real MariaDB and Redis: the users' date ahead of the machine's.
REAL_BACKEND_EDGE = CLOCK_EDGES[1]


def pytest_run(*args, env) -> None:
    """Run pytest; a selection that holds no test (exit status 5) is not a failure."""
    code = run(PY, "-m", "pytest", "-p", "no:cacheprovider", *args, env=env, check=False)
    if code not in (0, 5):
        sys.exit(code)


def calendar_modules() -> list[str]:
    """The test modules that mark tests `calendar` (collecting only them saves most of a run's start)."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "mark.calendar" in path.read_text(encoding="utf-8")
    )


def clock_edges(env: dict, edges=CLOCK_EDGES) -> None:
    """The `calendar` tests at each edge instant, in each machine zone."""
    targets = sys.argv[2:] or calendar_modules()
    for instant, zone, what in edges:
        say(f"calendar tests at {what}: TEST_CLOCK={instant} TZ={zone}")
        pytest_run("-q", "-m", "calendar", *targets, env=dict(env, TEST_CLOCK=instant, TZ=zone))


def real_backends() -> dict | None:
    """TEST_DATABASE_URL/TEST_REDIS_URL from the environment, or the local services if they run."""
    db_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not db_url and port_open("127.0.0.1", 3306):
        db_url = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
    if not redis_url and port_open("127.0.0.1", 6379):
        redis_url = "redis://127.0.0.1:6379/15"
    if db_url and redis_url:
        return {"TEST_DATABASE_URL": db_url, "TEST_REDIS_URL": redis_url}
    return None


def test() -> None:
    """Install, lint, check catalogs, then run the suite on embedded and real backends."""
    ensure_venv("requirements-dev.txt")
    in_ci = os.environ.get("CI") == "true"
    env = dict(os.environ, APP_ENV="testing", PYTHONDONTWRITEBYTECODE="1")
    env.pop("TEST_DATABASE_URL", None)
    env.pop("TEST_REDIS_URL", None)
    say("lint")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "lint-imports", "--no-cache")
    say("types: mypy (pyproject.toml [tool.mypy]: strict for app/i18n, app/wechat, app/web)")
    run(BIN / "mypy")
    audit(strict=False)
    say("catalogs")
    flask("i18n", "compile", env=env)
    flask("i18n", "pseudo", env=env)
    flask("i18n", "check", env=env)
    say("content: every fact has a source")
    flask("content", "check", env=env)
    say("tests on the embedded defaults (SQLite, Redis stand-in), measuring coverage")
    run(PY, "-m", "pytest", "-p", "no:cacheprovider", "--cov", "--cov-report=", *sys.argv[2:], env=env)
    coverage_report(floor=not sys.argv[2:])
    clock_edges(env)
    backends = real_backends()
    if backends is None:
        message = "real MariaDB/Redis not reachable (set TEST_DATABASE_URL and TEST_REDIS_URL)"
        if in_ci:
            sys.exit(f"FAILED: {message}; CI must run the real-backend pass")
        say(f"SKIPPED the real-backend pass: {message}")
    else:
        say(f"tests on real backends: {backends['TEST_DATABASE_URL']} and {backends['TEST_REDIS_URL']}")
        run(PY, "-m", "pytest", "-p", "no:cacheprovider", *sys.argv[2:], env=dict(env, **backends))
        clock_edges(dict(env, **backends), [REAL_BACKEND_EDGE])
    stub = ROOT / "miniprogram_stub"
    if (stub / "tests").exists():
        if shutil.which("node") and shutil.which("npm"):
            ensure_node_modules(stub)
            say(
                "mini-program stub: ESLint, its WXML rendered by WeChat's test framework, node tests (npm test)"
            )
            run("npm", "test", cwd=stub)
        elif in_ci:
            sys.exit("FAILED: node and npm are needed for the mini-program stub tests")
        else:
            say("SKIPPED the mini-program stub tests: node or npm is not installed")
    rehearse([])
    say("all tests passed")


#: Lines of the coverage report shown: the least covered modules (the full table: `coverage report`).
COVERAGE_ROWS = 10


def coverage_report(floor: bool) -> None:
    """The embedded pass's line coverage of app/: the least covered modules and the total.

    Fails under `fail_under` (pyproject.toml) when the whole suite ran; a selection only prints.
    """
    say("coverage of app/ on the embedded pass")
    command = [str(PY), "-m", "coverage", "report", "--sort=cover", "--skip-covered"]
    if not floor:
        command.append("--fail-under=0")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    lines = result.stdout.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("---")]
    if len(rules) < 2:
        print(result.stdout + result.stderr, flush=True)
    else:
        rows = lines[rules[0] + 1 : rules[1]]
        shown = lines[: rules[0] + 1] + rows[:COVERAGE_ROWS]
        if len(rows) > COVERAGE_ROWS:
            shown.append(f"… {len(rows) - COVERAGE_ROWS} more below 100% (`.venv/bin/coverage report`)")
        print("\n".join(shown + lines[rules[1] :]), flush=True)
    if result.returncode != 0:
        sys.exit("FAILED: coverage fell below the floor (fail_under in pyproject.toml)")


def ensure_node_modules(folder: Path) -> None:
    """`npm ci` in `folder` when node_modules is missing or package-lock.json changed since the last install."""
    lock = folder / "package-lock.json"
    stamp = folder / "node_modules" / ".installed-lock"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing the pinned npm packages of {folder.name} (npm ci)")
    run("npm", "ci", "--no-audit", "--no-fund", cwd=folder)
    stamp.write_text(digest)


def rehearse(options: list[str]) -> None:
    """Deploy by docs/deploy.md on this machine and check it from outside (skips where a part is missing)."""
    ensure_venv("requirements-dev.txt")
    say("rehearsal of docs/deploy.md (tools/rehearsal)")
    status = run(PY, "-m", "tools.rehearsal", *options, check=False)
    if status == 3:
        say("SKIPPED the deploy-guide rehearsal (see above for what is missing)")
    elif status != 0:
        sys.exit("FAILED: the deploy-guide rehearsal")


def audit(strict: bool) -> None:
    """Every pinned package against PyPI's vulnerability data: exit on a known vulnerability.

    Where the database cannot answer for a package (no network, a mirror without PyPI's JSON API),
    the package is named as not audited: that fails only with --strict.
    """
    ensure_venv("requirements-dev.txt")
    say("vulnerability audit of the pinned packages (pip-audit)")
    command = [
        str(BIN / "pip-audit"),
        "-r",
        str(ROOT / "constraints.txt"),
        "--disable-pip",
        "--no-deps",
        "--progress-spinner",
        "off",
        "--format",
        "json",
    ]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        report = json.loads(result.stdout)["dependencies"]
    except subprocess.TimeoutExpired:
        report, why = None, "no answer in 600 s"
    except (ValueError, KeyError):  # no report at all: the database could not be reached (offline)
        lines = result.stderr.strip().splitlines()
        report, why = None, (lines[-1][:300] if lines else f"pip-audit exited {result.returncode}")
    if report is None:
        if strict:
            sys.exit(f"FAILED: the vulnerability database could not be reached ({why})")
        say(f"SKIPPED the vulnerability audit: the database could not be reached ({why})")
        return
    vulnerable = [dep for dep in report if dep.get("vulns")]
    unaudited = [dep["name"] for dep in report if "skip_reason" in dep]
    for dep in vulnerable:
        ids = ", ".join(vuln["id"] for vuln in dep["vulns"])
        print(f"  {dep['name']} {dep.get('version', '')}: {ids}", flush=True)
    print(
        f"  {len(report)} packages: {len(report) - len(unaudited) - len(vulnerable)} clean, "
        f"{len(vulnerable)} vulnerable, {len(unaudited)} not audited",
        flush=True,
    )
    if unaudited:
        more = " …" if len(unaudited) > 8 else ""
        print(
            f"  not audited (the vulnerability database did not answer for them): "
            f"{', '.join(unaudited[:8])}{more}",
            flush=True,
        )
    if vulnerable:
        sys.exit("FAILED: pinned packages with known vulnerabilities")
    if strict and unaudited:
        sys.exit("FAILED: some packages could not be audited (--strict)")


def main() -> None:
    """Dispatch `serve`, `test`, `audit` or `rehearse`."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        serve()
    elif command == "test":
        test()
    elif command == "audit":
        audit(strict="--strict" in sys.argv[2:])
    elif command == "rehearse":
        rehearse(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
