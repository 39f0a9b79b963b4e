"""Readers of the master data of the contract (section 2): enterprises, facilities, quotas."""

from __future__ import annotations

from decimal import Decimal

from rareledger.domain import vocabulary as vocab
from rareledger.domain.events import Enterprise, Facility, Quota
from rareledger.domain.fields import Fields, all_read, join
from rareledger.domain.problems import Problem


def enterprise(f: Fields) -> Enterprise | None:
    name_local = f.text("name_local", required=False)
    args = all_read(
        {
            "id": f.identifier("id"),
            "name": f.text("name"),
            "country": f.country("country"),
            "roles": _roles(f),
            "status": f.choice("status", vocab.ENTERPRISE_STATUSES, "unknown_status"),
        },
    )
    return Enterprise(**args, name_local=name_local) if args else None


def _roles(f: Fields) -> tuple[str, ...] | None:
    values = f.listing("roles")
    if values is None:
        return None
    for index, role in enumerate(values):
        if role not in vocab.ROLES:
            f.problems.append(
                Problem(
                    "unknown_role",
                    f"{join(f.path, 'roles')}[{index}]",
                    f"must be one of {', '.join(vocab.ROLES)}",
                    role,
                )
            )
            return None
    return tuple(dict.fromkeys(values))


def facility(f: Fields) -> Facility | None:
    before = len(f.problems)
    lat, lon = _coordinate(f, "lat", 90), _coordinate(f, "lon", 180)
    coordinates_ok = len(f.problems) == before
    args = all_read(
        {
            "id": f.identifier("id"),
            "enterprise_id": f.identifier("enterprise_id"),
            "kind": f.choice("kind", vocab.FACILITY_KINDS, "unknown_kind"),
            "name": f.text("name"),
            "region": f.text("region"),
        },
    )
    return Facility(**args, lat=lat, lon=lon) if args and coordinates_ok else None


def _coordinate(f: Fields, name: str, limit: int) -> Decimal | None:
    """An optional coordinate in degrees (problems are recorded; the value is then None)."""
    if f.obj.get(name) is None:
        return None
    value = f.decimal(name)
    if value is not None and abs(value) > limit:
        f.fail("out_of_range", name, f"must be between -{limit} and {limit}", value)
        return None
    return value


def quota(f: Fields) -> Quota | None:
    record_id, owner = f.identifier("id"), f.identifier("enterprise_id")
    year = f.integer("year", 1900, 2200)
    kind = f.choice("kind", vocab.QUOTA_KINDS, "unknown_kind")
    reo_t = f.decimal("reo_t")
    if reo_t is not None and reo_t <= 0:
        f.fail("mass_not_positive", "reo_t", "must be greater than zero", reo_t)
        reo_t = None
    args = all_read(
        {"id": record_id, "enterprise_id": owner, "year": year, "kind": kind, "reo_t": reo_t}
    )
    return Quota(**args) if args else None
