"""The fixed facts of the demo company: its sites, product families, markets,
customer segments, carriers, supplier categories, accounts and measured
characteristics.

These are design, not randomness: the seed varies the noise around them, so the
stories documented in ``docs/demo.md`` hold for every seed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACCOUNTS",
    "CARRIERS",
    "CHARACTERISTICS",
    "COUNTRIES",
    "FAMILIES",
    "SEGMENTS",
    "SITES",
    "SUPPLIER_CATEGORIES",
    "CarrierSpec",
    "CharacteristicSpec",
    "CountrySpec",
    "FamilySpec",
    "SegmentSpec",
    "SiteSpec",
]


@dataclass(frozen=True, slots=True)
class SiteSpec:
    site_id: str
    name: str
    type: str  # plant or dc
    country: str
    region: str
    lat: float
    lon: float


# Sites in the order they are added: 2 sites are a plant and a DC, 3 (the default)
# are two plants and a DC, in three countries.
SITES: tuple[SiteSpec, ...] = (
    SiteSpec("P-DE1", "Plant Stuttgart", "plant", "DE", "DACH", 48.78, 9.18),
    SiteSpec("DC-NL1", "DC Venlo", "dc", "NL", "Benelux", 51.37, 6.17),
    SiteSpec("P-PL1", "Plant Wroclaw", "plant", "PL", "CEE", 51.11, 17.03),
    SiteSpec("DC-FR1", "DC Lyon", "dc", "FR", "France", 45.76, 4.84),
    SiteSpec("P-CZ1", "Plant Brno", "plant", "CZ", "CEE", 49.19, 16.61),
    SiteSpec("DC-ES1", "DC Zaragoza", "dc", "ES", "South", 41.65, -0.88),
    SiteSpec("P-IT1", "Plant Bergamo", "plant", "IT", "South", 45.70, 9.67),
    SiteSpec("DC-SE1", "DC Jonkoping", "dc", "SE", "Nordics", 57.78, 14.16),
)


@dataclass(frozen=True, slots=True)
class FamilySpec:
    """A product family and the shape of its demand.

    ``share`` is the family's share of order lines; seasonality is
    ``1 + amp * cos(2 pi (doy - peak) / 365.25) + q4_bump * exp(-((doy - 330) / 18)^2 / 2)``
    (the bump is the late-November gift peak); ``trend`` is the yearly growth rate;
    ``intermittent`` is the share of the family's SKUs (the tail) with lumpy,
    intermittent demand. ``made`` families are produced at plants, the others
    bought from suppliers.
    """

    code: str
    name: str
    noun: str
    category: str
    made: bool
    share: float
    sku_weight: float
    price: float
    weight_kg: float
    qty: float  # mean units per order line for a typical customer
    hs_code: str
    amp: float
    peak_doy: int
    q4_bump: float
    trend: float
    intermittent: float
    attrs: tuple[str, ...]


FAMILIES: tuple[FamilySpec, ...] = (
    FamilySpec(
        "KET",
        "Kettles",
        "Kettle",
        "Small kitchen",
        True,
        0.13,
        1.0,
        45.0,
        1.4,
        8.0,
        "8516.79",
        0.25,
        340,
        0.9,
        0.03,
        0.3,
        ("1.0 L", "1.2 L", "1.5 L", "1.7 L"),
    ),
    FamilySpec(
        "COF",
        "Coffee makers",
        "Coffee maker",
        "Small kitchen",
        True,
        0.14,
        1.0,
        149.0,
        4.5,
        4.0,
        "8516.71",
        0.20,
        340,
        0.7,
        0.15,
        0.3,
        ("drip", "espresso", "pod", "bean"),
    ),
    FamilySpec(
        "SPA",
        "Spare parts",
        "Spare",
        "Service parts",
        False,
        0.10,
        2.0,
        12.0,
        0.25,
        6.0,
        "8516.90",
        0.05,
        180,
        0.0,
        0.05,
        0.8,
        ("lid", "filter", "seal", "element"),
    ),
    FamilySpec(
        "FAN",
        "Fans",
        "Fan",
        "Climate",
        False,
        0.07,
        1.0,
        59.0,
        4.0,
        6.0,
        "8414.51",
        0.85,
        196,
        0.0,
        0.0,
        0.3,
        ("desk", "tower", "pedestal", "ceiling"),
    ),
    FamilySpec(
        "HEA",
        "Heaters",
        "Heater",
        "Climate",
        True,
        0.07,
        1.0,
        89.0,
        6.5,
        4.0,
        "8516.29",
        0.80,
        15,
        0.3,
        -0.02,
        0.3,
        ("oil", "ceramic", "convector", "panel"),
    ),
    FamilySpec(
        "TOA",
        "Toasters",
        "Toaster",
        "Small kitchen",
        True,
        0.10,
        1.0,
        49.0,
        2.2,
        6.0,
        "8516.72",
        0.15,
        340,
        0.6,
        0.02,
        0.3,
        ("2-slot", "4-slot", "long-slot", "retro"),
    ),
    FamilySpec(
        "BLE",
        "Blenders",
        "Blender",
        "Small kitchen",
        True,
        0.08,
        1.0,
        79.0,
        3.0,
        5.0,
        "8509.40",
        0.15,
        160,
        0.0,
        0.08,
        0.3,
        ("jug", "hand", "personal", "pro"),
    ),
    FamilySpec(
        "VAC",
        "Vacuum cleaners",
        "Vacuum",
        "Floor care",
        True,
        0.12,
        1.0,
        219.0,
        7.5,
        3.0,
        "8508.11",
        0.10,
        300,
        0.4,
        0.06,
        0.3,
        ("cordless", "bagless", "robot", "wet"),
    ),
    FamilySpec(
        "IRO",
        "Irons",
        "Iron",
        "Garment care",
        True,
        0.07,
        1.0,
        55.0,
        1.6,
        6.0,
        "8516.40",
        0.05,
        100,
        0.0,
        -0.12,
        0.3,
        ("steam", "dry", "travel", "station"),
    ),
    FamilySpec(
        "ACC",
        "Accessories",
        "Accessory",
        "Accessories",
        False,
        0.12,
        1.3,
        15.0,
        0.3,
        12.0,
        "8421.21",
        0.10,
        330,
        0.3,
        0.07,
        0.5,
        ("descaler", "carafe", "bag", "hose"),
    ),
)

FINISHES = ("steel", "black", "white", "silver", "copper", "red", "cream", "graphite")


@dataclass(frozen=True, slots=True)
class CountrySpec:
    code: str
    region: str
    lat: float
    lon: float
    weight: float  # share of customers
    suffix: str  # company legal form used in names


COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("DE", "DACH", 51.1, 10.4, 0.24, "GmbH"),
    CountrySpec("AT", "DACH", 47.6, 14.1, 0.05, "GmbH"),
    CountrySpec("CH", "DACH", 46.8, 8.2, 0.03, "AG"),
    CountrySpec("NL", "Benelux", 52.2, 5.3, 0.09, "B.V."),
    CountrySpec("BE", "Benelux", 50.6, 4.6, 0.05, "NV"),
    CountrySpec("FR", "France", 46.6, 2.4, 0.14, "SAS"),
    CountrySpec("PL", "CEE", 52.0, 19.4, 0.09, "Sp. z o.o."),
    CountrySpec("CZ", "CEE", 49.8, 15.5, 0.04, "s.r.o."),
    CountrySpec("IT", "South", 42.8, 12.6, 0.08, "S.r.l."),
    CountrySpec("ES", "South", 40.2, -3.6, 0.06, "S.L."),
    CountrySpec("GB", "UK&I", 53.0, -1.5, 0.05, "Ltd"),
    CountrySpec("DK", "Nordics", 56.0, 10.0, 0.03, "A/S"),
    CountrySpec("SE", "Nordics", 60.1, 15.0, 0.03, "AB"),
)


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    """A customer segment: how often and how much its customers order."""

    name: str
    channel: str
    share: float  # share of customers
    frequency: float  # relative orders per customer
    lines: float  # mean lines per order
    qty: float  # multiplier of the family's units per line
    discount: float  # off list price
    scheduled: float  # share of orders placed weeks ahead of the wanted date
    terms: int  # payment terms, days


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec("Retail chain", "retail", 0.15, 6.0, 7.0, 2.0, 0.14, 0.25, 60),
    SegmentSpec("Distributor", "distributor", 0.10, 5.0, 9.0, 3.0, 0.20, 0.30, 45),
    SegmentSpec("E-commerce", "ecommerce", 0.15, 8.0, 1.6, 0.8, 0.10, 0.0, 30),
    SegmentSpec("Independent retailer", "retail", 0.45, 1.0, 3.0, 0.6, 0.04, 0.05, 30),
    SegmentSpec("Hospitality", "horeca", 0.15, 1.2, 2.5, 0.8, 0.06, 0.05, 30),
)


@dataclass(frozen=True, slots=True)
class CarrierSpec:
    carrier_id: str
    name: str
    mode: str
    price: float  # multiplier of the mode's market rate


CARRIERS: tuple[CarrierSpec, ...] = (
    CarrierSpec("CR01", "Nordbahn Logistik", "truck", 1.00),
    CarrierSpec("CR02", "Vecta Freight", "ltl", 0.92),
    CarrierSpec("CR03", "Kestrel Transport", "ltl", 1.00),
    CarrierSpec("CR04", "Parcelion", "parcel", 1.00),
    CarrierSpec("CR05", "RailLink Cargo", "rail", 1.00),
)

# Supplier i serves category i % 3; (category, families it supplies, countries in turn).
SUPPLIER_CATEGORIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Finished goods", ("FAN",), ("CN", "VN", "TR", "CN")),
    ("Spare parts", ("SPA",), ("CZ", "DE", "PL", "CN")),
    ("Accessories", ("ACC",), ("PL", "CN", "IT", "DE")),
)
SUPPLIER_LEAD_DAYS = {"CN": 49, "VN": 56, "TR": 28, "CZ": 21, "DE": 14, "PL": 18, "IT": 21}

ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("4000", "Product sales", "revenue"),
    ("5000", "Materials consumed", "cogs_material"),
    ("5100", "Direct labour", "cogs_labor"),
    ("5200", "Manufacturing overhead", "cogs_overhead"),
    ("6000", "Outbound freight", "freight"),
    ("6100", "Warehousing", "warehousing"),
    ("7000", "SG&A salaries", "sga"),
    ("7100", "IT and office", "sga"),
    ("8000", "Other operating costs", "other"),
)


@dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    name: str
    unit: str
    target: float
    sigma: float  # within-subgroup standard deviation
    lsl: float | None
    usl: float | None


# Measured at every plant; the first is the one whose mean shifts (docs/demo.md).
CHARACTERISTICS: tuple[CharacteristicSpec, ...] = (
    CharacteristicSpec("Housing wall thickness", "mm", 2.50, 0.030, 2.35, 2.65),
    CharacteristicSpec("Heating element resistance", "ohm", 26.5, 0.25, 25.5, 27.5),
    CharacteristicSpec("Lid hinge torque", "N m", 1.20, 0.040, 1.00, 1.40),
    CharacteristicSpec("Thermostat cut-off temperature", "degC", 100.0, 0.60, 98.0, 102.0),
    CharacteristicSpec("Leak test pressure drop", "Pa", 12.0, 1.50, None, 20.0),
)
