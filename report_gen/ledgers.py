"""Type every cell and check the ledger against the data contract, column by column, vectorised.

Every problem names the file, sheet, Excel row, the header as the user wrote
it, the value and what was expected, in Chinese (ledger-keepers read them).
Problems are collected for the whole file, capped per column with a count of
the rest. Errors stop the build; warnings are listed and the build goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import arrow_text
from .arrow_text import TEXT_DTYPE
from .config import Config, DataSource
from .contract import CONTRACTS, ENTERPRISE, FALSE_WORDS, NOT_FORMED, TRUE_WORDS, Column
from .dates import parse_dates
from .errors import DataError, Problem
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


def type_table(raw: RawTable, report_date: dt.date) -> tuple[LedgerTable, list[Problem]]:
    """Type each column of ``raw`` and run the contract's checks. Returns the table and all problems."""
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

    if raw.contract.name == "organizations" and frame.empty:
        found.problems.append(
            Problem(
                "表中没有任何组织（只有表头或全是空行），无法生成报告", file=raw.file_label, sheet=raw.sheet
            )
        )
    out = pd.DataFrame(typed, index=frame.index)
    for column in raw.contract.columns:
        if column.name not in out.columns:
            out[column.name] = _empty_column(column.kind, out.index)
    if raw.contract.name == "organizations":
        _check_organizations(out, frame, found)
    table = LedgerTable(
        raw.contract.name, raw.file_label, raw.sheet, out, raw.headers, raw.ignored, title=raw.title
    )
    return table, [*raw.warnings, *found.problems]


def _empty_column(kind: str, index: pd.Index) -> pd.Series:
    dtype = {"int": "Int64", "bool": "boolean", "date": "datetime64[ns]"}.get(kind, TEXT_DTYPE)
    return pd.Series(pd.NA if kind != "date" else pd.NaT, index=index, dtype=dtype)


def _check_organizations(out: pd.DataFrame, cells: pd.DataFrame, found: _Collector) -> None:
    enterprise = out["category"] == ENTERPRISE
    found.add(
        (enterprise & out["above_scale"].isna()).fillna(False),
        "above_scale",
        "非公企业须填写是否规模以上",
        cells.get("above_scale"),
    )
    formed = out["party_org_form"].notna() & (out["party_org_form"] != NOT_FORMED)
    found.add(
        (formed & out["party_org_name"].isna()).fillna(False),
        "party_org_name",
        "已组建党组织的须填写所属党组织名称",
    )
    members, mobile = out["party_members"], out["mobile_members"]
    found.add(
        (mobile > members).fillna(False),
        "mobile_members",
        "流动党员数不能多于党员数",
        cells.get("mobile_members"),
    )
    found.add(
        (members > out["employees"]).fillna(False),
        "party_members",
        "党员数多于从业人员数，请核对",
        cells.get("party_members"),
        severity="warning",
    )
    org_id = out["org_id"]
    dup = org_id.notna() & org_id.duplicated(keep=False)
    if dup.any():
        first_row = org_id[dup].reset_index().groupby("org_id")["index"].transform("min")
        first_row.index = org_id[dup].index
        found.add(
            (dup & org_id.duplicated(keep="first")).fillna(False),
            "org_id",
            lambda row: f"组织编号重复，与第{int(first_row[row])}行相同（组织编号在文件中必须唯一）",
            cells.get("org_id"),
            summary="组织编号重复",
        )


def load_ledgers(config: Config) -> Ledgers:
    """Read, type and check every table named in the config.

    Raises :class:`DataError` with every error of every file; returns the
    ledgers and their warnings otherwise.
    """
    tables: dict[str, LedgerTable] = {}
    problems: list[Problem] = []
    for name, source in config.sources.items():
        try:
            table, found = read_and_check(source, config.report.date)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        tables[name] = table
        problems.extend(found)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise DataError(problems)
    problems.extend(_drop_unrelated_previous(tables))
    return Ledgers(tables, problems)


MIN_SHARED_IDS = 0.3


def _drop_unrelated_previous(tables: dict[str, LedgerTable]) -> list[Problem]:
    """Last year's ledger must be the same district's: when it shares fewer than 30% of this
    year's 组织编号 (another district's file, say), no year-on-year change is stated."""
    current, previous = tables.get("organizations"), tables.get("organizations_previous")
    if current is None or previous is None or current.frame.empty:
        return []
    ids = set(current.frame["org_id"].dropna())
    shared = len(ids & set(previous.frame["org_id"].dropna())) / len(ids)
    if shared >= MIN_SHARED_IDS:
        return []
    del tables["organizations_previous"]
    return [
        Problem(
            f"上年台账与本年台账只有{shared:.0%}的组织编号相同，看来不是同一地区的台账，"
            "本次不作同比比较（如确为上年台账，请核对组织编号）",
            file=previous.file_label,
            severity="warning",
        )
    ]


def read_and_check(source: DataSource, report_date: dt.date) -> tuple[LedgerTable, list[Problem]]:
    raw = read_table(source, CONTRACTS[source.table])
    return type_table(raw, report_date)


def ignored_rows_summary(ledgers: Ledgers) -> Iterable[str]:
    for table in ledgers.tables.values():
        for reason in sorted({i.reason for i in table.ignored}):
            rows = [i.row for i in table.ignored if i.reason == reason]
            shown = "、".join(str(r) for r in rows[:15]) + ("等" if len(rows) > 15 else "")
            yield f"{table.file_label}：忽略{reason}{len(rows)}行（第{shown}行）"
