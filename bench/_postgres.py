"""Shared by the benchmarks: a PostgreSQL server to measure on, and throwaway databases."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
PG_THROWAWAY = ROOT / "scripts" / "pg-throwaway.sh"
START_ATTEMPTS = 3
RETRY_PAUSE_S = 30


def server_url(given: str | None) -> tuple[str | None, str]:
    """The server URL to use, and a note on where it came from (or why there is none)."""
    if given:
        return given, "given"
    note = ""
    for attempt in range(1, START_ATTEMPTS + 1):
        code, url, note = _throwaway("start")
        if code == 0 and url:
            return (
                url,
                "scripts/pg-throwaway.sh (left running; `bash scripts/pg-throwaway.sh stop`)",
            )
        if "timed out waiting for lock" not in note or attempt == START_ATTEMPTS:
            break
        print(f"  {note}; retrying in {RETRY_PAUSE_S} s", file=sys.stderr)
        time.sleep(RETRY_PAUSE_S)
    return None, f"scripts/pg-throwaway.sh start failed: {note}"


def _throwaway(command: str) -> tuple[int, str, str]:
    """Run the helper script: exit status, stdout, last line of stderr."""
    try:
        result = subprocess.run(
            ["bash", str(PG_THROWAWAY), command],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=ROOT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return -1, "", str(error)
    last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
    return result.returncode, result.stdout.strip(), last


@contextmanager
def temporary_database(url: str, prefix: str = "rareledger_bench") -> Iterator[str]:
    """A new database on the server for the block, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
