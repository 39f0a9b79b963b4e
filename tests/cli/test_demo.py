"""`rareledger demo`: simulate, load, check, summarise (serving is left out here)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rareledger.cli import cli


def test_demo_without_serving(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["demo", "--dir", str(tmp_path), "--no-serve", "--scale", "0.002"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    for heading in (
        "simulated",
        "rejected 0",
        "ledger verified",
        "intact",
        "national production",
        "exports by destination",
        "findings by code",
    ):
        assert heading in result.output
    assert (tmp_path / "rareledger.db").exists()
    assert (tmp_path / "year" / "ground_truth.jsonl").exists()


def test_demo_serves_and_prints_where_and_how_to_sign_in(tmp_path: Path) -> None:
    import json
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rareledger",
            "demo",
            "--dir",
            str(tmp_path),
            "--scale",
            "0.001",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("regulator login:"):
                break
        assert any(f"serving on http://127.0.0.1:{port}" in line for line in lines)
        password = lines[-1].split("regulator / ")[1].split()[0]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            method="POST",
            data=json.dumps({"username": "regulator", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(request) as reply:
                    assert json.loads(reply.read())["token_type"] == "bearer"
                    break
            except OSError:
                import time

                time.sleep(0.1)
        else:
            raise AssertionError("the demo did not answer")
    finally:
        server.terminate()
        server.communicate(timeout=20)
