"""The whole sample report as text, compared with a reviewed golden copy.

Any change to wording, numbering, figures or table content shows up here as a
diff to review. After an intended change, refresh the copy with:

    REPORT_GEN_REFRESH_GOLDEN=1 python3 -m pytest tests/test_golden.py
"""

import difflib
import os

import docx
from docx.oxml.ns import qn

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "qingxi-2025.txt"


def reader_view(path) -> str:
    """Every paragraph with its style, and every table row, in document order."""
    document = docx.Document(str(path))
    lines = []
    body = document.element.body
    tables = iter(document.tables)
    paragraphs = iter(document.paragraphs)
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = next(paragraphs)
            charts = paragraph._p.xpath(".//c:chart")
            if paragraph.text or paragraph._p.xpath(".//pic:pic") or charts:
                picture = " [图片]" if paragraph._p.xpath(".//pic:pic") else ""
                lines.append(f"[{paragraph.style.name}] {paragraph.text}{picture}")
                for chart in charts:
                    lines.extend(chart_view(document.part.related_parts[chart.get(qn("r:id"))].blob))
        elif tag == "tbl":
            for row in next(tables).rows:
                # A cell across the row once, not once per grid column; a header's line breaks
                # (between words) are layout, not text.
                cells = {cell._tc: cell.text.replace("\n", "") for cell in row.cells}
                lines.append("| " + " | ".join(cells.values()) + " |")
    return "\n".join(lines) + "\n"


def chart_view(xml: bytes) -> list[str]:
    """A Word chart as a reader of its numbers sees it: each series with its name and its values
    by group, in the order the chart part holds them."""
    from lxml import etree

    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    space = etree.fromstring(xml)
    lines = []
    for plot in space.find("c:chart/c:plotArea", ns):
        kind = etree.QName(plot).localname
        if not kind.endswith("Chart"):
            continue
        for series in plot.findall("c:ser", ns):
            name = "".join(series.xpath("c:tx//c:v/text()", namespaces=ns))
            groups = series.xpath("c:cat//c:pt/c:v/text()", namespaces=ns)
            values = {
                int(pt.get("idx")): pt.findtext("c:v", namespaces=ns)
                for pt in series.xpath("c:val//c:pt", namespaces=ns)
            }
            pairs = "，".join(f"{g} {values.get(i, '—')}" for i, g in enumerate(groups))
            lines.append(f"  ({kind}) {name}：{pairs}")
    return lines


def test_sample_report_matches_the_golden_copy(sample_build):
    _, out = sample_build
    actual = reader_view(out / "qingxi-2025.docx")
    if os.environ.get("REPORT_GEN_REFRESH_GOLDEN"):
        GOLDEN.write_text(actual, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "now"))
    assert not diff, "the report changed; review and refresh (see this file's docstring):\n" + diff
