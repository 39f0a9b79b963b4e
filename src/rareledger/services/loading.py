"""Bulk loading of record files: validation in a second process, judgement in this one.

:func:`load_stream` reads a JSON Lines file or a JSON array in batches. The lines of each
batch are validated (the stateless half of the contract) by a worker process one batch ahead,
while this process judges and records the batch before it, so a load uses both cores of a
two-core machine. The worker sends back only the canonical text and digest of each valid
record, which this process decodes without checking again. Answers come back in input order,
one per record, exactly as :meth:`Recorder.submit` gives them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import BinaryIO

from rareledger.domain.intake import Checked, RawLine, check_lines, decoded
from rareledger.formats.jsonlines import iter_records
from rareledger.services.reporting import Acknowledgement, Recorder

PARALLEL_FROM_BYTES = 1_000_000  # smaller inputs are validated in place (no worker start-up)


def load_stream(
    recorder: Recorder,
    stream: BinaryIO,
    batch_size: int,
    *,
    parallel: bool = True,
    on_batch: Callable[[list[Acknowledgement]], None] | None = None,
) -> Iterator[Acknowledgement]:
    """Submit every record of ``stream`` in batches; yield each answer in input order."""
    batches = _batches(iter_records(stream), batch_size)
    if not parallel:
        for batch in batches:
            yield from _answered(batch, recorder.submit(batch), on_batch)
        return
    with _worker() as pool:
        pending: tuple[list[object], Future[list[Checked]] | None] | None = None
        for batch in batches:
            ahead = (batch, _check_ahead(pool, batch, recorder.allow_recorded_at))
            if pending is not None:
                yield from _answered(pending[0], recorder.submit(_merged(*pending)), on_batch)
            pending = ahead
        if pending is not None:
            yield from _answered(pending[0], recorder.submit(_merged(*pending)), on_batch)


def _answered(
    batch: list[object],
    answers: list[Acknowledgement],
    on_batch: Callable[[list[Acknowledgement]], None] | None,
) -> list[Acknowledgement]:
    for item, answer in zip(batch, answers, strict=True):
        if isinstance(item, RawLine) and answer.status == "rejected":
            answer.line = item.number  # so that the file can be fixed where it is wrong
    if on_batch is not None:
        on_batch(answers)
    return answers


def _worker() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("fork" if "fork" in _methods() else "spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context)


def _methods() -> list[str]:
    return multiprocessing.get_all_start_methods()


def _check_ahead(
    pool: ProcessPoolExecutor, batch: list[object], allow_recorded_at: bool
) -> Future[list[Checked]] | None:
    lines = [item for item in batch if isinstance(item, RawLine)]
    return pool.submit(check_lines, lines, allow_recorded_at) if lines else None


def _merged(batch: list[object], checked: Future[list[Checked]] | None) -> list[object]:
    """The batch with each line replaced by its decoded record or its rejection."""
    results = iter(checked.result() if checked is not None else ())
    return [decoded(next(results)) if isinstance(item, RawLine) else item for item in batch]


def _batches(records: Iterable[object], size: int) -> Iterator[list[object]]:
    batch: list[object] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
