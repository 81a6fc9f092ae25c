"""Property tests: valid random data round-trips exactly; one corrupted cell is named.

Run on DuckDB (many examples) and PostgreSQL (a few: each example is a real load
on a real server).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obeya.errors import LoadRefused
from obeya.ingest import load
from obeya.warehouse import Warehouse
from tests.ingest.fixtures import VALID, write_company

HEADER = VALID["order_lines"][0]
REFS = {k: VALID[k] for k in ("sites", "products", "customers")}

day = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
amount = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def order_line(draw: st.DrawFn, order_no: int) -> list[str]:
    ordered = draw(amount)
    status = draw(st.sampled_from(["open", "shipped", "delivered", "cancelled"]))
    order_date = draw(day)
    promised = order_date + dt.timedelta(days=draw(st.integers(0, 60)))
    ship = delivery = ""
    shipped = 0.0
    if status in ("shipped", "delivered"):
        ship_d = order_date + dt.timedelta(days=draw(st.integers(0, 30)))
        ship = ship_d.isoformat()
        shipped = draw(st.floats(min_value=0, max_value=ordered)) if ordered else 0.0
        if status == "delivered":
            delivery = (ship_d + dt.timedelta(days=draw(st.integers(0, 10)))).isoformat()
    return [
        f"O{order_no}",
        str(draw(st.integers(1, 999))),
        draw(st.sampled_from(["C1", "C2"])),
        draw(st.sampled_from(["A1", "B2"])),
        draw(st.sampled_from(["DAL", "LYO"])),
        order_date.isoformat(),
        promised.isoformat(),
        ship,
        delivery,
        repr(ordered),
        repr(shipped),
        repr(draw(amount)),
        repr(draw(amount)),
        status,
    ]


@st.composite
def order_lines(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(1, 25))
    return [draw(order_line(i)) for i in range(n)]


def _warehouse(backend: str, request: pytest.FixtureRequest, folder: Path) -> Warehouse:
    if backend == "duckdb":
        return Warehouse.open(str(folder / "w.duckdb"))
    import psycopg

    admin = request.getfixturevalue("pg_server_url")
    with psycopg.connect(admin, autocommit=True) as conn:
        for t in ["obeya_load_log", "order_lines", "customers", "products", "sites"]:
            conn.execute(f"DROP TABLE IF EXISTS {t}")
    return Warehouse.open(admin)


EXAMPLES = {"duckdb": 40, "postgres": 8}


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_valid_rows_round_trip_exactly(backend: str, request: pytest.FixtureRequest) -> None:
    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rows=order_lines())
    def check(rows: list[list[str]]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_company(folder / "in", {**REFS, "order_lines": [HEADER, *rows]})
            with _warehouse(backend, request, folder) as wh:
                load(wh, [folder / "in"])
                back = (
                    wh.table("order_lines")
                    .order_by(["order_id", "line_no"])
                    .to_pyarrow()
                    .to_pylist()
                )
        for got, sent in zip(back, sorted(rows, key=lambda r: (r[0], int(r[1]))), strict=True):
            for name, text in zip(HEADER, sent, strict=True):
                value = got[name]
                if text == "":
                    assert value is None, name
                elif name in ("qty_ordered", "qty_shipped", "unit_price", "unit_cost"):
                    assert value == float(text), name
                elif name == "line_no":
                    assert value == int(text)
                elif name.endswith("_date"):
                    assert value.isoformat()[:10] == text
                else:
                    assert value == text, name

    check()


BAD = {  # column -> a value that breaks its rule whatever the rest of the row holds
    "qty_ordered": "-5",
    "unit_price": "abc",
    "order_date": "2024-02-30",
    "status": "unknown",
    "customer_id": "NOBODY",
    "line_no": "x1",
}


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_one_corrupted_cell_is_refused_and_named(
    backend: str, request: pytest.FixtureRequest
) -> None:
    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rows=order_lines(), data=st.data())
    def check(rows: list[list[str]], data: st.DataObject) -> None:
        row = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.sampled_from(sorted(BAD)))
        rows[row][HEADER.index(column)] = BAD[column]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_company(folder / "in", {**REFS, "order_lines": [HEADER, *rows]})
            with _warehouse(backend, request, folder) as wh:
                with pytest.raises(LoadRefused) as info:
                    load(wh, [folder / "in"])
                assert wh.row_count("order_lines") == 0
                assert wh.row_count("sites") == 0
            where = f"{folder / 'in' / 'order_lines.csv'}:{row + 2}:{column}: {BAD[column]!r}:"
            assert any(str(p).startswith(where) for p in info.value.problems), info.value.render()

    check()
