"""The small demo company fills every table, in load order, and breaks no rule."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from obeya.demo.arrow import ARROW_TYPES
from obeya.model import TABLES, ColumnType, load_order
from tests.demo.conftest import SMALL
from tests.demo.integrity import register, violations


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    rows = con.sql(sql).fetchall()
    assert len(rows) == 1
    return rows[0]


def test_every_table_comes_whole_and_in_load_order(
    small_chunks: list[tuple[str, pa.Table]],
) -> None:
    names = [name for name, _ in small_chunks]
    firsts = list(dict.fromkeys(names))
    assert firsts == load_order()
    # each table's chunks are consecutive: a table is complete before the next begins
    assert [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n] == firsts
    assert names.count("order_lines") >= 3  # 20,000 lines in chunks of about 8,000


def test_every_table_has_rows(small_company: dict[str, list[pa.Table]]) -> None:
    empty = [n for n, chunks in small_company.items() if sum(c.num_rows for c in chunks) == 0]
    assert empty == []


def test_arrow_types_are_the_briefs() -> None:
    assert {
        ColumnType.STRING: pa.string(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: pa.timestamp("us"),
        ColumnType.DECIMAL: pa.float64(),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.BOOLEAN: pa.bool_(),
        ColumnType.PERIOD: pa.string(),
    } == ARROW_TYPES


def test_every_chunk_has_exactly_the_model_columns(
    small_company: dict[str, list[pa.Table]],
) -> None:
    for name, chunks in small_company.items():
        want = [(c.name, ARROW_TYPES[c.type]) for c in TABLES[name].columns]
        for chunk in chunks:
            assert [(f.name, f.type) for f in chunk.schema] == want, name


def test_no_rule_of_the_model_is_broken(
    small_db: duckdb.DuckDBPyConnection, small_company: dict[str, list[pa.Table]]
) -> None:
    assert violations(small_db, small_company) == []


def test_the_checker_catches_a_broken_rule(small_company: dict[str, list[pa.Table]]) -> None:
    broken = dict(small_company)
    lines = pa.concat_tables(small_company["order_lines"])
    qty = lines.column("qty_shipped").to_numpy().copy()
    qty[0] = lines.column("qty_ordered")[0].as_py() + 1  # ship more than ordered
    broken["order_lines"] = [lines.set_column(12, "qty_shipped", pa.array(qty))]
    found = violations(register(broken), broken)
    assert any("qty_shipped <= qty_ordered" in v for v in found)


def test_shipments_carry_their_orders_lines(small_db: duckdb.DuckDBPyConnection) -> None:
    bad = _one(
        small_db,
        """
        WITH lines AS (
            SELECT order_id, any_value(site_id) site_id, min(ship_date) first_ship,
                   max(ship_date) last_ship, sum(qty_shipped) units,
                   max(delivery_date) delivered, count(DISTINCT site_id) sites
            FROM order_lines WHERE status IN ('shipped', 'delivered') GROUP BY order_id)
        SELECT count(*) FILTER (WHERE s.order_id IS NULL),
               count(*) FILTER (WHERE l.order_id IS NULL),
               count(*) FILTER (WHERE abs(s.units - l.units) > 1e-9 OR s.site_id <> l.site_id
                                 OR s.ship_date <> l.first_ship OR l.first_ship <> l.last_ship
                                 OR l.sites <> 1
                                 OR s.delivery_date IS DISTINCT FROM l.delivered)
        FROM lines l FULL JOIN shipments s USING (order_id)
        """,
    )
    assert bad == (0, 0, 0)


def test_returns_reference_delivered_lines(small_db: duckdb.DuckDBPyConnection) -> None:
    (orphans, too_many, too_early) = _one(
        small_db,
        """
        SELECT count(*) FILTER (WHERE l.order_id IS NULL),
               count(*) FILTER (WHERE r.qty > l.qty_shipped),
               count(*) FILTER (WHERE r.return_date < l.delivery_date)
        FROM returns r LEFT JOIN order_lines l
          ON l.order_id = r.order_id AND l.sku = r.sku AND l.customer_id = r.customer_id
          AND l.line_no = CAST(right(r.return_id, 2) AS BIGINT) AND l.status = 'delivered'
        """,
    )
    assert (orphans, too_many, too_early) == (0, 0, 0)


def test_surveys_and_tickets_follow_real_orders(small_db: duckdb.DuckDBPyConnection) -> None:
    (nps_bad,) = _one(
        small_db,
        """SELECT count(*) FROM nps_responses n LEFT JOIN shipments s
           ON s.order_id = 'SO' || substr(n.response_id, 4)
           WHERE s.delivery_date IS NULL OR n.response_date <= s.delivery_date""",
    )
    (events_bad,) = _one(
        small_db,
        """SELECT count(*) FROM (SELECT DISTINCT case_id FROM process_events) e
           LEFT JOIN (SELECT DISTINCT order_id FROM order_lines) o ON o.order_id = e.case_id
           WHERE o.order_id IS NULL""",
    )
    assert (nps_bad, events_bad) == (0, 0)


def test_ledger_revenue_and_freight_come_from_the_operations(
    small_db: duckdb.DuckDBPyConnection,
) -> None:
    low, high, freight_gap = _one(
        small_db,
        """
        WITH ops AS (SELECT site_id, strftime(ship_date, '%Y-%m') period,
                            sum(qty_shipped * unit_price) revenue
                     FROM order_lines WHERE ship_date IS NOT NULL GROUP BY ALL),
             fr AS (SELECT site_id, strftime(ship_date, '%Y-%m') period, sum(freight_cost) f
                    FROM shipments GROUP BY ALL)
        SELECT min(g.amount / ops.revenue), max(g.amount / ops.revenue),
               (SELECT max(abs(g2.amount - fr.f)) FROM gl_actuals g2 JOIN fr USING (site_id, period)
                WHERE g2.account = '6000')
        FROM gl_actuals g JOIN ops USING (site_id, period) WHERE g.account = '4000'
        """,
    )
    # revenue is booked net of 0.4% to 1.2% credit notes; freight is the shipments' own
    assert 0.987 <= float(low) <= float(high) <= 0.997  # type: ignore[arg-type]
    assert float(freight_gap) < 0.01  # type: ignore[arg-type]


def test_order_prices_and_costs_sit_near_the_master(small_db: duckdb.DuckDBPyConnection) -> None:
    lo_p, hi_p, lo_c, hi_c = _one(
        small_db,
        """SELECT min(l.unit_price / p.unit_price), max(l.unit_price / p.unit_price),
                  min(l.unit_cost / p.unit_cost), max(l.unit_cost / p.unit_cost)
           FROM order_lines l JOIN products p USING (sku)""",
    )
    # price: list x year level (>= 1/1.035) x (1 - discount <= 20%) x promotion (0.85) x noise
    assert float(lo_p) > 0.6
    assert float(hi_p) < 1.06
    # cost: the half-year level, from 1.03^-3 = 0.915 up to 1; rounding to the cent
    assert float(lo_c) > 0.91
    assert float(hi_c) < 1.01


def test_the_end_of_the_window_is_still_open(small_db: duckdb.DuckDBPyConnection) -> None:
    end = SMALL.end_date.isoformat()
    open_lines, future, in_transit, old_open = _one(
        small_db,
        f"""SELECT count(*) FILTER (WHERE status = 'open'),
                   count(*) FILTER (WHERE status = 'open' AND promised_date > DATE '{end}'),
                   count(*) FILTER (WHERE status = 'shipped'),
                   count(*) FILTER (WHERE status = 'open' AND order_date < DATE '{end}' - 40)
            FROM order_lines""",
    )
    assert int(open_lines) > 0
    assert int(future) > 0
    assert int(in_transit) > 0
    assert old_open == 0


def test_inventory_is_weekly_with_stockouts_and_excess(small_db: duckdb.DuckDBPyConnection) -> None:
    dates, not_monday, rows, zero_share, excess = _one(
        small_db,
        """WITH d AS (SELECT sku, site_id, avg(qty_on_hand) oh FROM inventory_snapshots GROUP BY ALL),
                u AS (SELECT sku, site_id, sum(qty_ordered) / 105.0 weekly FROM order_lines GROUP BY ALL)
           SELECT (SELECT count(DISTINCT snapshot_date) FROM inventory_snapshots),
                  (SELECT count(*) FROM inventory_snapshots WHERE dayofweek(snapshot_date) <> 1),
                  (SELECT count(*) FROM inventory_snapshots),
                  (SELECT avg((qty_on_hand = 0)::INT) FROM inventory_snapshots),
                  (SELECT count(*) FROM d JOIN u USING (sku, site_id) WHERE d.oh > 26 * u.weekly)""",
    )
    # 2024-01-01 .. 2025-12-31 has 105 Mondays; 3 sites x 500 SKUs each
    assert (dates, not_monday, rows) == (105, 0, 105 * 3 * 500)
    assert 0.005 < float(zero_share) < 0.25  # type: ignore[arg-type]
    assert int(excess) > 10  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("table", "column"),
    [("labor_hours", "work_date"), ("quality_samples", "measured_at")],
)
def test_working_day_tables_skip_weekends(
    small_db: duckdb.DuckDBPyConnection, table: str, column: str
) -> None:
    (weekend,) = _one(small_db, f"SELECT count(*) FROM {table} WHERE dayofweek({column}) IN (0, 6)")
    assert weekend == 0
