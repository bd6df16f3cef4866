"""Dates as ledgers and configs write them: ``2024-05-01``, ``2024/5/1``, ``2024.5.1``,
``2024年5月1日``, ``2024年5月``, a bare year ``2024``, Excel date cells and serials.

A month or a year without a day means its first day, which is what "founded
in 2024" needs. A date that does not exist (``2011-11-31``) is rejected, never
rolled over.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

# After normalisation every accepted text form looks like Y, Y-M or Y-M-D.
_SEPARATORS = re.compile(r"\s*(?:年|月|[-/.])\s*")
_SHAPE = r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?-?$"
_SHAPE_RE = re.compile(_SHAPE)
# Excel stores dates as days since 1899-12-30; 1955..2119 covers any ledger.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000


def _normalise(text: str) -> str:
    text = text.strip().replace("日", "").replace("号", "")
    return _SEPARATORS.sub("-", text)


def parse_date(value: object) -> dt.date | None:
    """One date from a config value or a cell. ``None`` when it is not a real date in an accepted form."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _SHAPE_RE.match(_normalise(str(value)))
    if not match:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_dates(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_date` over a column of cells.

    Returns ``(dates, bad)``: ``dates`` as ``datetime64`` (NaT for blanks and
    bad cells) and a boolean mask of non-blank cells that are not dates.
    """
    result = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    native = cells.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)), na_action="ignore")
    native = native.fillna(False).astype(bool)
    if native.any():
        result[native] = pd.to_datetime(cells[native])
    rest = cells[~native]
    text = rest.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).astype(bool)
    numeric = pd.to_numeric(text, errors="coerce").astype("Float64")
    serial = numeric.between(_SERIAL_MIN, _SERIAL_MAX) & (numeric == numeric.round())
    serial = serial.fillna(False).astype(bool)
    if serial.any():
        days = numeric[serial].astype(float)
        result[days.index] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    todo = ~blank & ~serial
    parts = (
        text[todo]
        .str.replace("日", "", regex=False)
        .str.replace("号", "", regex=False)
        .str.replace(_SEPARATORS.pattern, "-", regex=True)
        .str.extract(_SHAPE)
    )
    if len(parts):
        frame = pd.DataFrame(
            {
                "year": pd.to_numeric(parts[0], errors="coerce"),
                "month": pd.to_numeric(parts[1], errors="coerce").fillna(1),
                "day": pd.to_numeric(parts[2], errors="coerce").fillna(1),
            }
        )
        frame = frame[frame["year"].notna()].astype(float)
        if len(frame):
            parsed = pd.to_datetime(frame, errors="coerce")
            result[parsed.index] = parsed
    bad = pd.Series(False, index=cells.index)
    bad[rest.index] = (~blank & result[rest.index].isna()).to_numpy()
    return result, bad
