"""Plain ASGI middleware: request size limits (413), and paths and queries read with care.

:class:`BodyLimit` also bounds streamed bodies. :class:`CarefulPaths` refuses a NUL character
anywhere in a path or query (PostgreSQL cannot store or compare text that holds one), and
routes the API on the path as the client sent it, so that an identifier's ``/`` sent as
``%2F`` stays inside its segment; the path convertors of :mod:`rareledger.web.paths` decode
each identifier once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rareledger.web.errors import error_body

API_PREFIX = "/api/"


class _TooLarge(Exception):
    pass


async def send_error(send: Send, status: int, body: dict[str, Any]) -> None:
    """Answer with the API's error shape, before any route has run."""
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class BodyLimit:
    """Answer 413 to any request whose body is over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = error_body(
            "too_large",
            f"the request body is over {self.max_bytes} bytes",
            {"max_bytes": self.max_bytes},
        )
        await send_error(send, 413, body)


NUL = "\x00"


def nul_field(scope: Scope) -> str | None:
    """The path, or the name of the query parameter, that holds a NUL character."""
    if NUL in scope.get("path", "") or NUL in unquote(_raw_path(scope)):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\u0000") or "query"
    return None


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(scope.get("path", ""))


class CarefulPaths:
    """422 ``nul_character`` for a NUL in the path or query; API routes matched on the path
    as sent (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = nul_field(scope)
        if field is not None:
            message = f"{field}: must not contain the NUL character (U+0000)"
            problem = {"field": field, "code": "nul_character", "message": message}
            await send_error(send, 422, error_body("nul_character", message, [problem]))
            return
        await self.app(_as_sent(scope), receive, send)


def _as_sent(scope: Scope) -> Scope:
    """The scope with an API path left percent-escaped, when the server said how it was sent."""
    path = str(scope.get("path", ""))
    raw = scope.get("raw_path")
    if not path.startswith(API_PREFIX) or not isinstance(raw, bytes):
        return scope
    sent = raw.decode("latin-1")
    if unquote(sent) != path:  # a prefix (root_path) or a rewrite: leave the path alone
        return scope
    return {**scope, "path": sent}
