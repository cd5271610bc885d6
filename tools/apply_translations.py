"""Apply a JSON file of translations to the catalogs: `python -m tools.apply_translations FILE…`.

Each file holds one message: {"context": … or null, "msgid": …, "msgstr": {locale: text}}; a
plural message gives "msgid_plural" and a list of forms per locale. Run `flask i18n update`
first (the message must be in the catalogs); re-run after a rebase that rewrote them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.i18n.catalogs import po_path, read_catalog, write_catalog


def apply(path: Path) -> list[str]:
    """Write one file's translations into every locale it names; the locales changed."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    key = (entry["msgid"], entry["msgid_plural"]) if entry.get("msgid_plural") else entry["msgid"]
    changed = []
    for locale, text in entry["msgstr"].items():
        catalog_path = po_path(locale)
        catalog = read_catalog(catalog_path)
        message = catalog.get(entry["msgid"], context=entry.get("context"))
        if message is None:
            raise SystemExit(f"{locale}: {entry['msgid']!r} is not in the catalog (run flask i18n update)")
        message.id = key
        message.string = tuple(text) if isinstance(text, list) else text
        message.flags.discard("fuzzy")
        write_catalog(catalog, catalog_path)
        changed.append(locale)
    return changed


def main(argv: list[str]) -> None:
    """Apply each named file."""
    for name in argv:
        print(f"{name}: {', '.join(apply(Path(name)))}")


if __name__ == "__main__":
    main(sys.argv[1:])
