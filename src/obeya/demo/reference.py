"""The master data of the demo company: sites, products, customers, suppliers,
carriers, resources, accounts and characteristics, as NumPy arrays.

The generator works on integer codes (a SKU is its row number); the strings are
attached only when a table is written. Built once per company from the config,
the stories and the ``reference`` random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from obeya.demo.arrow import Strings
from obeya.demo.catalog import (
    CHARACTERISTICS,
    COUNTRIES,
    FINISHES,
    SEGMENTS,
    SUPPLIER_CATEGORIES,
    SUPPLIER_LEAD_DAYS,
    FamilySpec,
    SiteSpec,
)
from obeya.demo.config import DemoConfig, stream
from obeya.demo.stories import (
    BAD_SUPPLIER,
    Stories,
    families,
    family_sizes,
    intermittent_from,
    line_assignment,
    line_id,
    site_specs,
    sku_code,
    supplier_id,
)

__all__ = [
    "Customers",
    "Products",
    "Reference",
    "Resources",
    "Suppliers",
    "build_reference",
    "characteristic_rows",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_STEMS = (
    "Alpen", "Nordlicht", "Rhein", "Baltic", "Lumen", "Ceres", "Orion", "Vesta", "Helio",
    "Aurora", "Meridian", "Kestrel", "Linden", "Falke", "Tulipa", "Saffron", "Cobalt", "Iris",
    "Marina", "Atlas", "Boreal", "Castell", "Delta", "Ember", "Fjord", "Granite", "Harbor",
    "Ivy", "Juniper", "Krona",
)  # fmt: skip
_SEGMENT_WORDS = (
    ("Markets", "Home Stores", "Retail Group"),
    ("Distribution", "Wholesale", "Trading"),
    ("Online", "eShop", "Direct"),
    ("Haushalt", "Home & Co", "Elektro"),
    ("Hotels", "Catering", "Gastro"),
)
_SUPPLIER_SUFFIX = {
    "CN": "Co., Ltd.", "VN": "JSC", "TR": "A.S.", "CZ": "s.r.o.", "DE": "GmbH",
    "PL": "Sp. z o.o.", "IT": "S.p.A.",
}  # fmt: skip
_SUPPLIER_STEMS = {
    "CN": ("Shenghua", "Pearl River", "Ningbo Bright", "Zhongshan Leader"),
    "VN": ("Hanoi Star", "Saigon Precision"),
    "TR": ("Anadolu", "Bosphorus"),
    "CZ": ("Morava", "Bohemia"),
    "DE": ("Bavaria Tech", "Rhein Teile"),
    "PL": ("Vistula", "Silesia"),
    "IT": ("Lombard", "Adriatic"),
}
_SUPPLIER_WORDS = ("Electric", "Components", "Plastics", "Industries", "Manufacturing")


@dataclass(frozen=True)
class Products:
    ids: Strings
    family: IntArray
    position: IntArray
    price: FloatArray  # current list price
    cost: FloatArray  # current standard cost
    weight: FloatArray
    qty: FloatArray  # mean units per order line, typical customer
    sigma: FloatArray  # spread of units per line (lognormal); lumpy for the tail
    intermittent: BoolArray
    made: BoolArray
    complexity: FloatArray  # relative hours per unit on its line
    supplier: IntArray  # -1 for made SKUs
    lifecycle: list[str]
    description: list[str]

    def __len__(self) -> int:
        return len(self.family)


@dataclass(frozen=True)
class Customers:
    ids: Strings
    names: list[str]
    segment: IntArray
    country: IntArray
    weight: FloatArray  # share of orders
    lines: FloatArray  # mean lines per order
    qty: FloatArray  # multiplier of units per line
    discount: FloatArray
    scheduled: FloatArray
    site_cdf: FloatArray  # (customers, sites) cumulative ship-from choice
    distance: FloatArray  # (customers, sites) road km

    def __len__(self) -> int:
        return len(self.segment)


@dataclass(frozen=True)
class Suppliers:
    ids: list[str]
    names: list[str]
    country: list[str]
    category: IntArray
    lead_days: IntArray  # contract lead time
    terms: IntArray
    premium: FloatArray  # price paid over contract, as a share


@dataclass(frozen=True)
class Resources:
    ids: list[str]
    site: IntArray
    names: list[str]
    kind: list[str]
    hours_per_day: FloatArray
    family: IntArray  # the family a line makes, -1 for other resources

    @property
    def lines(self) -> IntArray:
        return np.flatnonzero(self.family >= 0)


@dataclass(frozen=True)
class Reference:
    config: DemoConfig
    sites: tuple[SiteSpec, ...]
    site_ids: Strings
    families: tuple[FamilySpec, ...]
    products: Products
    customers: Customers
    suppliers: Suppliers
    resources: Resources
    sku_line: IntArray  # resource index of each SKU's line, -1 if bought

    @property
    def n_sites(self) -> int:
        return len(self.sites)


def build_reference(config: DemoConfig, story: Stories) -> Reference:
    """The master data of the company ``config`` describes."""
    rng = stream(config.seed, "reference")
    sites = site_specs(config)
    fams = families(config)
    products = _products(config, fams, story, rng)
    customers = _customers(config, sites, rng)
    suppliers = _suppliers(config, rng)
    products = _assign_suppliers(products, fams, suppliers)
    resources = _resources(config, sites, fams)
    sku_line = np.full(len(products), -1, dtype=np.int64)
    for r in resources.lines.tolist():
        sku_line[products.family == resources.family[r]] = r
    return Reference(
        config,
        sites,
        Strings([s.site_id for s in sites]),
        fams,
        products,
        customers,
        suppliers,
        resources,
        sku_line,
    )


def _products(
    config: DemoConfig, fams: tuple[FamilySpec, ...], story: Stories, rng: np.random.Generator
) -> Products:
    sizes = family_sizes(config)
    family = np.repeat(np.arange(len(fams)), sizes)
    position = np.concatenate([np.arange(n) for n in sizes])
    k = len(family)
    base_price = np.array([fams[f].price for f in family])
    price = np.maximum(np.round(base_price * rng.lognormal(0.0, 0.3, k)) - 0.01, 1.99)
    made = np.array([fams[f].made for f in family])
    ratio = np.where(made, rng.uniform(0.45, 0.62, k), rng.uniform(0.55, 0.70, k))
    tail_from = np.array([intermittent_from(fams[f], n) for f, n in enumerate(sizes)])
    intermittent = position >= tail_from[family]
    qty = np.array([fams[f].qty for f in family]) * rng.lognormal(0.0, 0.3, k)
    new = {s for s, _ in story.new_skus}
    phase_out = set(story.phase_out_skus)
    ids = [sku_code(fams[f], p) for f, p in zip(family.tolist(), position.tolist(), strict=True)]
    lifecycle = ["new" if s in new else "phase_out" if s in phase_out else "active" for s in ids]
    description = [
        f"{fams[f].noun} {fams[f].attrs[p % len(fams[f].attrs)]}, "
        f"{FINISHES[(p // len(fams[f].attrs)) % len(FINISHES)]}, model {p + 1:03d}"
        for f, p in zip(family.tolist(), position.tolist(), strict=True)
    ]
    return Products(
        ids=Strings(ids),
        family=family,
        position=position,
        price=price,
        cost=np.round(price * ratio, 2),
        weight=np.round(
            np.array([fams[f].weight_kg for f in family]) * rng.lognormal(0, 0.2, k), 2
        ),
        qty=qty,
        sigma=np.where(intermittent, 1.1, 0.55),
        intermittent=intermittent,
        made=made,
        complexity=rng.uniform(0.8, 1.25, k),
        supplier=np.full(k, -1, dtype=np.int64),
        lifecycle=lifecycle,
        description=description,
    )


def _customers(
    config: DemoConfig, sites: tuple[SiteSpec, ...], rng: np.random.Generator
) -> Customers:
    n = config.customers
    seg_share = np.array([s.share for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), size=n, p=seg_share / seg_share.sum())
    c_weight = np.array([c.weight for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=c_weight / c_weight.sum())
    freq = np.array([s.frequency for s in SEGMENTS])[segment]
    weight = rng.lognormal(0.0, 1.0, n) * freq
    stems = np.array(_STEMS)[rng.integers(0, len(_STEMS), n)]
    words = [_SEGMENT_WORDS[s][i % 3] for i, s in enumerate(segment.tolist())]
    suffix = [COUNTRIES[c].suffix for c in country.tolist()]
    names = _unique([f"{a} {b} {c}" for a, b, c in zip(stems.tolist(), words, suffix, strict=True)])
    lat = np.array([COUNTRIES[c].lat for c in country]) + rng.normal(0, 1.0, n).clip(-2.5, 2.5)
    lon = np.array([COUNTRIES[c].lon for c in country]) + rng.normal(0, 1.2, n).clip(-3.0, 3.0)
    s_lat = np.array([s.lat for s in sites])
    s_lon = np.array([s.lon for s in sites])
    distance = 1.2 * _haversine_km(lat[:, None], lon[:, None], s_lat[None, :], s_lon[None, :]) + 15
    is_dc = np.array([s.type == "dc" for s in sites])
    score = (np.exp(-distance / 600.0) * np.where(is_dc, 2.0, 1.0)[None, :]) ** 1.5
    pref = score / score.sum(axis=1, keepdims=True)
    return Customers(
        ids=Strings([f"C{i + 1:05d}" for i in range(n)]),
        names=names,
        segment=segment,
        country=country,
        weight=weight / weight.sum(),
        lines=np.array([s.lines for s in SEGMENTS])[segment],
        qty=np.array([s.qty for s in SEGMENTS])[segment],
        discount=np.array([s.discount for s in SEGMENTS])[segment],
        scheduled=np.array([s.scheduled for s in SEGMENTS])[segment],
        site_cdf=np.cumsum(pref, axis=1),
        distance=np.round(distance),
    )


def _unique(names: list[str]) -> list[str]:
    """The names, a repeated one numbered (``Alpen Markets GmbH 2``) as a register would."""
    seen: dict[str, int] = {}
    out = []
    for name in names:  # reference data: a few hundred customers
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return out


def _haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * 6371.0 * np.arcsin(np.sqrt(a)), dtype=np.float64)


def _suppliers(config: DemoConfig, rng: np.random.Generator) -> Suppliers:
    n = config.suppliers
    category = np.arange(n) % len(SUPPLIER_CATEGORIES)
    country = [
        SUPPLIER_CATEGORIES[c][2][(i // len(SUPPLIER_CATEGORIES)) % len(SUPPLIER_CATEGORIES[c][2])]
        for i, c in enumerate(category.tolist())
    ]
    names = _unique(
        [
            f"{_SUPPLIER_STEMS[c][i % len(_SUPPLIER_STEMS[c])]} "
            f"{_SUPPLIER_WORDS[i % len(_SUPPLIER_WORDS)]} {_SUPPLIER_SUFFIX[c]}"
            for i, c in enumerate(country)
        ]
    )
    lead = np.array([SUPPLIER_LEAD_DAYS[c] for c in country]) + rng.integers(0, 3, n) * 7
    lead[BAD_SUPPLIER] = SUPPLIER_LEAD_DAYS[country[BAD_SUPPLIER]]  # plain terms for the story
    premium = np.where(np.arange(n) % 5 == 4, rng.uniform(0.02, 0.05, n), 0.0)
    return Suppliers(
        ids=[supplier_id(i) for i in range(n)],
        names=names,
        country=country,
        category=category,
        lead_days=lead.astype(np.int64),
        terms=np.where(np.isin(country, ["CN", "VN"]), 30, 60).astype(np.int64),
        premium=premium,
    )


def _assign_suppliers(
    products: Products, fams: tuple[FamilySpec, ...], suppliers: Suppliers
) -> Products:
    """Each bought SKU gets one supplier of its category; the story supplier gets a third."""
    supplier = products.supplier.copy()
    for f, fam in enumerate(fams):
        if fam.made:
            continue
        cat = next(i for i, c in enumerate(SUPPLIER_CATEGORIES) if fam.code in c[1])
        candidates = np.flatnonzero(suppliers.category == cat)
        skus = np.flatnonzero(products.family == f)
        pick = candidates[np.arange(len(skus)) % len(candidates)]
        if BAD_SUPPLIER in candidates and len(candidates) > 1:  # the story supplier: a third
            others = candidates[candidates != BAD_SUPPLIER]
            every = np.arange(len(skus))
            pick = np.where(every % 3 == 0, BAD_SUPPLIER, others[every % len(others)])
        supplier[skus] = pick
    return Products(**{**products.__dict__, "supplier": supplier})


def _resources(
    config: DemoConfig, sites: tuple[SiteSpec, ...], fams: tuple[FamilySpec, ...]
) -> Resources:
    ids: list[str] = []
    site: list[int] = []
    names: list[str] = []
    kind: list[str] = []
    hours: list[float] = []
    family: list[int] = []

    def add(i: int, rid: str, name: str, k: str, h: float, f: int = -1) -> None:
        ids.append(rid)
        site.append(i)
        names.append(name)
        kind.append(k)
        hours.append(h)
        family.append(f)

    lines = line_assignment(config)
    codes = [f.code for f in fams]
    for i, s in enumerate(sites):
        if s.type == "plant":
            for code, (at, number) in sorted(lines.items(), key=lambda kv: kv[1][1]):
                if at == i:
                    name = f"{fams[codes.index(code)].name} line {number}"
                    add(i, line_id(s, number), name, "line", 16.0, codes.index(code))
            add(i, f"{s.site_id}-M1", "Injection moulding 1", "machine", 24.0)
            add(i, f"{s.site_id}-C1", "Packing cell", "cell", 8.0)
            add(i, f"{s.site_id}-LAB", "Assembly labour pool", "labor", 8.0)
        add(i, f"{s.site_id}-D1", "Loading dock", "dock", 16.0)
    return Resources(
        ids,
        np.array(site, dtype=np.int64),
        names,
        kind,
        np.array(hours),
        np.array(family, dtype=np.int64),
    )


def characteristic_rows(ref: Reference) -> list[tuple[str, int, int, int]]:
    """(characteristic_id, site index, resource index or -1, template index), per plant."""
    rows = []
    res = ref.resources
    for i, s in enumerate(ref.sites):
        if s.type != "plant":
            continue
        site_lines = [r for r in res.lines.tolist() if res.site[r] == i]
        for j in range(len(CHARACTERISTICS)):
            line = site_lines[j % len(site_lines)] if site_lines else -1
            rows.append((f"QC-{s.site_id}-{j + 1:02d}", i, line, j))
    return rows
