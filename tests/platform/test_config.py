"""Every variable the code reads is documented (docs/deploy.md §2, .env.example); `flask config check`."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from app import config as config_module
from app import create_app
from app.config import PROJECT_ROOT, load_config

CONFIG_SOURCE = PROJECT_ROOT / "app" / "config.py"
GUIDE = PROJECT_ROOT / "docs" / "deploy.md"
EXAMPLE = PROJECT_ROOT / ".env.example"
#: Read by libraries the service runs, not by its code: prometheus_client and requests (WeChat's API).
READ_BY_LIBRARIES = {"PROMETHEUS_MULTIPROC_DIR", "HTTPS_PROXY", "NO_PROXY"}
_NAME = re.compile(r"[A-Z][A-Z0-9_]+")


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` or a bare `environ`."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def variables_read(path: Path, readers: tuple[str, ...] = ()) -> set[str]:
    """Names passed as string literals to os.environ.get/[]/getenv, or as the first argument of `readers`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        literal = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if (
                (called == "get" and _is_environ(getattr(function, "value", None)))
                or called == "getenv"
                or called in readers
            ):
                literal = node.args[0].value
        elif (
            isinstance(node, ast.Subscript)
            and _is_environ(node.value)
            and isinstance(node.slice, ast.Constant)
        ):
            literal = node.slice.value
        if isinstance(literal, str) and _NAME.fullmatch(literal):
            names.add(literal)
    return names


def reads_the_environment(path: Path) -> bool:
    """Whether a module touches os.environ or os.getenv at all (a WSGI `environ` parameter is not that)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "environb", "putenv")
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and {alias.name for alias in node.names} & {"environ", "getenv"}
        ):
            return True
    return False


def config_variables() -> set[str]:
    """The settings app/config.py reads, found in its source."""
    return variables_read(CONFIG_SOURCE, readers=("_env", "Variable"))


def deploy_variables() -> set[str]:
    """What deploy/*.py and wsgi.py read from the environment."""
    paths = [*sorted((PROJECT_ROOT / "deploy").glob("*.py")), PROJECT_ROOT / "wsgi.py"]
    return set().union(*(variables_read(path) for path in paths))


def guide_table() -> dict[str, str]:
    """docs/deploy.md §2's table: variable -> its `required` column."""
    section = GUIDE.read_text(encoding="utf-8").split("## 2. Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for match in re.finditer(r"^\| ((?:`[A-Z0-9_]+`(?:, )?)+) \| ([^|]+) \|", section, re.M):
        for name in re.findall(r"`([A-Z0-9_]+)`", match.group(1)):
            rows[name] = match.group(2).strip()
    return rows


def example_values() -> dict[str, str | None]:
    """.env.example: variable -> its value (None when the line is commented out)."""
    values = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(# ?)?([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            values[match.group(2)] = None if match.group(1) else match.group(3)
    return values


def test_the_extraction_finds_what_config_reads():
    found = config_variables()
    assert {"APP_ENV", "SECRET_KEY", "PII_KEY", "WECHAT_TOKEN", "WECHAT_ORIGINAL_ID", "PROXY_HOPS"} <= found
    assert {"GUNICORN_BIND", "GUNICORN_WORKERS", "PROMETHEUS_MULTIPROC_DIR"} <= deploy_variables()


class RecordingEnviron(dict):
    """os.environ that remembers every name looked up."""

    def __init__(self, values):
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_every_variable_config_reads_at_run_time_is_one_the_extraction_finds(monkeypatch, env):
    """The static list is complete: loading each environment looks up no other name."""
    recorder = RecordingEnviron({"APP_ENV": env})
    monkeypatch.setattr(os, "environ", recorder)
    try:
        load_config()
    except config_module.ConfigError:
        assert env == "production"
    assert recorder.read and recorder.read <= config_variables()


def test_only_app_config_reads_the_environment_in_app():
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for path in sorted((PROJECT_ROOT / "app").rglob("*.py"))
        if reads_the_environment(path)
    ]
    assert readers == ["app/config.py"]


def test_every_variable_the_code_reads_is_in_the_guides_table():
    documented = set(guide_table())
    missing = (config_variables() | deploy_variables()) - documented
    assert not missing, f"add {sorted(missing)} to docs/deploy.md §2's table"
    stale = documented - config_variables() - deploy_variables() - READ_BY_LIBRARIES
    assert not stale, f"docs/deploy.md §2 documents {sorted(stale)}, which nothing reads"


def test_every_variable_the_code_reads_is_in_env_example():
    listed = set(example_values())
    missing = (config_variables() | deploy_variables() | READ_BY_LIBRARIES) - listed
    assert not missing, f"add {sorted(missing)} to .env.example"
    assert listed <= config_variables() | deploy_variables() | READ_BY_LIBRARIES


def test_the_guide_marks_required_exactly_what_production_refuses_to_start_without():
    required = {name for name, column in guide_table().items() if column.lower().startswith("yes")}
    assert required == {"APP_ENV", *config_module.PRODUCTION_REQUIRED}
    assert set(config_module.PRODUCTION_REQUIRED) == {
        "SECRET_KEY",
        "PII_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "WECHAT_APPID",
        "WECHAT_SECRET",
        "WECHAT_TOKEN",
    }


def test_env_example_holds_no_secret_and_leaves_every_required_value_to_fill_in():
    values = example_values()
    for variable in config_module.VARIABLES:
        if variable.secret or variable.required:
            assert values[variable.name] == "", f"{variable.name} must be left empty in .env.example"
    demo = {
        str(value) for value in (*config_module.DEMO_SECRETS.values(), *config_module.DEMO_IDENTITY.values())
    }
    assert not demo & {value for value in values.values() if value}
    assert values["APP_ENV"] == "production"


# -- flask config check ---------------------------------------------------------------------------

#: A production environment as the guide's §2 asks for it (values made for these tests).
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "Zq8wLr0sTnUvXy2AbCdEfGhIjKlMnOpQrStUvWxYz01",
    "PII_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
    "DATABASE_URL": "mysql+pymysql://ssc:dbPassw0rdXYZ@db.internal:3306/ssc?charset=utf8mb4",
    "REDIS_URL": "redis://:redisPassw0rdXYZ@redis.internal:6379/3",
    "WECHAT_APPID": "wx0123456789abcdef",
    "WECHAT_SECRET": "f" * 32,
    "WECHAT_TOKEN": "PushTokenOfThisDeployment",
    "WECHAT_AES_KEY": "QWxhZGRpbkFsYWRkaW5BbGFkZGluQWxhZGRpbkFsYWQ",
    "WECHAT_ORIGINAL_ID": "gh_0123456789ab",
    "PROXY_HOPS": "1",
    "METRICS_TOKEN": "MetricsTokenOfThisDeployment0123456789",
}
SECRETS = ("SECRET_KEY", "PII_KEY", "WECHAT_SECRET", "WECHAT_TOKEN", "WECHAT_AES_KEY", "METRICS_TOKEN")


@pytest.fixture
def environment(monkeypatch):
    """Only PRODUCTION's variables set (every other one the service reads unset); change it with set/unset."""
    for variable in config_module.VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def config_check() -> tuple[int, str]:
    """`flask config check`: (exit status, output)."""
    from click.testing import CliRunner

    from app.cli.config import config

    result = CliRunner().invoke(config, ["check"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def verdict(output: str) -> str:
    """The `verdict:` line, as the rehearsal reads it."""
    from tools.rehearsal.__main__ import _verdict

    return _verdict(output)


def warnings(output: str) -> list[str]:
    """The warnings, as the rehearsal reads them (tools/rehearsal/__main__.py, config_check)."""
    return (
        [
            text.strip(" -")
            for text in output.split("warnings", 1)[-1].splitlines()[1:]
            if text.startswith("  - ")
        ]
        if "warnings" in output
        else []
    )


def test_config_check_passes_a_complete_production_environment_and_masks_every_secret(environment):
    status, output = config_check()
    assert status == 0, output
    assert verdict(output) == "verdict: ready: production starts with this environment"
    for key in SECRETS:
        assert PRODUCTION[key] not in output, key
        assert re.search(rf"^  {key} +set, hidden \(\d+ characters", output, re.M), key
    assert "dbPassw0rdXYZ" not in output and "redisPassw0rdXYZ" not in output
    assert (
        "  DATABASE_URL                  mysql+pymysql://ssc:***@db.internal:3306/ssc?charset=utf8mb4"
        in output
    )
    assert "base64 of 32 bytes" in output
    assert "push mode: safe: WECHAT_AES_KEY set" in output and "ToUserName must be gh_0123456789ab" in output
    assert "database: MySQL/MariaDB (mysql+pymysql) at db.internal:3306, database ssc, account ssc" in output
    assert "redis: redis.internal:6379, db 3, password set (redis://:***@redis.internal:6379/3)" in output
    assert "missing: nothing" in output and "problems:" not in output
    assert warnings(output) == []
    for variable in config_module.VARIABLES:
        assert re.search(rf"^  {variable.name} ", output, re.M), f"{variable.name} is not printed"


def test_config_check_names_the_key_id_of_both_pii_keys_during_a_rotation(environment):
    from app.pii import PiiKey

    status, output = config_check()
    assert re.search(
        rf"^  PII_KEY +set, hidden \(44 characters, base64 of 32 bytes, key "
        rf"{PiiKey(PRODUCTION['PII_KEY']).key_id}\)$",
        output,
        re.M,
    )
    assert re.search(r"^  PII_KEY_PREVIOUS +\(unset: no PII key rotation under way\)$", output, re.M)
    previous = "T0xEIEtFWSBPRiBUSElTIERFUExPWU1FTlQsIDMyIEI="
    environment.setenv("PII_KEY_PREVIOUS", previous)
    status, output = config_check()
    assert status == 0, output
    assert re.search(
        rf"^  PII_KEY_PREVIOUS +set, hidden \(44 characters, base64 of 32 bytes, key "
        rf"{PiiKey(previous).key_id}\)$",
        output,
        re.M,
    )
    assert previous not in output


@pytest.mark.parametrize("missing", config_module.PRODUCTION_REQUIRED)
def test_config_check_fails_naming_a_missing_setting(environment, missing):
    environment.delenv(missing)
    status, output = config_check()
    assert status == 1
    assert f"missing: {missing}\n" in output
    assert (
        verdict(output) == f"verdict: refused: production refuses to start: set {missing} (missing or empty)"
    )


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("PII_KEY", "c2hvcnQ=", "PII_KEY must be the base64 of exactly 32 bytes"),
        ("PII_KEY_PREVIOUS", "c2hvcnQ=", "PII_KEY_PREVIOUS must be the base64 of exactly 32 bytes"),
        ("PII_KEY_PREVIOUS", PRODUCTION["PII_KEY"], "PII_KEY_PREVIOUS must be the key PII_KEY replaces"),
        (
            "WECHAT_AES_KEY",
            "QWxhZGRpbkFsYWRkaW5BbGFkZGluQWxhZGRpbkFsYW",
            "WECHAT_AES_KEY must be the 43-character",
        ),
        ("WECHAT_TOKEN", "demo-token", "WECHAT_TOKEN must not be the development demo value"),
        ("DATABASE_URL", "sqlite:////srv/ssc.sqlite3", "DATABASE_URL must name MySQL/MariaDB, not SQLite"),
        ("PROXY_HOPS", "one", "PROXY_HOPS must be a whole number; got 'one'"),
        ("FAST_SCREENS", "true", "FAST_SCREENS must be 1 (on) or 0 (off); got 'true'"),
        ("LOCALE_RELEASE_GATE", "on", "LOCALE_RELEASE_GATE must be 1 (on) or 0 (off); got 'on'"),
    ],
)
def test_config_check_fails_on_a_setting_production_refuses(environment, key, value, problem):
    environment.setenv(key, value)
    status, output = config_check()
    assert status == 1
    assert f"problems:\n  - {problem}" in output
    assert verdict(output).startswith(
        "verdict: refused: production refuses to start: "
    ) and problem in verdict(output)


@pytest.mark.parametrize(
    ("key", "value", "warning"),
    [
        ("SECRET_KEY", "only-twenty-chars-ok", "SECRET_KEY is 20 characters: use 32 or more random ones"),
        ("WECHAT_APPID", "wx0000000000demo", "WECHAT_APPID: the built-in emulator's demo mini program"),
        ("WECHAT_AES_KEY", None, "WECHAT_AES_KEY is unset: pushes are taken in plaintext mode"),
        (
            "WECHAT_API_BASE",
            "http://127.0.0.1:9000/",
            "WECHAT_API_BASE is http://127.0.0.1:9000/: WeChat API calls",
        ),
        (
            "WECHAT_ORIGINAL_ID",
            "0123456789ab",
            "WECHAT_ORIGINAL_ID does not look like one: an original ID is gh_",
        ),
        (
            "WECHAT_TOKEN",
            "has spaces and is far longer than thirty-two",
            "WECHAT_TOKEN does not look like one",
        ),
        ("METRICS_TOKEN", None, "METRICS_TOKEN is unset"),
        ("PROXY_HOPS", None, "PROXY_HOPS is 0"),
        ("DATABASE_URL", "mysql+pymysql://ssc:pw@db:3306/ssc", "DATABASE_URL has no ?charset=utf8mb4"),
        ("REDIS_URL", "redis://redis.internal:6379/0", "REDIS_URL reaches redis.internal without a password"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE 'Mars/Olympus' is not a time zone"),
        ("PSEUDO_LOCALES", "1", "PSEUDO_LOCALES=1 offers the translators' pseudo-languages"),
    ],
)
def test_config_check_warns_about_what_looks_wrong_but_starts(environment, key, value, warning):
    if value is None:
        environment.delenv(key)
    else:
        environment.setenv(key, value)
    status, output = config_check()
    assert status == 0, output
    assert any(line.startswith(warning) for line in warnings(output)), output
    assert verdict(output).startswith("verdict: ready")


def test_config_check_shows_plaintext_push_mode_without_an_aes_key(environment):
    environment.delenv("WECHAT_AES_KEY")
    environment.delenv("WECHAT_ORIGINAL_ID")
    _, output = config_check()
    assert (
        "push mode: plaintext: no WECHAT_AES_KEY, pushes are signed but not encrypted; ToUserName not "
        "compared (no WECHAT_ORIGINAL_ID)"
    ) in output


def test_config_check_in_development_says_it_is_not_production(environment):
    for key in PRODUCTION:
        environment.delenv(key)
    status, output = config_check()
    assert status == 1
    assert "APP_ENV is unset: the service runs as development" in "\n".join(warnings(output))
    assert verdict(output).startswith("verdict: not production: APP_ENV=development runs on demo defaults")
    assert (
        "with APP_ENV=production it would be refused: production refuses to start: set SECRET_KEY, PII_KEY"
        in verdict(output)
    )
    assert "redis: an in-process stand-in (development only)" in output
    assert re.search(r"^  WECHAT_API_BASE +\(unset: the built-in emulator, in process\)$", output, re.M)
    assert config_module.DevelopmentConfig.WECHAT_TOKEN not in output  # demo secrets are masked too


def test_an_unknown_app_env_is_refused(environment):
    environment.setenv("APP_ENV", "staging")
    status, output = config_check()
    assert status == 1
    assert verdict(output) == (
        "verdict: refused: APP_ENV must be one of development, testing, production; got 'staging'"
    )


def test_under_the_flask_command_a_refused_configuration_still_runs_config_check(environment):
    """`flask --app … config check` answers when the app cannot be built; every other command fails in one line."""
    from click.testing import CliRunner
    from flask.cli import cli

    environment.delenv("WECHAT_TOKEN")
    environment.delenv("WECHAT_SECRET")
    runner = CliRunner()
    checked = runner.invoke(cli, ["--app", "app:create_app()", "config", "check"])
    assert checked.exit_code == 1
    assert verdict(checked.output) == (
        "verdict: refused: production refuses to start: set WECHAT_SECRET, WECHAT_TOKEN (missing or empty)"
    )
    for command in (["db", "upgrade"], ["worker", "--with-scheduler"], ["admin", "create", "alice"]):
        refused = runner.invoke(cli, ["--app", "app:create_app()", *command])
        assert refused.exit_code == 1
        assert refused.output.strip() == (
            "Error: production refuses to start: set WECHAT_SECRET, WECHAT_TOKEN (missing or empty); "
            "`flask --app wsgi config check` lists every setting"
        )
    with pytest.raises(config_module.ConfigError, match="WECHAT_TOKEN"):
        create_app()  # anything else (gunicorn, a worker's import) still gets the refusal


def _service_environment(**changes) -> dict:
    """A clean process environment: PRODUCTION with changes (None: unset), and this machine's PATH."""
    values = {
        **PRODUCTION,
        **changes,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    return {key: value for key, value in values.items() if value is not None}


def test_flask_config_check_as_the_guide_runs_it():
    """`flask --app wsgi config check` in a process of its own: ready, then refused without WECHAT_TOKEN."""
    import subprocess
    import sys

    line = [sys.executable, "-m", "flask", "--app", "wsgi", "config", "check"]
    ready = subprocess.run(
        line,
        env=_service_environment(),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert verdict(ready.stdout).startswith("verdict: ready")
    refused = subprocess.run(
        line,
        env=_service_environment(WECHAT_TOKEN=None),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1
    assert (
        verdict(refused.stdout)
        == "verdict: refused: production refuses to start: set WECHAT_TOKEN (missing or empty)"
    )


def test_gunicorn_refuses_to_start_without_a_required_setting():
    """The web unit's command exits (it does not serve demo values) when WECHAT_TOKEN is unset."""
    import subprocess
    import sys

    gunicorn = Path(sys.executable).with_name("gunicorn")
    environment = _service_environment(WECHAT_TOKEN=None, GUNICORN_BIND="127.0.0.1:0", GUNICORN_WORKERS="1")
    result = subprocess.run(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ConfigError: production refuses to start: set WECHAT_TOKEN (missing or empty)" in result.stderr


def test_gunicorn_refuses_to_start_when_the_environment_file_lost_app_env():
    """Production's server never serves the development defaults because APP_ENV went missing."""
    import subprocess
    import sys

    gunicorn = Path(sys.executable).with_name("gunicorn")
    environment = _service_environment(APP_ENV=None, GUNICORN_BIND="127.0.0.1:0", GUNICORN_WORKERS="1")
    with subprocess.Popen(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        env=environment,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            _, errors = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
            pytest.fail("gunicorn started and served with APP_ENV unset (as development)")
    assert server.returncode == 1
    assert "APP_ENV is not set: this server configuration is for production" in errors
    assert "APP_ENV=production in the service's environment file" in errors
