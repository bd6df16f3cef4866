"""Charts as Word's own charts (DrawingML ``c:chartSpace`` parts), not pictures of charts.

Word, WPS and LibreOffice draw them when the document is opened, so building a report draws
nothing: no plotting library to import, no pixels to render and encode (three pictures took as
long as the rest of a district's report). The reader gets a chart whose text is text, sharp at
any zoom and in print, and which the office can restyle or correct in Word: each chart carries
its numbers as an embedded worksheet (Word's 编辑数据).

The look follows :class:`~report_gen.chart_style.ChartStyle` as the pictures do: the palette's
greys, hatching (DrawingML pattern fills) on every series after the first, the unit over the
value axis, values written on the bars. Two things are drawn differently because a Word chart
cannot draw them as a picture does: the district's average across horizontal bars is a bar of
its own (全区, in the average colour, on top) rather than a dashed line, and the total of a
stacked column is written above it by an unlined series whose only mark is its label.

python-docx has no charts and python-pptx's chart writer is a presentation library whose import
alone costs what drawing the charts did, so the XML is written here, element order as the
schema (ECMA-376 Part 1, §21.2) requires it: Word refuses a chart whose children are out of
order.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from ..chart_kinds import ChartData, Series
from ..chart_style import ChartStyle, grey_level
from ..zh_numbers import round_half_up
from .ooxml import xml_text

CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
WORKBOOK_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_C = CHART_URI
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CAT_AX, _VAL_AX = 500100, 500200
SHEET = "Sheet1"

# matplotlib's hatch characters as DrawingML preset patterns (by the hatch's first character).
_PATTERNS = {
    "/": "wdUpDiag",
    "\\": "wdDnDiag",
    "x": "diagCross",
    "X": "diagCross",
    "+": "cross",
    ".": "pct20",
    "*": "smConfetti",
    "o": "dotDmnd",
    "O": "dotDmnd",
    "|": "ltVert",
    "-": "ltHorz",
}
_DASHES = ("solid", "dash", "sysDot", "dashDot")
_MARKERS = ("circle", "square", "triangle", "diamond", "x", "star")


@dataclass(frozen=True)
class Fonts:
    """The typefaces chart text is set in: Chinese (``a:ea``) and Latin letters and digits."""

    east_asia: str = "黑体"
    latin: str = "Times New Roman"


def native_chart(
    kind: str, data: ChartData, style: ChartStyle, fonts: Fonts, whole: str = ""
) -> tuple[bytes, bytes]:
    """The ``c:chartSpace`` XML of one chart and its embedded workbook. ``kind`` is a registered
    chart kind; ``whole`` names the district (全区) on the bar that stands for it when a horizontal
    bar chart has an average."""
    plot = _Plot(kind, data, style, fonts, whole)
    space = _chart_space(plot, style, fonts)
    totals = plot.totals() if kind == "stacked" and style.value_labels else None
    return space, workbook(plot.groups, plot.series, totals)


def _chart_space(plot: _Plot, style: ChartStyle, fonts: Fonts) -> bytes:
    body = plot.xml()
    legend = plot.legend()
    text = _txpr(style.font_size, fonts)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
        f'<c:chart><c:autoTitleDeleted val="1"/>{body}{legend}'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f"<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{text}"
        '<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData>'
        "</c:chartSpace>"
    ).encode()


def workbook(groups: Sequence[str], series: Sequence[Series], totals: Sequence[float] | None = None) -> bytes:
    """The chart's numbers as a one-sheet .xlsx (A: the groups, then one column per series, names
    in row 1; with ``totals``, a 合计 column that sums the series' columns), which Word opens for
    编辑数据. Entries are dated 1980-01-01 so equal data gives equal bytes."""
    names = [s.label for s in series] + (["合计"] if totals is not None else [])
    rows = ['<row r="1">' + "".join(_cell(f"{_column(i + 1)}1", n) for i, n in enumerate(names)) + "</row>"]
    for r, group in enumerate(groups, start=2):
        cells = [_cell(f"A{r}", group)]
        for i, s in enumerate(series):
            value = s.values[r - 2]
            if value is not None and value == value:
                cells.append(f'<c r="{_column(i + 1)}{r}"><v>{_number(value)}</v></c>')
        if totals is not None:
            span = f"{_column(1)}{r}:{_column(len(series))}{r}"
            cells.append(
                f'<c r="{_column(len(series) + 1)}{r}"><f>SUM({span})</f><v>{_number(totals[r - 2])}</v></c>'
            )
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    package = "http://schemas.openxmlformats.org/package/2006"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": (
            f'<Types xmlns="{package}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets>'
            f'<sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(rows)}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
    return out.getvalue()


def inline_xml(rel_id: str, shape_id: int, width_emu: int, height_emu: int, alt: str) -> str:
    """The ``wp:inline`` that places a chart part in a run, with its alternative text."""
    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    return (
        f'<wp:inline xmlns:wp="{wp}" xmlns:a="{_A}" xmlns:c="{_C}" xmlns:r="{_R}" '
        'distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{width_emu}" cy="{height_emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{shape_id}" name="图表 {shape_id}" descr={quoteattr(xml_text(alt))}/>'
        "<wp:cNvGraphicFramePr/>"
        f'<a:graphic><a:graphicData uri="{CHART_URI}"><c:chart r:id="{rel_id}"/></a:graphicData></a:graphic>'
        "</wp:inline>"
    )


# -- the plot ---------------------------------------------------------------------------------


class _Plot:
    """One chart's plot area: the chart groups (bars, lines, slices) and their axes."""

    def __init__(self, kind: str, data: ChartData, style: ChartStyle, fonts: Fonts, whole: str):
        self.kind, self.style, self.fonts = kind, style, fonts
        self.horizontal = kind == "barh"
        groups, series = list(data.groups), [Series(s.label, list(s.values), s.look) for s in data.series]
        self.whole_bar: int | None = None
        if self.horizontal and data.average is not None:
            # The district as a bar of its own, first (on top): this year's value in the last
            # series, last year's in the one before when the chart compares years.
            groups.insert(0, whole or data.average[0])
            for i, s in enumerate(series):
                s.values.insert(0, data.average[1] if i == len(series) - 1 else data.average_previous)
            self.whole_bar = 0
        self.data = data
        self.groups = [xml_text(g) for g in groups]
        self.series = series
        self.legend_hidden: list[int] = []

    # .. whole plot

    def xml(self) -> str:
        kind = self.kind
        if kind in ("pie", "donut"):
            return f"<c:plotArea><c:layout/>{self._pie(kind == 'donut')}{_NO_LINE}</c:plotArea>"
        charts = self._line_chart() if kind == "line" else self._bar_chart()
        return f"<c:plotArea><c:layout/>{charts}{self._cat_axis()}{self._val_axis()}{_NO_LINE}</c:plotArea>"

    def legend(self) -> str:
        shown = len(self.series) > 1 or self.kind == "donut"
        if not shown:
            return ""
        entries = "".join(
            f'<c:legendEntry><c:idx val="{i}"/><c:delete val="1"/></c:legendEntry>'
            for i in self.legend_hidden
        )
        position = "b" if self.kind == "donut" else "t"
        return (
            f'<c:legend><c:legendPos val="{position}"/>{entries}<c:overlay val="0"/>'
            f"{_txpr(self.style.font_size - 1, self.fonts)}</c:legend>"
        )

    # .. bars

    def _bar_chart(self) -> str:
        kind, style = self.kind, self.style
        stacked = kind == "stacked"
        n = len(self.series)
        parts = [
            f'<c:barChart><c:barDir val="{"bar" if self.horizontal else "col"}"/>'
            f'<c:grouping val="{"stacked" if stacked else "clustered"}"/><c:varyColors val="0"/>'
        ]
        totals = self.totals()
        top = max(totals or [0.0]) if stacked else 0.0
        for i, s in enumerate(self.series):
            look = i if s.look is None else s.look
            points = ""
            if self.whole_bar is not None:
                # the district's own bar: its series' colour, outlined in the average colour
                points = (
                    f'<c:dPt><c:idx val="{self.whole_bar}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
                    f"{_series_fill(style, look, outline=style.average_color)}</c:dPt>"
                )
            hidden = [j for j, v in enumerate(s.values) if v is None or v != v]
            colour = style.palette[look % len(style.palette)]
            backing = None
            if stacked:  # a segment too small to hold its number goes without
                hidden = [j for j, v in enumerate(_values(s)) if v < top * 0.06 or v == 0]
                backing = colour if _hatch(style, look) else None  # a number on hatching stands on its colour
            label_colour = "FFFFFF" if stacked and grey_level(colour) < 140 else "000000"
            labels = (
                self._labels(hidden, "ctr" if stacked else "outEnd", colour=label_colour, backing=backing)
                if style.value_labels
                else ""
            )
            parts.append(
                f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{self._name(i)}{_series_fill(style, look)}'
                f'<c:invertIfNegative val="0"/>{points}{labels}{self._categories()}{self._numbers(i, s)}</c:ser>'
            )
        gap = 60 if stacked or n == 1 else 30
        overlap = '<c:overlap val="100"/>' if stacked else ""
        parts.append(f'<c:gapWidth val="{gap}"/>{overlap}{_axis_ids()}</c:barChart>')
        overlays = []
        if stacked and style.value_labels:
            overlays.append(self._total_line(totals))
        if self.data.average is not None and not self.horizontal:
            overlays.append(self._average_line())
        if overlays:
            parts.append(
                '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
                f'{"".join(overlays)}<c:marker val="1"/>{_axis_ids()}</c:lineChart>'
            )
        return "".join(parts)

    def totals(self) -> list[float]:
        """Each group's sum over the series (a stacked column's height)."""
        totals = [0.0] * len(self.groups)
        for s in self.series:
            for j, v in enumerate(_values(s)):
                totals[j] += v
        return totals

    def _total_line(self, totals: list[float]) -> str:
        """The stacked columns' totals, written above them: a series with no line and no marker,
        whose numbers are the worksheet's 合计 column (a sum of the others, so a number corrected
        in 编辑数据 moves its total too)."""
        i = len(self.series) + len(self.legend_hidden)
        self.legend_hidden.append(i)
        hidden = [j for j, v in enumerate(totals) if not v]
        total = Series("合计", list(totals))
        return (
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{self._name_ref(i, "合计")}'
            '<c:spPr><a:ln><a:noFill/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>'
            f"{self._labels(hidden, 't', bold=True)}{self._categories()}{self._numbers(i, total)}"
            '<c:smooth val="0"/></c:ser>'
        )

    def _average_line(self) -> str:
        """The district's value as a dashed line across the columns, named at its right end."""
        assert self.data.average is not None
        label, value = self.data.average
        i = len(self.series) + len(self.legend_hidden)
        self.legend_hidden.append(i)
        last = len(self.groups) - 1
        size = self.style.font_size - 1
        colour = self.style.average_color[1:].upper()
        name_label = (
            f'<c:dLbls><c:dLbl><c:idx val="{last}"/>{_NO_FILL}{_txpr(size, self.fonts)}'
            '<c:dLblPos val="t"/><c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/>'
            '<c:showSerName val="1"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbl>'
            '<c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            '<c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
        )
        line = Series(label, [value] * len(self.groups))
        return (
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{self._literal_name(label)}'
            f'<c:spPr><a:ln w="12700"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
            '<a:prstDash val="dash"/></a:ln></c:spPr><c:marker><c:symbol val="none"/></c:marker>'
            f"{name_label}{self._categories()}{self._numbers(i, line, in_sheet=False)}"
            '<c:smooth val="0"/></c:ser>'
        )

    # .. lines

    def _line_chart(self) -> str:
        style = self.style
        parts = ['<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>']
        for i, s in enumerate(self.series):
            colour = style.palette[i % len(style.palette)][1:].upper()
            hidden = [j for j, v in enumerate(s.values) if v is None or v != v]
            labels = self._labels(hidden, "t") if style.value_labels else ""
            parts.append(
                f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>{self._name(i)}'
                f'<c:spPr><a:ln w="19050" cap="rnd"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
                f'<a:prstDash val="{_DASHES[i % len(_DASHES)]}"/><a:round/></a:ln></c:spPr>'
                f'<c:marker><c:symbol val="{_MARKERS[i % len(_MARKERS)]}"/><c:size val="5"/>'
                f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
                f'<a:ln w="6350"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></a:ln></c:spPr></c:marker>'
                f'{labels}{self._categories()}{self._numbers(i, s)}<c:smooth val="0"/></c:ser>'
            )
        parts.append(f'<c:marker val="1"/>{_axis_ids()}</c:lineChart>')
        return "".join(parts)

    # .. slices

    def _pie(self, hole: bool) -> str:
        """Slices in the style's colours by each category's own look (:attr:`ChartData.looks`),
        white between them. A pie names each slice outside it (名称, count and share); a ring
        carries only the share, in white on a dark slice, and the legend below names them.
        Shares are this report's own (half up, one decimal), written as the label's text."""
        style = self.style
        s = self.series[0]
        looks = self.data.looks or list(range(len(self.groups)))
        values = _values(s)
        total = sum(v for v in values if v > 0)
        size = style.font_size - 1
        points, own = [], []
        for j, group in enumerate(self.groups):
            colour = style.palette[looks[j] % len(style.palette)]
            points.append(
                f'<c:dPt><c:idx val="{j}"/><c:bubble3D val="0"/>'
                f"{_shape_fill(colour, _hatch(style, looks[j]), edge='FFFFFF')}</c:dPt>"
            )
            if values[j] <= 0 or not total:
                own.append(f'<c:dLbl><c:idx val="{j}"/><c:delete val="1"/></c:dLbl>')
                continue
            share = f"{round_half_up(values[j] / total * 100, 1)}%"
            lines = [share] if hole else [group, f"{_number(values[j])}{self.data.unit}（{share}）"]
            ink = "FFFFFF" if hole and grey_level(colour) < 140 else "000000"
            paragraphs = "".join(
                f"<a:p><a:pPr>{_run_props(size, self.fonts, tag='a:defRPr', colour=ink)}</a:pPr>"
                f"<a:r>{_run_props(size, self.fonts, colour=ink)}<a:t>{escape(xml_text(line))}</a:t></a:r></a:p>"
                for line in lines
            )
            own.append(
                f'<c:dLbl><c:idx val="{j}"/><c:tx><c:rich><a:bodyPr/><a:lstStyle/>{paragraphs}</c:rich></c:tx>'
                f"{_NO_FILL}" + ("" if hole else '<c:dLblPos val="outEnd"/>') + _PIE_FLAGS + "</c:dLbl>"
            )
        labels = (
            f"<c:dLbls>{''.join(own)}{_NO_FILL}{_txpr(size, self.fonts)}"
            + ("" if hole else '<c:dLblPos val="outEnd"/>')
            + _PIE_FLAGS
            + ("" if hole else '<c:showLeaderLines val="1"/>')
            + "</c:dLbls>"
        )
        body = (
            f'<c:ser><c:idx val="0"/><c:order val="0"/>{self._name(0)}{"".join(points)}{labels}'
            f"{self._categories()}{self._numbers(0, s)}</c:ser>"
        )
        if hole:
            return (
                f'<c:doughnutChart><c:varyColors val="1"/>{body}<c:firstSliceAng val="0"/>'
                '<c:holeSize val="45"/></c:doughnutChart>'
            )
        return f'<c:pieChart><c:varyColors val="1"/>{body}<c:firstSliceAng val="0"/></c:pieChart>'

    # .. pieces

    def _name(self, i: int) -> str:
        return self._name_ref(i, self.series[i].label)

    def _name_ref(self, i: int, label: str) -> str:
        column = _column(i + 1)
        return (
            f'<c:tx><c:strRef><c:f>{SHEET}!${column}$1</c:f><c:strCache><c:ptCount val="1"/>'
            f'<c:pt idx="0"><c:v>{escape(xml_text(label))}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        )

    @staticmethod
    def _literal_name(label: str) -> str:
        return f"<c:tx><c:v>{escape(xml_text(label))}</c:v></c:tx>"

    def _categories(self) -> str:
        n = len(self.groups)
        points = "".join(f'<c:pt idx="{j}"><c:v>{escape(g)}</c:v></c:pt>' for j, g in enumerate(self.groups))
        return (
            f"<c:cat><c:strRef><c:f>{SHEET}!$A$2:$A${n + 1}</c:f><c:strCache>"
            f'<c:ptCount val="{n}"/>{points}</c:strCache></c:strRef></c:cat>'
        )

    def _numbers(self, i: int, s: Series, in_sheet: bool = True) -> str:
        n = len(self.groups)
        fmt = "0.0" if self.data.percent else "General"
        points = "".join(
            f'<c:pt idx="{j}"><c:v>{_number(v)}</c:v></c:pt>'
            for j, v in enumerate(s.values)
            if v is not None and v == v
        )
        cache = f'<c:formatCode>{fmt}</c:formatCode><c:ptCount val="{n}"/>{points}'
        if not in_sheet:
            return f"<c:val><c:numLit>{cache}</c:numLit></c:val>"
        column = _column(i + 1)
        return (
            f"<c:val><c:numRef><c:f>{SHEET}!${column}$2:${column}${n + 1}</c:f>"
            f"<c:numCache>{cache}</c:numCache></c:numRef></c:val>"
        )

    def _labels(
        self,
        hidden: Sequence[int],
        position: str,
        colour: str = "000000",
        bold: bool = False,
        backing: str | None = None,
    ) -> str:
        deleted = "".join(f'<c:dLbl><c:idx val="{j}"/><c:delete val="1"/></c:dLbl>' for j in hidden)
        fmt = "0.0" if self.data.percent else "General"
        box = (
            f'<c:spPr><a:solidFill><a:srgbClr val="{backing[1:].upper()}"/></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr>'
            if backing
            else _NO_FILL
        )
        return (
            f'<c:dLbls>{deleted}<c:numFmt formatCode="{fmt}" sourceLinked="0"/>{box}'
            f"{_txpr(self.style.font_size - 1, self.fonts, bold=bold, colour=colour)}"
            f'<c:dLblPos val="{position}"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
            '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
            '<c:showBubbleSize val="0"/></c:dLbls>'
        )

    def _cat_axis(self) -> str:
        position = "l" if self.horizontal else "b"
        # Horizontal bars: the first group on top, the value axis kept at the bottom.
        orientation = "maxMin" if self.horizontal else "minMax"
        crowded = not self.horizontal and len(self.groups) > 6
        return (
            f'<c:catAx><c:axId val="{_CAT_AX}"/><c:scaling><c:orientation val="{orientation}"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{position}"/><c:numFmt formatCode="General" sourceLinked="0"/>'
            '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            '<c:spPr><a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></c:spPr>'
            f"{_txpr(self.style.font_size, self.fonts, rotation=-1800000 if crowded else None)}"
            f'<c:crossAx val="{_VAL_AX}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            '<c:lblOffset val="100"/><c:tickLblSkip val="1"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        )

    def _val_axis(self) -> str:
        style, data = self.style, self.data
        position = "b" if self.horizontal else "l"
        values = [v for s in self.series for v in _values(s)]
        if self.kind == "stacked":
            values = [sum(column) for column in zip(*(_values(s) for s in self.series), strict=True)]
        if data.average is not None:
            values.append(data.average[1])
        top = max(values, default=0.0)
        low = min(values, default=0.0)
        if data.percent:  # a rate runs to 100; its numbers may stand past the end of the axis
            scale, unit = (100.0, 20.0) if top <= 100 else (None, None)
        else:
            unit = _step(top)
            # room above the tallest column for its number
            scale = math.ceil(top * 1.12 / unit) * unit if unit else None
        scaling = '<c:orientation val="minMax"/>'
        if scale:
            scaling += f'<c:max val="{_number(scale)}"/>'
        scaling += f'<c:min val="{_number(min(0.0, low))}"/>' if self.kind != "line" or low >= 0 else ""
        fmt = "0" if data.percent or all(float(v).is_integer() for v in values) else "General"
        title = ""
        if data.unit:
            size = style.font_size - 1
            # Over the top of a column chart's value axis, in the chart's corner (not beside the
            # axis, where it would narrow the plot); under a bar chart's value axis.
            corner = (
                ""
                if self.horizontal
                else '<c:layout><c:manualLayout><c:xMode val="edge"/><c:yMode val="edge"/>'
                '<c:x val="0"/><c:y val="0"/></c:manualLayout></c:layout>'
            )
            title = (
                '<c:title><c:tx><c:rich><a:bodyPr rot="0" vert="horz"/><a:lstStyle/><a:p><a:pPr>'
                f"{_run_props(size, self.fonts, tag='a:defRPr')}</a:pPr><a:r>{_run_props(size, self.fonts)}"
                f"<a:t>单位：{escape(xml_text(data.unit))}</a:t></a:r></a:p></c:rich></c:tx>"
                f'{corner}<c:overlay val="{0 if self.horizontal else 1}"/></c:title>'
            )
        grid = style.grid_color[1:].upper()
        return (
            f'<c:valAx><c:axId val="{_VAL_AX}"/><c:scaling>{scaling}</c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{position}"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill>'
            f'<a:srgbClr val="{grid}"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>{title}'
            f'<c:numFmt formatCode="{fmt}" sourceLinked="0"/><c:majorTickMark val="none"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr>'
            f'{_txpr(style.font_size, self.fonts)}<c:crossAx val="{_CAT_AX}"/>'
            # at the last group: with the groups from the top down, that keeps this axis at the bottom
            f'<c:crosses val="{"max" if self.horizontal else "autoZero"}"/><c:crossBetween val="between"/>'
            + (f'<c:majorUnit val="{_number(unit)}"/>' if unit else "")
            + "</c:valAx>"
        )


# -- small pieces -----------------------------------------------------------------------------

_NO_FILL = "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
# A slice's label shows the text written for it (the flags say which parts it holds).
_PIE_FLAGS = (
    '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
    '<c:showPercent val="0"/><c:showBubbleSize val="0"/>'
)
_NO_LINE = "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"


def _axis_ids() -> str:
    return f'<c:axId val="{_CAT_AX}"/><c:axId val="{_VAL_AX}"/>'


def _hatch(style: ChartStyle, i: int) -> str:
    return style.hatches[i % len(style.hatches)] if style.hatches else ""


def _series_fill(style: ChartStyle, look: int, outline: str | None = None) -> str:
    return _shape_fill(style.palette[look % len(style.palette)], _hatch(style, look), outline=outline)


def _shape_fill(colour: str, hatch: str, outline: str | None = None, edge: str | None = None) -> str:
    """A bar's or slice's fill: the colour, hatched in a line colour that shows on it (white on a
    dark colour, near-black on a light one) and then outlined thinly in that colour; plain colour
    without an outline (it would cut the axis line into pieces). ``outline``: a heavier outline
    in that colour (the district's own bar); ``edge``: the outline's colour (white between
    slices)."""
    fill = colour[1:].upper()
    ink = "FFFFFF" if grey_level(colour) < 140 else "333333"
    pattern = _PATTERNS.get(hatch[:1]) if hatch else None
    if pattern:
        paint = (
            f'<a:pattFill prst="{pattern}"><a:fgClr><a:srgbClr val="{ink}"/></a:fgClr>'
            f'<a:bgClr><a:srgbClr val="{fill}"/></a:bgClr></a:pattFill>'
        )
    else:
        paint = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>'
    if outline:
        line = f'<a:ln w="15875"><a:solidFill><a:srgbClr val="{outline[1:].upper()}"/></a:solidFill></a:ln>'
    elif edge or pattern:
        line = f'<a:ln w="5080"><a:solidFill><a:srgbClr val="{edge or ink}"/></a:solidFill></a:ln>'
    else:
        line = "<a:ln><a:noFill/></a:ln>"
    return f"<c:spPr>{paint}{line}</c:spPr>"


def _run_props(
    size: float, fonts: Fonts, tag: str = "a:rPr", bold: bool = False, colour: str = "000000"
) -> str:
    lang = ' lang="zh-CN" altLang="en-US"' if tag == "a:rPr" else ""
    return (
        f'<{tag}{lang} sz="{round(size * 100)}" b="{1 if bold else 0}">'
        f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
        f"<a:latin typeface={quoteattr(fonts.latin)}/><a:ea typeface={quoteattr(fonts.east_asia)}/>"
        f"<a:cs typeface={quoteattr(fonts.latin)}/></{tag}>"
    )


def _txpr(
    size: float, fonts: Fonts, bold: bool = False, colour: str = "000000", rotation: int | None = None
) -> str:
    rot = f' rot="{rotation}" vert="horz"' if rotation is not None else ""
    return (
        f"<c:txPr><a:bodyPr{rot}/><a:lstStyle/><a:p><a:pPr>"
        f"{_run_props(size, fonts, tag='a:defRPr', bold=bold, colour=colour)}</a:pPr>"
        '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    )


def _values(series: Series) -> list[float]:
    return [0.0 if v is None or v != v else float(v) for v in series.values]


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _step(top: float) -> float | None:
    """A whole-number step of about five gridlines up to ``top`` (1, 2, 5 × 10ⁿ): counts of people
    or organisations have no 2.5 on their axis."""
    if top <= 0:
        return 1.0
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(max(1, factor * magnitude))
    return None


def _column(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(xml_text(text))}</t></is></c>'
