"""Loading company data into the warehouse: sources, validation, atomic loads."""

from obeya.ingest.load import (
    LoadOptions,
    LoadReport,
    TableLoad,
    load,
    load_arrow,
    load_sources,
    sources_from_arrow,
    validate,
)
from obeya.ingest.sources import FileFormat, Source, discover

__all__ = [
    "FileFormat",
    "LoadOptions",
    "LoadReport",
    "Source",
    "TableLoad",
    "discover",
    "load",
    "load_arrow",
    "load_sources",
    "sources_from_arrow",
    "validate",
]
