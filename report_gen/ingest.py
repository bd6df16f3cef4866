"""Read a ledger file into cells under canonical column names, with Excel row numbers.

Handles what exported and hand-kept ledgers contain: title and blank rows
above the header (the header row is found by matching known headers), merged
cells (their value fills the whole merged area), fully blank rows and 合计
rows (ignored and reported), CSV in UTF-8, UTF-8 with BOM or GB18030 with any line ends (CRLF, LF, CR), and
``.xlsx``/``.parquet``. Typing and checks are :mod:`report_gen.ledgers`'s.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import IO, Any

import pandas as pd

from .arrow_text import TEXT_DTYPE
from .config import DataSource
from .contract import TableContract, header_index, match_header, normalise_header
from .errors import DataError, Problem, shown
from .input_files import LEDGER_BYTES, display_name, read_limited
from .user_paths import locate, readable

HEADER_SEARCH_ROWS = 30
# Explicit classes, not \s or \d: pandas runs those through Python's re cell by cell.
_SPACES = "[ \t\r\n\u3000]"
# Columns every hand-kept ledger has that carry no data: skipped without a warning.
SILENT_HEADERS = {"序号", "编号序号", "备注", "说明"}
TOTAL_WORDS = {"合计", "总计", "小计", "合计：", "总计：", "合计:"}


@dataclass
class IgnoredRow:
    row: int
    reason: str


@dataclass
class RawTable:
    """Cells of one table as read, before typing.

    ``frame`` has one column per recognised canonical column (cells as read:
    text, numbers or datetimes) and is indexed by the row number Excel shows.
    ``headers`` maps canonical names to the header text as the user wrote it. ``texts`` holds
    each column's cells as trimmed text (missing cells missing), computed once here for finding
    blank and 合计 rows and handed on to typing.
    """

    source: DataSource
    contract: TableContract
    file_label: str
    sheet: str | None
    frame: pd.DataFrame
    headers: dict[str, str]
    texts: dict[str, pd.Series] = field(default_factory=dict)
    ignored: list[IgnoredRow] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    title: str = ""
    """Text of the rows above the header (青溪区“两新组织”党建工作台账（2025年）), if any."""


def title_text(rows: list[list[Any]]) -> str:
    """The rows above a ledger's header as one line: its title, when the file has one."""
    cells = (str(c).strip() for row in rows for c in row if c is not None and str(c).strip())
    return " ".join(cells)[:200]


def read_table(source: DataSource, contract: TableContract) -> RawTable:
    """Read ``source`` and map its header onto ``contract``. Raises :class:`DataError`."""
    source = replace(source, path=locate(source.path))
    path = source.path
    label = display_name(readable(path.name))
    if not os.path.lexists(path):
        raise DataError(Problem(f"文件不存在（完整路径：{display_name(readable(str(path)))}）", file=label))
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".parquet"):
        raise DataError(
            Problem(f"不支持的文件类型“{shown(suffix)}”（应为 .csv、.xlsx 或 .parquet）", file=label)
        )
    data = read_limited(path, "文件", DataError, LEDGER_BYTES)
    if suffix == ".csv":
        grid, sheet = _read_csv(data, label), None
        return _frame_from_grid(source, contract, label, sheet, grid)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(source, contract, label, data)
    return _read_parquet(source, contract, label, data)


# --- CSV -----------------------------------------------------------------------------------


_HEAD_BYTES = 256 * 1024


def _read_csv(data: bytes, label: str) -> tuple[list[list[Any]], bytes, str]:
    """The first rows (to find the header), the file's bytes without a BOM, and its encoding.

    Only the head is decoded here: pyarrow checks the rest is valid UTF-8 while parsing,
    and decoding a large CJK file into Python text would cost seconds and gigabytes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\n" not in data and b"\r" in data:  # "CSV (Macintosh)" from older Excel ends lines with CR alone
        data = data.replace(b"\r", b"\n")
    head_text, encoding = _decode_head(data[:_HEAD_BYTES], label)
    head: list[list[Any]] = []
    reader = csv.reader(io.StringIO(head_text))
    try:
        for _ in range(HEADER_SEARCH_ROWS):
            head.append(list(next(reader)))
    except StopIteration:
        pass
    except csv.Error as exc:
        raise DataError(Problem(f"CSV 格式有误：{exc}", file=label, row=reader.line_num)) from None
    return head, data, encoding


def _decode_head(head: bytes, label: str) -> tuple[str, str]:
    for encoding in ("utf-8", "gb18030"):
        try:
            # The cut may split a character: decode incrementally, leaving a partial one out.
            return codecs.getincrementaldecoder(encoding)().decode(head, final=False), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(Problem("无法识别文件编码（应为 UTF-8 或 GB18030）", file=label))


def _decode_all(data: bytes, encoding: str, label: str) -> tuple[str, str]:
    """The whole file as text in the encoding its head showed (or GB18030); a byte that fits
    neither is a :class:`DataError` naming the line it is on."""
    first: UnicodeDecodeError | None = None
    for candidate in dict.fromkeys((encoding, "gb18030")):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None
    line = data[: first.start].count(b"\n") + 1
    raise DataError(
        Problem(
            f"第{line}行有无法识别的字节（文件编码应为 UTF-8 或 GB18030，可能是文件在此处损坏或混用了编码）",
            file=label,
        )
    )


def _csv_body(data: bytes, encoding: str, skip: int, width: int, label: str) -> pd.DataFrame:
    """Rows below the header as text columns 0..width-1.

    pyarrow's reader is several times faster on large ledgers; files it rejects (ragged
    rows, a stray quote, bytes that are not valid UTF-8 after the head) are read by
    pandas' parser, which fills short rows and names the line of a broken quote.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                skip_rows=skip, column_names=names, encoding="utf8" if encoding == "utf-8" else encoding
            ),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),  # keep Excel row numbers
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        body = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
        body.columns = list(range(width))
        return body
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        pass
    text, _ = _decode_all(data, encoding, label)
    try:
        return pd.read_csv(
            io.StringIO(text),
            header=None,
            skiprows=skip,
            names=list(range(width)),
            dtype=TEXT_DTYPE,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise DataError(Problem(f"CSV 格式有误（可能有多余的引号或分隔符）：{exc}", file=label)) from None
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=list(range(width)))


def _frame_from_grid(source, contract, label, sheet, grid) -> RawTable:
    head, data, encoding = grid
    index = header_index(contract, dict(source.headers))
    header_idx = _find_header(head, index, source, contract, label, sheet)
    header_cells = head[header_idx] if header_idx < len(head) else []
    names = [str(c) for c in header_cells]
    body = _csv_body(data, encoding, header_idx + 1, len(names), label)
    body.index = body.index + header_idx + 2
    table = _map_columns(source, contract, label, sheet, names, body, index)
    table.title = title_text(head[:header_idx])
    return table


# --- XLSX ----------------------------------------------------------------------------------


# What a ledger sheet may hold. The spreadsheet reader lays every sheet out as a dense grid from
# its first to its last used cell, so one cell at XFD1048576 would ask for 17 billion cells:
# the extent is read from the sheet's XML, without building anything, before the reader runs.
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 6_000_000
MAX_XLSX_XML_BYTES = 1024 * 1024 * 1024
# Every uppercase letter read as A and every digit as 0: in the translated XML a plain substring
# search (fast) finds references of a given shape, e.g. b' r="AA0' (a column past Z).
_SHAPES = bytes.maketrans(bytes(range(65, 91)) + b"0123456789", b"A" * 26 + b"0" * 10)
_REF_PREFIXES = (b' r="', b' r="A', b' r="AA', b' r="AAA')
_ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_ELEMENT = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _chunk_extent(text: bytes, columns: int) -> tuple[int, int]:
    """(row bound, column bound) of the ``r="B7"`` references in ``text``; ``columns`` is the
    widest seen so far.

    Parsing every reference would cost more than the spreadsheet reader itself. The shapes are
    found by substring search in a translated copy: the longest row numbers give a bound
    (five digits: below 100,000), and only when that bound could pass the cell limit are the
    longest ones read (same-length digit strings compare as the numbers do)."""
    shapes = text.translate(_SHAPES)
    for letters in (3, 2):
        if shapes.find(b' r="' + b"A" * letters + b"0") >= 0:
            found = re.findall(rb' r="([A-Z]{%d})[0-9]' % letters, text)
            columns = max(columns, *map(_column_number, set(found)))
            break
    for digits in range(8, 0, -1):
        if shapes.find(b"0" * digits + b'"') < 0:
            continue
        bound = 10**digits - 1
        if bound * columns <= MAX_SHEET_CELLS:
            return bound, columns
        found = re.findall(rb' r="[A-Z]{0,3}([0-9]{%d})"' % digits, text)
        if found:
            return int(max(found)), columns
    return 0, columns


def _sheet_extent(stream: IO[bytes]) -> tuple[int, int]:
    """(row bound, column bound) a worksheet's XML can make the reader lay out, stopping early
    once past the limits.

    Rows and cells normally carry their reference (``r="B7"``); where one does not, the reader
    places it after the one before, so element counts bound the extent instead. The XML is read
    in chunks cut after a ``>``, so no element is split between two chunks.
    """
    rows = row_elements = 0
    columns = 26  # one-letter columns are not told apart: at most Z
    rest = b""
    while True:
        chunk = stream.read(4 * 1024 * 1024)
        text = rest + chunk
        if chunk:
            cut = text.rfind(b">") + 1
            text, rest = text[:cut], text[cut:]
        last_row, columns = _chunk_extent(text, columns)
        row_elements += len(_ROW_ELEMENT.findall(text)) if b"<row>" in text else text.count(b"<row ")
        if b"<c>" in text or b"<c/>" in text:  # cells without a reference: count them all
            columns = max(columns, len(_CELL_ELEMENT.findall(text)))
        rows = max(rows, last_row, row_elements)
        if not chunk or rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
            return rows, columns


def _check_workbook_extent(archive: zipfile.ZipFile, label: str) -> None:
    """Refuse a workbook whose XML would unpack to more than we read, or a sheet whose used
    area is larger than a ledger can be, before the spreadsheet reader allocates it."""
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_XLSX_XML_BYTES:
        raise DataError(
            Problem(
                f"Excel 文件解压后过大（{unpacked // (1024 * 1024)} MB，上限 {MAX_XLSX_XML_BYTES // (1024 * 1024)} MB）",
                file=label,
            )
        )
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as stream:
            rows, columns = _sheet_extent(stream)
        if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS:
            raise DataError(
                Problem(
                    f"工作表（{shown(info.filename.rsplit('/', 1)[-1])}）的使用区域过大：到第{rows}行、第{columns}列"
                    f"（上限 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列、共 {MAX_SHEET_CELLS} 个单元格）；"
                    "请删去表格远处的空白格式或多余内容后另存",
                    file=label,
                )
            )


def _read_xlsx(source: DataSource, contract: TableContract, label: str, data: bytes) -> RawTable:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_workbook_extent(archive, label)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, zlib.error):
        raise DataError(
            Problem(
                "不是有效的 .xlsx 文件（文件内容不是 Excel 工作簿，可能是改了扩展名的文本文件，或文件已损坏）",
                file=label,
            )
        ) from None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, OSError, ValueError) as exc:
        raise DataError(
            Problem(f"无法打开 Excel 文件（文件可能已损坏或不完整）：{exc}", file=label)
        ) from None
    index = header_index(contract, dict(source.headers))
    names = workbook.sheet_names
    if source.sheet is not None:
        if source.sheet not in names:
            hint = difflib.get_close_matches(source.sheet, names, n=1)
            extra = f"，是否应为“{hint[0]}”？" if hint else ""
            raise DataError(
                Problem(f"没有名为“{source.sheet}”的工作表（现有：{'、'.join(names)}）{extra}", file=label)
            )
        candidates = [source.sheet]
    else:
        candidates = list(names)
    chosen = None
    for name in candidates:
        try:
            sheet_obj = workbook.get_sheet_by_name(name)  # parses the whole sheet: once
            rows = sheet_obj.to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise DataError(
                Problem(f"无法读取工作表（文件可能已损坏）：{exc}", file=label, sheet=name)
            ) from None
        head = rows[:HEADER_SEARCH_ROWS]
        if source.sheet is not None or _best_header_row(head, index)[1] >= 2:
            chosen = (name, sheet_obj, rows)
            break
    if chosen is None:
        raise DataError(
            Problem(
                f"在各工作表（{'、'.join(names)}）的前{HEADER_SEARCH_ROWS}行都没有找到{contract.label}的表头"
                f"（如“{contract.columns[1].headers[0]}”“{contract.columns[0].headers[0]}”）",
                file=label,
            )
        )
    sheet, sheet_obj, rows = chosen
    _fill_merged(sheet_obj, rows)
    header_idx = _find_header(rows[:HEADER_SEARCH_ROWS], index, source, contract, label, sheet)
    header_cells = rows[header_idx] if header_idx < len(rows) else []
    width = len(header_cells)
    body_rows = [list(r[:width]) + [""] * (width - len(r)) for r in rows[header_idx + 1 :]]
    body = pd.DataFrame(body_rows, columns=list(range(width)), dtype=object)
    body.index = pd.RangeIndex(header_idx + 2, header_idx + 2 + len(body_rows))
    table = _map_columns(source, contract, label, sheet, [str(c) for c in header_cells], body, index)
    table.title = title_text(rows[:header_idx])
    return table


def _fill_merged(sheet, rows: list[list[Any]]) -> None:
    """Give every cell of a merged area the value of its top-left cell, as a reader sees it."""
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, c1 + 1):
                if c < len(row):
                    row[c] = value


# --- Parquet -------------------------------------------------------------------------------


MAX_PARQUET_ROWS = 5_000_000


def _read_parquet(source: DataSource, contract: TableContract, label: str, data: bytes) -> RawTable:
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(io.BytesIO(data)).metadata
        if metadata.num_rows > MAX_PARQUET_ROWS or metadata.num_columns > MAX_SHEET_COLUMNS:
            raise DataError(
                Problem(
                    f"Parquet 文件过大：{metadata.num_rows}行、{metadata.num_columns}列"
                    f"（上限 {MAX_PARQUET_ROWS} 行、{MAX_SHEET_COLUMNS} 列）",
                    file=label,
                )
            )
        frame = pd.read_parquet(io.BytesIO(data))
    except DataError:
        raise
    except Exception as exc:  # pyarrow raises many types for broken files
        raise DataError(
            Problem(f"无法读取 Parquet 文件（{type(exc).__name__}: {exc}）", file=label)
        ) from None
    names = [str(c) for c in frame.columns]
    frame.columns = list(range(len(names)))
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    index = header_index(contract, dict(source.headers))
    return _map_columns(source, contract, label, None, names, frame, index)


# --- header and rows -----------------------------------------------------------------------


def _best_header_row(head: list[list[Any]], index: dict[str, str]) -> tuple[int, int]:
    best, best_score = 0, 0
    for i, row in enumerate(head):
        score = len({match_header(cell, index) for cell in row} - {None})
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _find_header(head, index, source, contract, label, sheet) -> int:
    if source.header_row is not None:
        return source.header_row - 1
    if not head or all(not any(str(c).strip() for c in row) for row in head):
        raise DataError(Problem("文件是空的，没有表头和数据", file=label, sheet=sheet))
    row, score = _best_header_row(head, index)
    if score < 2:
        raise DataError(
            Problem(
                f"在前{HEADER_SEARCH_ROWS}行没有找到{contract.label}的表头"
                f"（如“{contract.columns[1].headers[0]}”“{contract.columns[0].headers[0]}”）；"
                "可在配置中用 header_row 指明表头所在行，或用 headers 映射表头",
                file=label,
                sheet=sheet,
            )
        )
    return row


def _cell_str(value: object) -> str:
    """Text of one spreadsheet cell: whole floats (Excel's 12.0) without the decimals."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def trimmed_text(cells: pd.Series) -> pd.Series:
    """Cells as trimmed Arrow-backed text; missing cells stay missing.

    Arrow's trim removes Unicode whitespace, full-width spaces and newlines included.
    """
    if cells.dtype == object:
        cells = cells.map(_cell_str, na_action="ignore")
    return cells.astype(TEXT_DTYPE).str.strip()


def _map_columns(source, contract, label, sheet, names, body, index) -> RawTable:
    """The file's columns under canonical names, with the config's constant columns; blank and
    合计 rows set aside. Raises :class:`DataError` when a required column is missing."""
    mapping, headers, unknown, warnings = _match_headers(names, index, label, sheet)
    constants = _constant_columns(source, index, mapping, headers, label, sheet)
    _require_columns(contract, mapping, constants, names, unknown, label, sheet)
    frame = body[[mapping[c] for c in mapping]].copy()
    frame.columns = list(mapping)
    texts = {c: trimmed_text(frame[c]) for c in frame.columns}
    frame, texts, ignored = _set_aside_rows(frame, texts, body, mapping)
    for canonical, value in constants.items():
        texts[canonical] = pd.Series(value, index=frame.index, dtype=TEXT_DTYPE)
        frame = frame.assign(**{canonical: texts[canonical]})
    return RawTable(source, contract, label, sheet, frame, headers, texts, ignored, warnings)


def _match_headers(
    names: list[str], index: dict[str, str], label: str, sheet: str | None
) -> tuple[dict[str, int], dict[str, str], list[str], list[Problem]]:
    """Canonical name → column position and → header as written; headers not recognised; warnings
    for those and for a second column meaning the same as an earlier one."""
    warnings: list[Problem] = []
    mapping: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for pos, header in enumerate(names):
        canonical = match_header(header, index)
        if canonical is None:
            if normalise_header(header) and normalise_header(header) not in SILENT_HEADERS:
                unknown.append(str(header).strip())
            continue
        if canonical in mapping:
            warnings.append(
                Problem(
                    f"与“{headers[canonical]}”列表示同一项内容，已使用前者、忽略此列",
                    file=label,
                    sheet=sheet,
                    column=str(header).strip(),
                    severity="warning",
                )
            )
            continue
        mapping[canonical] = pos
        headers[canonical] = str(header).strip()
    if unknown:
        warnings.append(
            Problem(f"未识别的列，已忽略：{'、'.join(unknown)}", file=label, sheet=sheet, severity="warning")
        )
    return mapping, headers, unknown, warnings


def _constant_columns(
    source: DataSource,
    index: dict[str, str],
    mapping: dict[str, int],
    headers: dict[str, str],
    label: str,
    sheet: str | None,
) -> dict[str, str]:
    """Canonical name → value of the columns the config gives the file (``constants``); a column
    the file has already is refused."""
    constants: dict[str, str] = {}
    for header, value in source.constants.items():
        canonical = match_header(header, index)
        if canonical is None:
            continue  # not a column of the ledger: the config was refused when it was loaded
        if canonical in mapping:
            raise DataError(
                Problem(
                    f"文件已有“{headers[canonical]}”列，配置中 constants 的“{header}”不应再给出",
                    file=label,
                    sheet=sheet,
                )
            )
        constants[canonical] = str(value)
        headers[canonical] = f"{header}（配置中给定）"
    return constants


def _require_columns(contract, mapping, constants, names, unknown, label, sheet) -> None:
    """Raise :class:`DataError` naming every required column the file lacks, with the closest header."""
    missing = [
        c
        for c in contract.columns
        if c.required != "no" and c.name not in mapping and c.name not in constants
    ]
    if not missing:
        return
    problems = []
    found = "、".join(h for h in names if normalise_header(h)) or "（无）"
    for col in missing:
        close = difflib.get_close_matches(
            normalise_header(col.headers[0]), [normalise_header(u) for u in unknown], n=1, cutoff=0.4
        )
        hint = f"；最接近的是“{close[0]}”，可在配置 headers 中映射" if close else ""
        problems.append(
            Problem(
                f"缺少必需的列“{col.headers[0]}”（也可写作：{'、'.join(col.headers[1:] + (col.name,))}）；"
                f"文件中的列为：{found}{hint}",
                file=label,
                sheet=sheet,
            )
        )
    raise DataError(problems)


def _set_aside_rows(
    frame: pd.DataFrame, texts: dict[str, pd.Series], body: pd.DataFrame, mapping: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, pd.Series], list[IgnoredRow]]:
    """The rows without fully blank and 合计 rows, and those rows, as ignored."""
    ignored: list[IgnoredRow] = []
    all_blank = pd.Series(True, index=frame.index)
    for t in texts.values():
        all_blank &= (t.isna() | (t == "")).astype(bool)
    # A row whose first cells say 合计 is a total row, not an organisation. The word may stand in a
    # column report-gen does not read (序号), so the file's first columns are looked at too.
    total = pd.Series(False, index=frame.index)
    candidates = [texts[c] for c in list(frame.columns)[:3]]
    candidates += [trimmed_text(body[c]) for c in list(body.columns)[:3] if c not in mapping.values()]
    for text in candidates:
        maybe = text.str.contains("计", regex=False).fillna(False).astype(bool)
        if maybe.any():
            total[maybe] |= text[maybe].str.replace(_SPACES, "", regex=True).isin(TOTAL_WORDS)
    if not len(frame):
        return frame, texts, ignored
    for row in frame.index[all_blank]:
        ignored.append(IgnoredRow(int(row), "空行"))
    for row in frame.index[total]:
        ignored.append(IgnoredRow(int(row), "合计行"))
    kept = ~all_blank & ~total
    return frame[kept], {c: t[kept] for c, t in texts.items()}, ignored
