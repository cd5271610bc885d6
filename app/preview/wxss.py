"""The mini program's WXSS as browser CSS, translated by rule (never restyled by hand).

`rpx` is WeChat's responsive pixel: 750rpx is the screen's width, so on the preview's phone of
FRAME_WIDTH CSS pixels one rpx is FRAME_WIDTH / 750 px. `vh` is a share of the phone's height.
`rem` is kept as it is: each page of the mini program sets its root font size to the phone's font
size (`<page-meta root-font-size="system">`), and in the browser the root font size is the reader's
text size, so text sized in rem grows with it while rpx lengths stay fixed to the frame's width. At
the standard sizes (16 px; a 375 px phone) 1rem is 32rpx in both.
The `page` selector (the page's root in WeChat) becomes the phone frame, and every other selector
is scoped inside it so the preview's own controls keep their look.
"""

from __future__ import annotations

import re

#: The phone the preview draws: an iPhone 6/7/8 screen, 375 x 667 CSS pixels (WeChat's reference);
#: a page's window is what WeChat's 44-pixel navigation bar leaves of its height.
FRAME_WIDTH = 375
FRAME_HEIGHT = 667 - 44
#: The class of the phone frame's root element.
FRAME = ".mp-frame"

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_LENGTH = re.compile(r"(?<![\w.#-])(-?\d*\.?\d+)(rpx|vh)\b")
_PAGE = re.compile(r"(?<![\w.#-])page(?![\w-])")


def _length(match: re.Match) -> str:
    """One rpx or vh length as CSS pixels of the phone frame."""
    number, unit = float(match.group(1)), match.group(2)
    scale = FRAME_WIDTH / 750 if unit == "rpx" else FRAME_HEIGHT / 100
    value = round(number * scale, 3)
    return f"{value:g}px"


def _selector(selector: str) -> str:
    """A WXSS selector scoped to the phone frame; `page` is the frame itself."""
    selector = selector.strip()
    if _PAGE.match(selector):
        return _PAGE.sub(FRAME, selector, count=1)
    return f"{FRAME} {selector}"


def translate(wxss: str) -> str:
    """Browser CSS for a WXSS source: rpx and vh converted, rem kept, selectors scoped; at-rules are refused."""
    source = _COMMENT.sub("", wxss)
    if "@" in source:
        raise ValueError("WXSS at-rules (@import, @media, @font-face) are not translated")
    rules = []
    for selectors, body in _RULE.findall(source):
        scoped = ", ".join(_selector(part) for part in selectors.split(",") if part.strip())
        declarations = _LENGTH.sub(_length, " ".join(body.split()))
        rules.append(f"{scoped} {{ {declarations} }}")
    leftover = _RULE.sub("", source).strip()
    if leftover:
        raise ValueError(f"WXSS not understood: {leftover[:60]!r}")
    return "\n".join(rules) + "\n"
