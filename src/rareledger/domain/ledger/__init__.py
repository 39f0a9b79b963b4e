"""The ledger engine: state, postings per event type, corrections, master data."""
