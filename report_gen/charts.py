"""Draw the config's charts from per-group figures, with Chinese labels.

Without a CJK font every Chinese character would draw as an empty box, so a
missing font is an error that says what to install, never a silent ugly chart.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, EnvironmentProblem, Problem
from .figures import FigureSet
from .zh_numbers import percent_text

# Preference order: the first installed family is used. Linux stand-ins first
# (Debian's fonts-noto-cjk), then what Windows and macOS ship.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
WIDTH_MM = 150.0
HEIGHT_MM = 85.0
DPI = 200
MAX_GROUPS = 40
_CONTROL = re.compile("[\x00-\x1f\x7f]")
PALETTE = ("#B22222", "#3C5A82", "#D9A441", "#6B8E5A", "#8C6D8C", "#7F7F7F")
INSTALL_HINT = (
    "图表需要中文字体，本机未找到（否则中文会显示为方框）。请安装，例如 Debian/Ubuntu："
    "sudo apt-get install fonts-noto-cjk；或在 Windows/macOS 上安装黑体类字体（SimHei、PingFang SC）。"
    f"支持的字体：{'、'.join(CJK_FAMILIES)}"
)


@dataclass(frozen=True)
class ChartImage:
    id: str
    caption: str
    png: bytes
    width_mm: float
    height_mm: float
    alt: str


def cjk_font_family() -> str:
    """The first installed CJK family of :data:`CJK_FAMILIES`; raises :class:`EnvironmentProblem`."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    # A font installed after matplotlib built its cache is invisible until registered.
    for path in font_manager.findSystemFonts():
        if any(key in path for key in ("NotoSansCJK", "NotoSerifCJK", "wqy", "uming", "SourceHan")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise EnvironmentProblem(Problem(INSTALL_HINT))


def draw_charts(chart_specs: Mapping[str, Mapping[str, Any]], figures: FigureSet) -> dict[str, ChartImage]:
    """One PNG per chart spec. Returns an empty mapping when there are no charts (no font needed)."""
    if not chart_specs:
        return {}
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = cjk_font_family()
    style: Any = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # some CJK fonts lack U+2212
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "report-gen",
        "text.parse_math": False,  # a street named $\\sqrt{2}$ is text, not maths to typeset
    }
    images: dict[str, ChartImage] = {}
    with plt.rc_context(style):
        for chart_id, spec in chart_specs.items():
            series = list(spec["series"])
            data = figures.breakdown(spec["by"], series)
            if len(data) > MAX_GROUPS:
                raise ConfigError(
                    Problem(
                        f"按“{spec['by']}”分组有{len(data)}类，一张图最多能清楚画出{MAX_GROUPS}类；"
                        "请改按类别较少的列分组",
                        key=f"charts.{chart_id}.by",
                    )
                )
            data.index = [_label(g) for g in data.index]
            labels = {s: figures[s].column_label for s in series}
            fig, ax = plt.subplots(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4), dpi=DPI)
            if spec["kind"] == "pie":
                _pie(ax, data[series[0]])
            else:
                _bars(ax, data, series, labels, spec["kind"] == "barh", bool(spec.get("stacked")))
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
            plt.close(fig)
            alt = spec.get("alt") or _alt_text(spec["caption"], data, series, labels)
            images[chart_id] = ChartImage(
                chart_id, spec["caption"], buffer.getvalue(), WIDTH_MM, HEIGHT_MM, alt
            )
    return images


def _label(group: object) -> str:
    """A group's name as a chart label: control characters (a vertical tab in a cell) as spaces."""
    return _CONTROL.sub(" ", str(group))


def _bars(ax, data, series, labels, horizontal: bool, stacked: bool) -> None:
    import numpy as np

    groups = [str(g) for g in data.index]
    positions = np.arange(len(groups))
    width = 0.7 if stacked or len(series) == 1 else 0.8 / len(series)
    base = np.zeros(len(groups))
    for i, s in enumerate(series):
        values = data[s].fillna(0).to_numpy(dtype=float)
        offset = 0 if stacked else (i - (len(series) - 1) / 2) * width
        color = PALETTE[i % len(PALETTE)]
        if horizontal:
            bars = ax.barh(
                positions + offset,
                values,
                height=width,
                left=base if stacked else None,
                color=color,
                label=labels[s],
            )
        else:
            bars = ax.bar(
                positions + offset,
                values,
                width=width,
                bottom=base if stacked else None,
                color=color,
                label=labels[s],
            )
        if not stacked:
            ax.bar_label(bars, fmt="%g", fontsize=7, padding=1)
        if stacked:
            base = base + values
    if stacked:
        for pos, total in zip(positions, base, strict=True):
            if horizontal:
                ax.text(total, pos, f" {total:g}", va="center", fontsize=7)
            else:
                ax.text(pos, total, f"{total:g}", ha="center", va="bottom", fontsize=7)
    if horizontal:
        ax.set_yticks(positions, groups)
        ax.invert_yaxis()
    else:
        ax.set_xticks(
            positions,
            groups,
            rotation=30 if len(groups) > 6 else 0,
            ha="right" if len(groups) > 6 else "center",
        )
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8)
    ax.grid(axis="x" if horizontal else "y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)


def _pie(ax, values) -> None:
    values = values.fillna(0)
    values = values[values > 0]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    total = float(values.sum())
    ax.pie(
        values.to_numpy(dtype=float),
        labels=[f"{g}\n{v:g}（{percent_text(v / total * 100)}）" for g, v in values.items()],
        colors=colors,
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
        textprops={"fontsize": 8},
    )
    ax.set_aspect("equal")


def _alt_text(caption: str, data, series, labels) -> str:
    parts = []
    for group, row in data.iterrows():
        values = "，".join(f"{labels[s]}{row[s]:g}" for s in series if row[s] == row[s])
        parts.append(f"{group}：{values}")
    return f"{caption}。" + "；".join(parts)
