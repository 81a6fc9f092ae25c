"""Validated load of order lines from Parquet into a DuckDB warehouse.

Prints rows per second for `obeya.ingest.load` (every integrity rule checked, atomic
write, load log) and for a baseline run in the same process: plain DuckDB copying
the same Parquet into a table with no checks. Medians of several runs; peak RSS.

    uv run python bench/bench_load.py [--lines 10000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from obeya.ingest import load
from obeya.warehouse import Warehouse


def make_parquet(folder: Path, lines: int) -> None:
    con = duckdb.connect()
    con.execute("SELECT setseed(0.42)")
    con.execute(
        f"""COPY (SELECT 'S' || (i % 3) AS site_id, 'Site ' || (i % 3) AS name, 'plant' AS type,
                  'DE' AS country FROM range(3) t(i)) TO '{folder}/sites.parquet'"""
    )
    con.execute(
        f"""COPY (SELECT 'SKU' || i AS sku, 'Item ' || i AS description, 'F' || (i % 10) AS family,
                  2.5 + (i % 7) AS unit_cost, 5.0 + (i % 7) AS unit_price FROM range(500) t(i))
            TO '{folder}/products.parquet'"""
    )
    con.execute(
        f"""COPY (SELECT 'C' || i AS customer_id, 'Customer ' || i AS name FROM range(200) t(i))
            TO '{folder}/customers.parquet'"""
    )
    con.execute(
        f"""COPY (
          SELECT 'O' || (i // 4) AS order_id, (i % 4) + 1 AS line_no, 'C' || (i % 200) AS customer_id,
                 'SKU' || (i % 500) AS sku, 'S' || (i % 3) AS site_id,
                 DATE '2024-01-01' + CAST(i % 700 AS INTEGER) AS order_date,
                 DATE '2024-01-01' + CAST(i % 700 AS INTEGER) + 7 AS promised_date,
                 CASE WHEN i % 10 < 8 THEN DATE '2024-01-01' + CAST(i % 700 AS INTEGER) + 2 END AS ship_date,
                 CASE WHEN i % 10 < 7 THEN DATE '2024-01-01' + CAST(i % 700 AS INTEGER) + 5 END AS delivery_date,
                 CAST(1 + i % 20 AS DOUBLE) AS qty_ordered,
                 CASE WHEN i % 10 < 8 THEN CAST(1 + i % 20 AS DOUBLE) ELSE 0.0 END AS qty_shipped,
                 9.5 AS unit_price, 6.25 AS unit_cost,
                 CASE WHEN i % 10 < 7 THEN 'delivered' WHEN i % 10 < 8 THEN 'shipped'
                      WHEN i % 10 < 9 THEN 'open' ELSE 'cancelled' END AS status
          FROM range({lines}) t(i)) TO '{folder}/order_lines.parquet' (ROW_GROUP_SIZE 1000000)"""
    )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "in"
        data.mkdir()
        t0 = time.perf_counter()
        make_parquet(data, args.lines)
        print(f"made {args.lines:,} order lines as Parquet in {time.perf_counter() - t0:.1f} s")
        ours, base = [], []
        for run in range(args.runs):
            target = root / f"w{run}.duckdb"
            with Warehouse.open(str(target)) as wh:
                t0 = time.perf_counter()
                report = load(wh, [data])
                ours.append(time.perf_counter() - t0)
                assert wh.row_count("order_lines") == args.lines
            assert report.rows >= args.lines
            target.unlink()
            con = duckdb.connect(str(root / f"b{run}.duckdb"))
            t0 = time.perf_counter()
            con.execute(
                f"CREATE TABLE order_lines AS SELECT * FROM read_parquet('{data}/order_lines.parquet')"
            )
            base.append(time.perf_counter() - t0)
            con.close()
            (root / f"b{run}.duckdb").unlink()
        peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        m_ours, m_base = statistics.median(ours), statistics.median(base)
        print(
            f"validated load (obeya): median {m_ours:.2f} s = {args.lines / m_ours / 1e6:.2f} M rows/s "
            f"(runs: {', '.join(f'{t:.2f}' for t in ours)})"
        )
        print(
            f"baseline (DuckDB copy, no checks): median {m_base:.2f} s = {args.lines / m_base / 1e6:.2f} M rows/s"
        )
        print(f"ratio obeya/baseline: {m_ours / m_base:.2f}x; peak RSS {peak_gib:.2f} GiB")


if __name__ == "__main__":
    main()
