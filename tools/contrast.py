"""Text contrast of the console's CSS and the mini program's WXSS (WCAG 2.2 1.4.3 and 1.4.11).

`python3 tools/contrast.py` lists every pair of colours checked and exits 1 when one is too low.

What is checked, from the stylesheets alone:
- a rule that sets both `color` and an opaque `background` (`.primary`, a badge): that pair;
- a rule that sets only `color`: against the background of the nearest rule whose selector starts
  its own (`header.top a` sits on `header.top`), or else against every opaque background the
  stylesheets give a text container (the page, cards, banners, flashes), the white of a page included;
- `outline-color` and outline colours of focus styles: at least 3:1 against those backgrounds.
Text needs 4.5:1, large text 3:1: at least 24 CSS px, or 18.66 px bold (in WXSS 750 rpx are
375 px, so 48 rpx and 37.33 rpx). Semi-transparent backgrounds (overlays) are not text surfaces.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_CSS = [ROOT / "app" / "admin" / "static" / "admin.css"]
STUB = ROOT / "miniprogram_stub"

TEXT, LARGE, NON_TEXT = 4.5, 3.0, 3.0
NAMED = {"white": "#ffffff", "black": "#000000"}


@dataclass(frozen=True)
class Rule:
    """One CSS rule: its selectors and declarations."""

    file: str
    selectors: tuple[str, ...]
    declarations: dict[str, str]


@dataclass(frozen=True)
class Pair:
    """A foreground and a background colour the stylesheets put together, and the ratio they need."""

    file: str
    selector: str
    what: str
    foreground: str
    background: str
    needed: float

    @property
    def ratio(self) -> float:
        """The WCAG contrast ratio of the pair."""
        return contrast(parse_colour(self.foreground), parse_colour(self.background))

    @property
    def passes(self) -> bool:
        """True when the pair reaches the ratio it needs (rounded down to two decimals, as WCAG tools do)."""
        return int(self.ratio * 100) / 100 >= self.needed


def parse_rules(text: str, file: str) -> list[Rule]:
    """The rules of a stylesheet (comments dropped; @media blocks read as plain rules)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)\s*\}", r"\1", text)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip().lower()] = value.strip().lower()
        rules.append(Rule(file, tuple(s.strip() for s in selectors.split(",") if s.strip()), declarations))
    return rules


def parse_colour(value: str) -> tuple[float, float, float, float] | None:
    """(r, g, b, alpha) of a hex, rgb()/rgba() or named colour in a declaration value; None when it has none."""
    value = value.strip().lower()
    for word, hex_value in NAMED.items():
        value = re.sub(rf"\b{word}\b", hex_value, value)
    match = re.search(r"#([0-9a-f]{3,8})\b", value)
    if match:
        digits = match.group(1)
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        if len(digits) not in (6, 8):
            return None
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha
    match = re.search(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)", value)
    if match:
        alpha = match.group(4)
        a = 1.0 if alpha is None else (float(alpha[:-1]) / 100 if alpha.endswith("%") else float(alpha))
        return float(match.group(1)), float(match.group(2)), float(match.group(3)), a
    return None


def luminance(colour: tuple[float, float, float, float]) -> float:
    """Relative luminance (WCAG 2.2)."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground, background) -> float:
    """The contrast ratio of two opaque colours."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _background(rule: Rule) -> str | None:
    """The opaque background colour a rule sets, if any."""
    for name in ("background-color", "background"):
        value = rule.declarations.get(name)
        colour = parse_colour(value) if value else None
        if colour is not None and colour[3] >= 1:
            return value
    return None


def _px(size: str | None, *, wxss: bool) -> float | None:
    """A font size in CSS px (rpx halved; em and rem from 16 px); None when unknown or relative to a parent."""
    if not size:
        return None
    match = re.fullmatch(r"([\d.]+)(px|rpx|rem)", size.strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return number / 2 if unit == "rpx" else number * 16 if unit == "rem" else number


def is_large(rule: Rule, *, wxss: bool) -> bool:
    """Large text by WCAG: 24 px, or 18.66 px and bold."""
    size = _px(rule.declarations.get("font-size"), wxss=wxss)
    bold = rule.declarations.get("font-weight", "") in ("bold", "bolder", "600", "700", "800", "900")
    return size is not None and (size >= 24 or (bold and size >= 18.66))


def pairs(files: list[Path], *, page_background: str = "#ffffff") -> list[Pair]:
    """Every foreground/background pair the stylesheets in `files` (read as one) put together."""
    rules = [rule for path in files for rule in parse_rules(path.read_text(encoding="utf-8"), path.name)]
    wxss = any(path.suffix == ".wxss" for path in files)
    surfaces = {page_background}
    scoped: dict[str, str] = {}
    for rule in rules:
        background = _background(rule)
        if background is None:
            continue
        for selector in rule.selectors:
            scoped[selector] = background
        if "color" not in rule.declarations:
            surfaces.add(background)
    found = []
    for rule in rules:
        background = _background(rule)
        needed = LARGE if is_large(rule, wxss=wxss) else TEXT
        for selector in rule.selectors:
            colour = rule.declarations.get("color")
            if colour and parse_colour(colour):
                parent = next(
                    (
                        scoped[s]
                        for s in sorted(scoped, key=len, reverse=True)
                        if s != selector and selector.startswith(s + " ")
                    ),
                    None,
                )
                behind = [background] if background else [parent] if parent else sorted(surfaces)
                found += [Pair(rule.file, selector, "text", colour, bg, needed) for bg in behind]
            outline = rule.declarations.get("outline-color") or rule.declarations.get("outline")
            if outline and parse_colour(outline):
                parent = next(
                    (
                        scoped[s]
                        for s in sorted(scoped, key=len, reverse=True)
                        if selector.startswith(s + " ")
                    ),
                    None,
                )
                behind = [parent] if parent else sorted(surfaces)
                found += [Pair(rule.file, selector, "outline", outline, bg, NON_TEXT) for bg in behind]
    return found


def stub_groups() -> list[tuple[str, list[Path]]]:
    """The mini program's styles: app.wxss with each page's or component's own WXSS (what renders together)."""
    app = STUB / "app.wxss"
    own = sorted(p for p in STUB.rglob("*.wxss") if "node_modules" not in p.parts and p != app)
    return [(str(path.relative_to(ROOT)), [app, path]) for path in own]


def page_background(path: Path) -> str:
    """The `page { background }` of a WXSS file, white when it sets none."""
    for rule in parse_rules(path.read_text(encoding="utf-8"), path.name):
        if "page" in rule.selectors and _background(rule):
            return _background(rule)
    return "#ffffff"


def all_pairs() -> list[Pair]:
    """The pairs of the console and of every page and component of the mini program."""
    found = pairs(CONSOLE_CSS)
    stub_page = page_background(STUB / "app.wxss")
    for _, files in stub_groups():
        found += pairs(files, page_background=stub_page)
    return sorted(set(found), key=lambda p: (p.file, p.selector, p.background))


def main() -> int:
    """Print every pair with its ratio; exit 1 when one is too low."""
    failures = 0
    for pair in all_pairs():
        mark = "ok " if pair.passes else "LOW"
        failures += not pair.passes
        print(
            f"{mark} {pair.ratio:5.2f}:1 (needs {pair.needed}) {pair.file} {pair.selector} "
            f"{pair.what} {pair.foreground} on {pair.background}"
        )
    print(f"{failures} pair(s) below the ratio they need")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
