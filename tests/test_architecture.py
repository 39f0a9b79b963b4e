"""The layers hold, only the store speaks SQL, and modules stay small.

Every module of every package is walked (sub-packages such as ``domain/detection`` too), and
every import in it, also one inside a function, is checked against :data:`MAY_IMPORT`:

    errors                      imports nothing of rareledger; every layer may raise its errors
    domain                      pure: the standard library, orjson, msgspec, itself, errors
    config                      reads the environment; importable from every layer but the domain
    store, formats              the domain below them; never services, cli or web
    simulation                  writes records like a reporter: domain and formats only
    services                    store, formats, domain; never cli or web
    web                         services and everything below; never cli
    cli                         everything (it serves the web application)
    data, templates             files shipped with the package, no code

The rule for SQL: only ``store`` imports SQLAlchemy, Alembic or a database driver; a service
calls store functions with the connection that ``database.read()`` or ``database.write()``
gives it, and gets plain values or domain dataclasses back.

Functions stay under 40 statements through ruff (``PLR0915``, ``max-statements`` in
pyproject.toml); a ``# noqa: PLR0915`` must say why.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "rareledger"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 400
BELOW_SERVICES = {"domain", "errors", "config", "formats", "store"}
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "domain": {"domain", "errors"},
    "config": {"config", "domain", "errors"},
    "formats": {"formats", "domain", "errors", "config"},
    "store": {"store", "domain", "errors", "config"},
    "simulation": {"simulation", "domain", "formats", "errors", "config"},
    "services": {"services", *BELOW_SERVICES},
    "web": {"web", "services", "package", *BELOW_SERVICES},
    "cli": {"cli", "web", "services", "simulation", "package", *BELOW_SERVICES},
    "package": {"cli"},  # __init__ (the version) and __main__ (runs the command line)
    "data": set(),  # shipped reference data (JSON), no code
    "templates": set(),  # Jinja2 templates, no code
}
# Pure computation, no I/O: orjson writes the canonical JSON that the hash chain covers;
# msgspec decodes JSON (exact decimals) and reads the shape of validated records.
DOMAIN_MAY_USE = {"orjson", "msgspec"}
DOMAIN_MAY_NOT_USE = {"sqlite3", "socket", "subprocess", "os", "io", "pathlib", "shutil"}
DATABASE_LIBRARIES = {"sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3", "asyncpg"}
# The lead's write-path services still hold SQL while the batch engine is rebuilt (issue 11);
# both leave this list when their SQL has moved into store modules.


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """``rareledger.store.log`` -> ``store``; the package's own modules are ``package``."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__init__", "__main__"):
        return "package"
    return parts[1]


def imports(module: str, source: str, is_package: bool = False) -> set[str]:
    """Every module that ``source`` imports, relative imports resolved."""
    names: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            names.add(".".join([*base, *(node.module or "").split(".")]).strip("."))
    return names


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """What is wrong with the imports of one module, as sentences."""
    layer = layer_of(module)
    if layer not in MAY_IMPORT:
        return [f"{module}: the package {layer!r} has no layer: add it to MAY_IMPORT"]
    found = []
    for name in sorted(imports(module, source, is_package)):
        top = name.split(".")[0]
        if top == "rareledger":
            target = layer_of(name)
            if target != layer and target not in MAY_IMPORT[layer]:
                found.append(f"{module} imports {name}: {layer} may not import {target}")
        elif layer == "domain" and (
            top not in sys.stdlib_module_names | DOMAIN_MAY_USE or top in DOMAIN_MAY_NOT_USE
        ):
            found.append(f"{module} imports {name}: the domain is pure")
        elif top in DATABASE_LIBRARIES and layer != "store":
            found.append(f"{module} imports {name}: only the store speaks to the database")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path: Path) -> None:
    module = module_name(path)
    assert violations(module, path.read_text(), path.name == "__init__.py") == []


@pytest.mark.parametrize(
    ("module", "source", "complaint"),
    [
        ("rareledger.services.fake", "from sqlalchemy import select", "only the store"),
        ("rareledger.services.fake", "import psycopg", "only the store"),
        ("rareledger.web.api.fake", "from sqlalchemy.exc import IntegrityError", "only the store"),
        ("rareledger.store.fake", "from rareledger.services import reads", "store may not"),
        ("rareledger.store.fake", "from ..web import errors", "store may not import web"),
        ("rareledger.domain.detection.fake", "import os", "the domain is pure"),
        ("rareledger.domain.fake", "from rareledger.config import Settings", "domain may not"),
        ("rareledger.domain.fake", "from rareledger.store import schema", "domain may not"),
        ("rareledger.services.fake", "def f():\n    from rareledger.cli import cli", "services"),
        ("rareledger.web.fake", "from rareledger.cli.context import fail", "web may not"),
        ("rareledger.simulation.fake", "from rareledger.store import log", "simulation may not"),
        ("rareledger.epcis.fake", "import json", "has no layer"),
    ],
)
def test_the_checker_finds_a_bad_import(module: str, source: str, complaint: str) -> None:
    found = violations(module, source)
    assert len(found) == 1 and complaint in found[0], found


def test_the_checker_passes_good_imports() -> None:
    good = "from rareledger.store import alerts\nfrom rareledger.errors import NotFound\nimport re"
    assert violations("rareledger.services.fake", good) == []
    assert violations("rareledger.store.fake", "from sqlalchemy import select") == []
    assert violations("rareledger.domain.fake", "import orjson\nfrom . import events") == []


def test_every_package_has_a_layer() -> None:
    packages = {layer_of(module_name(path)) for path in MODULES}
    assert packages <= set(MAY_IMPORT), packages - set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES
