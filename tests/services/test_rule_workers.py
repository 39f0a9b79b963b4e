"""The rules run in forked workers beside the saving of the fold: the same alerts as one
process, and a failure in either process reported, not lost."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rareledger.domain.detection import (
    RULES,
    Alert,
    DetectionSettings,
    Facts,
    Reference,
    run_rules,
)
from rareledger.domain.detection.model import RuleInfo
from rareledger.services import rule_workers

Rule = Callable[[Facts, DetectionSettings, Reference], Iterator[Alert]]
FACTS = Facts(as_of=datetime(2026, 1, 1, tzinfo=UTC))


def _alert(code: str, n: int) -> Alert:
    return Alert(code, "low", (f"E-{n}",), (f"EV-{n}",), "2025-06", f"{code} {n}", {"n": n})


def _rules(monkeypatch: pytest.MonkeyPatch, rules: dict[str, Rule]) -> None:
    """Only these rules are registered for the test."""
    for code in list(RULES):
        monkeypatch.delitem(RULES, code)
    for code, function in rules.items():
        monkeypatch.setitem(RULES, code, RuleInfo(code, "low", code, function, (code,)))


def _giving(code: str, count: int) -> Rule:
    def rule(_facts: Facts, _settings: DetectionSettings, _ref: Reference) -> Iterator[Alert]:
        yield from (_alert(code, n) for n in range(count))

    return rule


def _run(workers: int, meanwhile: Callable[[], None] = lambda: None) -> list[Alert]:
    return rule_workers.run_rules_beside(
        FACTS, DetectionSettings(), Reference(), None, meanwhile, workers
    )


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_give_the_alerts_one_process_gives(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    shared = _alert("first", 0)  # the same alert id from two rules: the first rule's is kept

    def also_first(_f: Facts, _s: DetectionSettings, _r: Reference) -> Iterator[Alert]:
        yield Alert("first", "high", shared.enterprise_ids, shared.event_ids, "2025-06", "later")

    _rules(
        monkeypatch,
        {
            "first": _giving("first", 40),
            "second": _giving("second", 25),
            "third": also_first,
            "fourth": _giving("fourth", 3),
        },
    )
    calls: list[int] = []
    alerts = _run(workers, meanwhile=lambda: calls.append(os.getpid()))
    assert alerts == run_rules(FACTS)
    assert len(alerts) == 68 and [a.message for a in alerts if a.alert_id == shared.alert_id] == [
        "first 0"
    ]
    assert calls == [os.getpid()]  # the other work ran once, in this process


def test_a_rule_that_fails_in_a_worker_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parent, marker = os.getpid(), tmp_path / "failed"

    def fails_in_a_worker(_f: Facts, _s: DetectionSettings, _r: Reference) -> Iterator[Alert]:
        if os.getpid() != parent:
            marker.write_text("worker")
            raise ValueError("a broken rule")
        yield _alert("broken", 1)

    def wait_for_the_worker() -> None:  # the worker takes the rules while this waits
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    _rules(monkeypatch, {"broken": fails_in_a_worker, "fine": _giving("fine", 2)})
    with pytest.raises(rule_workers.RuleWorkerError, match="ValueError: a broken rule"):
        _run(2, meanwhile=wait_for_the_worker)
    assert marker.read_text() == "worker"


def test_a_failure_of_the_other_work_stops_the_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started_in = tmp_path / "worker-pid"

    def slow(_f: Facts, _s: DetectionSettings, _r: Reference) -> Iterator[Alert]:
        started_in.write_text(str(os.getpid()))
        time.sleep(120)
        yield _alert("slow", 1)

    def fails_once_the_worker_started() -> None:
        deadline = time.monotonic() + 30
        while not started_in.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        raise OSError("the disk is full")

    _rules(monkeypatch, {"slow": slow, "fine": _giving("fine", 2)})
    with pytest.raises(OSError, match="the disk is full"):
        _run(2, meanwhile=fails_once_the_worker_started)
    with pytest.raises(ProcessLookupError):  # the worker was ended and reaped, not left running
        os.kill(int(started_in.read_text()), 0)
