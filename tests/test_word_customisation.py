"""District customisation of the Word output: reference document, Word template, template overrides."""

from __future__ import annotations

import json

import docx
import pytest
from docx.oxml.ns import qn

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA, org_row, run_cli, write_config, write_csv


def build(*args, capsys):
    ran = run_cli("build", *args)
    return ran.code, ran


def test_reference_docx_supplies_fonts_and_footer(tmp_path, capsys):
    reference = docx.Document()
    normal = reference.styles["Normal"].element.get_or_add_rPr()
    fonts = normal.find(qn("w:rFonts"))
    if fonts is None:
        fonts = normal.makeelement(qn("w:rFonts"), {})
        normal.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), "楷体")
    reference.sections[0].footer.paragraphs[0].text = "白沙区委组织部 内部资料"
    reference.add_paragraph("参考文档自带的示例文字")
    reference.save(tmp_path / "ref.docx")
    out = tmp_path / "out"
    code, captured = build(
        str(SAMPLE_CONFIG),
        "--set",
        f"reference_docx={tmp_path / 'ref.docx'}",
        "--out",
        str(out),
        capsys=capsys,
    )
    assert code == 0, captured.err
    document = docx.Document(str(out / "qingxi-2025.docx"))
    style_fonts = document.styles["Normal"].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert style_fonts.get(qn("w:eastAsia")) == "楷体"  # the district's style, not ours
    assert document.sections[0].footer.paragraphs[0].text == "白沙区委组织部 内部资料"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "参考文档自带的示例文字" not in text and "一、基本情况" in text
    assert "Report Title" in {s.name for s in document.styles}  # styles it lacked were added


def make_word_template(path):
    template = docx.Document()
    template.add_paragraph(
        "{{ report.district }}共有“两新组织”{{ f.org_total }}，党组织覆盖率{{ f.coverage_rate }}。"
    )
    template.add_paragraph("{% for p in problems %}{{ loop.index }}. {{ p.title }}；{% endfor %}")
    template.add_paragraph("{{ charts.orgs_by_street }}")
    template.add_paragraph("{{ tables.streets.caption }}：{{ tables.streets.rows[-1][1] }}")
    template.add_paragraph("{{ report.date_text }}")
    template.save(path)
    return path


def test_word_template_gets_the_same_figures_and_keeps_special_characters(tmp_path, capsys):
    template = make_word_template(tmp_path / "district.docx")
    out = tmp_path / "out"
    # A district whose own config names it so (not a reuse of the sample under another name).
    config = tmp_path / "special.yaml"
    for year in (2024, 2025):  # the sample's ledgers, with the district's own name in them
        text = (SAMPLE_DATA / f"organizations_{year}.csv").read_text(encoding="utf-8")
        (tmp_path / f"organizations_{year}.csv").write_text(
            text.replace("青溪区", "A<B & C区"), encoding="utf-8"
        )
    config.write_text(
        f"extends: {SAMPLE_CONFIG}\nreport: {{district: 'A<B & C区', output_name: qingxi-2025}}\n"
        "data: {organizations: 'organizations_{year}.csv', organizations_previous: 'organizations_{year-1}.csv'}\n",
        encoding="utf-8",
    )
    code, captured = build(
        str(config),
        "--set",
        f"template={template}",
        "--out",
        str(out),
        "--format",
        "docx,html",
        capsys=capsys,
    )
    assert code == 0, captured.err
    document = docx.Document(str(out / "qingxi-2025.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    figures = {
        f["id"]: f for f in json.loads((out / "qingxi-2025.figures.json").read_text("utf-8"))["figures"]
    }
    assert paragraphs[0] == (
        f"A<B & C区共有“两新组织”{figures['org_total']['text']}，"
        f"党组织覆盖率{figures['coverage_rate']['text']}。"
    )
    assert paragraphs[1].startswith("1. 非公企业党组织覆盖率仅为53.2%，")
    assert len(document.inline_shapes) == 1
    assert paragraphs[3] == "表1　各街道（乡镇）“两新组织”党建工作基本情况：450"
    assert paragraphs[4] == "2025年12月5日"
    assert "A&lt;B &amp; C区" in (out / "qingxi-2025.html").read_text("utf-8")


def test_word_template_errors_name_the_file(tmp_path, capsys):
    template = docx.Document()
    template.add_paragraph("{{ f.no_such_figure }}")
    template.save(tmp_path / "bad.docx")
    code, captured = build(
        str(SAMPLE_CONFIG),
        "--set",
        f"template={tmp_path / 'bad.docx'}",
        "--out",
        str(tmp_path / "out"),
        capsys=capsys,
    )
    assert code == 2 and "bad.docx" in captured.err and "no_such_figure" in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "payload",
    ["{{ ''.__class__.__mro__ }}", "{{ f.org_total._figure }}", "{{ cycler.__init__.__globals__ }}"],
)
def test_district_templates_run_in_the_sandbox(tmp_path, capsys, payload):
    write_csv(tmp_path / "ledger.csv", [org_row("A1"), org_row("S1", category="社会组织")])
    folder = tmp_path / "tpl" / "sections"
    folder.mkdir(parents=True)
    (folder / "practices.md.j2").write_text(f"# 主要做法\n\n{payload}\n", encoding="utf-8")
    config = write_config(tmp_path, extra="template: tpl\n")
    code, captured = build(str(config), "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 2, captured.out
    assert "practices.md.j2" in captured.err and "Traceback" not in captured.err
    assert "不允许" in captured.err or "未定义" in captured.err


def test_district_overrides_one_block_of_a_builtin_section(tmp_path, capsys):
    write_csv(tmp_path / "ledger.csv", [org_row("A1"), org_row("S1", category="社会组织")])
    folder = tmp_path / "tpl" / "sections"
    folder.mkdir(parents=True)
    (folder / "situation.md.j2").write_text(
        '{% extends "builtin/default/sections/situation.md.j2" %}\n'
        "{% block overview %}\n本区台账共登记组织{{ f.org_total }}。\n{% endblock %}\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path, extra="template: tpl\nsections: [situation, problems]\n")
    code, captured = build(str(config), "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, captured.err
    document = docx.Document(str(tmp_path / "out" / "test.docx"))
    text = [p.text for p in document.paragraphs]
    assert "本区台账共登记组织2家。" in text
    assert any(t.startswith("全区“两新组织”中已建立党组织") for t in text)  # the rest of the built-in section
    assert [t for t in text if t[:2] in ("一、", "二、", "三、")] == ["一、基本情况", "二、存在问题"]


def test_an_undefined_name_in_a_district_template_names_file_and_line(tmp_path, capsys):
    write_csv(tmp_path / "ledger.csv", [org_row("A1"), org_row("S1", category="社会组织")])
    folder = tmp_path / "tpl" / "sections"
    folder.mkdir(parents=True)
    (folder / "results.md.j2").write_text("# 主要成效\n\n覆盖率为{{ f.coverage_rat }}。\n", encoding="utf-8")
    code, captured = build(
        str(write_config(tmp_path, extra="template: tpl\n")), "--out", str(tmp_path / "o"), capsys=capsys
    )
    assert code == 2
    assert "results.md.j2，第3行" in captured.err and "coverage_rat" in captured.err


def test_style_settings_from_the_config_change_the_document(tmp_path, capsys):
    out = tmp_path / "out"
    code, captured = build(
        str(SAMPLE_CONFIG),
        "--set",
        "style.body_font=仿宋",
        "--set",
        "style.margin_left_mm=30",
        "--set",
        "style.heading_bold=[true, true, true, false]",
        "--set",
        "style.line_pitch_twips=560",
        "--out",
        str(out),
        capsys=capsys,
    )
    assert code == 0, captured.err
    document = docx.Document(str(out / "qingxi-2025.docx"))
    normal = document.styles["Normal"].element
    assert normal.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert normal.find(qn("w:pPr")).find(qn("w:spacing")).get(qn("w:line")) == "560"
    assert document.sections[0].left_margin.mm == pytest.approx(30, abs=0.1)
    bold = document.styles["Heading 1"].element.find(qn("w:rPr")).find(qn("w:b"))
    assert bold is not None and bold.get(qn("w:val")) == "1"


def test_unknown_style_setting_is_named(tmp_path, capsys):
    code, captured = build(
        str(SAMPLE_CONFIG), "--set", "style.body_fnot=仿宋", "--out", str(tmp_path), capsys=capsys
    )
    assert code == 2 and "style.body_fnot" in captured.err and "body_font" in captured.err


def test_word_template_table_rows_loop(tmp_path, capsys):
    template = docx.Document()
    table = template.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "{%tr for row in tables.streets.rows %}"
    for col, expr in enumerate(("{{ row[0] }}", "{{ row[1] }}", "{{ row[-1] }}")):
        table.cell(1, col).text = expr
    table.cell(2, 0).text = "{%tr endfor %}"
    template.save(tmp_path / "rows.docx")
    out = tmp_path / "out"
    code, captured = build(
        str(SAMPLE_CONFIG), "--set", f"template={tmp_path / 'rows.docx'}", "--out", str(out), capsys=capsys
    )
    assert code == 0, captured.err
    filled = docx.Document(str(out / "qingxi-2025.docx")).tables[0]
    rows = [[c.text for c in r.cells] for r in filled.rows]
    assert len(rows) == 11 and rows[0] == ["清河街道", "47", "66.0"] and rows[-1] == ["合计", "450", "64.4"]


def test_figures_only_a_word_template_prints_are_listed_as_stated(tmp_path, capsys):
    template = docx.Document()
    template.add_paragraph("走访企业{{ f.visits }}。")
    template.save(tmp_path / "visits.docx")
    out = tmp_path / "out"
    code, captured = build(
        str(SAMPLE_CONFIG),
        "--set",
        f"template={tmp_path / 'visits.docx'}",
        "--set",
        "manual_figures.visits={label: 调研走访企业数, value: 86, unit: 家, source: 调研组工作记录, year: 2025}",
        "--out",
        str(out),
        capsys=capsys,
    )
    assert code == 0, captured.err
    assert docx.Document(str(out / "qingxi-2025.docx")).paragraphs[0].text == "走访企业86家。"
    listed = {
        f["id"]: f for f in json.loads((out / "qingxi-2025.figures.json").read_text("utf-8"))["figures"]
    }
    assert listed["visits"]["sections"] == ["word_template"]
    assert listed["visits"]["source"] == {"kind": "manual", "note": "调研组工作记录", "year": 2025}


def test_a_word_template_and_a_template_folder_printing_the_same_report_the_same_figures(tmp_path):
    from report_gen.pipeline import build as build_report

    word = docx.Document()
    word.add_paragraph("全区共有“两新组织”{{ f.org_total }}。")
    word.add_paragraph("{% for p in problems[:2] %}{{ p.title }}；{% endfor %}")
    word.save(tmp_path / "district.docx")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.md.j2").write_text(
        "全区共有“两新组织”{{ f.org_total }}。\n\n{% for p in problems[:2] %}{{ p.title }}；{% endfor %}\n",
        encoding="utf-8",
    )

    def stated(template, formats):
        out = tmp_path / "out" / template.stem
        build_report(SAMPLE_CONFIG, overrides={"template": str(template)}, out_dir=out, formats=formats)
        listed = json.loads((out / "qingxi-2025.figures.json").read_text("utf-8"))["figures"]
        return {f["id"] for f in listed if f["stated"]}

    by_word, by_folder = stated(tmp_path / "district.docx", ["docx"]), stated(folder, ["md"])
    # org_total, and the rate in the most severe problem's title (the second names no figure);
    # nothing the texts not printed hold
    assert by_word == by_folder == {"org_total", "enterprise_coverage_rate"}


def test_practices_and_results_share_one_narrative_template_a_district_can_extend(tmp_path):
    from report_gen.pipeline import build as build_report

    folder = tmp_path / "templates" / "sections"
    folder.mkdir(parents=True)
    (folder / "practices.md.j2").write_text(
        '{% extends "builtin/default/sections/practices.md.j2" %}{% block title %}工作举措{% endblock %}\n',
        encoding="utf-8",
    )
    build_report(
        SAMPLE_CONFIG, overrides={"template": str(folder.parent)}, out_dir=tmp_path / "out", formats=["md"]
    )
    text = (tmp_path / "out" / "qingxi-2025.md").read_text(encoding="utf-8")
    assert "## 二、工作举措" in text and "### （一）压实领导责任，健全协同推进机制" in text
    assert "## 三、主要成效" in text and "### （一）组织覆盖明显扩大" in text
