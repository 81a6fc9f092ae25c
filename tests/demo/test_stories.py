"""Each story of docs/demo.md is found by a simple query on the small company."""

from __future__ import annotations

import duckdb
import pytest

from obeya.demo import stories
from obeya.demo.catalog import SEGMENTS
from tests.demo.conftest import SMALL

STORY = stories(SMALL)
Y2 = STORY.year2_start.isoformat()  # 2025-01-01: the last twelve months begin
END = SMALL.end_date.isoformat()


def _row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, ...]:
    rows = con.sql(sql).fetchall()
    assert len(rows) == 1
    return tuple(float(v) for v in rows[0])


OTD = "avg((l.delivery_date IS NOT NULL AND l.delivery_date <= l.promised_date)::INT)"
DUE = f"l.status <> 'cancelled' AND l.promised_date BETWEEN DATE '{Y2}' AND DATE '{END}'"


def test_one_carrier_drags_down_one_sites_on_time_delivery(
    small_db: duckdb.DuckDBPyConnection,
) -> None:
    story_pair, same_site_others, other_sites = _row(
        small_db,
        f"""SELECT {OTD} FILTER (WHERE l.site_id = '{STORY.bad_site}' AND s.carrier_id = '{STORY.bad_carrier}'),
                   {OTD} FILTER (WHERE l.site_id = '{STORY.bad_site}' AND s.carrier_id <> '{STORY.bad_carrier}'),
                   {OTD} FILTER (WHERE l.site_id <> '{STORY.bad_site}')
            FROM order_lines l JOIN shipments s USING (order_id) WHERE {DUE}""",
    )
    assert story_pair < same_site_others - 0.2
    assert story_pair < other_sites - 0.2
    site, rest, site_last_year = _row(
        small_db,
        f"""SELECT {OTD} FILTER (WHERE site_id = '{STORY.bad_site}' AND {DUE}),
                   {OTD} FILTER (WHERE site_id <> '{STORY.bad_site}' AND {DUE}),
                   {OTD} FILTER (WHERE site_id = '{STORY.bad_site}' AND status <> 'cancelled'
                                 AND promised_date < DATE '{Y2}')
            FROM order_lines l""",
    )
    assert site < rest - 0.1
    assert site < site_last_year - 0.1
    assert rest > 0.88  # the others keep a normal service level


def test_the_supplier_slips_in_lead_time_and_quality(small_db: duckdb.DuckDBPyConnection) -> None:
    first, last, ppm_first, ppm_last = _row(
        small_db,
        f"""SELECT avg(receipt_date - order_date) FILTER (WHERE order_date < DATE '2024-07-01'),
                   avg(receipt_date - order_date) FILTER (WHERE order_date >= DATE '2025-07-01'),
                   sum(qty_rejected) FILTER (WHERE receipt_date < DATE '2024-07-01')
                     / sum(qty_received) FILTER (WHERE receipt_date < DATE '2024-07-01'),
                   sum(qty_rejected) FILTER (WHERE receipt_date >= DATE '2025-07-01')
                     / sum(qty_received) FILTER (WHERE receipt_date >= DATE '2025-07-01')
            FROM purchase_order_lines
            WHERE supplier_id = '{STORY.bad_supplier}' AND receipt_date IS NOT NULL""",
    )
    # designed: +0 days a year before the end, +18 days at the end (about +12 on average
    # over the last six months); rejects from 0.3% to 4%
    assert last > first + 7
    assert ppm_last > 4 * ppm_first
    (steadiest_other,) = _row(
        small_db,
        f"""SELECT max(abs(lt_last - lt_first)) FROM (
              SELECT supplier_id,
                     avg(receipt_date - order_date) FILTER (WHERE order_date < DATE '2024-07-01') AS lt_first,
                     avg(receipt_date - order_date) FILTER (WHERE order_date >= DATE '2025-07-01') AS lt_last
              FROM purchase_order_lines
              WHERE supplier_id <> '{STORY.bad_supplier}' AND receipt_date IS NOT NULL GROUP BY 1)""",
    )
    assert steadiest_other < 4  # every other supplier keeps its lead time
    defects_first, defects_last = _row(
        small_db,
        f"""SELECT sum(qty_defective) FILTER (WHERE inspected_at < TIMESTAMP '2024-07-01')
                     / sum(qty_inspected) FILTER (WHERE inspected_at < TIMESTAMP '2024-07-01'),
                   sum(qty_defective) FILTER (WHERE inspected_at >= TIMESTAMP '2025-07-01')
                     / sum(qty_inspected) FILTER (WHERE inspected_at >= TIMESTAMP '2025-07-01')
            FROM inspections WHERE supplier_id = '{STORY.bad_supplier}'""",
    )
    assert defects_last > 3 * defects_first


def test_the_q4_crunch_on_one_line(small_db: duckdb.DuckDBPyConnection) -> None:
    line = STORY.crunch_resource
    crunch, year_before, downtime_crunch, downtime_else = _row(
        small_db,
        f"""SELECT sum(run_hours + downtime_hours) FILTER (WHERE planned_start >= TIMESTAMP '2025-10-01'),
                   sum(run_hours + downtime_hours) FILTER (WHERE planned_start >= TIMESTAMP '2024-10-01'
                                                         AND planned_start < TIMESTAMP '2025-01-01'),
                   sum(downtime_hours) FILTER (WHERE planned_start >= TIMESTAMP '2025-10-01')
                     / sum(run_hours + downtime_hours) FILTER (WHERE planned_start >= TIMESTAMP '2025-10-01'),
                   sum(downtime_hours) FILTER (WHERE planned_start < TIMESTAMP '2025-10-01')
                     / sum(run_hours + downtime_hours) FILTER (WHERE planned_start < TIMESTAMP '2025-10-01')
            FROM work_orders WHERE resource_id = '{line}'""",
    )
    weeks = 13.0  # Q4: 2025-10-01 .. 2025-12-31, two shifts of 8 h on 5 days = 80 h a week
    assert crunch / (weeks * 80) > 1.05  # over capacity
    assert crunch > 1.3 * year_before
    assert downtime_crunch > 2 * downtime_else
    ot_crunch, ot_spring = _row(
        small_db,
        f"""SELECT sum(overtime_hours) FILTER (WHERE work_date >= DATE '2025-10-01')
                     / sum(regular_hours) FILTER (WHERE work_date >= DATE '2025-10-01'),
                   sum(overtime_hours) FILTER (WHERE work_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30')
                     / sum(regular_hours) FILTER (WHERE work_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30')
            FROM labor_hours WHERE site_id = '{STORY.crunch_site}' AND department = 'production'""",
    )
    assert ot_crunch > 2 * ot_spring


def test_one_characteristic_shifts_by_the_designed_amount(
    small_db: duckdb.DuckDBPyConnection,
) -> None:
    before, after, n_before, n_after = _row(
        small_db,
        f"""SELECT avg(value) FILTER (WHERE measured_at < DATE '{STORY.shift_date}'),
                   avg(value) FILTER (WHERE measured_at >= DATE '{STORY.shift_date}'),
                   count(*) FILTER (WHERE measured_at < DATE '{STORY.shift_date}'),
                   count(*) FILTER (WHERE measured_at >= DATE '{STORY.shift_date}')
            FROM quality_samples WHERE characteristic_id = '{STORY.shift_characteristic}'""",
    )
    # designed shift 1.5 sigma = 1.5 x 0.030 mm = 0.045 mm; the standard error of the
    # difference of means is sigma x sqrt(1/n1 + 1/n2) (about 0.0009 mm here)
    se = STORY.shift_sigma * (1 / n_before + 1 / n_after) ** 0.5
    assert after - before == pytest.approx(STORY.shift_amount, abs=4 * se)
    (biggest_other,) = _row(
        small_db,
        f"""SELECT max(abs(a - b) / s) FROM (
              SELECT characteristic_id,
                     avg(value) FILTER (WHERE measured_at < DATE '{STORY.shift_date}') b,
                     avg(value) FILTER (WHERE measured_at >= DATE '{STORY.shift_date}') a,
                     stddev(value) s
              FROM quality_samples WHERE characteristic_id <> '{STORY.shift_characteristic}'
              GROUP BY 1)""",
    )
    assert biggest_other < 0.2  # the others stay put (in sigma units)
    (bad_groups,) = _row(
        small_db,
        """SELECT count(*) FROM (SELECT characteristic_id, subgroup FROM quality_samples GROUP BY ALL
           HAVING count(*) <> 5 OR min(sample_no) <> 1 OR max(sample_no) <> 5)""",
    )
    assert bad_groups == 0


def test_freight_and_labour_run_over_budget(small_db: duckdb.DuckDBPyConnection) -> None:
    def per_unit(last_year: bool) -> tuple[float, float]:
        """Freight per unit: actual (shipments) and budget (budget over sales-budget units)."""
        cmp = ">=" if last_year else "<"
        actual, budget = _row(
            small_db,
            f"""SELECT (SELECT sum(freight_cost) / sum(units) FROM shipments
                        WHERE strftime(ship_date, '%Y-%m') {cmp} '{Y2[:7]}'),
                       (SELECT sum(amount) FROM budget WHERE account = '6000' AND period {cmp} '{Y2[:7]}')
                       / (SELECT sum(units) FROM sales_budget WHERE period {cmp} '{Y2[:7]}')""",
        )
        return actual, budget

    # The budget priced freight at the first year's rate per unit (+2% for the last year);
    # carriers raised rates 15% a month into the last year: about 1.15 / 1.02 = 1.13 over
    # budget per unit (a little less: January still ran at the old rates).
    actual, budget = per_unit(last_year=False)
    assert actual / budget == pytest.approx(1.0, abs=0.04)
    actual, budget = per_unit(last_year=True)
    assert 1.06 < actual / budget < 1.16

    def labour(last_year: bool) -> float:
        cmp = ">=" if last_year else "<"
        (ratio,) = _row(
            small_db,
            f"""SELECT sum(a.amount) / sum(b.amount) FROM gl_actuals a
                JOIN budget b USING (period, site_id, account)
                WHERE account = '5100' AND period {cmp} '{Y2[:7]}'""",
        )
        return ratio

    # Direct labour (cogs_labor) does not follow volume: wages rose 6% against the
    # budget's 3%, and the crunch added overtime.
    assert labour(last_year=False) == pytest.approx(1.0, abs=0.03)
    assert labour(last_year=True) > 1.03


def test_a_cluster_of_incidents_at_one_site(small_db: duckdb.DuckDBPyConnection) -> None:
    months = ", ".join(f"'{m}'" for m in STORY.incident_months)
    cluster, usual = _row(
        small_db,
        f"""SELECT count(*) FILTER (WHERE strftime(incident_date, '%Y-%m') IN ({months})) / 3.0,
                   count(*) FILTER (WHERE strftime(incident_date, '%Y-%m') NOT IN ({months})) / 21.0
            FROM incidents WHERE site_id = '{STORY.incident_site}'""",
    )
    assert cluster > 3 * usual


def test_seasons_and_trends_by_family(demand_db: duckdb.DuckDBPyConnection) -> None:
    kettle_q4, kettle_q2, fan_q3, fan_q1, coffee_up, irons_down = _row(
        demand_db,
        """SELECT sum(qty_ordered) FILTER (WHERE family = 'Kettles' AND quarter(order_date) = 4),
                  sum(qty_ordered) FILTER (WHERE family = 'Kettles' AND quarter(order_date) = 2),
                  sum(qty_ordered) FILTER (WHERE family = 'Fans' AND quarter(order_date) = 3),
                  sum(qty_ordered) FILTER (WHERE family = 'Fans' AND quarter(order_date) = 1),
                  count(*) FILTER (WHERE family = 'Coffee makers' AND year(order_date) = 2025)
                    / count(*) FILTER (WHERE family = 'Coffee makers' AND year(order_date) = 2024),
                  count(*) FILTER (WHERE family = 'Irons' AND year(order_date) = 2025)
                    / count(*) FILTER (WHERE family = 'Irons' AND year(order_date) = 2024)
           FROM order_lines JOIN products USING (sku)""",
    )
    assert kettle_q4 > 1.5 * kettle_q2
    assert fan_q3 > 2.5 * fan_q1
    # designed trends +15% and -12% a year: exp(0.15) = 1.16 and exp(-0.12) = 0.89
    assert coffee_up > 1.08
    assert irons_down < 0.94


SEGMENT_DISCOUNT = ", ".join(f"('{s.name}', {s.discount})" for s in SEGMENTS)


def test_promotions_lift_demand_and_cut_the_price(demand_db: duckdb.DuckDBPyConnection) -> None:
    lift = []
    for promo in STORY.promotions:
        during, base, price_ratio = _row(
            demand_db,
            f"""WITH l AS (
                  SELECT l.sku, l.order_date, l.unit_price / (1 - d.discount) AS list_price,
                         CASE WHEN l.order_date BETWEEN DATE '{promo.start}' AND DATE '{promo.end}'
                              THEN 'during'
                              WHEN l.order_date BETWEEN DATE '{promo.start}' - 56 AND DATE '{promo.start}' - 1
                                OR l.order_date BETWEEN DATE '{promo.end}' + 15 AND DATE '{promo.end}' + 70
                              THEN 'base' END AS time
                  FROM order_lines l JOIN customers USING (customer_id) JOIN products p USING (sku)
                  JOIN (VALUES {SEGMENT_DISCOUNT}) d(segment, discount) USING (segment)
                  WHERE p.family = (SELECT family FROM products WHERE sku = '{promo.sku}'))
                SELECT avg((sku = '{promo.sku}')::INT) FILTER (WHERE time = 'during'),
                       avg((sku = '{promo.sku}')::INT) FILTER (WHERE time = 'base'),
                       avg(list_price) FILTER (WHERE sku = '{promo.sku}' AND time = 'during')
                         / avg(list_price) FILTER (WHERE sku = '{promo.sku}' AND time = 'base'
                                                   AND order_date > DATE '{promo.end}')
                FROM l""",
        )
        lift.append(during / base)
        # 15% off, against the same year's price after the promotion
        assert price_ratio == pytest.approx(1 - promo.discount, abs=0.01), promo
    # The promoted SKU's share of its family's lines: designed 3x its usual weekly rate,
    # so its share rises about 2.5x (the family grows with it); the 2 dip weeks are left out.
    assert sum(lift) / len(lift) > 2.0


def test_intermittent_tail_next_to_smooth_fast_movers(demand_db: duckdb.DuckDBPyConnection) -> None:
    tail = ", ".join(f"'{s}'" for s in STORY.intermittent_skus)
    fast = ", ".join(f"'{s}'" for s in STORY.fast_movers)
    tail_weeks, fast_weeks, tail_cv, fast_cv = _row(
        demand_db,
        f"""WITH w AS (SELECT sku, date_trunc('week', order_date) wk, sum(qty_ordered) q
                       FROM order_lines GROUP BY ALL),
                 s AS (SELECT sku, count(*) / 105.0 AS week_share, stddev(q) / avg(q) AS cv
                       FROM w GROUP BY sku)
            SELECT median(week_share) FILTER (WHERE sku IN ({tail})),
                   median(week_share) FILTER (WHERE sku IN ({fast})),
                   median(cv) FILTER (WHERE sku IN ({tail})),
                   median(cv) FILTER (WHERE sku IN ({fast}))
            FROM s""",
    )
    assert tail_weeks < 0.4  # most weeks without a single order
    assert fast_weeks > 0.99  # ordered every week
    assert tail_cv > 1.5 * fast_cv  # and lumpy when they do order
