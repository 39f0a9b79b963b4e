"""Request bodies, read one way for every route.

Every JSON body goes through :func:`read_json` (the rules of
:func:`rareledger.formats.jsonlines.parse_json`: exact decimals, no NaN or Infinity, no lone
surrogates, at most 64 levels deep; anything else is 422 ``malformed_json`` naming the
problem; and no NUL character in any string, which PostgreSQL cannot store: 422
``nul_character`` naming where). Routes with a fixed shape take :func:`body` of a pydantic
model, whose errors have the same 422 ``validation_error`` shape as a bad query parameter;
routes that take batches of records use :func:`records_in`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from rareledger.errors import Invalid
from rareledger.formats.jsonlines import parse_json
from rareledger.web.errors import TooLarge

Model = TypeVar("Model", bound=BaseModel)


async def read_json(request: Request) -> Any:
    """The request body as a JSON value."""
    data = await request.body()
    value = parse_json(data, what="the body")
    if b"\\u0000" in data or b"\x00" in data:
        _refuse_nul(value)
    return value


def _refuse_nul(value: Any) -> None:
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            _nul_at(where or "body")
        if isinstance(item, dict):
            for key, inner in item.items():
                if "\x00" in key:
                    _nul_at(f"{where}.(a key)" if where else "(a key)")
                stack.append((f"{where}.{key}" if where else key, inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))


def _nul_at(where: str) -> None:
    message = f"{where}: must not contain the NUL character (U+0000)"
    raise Invalid(
        message,
        code="nul_character",
        details=[{"field": where, "code": "nul_character", "message": message}],
    )


def body(model: type[Model]) -> Any:
    """A dependency that reads the body as JSON and checks it against ``model``.

    Declare it after the route's ``allow(...)``, so that the caller is known first; publish
    the schema with ``openapi_extra=body_schema(model)``.
    """

    async def read(request: Request) -> Model:
        value = await read_json(request)
        try:
            return model.model_validate(value)
        except ValidationError as error:
            problems = error.errors(include_url=False, include_context=False)
            raise RequestValidationError(
                [{**p, "loc": ("body", *p["loc"])} for p in problems]
            ) from None

    return Depends(read)


def body_schema(model: type[BaseModel] | None, description: str = "") -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads its body itself."""
    schema = (
        model.model_json_schema()
        if model
        else {"type": "object", "description": description or "a JSON object"}
    )
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def records_in(value: Any, name: str, limit: int) -> list[Any]:
    """The list in a ``{name: [...]}`` body, at most ``limit`` long."""
    if not isinstance(value, dict) or not isinstance(value.get(name), list):
        raise Invalid(
            f'{name}: the body must be {{"{name}": [...]}}',
            details=[{"field": name, "code": "type", "message": "must be a list"}],
        )
    unknown = sorted(set(value) - {name})
    if unknown:
        raise Invalid(
            f"{unknown[0]}: field is not part of the API",
            details=[
                {"field": f, "code": "unknown_field", "message": "not allowed"} for f in unknown
            ],
        )
    if len(value[name]) > limit:
        raise TooLarge(
            f"{name}: a batch holds at most {limit} records, not {len(value[name])}",
            code="batch_too_large",
        )
    return list(value[name])


def json_object(value: Any, what: str) -> dict[str, Any]:
    """The body as a JSON object, or 422 naming what it should have been."""
    if not isinstance(value, dict):
        raise Invalid(f"body: must be {what}")
    return value
