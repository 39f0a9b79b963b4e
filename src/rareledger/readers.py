"""Moved to :mod:`rareledger.formats.jsonlines`; this re-export is kept only until the write
path (``services/loading.py``) imports it from there (issue 11), then it goes."""

from rareledger.formats.jsonlines import iter_records

__all__ = ["iter_records"]
