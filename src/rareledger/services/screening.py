"""Screening of foreign parties against the watch list: a fuzzy name match.

Names are transliterated to ASCII (anyascii), lower-cased, stripped of punctuation and of
company-form words (Ltd, GmbH, OOO, Co., ...), and compared token by token regardless of order
(rapidfuzz's ``token_sort_ratio``, 0-100), against the entry's name and each alias. A party in
another country than the entry scores ``COUNTRY_PENALTY`` less. Hits at or above the threshold
are findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from anyascii import anyascii
from rapidfuzz import fuzz

from rareledger.domain.control_records import WatchlistEntry
from rareledger.domain.export_control import Match, Screener

COUNTRY_PENALTY = 10.0
COMPANY_FORMS = frozenset(
    (
        "ltd",
        "limited",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "kk",
        "ooo",
        "oao",
        "zao",
        "pao",
        "pte",
        "pty",
        "sdn",
        "bhd",
        "jsc",
        "tbk",
        "group",
        "holding",
        "holdings",
        "international",
        "trading",
    )
)


def normalise(name: str) -> str:
    """ASCII, lower case, no punctuation, no company-form words, single spaces."""
    joined = re.sub(r"[.'`]+", "", anyascii(name).lower())  # "A.G." -> "ag", "Shen'" -> "shen"
    words = re.sub(r"[^a-z0-9]+", " ", joined).split()
    kept = [w for w in words if w not in COMPANY_FORMS]
    return " ".join(kept or words)


def score(name: str, candidate: str) -> float:
    return float(fuzz.token_sort_ratio(normalise(name), normalise(candidate)))


def make_screener(threshold: float) -> Screener:
    """A screener that reports every entry whose best-matching name reaches ``threshold``."""

    def screen(name: str, country: str | None, entries: Sequence[WatchlistEntry]) -> list[Match]:
        matches = []
        for entry in entries:
            best_name, best = max(
                ((n, score(name, n)) for n in (entry.name, *entry.aliases)),
                key=lambda pair: pair[1],
            )
            if country and entry.country and country != entry.country:
                best -= COUNTRY_PENALTY
            if best >= threshold:
                matches.append(Match(entry.id, best_name, best))
        return matches

    return screen
