"""One tree of errors for every layer, each with a stable code.

::

    LedgerError                 anything the caller can act on; ``code`` is stable
    ├── NotFound                no such thing (or not visible to the caller)
    ├── Conflict                the request clashes with what the ledger holds
    ├── Invalid                 bad input: the message starts with the field or option
    └── Forbidden               the caller may not do this

A raiser picks the branch and, where a client may want to tell cases apart, a code of its own
(``Conflict("...", code="event_id_conflict")``); subclasses (``SheetError``, ``StoreError``,
``Rejected`` in the domain...) fix their code once. The edges translate the tree in one place
each: ``rareledger.web.errors`` to an HTTP status and the JSON error shape, ``rareledger.cli``
to a message on stderr and an exit status. Nothing here imports anything, so every layer,
the pure domain included, may raise these.
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """A failure with a stable machine-readable ``code``, a message and optional details."""

    code: str = "error"  # each subclass sets its own; an instance may narrow it

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NotFound(LedgerError):
    """The named thing does not exist, or the caller may not know that it does."""

    code: str = "not_found"


class Conflict(LedgerError):
    """The request is well formed but clashes with the ledger's state."""

    code: str = "conflict"


class Invalid(LedgerError):
    """The input breaks a rule; the message names the field, parameter or option first."""

    code: str = "validation_error"


class Forbidden(LedgerError):
    """The caller is known but may not do this."""

    code: str = "forbidden"
