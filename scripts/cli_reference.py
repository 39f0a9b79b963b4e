"""Write docs/cli.md from the command line's own --help (a test checks it is current)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from rareledger.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


def render() -> str:
    runner = CliRunner()
    parts = [
        "# Command line reference\n",
        "Generated from `--help` by `python scripts/cli_reference.py`; "
        "`tests/test_docs.py` fails when it is out of date.\n",
    ]
    for path in [(), *commands(cli)]:
        result = runner.invoke(cli, [*path, "--help"], prog_name="rareledger", terminal_width=100)
        title = " ".join(("rareledger", *path))
        parts.append(f"## `{title}`\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render())
    sys.stdout.write(f"wrote {DOC}\n")
