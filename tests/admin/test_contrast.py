"""Text contrast of the console's CSS and the mini program's WXSS: 4.5:1 for text, 3:1 for large text and outlines."""

from __future__ import annotations

from pathlib import Path

from tools import contrast


def test_every_colour_pair_of_the_console_and_the_mini_program_is_readable():
    pairs = contrast.all_pairs()
    files = {pair.file for pair in pairs}
    assert {"admin.css", "app.wxss", "screen.wxss", "contributions.wxss", "nav.wxss"} <= files
    low = [
        f"{p.file} {p.selector}: {p.foreground} on {p.background} is {p.ratio:.2f}:1, needs {p.needed}:1"
        for p in pairs
        if not p.passes
    ]
    assert not low, "\n".join(low)


def test_the_ratio_is_wcags():
    black, white = contrast.parse_colour("#000"), contrast.parse_colour("white")
    assert round(contrast.contrast(black, white), 2) == 21.0
    assert round(contrast.contrast(contrast.parse_colour("#767676"), white), 2) == 4.54
    assert contrast.parse_colour("rgba(11, 12, 12, 0.6)")[3] == 0.6
    assert contrast.parse_colour("transparent") is None


def test_text_on_the_grey_page_is_checked_and_large_text_needs_less(tmp_path: Path):
    app = tmp_path / "app.wxss"
    app.write_text("page { background: #f3f2f1; color: #0b0c0c; }\n.card { background: #ffffff; }\n")
    page = tmp_path / "page.wxss"
    page.write_text(
        "/* error red */\n.error { color: #d4351c; }\n.big { color: #d4351c; font-size: 48rpx; }\n"
        ".badge { background: #d4351c; color: #fff; }\n.bar { background: rgba(0,0,0,.5); }\n"
    )
    found = {(p.selector, p.background): p for p in contrast.pairs([app, page], page_background="#f3f2f1")}
    assert not found[(".error", "#f3f2f1")].passes  # 4.34:1 on the page's grey
    assert found[(".error", "#ffffff")].passes  # 4.8:1 on a card
    assert found[(".big", "#f3f2f1")].needed == contrast.LARGE and found[(".big", "#f3f2f1")].passes
    assert found[(".badge", "#d4351c")].passes
    assert not any("rgba" in background for _, background in found)  # an overlay is not a text surface


def test_a_colour_under_a_dark_header_is_checked_against_the_header(tmp_path: Path):
    css = tmp_path / "admin.css"
    css.write_text(
        "header.top { background: #0b3d62; color: #fff; }\nheader.top a { color: #fff; }\n"
        "header.top :focus-visible { outline-color: #0b3d62; }\n"
    )
    found = {(p.selector, p.what): p for p in contrast.pairs([css])}
    assert found[("header.top a", "text")].background == "#0b3d62" and found[("header.top a", "text")].passes
    assert not found[("header.top :focus-visible", "outline")].passes  # an outline the header hides
