"""The stories hidden in the demo company, and the layout they hang on.

Everything here follows from the config alone (never from the seed): which
families and SKUs exist, which site, carrier, supplier, line and characteristic
carry a story, and when. The generator reads :func:`stories` to plant them; the
tests read it to find them; ``docs/demo.md`` describes them for the default config.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from obeya.demo.catalog import FAMILIES, SITES, FamilySpec, SiteSpec
from obeya.demo.config import Calendar, DemoConfig

__all__ = ["Promotion", "Stories", "family_sizes", "stories"]

BAD_SUPPLIER = 1  # supplier index of the story supplier (a spare-parts supplier)
PROMO_FAMILIES = ("KET", "COF", "TOA", "VAC", "BLE", "IRO")
PROMO_MONTHS_BACK = (20, 15, 11, 8, 5, 2)


@dataclass(frozen=True, slots=True)
class Promotion:
    """A price promotion: ``uplift`` x demand and ``discount`` off from ``start`` to ``end``."""

    sku: str
    start: date
    end: date
    uplift: float = 3.0
    discount: float = 0.15


@dataclass(frozen=True)
class Stories:
    """Where each designed story sits (ids, dates and sizes)."""

    year2_start: date
    q4_families: tuple[str, ...]
    summer_families: tuple[str, ...]
    promotions: tuple[Promotion, ...]
    fast_movers: tuple[str, ...]
    intermittent_skus: tuple[str, ...]
    new_skus: tuple[tuple[str, date], ...]
    phase_out_skus: tuple[str, ...]
    bad_supplier: str
    supplier_extra_lead_days: float
    supplier_reject_rate: tuple[float, float]
    bad_site: str
    bad_carrier: str
    bad_carrier_late_share: float
    crunch_site: str
    crunch_resource: str
    crunch_start: date
    crunch_end: date
    crunch_demand_uplift: float
    shift_characteristic: str
    shift_site: str
    shift_date: date
    shift_sigma: float
    shift_amount: float
    incident_site: str
    incident_months: tuple[str, ...]
    incident_multiplier: float
    freight_increase: float
    freight_increase_from: date
    wage_increase: float
    budget_wage_increase: float


def families(config: DemoConfig) -> tuple[FamilySpec, ...]:
    """The product families the config has room for (3 to 10, in catalog order)."""
    return FAMILIES[: max(3, min(len(FAMILIES), config.skus // 20))]


def family_sizes(config: DemoConfig) -> tuple[int, ...]:
    """SKUs per family: ``config.skus`` split by the families' SKU weights."""
    fams = families(config)
    weights = [f.sku_weight for f in fams]
    raw = [config.skus * w / sum(weights) for w in weights]
    sizes = [int(r) for r in raw]
    order = sorted(range(len(fams)), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: config.skus - sum(sizes)]:
        sizes[i] += 1
    return tuple(sizes)


def sku_code(family: FamilySpec, position: int) -> str:
    """SKU id of the family's SKU at ``position`` (0 = its best seller)."""
    return f"{family.code}-{position + 1:04d}"


def site_specs(config: DemoConfig) -> tuple[SiteSpec, ...]:
    return SITES[: config.sites]


def supplier_id(index: int) -> str:
    return f"SUP{index + 1:03d}"


def line_assignment(config: DemoConfig) -> dict[str, tuple[int, int]]:
    """Made family code -> (site index, line number at that site), round robin over plants."""
    plants = [i for i, s in enumerate(site_specs(config)) if s.type == "plant"]
    made = [f for f in families(config) if f.made]
    out: dict[str, tuple[int, int]] = {}
    for k, fam in enumerate(made):
        out[fam.code] = (plants[k % len(plants)], k // len(plants) + 1)
    return out


def line_id(site: SiteSpec, number: int) -> str:
    return f"{site.site_id}-L{number}"


def intermittent_from(family: FamilySpec, size: int) -> int:
    """First position of the family's intermittent tail."""
    return min(size, max(2, ceil((1.0 - family.intermittent) * size)))


def _first_monday_from(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _month_back(end: date, months: int) -> date:
    k = end.year * 12 + end.month - 1 - months
    return date(k // 12, k % 12 + 1, 1)


def _period(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def stories(config: DemoConfig) -> Stories:
    """The stories of the company ``config`` describes."""
    cal = Calendar.of(config)
    fams = families(config)
    sizes = family_sizes(config)
    sites = site_specs(config)
    by_code = {f.code: (f, n) for f, n in zip(fams, sizes, strict=True)}
    y2 = cal.year2_start

    promos = []
    for code, back in zip(PROMO_FAMILIES, PROMO_MONTHS_BACK, strict=True):
        if code not in by_code:
            continue
        start = _first_monday_from(_month_back(cal.end, back) + timedelta(days=7))
        if start >= cal.start and start + timedelta(days=13) <= cal.end:
            promos.append(Promotion(sku_code(by_code[code][0], 1), start, start + timedelta(13)))

    new, phase_out, tail = [], [], []
    for k, (fam, n) in enumerate(zip(fams, sizes, strict=True)):
        tail += [sku_code(fam, p) for p in range(intermittent_from(fam, n), n)]
        if n > 8:
            new.append((sku_code(fam, 3), _first_monday_from(y2 + timedelta(weeks=8 + 3 * k))))
            phase_out.append(sku_code(fam, 5))

    assignment = line_assignment(config)
    crunch_site_idx, crunch_line = assignment["KET"]
    crunch_year = cal.end.year if cal.end >= date(cal.end.year, 10, 1) else cal.end.year - 1
    crunch_start = max(date(crunch_year, 10, 1), cal.start)
    crunch_end = min(date(crunch_year, 12, 31), cal.end)

    story_site = sites[2] if len(sites) > 2 else sites[0]
    shift_date = _month_back(cal.end, 6)
    if shift_date <= cal.start:
        shift_date = cal.start + (cal.end - cal.start) / 2
    incident_site = sites[2] if len(sites) > 2 else sites[1]
    first_incident_month = _month_back(cal.end, 8)
    if first_incident_month < cal.start:
        first_incident_month = _month_back(cal.start, -1)
    months = tuple(_period(_month_back(first_incident_month, -k)) for k in range(3))
    sigma = 0.030  # CHARACTERISTICS[0].sigma
    return Stories(
        year2_start=y2,
        q4_families=tuple(f.name for f in fams if f.q4_bump >= 0.6),
        summer_families=tuple(f.name for f in fams if f.amp >= 0.5 and 120 <= f.peak_doy <= 240),
        promotions=tuple(promos),
        fast_movers=tuple(sku_code(f, 0) for f in fams),
        intermittent_skus=tuple(tail),
        new_skus=tuple(new),
        phase_out_skus=tuple(phase_out),
        bad_supplier=supplier_id(BAD_SUPPLIER),
        supplier_extra_lead_days=18.0,
        supplier_reject_rate=(0.003, 0.04),
        bad_site=sites[1].site_id,
        bad_carrier="CR02",
        bad_carrier_late_share=0.55,
        crunch_site=sites[crunch_site_idx].site_id,
        crunch_resource=line_id(sites[crunch_site_idx], crunch_line),
        crunch_start=crunch_start,
        crunch_end=crunch_end,
        crunch_demand_uplift=1.25,
        shift_characteristic=f"QC-{story_site.site_id}-01",
        shift_site=story_site.site_id,
        shift_date=shift_date,
        shift_sigma=sigma,
        shift_amount=1.5 * sigma,
        incident_site=incident_site.site_id,
        incident_months=months,
        incident_multiplier=6.0,
        freight_increase=0.15,
        freight_increase_from=min(y2 + timedelta(days=31), cal.end),
        wage_increase=0.06,
        budget_wage_increase=0.03,
    )
