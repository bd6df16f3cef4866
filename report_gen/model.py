"""Everything in a config that can be checked without data, compiled once when it is loaded.

:func:`compile_config` runs at the end of :func:`~report_gen.config.load_config`, before any
ledger is read: the layout (``style:``), every expression (indicator filters and formulas,
problem rules, ``checks:``, narrative ``when:``) against the names it may read, the references
between keys that name columns or figures, and every template. ``validate`` and ``build`` both
load a config this way, so the one rejects every config the other rejects for the config's sake.

The names an expression may read are defined here and nowhere else (:func:`scalar_names`,
:func:`row_names`, :func:`condition_names`); evaluation environments are built from the same
lists (:meth:`~report_gen.config.Config.scalars`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, Problem
from .expr import Expression, ExpressionError, compile_expression

if TYPE_CHECKING:
    from .config import Config

THRESHOLD = "threshold"
"""The extra name a problem rule's condition reads: its own ``threshold``."""


def scalar_names(config: Config) -> list[str]:
    """Names every expression reads besides columns and figures: ``params`` and ``report_year``."""
    return [*config.section("params"), "report_year"]


def row_names(config: Config, table: str) -> list[str]:
    """What an indicator's ``where``/``within`` reads: the columns of its table and the scalars."""
    return [*config.table_columns(table), *scalar_names(config)]


def formula_names(config: Config) -> list[str]:
    """What a formula (``agg: formula``) reads: other indicators, manual figures and the scalars."""
    return [*config.section("indicators"), *config.section("manual_figures"), *scalar_names(config)]


def condition_names(config: Config) -> list[str]:
    """What rule, check and narrative conditions read: every figure and the scalars."""
    return [
        *config.section("indicators"),
        *config.section("manual_figures"),
        *config.section("comparisons"),
        *scalar_names(config),
    ]


def _expression_sources(config: Config) -> Iterator[tuple[str, Any, list[str]]]:
    """(key path, expression text, names it may read) of every expression in the config."""
    for ind_id, spec in config.section("indicators").items():
        table = spec.get("table", config.main_ledger)
        for key in ("where", "within", "value"):
            if key in spec:
                yield f"indicators.{ind_id}.{key}", spec[key], row_names(config, table)
        if "expr" in spec:
            yield f"indicators.{ind_id}.expr", spec["expr"], formula_names(config)
    conditions = condition_names(config)
    for rule_id, rule in config.section("problems").items():
        if "when" in rule:
            yield f"problems.{rule_id}.when", rule["when"], [*conditions, THRESHOLD]
    for i, rule in enumerate(config.raw.get("checks") or []):
        yield f"checks[{i}]", rule, conditions
    for key, condition in _narrative_conditions(config.section("narrative")):
        yield key, condition, conditions


def _narrative_conditions(narrative: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(key path of the ``when``, condition) of every passage and item, ``else`` branches too."""

    def branches(spec: Any, key: str) -> Iterator[tuple[str, Any]]:
        while isinstance(spec, Mapping):
            if "when" in spec:
                yield f"{key}.when", spec["when"]
            spec, key = spec.get("else"), f"{key}.else"

    for name, block in narrative.items():
        for field in ("text", "intro", "outro"):
            yield from branches(block.get(field), f"narrative.{name}.{field}")
        for item_id, item in (block.get("items") or {}).items():
            yield from branches(item, f"narrative.{name}.items.{item_id}")


def compile_expressions(config: Config) -> tuple[dict[str, Expression], list[Problem]]:
    """Every expression of the config compiled, by key path, and the problems of those that fail."""
    compiled: dict[str, Expression] = {}
    problems: list[Problem] = []
    for key, text, known in _expression_sources(config):
        try:
            compiled[key] = compile_expression(text, known)
        except ExpressionError as exc:
            problems.append(Problem(str(exc), key=key))
    problems.extend(_formula_cycles(config, compiled))
    return compiled, problems


def _formula_cycles(config: Config, compiled: Mapping[str, Expression]) -> list[Problem]:
    """Formulas that depend on themselves, through any chain of other formulas."""
    indicators = config.section("indicators")
    reads = {
        ind_id: sorted(n for n in compiled[f"indicators.{ind_id}.expr"].names if n in indicators)
        for ind_id in indicators
        if f"indicators.{ind_id}.expr" in compiled
    }
    problems: list[Problem] = []
    reported: set[str] = set()
    for start in reads:
        path = [start]
        while path:
            following = [n for n in reads.get(path[-1], []) if n not in reported]
            nxt = following[0] if following else None
            if nxt is None:
                break
            if nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                if not reported & set(cycle):
                    problems.append(
                        Problem(
                            f"indicators refer to each other in a cycle: {' → '.join(cycle)}",
                            key=f"indicators.{nxt}",
                        )
                    )
                reported.update(cycle)
                break
            path.append(nxt)
    return problems


def _reference_problems(config: Config) -> list[Problem]:
    """Keys that name a ledger, a column or a figure that is not there, found without data."""
    problems: list[Problem] = [*_data_problems(config)]
    indicators = config.section("indicators")
    main = config.main_ledger
    counted = [name for name, c in config.ledgers.items() if c.previous_of is None]
    for ind_id, spec in indicators.items():
        table = spec.get("table", main)
        if table not in counted:
            problems.append(
                Problem(f"{table!r} is not a ledger ({', '.join(counted)})", key=f"indicators.{ind_id}.table")
            )
            continue
        column = spec.get("column")
        if column is not None and column not in config.table_columns(table):
            problems.append(
                Problem(
                    f"{column!r} is not a column of {table} ({', '.join(config.table_columns(table))})",
                    key=f"indicators.{ind_id}.column",
                )
            )
    columns = config.table_columns(main)
    for kind in ("tables", "charts", "comparisons"):
        for item_id, spec in config.section(kind).items():
            if spec.get("by") is not None and spec["by"] not in columns:
                problems.append(
                    Problem(
                        f"{spec['by']!r} is not a ledger column ({', '.join(columns)})",
                        key=f"{kind}.{item_id}.by",
                    )
                )
            refs = (
                spec.get("columns") or spec.get("series") or ([spec["figure"]] if spec.get("figure") else [])
            )
            for i, ref in enumerate(refs):
                if ref in indicators and indicators[ref].get("table", main) != main:
                    which = {"tables": f"columns[{i}]", "charts": f"series[{i}]", "comparisons": "figure"}[
                        kind
                    ]
                    problems.append(
                        Problem(
                            f"{ref!r} is a figure of {indicators[ref]['table']}, not of the ledger {main} "
                            "the rows are grouped from",
                            key=f"{kind}.{item_id}.{which}",
                        )
                    )
    for chart_id, spec in config.section("charts").items():
        problems.extend(_chart_series_problems(chart_id, spec, indicators))
    for cmp_id, spec in config.section("comparisons").items():
        figure = indicators.get(spec.get("figure"))
        if figure is not None and not is_rate(figure):
            problems.append(
                Problem(
                    f"“{spec['figure']}”不是百分比指标，无法按百分点比较", key=f"comparisons.{cmp_id}.figure"
                )
            )
    return problems


def _data_problems(config: Config) -> list[Problem]:
    """``data:`` names declared ledgers, gives every required one, and reads only their columns."""
    from .contract import header_index, match_header

    problems: list[Problem] = []
    for name, contract in config.ledgers.items():
        if contract.required and name not in config.sources:
            problems.append(Problem(f"is required ({contract.label})", key=f"data.{name}"))
    for name, parts in config.sources.items():
        contract = config.ledgers.get(name)
        if contract is None:
            hint = difflib.get_close_matches(name, list(config.ledgers), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(
                Problem(
                    f"unknown ledger{extra} (ledgers declared: {', '.join(config.ledgers)})",
                    key=f"data.{name}",
                )
            )
            continue
        enums = {c.name: c for c in contract.columns if c.kind == "enum"}
        for i, source in enumerate(parts):
            key = f"data.{name}" if len(parts) == 1 else f"data.{name}[{i}]"
            for column, spellings in source.values.items():
                if column not in enums:
                    problems.append(
                        Problem(
                            f"is not an enum column (enums: {', '.join(enums)})", key=f"{key}.values.{column}"
                        )
                    )
                    continue
                canonical = set(enums[column].choices.values())
                for spelling, value in spellings.items():
                    if value not in canonical:
                        problems.append(
                            Problem(
                                f"{value!r} is not one of {', '.join(sorted(canonical))}",
                                key=f"{key}.values.{column}.{spelling}",
                            )
                        )
            index = header_index(contract, dict(source.headers))
            for header in source.constants:
                if match_header(header, index) is None:
                    problems.append(
                        Problem(
                            f"“{header}”不是{contract.label}的列（如{'、'.join(c.label for c in contract.columns[:3])}）",
                            key=f"{key}.constants.{header}",
                        )
                    )
    return problems


def _chart_series_problems(
    chart_id: str, spec: Mapping[str, Any], indicators: Mapping[str, Any]
) -> list[Problem]:
    """One value axis, one unit: a chart's series all in % or all counted in the same unit; a
    chart of last year beside this year (``years: true``) shows one series."""
    series = [s for s in spec.get("series") or [] if s in indicators]
    units = {"%" if is_rate(indicators[s]) else str(indicators[s].get("unit") or "") for s in series}
    problems = []
    if len(units) > 1:
        listed = "、".join(
            f"{s}（{'%' if is_rate(indicators[s]) else indicators[s].get('unit') or '无单位'}）"
            for s in series
        )
        problems.append(
            Problem(
                f"一张图的各系列应使用同一单位，这里是：{listed}；请分成两张图",
                key=f"charts.{chart_id}.series",
            )
        )
    if spec.get("years") and len(spec.get("series") or []) > 1:
        problems.append(
            Problem(
                "years: true 把第一个系列的上年与本年并列，只能有一个系列", key=f"charts.{chart_id}.years"
            )
        )
    return problems


def is_rate(spec: Mapping[str, Any]) -> bool:
    """An indicator printed in % (a share, or ``format: percent`` / ``unit: "%"``)."""
    return default_format(spec) == "percent"


def default_format(spec: Mapping[str, Any]) -> str:
    """The format an indicator or manual figure is printed in: its own, else by its kind."""
    if spec.get("format"):
        return str(spec["format"])
    if spec.get("agg") == "share" or spec.get("unit") == "%":
        return "percent"
    return "count"


def compile_config(config: Config, templates: bool = True) -> None:
    """Compile what :mod:`report_gen.model` checks into ``config`` (its ``layout``, ``expressions``
    and, unless ``templates`` is false, ``templates``); raise :class:`ConfigError` with every
    problem found, or the first template error."""
    from .contract import contracts_from
    from .writers.layout import layout_from_config

    problems: list[Problem] = []
    config.ledgers, issues = contracts_from(config.section("ledgers"), scalar_names(config))
    problems.extend(Problem(message, key=key) for key, message in issues)
    try:
        config.layout = layout_from_config(config.section("style"))
    except ConfigError as exc:
        problems.extend(exc.problems)
    config.expressions, found = compile_expressions(config)
    problems.extend(found)
    problems.extend(_reference_problems(config))
    if problems:
        raise ConfigError([_in_file(p, config) for p in problems])
    if templates:
        from .compose import compile_templates

        config.templates = compile_templates(config)


def _in_file(problem: Problem, config: Config) -> Problem:
    if problem.file is not None:
        return problem
    return Problem(problem.message, file=str(config.path), key=problem.key, severity=problem.severity)
