"""Chinese and English: gettext catalogues, the language of a request, and locale formats.

The catalogues are the ``.po`` files under ``web/locale`` (Babel's format). They are compiled
in memory the first time a language is used in a process, so there is no build step and no
compiled file that could go stale. ``make messages`` extracts the messages from the code and
the templates and merges them into both catalogues; a test fails on any message that is not
translated in both.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from rareledger.domain.elements import ELEMENTS
from rareledger.services import geography

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
NATIVE_NAMES = {"zh": "中文", "en": "English"}
COUNTRY_OVERRIDES = {"zh": {"TW": "中国台湾"}, "en": {"TW": "Taiwan, China"}}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def catalogue_path(language: str) -> str:
    return f"locale/{language}/LC_MESSAGES/messages.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalogue of a language."""
    text = resources.files("rareledger.web").joinpath(catalogue_path(language)).read_bytes()
    catalog = read_po(io.BytesIO(text), locale=LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def language() -> str:
    """The language of the current request."""
    return _language.get()


@contextmanager
def speaking(chosen: str) -> Iterator[None]:
    """Use a language for what is rendered inside the block."""
    token = _language.set(chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def set_language(chosen: str) -> None:
    _language.set(chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE)


def gettext(message: str) -> str:
    return str(translations(language()).gettext(message))


def ngettext(singular: str, plural: str, count: int) -> str:
    return str(translations(language()).ngettext(singular, plural, count))


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


_ = gettext


def best_language(accept: str | None) -> str:
    """The language an Accept-Language header prefers among ours."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept or "").split(",")):
        name, _sep, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        primary = name.strip().lower().split("-")[0]
        if primary in LANGUAGES:
            ranked.append((-weight, index, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LANGUAGE


def _locale() -> str:
    return LOCALES[language()]


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """A number in the current locale, with a fixed number of decimals."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))
    return str(format_decimal(amount if amount else abs(amount), format=pattern, locale=_locale()))


def day(value: date | str | None) -> str:
    """A date in the current locale (``2025年3月4日``, ``Mar 4, 2025``)."""
    if value is None or value == "":
        return "–"
    moment = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return str(format_date(moment, "medium", locale=_locale()))


def moment(value: datetime | str | None) -> str:
    """A date and time in the current locale."""
    if value is None or value == "":
        return "–"
    found = (
        datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    )
    return str(format_datetime(found, "medium", locale=_locale()))


def month(value: str) -> str:
    """A month ``YYYY-MM`` in the current locale (``2025年3月``, ``Mar 2025``)."""
    return str(format_skeleton("yMMM", date.fromisoformat(value + "-01"), locale=_locale()))


def country(code: str | None) -> str:
    """A country's name in the current language, from its ISO 3166 code."""
    if not code:
        return "–"
    override = COUNTRY_OVERRIDES[language()].get(code)
    if override:
        return override
    name = Locale.parse(_locale()).territories.get(code)
    return str(name) if name else code


def element(symbol: str) -> str:
    found = ELEMENTS.get(symbol)
    if found is None:
        return symbol
    return f"{found.name_zh} {symbol}" if language() == "zh" else f"{found.name} ({symbol})"


def province(code: str | None) -> str:
    """A province's name in the current language, from its ISO 3166-2 code."""
    found = next((p for p in geography.provinces() if p.code == code), None)
    if found is None:
        return gettext("unknown province")
    return found.zh if language() == "zh" else found.en
