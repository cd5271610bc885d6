"""Every variable the code reads is documented (docs/deploy.md §2, .env.example); `flask config check`."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from app import config as config_module
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
        isinstance(node, ast.Name) and node.id == "environ")


def variables_read(path: Path, readers: tuple[str, ...] = ()) -> set[str]:
    """Names passed as string literals to os.environ.get/[]/getenv, or as the first argument of `readers`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        literal = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if (called == "get" and _is_environ(getattr(function, "value", None))) or called == "getenv" \
                    or called in readers:
                literal = node.args[0].value
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.slice, ast.Constant):
            literal = node.slice.value
        if isinstance(literal, str) and _NAME.fullmatch(literal):
            names.add(literal)
    return names


def reads_the_environment(path: Path) -> bool:
    """Whether a module touches os.environ or os.getenv at all (a WSGI `environ` parameter is not that)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in ("environ", "getenv", "environb", "putenv"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and \
                {alias.name for alias in node.names} & {"environ", "getenv"}:
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
    readers = [str(path.relative_to(PROJECT_ROOT)) for path in sorted((PROJECT_ROOT / "app").rglob("*.py"))
               if reads_the_environment(path)]
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
        "SECRET_KEY", "PII_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN"}


def test_env_example_holds_no_secret_and_leaves_every_required_value_to_fill_in():
    values = example_values()
    for variable in config_module.VARIABLES:
        if variable.secret or variable.required:
            assert values[variable.name] == "", f"{variable.name} must be left empty in .env.example"
    demo = {str(value) for value in (*config_module.DEMO_SECRETS.values(), *config_module.DEMO_IDENTITY.values())}
    assert not demo & {value for value in values.values() if value}
    assert values["APP_ENV"] == "production"
