"""Export control in the ledger: regimes, licence workflow, customs checks, export findings.

The licence workflow itself (applications, decisions, approvals) is in
:mod:`rareledger.domain.licence_workflow`. Objects live in the state's registry under these
kinds: ``regime`` and ``watch`` (current
record versions), ``application`` (:class:`ApplicationState`), ``licence``
(:class:`LicenceState`), ``check`` (a customs decision, by declaration number) and ``use``
(what an export or check drew from a licence, by event id, so that a correction can give it
back).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from rareledger.domain.control import Classification, classify, hs_prefixes_for, regime_from_record
from rareledger.domain.control_records import WatchlistEntry
from rareledger.domain.events import Export, Party
from rareledger.domain.findings import RuleSettings, regulator_zone
from rareledger.domain.ledger.model import MasterState
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.licence_workflow import record_application, record_decision
from rareledger.domain.licences import (
    LicenceApplication,
    LicenceDecision,
    LicenceState,
    Shortfall,
    coverage,
)
from rareledger.domain.problems import Finding
from rareledger.domain.records import ParsedRecord


@dataclass(frozen=True, slots=True)
class Match:
    """A watch-list hit: which entry, which of its names, and the similarity score (0-100)."""

    entry_id: str
    matched_name: str
    score: float


Screener = Callable[[str, str | None, Sequence[WatchlistEntry]], list[Match]]


def no_screening(
    _name: str, _country: str | None, _entries: Sequence[WatchlistEntry]
) -> list[Match]:
    return []


def regulator_date(moment: datetime, settings: RuleSettings) -> date:
    """The date of a moment in the regulator's time zone."""
    return moment.astimezone(regulator_zone(settings)).date()


class ExportControl:
    """The export-control rules applied as records arrive."""

    def __init__(self, state: LedgerState, settings: RuleSettings, screener: Screener) -> None:
        self.state = state
        self.settings = settings
        self.screener = screener

    # ------------------------------------------------------------------ master records

    def apply_master(self, parsed: ParsedRecord, position: int) -> tuple[int | None, list[Finding]]:
        """Record a regime, watch-list entry, application or decision; (duplicate_of, findings)."""
        if parsed.type in ("control_regime", "watchlist_entry"):
            kind = "regime" if parsed.type == "control_regime" else "watch"
            current = self.state.entry(kind, parsed.record_id)
            if current is not None and current.digest == parsed.digest:
                return current.position, []
            self.state.put_registry(
                kind,
                parsed.record_id,
                MasterState(
                    parsed.record_id, parsed.type, "", "", parsed.digest, position, parsed.record
                ),
            )
            return None, []
        if parsed.type == "licence_application":
            assert isinstance(parsed.value, LicenceApplication)
            return self._application(parsed, parsed.value, position)
        assert isinstance(parsed.value, LicenceDecision)
        return self._decision(parsed, parsed.value, position)

    def _application(
        self, parsed: ParsedRecord, value: LicenceApplication, position: int
    ) -> tuple[int | None, list[Finding]]:
        duplicate_of = record_application(self.state, parsed, value, position)
        if duplicate_of is not None:
            return duplicate_of, []
        return None, self.screen(value.applicant, (value.consignee, value.end_user))

    def _decision(
        self, parsed: ParsedRecord, value: LicenceDecision, position: int
    ) -> tuple[int | None, list[Finding]]:
        return record_decision(self.state, parsed, value, position), []

    # ------------------------------------------------------------------ screening

    def screen(self, subject: str, parties: Sequence[Party]) -> list[Finding]:
        entries = [self._watch(m) for m in self.state.all_entries("watch")]
        active = [e for e in entries if e.status == "active"]
        findings = []
        for party in parties:
            for match in self.screener(party.name, party.country, active):
                findings.append(
                    Finding(
                        "watchlist_match",
                        f"{party.name!r} matches watch-list entry {match.entry_id} "
                        f"({match.matched_name!r}, score {match.score:.0f})",
                        subject,
                        None,
                        {
                            "party": party.name,
                            "entry": match.entry_id,
                            "matched_name": match.matched_name,
                            "score": f"{match.score:.1f}",
                        },
                    )
                )
        return findings

    @staticmethod
    def _watch(state: MasterState) -> WatchlistEntry:
        r = state.record
        return WatchlistEntry(
            id=r["id"],
            name=r["name"],
            aliases=tuple(r.get("aliases", ())),
            country=r["country"],
            status=r["status"],
            reason=r.get("reason"),
        )

    # ------------------------------------------------------------------ exports and checks

    def classify_export(self, event: Export) -> tuple[Classification, int]:
        """The export's controlled reasons over all items, and the controlled mass."""
        on = regulator_date(event.occurred_at, self.settings)
        regimes = self.regimes()
        reasons: list[Any] = []
        controlled_g = 0
        for item in event.items:
            lot = self.state.lot(item.lot_id)
            if lot is None:
                continue
            found = classify(lot.form, lot.composition, on, regimes)
            if found.controlled:
                reasons.extend(found.reasons)
                controlled_g += item.mass_g
        return Classification(on, tuple(reasons)), controlled_g

    def regimes(self) -> list[Any]:
        return [
            regime_from_record(s.record, f"ledger:{s.position}")
            for s in self.state.all_entries("regime")
        ]

    def shortfalls(self, event: Export, found: Classification, needed_g: int) -> list[Shortfall]:
        licence = self.state.entry("licence", event.licence_no) if event.licence_no else None
        gaps = coverage(
            licence,
            event.licence_no,
            on=found.on,
            destination=event.destination_country,
            end_user=event.end_user.name,
            elements=found.elements,
            needed_g=needed_g,
        )
        expected = hs_prefixes_for(found, self.regimes())
        if expected and not any(event.hs_code.startswith(p) for p in expected):
            gaps.append(
                Shortfall(
                    "misdeclared_goods",
                    f"HS code {event.hs_code} is declared, but the goods hold "
                    f"controlled {', '.join(sorted(found.elements))} "
                    f"(expected a heading among {', '.join(sorted(expected))})",
                )
            )
        return gaps

    def draw(self, event_id: str, licence_no: str, needed_g: int) -> int:
        """Draw a licence down (at most what is left); remember it for a correction."""
        licence: LicenceState = self.state.entry("licence", licence_no)
        drawn = max(0, min(needed_g, licence.remaining_g))
        self.state.put_registry(
            "licence",
            licence_no,
            replace(licence, used_g=licence.used_g + drawn, uses=licence.uses + 1),
        )
        self.state.put_registry("use", event_id, {"licence_no": licence_no, "drawn_g": drawn})
        return drawn

    def _consume_release(self, event: Export) -> bool:
        """The export that follows a released check takes up the check's reservation."""
        release = self.state.entry("check", event.customs_declaration_no)
        if (
            release
            and release["decision"] == "release"
            and release["exporter"] == event.reporter
            and not release.get("exported_by")
        ):
            self.state.put_registry(
                "check", event.customs_declaration_no, {**release, "exported_by": event.event_id}
            )
            return True
        return False

    def give_back(self, event_id: str, declaration: str = "") -> None:
        """Undo what a retracted export drew from its licence, or took up of a release."""
        release = self.state.entry("check", declaration) if declaration else None
        if release and release.get("exported_by") == event_id:
            self.state.put_registry("check", declaration, {**release, "exported_by": None})
        use = self.state.entry("use", event_id)
        if not use:
            return
        licence: LicenceState = self.state.entry("licence", use["licence_no"])
        self.state.put_registry(
            "licence",
            licence.licence_no,
            replace(licence, used_g=licence.used_g - use["drawn_g"], uses=licence.uses - 1),
        )
        self.state.put_registry("use", event_id, None)

    # ------------------------------------------------------------------ the two entry points

    def judge_export(self, event: Export) -> list[Finding]:
        """Findings on an export; draws its licence down when the licence covers it."""
        findings = self.screen(event.reporter, (event.consignee, event.end_user))
        released = self._consume_release(event)
        found, needed_g = self.classify_export(event)
        if not found.controlled or released:
            return findings  # a released check drew the licence down already
        gaps = self.shortfalls(event, found, needed_g)
        seen: set[str] = set()
        for gap in gaps:
            if gap.code not in seen:
                seen.add(gap.code)
                findings.append(
                    Finding(
                        gap.code,
                        gap.message,
                        event.reporter,
                        None,
                        {"licence_no": event.licence_no or "", "codes": ",".join(found.codes)},
                    )
                )
        if event.licence_no and not seen & BLOCKING:
            self.draw(event.event_id, event.licence_no, needed_g)
        return findings


# Shortfalls after which the licence is not drawn down (an exceeded licence is drawn to zero).
BLOCKING = {"unlicensed_export", "licence_scope_mismatch", "licence_expired"}
