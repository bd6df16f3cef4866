"""Draw the config's charts from per-group figures, with Chinese labels.

Without a CJK font every Chinese character would draw as an empty box, so a
missing font is an error that says what to install, never a silent ugly chart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .chart_kinds import CHART_KINDS, ChartData, Series
from .chart_style import ChartStyle, chart_style
from .errors import ConfigError, EnvironmentProblem, Problem
from .figures import FigureSet
from .zh_numbers import percent_text, round_half_up

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
MAX_GROUPS = 40
TALLEST_MM = 200.0
"""The tallest chart: the 225 mm type area of an A4 page in the official layout, less its caption
and the space around it, so a chart and its caption always share a page."""
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# How PNGs are written (part of the chart cache's key: a change of encoding draws charts afresh).
PNG_ENCODING = "pillow, 256 colours by octree, palette snapped to the style's colours"
INSTALL_HINT = (
    "图表需要中文字体，本机未找到（否则中文会显示为方框）。请安装，例如 Debian/Ubuntu："
    "sudo apt-get install fonts-noto-cjk；或在 Windows/macOS 上安装黑体类字体（SimHei、PingFang SC）。"
    f"支持的字体：{'、'.join(CJK_FAMILIES)}"
)


@dataclass
class ChartImage:
    """One chart of a report: what it shows (``kind``, ``data``) in the district's ``style``.

    The Word writer writes it as a Word chart from the data; the picture (``png``) is drawn only
    when a writer asks for one (HTML, Markdown, a Word template, ``style.charts.native: false``),
    and kept in ``cache_dir`` by content. A blank chart (composing without drawing) has no data.
    """

    id: str
    caption: str
    kind: str
    data: ChartData | None
    style: ChartStyle
    alt: str
    cache_dir: Path | None = None
    whole: str = ""
    _png: bytes | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def width_mm(self) -> float:
        return self.style.width_mm

    @property
    def height_mm(self) -> float:
        return self.style.height_mm

    @property
    def native(self) -> bool:
        """Written as a Word chart (the style's ``native``), not as a picture."""
        return self.data is not None and self.style.native

    @property
    def png(self) -> bytes:
        """The chart as a PNG, drawn on first use (a missing CJK font is an error then)."""
        if self._png is None:
            self._png = (
                b"" if self.data is None else _picture(self.kind, self.data, self.style, self.cache_dir)
            )
        return self._png


def _sized(style: ChartStyle, kind: str, data: ChartData) -> ChartStyle:
    """Horizontal bars take the height their rows need (about 2.5 mm a bar, a little air between
    groups, and room for the axis), never less than the style's height nor more than
    :data:`TALLEST_MM` (a page's type area less the caption below the chart)."""
    if kind != "barh":
        return style
    rows = len(data.groups) + (1 if data.average is not None else 0)
    needed = rows * (2.0 + 2.5 * len(data.series)) + 25
    return dataclasses.replace(style, height_mm=min(max(style.height_mm, needed), TALLEST_MM))


def _picture(kind: str, data: ChartData, style: ChartStyle, cache_dir: Path | None) -> bytes:
    family = cjk_font_family()
    key = _cache_key(kind, data, style, family)
    png = _cached(cache_dir, key)
    if png is None:
        png = draw_png(kind, data, style, family)
        _store(cache_dir, key, png)
    return png


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


def draw_charts(
    chart_specs: Mapping[str, Mapping[str, Any]],
    figures: FigureSet,
    style_settings: Mapping[str, Any] | None = None,
    whole: str = "全区",
    cache_dir: Path | None = None,
) -> dict[str, ChartImage]:
    """One chart per chart spec, of its registered kind (:data:`~report_gen.chart_kinds.CHART_KINDS`)
    in the district's chart style (``style.charts``). ``whole`` names the district on an average
    line (全区). A chart comparing years (``years: true``) without last year's ledger shows this
    year only.

    Nothing is drawn here: a Word chart is written from the data, and a picture is drawn when a
    writer first asks for it (:attr:`ChartImage.png`), kept in ``cache_dir`` (a content-addressed
    store; file name: the hash of what the picture depends on) so an unchanged chart is read back,
    not drawn again (``None``: no store). The same data gives byte-identical PNGs: no timestamp or
    software version is written."""
    if not chart_specs:
        return {}
    style, problems = chart_style(style_settings)
    if problems:
        raise ConfigError(problems)
    images: dict[str, ChartImage] = {}
    for chart_id, spec in chart_specs.items():
        kind_name = "stacked" if spec["kind"] == "bar" and spec.get("stacked") else spec["kind"]
        kind = CHART_KINDS.get(kind_name)
        if kind is None:  # the schema's choices come from the registry; this is a second line
            raise ConfigError(Problem(f"没有名为“{kind_name}”的图表类型", key=f"charts.{chart_id}.kind"))
        data = chart_data(chart_id, spec, figures, whole, kind.sortable)
        alt = spec.get("alt") or _alt_text(spec["caption"], data)
        own = _sized(style, kind_name, data)
        images[chart_id] = ChartImage(chart_id, spec["caption"], kind_name, data, own, alt, cache_dir, whole)
    return images


def draw_png(kind_name: str, data: ChartData, style: ChartStyle, family: str | None = None) -> bytes:
    """One chart as PNG bytes, drawn by the registered kind on the process's figure of that size
    (:func:`_figure`): pyplot (its figure manager and backend machinery) is not needed to draw a
    picture."""
    import matplotlib

    family = family or cjk_font_family()
    rc: Any = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # some CJK fonts lack U+2212
        "font.size": style.font_size,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.linewidth": 0.6,
        "svg.hashsalt": "report-gen",
        "text.parse_math": False,  # a street named $\\sqrt{2}$ is text, not maths to typeset
    }
    # matplotlib's settings are global and the figures are shared: one drawing at a time, should a
    # server draw in several threads.
    with _DRAWING, matplotlib.rc_context(rc):
        fig = _figure(style, family)
        try:
            ax = fig.add_axes(_plot_area(data, kind_name, style))
            CHART_KINDS[kind_name].draw(ax, data, style)
            return _png(fig, style.dpi, (*style.palette, style.grid_color, style.average_color))
        finally:
            fig.clear()


def _cache_key(kind: str, data: ChartData, style: ChartStyle, family: str) -> str:
    """What a chart's picture depends on: its kind, its groups, values and labels, the style, the
    font, this package's and matplotlib's versions. Equal keys draw equal pictures."""
    from importlib import metadata

    from . import __version__

    try:
        mpl = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        mpl = "?"
    content = {
        "kind": kind,
        "data": dataclasses.asdict(data),
        "style": dataclasses.asdict(style),
        "font": family,
        "versions": [__version__, mpl, PNG_ENCODING, _drawing_code_digest()],
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def _drawing_code_digest() -> str:
    """The drawing code itself, so a changed drawing (an edited or patched install whose version
    number did not move) never serves a picture drawn by the old one."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("charts.py", "chart_kinds.py", "chart_style.py"):
        with contextlib.suppress(OSError):
            h.update((here / name).read_bytes())
    return h.hexdigest()


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
    tmp = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(png)
        os.replace(tmp, cache_dir / f"{key}.png")
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def ranked_bars(
    groups: list[str],
    values: list[float],
    reference: float,
    value_label: str,
    reference_label: str,
    whole: str,
    cache_dir: Path | None = None,
) -> ChartImage:
    """A horizontal bar per group in the given order, with the city's own rate (``reference``,
    labelled ``reference_label``; ``whole`` names the city on a bar of its own in a Word chart):
    the city summary's chart, in the default chart style, taller with more groups. Its picture is
    kept in ``cache_dir`` by content, as :func:`draw_charts` keeps a report's charts."""
    style = ChartStyle()
    height = max(style.height_mm, 8.0 * len(groups) + 20)
    style = dataclasses.replace(style, height_mm=min(height, TALLEST_MM))

    data = ChartData(
        groups=[_label(g) for g in groups],
        series=[Series(value_label, [_as_printed(v, percent=True) for v in values])],
        unit="%",
        percent=True,
        average=(reference_label, float(_as_printed(reference, percent=True) or 0.0)),
    )
    return ChartImage("ranking", "", "barh", data, style, "", cache_dir, whole)


_FIGURES: dict[tuple[float, float, int, str], Any] = {}
_DRAWING = threading.Lock()


def _figure(style: ChartStyle, family: str) -> Any:
    """An empty figure of the style's size, made once per process and cleared after each chart:
    its renderer, and with it matplotlib's cache of text sizes, serves every chart (a new figure
    would measure every label afresh). One per font family too, as those sizes are the family's.
    Made directly, not through pyplot: no window manager to register with or close."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    key = (style.width_mm, style.height_mm, style.dpi, family)
    fig = _FIGURES.get(key)
    if fig is None:
        fig = Figure(figsize=(style.width_mm / 25.4, style.height_mm / 25.4), dpi=style.dpi)
        FigureCanvasAgg(fig)
        _FIGURES[key] = fig
    return fig


def _png(fig: Any, dpi: int, colours: Sequence[str] = ()) -> bytes:
    """The drawn figure as a PNG of at most 256 colours: a chart has a handful of flat colours and
    their antialiased edges, so this looks the same as full colour at a third of the size and
    is quicker to write. Nothing but the pixels and the resolution is stored (no date, no
    software version), so the same chart is the same bytes."""
    import numpy as np
    from PIL import Image

    known = [(255, 255, 255), (0, 0, 0)] + [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours]
    canvas = fig.canvas
    canvas.draw()
    width, height = canvas.get_width_height(physical=True)
    rgb = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    image = rgb.quantize(256, method=Image.Quantize.FASTOCTREE)
    # The fast quantizer lands a shade off the colours it keeps (white as 254): put the chart's own
    # colours back exactly, so paper stays white and a series keeps its grey.
    entries = np.array(image.getpalette() or [], dtype=np.int16).reshape(-1, 3)
    targets = np.array(known, dtype=np.int16)
    distance = np.abs(entries[:, None, :] - targets[None, :, :]).max(axis=2)  # entry × known colour
    nearest = distance.argmin(axis=1)
    close = distance[np.arange(len(entries)), nearest] <= 4
    entries[close] = targets[nearest[close]]
    image.putpalette(entries.astype(np.uint8).tobytes())
    buffer = io.BytesIO()
    image.save(buffer, format="png", dpi=(dpi, dpi))
    return buffer.getvalue()


def chart_data(
    chart_id: str, spec: Mapping[str, Any], figures: FigureSet, whole: str, sortable: bool = True
) -> ChartData:
    """The groups and series one chart shows, from per-group figures: sorted by size unless the
    config says ``sort: none`` (or the kind's order carries meaning, as a line's does); with
    ``years: true`` last year and this year of the first series side by side; with
    ``average: true`` the district's own value as a reference line."""
    series_ids = list(spec["series"])
    frame = figures.breakdown(spec["by"], series_ids)
    if len(frame) > MAX_GROUPS:
        raise ConfigError(
            Problem(
                f"按“{spec['by']}”分组有{len(frame)}类，一张图最多能清楚画出{MAX_GROUPS}类；"
                "请改按类别较少的列分组",
                key=f"charts.{chart_id}.by",
            )
        )
    first = figures[series_ids[0]]
    columns: dict[str, Any] = {figures[s].column_label: frame[s] for s in series_ids}
    if spec.get("years"):
        previous = figures.previous_breakdown(spec["by"], series_ids[:1])
        year = figures.engine.year
        columns = {}
        if previous is not None:
            columns[f"{year - 1}年"] = previous[series_ids[0]].reindex(frame.index)
        columns[f"{year}年"] = frame[series_ids[0]]
    table = pd.DataFrame(columns, index=frame.index)
    declared = _declared_values(figures, spec["by"])
    shares = spec["kind"] in ("pie", "donut")
    order = spec.get("sort", "none" if (shares and declared) or not sortable else "desc")
    if order != "none":
        totals = table.iloc[:, -1] if spec.get("years") else table.sum(axis=1, min_count=1)
        table = table.loc[totals.fillna(-1).sort_values(ascending=order == "asc", kind="stable").index]
    elif declared:  # the categories in their own order (学历 from 研究生 down)
        rank = {value: i for i, value in enumerate(declared)}
        table = table.loc[sorted(table.index, key=lambda g: (rank.get(str(g), len(rank)), str(g)))]
    looks = None
    if shares and declared:
        # A category keeps its colour from one district's report to the next.
        known = {value: i for i, value in enumerate(declared)}
        looks = [known.get(str(g), len(known) + i) for i, g in enumerate(table.index)]
    percent = first.format == "percent"
    average = None
    average_previous = None
    if spec.get("average") and first.value is not None:
        average = (
            f"{whole}{percent_text(first.value) if percent else format(first.value, 'g')}",
            float(first.value),
        )
        if spec.get("years") and first.previous is not None and len(table.columns) > 1:
            average_previous = float(first.previous)

    if average is not None:
        average = (average[0], float(_as_printed(average[1], percent) or 0.0))
        average_previous = _as_printed(average_previous, percent)
    return ChartData(
        groups=[_label(g) for g in table.index],
        series=[
            Series(
                str(c),
                [_as_printed(v, percent) for v in table[c]],
                # Last year light and dotted behind this year's dark bars.
                look=(2 if i == 0 and len(table.columns) > 1 else 0) if spec.get("years") else None,
            )
            for i, c in enumerate(table.columns)
        ],
        unit="%" if percent else first.unit,
        percent=percent,
        average=average,
        average_previous=average_previous,
        looks=looks,
    )


def _as_printed(value: Any, percent: bool) -> float | None:
    """A value as the report prints it (rates to one decimal, half up), so a chart's labels and the
    numbers a Word chart carries are the text's; ``None`` for a missing one."""
    if value is None or value != value:
        return None
    return float(round_half_up(value, 1)) if percent else float(value)


def _declared_values(figures: FigureSet, column: str) -> list[str]:
    """The values a ledger declares for an enum column, in the order declared (``ledgers.X.columns
    .Y.values``); empty for other columns."""
    for contract in (figures.engine.config.ledgers or {}).values():
        for declared in contract.columns:
            if declared.name == column and declared.choices:
                return list(dict.fromkeys(declared.choices.values()))
    return []


def _plot_area(data: ChartData, kind: str, style: ChartStyle) -> tuple[float, float, float, float]:
    """Axes position [left, bottom, width, height] as figure fractions, from the label sizes: a
    fixed layout instead of matplotlib's tight_layout, which draws every chart twice."""
    width_in, height_in = style.width_mm / 25.4, style.height_mm / 25.4
    if kind in ("pie", "donut"):
        return (0.18, 0.06, 0.64, 0.88)
    char_in = style.font_size / 72
    longest = max((text_width(g) for g in data.groups), default=2) * char_in
    top = 0.34 / height_in
    if kind == "barh":
        left = min((longest + 0.2) / width_in, 0.45)  # very long names wrap the plot no narrower
        bottom = 0.45 / height_in
        return (left, bottom, 1 - left - 0.04, 1 - bottom - top)
    crowded = len(data.groups) > 6
    label_height = (longest * 0.5 + char_in * 0.87) if crowded else char_in * 1.2
    bottom = min((label_height + 0.15) / height_in, 0.5)
    left = 0.5 / width_in
    return (left, bottom, 1 - left - 0.02, 1 - bottom - top)


def text_width(text: str) -> float:
    """Width in characters: CJK full, Latin half."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text)


def _label(group: object) -> str:
    """A group's name as a chart label: control characters (a vertical tab in a cell) as spaces."""
    return _CONTROL.sub(" ", str(group))


def _alt_text(caption: str, data: ChartData) -> str:
    parts = []
    for i, group in enumerate(data.groups):
        values = "，".join(
            f"{s.label}{data.value_text(v)}{data.unit}" for s in data.series if (v := s.values[i]) is not None
        )
        parts.append(f"{group}：{values}")
    text = f"{caption}。" + "；".join(parts)
    if data.average is not None:
        text += f"。{data.average[0]}"
    return text
