"""Draw the config's charts from per-group figures, with Chinese labels.

Without a CJK font every Chinese character would draw as an empty box, so a
missing font is an error that says what to install, never a silent ugly chart.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
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
# zlib level 3 rather than 6: a chart's PNG is encoded in a third of the time for a few per cent
# more bytes (flat colours compress well at any level).
PNG_OPTIONS = {"compress_level": 3}
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


def _style(family: str) -> Any:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # some CJK fonts lack U+2212
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "report-gen",
        "text.parse_math": False,  # a street named $\\sqrt{2}$ is text, not maths to typeset
    }


def _cache_key(spec: Mapping[str, Any], data, labels: Mapping[str, str], family: str) -> str:
    """What a chart's picture depends on: its spec, its numbers and labels, the font, this
    package's and matplotlib's versions. Equal keys draw equal pictures."""
    from importlib import metadata

    from . import __version__

    try:
        mpl = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        mpl = "?"
    content = {
        "spec": dict(spec),
        "groups": [str(g) for g in data.index],
        "values": {str(c): [None if v != v else float(v) for v in data[c].tolist()] for c in data.columns},
        "labels": dict(labels),
        "font": family,
        "size": [WIDTH_MM, HEIGHT_MM, DPI],
        "versions": [__version__, mpl],
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cached(cache_dir: Path | None, key: str) -> bytes | None:
    if cache_dir is None:
        return None
    try:
        return (cache_dir / f"{key}.png").read_bytes()
    except OSError:
        return None


def _store(cache_dir: Path | None, key: str, png: bytes) -> None:
    """Keep a drawn chart under its key; a cache that cannot be written is only a slower next build."""
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(png)
        os.replace(tmp, cache_dir / f"{key}.png")
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def draw_charts(
    chart_specs: Mapping[str, Mapping[str, Any]], figures: FigureSet, cache_dir: Path | None = None
) -> dict[str, ChartImage]:
    """One PNG per chart spec. Returns an empty mapping when there are no charts (no font needed).

    ``cache_dir``: a content-addressed store of drawn charts (file name: the hash of what the
    picture depends on). A chart found there is not drawn again; ``None`` draws every chart.
    """
    images: dict[str, ChartImage] = {}
    if not chart_specs:
        return images
    family = cjk_font_family()  # a missing font is said even when every chart is cached
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
        key = _cache_key(spec, data, labels, family)
        png = _cached(cache_dir, key)
        if png is None:
            png = _draw(family, spec, data, series, labels)
            _store(cache_dir, key, png)
        alt = spec.get("alt") or _alt_text(spec["caption"], data, series, labels)
        images[chart_id] = ChartImage(chart_id, spec["caption"], png, WIDTH_MM, HEIGHT_MM, alt)
    return images


def preload() -> None:
    """Import what drawing needs (a process about to fork workers that will draw)."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _draw(family: str, spec: Mapping[str, Any], data, series: list[str], labels: Mapping[str, str]) -> bytes:
    """The chart as PNG bytes. A bare Figure on the Agg canvas: pyplot (its figure manager and
    backend machinery) is not needed to draw a picture, and is not imported."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_style(family)):
        fig = Figure(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if spec["kind"] == "pie":
            _pie(ax, data[series[0]])
        else:
            _bars(ax, data, series, labels, spec["kind"] == "barh", bool(spec.get("stacked")))
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()


def ranked_bars(
    groups: list[str], values: list[float], reference: float, value_label: str, reference_label: str
) -> bytes:
    """A horizontal bar per group, highest first, with a dashed line at ``reference`` (the city's
    own rate): the city summary's chart."""
    family = cjk_font_family()
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = max(HEIGHT_MM, 8.0 * len(groups) + 20)
    with matplotlib.rc_context(_style(family)):
        fig = Figure(figsize=(WIDTH_MM / 25.4, height / 25.4), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(len(groups)))
        bars = ax.barh(positions, values, height=0.6, color=PALETTE[1], label=value_label)
        ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], fontsize=7, padding=2)
        ax.axvline(reference, color=PALETTE[0], linestyle="--", linewidth=1, label=reference_label)
        ax.set_yticks(positions, [_label(g) for g in groups])
        ax.invert_yaxis()
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()


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
