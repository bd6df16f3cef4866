"""The registries of what a config may name: how an indicator aggregates rows, how a number prints.

Each name the config schema accepts comes from a registry here, so a name is accepted exactly
when there is code for it: an ``agg:`` or ``format:`` the registry lacks is a config error naming
the key, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import zh_numbers as zn

if TYPE_CHECKING:  # the config reads the registries' names; pandas is needed only to aggregate
    import pandas as pd


@dataclass(frozen=True)
class Rows:
    """The rows an aggregation reads: the table, the rows its ``where`` keeps (``kept``), the rows its
    ``within`` keeps (``among``: all rows but for a share), and the ``column`` it reads, if any."""

    frame: pd.DataFrame
    kept: pd.Series
    among: pd.Series
    column: str | None

    @property
    def counted(self) -> pd.Series:
        """The rows behind the value (figures.json says how many)."""
        return self.kept & self.among


@dataclass(frozen=True)
class Aggregation:
    """One way to aggregate rows into a figure: the district value (``total``) and one value per
    group (``grouped``, over the group key series, in the ledger's order ``order``)."""

    name: str
    words: str
    """What the figure is, after the table and filter, in a derived definition (行数, 合计)."""
    requires: tuple[str, ...] = ()
    """Config keys this aggregation needs besides ``agg`` (``column``, ``expr``); ``column`` may be
    a per-row expression given as ``value`` instead."""
    additive: bool = False
    """Group values add up to the district value (a table's 合计 row may be checked as a sum)."""
    total: Callable[[Rows], Any] | None = None
    grouped: Callable[[Rows, pd.Series, pd.Index], pd.Series] | None = None
    """``None`` for ``formula``, which combines other figures rather than reading rows."""


def _count_total(rows: Rows) -> Any:
    return int(rows.counted.sum())


def _count_grouped(rows: Rows, groups: pd.Series, order: pd.Index) -> pd.Series:
    return rows.counted.groupby(groups, sort=False).sum().reindex(order, fill_value=0).astype(float)


def _sum_total(rows: Rows) -> Any:
    return rows.frame.loc[rows.counted, rows.column].sum()


def _column_by_group(rows: Rows, groups: pd.Series, order: pd.Index, how: str) -> pd.Series:
    """The counted rows' column aggregated per group (``how``: a pandas groupby method), 0 where
    a group has none, in the ledger's order."""
    kept = rows.frame[rows.counted]
    grouped = kept.groupby(groups[rows.counted], sort=False)[rows.column]
    return getattr(grouped, how)().reindex(order, fill_value=0).astype(float)


def _sum_grouped(rows: Rows, groups: pd.Series, order: pd.Index) -> pd.Series:
    return _column_by_group(rows, groups, order, "sum")


def _distinct_total(rows: Rows) -> Any:
    return int(rows.frame.loc[rows.counted, rows.column].dropna().nunique())


def _distinct_grouped(rows: Rows, groups: pd.Series, order: pd.Index) -> pd.Series:
    return _column_by_group(rows, groups, order, "nunique")


def _mean_total(rows: Rows) -> Any:
    values = rows.frame.loc[rows.counted, rows.column].dropna()
    return None if values.empty else float(values.astype(float).mean())


def _mean_grouped(rows: Rows, groups: pd.Series, order: pd.Index) -> pd.Series:
    kept = rows.frame[rows.counted]
    values = kept[rows.column].astype("Float64")
    return values.groupby(groups[rows.counted], sort=False).mean().reindex(order).astype(float)


def _share_total(rows: Rows) -> Any:
    total = int(rows.among.sum())
    return None if total == 0 else rows.counted.sum() / total * 100


def _share_grouped(rows: Rows, groups: pd.Series, order: pd.Index) -> pd.Series:
    n = rows.counted.groupby(groups, sort=False).sum().reindex(order, fill_value=0)
    d = rows.among.groupby(groups, sort=False).sum().reindex(order, fill_value=0)
    return (n / d.replace(0, float("nan")) * 100).astype(float)


AGGREGATIONS: dict[str, Aggregation] = {
    a.name: a
    for a in (
        Aggregation("count", "行数", additive=True, total=_count_total, grouped=_count_grouped),
        Aggregation(
            "sum", "合计", requires=("column",), additive=True, total=_sum_total, grouped=_sum_grouped
        ),
        Aggregation(
            "distinct", "不重复个数", requires=("column",), total=_distinct_total, grouped=_distinct_grouped
        ),
        Aggregation("mean", "平均值", requires=("column",), total=_mean_total, grouped=_mean_grouped),
        Aggregation("share", "占比", total=_share_total, grouped=_share_grouped),
        Aggregation("formula", "按公式计算", requires=("expr",)),
    )
}
"""Every ``agg:`` a config may name."""


NUMBER_FORMATS: dict[str, Callable[[float | int, str], str]] = {
    "count": lambda v, unit: zn.integer_text(v) + unit,
    "decimal": lambda v, unit: zn.decimal_text(v) + unit,
    "percent": lambda v, unit: zn.percent_text(v),
    "near": lambda v, unit: zn.near_text(v) + unit,
    "approx": lambda v, unit: zn.approx_text(v, "多") + unit,
    "approx_yu": lambda v, unit: zn.approx_text(v, "余") + unit,
    "large": lambda v, unit: zn.large_text(v) + unit,
}
"""Every ``format:`` a figure may be printed in: value and unit → the text the report prints."""
