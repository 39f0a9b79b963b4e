"""The detection rules run in two or more processes, beside other work of the same run.

Once the ledger is folded, what is left of a run is independent work: saving the fold for the
next run, and each rule, which only reads the facts. A forked worker inherits the facts
without copying them (the pages are shared until written) and takes rules one at a time,
heaviest first, while this process does the other work (``meanwhile``: the save) and then
takes rules too. Each rule runs whole in one process, so a run's alerts are the same as one
process gives (:func:`~rareledger.domain.detection.merged` puts them in the one order).

The worker is a bare ``os.fork``: it touches no database, file or lock of its parent, sends its
alerts (or the error that stopped it) back through a pipe as a pickle and leaves with
``os._exit``. Where processes cannot be forked, or one worker is asked for, the rules run here
after the other work.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from rareledger.domain.detection import (
    Alert,
    DetectionSettings,
    Facts,
    Reference,
    merged,
    rule_codes,
    run_rule,
)

# The rules that take most of a national year's run, heaviest first (bench/README.md,
# "detect.py"): taken first, so that the processes finish close together.
HEAVIEST_FIRST = ("under_invoicing", "quantity_mismatch", "circular_trading")


class RuleWorkerError(RuntimeError):
    """A rule failed in a worker process (the message carries the worker's traceback)."""


def default_workers() -> int:
    """Two processes where the machine has two cores and can fork, else one."""
    return 2 if hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 else 1


def run_rules_beside(
    facts: Facts,
    settings: DetectionSettings,
    reference: Reference,
    only: str | None,
    meanwhile: Callable[[], None],
    workers: int = 1,
) -> list[Alert]:
    """The rules' alerts (every rule, or the one named), with ``meanwhile`` run in this process
    while ``workers - 1`` forked workers start on the rules."""
    codes = _heaviest_first(rule_codes(only))
    if workers < 2 or len(codes) < 2 or not hasattr(os, "fork"):
        meanwhile()
        return merged({code: run_rule(code, facts, settings, reference) for code in codes})
    queue = _Queue(codes)
    children = [_fork(queue, facts, settings, reference) for _ in range(workers - 1)]
    try:
        meanwhile()
        found = queue.drain(facts, settings, reference)
    except BaseException:
        for child in children:
            child.stop()
        raise
    for child in children:
        found.update(child.result())
    return merged(found)


def _heaviest_first(codes: Sequence[str]) -> list[str]:
    heavy = [code for code in HEAVIEST_FIRST if code in codes]
    return heavy + [code for code in codes if code not in heavy]


class _Queue:
    """The rules still to run, shared by the processes (an index into a fixed list)."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        self.next = multiprocessing.get_context("fork").Value("i", 0)

    def take(self) -> str | None:
        with self.next.get_lock():
            index = self.next.value
            self.next.value = index + 1
        return self.codes[index] if index < len(self.codes) else None

    def drain(
        self, facts: Facts, settings: DetectionSettings, reference: Reference
    ) -> dict[str, list[Alert]]:
        """Run rules until none is left; their alerts by code."""
        found: dict[str, list[Alert]] = {}
        while (code := self.take()) is not None:
            found[code] = run_rule(code, facts, settings, reference)
        return found


class _Child:
    def __init__(self, pid: int, reading: int) -> None:
        self.pid, self.reading = pid, reading

    def result(self) -> dict[str, list[Alert]]:
        """What the worker found (waiting for it); :class:`RuleWorkerError` if it failed."""
        with os.fdopen(self.reading, "rb") as pipe:
            try:
                outcome, payload = pickle.load(pipe)
            except (EOFError, pickle.UnpicklingError):
                outcome, payload = "error", "the worker ended without a whole answer"
        _pid, status = os.waitpid(self.pid, 0)
        if outcome != "alerts" or status != 0:
            raise RuleWorkerError(f"a detection rule failed in a worker process: {payload}")
        found: dict[str, list[Alert]] = payload
        return found

    def stop(self) -> None:
        """End the worker without its answer (this process failed first)."""
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.reading)


def _fork(queue: _Queue, facts: Facts, settings: DetectionSettings, reference: Reference) -> _Child:
    reading, writing = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writing)
        return _Child(pid, reading)
    os.close(reading)
    os._exit(_work(queue, facts, settings, reference, writing))


def _work(
    queue: _Queue, facts: Facts, settings: DetectionSettings, reference: Reference, writing: int
) -> int:
    """The worker: rules until none is left, the alerts (or the failure) sent back; its exit
    status."""
    answer: tuple[str, Any]
    try:
        answer = ("alerts", queue.drain(facts, settings, reference))
    except BaseException:
        answer = ("error", traceback.format_exc())
    try:
        with os.fdopen(writing, "wb") as pipe:
            pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        return 1
    return 0 if answer[0] == "alerts" else 1
