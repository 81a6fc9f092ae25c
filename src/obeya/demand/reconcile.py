"""Coherent forecasts across the product and site hierarchies.

The bottom series are SKU x site. Above them sit four aggregate levels, two
hierarchies that share the top::

    total ── family ── family x site ── SKU x site
    total ── site ──── family x site ── SKU x site

(``family x site`` is the level of the sales budget.) Every level is forecast
independently (same classes, candidates and backtest as the bottom), then the
base forecasts are reconciled with hierarchicalforecast so that every parent equals
the sum of its children:

* ``mint_shrink``: MinTrace with the Schäfer-Strimmer shrinkage covariance of the
  base forecasts' errors (Wickramasuriya, Athanasopoulos & Hyndman 2019). The
  errors are the *backtest* errors of each series' chosen model (out-of-sample,
  the same windows for every series), not in-sample residuals;
* ``wls_var``: MinTrace with only the error variances (the diagonal);
* ``wls_struct``: weights from the structure alone (no errors needed);
* ``bottom_up``: the sums of the bottom forecasts.

``auto`` picks ``mint_shrink`` up to :data:`MINT_MAX_SERIES` series and the sparse
``wls_struct`` above: MinTrace in hierarchicalforecast works on dense n x n
matrices (about 30 s and 4.4 GB at 10,200 series on two cores, growing with n²;
docs/forecasting.md has the measurements), while the sparse WLS grows with n.
Series too short for a backtest enter the error matrix with the errors of a naive
forecast (last value, zero before the first), and periods before a series
existed count as errors of zero. Reconciled
bottom forecasts below zero are set to zero and the levels above re-summed, so the
output stays exactly coherent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, assert_never

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from obeya.demand._frames import FloatArray, IntArray, encode, index_of, layout
from obeya.demand.series import DEFAULT_COLUMNS, SERIES_ID_SEPARATOR, SeriesColumns
from obeya.errors import DataError, InfeasibleError

__all__ = [
    "MINT_MAX_SERIES",
    "Hierarchy",
    "Level",
    "ReconcileMethod",
    "Reconciled",
    "aggregate_series",
    "build_hierarchy",
    "reconcile",
]

MINT_MAX_SERIES = 12_000


class Level(StrEnum):
    TOTAL = "total"
    FAMILY = "family"
    SITE = "site"
    FAMILY_SITE = "family_site"
    SKU_SITE = "sku_site"


class ReconcileMethod(StrEnum):
    AUTO = "auto"
    MINT_SHRINK = "mint_shrink"
    WLS_VAR = "wls_var"
    WLS_STRUCT = "wls_struct"
    BOTTOM_UP = "bottom_up"


@dataclass(frozen=True)
class Hierarchy:
    """Every series of the hierarchy: aggregates first, then the bottom series.

    ``nodes`` has ``<id>``, ``level``, ``family``, ``site_id`` and ``sku`` (null where
    the level does not fix it); ``parent`` holds, for each aggregate node, the row
    of that node for every bottom series it sums (``members``: aggregate row x
    bottom index pairs), so ``S`` can be built dense or sparse.
    """

    nodes: pa.Table
    n_aggregates: int
    member_rows: IntArray  # aggregate row of each (aggregate, bottom) pair
    member_cols: IntArray  # bottom index of each pair
    columns: SeriesColumns

    @property
    def n_bottom(self) -> int:
        return int(self.nodes.num_rows) - self.n_aggregates

    @property
    def ids(self) -> pa.Array:
        return self.nodes.column(self.columns.id).combine_chunks()

    def summing_matrix(self, *, dense: bool) -> Any:
        """S: (all series) x (bottom series), aggregates first."""
        n_all, n_b = self.nodes.num_rows, self.n_bottom
        rows = np.concatenate([self.member_rows, self.n_aggregates + np.arange(n_b)])
        cols = np.concatenate([self.member_cols, np.arange(n_b)])
        s = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_all, n_b))
        return s.toarray() if dense else s


def build_hierarchy(keys: pa.Table, columns: SeriesColumns = DEFAULT_COLUMNS) -> Hierarchy:
    """The hierarchy over the bottom series in ``keys`` (id, sku, site_id, family)."""
    keys = keys.take(pc.sort_indices(keys, [(columns.id, "ascending")]))
    fam = keys.column("family").combine_chunks()
    site = keys.column("site_id").combine_chunks()
    fam_site = pc.binary_join_element_wise(fam, site, SERIES_ID_SEPARATOR)
    n_b = keys.num_rows
    blocks: list[pa.Table] = []
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    offset = 0
    for level, values, fam_of, site_of in (
        (Level.TOTAL, pa.array(["all"] * n_b), None, None),
        (Level.FAMILY, fam, fam, None),
        (Level.SITE, site, None, site),
        (Level.FAMILY_SITE, fam_site, fam, site),
    ):
        uniq, code = encode(values)
        first = np.unique(code, return_index=True)[1]
        label = (
            level.value
            if level is Level.TOTAL
            else pc.binary_join_element_wise(pa.array([level.value] * len(uniq)), uniq, ":")
        )
        blocks.append(
            pa.table(
                {
                    columns.id: pa.array([level.value]) if level is Level.TOTAL else label,
                    "level": pa.array([level.value] * len(uniq)),
                    "family": pa.nulls(len(uniq), pa.string())
                    if fam_of is None
                    else fam_of.take(pa.array(first)),
                    "site_id": pa.nulls(len(uniq), pa.string())
                    if site_of is None
                    else site_of.take(pa.array(first)),
                    "sku": pa.nulls(len(uniq), pa.string()),
                }
            )
        )
        rows.append(offset + code)
        cols.append(np.arange(n_b, dtype=np.int64))
        offset += len(uniq)
    blocks.append(
        pa.table(
            {
                columns.id: keys.column(columns.id).combine_chunks(),
                "level": pa.array([Level.SKU_SITE.value] * n_b),
                "family": fam,
                "site_id": site,
                "sku": keys.column("sku").combine_chunks(),
            }
        )
    )
    nodes = pa.concat_tables(blocks)
    ids = nodes.column(columns.id)
    if len(pc.unique(ids)) != len(ids):
        raise DataError(
            "a SKU x site id collides with an aggregate id (such as 'family:...'); "
            "rename the sku or site code"
        )
    return Hierarchy(nodes, offset, np.concatenate(rows), np.concatenate(cols), columns)


def aggregate_series(data: pa.Table, hierarchy: Hierarchy) -> pa.Table:
    """The aggregate series (long, dense from their first child's start), summed from ``data``."""
    columns = hierarchy.columns
    lay = layout(data, columns)
    bottom = index_of(hierarchy.ids.slice(hierarchy.n_aggregates), lay.ids)
    if (bottom < 0).any():
        raise DataError("a series of the data is not in the hierarchy; build it from the same keys")
    time_values = data.column(columns.time).combine_chunks()
    periods, period_idx = np.unique(
        np.asarray(time_values.to_numpy(zero_copy_only=False), dtype="datetime64[D]"),
        return_inverse=True,
    )
    n_p = len(periods)
    y = data.column(columns.target).to_numpy(zero_copy_only=False).astype(np.float64)
    # aggregate membership of every bottom series, then of every row
    order = np.argsort(hierarchy.member_cols, kind="stable")
    agg_of_bottom = hierarchy.member_rows[order].reshape(hierarchy.n_bottom, -1)
    row_bottom = bottom[lay.codes]
    n_a = hierarchy.n_aggregates
    sums = np.zeros(n_a * n_p)
    seen = np.zeros(n_a * n_p)
    for k in range(agg_of_bottom.shape[1]):  # four levels
        cell = agg_of_bottom[row_bottom, k] * n_p + period_idx
        sums += np.bincount(cell, weights=y, minlength=n_a * n_p)
        seen += np.bincount(cell, minlength=n_a * n_p)
    present = seen > 0
    agg_index = np.repeat(np.arange(n_a), n_p)[present]
    per_index = np.tile(np.arange(n_p), n_a)[present]
    return pa.table(
        {
            columns.id: hierarchy.ids.take(pa.array(agg_index)),
            columns.time: pa.array(periods[per_index], pa.date32()),
            columns.target: pa.array(sums[present]),
        }
    )


@dataclass(frozen=True)
class Reconciled:
    """Base and reconciled forecasts of every series of the hierarchy.

    ``table``: ``<id>, level, <time>, base, reconciled``; ``method`` is the method
    used (``auto`` resolved), ``clipped`` counts bottom forecasts raised to zero.
    """

    table: pa.Table
    method: ReconcileMethod
    clipped: int
    seconds: float


def resolve_method(method: ReconcileMethod, n_series: int) -> ReconcileMethod:
    match method:
        case ReconcileMethod.AUTO:
            if n_series <= MINT_MAX_SERIES:
                return ReconcileMethod.MINT_SHRINK
            return ReconcileMethod.WLS_STRUCT
        case (
            ReconcileMethod.MINT_SHRINK
            | ReconcileMethod.WLS_VAR
            | ReconcileMethod.WLS_STRUCT
            | ReconcileMethod.BOTTOM_UP
        ):
            return method
        case _:
            assert_never(method)


def reconcile(
    hierarchy: Hierarchy,
    base: pa.Table,
    *,
    errors: pa.Table | None = None,
    method: ReconcileMethod = ReconcileMethod.AUTO,
) -> Reconciled:
    """Reconcile ``base`` (``<id>, <time>, forecast`` for every node) over the hierarchy.

    ``errors`` (``<id>, <time>, actual, forecast``: the backtest of each node's chosen
    model, one row per node and period) feeds the error-based methods; a node or
    period it lacks counts as an error of zero (a series before its launch).
    """
    from hierarchicalforecast.methods import BottomUpSparse, MinTrace, MinTraceSparse

    began = time.perf_counter()
    columns = hierarchy.columns
    ids = hierarchy.ids
    n_all = len(ids)
    chosen = resolve_method(method, n_all)
    y_hat, horizon_dates = _matrix(base, ids, columns, "forecast")
    if np.isnan(y_hat).any():
        raise DataError("every series of the hierarchy needs a base forecast for every period")
    needs_errors = chosen in (ReconcileMethod.MINT_SHRINK, ReconcileMethod.WLS_VAR)
    y_in: FloatArray | None = None
    y_fit: FloatArray | None = None
    if needs_errors:
        if errors is None or errors.num_rows == 0:
            raise DataError(f"reconciliation by {chosen} needs backtest errors; none were given")
        y_in, _ = _matrix(errors, ids, columns, "actual")
        y_fit, _ = _matrix(errors, ids, columns, "forecast")
        # A period where a series did not exist yet had no demand and no forecast:
        # its error is zero. (hierarchicalforecast's missing-value covariance path
        # gave far worse bottom forecasts in bench/bench_forecast.py.)
        y_in = np.nan_to_num(y_in, nan=0.0)
        y_fit = np.nan_to_num(y_fit, nan=0.0)
    try:
        match chosen:
            case ReconcileMethod.MINT_SHRINK | ReconcileMethod.WLS_VAR:
                s = hierarchy.summing_matrix(dense=True)
                out = MinTrace(method=chosen.value).fit_predict(
                    S=s, y_hat=y_hat, y_insample=y_in, y_hat_insample=y_fit
                )
            case ReconcileMethod.WLS_STRUCT:
                s = hierarchy.summing_matrix(dense=False)
                out = MinTraceSparse(method="wls_struct").fit_predict(S=s, y_hat=y_hat)
            case ReconcileMethod.BOTTOM_UP:
                s = hierarchy.summing_matrix(dense=False)
                out = BottomUpSparse().fit_predict(S=s, y_hat=y_hat)
            case ReconcileMethod.AUTO:
                raise InfeasibleError("the reconciliation method was not resolved")
            case _:
                assert_never(chosen)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise InfeasibleError(
            f"reconciliation by {chosen} failed ({exc}); try method wls_struct or bottom_up"
        ) from exc
    except Exception as exc:  # hierarchicalforecast raises bare Exception when ill-conditioned
        raise InfeasibleError(
            f"reconciliation by {chosen} failed ({exc}); try method wls_struct or bottom_up"
        ) from exc
    mean = np.asarray(out["mean"], dtype=np.float64)
    bottom = mean[hierarchy.n_aggregates :]
    clipped = int((bottom < 0).sum())
    bottom = np.clip(bottom, 0.0, None)
    coherent = np.asarray(hierarchy.summing_matrix(dense=False) @ bottom)
    h = len(horizon_dates)
    table = pa.table(
        {
            columns.id: ids.take(pa.array(np.repeat(np.arange(n_all), h))),
            "level": hierarchy.nodes.column("level").take(pa.array(np.repeat(np.arange(n_all), h))),
            columns.time: pa.array(np.tile(horizon_dates, n_all), pa.date32()),
            "base": pa.array(y_hat.reshape(-1)),
            "reconciled": pa.array(coherent.reshape(-1)),
        }
    )
    return Reconciled(table, chosen, clipped, time.perf_counter() - began)


def _matrix(
    table: pa.Table, ids: pa.Array, columns: SeriesColumns, value: str
) -> tuple[FloatArray, np.ndarray]:
    """(series x period) matrix of ``value``; NaN where a cell has no row."""
    row = index_of(ids, table.column(columns.id))
    if (row < 0).any():
        raise DataError("a forecast names a series that is not in the hierarchy")
    when = np.asarray(
        table.column(columns.time).to_numpy(zero_copy_only=False), dtype="datetime64[D]"
    )
    periods, col = np.unique(when, return_inverse=True)
    out = np.full((len(ids), len(periods)), np.nan)
    out[row, col] = table.column(value).to_numpy(zero_copy_only=False).astype(np.float64)
    return out, periods
