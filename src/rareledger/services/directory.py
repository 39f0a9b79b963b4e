"""Who is who: enterprises with their names, roles, facilities and provinces; look-up by name
or code with suggestions for near misses; an enterprise's profile for the regulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from rareledger.domain.geography import Province
from rareledger.domain.quantities import format_kg
from rareledger.services import casework, geography, holdings
from rareledger.store import directory as store
from rareledger.store import log
from rareledger.store.database import Database

SUGGESTION_CUTOFF = 70.0


@dataclass(frozen=True, slots=True)
class Enterprise:
    id: str
    name: str
    name_local: str | None
    roles: tuple[str, ...]
    status: str
    country: str
    province: Province | None
    facilities: tuple[dict[str, Any], ...] = ()

    def shown(self, language: str) -> str:
        """Its name as a reader of that language would look for it."""
        return self.name_local if language == "zh" and self.name_local else self.name

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "name_local": self.name_local,
            "roles": list(self.roles),
            "status": self.status,
            "province": self.province.code if self.province else None,
        }


@dataclass
class Directory:
    enterprises: dict[str, Enterprise] = field(default_factory=dict)

    def get(self, enterprise_id: str | None) -> Enterprise | None:
        return self.enterprises.get(enterprise_id or "")

    def name(self, enterprise_id: str | None, language: str = "en") -> str:
        found = self.get(enterprise_id)
        return found.shown(language) if found else str(enterprise_id or "")

    def role(self, enterprise_id: str) -> str:
        found = self.get(enterprise_id)
        return found.roles[0] if found and found.roles else "unknown"

    def lookup(self, query: str, limit: int = 10) -> dict[str, Any]:
        """Enterprises whose code or name contains the query; near misses when none does."""
        wanted = query.strip().lower()
        if not wanted:
            return {"query": query, "matches": [], "suggestions": []}
        matches = [
            e.summary()
            for e in self.enterprises.values()
            if wanted in e.id.lower()
            or wanted in e.name.lower()
            or (e.name_local and wanted in e.name_local.lower())
        ][:limit]
        suggestions: list[dict[str, Any]] = []
        if not matches:
            choices = {
                e.id: f"{e.id} {e.name} {e.name_local or ''}" for e in self.enterprises.values()
            }
            for _text, _score, key in process.extract(
                query.strip(), choices, scorer=fuzz.WRatio, limit=5, score_cutoff=SUGGESTION_CUTOFF
            ):
                suggestions.append(self.enterprises[key].summary())
        return {"query": query, "matches": matches, "suggestions": suggestions}


_CACHE: dict[str, tuple[int, Directory]] = {}


def directory(database: Database) -> Directory:
    """Every enterprise as of the ledger's head (read again when the ledger has grown)."""
    with database.read() as connection:
        head, _ = log.read_head(connection)
        cached = _CACHE.get(database.url)
        if cached is not None and cached[0] == head:
            return cached[1]
        records = store.enterprises(connection)
        facilities = store.facilities(connection)
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for facility in facilities:
        by_owner.setdefault(str(facility.get("enterprise_id")), []).append(facility)
    found = Directory()
    for record in records:
        owned = by_owner.get(record["id"], [])
        province = next(
            (p for p in (geography.locate(f.get("region"), None) for f in owned) if p), None
        ) or geography.locate(None, record["id"])
        found.enterprises[record["id"]] = Enterprise(
            record["id"],
            record.get("name", record["id"]),
            record.get("name_local"),
            tuple(record.get("roles", [])),
            record.get("status", "active"),
            record.get("country", ""),
            province,
            tuple(owned),
        )
    _CACHE[database.url] = (head, found)
    return found


def profile(database: Database, enterprise_id: str) -> dict[str, Any] | None:
    """Names, roles, facilities, risk, trading partners and balances of one enterprise."""
    known = directory(database)
    found = known.get(enterprise_id)
    if found is None:
        return None
    with database.read() as connection:
        partners = store.trading_partners(connection, enterprise_id)
    risk = casework.risk(database, enterprise_id)
    return {
        **found.summary(),
        "country": found.country,
        "facilities": [
            {**f, "province": (p.code if (p := geography.locate(f.get("region"), None)) else None)}
            for f in found.facilities
        ],
        "risk": risk[0] if risk else {"enterprise_id": enterprise_id, "score": 0, "level": "none"},
        "partners": [
            {
                "enterprise_id": p["enterprise_id"],
                "name": known.name(p["enterprise_id"]),
                "direction": p["direction"],
                "shipments": p["shipments"],
                "mass_kg": format_kg(p["grams"]),
            }
            for p in partners
        ],
        "balance": holdings.enterprise_balance(database, enterprise_id),
    }
