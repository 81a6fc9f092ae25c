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
from obeya.ingest.mapping import MappedTable, load_mapping, map_tables, sources_from_mapping
from obeya.ingest.mapping_spec import read_mapping
from obeya.ingest.sources import FileFormat, Source, discover

__all__ = [
    "FileFormat",
    "LoadOptions",
    "LoadReport",
    "MappedTable",
    "Source",
    "TableLoad",
    "discover",
    "load",
    "load_arrow",
    "load_mapping",
    "load_sources",
    "map_tables",
    "read_mapping",
    "sources_from_arrow",
    "sources_from_mapping",
    "validate",
]
