"""Vectorised operations on text columns, through pyarrow compute kernels.

pandas runs some string operations on Arrow-backed columns cell by cell in
Python (``Series.map`` with a dict, ``to_numeric`` on text, ``str.extract``,
``str.split``). On a million-row ledger those dominate the whole read, so
the few that validation needs are done here directly in pyarrow.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Text columns use Arrow-backed strings: their .str methods run as vectorised compute
# kernels, where pandas' Python-backed "string" dtype calls re once per cell.
TEXT_DTYPE = pd.StringDtype("pyarrow")


def to_arrow(text: pd.Series) -> pa.Array:
    """The column as one Arrow string array (nulls for missing cells)."""
    array = pa.array(text.astype(TEXT_DTYPE).array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def lookup(text: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """Each cell replaced by ``mapping[cell]``; cells not in the mapping become missing."""
    keys = pa.array(list(mapping), type=pa.large_string())
    values = pa.array(list(mapping.values()), type=pa.large_string())
    found = pc.take(values, pc.index_in(to_arrow(text).cast(pa.large_string()), value_set=keys))
    return pd.Series(pd.array(found, dtype=TEXT_DTYPE), index=text.index)


def to_float(text: pd.Series) -> pd.Series:
    """Numbers from cells already checked to be numeric text (or missing), as float64 with NaN."""
    numbers = pc.cast(to_arrow(text), pa.float64())
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index)


def extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """Named groups of ``pattern`` as text columns; rows that do not match, and empty groups, are missing."""
    matched = pc.extract_regex(to_arrow(text), pattern)
    columns: dict[str, pd.api.extensions.ExtensionArray] = {}
    for i, field in enumerate(matched.type):
        part = pc.struct_field(matched, [i])
        part = pc.if_else(pc.equal(part, ""), pa.scalar(None, part.type), part)
        columns[field.name] = pd.array(part, dtype=TEXT_DTYPE)
    return pd.DataFrame(columns, index=text.index)


def blank_where_in(text: pd.Series, values: list[str]) -> pd.Series:
    """``text`` with the cells equal to one of ``values`` made missing."""
    array = to_arrow(text)
    hit = pc.is_in(array, value_set=pa.array(values, type=array.type))
    kept = pc.if_else(hit, pa.scalar(None, array.type), array)
    return pd.Series(pd.array(kept, dtype=TEXT_DTYPE), index=text.index)


def is_ascii_digits(text: pd.Series) -> pd.Series:
    """True where the cell is one or more ASCII digits 0-9 (not ①, ² or Arabic-Indic digits,
    which Python's ``isdigit`` accepts but no number parser reads); missing cells are False."""
    hit = pc.ascii_is_decimal(to_arrow(text))
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)
