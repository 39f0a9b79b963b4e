"""The layers hold: the domain is pure, and modules stay small."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "rareledger"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 600
# Pure computation, no I/O: orjson writes the canonical JSON that the hash chain covers;
# msgspec decodes JSON (exact decimals) and reads the shape of validated records.
DOMAIN_MAY_USE = {"orjson", "msgspec"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "rareledger":
            assert name.startswith("rareledger.domain"), name
        else:
            assert top in sys.stdlib_module_names or top in DOMAIN_MAY_USE, name
            assert top not in {"sqlite3", "socket", "subprocess", "os"}, name


@pytest.mark.parametrize("layer", ["domain", "store", "simulation"])
def test_lower_layers_do_not_import_higher_ones(layer: str) -> None:
    higher = {
        "domain": ("services", "store", "cli", "web"),
        "store": ("services", "cli", "web"),
        "simulation": ("services", "store", "cli", "web"),  # it writes records, like a reporter
    }[layer]
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in _imports(path):
            assert not any(name.startswith(f"rareledger.{h}") for h in higher), (path, name)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES
