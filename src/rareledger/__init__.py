"""rareledger: a national traceability and export-control ledger for rare earths."""

__version__ = "0.1.0"
