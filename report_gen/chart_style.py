"""How every chart looks, in one place, overridable per district under ``style: {charts: …}``.

Reports are printed in black and white as often as in colour, so the palette steps through
clearly different grey levels (a series must not turn into the same grey as its neighbour) and
series after the first are also hatched where colours meet. A district may change any value::

    style:
      charts:
        palette: ["#8B1E1E", "#4A7BB7", "#D9A441", "#CFE3C1"]
        font_size: 9
        value_labels: false
        native: false        # pictures in the Word file instead of Word charts
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Problem

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_HATCH = re.compile(r"[/\\|\-+xXoO.*]{0,6}")
MIN_GREY_STEP = 40
"""Grey levels (0–255) by which any two of the first four colours must differ."""


@dataclass(frozen=True)
class ChartStyle:
    """Sizes in millimetres and points; colours as ``#RRGGBB``; hatches as matplotlib writes them."""

    # Dark red, steel blue, ochre, pale green, then greys: grey levels about 63, 115, 169, 217.
    palette: tuple[str, ...] = ("#8B1E1E", "#4A7BB7", "#D9A441", "#CFE3C1", "#404040", "#9A9A9A")
    hatches: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "++")
    width_mm: float = 150.0
    height_mm: float = 80.0
    dpi: int = 200
    font_size: float = 9.0
    value_labels: bool = True
    average_color: str = "#000000"
    grid_color: str = "#DDDDDD"
    native: bool = True
    """Word output: charts as Word's own charts, drawn by Word or WPS from their numbers and
    editable there (编辑数据); ``false``: as pictures, drawn as the HTML output draws them."""


_LIMITS = {"width_mm": (40, 160), "height_mm": (30, 200), "dpi": (72, 600), "font_size": (5, 20)}


def grey_level(color: str) -> float:
    """The colour's grey on 0–255 when printed in black and white (ITU-R BT.601 luma)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def chart_style(settings: Mapping[str, Any] | None) -> tuple[ChartStyle, list[Problem]]:
    """The default style with the district's ``style.charts`` settings applied, and every problem
    with them (key paths under ``style.charts``); with problems the default stands for that key."""
    fields = {f.name: f for f in dataclasses.fields(ChartStyle)}
    defaults = ChartStyle()
    changes: dict[str, Any] = {}
    problems: list[Problem] = []
    if settings is not None and not isinstance(settings, Mapping):
        return defaults, [Problem("应是图表设置的键值映射", key="style.charts")]
    for key, value in (settings or {}).items():
        where = f"style.charts.{key}"
        if key not in fields:
            hint = difflib.get_close_matches(str(key), fields, n=1)
            extra = f"，是否应为“{hint[0]}”" if hint else ""
            problems.append(Problem(f"没有这一图表设置{extra}（可用：{'、'.join(fields)}）", key=where))
            continue
        default = getattr(defaults, key)
        if key in ("palette", "hatches"):
            pattern = _HEX if key == "palette" else _HATCH
            if (
                not isinstance(value, list)
                or (not value and key == "palette")  # no hatching at all is a choice; no colours is not
                or not all(isinstance(v, str) and pattern.fullmatch(v) for v in value)
            ):
                what = "#RRGGBB 形式的颜色" if key == "palette" else "/// 或 .. 这样的阴影图案"
                problems.append(Problem(f"应是{what}的列表，收到 {value!r}", key=where))
                continue
            value = tuple(value)
        elif key.endswith("_color"):
            if not isinstance(value, str) or not _HEX.fullmatch(value):
                problems.append(Problem(f"应是 #RRGGBB 形式的颜色，收到 {value!r}", key=where))
                continue
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(Problem(f"应是 true 或 false，收到 {value!r}", key=where))
                continue
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(Problem(f"应是数值，收到 {value!r}", key=where))
                continue
            low, high = _LIMITS[key]
            if not low <= value <= high:
                problems.append(Problem(f"{value!r} 超出允许范围 {low}–{high}", key=where))
                continue
            value = type(default)(value)
        changes[key] = value
    style = dataclasses.replace(defaults, **changes)
    return style, problems + palette_problems(style)


def palette_problems(style: ChartStyle) -> list[Problem]:
    """Colours among the first four that print as nearly the same grey (series would blur together
    on a black-and-white copy)."""
    colours = style.palette[:4]
    problems = []
    for i, first in enumerate(colours):
        for second in colours[i + 1 :]:
            step = abs(grey_level(first) - grey_level(second))
            if step < MIN_GREY_STEP:
                problems.append(
                    Problem(
                        f"{first} 与 {second} 黑白打印时灰度几乎相同（{grey_level(first):.0f} 与 "
                        f"{grey_level(second):.0f}，满值255），至少相差 {MIN_GREY_STEP} 才能区分，请换用深浅差别更大的颜色",
                        key="style.charts.palette",
                    )
                )
    return problems
