"""People's sessions on the pages: a signed cookie, CSRF tokens, page access rules, headers.

The session is a cookie signed with the service's secret (Starlette's ``SessionMiddleware``,
itsdangerous underneath): it holds the username, a CSRF token and the chosen language, never
a password or a key. Every page names who may open it with :func:`require`, like
``allow(...)`` on the API; the account is looked up on every request, so a disabled account is
signed out at once. Every form carries the session's CSRF token, and a POST without it is
refused.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rareledger.domain.access import Principal
from rareledger.services import accounts
from rareledger.web import i18n
from rareledger.web.security import ANONYMOUS, Context

SESSION_COOKIE = "rareledger_session"
CSRF_FIELD = "csrf_token"
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API docs (Swagger UI, ReDoc) set styles from their scripts; scripts stay 'self'.
DOCS_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)
DOCS_PATHS = ("/api/docs", "/api/redoc")


class SignInRequired(Exception):
    """A page for signed-in people, opened without a session."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class PageForbidden(Exception):
    """A page the signed-in role may not open."""

    def __init__(self, role: str, roles: tuple[str, ...]) -> None:
        super().__init__(f"the {role} role may not open this page")
        self.role, self.roles = role, roles


class CsrfFailed(Exception):
    """A form sent without this session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def page_principal(request: Request, ctx: Any) -> Principal | None:
    """The signed-in person, or None."""
    username = request.session.get("user")
    if not isinstance(username, str):
        return None
    principal = accounts.user_principal(ctx.database, username)
    if principal is None:
        request.session.clear()
    return principal


def require(*roles: str) -> Any:
    """A page dependency admitting only these roles (``anonymous`` admits everyone)."""

    def check(request: Request, ctx: Context) -> Principal | None:
        principal = page_principal(request, ctx)
        request.state.principal = principal
        if ANONYMOUS in roles:
            return principal
        if principal is None:
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(back)
        if principal.role not in roles:
            raise PageForbidden(principal.role, roles)
        return principal

    check.access = tuple(roles)  # type: ignore[attr-defined]
    return Depends(check)


async def _checked_form(request: Request) -> Any:
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str):
        raise CsrfFailed("the form has no valid security token: reload the page and try again")
    if not hmac.compare_digest(sent, expected):
        raise CsrfFailed("the form has no valid security token: reload the page and try again")
    return form


CheckedForm = Annotated[Any, Depends(_checked_form)]


def sign_in_url(back_to: str) -> str:
    return "/login?next=" + quote(back_to, safe="/")


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after signing in (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


class PageHeaders:
    """Security headers on every answer, and the language of the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_CSP if path in DOCS_PATHS else STRICT_CSP
        chosen = _language_of(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(
                    (name.encode(), value.encode())
                    for name, value in (
                        ("content-security-policy", policy),
                        ("referrer-policy", "same-origin"),
                        ("x-content-type-options", "nosniff"),
                        ("x-frame-options", "DENY"),
                        ("cross-origin-opener-policy", "same-origin"),
                        ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
                    )
                )
                message["headers"] = headers
            await send(message)

        with i18n.speaking(chosen):
            await self.app(scope, receive, with_headers)


def _language_of(scope: Scope) -> str:
    session = scope.get("session") or {}
    chosen = session.get("lang")
    if chosen in i18n.LANGUAGES:
        return str(chosen)
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    return i18n.best_language(accept)
