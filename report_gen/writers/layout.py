"""Layout settings of the Word report: GB/T 9704-2012 by default, each overridable in ``style:``."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..chart_style import chart_style
from ..errors import ConfigError, Problem


@dataclass(frozen=True)
class Layout:
    """Fonts are the names Word or WPS look up on the reader's machine (licensed 公文 fonts)."""

    body_font: str = "仿宋_GB2312"
    latin_font: str = "Times New Roman"
    title_font: str = "方正小标宋简体"
    authority_font: str = "黑体"
    heading_fonts: tuple[str, ...] = ("黑体", "楷体_GB2312", "仿宋_GB2312", "仿宋_GB2312")
    heading_bold: tuple[bool, ...] = (False, False, True, False)
    caption_font: str = "黑体"
    attachment_font: str = "黑体"  # the 附件 label before an appendix
    table_font: str = "仿宋_GB2312"
    page_number_font: str = "宋体"
    body_size_pt: float = 16  # 3号
    title_size_pt: float = 22  # 2号
    authority_size_pt: float = 16
    table_size_pt: float = 10.5  # 五号: eight columns fit a 156 mm text block
    caption_size_pt: float = 14  # 4号
    page_number_size_pt: float = 14  # 4号
    line_pitch_twips: int = 579  # 22 lines on a 225 mm text block
    char_spacing: int = -5  # twentieths of a point: 28 characters a line
    paper_mm: tuple[float, float] = (210, 297)
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    footer_mm: float = 22  # puts the page number about 7 mm below the text block
    title_chars_per_line: int = 20

    @property
    def char_twips(self) -> int:
        """Width of one body character in twips (16 pt -> 320), for indents in characters."""
        return round(self.body_size_pt * 20)

    @property
    def text_width_mm(self) -> float:
        return self.paper_mm[0] - self.margin_left_mm - self.margin_right_mm

    def chinese_fonts(self) -> list[str]:
        """Every font the document names for Chinese text (all but ``latin_font``), once each."""
        names: list[str] = []
        for f in dataclasses.fields(self):
            if f.name.endswith(("_font", "_fonts")) and f.name != "latin_font":
                value = getattr(self, f.name)
                names.extend(value if isinstance(value, tuple) else [value])
        return list(dict.fromkeys(names))


# Values a page can take: a zero line length or a 500 mm margin is a typo, not a layout.
_BOUNDS: dict[str, tuple[float, float]] = {
    "title_chars_per_line": (5, 60),
    "line_pitch_twips": (100, 2000),
    "char_spacing": (-100, 100),
    "paper_mm": (100, 1200),
    "footer_mm": (0, 100),
}
_SIZE_PT = (5, 72)
_MARGIN_MM = (0, 100)
MIN_TEXT_WIDTH_MM = 50
MAX_FONT_NAME = 64


def _bounds(key: str) -> tuple[float, float] | None:
    if key in _BOUNDS:
        return _BOUNDS[key]
    if key.endswith("_size_pt"):
        return _SIZE_PT
    if key.startswith("margin_"):
        return _MARGIN_MM
    return None


def _check_value(key: str, value: Any) -> str | None:
    """Why ``value`` is outside what ``style.key`` may be, or ``None``."""
    values = value if isinstance(value, tuple) else (value,)
    limits = _bounds(key)
    for item in values:
        if isinstance(item, str) and (
            not item.strip() or len(item) > MAX_FONT_NAME or not item.isprintable()
        ):
            return f"expected a font name of 1–{MAX_FONT_NAME} printable characters, got {item[:80]!r}"
        if limits and isinstance(item, (int, float)) and not isinstance(item, bool):
            if not (math.isfinite(item) and limits[0] <= item <= limits[1]):
                return f"{item!r} is outside {limits[0]:g}–{limits[1]:g}"
    return None


def layout_from_config(style: Mapping[str, Any] | None) -> Layout:
    """Defaults overridden by the config's ``style`` mapping; unknown keys and wrong types are errors."""
    fields = {f.name: f for f in dataclasses.fields(Layout)}
    defaults = Layout()
    changes: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in (style or {}).items():
        if key == "charts":  # the charts' own settings (chart_style), checked here with the rest
            problems.extend(chart_style(value)[1])
            continue
        if key not in fields:
            hint = difflib.get_close_matches(key, fields, n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(Problem(f"unknown style setting{extra}", key=f"style.{key}"))
            continue
        default = getattr(defaults, key)
        try:
            if isinstance(default, tuple):
                if not isinstance(value, list) or len(value) != len(default):
                    raise TypeError(f"a list of {len(default)} values")
                value = tuple(type(d)(v) for d, v in zip(default, value, strict=True))
            elif isinstance(default, bool) or isinstance(default, str):
                if not isinstance(value, type(default)):
                    raise TypeError(type(default).__name__)
            elif isinstance(default, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError("a number")
                value = type(default)(value)
        except (TypeError, ValueError, OverflowError) as exc:
            problems.append(Problem(f"expected {exc}, got {value!r}", key=f"style.{key}"))
            continue
        reason = _check_value(key, value)
        if reason:
            problems.append(Problem(reason, key=f"style.{key}"))
            continue
        changes[key] = value
    if problems:
        raise ConfigError(problems)
    layout = dataclasses.replace(defaults, **changes)
    if layout.text_width_mm < MIN_TEXT_WIDTH_MM:
        raise ConfigError(
            Problem(
                f"the margins leave {layout.text_width_mm:g} mm of text width; at least {MIN_TEXT_WIDTH_MM} mm",
                key="style.margin_left_mm",
            )
        )
    return layout


BREAK_AFTER = "的和与及、，"


def text_width_chars(text: str) -> float:
    """Width in body characters: CJK and full-width forms count 1, Latin letters and digits 1/2."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in text)


def balanced_title_lines(title: str, per_line: int) -> list[str]:
    """Break a long title into lines of nearly equal length, preferring a break after 的/和/与."""
    n = math.ceil(len(title) / per_line)
    if n <= 1:
        return [title]
    lines, rest = [], title
    for remaining in range(n, 1, -1):
        ideal = round(len(rest) / remaining)
        best = ideal
        for delta in (0, 1, -1, 2, -2, 3, -3):
            cut = ideal + delta
            if 0 < cut < len(rest) and rest[cut - 1] in BREAK_AFTER and cut <= per_line:
                best = cut
                break
        else:
            best = _cut_between_words(rest, ideal, per_line)
        best = min(best, per_line)
        lines.append(rest[:best])
        rest = rest[best:]
    lines.append(rest)
    return lines


def _cut_between_words(text: str, ideal: int, per_line: int) -> int:
    """Where to break ``text`` when no 的/和/与 lies near the middle: the nearest place that splits
    no quoted or bracketed term (after its closing mark, before its opening one) or comes after
    的/和/与 anywhere on the line; the middle itself only when there is none."""
    depth, cuts = 0, []
    for i, ch in enumerate(text[: per_line + 1]):
        if ch in "“（":
            if depth == 0 and i > 0:
                cuts.append(i)  # before the quote
            depth += 1
        elif ch in "”）":
            depth = max(depth - 1, 0)
            if depth == 0:
                cuts.append(i + 1)  # after it
        elif depth == 0 and ch in BREAK_AFTER:
            cuts.append(i + 1)
    cuts = [c for c in cuts if 0 < c < len(text) and c <= per_line]
    return min(cuts, key=lambda c: abs(c - ideal)) if cuts else ideal


_HEADER_WORDS = re.compile(r"（[^）]*）|[^（]+")
CELL_PAD_CHARS = 1.2  # the cell's left and right margins, in characters of the table font
MIN_TEXT_CHARS = 4.0  # a column of text is never narrower than this


def cell_width_chars(text: str) -> float:
    """Width in characters of the table font: CJK, full-width forms and the quotes and dashes a CJK
    font sets full width count 1; Latin letters and digits 1/2."""
    return sum(1.0 if ord(ch) >= 0x2E80 or 0x2010 <= ord(ch) <= 0x206F else 0.5 for ch in text)


def header_words(header: str) -> list[str]:
    """The pieces a header may break between, never inside: ``非公企业（家）`` → 非公企业 / （家）."""
    return _HEADER_WORDS.findall(header) or [header]


def column_widths(
    header: list[str],
    rows: list[list[str]],
    numeric: list[bool],
    total_chars: float,
    spans: Sequence[int] = (),
) -> list[float]:
    """Column widths in characters of the table font, from the content, summing to ``total_chars``.

    Each column gets at least its longest header word (headers break only between words such as
    非公企业 / （家）) and, for numbers, its longest number (digits never wrap). When everything
    fits on one line the widths are the content's, widened in proportion to fill the text block;
    otherwise the room left after the minimums goes to the columns of text that wrap, in proportion
    to how much they would need. Rows in ``spans`` (one cell across the table) do not count."""
    body = [row for i, row in enumerate(rows) if i not in set(spans)]
    natural, minimum = [], []
    for col, title in enumerate(header):
        cells = [cell_width_chars(row[col]) for row in body if col < len(row)]
        widest_word = max(cell_width_chars(w) for w in header_words(title))
        widest_cell = max(cells, default=0.0)
        natural.append(max(cell_width_chars(title), widest_cell) + CELL_PAD_CHARS)
        floor = widest_cell if numeric[col] else min(widest_cell, MIN_TEXT_CHARS)
        minimum.append(max(widest_word, floor) + CELL_PAD_CHARS)
    if sum(natural) <= total_chars:
        return [w * total_chars / sum(natural) for w in natural]
    if sum(minimum) >= total_chars:
        return [w * total_chars / sum(minimum) for w in minimum]
    room = total_chars - sum(minimum)
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    return [m + room * w / sum(wants) for m, w in zip(minimum, wants, strict=True)]


def header_lines(header: str, width_chars: float) -> list[str]:
    """A header packed into lines of at most ``width_chars`` (the column less its margins), broken
    only between its words (:func:`header_words`): a renderer left to itself fills each line and
    breaks 街道（乡镇） as 街道（乡 / 镇）."""
    lines: list[str] = []
    for word in header_words(header):
        if lines and cell_width_chars(lines[-1] + word) <= width_chars:
            lines[-1] += word
        else:
            lines.append(word)
    return lines
