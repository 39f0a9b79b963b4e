"""Pausing Python's cyclic garbage collector around bulk work.

Judging a batch, folding the ledger for detection: each makes hundreds of thousands of small
objects and no reference cycles, while the state they build grows to millions of objects.
Every automatic collection would walk all of them; paused, the work runs about a third
faster, and plain reference counting still frees everything at once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (restored afterwards, as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
