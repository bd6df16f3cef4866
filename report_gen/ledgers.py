"""Type every cell and check the ledger against the data contract, column by column, vectorised.

Every problem names the file, sheet, Excel row, the header as the user wrote
it, the value and what was expected, in Chinese (ledger-keepers read them).
Problems are collected for the whole file, capped per column with a count of
the rest. Errors stop the build; warnings are listed and the build goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import arrow_text
from .arrow_text import TEXT_DTYPE
from .config import Config, DataSource
from .contract import FALSE_WORDS, TRUE_WORDS, Column, TableContract
from .dates import parse_dates
from .errors import ConfigError, DataError, Problem
from .expr import ExpressionError
from .ingest import IgnoredRow, RawTable, read_table

PROBLEMS_PER_COLUMN = 20
BLANK_MARKS = ["/", "／", "-", "－", "—", "——", "--", "\\"]
_FULL_WIDTH = dict(zip("０１２３４５６７８９，．－＋", "0123456789,.-+", strict=True))
# Explicit classes, not \s or \d: pandas runs those through Python's re cell by cell.
_INT_SHAPE = "^([+-]?[0-9]{1,15}(?:[.][0-9]{1,15})?) *[\u4e00-\u9fff]{0,2}$"  # 1200, 12.0, 1200人
# Counts of people and organisations: anything larger is a typo or a pasted ID, and would not
# fit the whole-number type (2^63) nor be stated in a report.
MAX_COUNT = 10**12
_INT_DIGITS = 13
_SPACES = "[ \t\r\n\u3000]"
_BOOL_TEXT = {w: "1" for w in TRUE_WORDS} | {w: "0" for w in FALSE_WORDS if w}


@dataclass
class LedgerTable:
    """One typed table: canonical columns, indexed by the row number Excel shows."""

    name: str
    file_label: str
    sheet: str | None
    frame: pd.DataFrame
    headers: dict[str, str]
    ignored: list[IgnoredRow] = field(default_factory=list)
    title: str = ""
    parts: list[LedgerTable] = field(default_factory=list)
    """The files it was read from, each as a table, when there are several."""


@dataclass
class Ledgers:
    """Every input table of a build, typed and checked, with the warnings that did not stop it."""

    tables: dict[str, LedgerTable]
    warnings: list[Problem]

    def frame(self, name: str) -> pd.DataFrame | None:
        table = self.tables.get(name)
        return None if table is None else table.frame


class _Collector:
    def __init__(self, raw: RawTable):
        self.raw = raw
        self.problems: list[Problem] = []

    def add(
        self,
        mask: pd.Series,
        column: str,
        message: str | Callable[[int], str],
        values: pd.Series | None = None,
        severity: str = "error",
        summary: str | None = None,
    ) -> None:
        """Report the rows where ``mask`` holds, up to the cap, plus a count of the rest.

        ``message`` may depend on the row (a function of the Excel row number); ``summary``
        then names the kind of problem in the line that counts the rest.
        """
        rows = mask.index[mask.to_numpy(dtype=bool)]
        if len(rows) == 0:
            return
        header = self.raw.headers.get(column, column)
        for row in rows[:PROBLEMS_PER_COLUMN]:
            value = None if values is None else _show(values.get(row))
            self.problems.append(
                Problem(
                    message(int(row)) if callable(message) else message,
                    file=self.raw.file_label,
                    sheet=self.raw.sheet,
                    row=int(row),
                    column=header,
                    value=value,
                    severity=severity,
                )
            )
        if len(rows) > PROBLEMS_PER_COLUMN:
            self.problems.append(
                Problem(
                    f"……此列另有{len(rows) - PROBLEMS_PER_COLUMN}处同类问题（{summary or message}）",
                    file=self.raw.file_label,
                    sheet=self.raw.sheet,
                    column=header,
                    severity=severity,
                )
            )


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _text(text: pd.Series) -> pd.Series:
    """A column's trimmed cell text (from ingest) with blanks missing. A cell holding only a dash
    or slash is how ledgers say "not applicable": it counts as blank."""
    return arrow_text.blank_where_in(text, ["", *BLANK_MARKS])


def _parse_int(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(text)
    cleaned = text
    if cleaned.str.contains("[０-９，．－＋]", regex=True).fillna(False).any():
        for wide, narrow in _FULL_WIDTH.items():
            cleaned = cleaned.str.replace(wide, narrow, regex=False)
    cleaned = cleaned.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    plain = arrow_text.is_ascii_digits(cleaned) & (cleaned.str.len() <= _INT_DIGITS).fillna(False)
    shaped = plain.copy()
    digits = cleaned.where(plain)
    other = cleaned.notna() & ~plain
    if other.any():
        rest = cleaned[other]
        ok = rest.str.match(_INT_SHAPE).fillna(False).astype(bool)
        shaped[other] = ok
        digits[other] = rest.str.replace(" *[\u4e00-\u9fff]{1,2}$", "", regex=True).where(ok)
    number = arrow_text.to_float(digits)
    blank = text.isna()
    bad = ~blank & (number.isna() | (number != number.round()) | (number.abs() > MAX_COUNT))
    return number.where(~bad).round().astype("Int64"), bad


def _parse_bool(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(text).str.lower().str.replace("[.]0$", "", regex=True)
    value = arrow_text.lookup(text, _BOOL_TEXT)
    bad = text.notna() & value.isna()
    return (value == "1").where(value.notna()).astype("boolean"), bad


def _parse_enum(text: pd.Series, column: Column, extra: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """The canonical value of each cell; ``extra`` adds a district's own spellings from the config."""
    text = _text(text)
    if (text.str.contains(" ", regex=False) | text.str.contains("\u3000", regex=False)).fillna(False).any():
        text = text.str.replace(_SPACES, "", regex=True)
    value = arrow_text.lookup(text, {**column.choices, **extra})
    bad = text.notna() & value.isna()
    return value, bad


def type_table(
    raw: RawTable, report_date: dt.date, scalars: Mapping[str, Any] | None = None
) -> tuple[LedgerTable, list[Problem]]:
    """Type each column of ``raw`` and run the contract's checks (its row rules read ``scalars``
    besides the columns). Returns the table and all problems."""
    found = _Collector(raw)
    frame = raw.frame
    typed: dict[str, pd.Series] = {}
    blank_required: dict[str, pd.Series] = {}
    for column in raw.contract.columns:
        if column.name not in frame.columns:
            continue
        cells, text = frame[column.name], raw.texts[column.name]
        if column.kind == "int":
            value, bad = _parse_int(text)
            found.add(bad, column.name, "不是整数（应为如 1200、1,200 或 1200人 的整数）", cells)
            found.add(value.fillna(0) < 0, column.name, "不能为负数", cells)
        elif column.kind == "bool":
            value, bad = _parse_bool(text)
            found.add(bad, column.name, "不是是/否值（应为 是/否、有/无、Y/N、√/×、1/0 之一）", cells)
        elif column.kind == "date":
            value, bad = parse_dates(cells.where(_text(text).notna()))
            found.add(
                bad,
                column.name,
                "不是有效日期（应为如 2024-05-01、2024/5/1、2024年5月1日、2024年5月 或 2024）",
                cells,
            )
            future = value > pd.Timestamp(report_date)
            found.add(
                future, column.name, f"晚于成文日期{report_date:%Y-%m-%d}，请核对", cells, severity="warning"
            )
        elif column.kind == "enum":
            value, bad = _parse_enum(text, column, raw.source.values.get(column.name, {}))
            found.add(bad, column.name, f"不是可接受的取值（应为{column.expected}）", cells)
        else:
            value, bad = _text(text), pd.Series(False, index=cells.index)
        typed[column.name] = value
        if column.required == "always":
            blank_required[column.name] = value.isna() & ~bad
    for name, mask in blank_required.items():
        found.add(mask, name, "不能为空")

    if raw.contract.needs_rows and frame.empty:
        found.problems.append(
            Problem(
                f"表中没有任何{raw.contract.row_noun}（只有表头或全是空行），无法生成报告",
                file=raw.file_label,
                sheet=raw.sheet,
            )
        )
    out = pd.DataFrame(typed, index=frame.index)
    for column in raw.contract.columns:
        if column.name not in out.columns:
            out[column.name] = _empty_column(column.kind, out.index)
    _check_rows(raw.contract, out, frame, found, scalars or {})
    table = LedgerTable(
        raw.contract.name, raw.file_label, raw.sheet, out, raw.headers, raw.ignored, title=raw.title
    )
    return table, [*raw.warnings, *found.problems]


def _duplicate_message(label: str, first_row: pd.Series) -> Callable[[int], str]:
    return lambda row: f"{label}重复，与第{int(first_row[row])}行相同（{label}在文件中必须唯一）"


def _check_rows(
    contract: TableContract,
    out: pd.DataFrame,
    cells: pd.DataFrame,
    found: _Collector,
    scalars: Mapping[str, Any],
) -> None:
    """The ledger's row rules, then its unique columns."""
    if out.empty:
        return
    env = {**{c: out[c] for c in out.columns}, **scalars}
    for rule in contract.rules:
        try:
            result = rule.when.evaluate(env)
        except ExpressionError as exc:
            raise ConfigError(Problem(str(exc), key=f"ledgers.{contract.name}.rules")) from None
        if not isinstance(result, pd.Series):
            result = pd.Series(bool(result), index=out.index)
        found.add(
            result.fillna(False).astype(bool),
            rule.column,
            rule.message,
            cells.get(rule.column),
            severity=rule.severity,
        )
    for column in (c for c in contract.columns if c.unique):
        values = out[column.name]
        dup = values.notna() & values.duplicated(keep=False)
        if not dup.any():
            continue
        first_row = values[dup].reset_index().groupby(column.name)["index"].transform("min")
        first_row.index = values[dup].index
        found.add(
            (dup & values.duplicated(keep="first")).fillna(False),
            column.name,
            _duplicate_message(column.label, first_row),
            cells.get(column.name),
            summary=f"{column.label}重复",
        )


def _empty_column(kind: str, index: pd.Index) -> pd.Series:
    dtype = {"int": "Int64", "bool": "boolean", "date": "datetime64[ns]"}.get(kind, TEXT_DTYPE)
    return pd.Series(pd.NA if kind != "date" else pd.NaT, index=index, dtype=dtype)


def load_ledgers(config: Config, read: Mapping[str, Sequence[RawTable] | None] | None = None) -> Ledgers:
    """Read, type and check every table named in the config, each from its files.

    ``read`` gives tables already read (a district's rows of a city ledger, split by
    :mod:`report_gen.batch`): those are typed and checked, not read again from their file;
    ``None`` there leaves the table out (a district absent from last year's city ledger).
    Raises :class:`DataError` with every error of every file; returns the
    ledgers and their warnings otherwise.
    """
    tables: dict[str, LedgerTable] = {}
    problems: list[Problem] = []
    scalars = config.scalars()
    for name, sources in config.sources.items():
        contract = config.ledgers[name]
        given = read.get(name, sources) if read is not None else sources
        if given is None:
            continue
        parts: list[LedgerTable] = []
        for item in given:
            try:
                if isinstance(item, RawTable):
                    part, found = type_table(item, config.report.date, scalars)
                else:
                    part, found = read_and_check(item, contract, config.report.date, scalars)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            parts.append(part)
            problems.extend(found)
        if parts and len(parts) == len(given):
            tables[name], found = _combined(contract, parts)
            problems.extend(found)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise DataError(problems)
    problems.extend(_drop_unrelated_previous(config, tables))
    return Ledgers(tables, problems)


def _combined(contract: TableContract, parts: list[LedgerTable]) -> tuple[LedgerTable, list[Problem]]:
    """One table from the files of one ledger, and the values of unique columns that two files share."""
    if len(parts) == 1:
        return parts[0], []
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    where = [(p, int(row)) for p in parts for row in p.frame.index]
    problems = []
    for column in (c for c in contract.columns if c.unique):
        values = frame[column.name]
        first_seen: dict[Any, int] = {}
        for pos in values.index[(values.notna() & values.duplicated(keep=False)).to_numpy(dtype=bool)]:
            value = values[pos]
            first = first_seen.setdefault(value, pos)
            (part, row), (first_part, first_row) = where[pos], where[first]
            if first == pos or part is first_part:
                continue  # the first of its value, or a duplicate within one file (reported with it)
            problems.append(
                Problem(
                    f"{column.label}重复，与{first_part.file_label}第{first_row}行相同（{column.label}在各文件中必须唯一）",
                    file=part.file_label,
                    sheet=part.sheet,
                    row=row,
                    column=part.headers.get(column.name, column.label),
                    value=str(value),
                )
            )
    headers: dict[str, str] = {}
    for part in parts:
        for key, header in part.headers.items():
            headers.setdefault(key, header)
    table = LedgerTable(
        contract.name,
        "、".join(p.file_label for p in parts),
        None,
        frame,
        headers,
        title=parts[0].title,
        parts=parts,
    )
    return table, problems


MIN_SHARED_IDS = 0.3


def _drop_unrelated_previous(config: Config, tables: dict[str, LedgerTable]) -> list[Problem]:
    """Last year's ledger must be the same district's: when it shares fewer than 30% of this
    year's keys (组织编号; another district's file, say), no year-on-year change is stated."""
    warnings = []
    for name, contract in config.ledgers.items():
        key = contract.key
        current, previous = tables.get(contract.previous_of or ""), tables.get(name)
        if key is None or current is None or previous is None or current.frame.empty:
            continue
        ids = set(current.frame[key.name].dropna())
        if not ids:
            continue
        shared = len(ids & set(previous.frame[key.name].dropna())) / len(ids)
        if shared >= MIN_SHARED_IDS:
            continue
        del tables[name]
        warnings.append(
            Problem(
                f"上年台账与本年台账只有{shared:.0%}的{key.label}相同，看来不是同一地区的台账，"
                f"本次不作同比比较（如确为上年台账，请核对{key.label}）",
                file=previous.file_label,
                severity="warning",
            )
        )
    return warnings


def read_and_check(
    source: DataSource,
    contract: TableContract,
    report_date: dt.date,
    scalars: Mapping[str, Any] | None = None,
) -> tuple[LedgerTable, list[Problem]]:
    """One file of a ledger, read, typed and checked."""
    raw = read_table(source, contract)
    return type_table(raw, report_date, scalars)


def ignored_rows_summary(ledgers: Ledgers) -> Iterable[str]:
    for table in (part for t in ledgers.tables.values() for part in (t.parts or [t])):
        for reason in sorted({i.reason for i in table.ignored}):
            rows = [i.row for i in table.ignored if i.reason == reason]
            shown = "、".join(str(r) for r in rows[:15]) + ("等" if len(rows) > 15 else "")
            yield f"{table.file_label}：忽略{reason}{len(rows)}行（第{shown}行）"
