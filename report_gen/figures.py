"""Compute every figure the report states from indicator definitions in the config.

An indicator is data, not code::

    party_orgs:
      label: 党组织数
      agg: distinct            # count | sum | distinct | share | formula
      column: party_org_name
      where: party_org_form != "未组建"
      unit: 个

``where``/``within`` filter rows (names are ledger columns and ``report_year``);
``formula`` combines other figures. The same definition gives the district
figure, a per-group series for tables and charts, and last year's value when
the previous ledger is given. Manual figures come from the config with a
source note and are marked as entered by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import zh_numbers as zn
from .aggregations import AGGREGATIONS, NUMBER_FORMATS, Rows
from .comparisons import GroupGap, groups_behind
from .config import Config
from .contract import TableContract
from .errors import ConfigError, Problem
from .expr import HISTORY, Expression, ExpressionError, compile_expression, describe
from .ledgers import Ledgers
from .model import default_format


@dataclass
class Figure:
    """One figure the report may state.

    ``value`` is ``None`` when the figure is undefined for this data (a share
    of zero organisations); its ``text`` is then ``—``. ``previous`` is last
    year's value, ``None`` without a previous ledger or for figures not compared.
    """

    id: str
    label: str
    value: float | int | None
    text: str
    unit: str
    format: str
    definition: str
    source: dict[str, Any]
    previous: float | int | None = None
    change: str | None = None
    additive: bool = False
    short_label: str = ""
    comparable: bool = False
    """Compared with last year when a previous ledger is given (``compare`` in the config)."""
    keywords: tuple[str, ...] = ()
    """Words besides its label that name the figure in prose (覆盖面), for the direction check."""
    notable: bool = False
    """Its change from last year passes the config's ``year_on_year`` thresholds (明显, worth stating)."""
    groups: list[GroupGap] = field(default_factory=list)
    """For a comparison: the groups behind the district, furthest first (its value counts them)."""
    comparison: dict[str, Any] | None = None
    """For a comparison: what it compares (figure, column, threshold, limit, the word for the district)."""

    @property
    def column_label(self) -> str:
        """The name for a table header or chart legend: the short label when the config gives one."""
        return self.short_label or self.label

    @property
    def manual(self) -> bool:
        return self.source.get("kind") == "manual"

    @property
    def direction(self) -> int | None:
        """``1`` up, ``-1`` down, ``0`` unchanged since last year, at the precision the report prints
        a rate (one decimal); ``None`` without last year's value."""
        if self.value is None or self.previous is None:
            return None
        digits = 1 if self.format == "percent" else 6
        now, before = zn.round_half_up(self.value, digits), zn.round_half_up(self.previous, digits)
        return (now > before) - (now < before)


@dataclass
class FigureSet:
    """All figures of one build, plus the engine for per-group breakdowns."""

    figures: dict[str, Figure]
    engine: IndicatorEngine
    previous_engine: IndicatorEngine | None = None
    """Last year's ledger, when one is given (for charts comparing the two years by group)."""

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]

    def __iter__(self) -> Iterator[Figure]:
        return iter(self.figures.values())

    def values(self) -> dict[str, Any]:
        return {k: f.value for k, f in self.figures.items()}

    def condition_env(self, config: Config, **extra: Any) -> dict[str, Any]:
        """What rule, check and narrative conditions read: figure values, ``params``, ``report_year``
        and, for ``rose()``/``fell()``/``held()``/``previous()``, the figures themselves."""
        return {
            **config.scalars(),
            **self.values(),
            HISTORY: self.figures,
            **extra,
        }

    def breakdown(self, by: str, ids: list[str]) -> pd.DataFrame:
        """One row per value of column ``by`` (sorted), one column per indicator id."""
        return pd.DataFrame({i: self.engine.grouped(i, by) for i in ids})

    def previous_breakdown(self, by: str, ids: list[str]) -> pd.DataFrame | None:
        """:meth:`breakdown` over last year's ledger; ``None`` without one."""
        engine = self.previous_engine
        if engine is None or not all(engine.available(i) for i in ids):
            return None
        return pd.DataFrame({i: engine.grouped(i, by) for i in ids})


def format_value(value: float | int | None, fmt: str, unit: str) -> str:
    """The printed form of a value in one of the config's formats (:data:`NUMBER_FORMATS`)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return NUMBER_FORMATS[fmt](value, unit)


def exact_text(value: float | int | None, fmt: str) -> str:
    """The value as counted, without the rounding prose allows (``48612``, not 近5万): what an
    appendix lists for checking. Rates with one decimal (``64.4``, ``100.0``), so a column lines up;
    other fractions (an average age) with two; ``—`` when undefined."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if fmt == "percent":
        return f"{zn.round_half_up(value, 1):.1f}"
    if fmt in ("count", "near", "approx", "approx_yu", "large") and float(value).is_integer():
        return zn.integer_text(value)
    # an average or the like: two decimals, one more than the text prints
    return f"{zn.round_half_up(value, 2):f}".rstrip("0").rstrip(".")


ROUNDED_FORMATS = ("near", "approx", "approx_yu", "large")
"""Formats whose printed text rounds the value (近5万人, 600多人次)."""


def change_text(current: Any, previous: Any, fmt: str, unit: str) -> str | None:
    if current is None or previous is None:
        return None
    if fmt == "percent":
        return zn.rate_change_text(current, previous)
    return zn.count_change_text(current, previous, unit)


def _scalar(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if np.isnan(value) or np.isinf(value):
            return None
        return int(value) if float(value).is_integer() else float(value)
    return value


class IndicatorEngine:
    """Evaluates indicator definitions over the ledgers, with caching and cycle detection."""

    def __init__(self, config: Config, ledgers: Ledgers, previous: bool = False):
        self.config = config
        self.defs: dict[str, dict[str, Any]] = config.section("indicators")
        self.manual: dict[str, dict[str, Any]] = config.section("manual_figures")
        self.year = config.report.year - (1 if previous else 0)
        self.user_params: dict[str, Any] = config.section("params")
        self.scalars = config.scalars(self.year)
        self.previous = previous
        self.main = config.main_ledger
        # Last year's engine reads each ledger's previous-year pair (none: no figure of it).
        self.frames: dict[str, pd.DataFrame | None] = {}
        self.absent: dict[str, set[str]] = {}
        """Columns of each ledger its files do not have (optional ones, blank in the frame)."""
        for name, contract in config.ledgers.items():
            if contract.previous_of is None:
                source = config.previous_ledger(name) if previous else name
                self.frames[name] = ledgers.frame(source) if source else None
                table = ledgers.tables.get(source) if source else None
                if table is not None:
                    self.absent[name] = {c.name for c in contract.columns} - set(table.headers)
        self.unread: dict[str, set[str]] = {}
        """Indicators left undefined because they read a column the ledger does not have."""
        self.files = {k: t.file_label for k, t in ledgers.tables.items()}
        self.names = {
            k: reader_name(t.title, next(iter(config.sources.get(k, ())), None), t.file_label)
            for k, t in ledgers.tables.items()
        }
        self._cache: dict[tuple[str, str | None], Any] = {}
        self._stack: list[str] = []
        self._masks: dict[tuple[str, str], pd.Series] = {}
        self._columns: dict[str, dict[str, Any]] = {}
        self.rows_counted: dict[str, int] = {}
        self.rows_within: dict[str, int] = {}
        """For a share: the rows of its denominator (a city adds its districts' parts)."""

    # -- compiling ---------------------------------------------------------------------

    def params(self) -> dict[str, Any]:
        """Names every expression may read besides columns and figures: ``report_year`` and ``params``."""
        return self.scalars

    def expression(self, ind_id: str, key: str) -> Expression:
        """The indicator's ``where``, ``within`` or ``expr``, compiled when the config was loaded."""
        return self.config.expression(f"indicators.{ind_id}.{key}")

    # -- evaluating --------------------------------------------------------------------

    def available(self, ind_id: str) -> bool:
        """False when the indicator needs a table this build does not have (no trainings file)."""
        if ind_id in self.manual:
            return True
        spec = self.defs[ind_id]
        if spec["agg"] == "formula":
            return all(
                self.available(n)
                for n in self.expression(ind_id, "expr").names
                if n in self.defs or n in self.manual
            )
        return self.frames.get(spec.get("table", self.main)) is not None

    def value(self, ind_id: str) -> Any:
        return self._evaluate(ind_id, None)

    def grouped(self, ind_id: str, by: str) -> pd.Series:
        return self._evaluate(ind_id, by)

    def group_sizes(self, ind_id: str, by: str) -> pd.Series:
        """Rows behind each group's value: a share's ``within`` rows, else all rows of the group."""
        frame = self.frames.get(self.defs[ind_id].get("table", self.main))
        if frame is None:
            return pd.Series(dtype=int)
        rows = self._mask(ind_id, "within", frame)
        return rows.groupby(frame[by], sort=False).sum().reindex(_groups(frame, by), fill_value=0)

    def _evaluate(self, ind_id: str, by: str | None) -> Any:
        key = (ind_id, by)
        if key in self._cache:
            return self._cache[key]
        if ind_id in self.manual:
            return self.manual[ind_id]["value"]
        if ind_id in self._stack:
            cycle = " → ".join([*self._stack, ind_id])
            raise ConfigError(
                Problem(f"indicators refer to each other in a cycle: {cycle}", key=f"indicators.{ind_id}")
            )
        self._stack.append(ind_id)
        try:
            result = self._compute(ind_id, self.defs[ind_id], by)
        finally:
            self._stack.pop()
        self._cache[key] = result
        return result

    def _mask(self, ind_id: str, key: str, frame: pd.DataFrame) -> pd.Series:
        """Rows passing the indicator's ``where``/``within`` filter; computed once per indicator,
        however many breakdowns (district, per street, per form) ask for it."""
        cached = self._masks.get((ind_id, key))
        if cached is not None:
            return cached
        if key not in self.defs[ind_id]:
            mask = pd.Series(True, index=frame.index)
        else:
            table = self.defs[ind_id].get("table", self.main)
            env = self._columns.get(table)
            if env is None:
                env = {**{c: frame[c] for c in frame.columns}, **self.params()}
                self._columns[table] = env
            result = self._run(ind_id, key, env)
            if isinstance(result, pd.Series):
                mask = result.fillna(False).astype(bool)
            else:
                mask = pd.Series(bool(result), index=frame.index)
        self._masks[(ind_id, key)] = mask
        return mask

    def _values(self, ind_id: str, frame: pd.DataFrame) -> pd.Series:
        """The indicator's ``value`` expression over every row, as numbers (blank where undefined)."""
        env = {**{c: frame[c] for c in frame.columns}, **self.params()}
        result = self._run(ind_id, "value", env)
        if not isinstance(result, pd.Series):
            result = pd.Series(result, index=frame.index)
        try:
            return result.astype("Float64")
        except (TypeError, ValueError):
            raise ConfigError(
                Problem(
                    "value 应是数值表达式（如 report_year - year(party_org_founded)）",
                    key=f"indicators.{ind_id}.value",
                )
            ) from None

    def _absent_read(self, ind_id: str, spec: dict[str, Any], table: str) -> set[str]:
        """The columns the indicator reads (its column, and those its where/within/value name) that
        the ledger's files do not have."""
        absent = self.absent.get(table) or set()
        if not absent:
            return set()
        read = {spec["column"]} if spec.get("column") else set()
        for key in ("where", "within", "value"):
            if key in spec:
                read |= self.expression(ind_id, key).names
        return read & absent

    def _run(self, ind_id: str, key: str, env: Mapping[str, Any]) -> Any:
        """Evaluate one of the indicator's expressions; a failure is the config's, named by key."""
        try:
            return self.expression(ind_id, key).evaluate(env)
        except ExpressionError as exc:
            raise ConfigError(Problem(str(exc), key=f"indicators.{ind_id}.{key}")) from None

    def _compute(self, ind_id: str, spec: dict[str, Any], by: str | None) -> Any:
        aggregation = AGGREGATIONS[spec["agg"]]
        if aggregation.total is None or aggregation.grouped is None:  # a formula over other figures
            expr = self.expression(ind_id, "expr")
            env: dict[str, Any] = dict(self.params())
            for name in expr.names:
                if name in self.defs or name in self.manual:
                    env[name] = self._evaluate(name, by)
            result = self._run(ind_id, "expr", env)
            if isinstance(result, pd.Series):
                return result.astype("Float64").astype(float).replace([np.inf, -np.inf], np.nan)
            return _scalar(result)
        table = spec.get("table", self.main)
        frame = self.frames.get(table)
        if frame is None:
            return None
        missing = self._absent_read(ind_id, spec, table)
        if missing:
            # A column the ledger does not have is not a column of blanks: counting its "是"
            # would say no instructor is assigned anywhere. The figure is unknown instead.
            self.unread[ind_id] = missing
            return None if by is None else pd.Series(np.nan, index=_groups(frame, by), dtype=float)
        column = spec.get("column")
        if "value" in spec:  # a per-row expression stands for the column
            frame, column = frame.assign(**{"@value": self._values(ind_id, frame)}), "@value"
        rows = Rows(frame, self._mask(ind_id, "where", frame), self._mask(ind_id, "within", frame), column)
        if by is None:
            self.rows_counted[ind_id] = int(rows.counted.sum())
            if spec["agg"] == "share":
                self.rows_within[ind_id] = int(rows.among.sum())
            return _scalar(aggregation.total(rows))
        return aggregation.grouped(rows, frame[by], _groups(frame, by))


def _groups(frame: pd.DataFrame, by: str) -> pd.Index:
    """Groups in the order the ledger first lists them: the district's own order of streets."""
    return pd.Index(frame[by].dropna().unique(), name=by)


_PARAM_REF = re.compile(r"params\.([A-Za-z_][A-Za-z0-9_]*)")  # ASCII: 人 after the name is text


def reader_name(title: str, source: Any, file_label: str) -> str:
    """A ledger as a reader names it: its own title row, else the ``label`` the config gives it,
    else (last resort) its file name."""
    title = " ".join(str(title or "").split())
    if title:
        return title
    label = getattr(source, "label", None)
    return label or file_label


def _words(
    defs: Mapping[str, Any], params: Mapping[str, Any], contract: TableContract | None
) -> dict[str, str]:
    """What :func:`~report_gen.expr.describe` calls each name: a ledger column by its header, a
    figure by its label, a parameter by its value, ``report_year`` as 报告年度."""
    words = {c.name: c.label for c in contract.columns} if contract is not None else {}
    words.update({k: str(v) for k, v in params.items() if not isinstance(v, (dict, list))})
    words.update({k: str(spec.get("label", k)) for k, spec in defs.items()})
    words["report_year"] = "报告年度"
    return words


def _definition(
    spec: Mapping[str, Any],
    params: Mapping[str, Any],
    defs: Mapping[str, Any],
    contract: TableContract | None,
) -> str:
    """The config's plain-Chinese definition (``params.NAME`` replaced by its value), or one written
    from the indicator's expressions in words, naming columns by their ledger headers."""
    if spec.get("definition"):
        return _PARAM_REF.sub(lambda m: str(params.get(m.group(1), m.group(0))), spec["definition"])
    words = _words(defs, params, contract)
    flags = [c.name for c in contract.columns if c.kind == "bool"] if contract is not None else []

    def said(key: str) -> str:
        return describe(compile_expression(spec[key]), words, flags)

    if spec["agg"] == "formula":
        return f"{said('expr')}所得的值"
    source = contract.label if contract is not None else ""
    noun = contract.row_noun if contract is not None else "记录"
    if "value" in spec:
        column = said("value")
    else:
        column = words.get(spec.get("column") or "", spec.get("column") or "")
    where = f"{said('where')}的" if spec.get("where") else ""
    agg = spec["agg"]
    if agg == "share":
        within = f"{said('within')}的{noun}" if spec.get("within") else f"全部{noun}"
        return f"{source}中{where}{noun}占{within}的比例"
    if agg == "count":
        return f"{source}中{where}{noun}数"
    if agg == "sum":
        return f"{source}中{where}{noun}的{column}之和"
    if agg == "distinct":
        return f"{source}中{where}{noun}的{column}个数（同名只计一次）"
    return f"{source}中{where}{noun}的{column}{AGGREGATIONS[agg].words}"


def compute_figures(config: Config, ledgers: Ledgers) -> FigureSet:
    """Every figure of the report, with last year's values when a previous ledger is given.

    Raises :class:`ConfigError` for an indicator that names an unknown column or figure.
    """
    engine = IndicatorEngine(config, ledgers)
    paired = [config.previous_ledger(name) for name in config.ledgers]
    previous = (
        IndicatorEngine(config, ledgers, previous=True)
        if any(name and ledgers.frame(name) is not None for name in paired)
        else None
    )
    figures = {
        ind_id: _computed_figure(config, engine, previous, ind_id, spec)
        for ind_id, spec in engine.defs.items()
        if engine.available(ind_id)
    }
    figures.update({fig_id: _manual_figure(fig_id, spec) for fig_id, spec in engine.manual.items()})
    _mark_notable(figures, config.section("year_on_year"))
    figures.update(_comparisons(config, engine, figures))
    ledgers.warnings.extend(_unread_warnings(config, engine, figures))
    return FigureSet(figures, engine, previous)


def _unread_warnings(config: Config, engine: IndicatorEngine, figures: Mapping[str, Figure]) -> list[Problem]:
    """One warning per column a ledger lacks that figures read: which figures are unknown for it
    (and so which problems and sentences that need them are not stated)."""
    by_column: dict[tuple[str, str], list[str]] = {}
    for ind_id, columns in engine.unread.items():
        table = engine.defs[ind_id].get("table", engine.main)
        for column in sorted(columns):
            by_column.setdefault((table, column), []).append(ind_id)
    warnings = []
    for (table, column), ids in by_column.items():
        contract = config.ledgers[table]
        header = next((c.label for c in contract.columns if c.name == column), column)
        labels = "、".join(figures[i].label for i in ids[:3] if i in figures) + ("等" if len(ids) > 3 else "")
        warnings.append(
            Problem(
                f"台账没有“{header}”列，{labels}无法计算：报告不陈述这些数据，也不据此提出问题"
                f"（有此项数据时，请在台账中加上这一列）",
                file=engine.files.get(table),
                severity="warning",
            )
        )
    return warnings


def _computed_figure(
    config: Config,
    engine: IndicatorEngine,
    previous: IndicatorEngine | None,
    ind_id: str,
    spec: dict[str, Any],
) -> Figure:
    """One indicator's figure: its value, how it was computed, and last year's value."""
    value = _scalar(engine.value(ind_id))
    fmt, unit = default_format(spec), spec.get("unit", "")
    if fmt == "percent":
        unit = "%"
    table = spec.get("table", engine.main)
    source: dict[str, Any] = {"kind": "computed"}
    if spec["agg"] == "formula":
        source["formula"] = spec["expr"]
        # Counted from the ledger its parts come from (one source named in the appendix).
        parts = {
            engine.defs[n].get("table", engine.main)
            for n in engine.expression(ind_id, "expr").names
            if n in engine.defs
        }
        if len(parts) == 1:
            table = parts.pop()
            source.update(table=table, name=engine.names.get(table))
    else:
        source.update(
            table=table,
            file=engine.files.get(table),
            name=engine.names.get(table),
            aggregation=spec["agg"],
            column=spec.get("column"),
            filter=spec.get("where"),
            within=spec.get("within"),
            rows=engine.rows_counted.get(ind_id),
        )
        if spec["agg"] == "share":
            source["within_rows"] = engine.rows_within.get(ind_id)
        if "value" in spec:
            source["value"] = str(spec["value"])
    prev_value = None
    compare = spec.get("compare", config.previous_ledger(table) is not None)
    if previous is not None and compare and previous.available(ind_id):
        prev_value = _scalar(previous.value(ind_id))
    return Figure(
        id=ind_id,
        label=spec["label"],
        value=value,
        text=format_value(value, fmt, unit),
        unit=unit,
        format=fmt,
        definition=_definition(spec, engine.user_params, engine.defs, config.ledgers.get(table)),
        source=source,
        previous=prev_value,
        change=change_text(value, prev_value, fmt, unit),
        additive=AGGREGATIONS[spec["agg"]].additive,
        short_label=spec.get("short_label", ""),
        comparable=bool(compare),
        keywords=tuple(spec.get("keywords") or ()),
    )


def _manual_figure(fig_id: str, spec: dict[str, Any]) -> Figure:
    """A figure entered by hand, with where it comes from."""
    fmt, unit = default_format(spec), spec.get("unit", "")
    return Figure(
        id=fig_id,
        label=spec["label"],
        value=spec["value"],
        text=format_value(spec["value"], fmt, unit),
        unit=unit,
        format=fmt,
        definition=spec.get("definition") or spec["label"],
        source={
            "kind": "manual",
            "note": spec["source"],
            "year": spec.get("year"),
            **({"carry_over": spec["carry_over"]} if spec.get("carry_over") else {}),
        },
    )


def _mark_notable(figures: Mapping[str, Figure], spec: Mapping[str, Any]) -> None:
    """A rate moved by at least ``min_change_points``; a count or sum by ``min_change_percent`` %."""
    min_percent = spec.get("min_change_percent", 0)
    min_points = spec.get("min_change_points", 0)
    for fig in figures.values():
        if not fig.direction or fig.value is None or fig.previous is None:
            continue
        if fig.format == "percent":
            fig.notable = abs(fig.value - fig.previous) >= min_points
        else:
            fig.notable = (
                fig.previous != 0 and abs(fig.value - fig.previous) / fig.previous * 100 >= min_percent
            )


def _comparisons(config: Config, engine: IndicatorEngine, figures: dict[str, Figure]) -> dict[str, Figure]:
    """One figure per ``comparisons`` entry: how many groups lag the district on a rate, and which.
    Undefined (``None``) when the district rate is, or when the ledger leaves the column blank."""
    found: dict[str, Figure] = {}
    versus = config.report.whole
    for cmp_id, spec in config.section("comparisons").items():
        rate = figures.get(spec["figure"])
        if rate is None:
            continue  # its table is not part of this build
        if rate.format != "percent":
            raise ConfigError(
                Problem(
                    f"“{spec['figure']}”不是百分比指标，无法按百分点比较", key=f"comparisons.{cmp_id}.figure"
                )
            )
        values = engine.grouped(spec["figure"], spec["by"])
        sizes = engine.group_sizes(spec["figure"], spec["by"])
        behind = (
            [] if rate.value is None else groups_behind(values.to_dict(), sizes.to_dict(), rate.value, spec)
        )
        value = None if rate.value is None or values.empty else len(behind)
        rated = {
            str(k): (float(v), int(sizes.get(k, 0))) for k, v in values.items() if _scalar(v) is not None
        }
        # Furthest behind first: lowest rates first, or highest when higher is worse.
        ranking = sorted(rated.items(), key=lambda item: item[1][0], reverse=spec.get("worse") == "higher")
        found[cmp_id] = Figure(
            id=cmp_id,
            label=spec.get("label")
            or f"{rate.label}低于{versus}{spec['points']}个百分点以上的{spec.get('group_label', spec['by'])}数",
            value=value,
            text=format_value(value, "count", "个"),
            unit="个",
            format="count",
            definition=(
                f"按{spec.get('group_label', spec['by'])}计算{rate.label}，比{versus}"
                f"{'高' if spec.get('worse') == 'higher' else '低'}{spec['points']}个百分点以上的个数"
                + (f"（组织数少于{spec['min_orgs']}的不计）" if spec.get("min_orgs", 1) > 1 else "")
            ),
            source={
                "kind": "comparison",
                "table": engine.main,
                "file": engine.files.get(engine.main),
                "name": engine.names.get(engine.main),
                "figure": spec["figure"],
                "by": spec["by"],
                "points": spec["points"],
                "district": rate.text,
                "behind": [
                    {"name": g.name, "value": g.value, "text": g.text, "gap": float(g.gap), "rows": g.rows}
                    for g in behind
                ],
                "ranking": [{"name": n, "value": v, "rows": r} for n, (v, r) in ranking],
            },
            groups=behind,
            comparison={**spec, "label": rate.label, "versus": versus},
        )
    return found
