"""The chart kinds a config may name (``charts.X.kind``), one drawing function each.

The config schema reads its choices from :data:`CHART_KINDS`, so adding a kind is one entry here
and a kind nobody registered is a config error, never a fallthrough to some other drawing. Every
kind draws from a :class:`ChartData` with a :class:`~report_gen.chart_style.ChartStyle`: greys
that stay apart in print, hatching on every series after the first, the unit over the value axis,
and the values written on the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .chart_style import ChartStyle, grey_level


@dataclass
class Series:
    label: str
    values: list[float | None]
    look: int | None = None
    """Which colour and hatch of the style it takes (default: its place among the series)."""


@dataclass
class ChartData:
    """What one chart shows: groups along one axis, one or more series of values over them."""

    groups: list[str]
    series: list[Series]
    unit: str = ""
    percent: bool = False
    average: tuple[str, float] | None = None
    """A reference line across the bars: its label (全区64.4%) and value."""
    average_previous: float | None = None
    """Last year's value of the average, when the chart compares years (a Word chart draws the
    average across horizontal bars as a bar of its own, one per year)."""
    notes: list[str] = field(default_factory=list)
    looks: list[int] | None = None
    """Which colour and hatch each group takes in a pie or donut (default: its place): by the
    category's place among the column's declared values, so it keeps its colour in every report."""

    def value_text(self, value: float) -> str:
        return f"{value:.1f}" if self.percent else f"{value:g}"


DrawFunction = Callable[[Any, ChartData, ChartStyle], None]


@dataclass(frozen=True)
class ChartKind:
    """A registered kind: how to draw it, and whether its bars may be sorted by size."""

    draw: DrawFunction
    sortable: bool = True
    doc: str = ""


def _fill(style: ChartStyle, i: int) -> dict[str, Any]:
    """Colour, hatch and edge of the ``i``-th series: hatch lines dark on light colours, white on dark."""
    color = style.palette[i % len(style.palette)]
    hatch = style.hatches[i % len(style.hatches)] if style.hatches else ""
    edge = "#FFFFFF" if grey_level(color) < 140 else "#333333"
    return {"color": color, "hatch": hatch or None, "edgecolor": edge, "linewidth": 0.4}


def _unit_label(ax, data: ChartData, style: ChartStyle, horizontal: bool) -> None:
    """单位：家 over the value axis (at its top for columns, at its right end for bars)."""
    if not data.unit:
        return
    text = f"单位：{data.unit}"
    if horizontal:
        ax.annotate(text, xy=(1, 0), xycoords="axes fraction", xytext=(0, -18), textcoords="offset points",
                    ha="right", va="top", fontsize=style.font_size - 1)  # fmt: skip
    else:
        ax.annotate(text, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6), textcoords="offset points",
                    ha="left", va="bottom", fontsize=style.font_size - 1)  # fmt: skip


def _values(series: Series) -> list[float]:
    return [0.0 if v is None or v != v else float(v) for v in series.values]


def _bar_values(ax, data: ChartData, style: ChartStyle, positions, values, base, horizontal: bool,
                fill: dict[str, Any]) -> None:  # fmt: skip
    """Each bar's value: at its end, or inside a stacked segment tall enough to hold it."""
    small = style.font_size - 2
    if base is None:
        # Over the dashed average line, a number stands on white so the line does not cross it.
        backing = (
            {"bbox": {"boxstyle": "square,pad=0.05", "fc": "#FFFFFF", "ec": "none"}} if data.average else {}
        )
        for pos, v in zip(positions, values, strict=True):
            if v:
                if horizontal:
                    ax.text(v, pos, f" {data.value_text(v)}", va="center", fontsize=small, **backing)
                else:
                    ax.text(pos, v, data.value_text(v), ha="center", va="bottom", fontsize=small, **backing)
        return
    top = max(float((base + values).max()), 1.0)
    color = "#FFFFFF" if grey_level(fill["color"]) < 140 else "#000000"
    for pos, v, b in zip(positions, values, base, strict=True):
        if v >= top * 0.08:
            x, y = (b + v / 2, pos) if horizontal else (pos, b + v / 2)
            ax.text(x, y, data.value_text(v), ha="center", va="center", fontsize=small, color=color)


def _group_labels(ax, data: ChartData, style: ChartStyle, positions, horizontal: bool) -> None:
    """The group names along the category axis, as plain text rather than tick objects (each tick
    carries two lines, two labels and a grid line: a third of a chart's drawing time)."""
    from matplotlib.transforms import blended_transform_factory

    if horizontal:
        ax.set_yticks([])
        ax.set_ylim(len(data.groups) - 0.5, -0.5)  # the first group on top
        where = blended_transform_factory(ax.transAxes, ax.transData)
        for pos, name in zip(positions, data.groups, strict=True):
            ax.text(-0.01, pos, name, transform=where, ha="right", va="center", fontsize=style.font_size)
        return
    ax.set_xticks([])
    ax.set_xlim(-0.5, len(data.groups) - 0.5)
    crowded = len(data.groups) > 6
    where = blended_transform_factory(ax.transData, ax.transAxes)
    for pos, name in zip(positions, data.groups, strict=True):
        ax.text(pos, -0.02, name, transform=where, fontsize=style.font_size, rotation=30 if crowded else 0,
                ha="right" if crowded else "center", va="top", rotation_mode="anchor")  # fmt: skip


def _bars(ax, data: ChartData, style: ChartStyle, horizontal: bool, stacked: bool) -> None:
    import numpy as np

    n = len(data.series)
    positions = np.arange(len(data.groups))
    width = 0.7 if stacked or n == 1 else 0.8 / n
    base = np.zeros(len(data.groups))
    small = style.font_size - 2
    for i, series in enumerate(data.series):
        values = np.array(_values(series))
        offset = 0 if stacked else (i - (n - 1) / 2) * width
        fill = _fill(style, i if series.look is None else series.look)
        if horizontal:
            ax.barh(positions + offset, values, height=width, left=base if stacked else None,
                           label=series.label, **fill)  # fmt: skip
        else:
            ax.bar(positions + offset, values, width=width, bottom=base if stacked else None,
                          label=series.label, **fill)  # fmt: skip
        if style.value_labels:  # plain text objects: much cheaper to draw than bar_label's annotations
            _bar_values(
                ax, data, style, positions + offset, values, base if stacked else None, horizontal, fill
            )
        if stacked:
            base = base + values
    if stacked and style.value_labels:
        for pos, total in zip(positions, base, strict=True):
            text = data.value_text(total)
            if horizontal:
                ax.text(total, pos, f" {text}", va="center", fontsize=small, fontweight="bold")
            else:
                ax.text(pos, total, text, ha="center", va="bottom", fontsize=small, fontweight="bold")
    _group_labels(ax, data, style, positions, horizontal)
    if data.average is not None:
        label, value = data.average
        line = ax.axvline if horizontal else ax.axhline
        line(value, color=style.average_color, linestyle="--", linewidth=1, zorder=0.9)  # behind the bars
        if horizontal:
            ax.annotate(label, xy=(value, 1), xycoords=("data", "axes fraction"), xytext=(0, 2),
                        textcoords="offset points", fontsize=small, ha="center", va="bottom")  # fmt: skip
        else:
            ax.annotate(label, xy=(1, value), xycoords=("axes fraction", "data"), xytext=(-2, 2),
                        textcoords="offset points", fontsize=small, ha="right", va="bottom")  # fmt: skip
    if n > 1:
        ax.legend(
            frameon=False,
            fontsize=style.font_size - 1,
            loc="upper right" if not horizontal else "lower right",
        )
    ax.grid(axis="x" if horizontal else "y", color=style.grid_color, linewidth=0.6)
    ax.set_axisbelow(True)
    if data.percent:
        (ax.set_xlim if horizontal else ax.set_ylim)(0, 100 * (1.12 if not horizontal else 1.15))
    else:
        # Room above the tallest bar for its number.
        top = (
            float(base.max())
            if stacked
            else max((max(_values(s), default=0) for s in data.series), default=0)
        )
        (ax.set_xlim if horizontal else ax.set_ylim)(0, max(top, 1) * 1.12)
        if all(float(v).is_integer() for series in data.series for v in _values(series)):
            from matplotlib.ticker import MaxNLocator

            # counts of people or organisations: no 2.5 on the axis
            (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    _unit_label(ax, data, style, horizontal)


def draw_bar(ax, data: ChartData, style: ChartStyle) -> None:
    _bars(ax, data, style, horizontal=False, stacked=False)


def draw_barh(ax, data: ChartData, style: ChartStyle) -> None:
    _bars(ax, data, style, horizontal=True, stacked=False)


def draw_stacked(ax, data: ChartData, style: ChartStyle) -> None:
    _bars(ax, data, style, horizontal=False, stacked=True)


def draw_line(ax, data: ChartData, style: ChartStyle) -> None:
    """Lines told apart in grey by their dash and marker as well as their colour."""
    dashes = ("-", "--", ":", "-.")
    markers = ("o", "s", "^", "D", "v", "x")
    for i, series in enumerate(data.series):
        values = [float("nan") if v is None else float(v) for v in series.values]
        ax.plot(data.groups, values, color=style.palette[i % len(style.palette)], linestyle=dashes[i % 4],
                marker=markers[i % 6], markersize=4, linewidth=1.5, label=series.label)  # fmt: skip
        if style.value_labels:
            for x, v in zip(data.groups, values, strict=True):
                if v == v:
                    ax.annotate(data.value_text(v), (x, v), xytext=(0, 4), textcoords="offset points",
                                ha="center", fontsize=style.font_size - 2)  # fmt: skip
    if len(data.series) > 1:
        ax.legend(frameon=False, fontsize=style.font_size - 1)
    ax.grid(axis="y", color=style.grid_color, linewidth=0.6)
    ax.set_axisbelow(True)
    low = min((v for s in data.series for v in _values(s)), default=0)
    ax.set_ylim(
        min(0, low),
        (100 if data.percent else max(max(_values(s), default=0) for s in data.series)) * 1.12 or 1,
    )
    if len(data.groups) > 6:
        ax.tick_params(axis="x", labelrotation=30)
    _unit_label(ax, data, style, horizontal=False)


def _pie(ax, data: ChartData, style: ChartStyle, hole: float) -> None:
    series = data.series[0]
    pairs = [(g, v) for g, v in zip(data.groups, _values(series), strict=True) if v > 0]
    total = sum(v for _, v in pairs)
    if not pairs:  # nothing to share out: say so rather than draw an empty circle
        ax.text(
            0.5, 0.5, "无数据", ha="center", va="center", fontsize=style.font_size, transform=ax.transAxes
        )
        ax.set_axis_off()
        return
    wedges, texts = ax.pie(
        [v for _, v in pairs],
        labels=[f"{g}\n{v:g}{data.unit}（{v / total * 100:.1f}%）" for g, v in pairs],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 1 - hole} if hole else {},
        textprops={"fontsize": style.font_size - 1},
    )
    looks = [data.looks[data.groups.index(g)] if data.looks else i for i, (g, _) in enumerate(pairs)]
    for wedge, look in zip(wedges, looks, strict=True):
        fill = _fill(style, look)
        wedge.set_facecolor(fill["color"])
        wedge.set_hatch(fill["hatch"])
        wedge.set_edgecolor("#FFFFFF" if not fill["hatch"] else fill["edgecolor"])
        wedge.set_linewidth(0.8)
    _spread_small_labels(ax, wedges, texts)
    if hole:
        ax.text(0, 0, f"合计\n{total:g}{data.unit}", ha="center", va="center", fontsize=style.font_size)
    ax.set_aspect("equal")


def _spread_small_labels(ax, wedges, texts) -> None:
    """Labels of neighbouring slices whose middles are less than 25° apart would print over each
    other: the second of such a pair moves sideways, away from the first, joined to its slice by a
    thin line (sideways, not outwards: above or below the pie there is no room)."""
    import math

    previous = None
    for wedge, text in zip(wedges, texts, strict=True):
        middle = (wedge.theta1 + wedge.theta2) / 2
        if previous is not None and abs(middle - previous[0]) < 25:
            x, y = text.get_position()
            away = 1 if x >= previous[1] else -1
            moved = (x + away * 0.55, y)
            text.set_position(moved)
            text.set_horizontalalignment("left" if away > 0 else "right")
            angle = math.radians(middle)
            ax.plot(
                [math.cos(angle) * 1.0, moved[0] - away * 0.03],
                [math.sin(angle) * 1.0, moved[1]],
                color="#666666",
                linewidth=0.6,
            )
            previous = None  # the next label may sit in its usual place again
            continue
        previous = (middle, text.get_position()[0])


def draw_pie(ax, data: ChartData, style: ChartStyle) -> None:
    _pie(ax, data, style, hole=0)


def draw_donut(ax, data: ChartData, style: ChartStyle) -> None:
    _pie(ax, data, style, hole=0.45)


CHART_KINDS: dict[str, ChartKind] = {
    "bar": ChartKind(draw_bar, doc="columns; several series side by side"),
    "grouped": ChartKind(draw_bar, doc="columns of several series side by side"),
    "barh": ChartKind(draw_barh, doc="horizontal bars, for long group names"),
    "stacked": ChartKind(draw_stacked, doc="columns with the series stacked, totals on top"),
    "line": ChartKind(draw_line, sortable=False, doc="lines over ordered groups (years, months)"),
    "pie": ChartKind(draw_pie, doc="shares of one series"),
    "donut": ChartKind(draw_donut, doc="shares of one series, with the total in the middle"),
}
"""Every chart kind a config may name."""
