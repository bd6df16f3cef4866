"""The report's charts as Word charts: what a reader who opens 编辑数据 finds, and what the chart
draws, read back from the .docx."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from lxml import etree

from report_gen.cli import run

from .conftest import SAMPLE_CONFIG

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"c": C, "a": A}


def charts_of(path) -> list[tuple[etree._Element, list[tuple]]]:
    """Each chart part in document order, with the rows of its embedded worksheet."""
    document = docx.Document(str(path))
    found = []
    for chart in document.element.body.iter(f"{{{C}}}chart"):
        part = document.part.related_parts[chart.get(docx.oxml.ns.qn("r:id"))]
        sheet_part = next(iter(part.rels.values())).target_part
        book = openpyxl.load_workbook(io.BytesIO(sheet_part.blob))
        found.append((etree.fromstring(part.blob), list(book.active.iter_rows(values_only=True))))
    return found


def series_of(space: etree._Element) -> dict[str, dict[str, float]]:
    out = {}
    for ser in space.iter(f"{{{C}}}ser"):
        name = "".join(ser.xpath("c:tx//c:v/text()", namespaces=NS))
        groups = ser.xpath("c:cat//c:pt/c:v/text()", namespaces=NS)
        values = {
            int(p.get("idx")): float(p.findtext("c:v", namespaces=NS))
            for p in ser.xpath("c:val//c:pt", namespaces=NS)
        }
        out[name] = {g: values[i] for i, g in enumerate(groups) if i in values}
    return out


@pytest.fixture(scope="module")
def sample_charts(sample_build):
    _, out = sample_build
    return charts_of(out / "qingxi-2025.docx")


def test_each_chart_carries_the_numbers_of_its_worksheet(sample_charts):
    assert len(sample_charts) == 3
    for space, rows in sample_charts:
        header, body = rows[0], rows[1:]
        drawn = series_of(space)
        for column, name in enumerate(header[1:], start=1):
            for row in body:
                value = row[column]
                if isinstance(value, str) and value.startswith(
                    "=SUM("
                ):  # 合计: the sum of the columns before
                    assert (
                        value == f"=SUM(B{body.index(row) + 2}:{chr(65 + column - 1)}{body.index(row) + 2})"
                    )
                    value = sum(row[1:column])
                assert drawn[name][row[0]] == value


def test_the_street_chart_reads_top_down_with_the_district_first(sample_charts):
    space, rows = sample_charts[1]
    assert [r[0] for r in rows[1:3]] == ["全区", "望江街道"]  # the worksheet in the report's order
    assert rows[0][1:] == ("2024年", "2025年") and rows[1][1:] == (49.5, 64.4)
    axis = space.find(".//c:catAx/c:scaling/c:orientation", NS)
    assert axis.get("val") == "maxMin"  # the first group drawn on top
    assert space.find(".//c:valAx/c:crosses", NS).get("val") == "max"  # its axis at the bottom
    assert space.find(".//c:valAx/c:scaling/c:max", NS).get("val") == "100"


def test_slices_keep_their_category_order_colour_and_the_reports_shares(sample_charts):
    space, rows = sample_charts[2]
    assert [r[0] for r in rows[1:]] == [
        "单独组建",
        "联合组建",
        "挂靠组建",
        "未组建",
    ]  # as the ledger declares
    labels = ["".join(d.xpath(".//a:t/text()", namespaces=NS)) for d in space.iter(f"{{{C}}}dLbl")]
    assert labels == ["19.8%", "35.6%", "9.1%", "35.6%"]  # 89, 160, 41, 160 of 450, half up
    white = [
        d.find("c:idx", NS).get("val")
        for d in space.iter(f"{{{C}}}dLbl")
        if d.xpath(".//a:rPr/a:solidFill/a:srgbClr/@val", namespaces=NS) == ["FFFFFF"]
    ]
    assert white == ["0", "1"]  # on the dark red and the blue slices


def test_a_category_has_one_colour_in_every_districts_report(tmp_path, capsys):
    from .conftest import ROOT

    out = tmp_path / "city"
    assert (
        run(["batch", str(ROOT / "config" / "city.yaml"), "--split-by", "district", "--out", str(out), "-q"])
        == 0
    )
    colours: dict[str, set[str]] = {}
    reports = sorted(out.glob("*区-2025.docx")) + sorted(out.glob("*县-2025.docx"))
    assert len(reports) == 4
    for path in reports:
        space = charts_of(path)[2][0]
        groups = space.xpath(".//c:ser/c:cat//c:pt/c:v/text()", namespaces=NS)
        fills = [
            p.xpath(".//a:bgClr/a:srgbClr/@val | c:spPr/a:solidFill/a:srgbClr/@val", namespaces=NS)[0]
            for p in space.iter(f"{{{C}}}dPt")
        ]
        for group, fill in zip(groups, fills, strict=True):
            colours.setdefault(group, set()).add(fill)
    # 未组建 is the fourth declared category: the fourth colour wherever it appears, whatever its size
    assert colours["未组建"] == {"CFE3C1"} and all(len(f) == 1 for f in colours.values()), colours


def test_pictures_instead_when_the_district_asks(tmp_path):
    config = tmp_path / "pictures.yaml"
    config.write_text(f"extends: {SAMPLE_CONFIG}\nstyle:\n  charts:\n    native: false\n", encoding="utf-8")
    assert run(["build", str(config), "--out", str(tmp_path / "out"), "-q"]) == 0
    built = next((tmp_path / "out").glob("*.docx"))
    names = zipfile.ZipFile(built).namelist()
    assert not any(n.startswith("word/charts/") for n in names)
    assert sum(n.startswith("word/media/") and n.endswith(".png") for n in names) == 3
    assert len(docx.Document(str(built)).inline_shapes) == 3
