"""The case store (DuckDB): documents, cases, vocabularies. See store.py.

    from retention_analytics.store import open_store
    store = open_store()            # --db / RETENTION_DB / data/retention.duckdb
"""

from .prepare import ParsedDocument, parse_documents, parse_one
from .store import DemoMixError, Provenance, Store, StoreBusyError, StoreError, default_db_path, open_store
from .summary import FileResult, IngestSummary

__all__ = [
    "DemoMixError",
    "Provenance",
    "FileResult",
    "IngestSummary",
    "ParsedDocument",
    "Store",
    "StoreBusyError",
    "StoreError",
    "default_db_path",
    "open_store",
    "parse_documents",
    "parse_one",
]
