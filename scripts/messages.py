"""Keep the web application's Chinese and English catalogues in step with the code.

Usage: python scripts/messages.py             # extract, then merge into both catalogues
       python scripts/messages.py --check     # exit 1 if a message lacks a translation
       python scripts/messages.py --glossary  # list the names on screen in docs/glossary.md

Messages are extracted from the Python code (``_``, ``gettext``, ``ngettext`` and the marker
``N_``) and the Jinja templates. New messages are added to both catalogues: the English
one gets the message itself (English is the source language), the Chinese one an empty
translation to fill in. Messages no longer in the code are dropped.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "rareledger"
LOCALE = PACKAGE / "web" / "locale"
LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("web/**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
STAMP = datetime(2026, 12, 2, tzinfo=UTC)  # fixed, so that the files change only with messages


def extract() -> Catalog:
    """Every message the web application can show."""
    catalog = Catalog(project="rareledger")
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def path_of(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with path_of(language).open("rb") as handle:
        return read_po(handle, locale=LANGUAGES[language])


def untranslated(language: str, template: Catalog | None = None) -> list[str]:
    """Messages of the code that the catalogue lacks or leaves untranslated (or fuzzy)."""
    template = template or extract()
    catalog = read(language)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = (found.string if isinstance(found.string, tuple) else (found.string,)) if found else ()
        if found is None or found.fuzzy or not strings or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    template = extract()
    for language, locale in LANGUAGES.items():
        old = read(language)
        new = Catalog(
            locale=locale, project="rareledger", version="1", creation_date=STAMP, revision_date=STAMP
        )
        for message in template:
            if not message.id:
                continue
            found = old.get(message.id, message.context)
            string = found.string if found is not None else ""
            if language == "en" and not (string if isinstance(string, str) else all(string)):
                string = message.id
            new.add(message.id, string, message.locations, context=message.context)
        with path_of(language).open("wb") as handle:
            write_po(handle, new, width=100, no_location=True, sort_output=True)
        print(f"{language}: {len(new)} messages, {len(untranslated(language, template))} untranslated")


GLOSSARY = ROOT / "docs" / "glossary.md"
BEGIN, END = "<!-- names on screen: begin -->", "<!-- names on screen: end -->"


def glossary_section() -> str:
    """The table of every code's name on screen, in Chinese and English, from the catalogues."""
    sys.path.insert(0, str(ROOT / "src"))
    from rareledger.web import i18n
    from rareledger.web.terms import TERMS

    lines = [BEGIN, "", "| kind | code | 中文 | English |", "|---|---|---|---|"]
    for kind, names in TERMS.items():
        if kind in ("alert_or_finding", "holder_role", "customs_reason"):
            continue  # unions of other kinds
        for code, english in names.items():
            with i18n.speaking("zh"):
                chinese = i18n.gettext(english)
            lines.append(f"| {kind} | `{code}` | {chinese} | {english} |")
    return "\n".join([*lines, "", END])


def write_glossary() -> None:
    text = GLOSSARY.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    GLOSSARY.write_text(text[:start] + glossary_section() + text[end:])


if __name__ == "__main__":
    if "--glossary" in sys.argv:
        write_glossary()
        sys.exit(0)
    if "--check" in sys.argv:
        missing = {language: untranslated(language) for language in LANGUAGES}
        for language, ids in missing.items():
            for message_id in ids:
                print(f"{language}: {message_id}")
        sys.exit(1 if any(missing.values()) else 0)
    update()
