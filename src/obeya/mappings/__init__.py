"""The mapping files shipped with obeya, for real export shapes.

``sap_sd_mm``: an SAP SD/MM table extract (VBAK, VBAP, LIKP, LIPS, EKKO, EKPO, EKET,
EKBE, MARA, MAKT, MBEW, KNA1, LFA1, T001W) as a folder of files.
``odoo``: an Odoo 17/18 PostgreSQL database (sale, stock and purchase apps).

``docs/mappings.md`` describes both, field by field.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from obeya.errors import ConfigError

__all__ = ["resolve_mapping", "shipped_mapping", "shipped_mappings"]


def shipped_mappings() -> dict[str, Path]:
    """Every shipped mapping, by name (the file stem), with its path."""
    folder = Path(str(files(__name__)))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def shipped_mapping(name: str) -> Path:
    """The path of the shipped mapping ``name`` (such as ``sap_sd_mm`` or ``odoo``)."""
    known = shipped_mappings()
    try:
        return known[name.removesuffix(".yaml")]
    except KeyError:
        raise ConfigError(
            f"no shipped mapping named {name!r}; the shipped mappings are: {', '.join(known)}"
        ) from None


def resolve_mapping(value: str | Path) -> Path:
    """A mapping file for a command line: an existing path, else a shipped mapping's name."""
    path = Path(value)
    if path.is_file():
        return path
    if path.suffix in ("", ".yaml") and path.parent == Path():
        known = shipped_mappings()
        if path.stem in known:
            return known[path.stem]
    raise ConfigError(
        f"no mapping file at {value}; give a path to a mapping file or the name of a shipped "
        f"mapping ({', '.join(shipped_mappings())})"
    )
