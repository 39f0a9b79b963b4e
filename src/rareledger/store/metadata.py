"""The one SQLAlchemy ``MetaData`` every table of the store is defined on."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
