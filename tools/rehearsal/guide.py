"""What docs/deploy.md says: its marked blocks, the database statements, the web unit, deploy/nginx.conf.

A block the rehearsal runs is marked in the guide's source by `<!-- rehearsal: NAME -->` on the
line before its fence. The rehearsal takes every command from there, putting in only the run's
names, addresses and secrets, so the guide and what is rehearsed cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"

#: The blocks the rehearsal runs, in the order it runs them.
BLOCKS = (
    "database",
    "build",
    "migrate",
    "web-unit",
    "workers",
    "first-data",
    "housekeeping",
    "resume",
    "backup",
    "restore",
)
#: Blocks it runs when the guide marks them: `config-check`, the `flask --app wsgi config check` of §2.
OPTIONAL_BLOCKS = ("config-check",)
_MARKED = re.compile(r"^<!-- rehearsal: ([\w-]+) -->\n```(\w*)\n(.*?)^```$", re.M | re.S)
_FENCE = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```$", re.M | re.S)  # also inside list items


class GuideError(RuntimeError):
    """The guide (or deploy/nginx.conf) no longer has the shape the rehearsal reads."""


@dataclass
class Guide:
    """The marked blocks of docs/deploy.md, by name."""

    text: str
    blocks: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path = GUIDE) -> Guide:
        """Parse the guide; every block the rehearsal needs must be there, once."""
        text = path.read_text(encoding="utf-8")
        guide = cls(text)
        for match in _MARKED.finditer(text):
            name, body = match.group(1), match.group(3)
            if name in guide.blocks:
                raise GuideError(f"docs/deploy.md marks two blocks `rehearsal: {name}`")
            guide.blocks[name] = [line for line in body.splitlines() if line.strip()]
        missing = [name for name in BLOCKS if name not in guide.blocks]
        if missing:
            raise GuideError(f"docs/deploy.md has no block marked `rehearsal: {', '.join(missing)}`")
        return guide

    def commands(self, name: str, names: dict[str, str] | None = None) -> list[str]:
        """A block's command lines with the run's names put in (`# …` comments dropped)."""
        lines = []
        for line in self.blocks[name]:
            command = strip_comment(line)
            if command:
                lines.append(put_names(command, names or {}))
        return lines

    def command(self, name: str, starts: str, names: dict[str, str] | None = None) -> str:
        """The one line of a block that starts with `starts`."""
        found = [line for line in self.commands(name, names) if line.startswith(starts)]
        if len(found) != 1:
            raise GuideError(f"docs/deploy.md block `{name}` has {len(found)} lines starting {starts!r}")
        return found[0]

    def fenced_lines(self) -> list[tuple[str | None, str]]:
        """(block name or None, line) for every line of every fenced block in the guide."""
        marked = {match.start(2) - len("```"): match.group(1) for match in _MARKED.finditer(self.text)}
        lines = []
        for match in _FENCE.finditer(self.text):
            name = marked.get(match.start())
            lines.extend((name, line) for line in match.group(2).splitlines() if line.strip())
        return lines


def strip_comment(line: str) -> str:
    """A shell line without its trailing `# comment` (a `#` inside quotes stays)."""
    if line.lstrip().startswith("#"):
        return ""
    cut = line.find(" #")
    while cut != -1 and _inside_quotes(line, cut):
        cut = line.find(" #", cut + 1)
    return (line if cut == -1 else line[:cut]).strip()


def _inside_quotes(line: str, index: int) -> bool:
    """Whether position `index` of a shell line is inside single or double quotes."""
    quote = None
    for char in line[:index]:
        if quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
    return quote is not None


def put_names(line: str, names: dict[str, str]) -> str:
    """Replace whole-word placeholders (longest first) by the run's values."""
    for placeholder in sorted(names, key=len, reverse=True):
        pattern = r"(?<![\w.-])" + re.escape(placeholder) + r"(?![\w-])"
        line = re.sub(pattern, lambda _m, p=placeholder: names[p], line)
    return line


# -- the database statements of §3 ----------------------------------------------------------------------

_CREATE_DATABASE = re.compile(r"CREATE DATABASE (\w+) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;")
_CREATE_USER = re.compile(r"CREATE USER '(\w+)'@'([^']+)' IDENTIFIED BY '(\w+)';")
_GRANT = re.compile(r"GRANT ([A-Z, ]+) ON (\w+)\.\* TO '(\w+)'@'([^']+)';")


@dataclass(frozen=True)
class DatabaseBlock:
    """The guide's three statements and the names it uses in them."""

    database: str
    user: str
    host: str
    password: str
    privileges: tuple[str, ...]
    statements: tuple[str, ...]

    def for_run(self, database: str, user: str, host: str, password: str) -> list[str]:
        """The statements with the run's database, account, host and password."""
        names = {
            self.database: database,
            f"'{self.user}'@'{self.host}'": f"'{user}'@'{host}'",
            f"'{self.password}'": f"'{password}'",
        }
        return [put_names(statement, names) for statement in self.statements]


def database_block(guide: Guide) -> DatabaseBlock:
    """Read §3's CREATE DATABASE, CREATE USER and GRANT; refuse any other shape."""
    lines = guide.blocks["database"]
    if len(lines) != 3:
        raise GuideError("the `database` block of docs/deploy.md must be CREATE DATABASE, CREATE USER, GRANT")
    database, user, grant = (
        pattern.fullmatch(line.strip())
        for pattern, line in zip((_CREATE_DATABASE, _CREATE_USER, _GRANT), lines, strict=True)
    )
    if not (database and user and grant):
        raise GuideError(
            f"the `database` block of docs/deploy.md is not in the shape the rehearsal reads: {lines}"
        )
    if (grant.group(2), grant.group(3), grant.group(4)) != (database.group(1), user.group(1), user.group(2)):
        raise GuideError("the GRANT of docs/deploy.md names another database or account than it creates")
    privileges = tuple(word.strip() for word in grant.group(1).split(","))
    return DatabaseBlock(
        database.group(1),
        user.group(1),
        user.group(2),
        user.group(3),
        privileges,
        tuple(line.strip() for line in lines),
    )


# -- the web unit of §6 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A systemd [Service] section: its settings, each a list of values in order."""

    settings: dict[str, list[str]]

    def one(self, key: str) -> str:
        """The single value of a setting."""
        values = self.settings.get(key, [])
        if len(values) != 1:
            raise GuideError(f"the web unit of docs/deploy.md needs exactly one {key}=")
        return values[0]

    def environment(self) -> dict[str, str]:
        """Its Environment= assignments."""
        pairs = (value.split("=", 1) for value in self.settings.get("Environment", []))
        return {key: value for key, value in pairs}


def web_unit(guide: Guide, paths: dict[str, str]) -> Unit:
    """The web unit with the guide's paths (/srv/ssc-bridge, /etc/ssc-bridge, /run/…) put where the run has them."""
    settings: dict[str, list[str]] = {}
    for line in guide.blocks["web-unit"]:
        if line.startswith("[") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        for path, replacement in sorted(paths.items(), key=lambda item: -len(item[0])):
            value = value.replace(path, replacement)
        settings.setdefault(key.strip(), []).append(value.strip())
    return Unit(settings)


# -- deploy/nginx.conf ----------------------------------------------------------------------------------

_UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:8000;.*$", re.M)


def self_signed_command(certificate: Path, key: Path) -> list[str]:
    """openssl's command for a one-day self-signed certificate of 127.0.0.1 and localhost, for nginx."""
    return [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        str(key),
        "-out",
        str(certificate),
    ]


def nginx_site(
    http_port: int,
    https_port: int,
    upstreams: list[str],
    certificate: Path,
    key: Path,
    source: Path = NGINX_CONF,
) -> str:
    """deploy/nginx.conf with loopback listen ports, the run's upstream servers and certificate: nothing else."""
    text = source.read_text(encoding="utf-8")
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/ssl/ssc/fullchain.pem", str(certificate)),
        ("/etc/ssl/ssc/privkey.pem", str(key)),
    ]
    for old, new in replacements:
        if text.count(old) != 1:
            raise GuideError(f"deploy/nginx.conf no longer has `{old}` once: update the rehearsal with it")
        text = text.replace(old, new)
    match = _UPSTREAM_SERVER.search(text)
    if match is None or len(_UPSTREAM_SERVER.findall(text)) != 1:
        raise GuideError("deploy/nginx.conf no longer has one `server 127.0.0.1:8000;` in its upstream")
    indent = match.group(1)
    servers = "\n".join(f"{indent}server {address};" for address in upstreams)
    return text[: match.start()] + servers + text[match.end() :]


# -- the configuration table of §2 ----------------------------------------------------------------------

_TABLE_ROW = re.compile(r"^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \| ([^|]+) \|", re.M)


def required_variables(guide: Guide) -> list[str]:
    """The variables §2's table marks required (`yes`)."""
    names = []
    for match in _TABLE_ROW.finditer(guide.text):
        if match.group(2).strip().lower().startswith("yes"):
            names.extend(re.findall(r"`([A-Z0-9_]+)`", match.group(1)))
    return names
