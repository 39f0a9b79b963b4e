"""EPCIS capture jobs: the status resource of each capture (REST binding)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.access import Principal
from rareledger.services.epcis import Outcome
from rareledger.store import epcis as store
from rareledger.store.database import Database

LISTED = 100


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _shape(job: dict[str, Any]) -> dict[str, Any]:
    """A job as the binding shows it (``captureID``, ``running``, ``success``, …)."""
    return {
        "captureID": job["capture_id"],
        "createdAt": job["created_at"],
        "finishedAt": job["finished_at"],
        "running": job["running"],
        "success": job["success"],
        "captureErrorBehaviour": job["error_behaviour"],
        "eventCount": job["event_count"],
        "errors": job["errors"],
    }


def start(principal: Principal, behaviour: str, events: int) -> dict[str, Any]:
    """A new capture job (stored when it finishes: captures run to completion)."""
    job: dict[str, Any] = {
        "capture_id": secrets.token_hex(8),
        "submitted_by": principal.name,
        "enterprise_id": principal.enterprise_id,
        "error_behaviour": behaviour,
        "running": True,
        "success": True,
        "created_at": _now(),
        "finished_at": None,
        "event_count": events,
        "errors": [],
    }
    return job


def finish(database: Database, job: dict[str, Any], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Record the outcome of each event that did not go in (the job's ``errors``)."""
    errors = [
        {
            "type": "epcisException:ValidationException",
            "title": f"event {o.index} {o.status}",
            "status": 409 if o.status == "duplicate" else 400,
            "detail": "; ".join(f"{e['field'] or 'event'}: {e['message']}" for e in o.errors),
            "eventIndex": o.index,
            "eventHashID": o.hash_id,
            "errors": o.errors,
        }
        for o in outcomes
        if o.status != "accepted"
    ]
    values = {"running": False, "success": not errors, "finished_at": _now(), "errors": errors}
    with database.write() as connection:  # captures run to completion: one write per job
        store.save_job(connection, {**job, **values})
    return _shape({**job, **values})


def get(database: Database, principal: Principal, capture_id: str) -> dict[str, Any] | None:
    with database.read() as connection:
        job = store.get_job(connection, capture_id)
    if job is None or not (principal.reads_all or job["enterprise_id"] == principal.enterprise_id):
        return None
    return _shape(job)


def listing(database: Database, principal: Principal) -> list[dict[str, Any]]:
    scope = None if principal.reads_all else principal.enterprise_id or ""
    with database.read() as connection:
        return [_shape(job) for job in store.list_jobs(connection, scope, LISTED)]
