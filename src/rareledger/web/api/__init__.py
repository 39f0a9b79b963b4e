"""The API's routers; the identifier path convertors they use are registered first."""

from rareledger.web import paths  # noqa: F401  (registers the path convertors)
