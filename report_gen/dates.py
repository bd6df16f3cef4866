"""Dates as ledgers and configs write them: ``2024-05-01``, ``2024/5/1``, ``2024.5.1``, ``20240501``,
``2024年5月1日``, ``2024年5月``, a bare year ``2024``, Excel date cells and serials.

A month or a year without a day means its first day, which is what "founded
in 2024" needs. A date that does not exist (``2011-11-31``) is rejected, never
rolled over.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a config's dates are read without pandas; a ledger's dates need it
    import pandas as pd

# After normalisation every accepted text form looks like Y, Y-M or Y-M-D.
# Explicit classes, not \s or \d: pandas runs those through Python's re cell by cell.
_SEPARATORS = re.compile("[ \t]*(?:年|月|[-/.])[ \t]*")
_SHAPE = "^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{1,2})(?:-(?P<day>[0-9]{1,2}))?)?-?$"
_SHAPE_RE = re.compile(_SHAPE)
# Excel stores dates as days since 1899-12-30; 1955..2119 covers any ledger.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000
# Dates a ledger or config may hold: pandas' clock stops in 2262 and Word's starts in 1900.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _normalise(text: str) -> str:
    text = re.sub("^([0-9]{4})([0-9]{2})([0-9]{2})$", r"\1-\2-\3", text.strip())  # 20240501
    text = text.replace("日", "").replace("号", "")
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
    import pandas as pd

    from . import arrow_text
    from .arrow_text import TEXT_DTYPE

    result = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    if cells.dtype == object:  # spreadsheet cells: real dates, numbers and text mixed
        native = cells.map(type).isin([dt.datetime, dt.date, pd.Timestamp])
        if native.any():  # a date cell of year 9999 or 1000 is outside what pandas holds: not a date
            result[native] = pd.to_datetime(cells[native].map(_in_range), errors="coerce")
        rest = cells[~native].map(str, na_action="ignore")
    else:
        rest = cells
    text = rest.astype(TEXT_DTYPE).str.strip()
    blank = (text.isna() | (text == "")).fillna(True).astype(bool)
    serial_text = text.str.match("^[0-9]{5}([.]0+)?$").fillna(False).astype(bool)
    if serial_text.any():
        days = arrow_text.to_float(text[serial_text])
        days = days[days.between(_SERIAL_MIN, _SERIAL_MAX)]
        result[days.index] = pd.Timestamp(_EXCEL_EPOCH) + pd.to_timedelta(days, unit="D")
    todo = ~blank & ~serial_text
    normalised = (
        text[todo]
        .str.replace("^([0-9]{4})([0-9]{2})([0-9]{2})$", r"\1-\2-\3", regex=True)  # 20240501
        .str.replace("日", "", regex=False)
        .str.replace("号", "", regex=False)
        .str.replace(_SEPARATORS.pattern, "-", regex=True)
    )
    parts = arrow_text.extract(normalised, _SHAPE)
    if len(parts):
        frame = pd.DataFrame(
            {
                "year": arrow_text.to_float(parts["year"]),
                "month": arrow_text.to_float(parts["month"]).fillna(1),
                "day": arrow_text.to_float(parts["day"]).fillna(1),
            }
        )
        frame = frame[frame["year"].between(FIRST_YEAR, LAST_YEAR)]
        if len(frame):
            parsed = pd.to_datetime(frame, errors="coerce")
            result[parsed.index] = parsed
    bad = pd.Series(False, index=cells.index)
    bad[rest.index] = (~blank & result[rest.index].isna()).to_numpy()
    if cells.dtype == object:
        bad |= cells.notna() & result.isna() & ~bad.index.isin(rest.index)
    return result, bad


def _in_range(value: dt.date) -> dt.date | None:
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None
