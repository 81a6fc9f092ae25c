"""Speed of the KPI engine: the full scorecard against the same figures in plain SQL.

A synthetic company is generated directly in a DuckDB file with SQL (``range()`` and
hash-based pseudo-random numbers, so every run draws the same data): ``--lines``
order lines (10 million by default) over three years, and proportionate shipments,
weekly inventory snapshots, purchase orders, work orders, labour hours, returns,
surveys, tickets, incidents, inspections, energy and waste.

Then, in the same process, each ``--runs`` times (median reported):

1. *engine*: ``obeya.metrics.scorecard`` for every catalog KPI, 24 months, by site
   (KPIs without a site dimension company-wide), with changes vs prior month and
   vs last year: the catalog compiled to Ibis, one query per measure group;
2. *baseline*: the same figures written by hand as one plain DuckDB SQL script
   (CTEs per source and date, window functions for the comparisons).

It prints both times, their ratio (target: engine <= 1.5 x baseline), the peak
resident memory of the process, and checks that both agree on a sample of KPIs.

    uv run python bench/bench_scorecard.py                       # 10M lines
    uv run python bench/bench_scorecard.py --lines 100000000     # the 100M run
    uv run python bench/bench_scorecard.py --lines 1000000 --runs 5
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from obeya.metrics import load_catalog, scorecard
from obeya.metrics.measures import COMPILED
from obeya.warehouse import Warehouse

START = date(2023, 1, 1)
END = date(2025, 12, 31)
DAYS = (END - START).days + 1
AS_OF = END
FIRST = date(2024, 1, 1)  # 24 months shown
SINCE = date(2023, 1, 1)  # their prior month and same month last year
SITES, SKUS, CUSTOMERS, PLANTS = 10, 2000, 5000, 3


def u(seed: str, k: int) -> str:
    """A pseudo-random number in [0, 1) from a row key, in SQL."""
    return f"((hash({seed}, {k}) % 1000000) / 1000000.0)"


def generate(con: duckdb.DuckDBPyConnection, lines: int) -> None:
    """Fill the model tables of an empty warehouse (valid by construction)."""
    orders = max(lines // 3, 1)
    sql = f"""
    INSERT INTO sites (site_id, name, type, country)
      SELECT 'S' || lpad(i::VARCHAR, 2, '0'), 'Site ' || i, CASE WHEN i <= {PLANTS} THEN 'plant' ELSE 'dc' END, 'US'
      FROM range(1, {SITES + 1}) t(i);
    INSERT INTO products (sku, description, family, unit_cost, unit_price, weight_kg)
      SELECT 'K' || lpad(i::VARCHAR, 5, '0'), 'sku ' || i, 'F' || lpad((i % 20)::VARCHAR, 2, '0'),
             5 + i % 50, (5 + i % 50) * 1.6, 1 + i % 10
      FROM range(1, {SKUS + 1}) t(i);
    INSERT INTO customers (customer_id, name, segment, channel)
      SELECT 'C' || lpad(i::VARCHAR, 5, '0'), 'Customer ' || i, ['retail', 'wholesale', 'online'][1 + i % 3],
             ['web', 'retail', 'distributor'][1 + i % 3]
      FROM range(1, {CUSTOMERS + 1}) t(i);
    INSERT INTO suppliers (supplier_id, name, country)
      SELECT 'V' || lpad(i::VARCHAR, 3, '0'), 'Supplier ' || i, 'US' FROM range(1, 51) t(i);
    INSERT INTO carriers (carrier_id, name, mode)
      SELECT 'K' || i, 'Carrier ' || i, ['truck', 'ltl', 'parcel', 'rail', 'air'][i] FROM range(1, 6) t(i);
    INSERT INTO resources (resource_id, site_id, name, kind, hours_per_day, ideal_units_per_hour)
      SELECT 'R' || lpad(i::VARCHAR, 2, '0'), 'S0' || (1 + i % {PLANTS}), 'Line ' || i, 'line', 16,
             CASE WHEN i % 5 = 0 THEN NULL ELSE 50 + 10 * (i % 11) END
      FROM range(1, 41) t(i);

    INSERT INTO order_lines (order_id, line_no, customer_id, sku, site_id, order_date, promised_date,
                             ship_date, delivery_date, qty_ordered, qty_shipped, unit_price, unit_cost, status)
      WITH raw_lines AS (SELECT i, i // 3 AS o, 1 + hash(i, 7) % {SKUS} AS k,
             DATE '{START}' + CAST(floor(i * {DAYS}.0 / {lines}) AS INTEGER) AS od,
             {u("i", 1)} AS u1, {u("i", 2)} AS u2, {u("i", 3)} AS u3, {u("i", 4)} AS u4,
             {u("i", 5)} AS u5, {u("i", 6)} AS u6
      FROM range({lines}) t(i))
      SELECT 'O' || o, i % 3 + 1, 'C' || lpad((1 + hash(o, 9) % {CUSTOMERS})::VARCHAR, 5, '0'),
             'K' || lpad(k::VARCHAR, 5, '0'), 'S' || lpad((1 + hash(o, 8) % {SITES})::VARCHAR, 2, '0'),
             od, pd, CASE WHEN status IN ('shipped', 'delivered') THEN sd END,
             CASE WHEN status = 'delivered' THEN dd END, q,
             CASE WHEN status IN ('cancelled', 'open') THEN 0 WHEN u6 < 0.05 THEN floor(q / 2) ELSE q END,
             (5 + k % 50) * 1.6, 5 + k % 50, status
      FROM (
        SELECT *, CASE WHEN u4 < 0.02 THEN 'cancelled' WHEN sd > DATE '{END}' THEN 'open'
                       WHEN dd > DATE '{END}' THEN 'shipped' ELSE 'delivered' END AS status
        FROM (SELECT *, od + 2 + CAST(floor(u1 * 9) AS INTEGER) AS pd, od + 1 + CAST(floor(u2 * 8) AS INTEGER) AS sd,
                     od + 1 + CAST(floor(u2 * 8) AS INTEGER) + CAST(floor(u3 * 4) AS INTEGER) AS dd,
                     1 + floor(u5 * 20) AS q
              FROM raw_lines));

    INSERT INTO shipments (shipment_id, site_id, carrier_id, mode, ship_date, delivery_date, units, weight_kg,
                           distance_km, freight_cost, order_id)
      SELECT 'SH' || order_id, site, carrier, ['truck', 'ltl', 'parcel', 'rail', 'air'][c], d, dd, units,
             units * 3, 50 + hash(order_id, 12) % 900, units * (0.5 + c * 0.3), order_id
      FROM (SELECT order_id, min(site_id) AS site, min(ship_date) AS d, max(delivery_date) AS dd,
                   sum(qty_shipped) AS units, CAST(1 + hash(order_id, 11) % 5 AS BIGINT) AS c, 'K' || c AS carrier
            FROM order_lines WHERE ship_date IS NOT NULL GROUP BY order_id);

    INSERT INTO inventory_snapshots (snapshot_date, site_id, sku, qty_on_hand, unit_cost)
      SELECT d, 'S' || lpad(s::VARCHAR, 2, '0'), 'K' || lpad(k::VARCHAR, 5, '0'),
             CASE WHEN hash(d, s, k) % 100 < 3 THEN 0 ELSE hash(d, s, k) % 200 END, 5 + k % 50
      FROM (SELECT DATE '{START}' + CAST(w * 7 + 1 AS INTEGER) AS d FROM range({DAYS // 7}) t(w)),
           range(1, {SITES + 1}) s(s), range(1, {SKUS + 1}) k(k);

    INSERT INTO purchase_order_lines (po_id, line_no, supplier_id, sku, site_id, order_date, promised_date,
                                      receipt_date, qty_ordered, qty_received, qty_rejected, unit_price,
                                      contract_price)
      SELECT 'P' || i, 1, 'V' || lpad((1 + i % 50)::VARCHAR, 3, '0'), 'K' || lpad((1 + i % {SKUS})::VARCHAR, 5, '0'),
             'S' || lpad((1 + i % {SITES})::VARCHAR, 2, '0'), od, od + 20,
             CASE WHEN rd <= DATE '{END}' AND {u("i", 21)} > 0.03 THEN rd END, 100,
             CASE WHEN rd <= DATE '{END}' AND {u("i", 21)} > 0.03 THEN 100 ELSE 0 END,
             CASE WHEN rd <= DATE '{END}' AND {u("i", 21)} > 0.03 THEN hash(i, 22) % 3 END,
             10 + {u("i", 23)}, CASE WHEN i % 5 > 0 THEN 10.3 END
      FROM (SELECT i, DATE '{START}' + CAST(floor(i * {DAYS}.0 / {lines // 20}) AS INTEGER) AS od,
                   DATE '{START}' + CAST(floor(i * {DAYS}.0 / {lines // 20}) AS INTEGER)
                     + 15 + CAST(hash(i, 20) % 11 AS INTEGER) AS rd
            FROM range({lines // 20}) t(i));

    INSERT INTO work_orders (work_order_id, site_id, resource_id, sku, planned_start, actual_start, actual_end,
                             qty_planned, qty_good, qty_scrap, run_hours, downtime_hours, ideal_units_per_hour)
      SELECT 'W' || i, 'S0' || (1 + r % {PLANTS}), 'R' || lpad(r::VARCHAR, 2, '0'),
             'K' || lpad((1 + i % {SKUS})::VARCHAR, 5, '0'), ts, ts, ts + INTERVAL 8 HOUR, 500,
             450 + hash(i, 31) % 40, 10 + hash(i, 32) % 20, 6 + hash(i, 33) % 2, hash(i, 34) % 3,
             CASE WHEN i % 3 = 0 THEN 80 END
      FROM (SELECT i, 1 + hash(i, 30) % 40 AS r,
                   TIMESTAMP '{START} 06:00:00' + to_days(CAST(floor(i * {DAYS}.0 / {lines // 50}) AS INTEGER)) AS ts
            FROM range({lines // 50}) t(i));

    INSERT INTO labor_hours (work_date, site_id, department, headcount, regular_hours, overtime_hours,
                             temp_hours, labor_cost)
      SELECT DATE '{START}' + CAST(d AS INTEGER), 'S' || lpad(s::VARCHAR, 2, '0'), ['pick', 'pack', 'make'][p],
             20, 160, hash(d, s, p) % 20, hash(d, s, p, 1) % 10, 160 * 30 + (hash(d, s, p) % 20) * 45
      FROM range({DAYS}) d(d), range(1, {SITES + 1}) s(s), range(1, 4) p(p);

    INSERT INTO returns (return_id, order_id, sku, customer_id, return_date, qty, reason)
      SELECT 'RT' || order_id || '-' || line_no, order_id, sku, customer_id, delivery_date + 7, 1, 'damaged'
      FROM order_lines WHERE status = 'delivered' AND hash(order_id, line_no) % 100 = 0
        AND delivery_date + 7 <= DATE '{END}';

    INSERT INTO nps_responses (response_id, customer_id, response_date, score)
      SELECT 'N' || i, 'C' || lpad((1 + i % {CUSTOMERS})::VARCHAR, 5, '0'),
             DATE '{START}' + CAST(floor(i * {DAYS}.0 / {lines // 100}) AS INTEGER), hash(i, 40) % 11
      FROM range({lines // 100}) t(i);

    INSERT INTO tickets (ticket_id, opened_at, first_response_at, resolved_at, priority, sla_hours, escalated,
                         category)
      SELECT 'T' || i, ts, ts + INTERVAL 1 HOUR,
             CASE WHEN hash(i, 41) % 20 > 0 THEN ts + to_hours(CAST(hash(i, 42) % 60 AS INTEGER)) END,
             ['high', 'low'][1 + i % 2], 24 + 24 * (i % 2), hash(i, 43) % 10 = 0, ['billing', 'delivery'][1 + i % 2]
      FROM (SELECT i, TIMESTAMP '{START} 08:00:00' + to_days(CAST(floor(i * {DAYS}.0 / {lines // 50}) AS INTEGER))
                   AS ts FROM range({lines // 50}) t(i))
      WHERE ts + INTERVAL 60 HOUR <= TIMESTAMP '{END} 00:00:00';

    INSERT INTO incidents (incident_id, site_id, incident_date, type, recordable, lost_days, restricted_days)
      SELECT 'X' || i, 'S' || lpad((1 + i % {SITES})::VARCHAR, 2, '0'),
             DATE '{START}' + CAST(hash(i, 50) % {DAYS} AS INTEGER), 'injury', hash(i, 51) % 2 = 0,
             hash(i, 52) % 3, hash(i, 53) % 2
      FROM range(2000) t(i);

    INSERT INTO inspections (inspection_id, site_id, sku, inspected_at, qty_inspected, qty_defective)
      SELECT 'I' || i, 'S0' || (1 + i % {PLANTS}), 'K' || lpad((1 + i % {SKUS})::VARCHAR, 5, '0'),
             TIMESTAMP '{START} 10:00:00' + to_days(CAST(floor(i * {DAYS}.0 / {lines // 200}) AS INTEGER)),
             100, hash(i, 60) % 5
      FROM range({lines // 200}) t(i);

    INSERT INTO energy (period, site_id, source, kwh)
      SELECT strftime(DATE '{START}' + to_months(CAST(m AS INTEGER)), '%Y-%m'), 'S' || lpad(s::VARCHAR, 2, '0'),
             ['electricity', 'gas'][src], 10000 + hash(m, s, src) % 5000
      FROM range(36) m(m), range(1, {SITES + 1}) s(s), range(1, 3) g(src);
    INSERT INTO waste (period, site_id, stream, kg, diverted_kg)
      SELECT strftime(DATE '{START}' + to_months(CAST(m AS INTEGER)), '%Y-%m'), 'S' || lpad(s::VARCHAR, 2, '0'),
             ['metal', 'card'][w], 1000, 400 + hash(m, s, w) % 500
      FROM range(36) m(m), range(1, {SITES + 1}) s(s), range(1, 3) w(w);
    """
    del orders
    con.execute(sql)


# ------------------------------------------------------------------------ the baseline

BASELINE = """
WITH
ol AS (SELECT * FROM order_lines WHERE status <> 'cancelled'),
due AS (
  SELECT date_trunc('month', promised_date) AS p, site_id AS site, count(*) AS lines_due,
         count(*) FILTER (WHERE delivery_date <= promised_date) AS on_time,
         count(*) FILTER (WHERE delivery_date <= promised_date AND qty_shipped >= qty_ordered) AS otif,
         count(*) FILTER (WHERE qty_shipped >= qty_ordered) AS in_full,
         sum(qty_ordered) AS units_due, sum(least(qty_shipped, qty_ordered)) AS units_filled
  FROM ol WHERE promised_date BETWEEN $since AND $as_of GROUP BY ALL),
dlv AS (
  SELECT date_trunc('month', delivery_date) AS p, site_id AS site, count(*) AS n,
         sum(delivery_date - order_date) AS days,
         quantile_cont(delivery_date - order_date, 0.5) AS p50, quantile_cont(delivery_date - order_date, 0.9) AS p90
  FROM ol WHERE delivery_date BETWEEN $since AND $as_of GROUP BY ALL),
shp AS (
  SELECT date_trunc('month', ship_date) AS p, ol.site_id AS site, sum(qty_shipped * unit_price) AS revenue,
         sum(qty_shipped * (unit_price - unit_cost)) AS margin, sum(qty_shipped * unit_cost) AS cogs,
         sum(qty_shipped) AS units, sum(qty_shipped) FILTER (WHERE s.type <> 'plant') AS units_np
  FROM ol JOIN sites s ON s.site_id = ol.site_id
  WHERE ship_date BETWEEN $since AND $as_of GROUP BY ALL),
ord AS (
  SELECT order_id, max(promised_date) AS d, min(site_id) AS site,
         bool_and(coalesce(delivery_date <= promised_date AND qty_shipped >= qty_ordered, false)) AS ok
  FROM ol GROUP BY order_id),
returned AS (SELECT DISTINCT order_id FROM returns WHERE return_date <= $as_of),
perfect AS (
  SELECT date_trunc('month', d) AS p, site, count(*) AS orders,
         count(*) FILTER (WHERE ok AND r.order_id IS NULL) AS perfect
  FROM ord LEFT JOIN returned r USING (order_id)
  WHERE d BETWEEN $since AND $as_of GROUP BY ALL),
snaps AS (
  SELECT snapshot_date AS d, date_trunc('month', snapshot_date) AS p, site_id AS site, sku, qty_on_hand,
         qty_on_hand * unit_cost AS value
  FROM inventory_snapshots WHERE snapshot_date BETWEEN $since AND $as_of),
last_snap AS (SELECT p, max(d) AS d FROM snaps GROUP BY p),
n_snap AS (SELECT p, count(DISTINCT d) AS n FROM snaps GROUP BY p),
inv_latest AS (SELECT s.p, site, sum(value) AS value FROM snaps s JOIN last_snap l ON s.p = l.p AND s.d = l.d
               GROUP BY ALL),
inv_mean AS (SELECT s.p, site, sum(value) / any_value(n) AS value FROM snaps s JOIN n_snap USING (p) GROUP BY ALL),
demand AS (SELECT site_id, sku, order_date FROM ol
           WHERE order_date BETWEEN $since - INTERVAL 90 DAY AND $as_of),
stock AS (
  SELECT s.p, s.site, count(*) AS pairs, count(*) FILTER (WHERE qty_on_hand = 0) AS out_of_stock
  FROM (SELECT s.* FROM snaps s JOIN last_snap l ON s.p = l.p AND s.d = l.d) s
  ASOF JOIN demand x ON x.site_id = s.site AND x.sku = s.sku AND x.order_date <= s.d
  WHERE x.order_date > s.d - INTERVAL 90 DAY
  GROUP BY ALL),
ship AS (
  SELECT date_trunc('month', ship_date) AS p, site_id AS site, sum(freight_cost) AS freight, sum(units) AS units,
         sum(weight_kg / 1000 * distance_km * CASE mode WHEN 'truck' THEN 0.12366 WHEN 'ltl' THEN 0.24858
             WHEN 'parcel' THEN 0.5907 WHEN 'rail' THEN 0.03159 WHEN 'ocean' THEN 0.01536
             WHEN 'air' THEN 1.73499 END) AS co2e
  FROM shipments WHERE ship_date BETWEEN $since AND $as_of GROUP BY ALL),
lab AS (
  SELECT date_trunc('month', work_date) AS p, site_id AS site, sum(labor_cost) AS cost,
         sum(regular_hours + overtime_hours + coalesce(temp_hours, 0)) AS hours,
         sum(regular_hours) AS regular, sum(overtime_hours) AS overtime
  FROM labor_hours WHERE work_date BETWEEN $since AND $as_of GROUP BY ALL),
wo AS (
  SELECT date_trunc('month', CAST(w.actual_start AS DATE)) AS p, w.site_id AS site,
         sum(qty_good / nullif(coalesce(w.ideal_units_per_hour, r.ideal_units_per_hour), 0)) AS good_ideal,
         sum((qty_good + qty_scrap) / nullif(coalesce(w.ideal_units_per_hour, r.ideal_units_per_hour), 0))
           AS made_ideal,
         sum(run_hours) AS run, sum(downtime_hours) AS down, sum(qty_good) AS good,
         sum(qty_good + qty_scrap) AS made, sum(qty_good) FILTER (WHERE s.type = 'plant') AS plant_good
  FROM work_orders w JOIN resources r ON r.resource_id = w.resource_id JOIN sites s ON s.site_id = w.site_id
  WHERE CAST(w.actual_start AS DATE) BETWEEN $since AND $as_of GROUP BY ALL),
insp AS (
  SELECT date_trunc('month', CAST(inspected_at AS DATE)) AS p, site_id AS site, sum(qty_inspected) AS inspected,
         sum(qty_inspected - qty_defective) AS good
  FROM inspections WHERE CAST(inspected_at AS DATE) BETWEEN $since AND $as_of GROUP BY ALL),
po_due AS (
  SELECT date_trunc('month', promised_date) AS p, site_id AS site, count(*) AS due,
         count(*) FILTER (WHERE receipt_date <= promised_date) AS on_time
  FROM purchase_order_lines WHERE promised_date BETWEEN $since AND $as_of GROUP BY ALL),
po_rcv AS (
  SELECT date_trunc('month', receipt_date) AS p, site_id AS site, sum(qty_received) AS received,
         sum(coalesce(qty_rejected, 0)) AS rejected, count(*) AS lines, sum(receipt_date - order_date) AS days,
         quantile_cont(receipt_date - order_date, 0.9) AS p90
  FROM purchase_order_lines WHERE receipt_date BETWEEN $since AND $as_of GROUP BY ALL),
first_line AS (
  SELECT order_id, sku, site_id FROM order_lines
  WHERE order_id IN (SELECT order_id FROM returns)
  QUALIFY row_number() OVER (PARTITION BY order_id, sku ORDER BY line_no) = 1),
ret AS (
  SELECT date_trunc('month', return_date) AS p, f.site_id AS site, sum(qty) AS qty
  FROM returns r LEFT JOIN first_line f ON f.order_id = r.order_id AND f.sku = r.sku
  WHERE return_date BETWEEN $since AND $as_of GROUP BY ALL),
inc AS (
  SELECT date_trunc('month', incident_date) AS p, site_id AS site, count(*) FILTER (WHERE recordable) AS rec,
         count(*) FILTER (WHERE recordable AND (lost_days > 0 OR restricted_days > 0)) AS dart,
         count(*) FILTER (WHERE lost_days > 0) AS lost
  FROM incidents WHERE incident_date BETWEEN $since AND $as_of GROUP BY ALL),
nps AS (
  SELECT date_trunc('month', response_date) AS p, NULL::VARCHAR AS site, count(*) AS n,
         count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6) AS net
  FROM nps_responses WHERE response_date BETWEEN $since AND $as_of GROUP BY ALL),
tix AS (
  SELECT date_trunc('month', CAST(opened_at AS DATE)) AS p, NULL::VARCHAR AS site, count(*) AS n,
         count(*) FILTER (WHERE CAST(resolved_at AS DATE) <= $as_of
                          AND epoch(resolved_at) - epoch(opened_at) <= sla_hours * 3600) AS in_sla,
         count(*) FILTER (WHERE escalated) AS escalated
  FROM tickets WHERE CAST(opened_at AS DATE) BETWEEN $since AND $as_of GROUP BY ALL),
nrg AS (SELECT CAST(period || '-01' AS DATE) AS p, site_id AS site, sum(kwh) AS kwh FROM energy
        WHERE CAST(period || '-01' AS DATE) BETWEEN $since AND $as_of GROUP BY ALL),
wst AS (SELECT CAST(period || '-01' AS DATE) AS p, site_id AS site, sum(kg) AS kg, sum(diverted_kg) AS diverted
        FROM waste WHERE CAST(period || '-01' AS DATE) BETWEEN $since AND $as_of GROUP BY ALL),
days AS (SELECT p, date_diff('day', CAST(p AS DATE),
                            least(CAST(CAST(p AS DATE) + INTERVAL 1 MONTH AS DATE) - 1, CAST($as_of AS DATE))) + 1 AS d
         FROM (SELECT DISTINCT p FROM shp)),
figures (kpi, p, site, num, den) AS (
  SELECT 'otd', p, site, on_time, lines_due FROM due
  UNION ALL SELECT 'otif', p, site, otif, lines_due FROM due
  UNION ALL SELECT 'fill_rate_units', p, site, units_filled, units_due FROM due
  UNION ALL SELECT 'fill_rate_lines', p, site, in_full, lines_due FROM due
  UNION ALL SELECT 'order_cycle_time_days', p, site, days, n FROM dlv
  UNION ALL SELECT 'order_cycle_time_days_p50', p, site, p50, 1 FROM dlv
  UNION ALL SELECT 'order_cycle_time_days_p90', p, site, p90, 1 FROM dlv
  UNION ALL SELECT 'perfect_order_rate', p, site, perfect, orders FROM perfect
  UNION ALL SELECT 'revenue', p, site, revenue, 1 FROM shp
  UNION ALL SELECT 'gross_margin_pct', p, site, margin, revenue FROM shp
  UNION ALL SELECT 'units_shipped', p, site, units, 1 FROM shp
  UNION ALL SELECT 'throughput_units_per_day', p, site, units, d FROM shp JOIN days USING (p)
  UNION ALL SELECT 'inventory_value', p, site, value, 1 FROM inv_latest
  UNION ALL SELECT 'inventory_turns', p, site, coalesce(cogs, 0) * 365 / d, m.value
    FROM inv_mean m LEFT JOIN shp USING (p, site) JOIN days USING (p)
  UNION ALL SELECT 'days_of_supply', p, site, m.value, coalesce(cogs, 0) / d
    FROM inv_mean m LEFT JOIN shp USING (p, site) JOIN days USING (p)
  UNION ALL SELECT 'stockout_rate', p, site, out_of_stock, pairs FROM stock
  UNION ALL SELECT 'freight_cost_per_unit', p, site, freight, units FROM ship
  UNION ALL SELECT 'fulfillment_cost_per_unit', p, site, cost + coalesce(freight, 0), shp.units
    FROM lab LEFT JOIN ship USING (p, site) JOIN shp USING (p, site)
  UNION ALL SELECT 'units_per_labor_hour', p, site, coalesce(units, 0), hours FROM lab LEFT JOIN shp USING (p, site)
  UNION ALL SELECT 'overtime_pct', p, site, overtime, regular + overtime FROM lab
  UNION ALL SELECT 'oee', p, site, good_ideal, run + down FROM wo
  UNION ALL SELECT 'availability', p, site, run, run + down FROM wo
  UNION ALL SELECT 'performance', p, site, made_ideal, run FROM wo
  UNION ALL SELECT 'quality_rate', p, site, good, made FROM wo
  UNION ALL SELECT 'first_pass_yield', p, site, coalesce(i.good, wo.good), coalesce(i.inspected, wo.made)
    FROM wo FULL JOIN insp i USING (p, site)
  UNION ALL SELECT 'supplier_otd', p, site, on_time, due FROM po_due
  UNION ALL SELECT 'supplier_ppm', p, site, rejected * 1e6, received FROM po_rcv
  UNION ALL SELECT 'supplier_lead_time_days', p, site, days, lines FROM po_rcv
  UNION ALL SELECT 'supplier_lead_time_days_p90', p, site, p90, 1 FROM po_rcv
  UNION ALL SELECT 'return_rate_units', p, site, coalesce(qty, 0), units FROM shp LEFT JOIN ret USING (p, site)
  UNION ALL SELECT 'nps', p, site, 100 * net, n FROM nps
  UNION ALL SELECT 'ticket_sla_attainment', p, site, in_sla, n FROM tix
  UNION ALL SELECT 'escalation_rate', p, site, escalated, n FROM tix
  UNION ALL SELECT 'trir', p, site, coalesce(rec, 0) * 200000, hours FROM lab LEFT JOIN inc USING (p, site)
  UNION ALL SELECT 'dart_rate', p, site, coalesce(dart, 0) * 200000, hours FROM lab LEFT JOIN inc USING (p, site)
  UNION ALL SELECT 'ltir', p, site, coalesce(lost, 0) * 200000, hours FROM lab LEFT JOIN inc USING (p, site)
  UNION ALL SELECT 'co2e_kg_per_unit', p, site, co2e, units FROM ship
  UNION ALL SELECT 'energy_kwh_per_unit', p, site, kwh, coalesce(units_np, 0) + coalesce(plant_good, 0)
    FROM nrg LEFT JOIN shp USING (p, site) LEFT JOIN wo USING (p, site)
  UNION ALL SELECT 'waste_diversion_pct', p, site, diverted, kg FROM wst),
valued AS (SELECT kpi, CAST(p AS DATE) AS p, site, num, den, num / nullif(den, 0) AS value FROM figures),
spine AS (SELECT kpi, site, CAST(m AS DATE) AS p
          FROM (SELECT DISTINCT kpi, site FROM valued),
               generate_series(CAST($since AS TIMESTAMP), CAST($as_of AS TIMESTAMP), INTERVAL 1 MONTH) g(m))
SELECT s.kpi, s.p AS period_start, s.site, v.value, v.num AS numerator, v.den AS denominator,
       v.value - lag(v.value, 1) OVER w AS change_vs_prior, v.value - lag(v.value, 12) OVER w AS change_vs_last_year
FROM spine s LEFT JOIN valued v USING (kpi, site, p)
WINDOW w AS (PARTITION BY s.kpi, s.site ORDER BY s.p)
QUALIFY s.p >= $first
"""


def baseline(con: duckdb.DuckDBPyConnection) -> pa.Table:
    params = {"since": SINCE, "as_of": AS_OF, "first": FIRST}
    return con.execute(BASELINE, params).to_arrow_table()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def check(card_rows: list[dict[str, object]], base: pa.Table) -> int:
    """Compare the engine's values with the baseline's on a sample of KPIs."""
    sample = {
        "otd",
        "perfect_order_rate",
        "revenue",
        "inventory_turns",
        "stockout_rate",
        "oee",
        "trir",
        "supplier_ppm",
        "return_rate_units",
        "co2e_kg_per_unit",
        "order_cycle_time_days_p90",
        "nps",
    }
    expected = {
        (r["kpi"], r["period_start"], r["site"]): r["value"]
        for r in base.to_pylist()
        if r["kpi"] in sample
    }
    compared = 0
    for row in card_rows:
        for point in row["sparkline"]:  # type: ignore[attr-defined]
            key = (row["kpi"], date.fromisoformat(point["period_start"]), row["member"])
            if key in expected and expected[key] is not None and point["value"] is not None:
                if not math.isclose(point["value"], expected[key], rel_tol=1e-9, abs_tol=1e-9):
                    raise AssertionError(
                        f"engine and baseline differ at {key}: {point['value']} vs {expected[key]}"
                    )
                compared += 1
    return compared


def generate_file(path: Path, lines: int) -> None:
    """Generate the company into ``path`` in a child process (its memory is not ours)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--generate-only", "--lines", str(lines), "--keep", str(path)],
        check=True,
    )
    print(
        f"generated {lines:,} order lines (and the other tables) in {time.perf_counter() - t0:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000, help="order lines to generate")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (median)")
    parser.add_argument("--keep", type=Path, help="the warehouse file to (re)use and keep")
    parser.add_argument(
        "--memory-limit", help="DuckDB memory_limit for the timed runs, such as 3GB"
    )
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    path = args.keep or Path(tempfile.mkdtemp(prefix="obeya-bench-")) / "bench.duckdb"
    if args.generate_only:
        with Warehouse.open(str(path)) as wh:
            # bounded memory (DuckDB spills to the file's temp folder beyond it)
            wh.duckdb.execute("SET memory_limit = '3GB'")
            wh.duckdb.execute("SET preserve_insertion_order = false")
            generate(wh.duckdb, args.lines)
            wh.duckdb.execute("CHECKPOINT")
        return
    if not path.exists():
        generate_file(path, args.lines)
    wh = Warehouse.open(str(path), read_only=True)
    con = wh.duckdb
    if args.memory_limit:
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
    lines = wh.row_count("order_lines")
    print(
        "rows: "
        + ", ".join(
            f"{t} {wh.row_count(t):,}"
            for t in (
                "order_lines",
                "shipments",
                "inventory_snapshots",
                "purchase_order_lines",
                "work_orders",
                "returns",
                "tickets",
            )
        )
    )
    catalog = load_catalog()

    def engine() -> object:
        COMPILED.clear()  # time the whole job, building and compiling the queries included
        return scorecard(
            wh, "2025-12", "month", by="site", catalog=catalog, as_of=AS_OF, periods=24
        )

    engine()  # warm each side once (file cache) before its timed runs
    t_engine, card = timed(engine, args.runs)
    rss_engine = peak_rss_gib()
    baseline(con)
    t_base, base = timed(lambda: baseline(con), args.runs)
    assert isinstance(base, pa.Table)
    compared = check(card.to_rows(), base)  # type: ignore[attr-defined]
    print(f"scorecard: {len(catalog.ids)} KPIs x 24 months by site ({lines:,} order lines)")
    print(f"  engine   (obeya.metrics.scorecard): {t_engine:8.2f} s  (median of {args.runs})")
    print(f"  baseline (hand-written DuckDB SQL): {t_base:8.2f} s  (median of {args.runs})")
    print(f"  ratio engine / baseline: {t_engine / t_base:.2f}x (target <= 1.5x)")
    print(f"  values checked against the baseline: {compared:,}")
    print(
        f"  peak RSS of the process: {rss_engine:.2f} GiB after the engine runs, "
        f"{peak_rss_gib():.2f} GiB after the baseline's"
    )
    wh.close()


if __name__ == "__main__":
    main()
