"""docs/architecture.md holds against the tree: every domain, package and route is on the page."""

from __future__ import annotations

import re
import subprocess

import pytest

from app.config import PROJECT_ROOT
from app.domains import DOMAINS

PAGE = PROJECT_ROOT / "docs" / "architecture.md"
#: Routes that the page names as a group instead of one row each.
GROUPED_PREFIXES = ("/admin/", "/_preview/", "/static/")


def page() -> str:
    """The architecture page's text."""
    return PAGE.read_text(encoding="utf-8")


def route_rows(text: str) -> set[tuple[str, str]]:
    """(method, path) of each row of the routes table."""
    return {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|", text, re.M)
    }


def test_every_domain_has_a_row_and_every_row_is_a_domain():
    rows = set(re.findall(r"^\| `(\w+)` \|", page(), re.M))
    assert rows == set(DOMAINS)


def test_every_package_of_the_app_is_named():
    text = page()
    packages = sorted(
        p.name for p in (PROJECT_ROOT / "app").iterdir() if p.is_dir() and (p / "__init__.py").exists()
    )
    missing = [name for name in packages if f"app/{name}/" not in text and f"`{name}`" not in text]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_every_module_the_page_names_exists():
    named = set(re.findall(r"\bapp/[\w/]+(?:\.py|/)", page()))
    missing = sorted(path for path in named if not (PROJECT_ROOT / path).exists())
    assert not missing, f"docs/architecture.md names what is not in the tree: {missing}"


@pytest.mark.usefixtures("app")
def test_the_routes_table_is_the_app_routes(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GROUPED_PREFIXES):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, rule.rule))
    served.discard(("PUT", "/api/v1/me"))  # the row of PATCH names it: wx.request cannot send PATCH
    documented = route_rows(page())
    assert served - documented == set(), "routes missing from docs/architecture.md"
    assert documented - served == set(), "docs/architecture.md names routes the app does not serve"


def test_nothing_cites_a_design_page_outside_the_repository():
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "design\\.md", "--", ".", ":!tests/platform/test_architecture_doc.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert found == "", f"cite docs/architecture.md instead:\n{found}"
