"""Lot passports: a signed statement of a lot's identity, control status and origins.

A passport tells a foreign buyer what it needs (the origin countries and their shares, the
export-control status on the day of issue, the lot's provenance status, and whether the chain
is intact: the ledger's hash chain and the lot's provenance both, so never for a lot with a
gap) and the ledger positions and hashes of the events it rests on; never a client's name or
a price. It is signed
with Ed25519 by the operator's active key. Private keys are stored encrypted with
``RARELEDGER_KEY_PASSPHRASE`` (never in clear); public keys are published
(``rareledger keys export``, ``GET /api/v1/keys``) so a buyer can verify offline.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rareledger.domain.canonical import canonical_json
from rareledger.errors import Invalid
from rareledger.services import integrity, traceability
from rareledger.services.export_control import classify_item
from rareledger.store import issued_passports, queries
from rareledger.store import passports as stored
from rareledger.store.database import Database

ALGORITHM = "Ed25519"
MAX_EVIDENCE = 10_000  # ledger entries one passport may cite (and one verification look up)


class SigningKeyError(Invalid):
    """No usable signing key, or no passphrase."""

    code: str = "signing_key_unusable"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _passphrase(passphrase: str | None) -> bytes:
    if not passphrase or len(passphrase) < 12:
        raise SigningKeyError(
            "set RARELEDGER_KEY_PASSPHRASE (at least 12 characters): it encrypts "
            "the private signing keys"
        )
    return passphrase.encode()


def create_key(database: Database, passphrase: str | None) -> str:
    """Make a new active key (retiring none); return its id."""
    secret = _passphrase(passphrase)
    private = Ed25519PrivateKey.generate()
    key_id = f"k-{secrets.token_hex(6)}"
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    ).decode()
    with database.write() as connection:
        stored.add_key(connection, stored.SigningKey(key_id, public_pem, encrypted, _now(), None))
    return key_id


def rotate_key(database: Database, passphrase: str | None) -> str:
    """Retire the active keys and make a new one (old passports still verify)."""
    _passphrase(passphrase)
    with database.write() as connection:
        stored.retire_active_keys(connection, _now())
    return create_key(database, passphrase)


def list_keys(database: Database) -> list[dict[str, Any]]:
    """Every key's public half (never the private one)."""
    with database.read() as connection:
        rows = stored.keys(connection)
    return [
        {
            "key_id": r.key_id,
            "algorithm": ALGORITHM,
            "public_key": r.public_key,
            "created_at": r.created_at,
            "retired_at": r.retired_at,
            "active": r.retired_at is None,
        }
        for r in rows
    ]


def _active_private(database: Database, passphrase: str | None) -> tuple[str, Ed25519PrivateKey]:
    secret = _passphrase(passphrase)
    with database.read() as connection:
        row = stored.newest_active_key(connection)
    if row is None:
        raise SigningKeyError("no active signing key: run `rareledger keys create`")
    try:
        key = serialization.load_pem_private_key(row.encrypted_private_key.encode(), secret)
    except ValueError as error:
        raise SigningKeyError("the passphrase does not open the signing key") from error
    assert isinstance(key, Ed25519PrivateKey)
    return row.key_id, key


def _origins_by_country(countries: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Shares by country (mines and imports together), from the trace's exact country shares."""
    by_country: dict[str, dict[str, Any]] = {}
    for element, parts in countries.items():
        for part in parts:
            country = part["country"] or "unknown"
            entry = by_country.setdefault(country, {"country": country, "shares": {}})
            total = float(entry["shares"].get(element, 0)) + float(part["share"])
            entry["shares"][element] = f"{total:.6f}"
    return sorted(by_country.values(), key=lambda e: e["country"])


def _evidence(database: Database, event_ids: set[str]) -> list[dict[str, Any]]:
    if len(event_ids) > MAX_EVIDENCE:
        raise Invalid(
            f"lot: its lineage rests on {len(event_ids)} events; a passport cites at most "
            f"{MAX_EVIDENCE}",
            code="too_much_evidence",
        )
    with database.read() as connection:
        found = [queries.event_record(connection, e) for e in sorted(event_ids)]
    return sorted(
        (
            {
                "event_id": f["event_id"],
                "type": f["type"],
                "position": f["position"],
                "hash": f["hash"],
            }
            for f in found
            if f
        ),
        key=lambda e: e["position"],
    )


def _provenance(status: dict[str, Any]) -> dict[str, Any]:
    """The lot's provenance status as a passport states it: the codes of the unresolved
    problems (not their events, which may be other enterprises')."""
    codes = sorted({named.split(":", 1)[0] for named in status["causes"]})
    return {"status": status["status"], "causes": codes}


def issue(
    database: Database,
    lot_id: str,
    *,
    passphrase: str | None,
    base_url: str = "http://127.0.0.1:8000",
    disclose_mines: bool = False,
    issued_by: str = "operator",
) -> dict[str, Any]:
    """A signed passport for one lot, kept so that its link (in the QR code) can be opened:
    ``verification_url`` is the public page that checks it."""
    key_id, private = _active_private(database, passphrase)
    # NotFound for an unknown lot; the lot itself, its shares and status are all it needs
    upstream = traceability.trace_up(database, lot_id, limit=1)
    passport_id = str(uuid.uuid4())
    lot = upstream["lots"][0]  # the traced lot comes first
    provenance = _provenance(upstream["provenance"])
    ledger_intact = integrity.verify(database).intact
    composition = dict(lot["composition"])
    today = datetime.now(UTC).date()
    control = classify_item(
        database, lot["form"], {k: Decimal(v) for k, v in composition.items()}, today
    )
    payload: dict[str, Any] = {
        "version": 1,
        "passport_id": passport_id,
        "issued_at": _now(),
        "lot": {
            "lot_id": lot_id,
            "form": lot["form"],
            "composition": composition,
            "mass_kg": lot["mass_kg"],
        },
        "export_control": {
            "on": today.isoformat(),
            "controlled": control.controlled,
            "codes": control.codes,
            "regimes": control.as_dict()["regimes"],
        },
        "origins": _origins_by_country(upstream["countries"]),
        "provenance": provenance,
        "ledger_intact": ledger_intact,
        "chain_intact": ledger_intact and provenance["status"] == "clean",
        "evidence": _evidence(database, traceability.lineage_events(database, lot_id)),
        "verification_url": f"{base_url.rstrip('/')}/passports/{passport_id}",
    }
    if disclose_mines:
        payload["mines"] = [
            {"mine": o["mine"], "country": o["country"], "shares": o["shares"]}
            for o in upstream["origins"]
            if o["kind"] == "extraction"
        ]
    document = {"passport": payload, "signature": _signature(key_id, private, payload)}
    with database.write() as connection:
        issued_passports.save(connection, document, issued_by)
    return document


def _signature(key_id: str, private: Ed25519PrivateKey, payload: Any) -> dict[str, str]:
    value = private.sign(canonical_json(payload).encode())
    return {"key_id": key_id, "algorithm": ALGORITHM, "value": base64.b64encode(value).decode()}


def sign(database: Database, passphrase: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    """Sign any document (a checkpoint...) with the active key; the payload learns its
    ``key_id`` before it is signed."""
    key_id, private = _active_private(database, passphrase)
    payload = {**payload, "key_id": key_id}
    return {"payload": payload, "signature": _signature(key_id, private, payload)}


def signature_problem(payload: Any, signature: Any, public_keys: dict[str, str]) -> str | None:
    """Why ``signature`` does not sign ``payload`` under one of ``public_keys`` (None: it
    does)."""
    if not isinstance(signature, dict):
        return "there is no signature"
    pem = public_keys.get(str(signature.get("key_id")))
    if pem is None:
        return f"no published key {str(signature.get('key_id'))[:80]!r}"
    try:
        key = serialization.load_pem_public_key(pem.encode())
        assert isinstance(key, Ed25519PublicKey)
        signed = canonical_json(payload).encode()  # refuses integers beyond 64 bits
        key.verify(base64.b64decode(str(signature.get("value", "")), validate=True), signed)
    except (InvalidSignature, ValueError, TypeError, AssertionError):
        return "the signature does not match (altered, or another key)"
    return None


@dataclass
class PassportCheck:
    valid: bool = True
    reasons: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.valid = False
        self.reasons.append(reason)


def verify(
    document: Any, public_keys: dict[str, str], database: Database | None = None
) -> PassportCheck:
    """Check the signature against published keys and then, with a ledger, the evidence
    entries. Nothing is looked up in the ledger for a passport whose signature fails, and at
    most :data:`MAX_EVIDENCE` entries for one that passes, in a few bulk reads."""
    check = PassportCheck()
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("passport"), dict)
        or not isinstance(document.get("signature"), dict)
    ):
        check.fail("not a passport document")
        return check
    if not _signature_holds(document["passport"], document["signature"], public_keys, check):
        return check
    if database is not None:
        _check_evidence(database, document["passport"].get("evidence"), check)
    if check.valid:
        check.reasons.append(
            "signature valid"
            + (", evidence unchanged in the ledger" if database is not None else "")
        )
    return check


def _signature_holds(
    passport: dict[str, Any],
    signature: dict[str, Any],
    public_keys: dict[str, str],
    check: PassportCheck,
) -> bool:
    problem = signature_problem(passport, signature, public_keys)
    if problem is not None:
        check.fail(problem.replace("does not match", "does not match the passport"))
    return problem is None


def _is_position(value: object) -> bool:
    return type(value) is int and 0 < value < 2**63


def _cited(evidence: Any) -> list[dict[str, Any]] | None:
    """The evidence as a list of {position, hash} items, or None when it is not one."""
    if not isinstance(evidence, list) or len(evidence) > MAX_EVIDENCE:
        return None
    if not all(
        isinstance(item, dict)
        and _is_position(item.get("position"))
        and isinstance(item.get("hash"), str)
        for item in evidence
    ):
        return None
    return evidence


def _check_evidence(database: Database, evidence: Any, check: PassportCheck) -> None:
    cited = _cited(evidence)
    if cited is None:
        check.fail(
            f"the evidence is not a list of at most {MAX_EVIDENCE} ledger positions and hashes"
        )
        return
    with database.read() as connection:
        found = stored.entries_at(connection, sorted({item["position"] for item in cited}))
    for item in cited:
        entry = found.get(item["position"])
        if entry is None:
            check.fail(f"ledger position {item['position']} is missing")
        elif entry[1] != item["hash"] or entry[0].compute_hash() != entry[1]:
            check.fail(f"ledger entry {item['position']} ({item.get('event_id')}) has changed")


def public_key_map(keys: Any) -> dict[str, str]:
    """Key id -> public key (PEM) from published keys (the JSON of ``keys list --json``)."""
    if not isinstance(keys, list) or not all(
        isinstance(k, dict)
        and isinstance(k.get("key_id"), str)
        and isinstance(k.get("public_key"), str)
        for k in keys
    ):
        raise Invalid(
            "keys: must be a list of {key_id, public_key} (the JSON of `keys list --json`)",
            code="invalid_public_keys",
        )
    return {k["key_id"]: k["public_key"] for k in keys}
