"""docs/deploy.md and its rehearsal (tools/rehearsal) in step: every command the guide gives is rehearsed."""

from __future__ import annotations

import shlex

import pytest

from tools.rehearsal import guide as guide_module
from tools.rehearsal.guide import (
    BLOCKS,
    OPTIONAL_BLOCKS,
    Guide,
    GuideError,
    database_block,
    nginx_site,
    put_names,
    required_variables,
    strip_comment,
    web_unit,
)
from tools.rehearsal.stack import Run, read_environment_file

#: Command lines of the guide that the rehearsal does not run as written, and what it does instead.
NOT_REHEARSED = {
    "cp deploy/nginx.conf /etc/nginx/sites-available/ssc-bridge": "the rehearsal puts deploy/nginx.conf (addresses and certificate templated) in a config of its own",
    "ln -s /etc/nginx/sites-available/ssc-bridge /etc/nginx/sites-enabled/ssc-bridge": "the same",
    "nginx -t && nginx -s reload": "the rehearsal runs `nginx -t` on its config, then starts nginx",
    "flask --app wsgi pii status": "covered by tests/privacy/test_pii_rotation.py",
    "flask --app wsgi pii rotate-key": "covered by tests/privacy/test_pii_rotation.py (killed in the middle on MariaDB)",
    "flask --app wsgi pii retire-key": "covered by tests/privacy/test_pii_rotation.py",
    "chown root:ssc /etc/ssc-bridge/env && chmod 640 /etc/ssc-bridge/env": "the rehearsal runs as one user; it writes its env file with mode 640",
}
#: How a line of a fenced block shows it is a command an operator runs.
COMMAND_WORDS = (
    "flask",
    "gunicorn",
    "pip",
    "python3",
    ".",
    "mysqldump",
    "mariadb",
    "gunzip",
    "nginx",
    "cp",
    "ln",
    "systemctl",
    "curl",
    "chown",
)


@pytest.fixture(scope="module")
def guide() -> Guide:
    return Guide.read()


def test_every_block_the_rehearsal_runs_is_marked_in_the_guide(guide):
    assert set(BLOCKS) <= set(guide.blocks)
    assert guide.commands("workers") == [
        "flask --app wsgi worker --with-scheduler",
        "flask --app wsgi worker",
    ]
    assert guide.command("migrate", "flask") == "flask --app wsgi db upgrade"
    build = guide.commands("build")
    assert build[:2] == ["python3 -m venv .venv", ". .venv/bin/activate"]
    assert "pip install -r requirements.txt -c constraints.txt" in build
    assert not any("requirements-dev" in line for line in build), "a server never gets the test tools"


def test_every_command_in_the_guide_is_rehearsed_or_says_why_not(guide):
    unrehearsed = []
    for block, line in guide.fenced_lines():
        command = strip_comment(line)
        if block is None and command and command.split()[0] in COMMAND_WORDS and command not in NOT_REHEARSED:
            unrehearsed.append(command)
    assert unrehearsed == [], "mark their block `<!-- rehearsal: NAME -->` and rehearse it, or say why not"
    fenced = {strip_comment(line) for _, line in guide.fenced_lines()}
    assert set(NOT_REHEARSED) <= fenced, "NOT_REHEARSED names a command the guide no longer gives"


def test_the_guides_flask_commands_parse_as_the_cli_defines_them(app, guide):
    """Each `flask --app wsgi …` line of a rehearsed block names a real command with real options."""
    placeholders = {"NOTICE_ID": "7", "people.csv": "docs/examples/people.csv"}
    checked = 0
    for name in (*BLOCKS, *(name for name in OPTIONAL_BLOCKS if name in guide.blocks)):
        for line in guide.commands(name, placeholders):
            words = shlex.split(line)
            if words[:3] != ["flask", "--app", "wsgi"]:
                continue
            command, rest = app.cli, words[3:]
            while rest and hasattr(command, "get_command") and command.get_command(None, rest[0]) is not None:
                command, rest = command.get_command(None, rest[0]), rest[1:]
            assert not hasattr(command, "list_commands"), f"{line}: no such command"
            command.make_context(command.name, list(rest))  # raises on an unknown option or argument
            checked += 1
    assert checked >= 9


def test_the_guide_has_the_operator_check_the_configuration_before_the_first_start(guide):
    """§2's `config check` is a block the rehearsal runs (before the migration and the first start)."""
    assert guide.commands("config-check") == ["flask --app wsgi config check"]
    text = guide.text
    assert text.index("<!-- rehearsal: config-check -->") < text.index("## 3. The database")


def test_database_statements_take_the_runs_names_and_keep_the_guides_rights(guide):
    block = database_block(guide)
    assert block.privileges == (
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "ALTER",
        "INDEX",
        "DROP",
        "REFERENCES",
    )
    create, user, grant = block.for_run("ssc_rehearsal_x", "ssc_rh_x", "127.0.0.1", "pw1")
    assert create == "CREATE DATABASE ssc_rehearsal_x CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    assert user == "CREATE USER 'ssc_rh_x'@'127.0.0.1' IDENTIFIED BY 'pw1';"
    assert grant.endswith("ON ssc_rehearsal_x.* TO 'ssc_rh_x'@'127.0.0.1';")
    assert "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES" in grant


def test_a_database_block_of_another_shape_is_refused(guide):
    changed = Guide(guide.text, dict(guide.blocks))
    changed.blocks["database"] = [*guide.blocks["database"][:2], "GRANT ALL ON *.* TO 'ssc'@'10.%';"]
    with pytest.raises(GuideError, match="not in the shape"):
        database_block(changed)


def test_the_web_unit_runs_gunicorn_with_the_projects_config(guide, tmp_path):
    unit = web_unit(guide, {"/srv/ssc-bridge": "/R", "/etc/ssc-bridge": "/E", "/run/ssc-bridge": "/RUN"})
    assert unit.one("ExecStart") == "/R/.venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app"
    assert unit.one("ExecReload") == "/bin/kill -HUP $MAINPID"
    assert unit.one("EnvironmentFile") == "/E/env"
    assert unit.environment() == {"PROMETHEUS_MULTIPROC_DIR": "/RUN/metrics"}
    assert unit.settings["ExecStartPre"] == ["/bin/sh -c 'rm -f /RUN/metrics/*.db'"]


def test_nginx_config_changes_only_addresses_upstream_and_certificates(tmp_path):
    original = guide_module.NGINX_CONF.read_text().splitlines()
    site = nginx_site(
        8080, 8443, ["127.0.0.1:9001", "127.0.0.1:9002"], tmp_path / "c.pem", tmp_path / "k.pem"
    )
    changed = [line.strip() for line in site.splitlines() if line not in original]
    assert changed == [
        "server 127.0.0.1:9001;",
        "server 127.0.0.1:9002;",
        "listen 127.0.0.1:8080;",
        "listen 127.0.0.1:8443 ssl http2;",
        f"ssl_certificate     {tmp_path / 'c.pem'};",
        f"ssl_certificate_key {tmp_path / 'k.pem'};",
    ]
    assert "location = /metrics" in site and 'if ($http_authorization !~ "^Bearer ")' in site


def test_an_nginx_config_without_its_anchors_is_refused(tmp_path):
    source = tmp_path / "nginx.conf"
    source.write_text(guide_module.NGINX_CONF.read_text().replace("listen 443 ssl http2;", "listen 443 ssl;"))
    with pytest.raises(GuideError, match="listen 443 ssl http2"):
        nginx_site(1, 2, ["127.0.0.1:3"], tmp_path / "c", tmp_path / "k", source=source)


def test_the_rehearsal_sets_every_variable_the_guide_requires(guide, tmp_path, monkeypatch):
    monkeypatch.delenv("REHEARSAL_DB_ADMIN", raising=False)
    run = Run(tmp_path)
    environment = run.service_environment()
    required = required_variables(guide)
    assert {"SECRET_KEY", "PII_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_TOKEN"} <= set(required)
    assert set(required) <= set(environment)
    assert environment["APP_ENV"] == "production" and environment["PROXY_HOPS"] == "1"
    assert len(environment["WECHAT_AES_KEY"]) == 43 and environment["WECHAT_AES_KEY"].isalnum()
    path = run.write_environment_file(environment)
    assert path.stat().st_mode & 0o777 == 0o640  # the guide's mode: the service's user reads it too
    assert read_environment_file(path) == environment


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("flask --app wsgi i18n compile   # at build time", "flask --app wsgi i18n compile"),
        (
            'flask --app wsgi service-point create "Counter #1"',
            'flask --app wsgi service-point create "Counter #1"',
        ),
        ("# a comment line", ""),
    ],
)
def test_strip_comment(line, expected):
    assert strip_comment(line) == expected


def test_names_are_put_in_as_whole_words_only():
    names = {"ssc": "db1", "ssc_restore": "db2", "ssc-YYYY-MM-DD.sql.gz": "dump.sql.gz"}
    assert (
        put_names("mysqldump ssc | gzip > ssc-$(date +%F).sql.gz", names)
        == "mysqldump db1 | gzip > ssc-$(date +%F).sql.gz"
    )
    assert (
        put_names("gunzip -c ssc-YYYY-MM-DD.sql.gz | mariadb ssc_restore", names)
        == "gunzip -c dump.sql.gz | mariadb db2"
    )
    assert put_names("GRANT SELECT ON ssc.* TO x", names) == "GRANT SELECT ON db1.* TO x"


def test_gunicorn_settings_leave_no_control_socket_under_home():
    """gunicorn 25+ opens a control socket at $HOME/.gunicorn/gunicorn.ctl unless told not to: one path for
    every instance the service's user runs, so a second instance on a host would take the first one's."""
    settings: dict = {}
    exec(
        compile((guide_module.ROOT / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
        settings,
    )
    assert settings["control_socket_disable"] is True
    assert settings["worker_class"] == "sync"


def _units(guide: Guide) -> dict[str, str]:
    """The guide's systemd units (its `ini` blocks), by the command they start."""
    units = {}
    for language, body in guide_module._FENCE.findall(guide.text):
        if language == "ini":
            start = next(line for line in body.splitlines() if line.startswith("ExecStart="))
            units[start.split("/.venv/bin/", 1)[1]] = body
    return units


def test_every_unit_comes_back_after_a_reboot(guide):
    """An [Install] section, or `systemctl enable` refuses the unit ("no installation config")."""
    units = _units(guide)
    assert set(units) == {"gunicorn -c deploy/gunicorn.conf.py wsgi:app", "flask --app wsgi worker"}
    for command, body in units.items():
        assert "[Install]\nWantedBy=multi-user.target" in body, command


def test_stopping_a_worker_lets_its_job_finish(guide):
    """systemd's default KillMode sends SIGTERM to RQ's work horse too, which dies mid-notice."""
    worker = _units(guide)["flask --app wsgi worker"]
    assert "KillMode=mixed" in worker.splitlines()
    assert any(line.startswith("TimeoutStopSec=") for line in worker.splitlines())


def test_the_environment_file_is_readable_by_the_service_user(guide):
    """Cron and the operator's commands load it as the service's user: root-only would skip it."""
    assert "chown root:ssc /etc/ssc-bridge/env && chmod 640 /etc/ssc-bridge/env" in guide.text
    assert "chmod 600" not in guide.text


def test_nginx_lets_the_consoles_registry_upload_through():
    """nginx refused any body over 1 MB, the console's registry feeds included (413 before the app)."""
    import re

    from app.registry.console import MAX_UPLOAD_BYTES

    config = (guide_module.ROOT / "deploy" / "nginx.conf").read_text()
    location = re.search(r"location = /admin/registry/import \{(.*?)\}", config, re.S)
    assert location, "deploy/nginx.conf has no location for the registry upload"
    size = re.search(r"client_max_body_size (\d+)([kmg]);", location.group(1))
    assert size and int(size.group(1)) * 1024 ** "kmg".index(size.group(2)) * 1024 == MAX_UPLOAD_BYTES
