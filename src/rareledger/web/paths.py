"""Identifiers in API paths.

The contract allows ``/`` in identifiers (``A-Z a-z 0-9 . _ : / -``). An API path carries an
identifier as one percent-escaped segment (``/`` as ``%2F``), as HTTP client libraries escape a
path parameter; :class:`~rareledger.web.middleware.CarefulPaths` routes API requests on the
path as sent, and these convertors decode each identifier once. A route declared with
``{name:slashed_id}`` also takes the identifier's ``/`` unescaped; such a route must come
after the routes with a sub-path below it (``/lots/{lot_id}/trace`` before ``/lots/{lot_id}``).
Importing this module registers the convertors with Starlette.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from starlette.convertors import Convertor, register_url_convertor


class LedgerId(Convertor[str]):
    """One path segment holding an identifier, percent-escapes decoded (``%2F`` is ``/``)."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return unquote(value)

    def to_string(self, value: str) -> str:
        return quote(value, safe="")


class SlashedId(LedgerId):
    """An identifier that may also carry its ``/`` unescaped (the contract allows ``/`` in
    ids): it takes the rest of the path, so a route with a sub-path is declared first."""

    regex = ".+"


register_url_convertor("ledger_id", LedgerId())
register_url_convertor("slashed_id", SlashedId())
