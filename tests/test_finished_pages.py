"""Pages a leader signs: the data attachment as a reviewer checks it, the 附件说明 line, tables
that hold together, and document properties, read back from the sample's .docx and HTML."""

from __future__ import annotations

import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import docx
import pytest
from docx.oxml.ns import qn

from report_gen.expr import compile_expression, describe
from report_gen.writers.layout import cell_width_chars, column_widths, header_lines

from .conftest import SAMPLE_DATA
from .independent import ledger_figures, read_ledger, training_person_times

TABLE_CHAR_TWIPS = 10.5 * 20
CELL_MARGINS_TWIPS = 2 * 108  # Word's and LibreOffice's default cell margins, left and right


@pytest.fixture(scope="module")
def document(sample_build):
    result, out = sample_build
    return docx.Document(str(out / "qingxi-2025.docx")), result, out


def _rows(table) -> list[list[str]]:
    """Each row's cells once (a cell across the row is listed once per grid column by python-docx)."""
    return [list({c._tc: c.text for c in row.cells}.values()) for row in table.rows]


def _check_sheet(document) -> list[list[str]]:
    doc, _, _ = document
    return _rows(doc.tables[-1])


def _exact(value: float, percent: bool) -> str:
    if percent:
        return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return str(int(value))


def test_check_sheet_lists_exact_values_of_both_years_against_an_independent_count(document):
    _, result, _ = document
    rows = _check_sheet(document)
    assert rows[0] == ["指标", "单位", "2025年", "2024年", "口径"]
    by_label = {r[0]: r for r in rows[1:] if len(r) == 5}
    now = ledger_figures(read_ledger(SAMPLE_DATA / "organizations_2025.csv"), 2025)
    before = ledger_figures(read_ledger(SAMPLE_DATA / "organizations_2024.csv"), 2024)
    checked = 0
    for fig_id, value in now.items():
        fig = result.figures[fig_id]
        if fig_id not in result.stated:
            continue
        percent = fig.format == "percent"
        row = by_label[fig.label]
        assert row[1] == ("%" if percent else fig.unit), fig.label
        assert row[2] == _exact(value, percent), fig.label
        if fig.comparable:
            assert row[3] == _exact(before[fig_id], percent), fig.label
        checked += 1
    assert checked >= 25
    assert by_label["从业人员数"][2] == "48612"  # the text says 近5万人
    assert by_label["近三年培训参训人次"][2] == str(
        training_person_times(SAMPLE_DATA / "trainings.csv", 2025)
    )
    assert by_label["联户党员为商户提出的经营建议"][2:4] == ["1131", "—"]  # the text says 1100余条


def test_check_sheet_speaks_to_readers_not_to_programmers(document):
    rows = _check_sheet(document)
    text = "".join("".join(r) for r in rows)
    assert not re.search(r"[A-Za-z_]{2,}", text), re.findall(r"[A-Za-z_]{2,}", text)
    assert "公式" not in text and "params" not in text and ".csv" not in text
    sources = [r[0] for r in rows[1:] if len(r) == 1]
    assert sources == [
        "资料来源：青溪区“两新组织”党建工作台账（2025年）；上年数据来源：青溪区“两新组织”党建工作台账（2024年）",
        "资料来源：青溪区“两新组织”党员培训登记台账",
        "人工录入，资料来源：望江非公企业第一联合党支部“双联”活动工作台账（2025年）",
    ]
    # A label that counts people has a unit for people.
    units = {r[0]: r[1] for r in rows[1:] if len(r) == 5}
    for label, unit in units.items():
        if label.endswith(("的组织数", "企业数")):
            assert unit == "家", label


def test_no_table_is_printed_twice(document):
    doc, _, _ = document
    bodies = [tuple(tuple(r) for r in _rows(t)[1:]) for t in doc.tables]
    assert len(bodies) == len(set(bodies))
    captions = [p.text for p in doc.paragraphs if p.style.name == "Table Caption"]
    assert [c.split("　", 1)[1] for c in captions] == [
        "各街道（乡镇）“两新组织”党建工作基本情况",
        "报告所用数据及口径",
    ]


def test_rows_never_split_and_headers_repeat(document):
    doc, _, _ = document
    for table in doc.tables:
        rows = table._tbl.tr_lst
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows)
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None


def test_a_short_table_stays_on_one_page_and_a_long_one_may_break(document):
    """Every paragraph of a table that fits on a page keeps with the next (the last row with its
    资料来源 note); the check sheet, longer than that, breaks between rows with its header repeated."""
    from report_gen.writers.docx_writer import KEEP_TABLE_ROWS

    doc, _, _ = document

    def kept(tr) -> list[bool]:
        return [
            p.pPr is not None and p.pPr.find(qn("w:keepNext")) is not None
            for tc in tr.tc_lst
            for p in tc.p_lst
        ]

    street_table, check_sheet = doc.tables[0], doc.tables[-1]
    assert len(street_table.rows) <= KEEP_TABLE_ROWS < len(check_sheet.rows)
    assert all(all(kept(tr)) for tr in street_table._tbl.tr_lst)  # its notes follow it
    assert not any(any(kept(tr)) for tr in check_sheet._tbl.tr_lst)


def test_table_text_is_off_the_line_grid(document):
    doc, _, _ = document
    for name in ("Table Text", "Table Number", "Table Header", "Table Group"):
        ppr = doc.styles[name].element.pPr
        assert ppr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0", name


def test_headers_break_between_words_and_fit_their_columns(document):
    doc, _, _ = document
    for table in doc.tables:
        widths = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        for cell, width in zip(table.rows[0].cells, widths, strict=True):
            for line in cell.text.split("\n"):
                assert line.count("（") == line.count("）"), cell.text  # 非公企业 / （家）, never 非公企/业
                assert cell_width_chars(line) * TABLE_CHAR_TWIPS + CELL_MARGINS_TWIPS <= width, cell.text


def test_numbers_are_aligned_right(document):
    doc, _, _ = document
    streets = doc.tables[0]
    for row in streets.rows[1:]:
        for cell in row.cells[1:]:
            assert cell.paragraphs[0].style.name == "Table Number"
    assert streets.rows[1].cells[0].paragraphs[0].style.name != "Table Number"


def test_attachment_note_before_the_signature(document):
    doc, _, out = document
    texts = [p.text for p in doc.paragraphs]
    styles = [p.style.name for p in doc.paragraphs]
    at = texts.index("附件：数据附表")
    assert texts[at - 1] == "" and texts[at + 1] == ""  # one blank line above and below (GB/T 9704)
    assert styles[at + 2] == "Signature" and texts[at + 2] == "中共青溪区委组织部"
    assert styles[at] == "Normal"  # two characters in, as every body paragraph
    assert texts.index("附件") > at  # the attachment itself follows the signature
    html = (out / "qingxi-2025.html").read_text(encoding="utf-8")
    assert html.index("附件：数据附表") < html.index('class="signature"')
    md = (out / "qingxi-2025.md").read_text(encoding="utf-8")
    assert md.index("附件：数据附表") < md.index("中共青溪区委组织部  ")


def test_document_properties_name_the_authority_and_the_tool(document):
    doc, result, out = document
    props = doc.core_properties
    assert props.author == "中共青溪区委组织部"
    assert props.title == result.config.report.title
    with zipfile.ZipFile(out / "qingxi-2025.docx") as package:
        app = package.read("docProps/app.xml").decode("utf-8")
        names = package.namelist()
    assert "<Application>report-gen " in app
    assert "Microsoft" not in app and "<Pages>" not in app and "<Words>" not in app
    assert not any("thumbnail" in n for n in names)


def test_definitions_without_config_text_are_written_in_words():
    words = {"party_members": "党员数", "party_org_form": "党组织组建方式", "above_scale": "是否规模以上"}
    expr = compile_expression('party_org_form == "未组建" and party_members >= 3 and not above_scale')
    assert (
        describe(expr, words, ["above_scale"])
        == "党组织组建方式为“未组建”且党员数不少于3且是否规模以上为“否”"
    )


def test_column_widths_follow_content():
    header = ["街道（乡镇）", "从业人员（人）", "覆盖率（%）", "口径"]
    rows = [["清河街道", "11267", "66.0", "各组织从业人员数之和，按台账逐行相加得出的合计数"]]
    widths = column_widths(header, rows, [False, True, True, False], 30)
    assert abs(sum(widths) - 30) < 1e-6
    assert widths[3] == max(widths)  # the long text gets the room
    assert widths[0] >= cell_width_chars("（乡镇）") and widths[1] >= cell_width_chars("从业人员")
    assert header_lines("街道（乡镇）", 4) == ["街道", "（乡镇）"]
    assert header_lines("街道（乡镇）", 6) == ["街道（乡镇）"]


def test_each_figure_is_stated_in_full_once(document):
    """Later mentions refer to a figure or add to it; they do not repeat it. Recommendations name the
    organisations they are for (the 127家 without members) and are left out of the count."""
    from report_gen.document import Heading, Paragraph

    _, result, _ = document
    stated: dict[str, list[str]] = {}
    for block in result.report.blocks:
        if isinstance(block, (Paragraph, Heading)) and block.section != "recommendations":
            for mention in block.provenance.mentions:
                if mention.kind == "figure":
                    stated.setdefault(mention.figure, []).append(block.text[:20])
    repeated = {fig: where for fig, where in stated.items() if len(where) > 1}
    assert not repeated
    assert not [w for w in result.warnings if "此处重复" in w.message]
    doc, _, _ = document
    body = "\n".join(p.text for p in doc.paragraphs[: [p.text for p in doc.paragraphs].index("附件")])
    for statement in ("64.4%", "单独组建率为100.0%", "联合党支部5个"):
        assert body.count(statement) == 1, statement


def test_prose_keeps_one_decimal_rule_counts_places_by_kind_and_dates_the_survey(document):
    doc, _, _ = document
    body = "\n".join(p.text for p in doc.paragraphs)
    percents = re.findall(r"(\d+(?:\.\d+)?)%", body)
    assert percents and all(re.fullmatch(r"\d+\.\d", p) for p in percents), percents
    assert "分布在9个街道和1个镇" in body
    assert "2025年11月25日至30日" in body
    yoy = next(p.text for p in doc.paragraphs if p.text.startswith("与上年相比，"))
    assert yoy.count("；") == 2 and "比上年" not in yoy  # grouped by theme, said once


def test_a_unit_that_does_not_fit_what_the_label_counts_stops_the_build(tmp_path):
    from report_gen.errors import ReportCheckError
    from report_gen.pipeline import validate
    from report_gen.textcheck import unit_mismatch

    from .conftest import SAMPLE_CONFIG

    assert unit_mismatch("派驻党建工作指导员的组织数", "名")
    assert unit_mismatch("派驻的党建工作指导员数", "家")
    assert unit_mismatch("派驻的党建工作指导员数", "名") is None and unit_mismatch("党组织数", "个") is None
    with pytest.raises(ReportCheckError) as caught:
        validate(SAMPLE_CONFIG, overrides={"indicators.instructors.label": "派驻党建工作指导员的组织数"})
    assert "indicators.instructors.unit" in str(caught.value)


def test_a_district_text_repeating_a_figure_is_warned_with_its_key(tmp_path):
    from report_gen.pipeline import build

    from .conftest import SAMPLE_CONFIG

    result = build(
        SAMPLE_CONFIG,
        overrides={"narrative.results.items.role.text": "全区党组织覆盖率为{{ f.coverage_rate }}。"},
        out_dir=tmp_path,
        formats=["md"],
    )
    repeated = [w for w in result.warnings if "此处重复" in w.message]
    assert len(repeated) == 1 and "64.4%" in repeated[0].message
    assert repeated[0].key == "narrative.results.items.role.text"
