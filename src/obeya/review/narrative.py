"""Sentences from numbers: every figure in the briefing's text is formatted here.

The functions take numbers computed by the engines and return text; they never
invent a figure. KPI values and changes are shown with the KPI's own unit
(:meth:`obeya.metrics.Unit.show` and ``show_change``: a ratio 0.882 reads ``88.2%``
and a change of -0.041 reads ``4.1 pts``), money with :func:`money`. A mover reads::

    OTIF fell 4.1 pts to 88.2% against 2024-11 (last year); 3.0 pts of the fall come
    from site DAL (Dallas DC), carrier K2 (Quick Parcel).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from obeya.metrics import Dimension, Unit

__all__ = [
    "Names",
    "change_sentence",
    "driver_clause",
    "kpi_name",
    "member_text",
    "money",
    "pct",
    "share_text",
    "signed_money",
]

# display names of members per dimension (site id -> "Dallas DC"), read from the
# reference tables; a member without a name is shown by its id alone
Names = Mapping[Dimension, Mapping[str, str]]


def kpi_name(kpi: str, label: str) -> str:
    """Short ids read as acronyms (OTD, OTIF, NPS, OEE); longer ones by their label."""
    return kpi.upper() if len(kpi) <= 4 else label


def money(value: float, currency: str = "") -> str:
    """An amount as a person reads it: ``1.23 M``, ``456 k``, ``789`` (no sign)."""
    size = abs(value)
    if size >= 1e6:
        text = f"{size / 1e6:,.2f} M"
    elif size >= 1e4:
        text = f"{size / 1e3:,.0f} k"
    else:
        text = f"{size:,.0f}"
    return f"{currency} {text}" if currency else text


def signed_money(value: float, currency: str = "") -> str:
    """As :func:`money` with a sign: ``+1.23 M``, ``-456 k``."""
    sign = "-" if value < 0 else "+"
    return sign + money(value, currency)


def pct(value: float, places: int = 1) -> str:
    """A fraction as a percentage: 0.0831 -> ``8.3%``."""
    return f"{value * 100:.{places}f}%"


def member_text(dim: Dimension, member: str | None, names: Names) -> str:
    """``site DAL (Dallas DC)``; the name only when the reference table has one."""
    if member is None:
        return f"{dim.value} (none)"
    name = names.get(dim, {}).get(member)
    return f"{dim.value} {member}" + (f" ({name})" if name and name != member else "")


def change_sentence(name: str, unit: Unit, value: float, change: float, against: str) -> str:
    """``OTD fell 4.1 pts to 88.2% against 2024-11`` (no final stop)."""
    if change == 0:
        return f"{name} was unchanged at {unit.show(value)} against {against}"
    verb = "rose" if change > 0 else "fell"
    return f"{name} {verb} {unit.show_change(change)} to {unit.show(value)} against {against}"


def driver_clause(
    unit: Unit,
    change: float,
    contribution: float,
    members: Sequence[tuple[Dimension, str | None]],
    names: Names,
) -> str:
    """``3.0 pts of the fall come from site DAL, carrier K2`` for a contribution in the
    direction of the change (the caller checks the direction)."""
    where = ", ".join(member_text(d, m, names) for d, m in members)
    noun = "fall" if change < 0 else "rise"
    return f"{unit.show_change(contribution)} of the {noun} come from {where}"


def share_text(part: float, whole: float) -> str:
    """``62%`` of a whole, or an empty string when the whole is zero."""
    return "" if whole == 0 else f"{part / whole * 100:.0f}%"
