"""The demo company's settings and its calendar.

:class:`DemoConfig` is the one input of the generator: a seed and the size of the
company. :class:`Calendar` turns the window the config describes (``years`` years
ending on ``end_date``) into the day, week and month grids every table is built on.
Days are counted as integers since 1970-01-01, the way Arrow stores ``date32``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from obeya.errors import ConfigError

__all__ = [
    "MAX_SITES",
    "Calendar",
    "DemoConfig",
    "as_floats",
    "as_ints",
    "day_number",
    "from_day_number",
    "stream",
]

MAX_SITES = 8
_EPOCH = date(1970, 1, 1).toordinal()

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def as_ints(values: object) -> IntArray:
    """``values`` as an int64 array (no copy when it already is one)."""
    return np.asarray(values, dtype=np.int64)


def as_floats(values: object) -> FloatArray:
    """``values`` as a float64 array (no copy when it already is one)."""
    return np.asarray(values, dtype=np.float64)


def day_number(d: date) -> int:
    """Days since 1970-01-01 (Arrow's ``date32`` value of ``d``)."""
    return d.toordinal() - _EPOCH


def from_day_number(n: int) -> date:
    """The date ``n`` days after 1970-01-01."""
    return date.fromordinal(int(n) + _EPOCH)


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """An independent random stream for one part of the company (and one chunk of it).

    Each part draws from its own stream, so changing how one table is made never
    shifts the random numbers of another.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode()), *extra]))


def _check_int(name: str, value: object, low: int, high: int, why: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"demo config: {name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(
            f"demo config: {name} must be between {low:,} and {high:,}, got {value:,}; {why}"
        )


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """How big a demo company to build, and from which seed.

    ``order_lines`` is the order-line count at ``scale`` 1; ``scale`` multiplies it
    (``scale=100`` gives about 100 million lines) and the unit volumes of every
    table with it. ``chunk_lines`` bounds the order lines held in memory at once.
    The same config always yields the same company.
    """

    seed: int = 7
    sites: int = 3
    skus: int = 500
    customers: int = 200
    suppliers: int = 20
    years: int = 2
    end_date: date = date(2025, 12, 31)
    order_lines: int = 1_000_000
    scale: float = 1.0
    chunk_lines: int = 1_000_000

    def __post_init__(self) -> None:
        _check_int("seed", self.seed, 0, 2**63 - 1, "use a non-negative seed")
        _check_int(
            "sites",
            self.sites,
            2,
            MAX_SITES,
            f"the demo has a plant, a DC and up to {MAX_SITES} sites",
        )
        _check_int("skus", self.skus, 30, 5_000, "the stories need at least 3 families of 10 SKUs")
        _check_int("customers", self.customers, 10, 100_000, "use at least 10 customers")
        _check_int("suppliers", self.suppliers, 3, 999, "the demo has 3 supplier categories")
        _check_int("years", self.years, 1, 10, "the demo covers 1 to 10 years")
        _check_int("order_lines", self.order_lines, 1_000, 50_000_000, "grow big with scale")
        _check_int("chunk_lines", self.chunk_lines, 1_000, 5_000_000, "chunks bound memory")
        if isinstance(self.end_date, bool) or type(self.end_date) is not date:
            raise ConfigError(
                f"demo config: end_date must be a date such as 2025-12-31, got {self.end_date!r}"
            )
        if not date(2000, 1, 1) <= self.end_date <= date(2100, 12, 31):
            raise ConfigError(
                f"demo config: end_date must lie between 2000-01-01 and 2100-12-31, "
                f"got {self.end_date}"
            )
        scale = self.scale
        if isinstance(scale, bool) or not isinstance(scale, int | float):
            raise ConfigError(f"demo config: scale must be a number, got {scale!r}")
        if not np.isfinite(scale) or not 0 < scale <= 1000:
            raise ConfigError(
                f"demo config: scale must be above 0 and at most 1000, got {scale}; "
                "scale=100 gives about 100 million order lines"
            )
        if self.order_lines * scale < 1_000:
            raise ConfigError(
                f"demo config: order_lines x scale must be at least 1,000, got "
                f"{self.order_lines * scale:,.0f}; raise order_lines or scale"
            )

    @property
    def total_lines(self) -> int:
        """The expected number of order lines (``order_lines`` x ``scale``)."""
        return round(self.order_lines * self.scale)

    @property
    def volume_factor(self) -> float:
        """Unit volumes relative to the default company of 1,000,000 lines."""
        return self.total_lines / 1_000_000

    @property
    def people_factor(self) -> float:
        """Headcount relative to the default company; never smaller than it.

        A test-sized order stream keeps a full-sized workforce, so the labour,
        safety and energy stories stay visible at any size.
        """
        return max(1.0, self.volume_factor)


@dataclass(frozen=True)
class Calendar:
    """The generation window ``start``..``end`` (inclusive) as day, week and month grids.

    ``week0`` is the Monday on or before ``start``; week ``w`` covers the days
    ``week0 + 7w`` .. ``week0 + 7w + 6``. ``months`` are (year, month) pairs.
    """

    start: date
    end: date
    first_day: int = field(init=False)
    last_day: int = field(init=False)
    week0: int = field(init=False)
    weeks: int = field(init=False)
    month_keys: IntArray = field(init=False, repr=False)  # months since 1970-01

    def __post_init__(self) -> None:
        first, last = day_number(self.start), day_number(self.end)
        week0 = first - weekday(np.array([first]))[0]
        object.__setattr__(self, "first_day", first)
        object.__setattr__(self, "last_day", last)
        object.__setattr__(self, "week0", int(week0))
        object.__setattr__(self, "weeks", int((last - week0) // 7 + 1))
        keys = np.arange(month_key(self.start), month_key(self.end) + 1, dtype=np.int64)
        object.__setattr__(self, "month_keys", keys)

    @classmethod
    def of(cls, config: DemoConfig) -> Calendar:
        end = config.end_date
        start = _years_before(end, config.years) + timedelta(days=1)
        return cls(start, end)

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    @property
    def day_numbers(self) -> IntArray:
        return np.arange(self.first_day, self.last_day + 1, dtype=np.int64)

    @property
    def periods(self) -> list[str]:
        """The months of the window as 'YYYY-MM'."""
        return [f"{k // 12 + 1970:04d}-{k % 12 + 1:02d}" for k in self.month_keys.tolist()]

    @property
    def month_starts(self) -> IntArray:
        """Day number of the first day of each month of the window."""
        return as_ints(
            self.month_keys.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        )

    @property
    def year2_start(self) -> date:
        """The first day of the last twelve months (where the stories turn)."""
        return max(self.start, _years_before(self.end, 1) + timedelta(days=1))

    def week_of(self, days: npt.NDArray[np.integer]) -> IntArray:
        """Week index of each day number (may be outside 0..weeks-1)."""
        return (days.astype(np.int64) - self.week0) // 7

    def month_of(self, days: npt.NDArray[np.integer]) -> IntArray:
        """Month index (0 = the first month of the window) of each day number."""
        return months_since_epoch(days) - int(self.month_keys[0])

    def week_start(self, w: int) -> int:
        return self.week0 + 7 * w


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February in a year that has none
        return d.replace(year=d.year - years, day=28)


def weekday(days: npt.NDArray[np.integer]) -> IntArray:
    """Monday = 0 .. Sunday = 6 of day numbers (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


def months_since_epoch(days: npt.NDArray[np.integer]) -> IntArray:
    """Months since 1970-01 of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_key(d: date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def years_of(days: npt.NDArray[np.integer]) -> IntArray:
    """Calendar year of day numbers."""
    return months_since_epoch(days) // 12 + 1970
