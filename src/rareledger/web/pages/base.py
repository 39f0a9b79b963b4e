"""What every page shares: templates, the view a route returns, and its JSON and CSV twins.

A page route parses its request, calls one service and returns a :class:`View`. The same
route is registered three times: ``/path`` renders the template, ``/path.json`` answers the
view's data as JSON, ``/path.csv`` one of its tables (``?table=name``, the first by
default). So a page and its twins are computed by the same query and cannot drift.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from rareledger import __version__
from rareledger.domain.access import AUDITOR, CUSTOMS, ENTERPRISE, REGULATOR, Principal
from rareledger.formats import tables
from rareledger.web import i18n
from rareledger.web.i18n import N_
from rareledger.web.rejections import shown
from rareledger.web.sessions import CSRF_FIELD, csrf_token
from rareledger.web.terms import term

PAGE_SIZE = 100
PageNo = Annotated[int, Query(alias="page", ge=1, le=100_000, description="page of the table")]
TWINS = (".json", ".csv", "")  # twins first: "/x/{id}" would match "/x/1.json" too


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # English, marked for translation
    kind: str = "text"  # text | number | kg | t | date | moment | country | term:<kind> | link


@dataclass
class Table:
    """Rows of one table, with the columns shown (and written to CSV)."""

    columns: Sequence[Column]
    rows: list[dict[str, Any]]


@dataclass
class View:
    """What a page route returns: a template, its data (the JSON twin), its tables."""

    template: str
    data: Any
    tables: dict[str, Table] = field(default_factory=dict)
    title: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    status_code: int = 200


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rareledger", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        term=term,
        rejection=shown,
        number=i18n.number,
        day=i18n.day,
        moment=i18n.moment,
        month=i18n.month,
        country=i18n.country,
        element=i18n.element,
        language=i18n.language,
        languages=i18n.LANGUAGES,
        native_names=i18n.NATIVE_NAMES,
        version=__version__,
        cell=cell,
        options=options,
    )
    return env


def paged(rows: list[dict[str, Any]], page_no: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One page of a long table, and where it is (``total``, ``page``, ``page_size``)."""
    start = (page_no - 1) * PAGE_SIZE
    return rows[start : start + PAGE_SIZE], {
        "total": len(rows),
        "page": page_no,
        "page_size": PAGE_SIZE,
    }


def options(kind: str, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(code, name) pairs for a select."""
    return [(code, term(kind, code)) for code in codes]


def cell(column: Column, row: dict[str, Any]) -> Any:
    """One table cell as shown on a page."""
    value = row.get(column.key)
    kind = column.kind
    if value is None or value == "":
        return "–"
    shown: dict[str, Callable[[Any], Any]] = {
        "number": lambda v: i18n.number(v),
        "kg": lambda v: i18n.number(v, 3),
        "t": lambda v: i18n.number(v, 3),
        "percent": lambda v: i18n.number(Decimal(str(v)) * 100, 1) + " %",
        "date": i18n.day,
        "moment": i18n.moment,
        "month": i18n.month,
        "country": i18n.country,
        "element": i18n.element,
        "bool": lambda v: i18n.gettext("yes") if v else i18n.gettext("no"),
    }
    if kind in shown:
        return shown[kind](value)
    if kind.startswith("term:"):
        return term(kind[5:], value)
    if kind.startswith("link:"):
        href = kind[5:].format(**row)
        return Markup('<a href="{}">{}</a>').format(href, value)
    return value


NAVIGATION: dict[str, list[tuple[str, str]]] = {
    REGULATOR: [
        ("/overview", N_("Overview")),
        ("/figures/national", N_("National figures")),
        ("/flows", N_("Material flows")),
        ("/map", N_("Facility map")),
        ("/licence-applications", N_("Licence applications")),
        ("/licences", N_("Licences")),
        ("/alerts", N_("Alerts")),
        ("/enterprises", N_("Enterprises")),
        ("/findings", N_("Findings")),
        ("/reports", N_("Reports")),
        ("/customs", N_("Customs check")),
    ],
    ENTERPRISE: [
        ("/portal", N_("My enterprise")),
        ("/report", N_("Report an event")),
        ("/upload", N_("Upload a spreadsheet")),
        ("/stock", N_("Stock")),
        ("/findings", N_("Findings")),
        ("/clients", N_("Find a client")),
        ("/licence-applications", N_("Licence applications")),
        ("/passports", N_("Passports")),
    ],
    CUSTOMS: [("/customs", N_("Customs check")), ("/licences", N_("Licences"))],
}
NAVIGATION[AUDITOR] = [item for item in NAVIGATION[REGULATOR] if item[0] != "/customs"]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "principal", None)
    body = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            principal=principal,
            navigation=NAVIGATION.get(principal.role, []) if principal else [],
            csrf_field=CSRF_FIELD,
            csrf=csrf_token(request),
            **context,
        )
    )
    return HTMLResponse(body, status_code=status_code)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(data: Any, status_code: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, default=_json_default)
    return Response(text, status_code=status_code, media_type="application/json")


def _csv(view: View, table_name: str | None) -> Response:
    if not view.tables:
        return _json({"error": {"code": "not_found", "message": "this page has no table"}}, 404)
    name = table_name if table_name in view.tables else next(iter(view.tables))
    table = view.tables[name]
    return Response(
        tables.csv_text(table.rows, [c.key for c in table.columns]),
        media_type=tables.MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
    )


def respond(request: Request, view: View | Response, twin: str) -> Response:
    if isinstance(view, Response):
        return view
    if twin == ".json":
        return _json(view.data, view.status_code)
    if twin == ".csv":
        return _csv(view, request.query_params.get("table"))
    return render(
        request,
        view.template,
        view.status_code,
        data=view.data,
        tables=view.tables,
        title=view.title,
        **view.context,
    )


def page(
    router: APIRouter, path: str, *, twins: bool = True, csv: bool = True, **options: Any
) -> Callable[..., Any]:
    """Register a GET page at ``path`` and its ``.json`` twin, and its ``.csv`` twin when it
    has tables (``csv``)."""
    chosen = tuple(t for t in TWINS if (twins or not t) and (csv or t != ".csv"))

    def register(func: Callable[..., View | Response]) -> Callable[..., View | Response]:
        for twin in chosen:
            endpoint = _variant(func, twin)
            router.add_api_route(
                path + twin,
                endpoint,
                methods=["GET"],
                name=f"{func.__name__}{twin.replace('.', '_')}",
                response_class=Response,
                include_in_schema=False,
                **options,
            )
        return func

    return register


def _variant(func: Callable[..., View | Response], twin: str) -> Callable[..., Response]:
    @functools.wraps(func)
    def endpoint(*args: Any, **kwargs: Any) -> Response:
        return respond(kwargs["request"], func(*args, **kwargs), twin)

    return endpoint


def action(router: APIRouter, path: str, **options: Any) -> Callable[..., Any]:
    """Register a POST form handler (its form is checked for the CSRF token)."""
    return router.post(path, response_class=Response, include_in_schema=False, **options)
