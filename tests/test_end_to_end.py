"""Build reports and read them back as a reader would: text, tables, pictures, layout, figures.json."""

from __future__ import annotations

import json
import random
import re

import docx
import pytest
from docx.oxml.ns import qn

from report_gen.cli import run

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA, run_cli, write_xlsx
from .independent import ledger_figures, read_ledger, training_person_times

SECTION_HEADINGS = ["一、基本情况", "二、主要做法", "三、主要成效", "四、存在问题", "五、意见和建议"]


def body_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


@pytest.fixture(scope="module")
def sample_docx(sample_build):
    result, out = sample_build
    return docx.Document(str(out / "qingxi-2025.docx")), result, out


def test_sections_in_order_with_generated_numbers(sample_docx):
    document, _, _ = sample_docx
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1 == SECTION_HEADINGS
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert level2[0].startswith("（一）") and level2[1].startswith("（二）")
    # numbering restarts under each level-1 heading
    assert sum(1 for t in level2 if t.startswith("（一）")) == 4


def test_every_target_figure_is_in_the_text(sample_docx):
    text = body_text(sample_docx[0])
    for phrase in [
        "新社会组织108家",
        "新社会组织党组织覆盖率为100.0%",
        "联合党支部5个",
        "规模以上非公企业47家",
        "单独组建率为100.0%",
        "领导干部联系点41个",
        "新建党组织36个",
        "党建工作指导员185名",
        "600多人次",
        "占总数的88.9%",
        "分布在9个街道和1个镇",
        "近5万人",
        "1100余条",
    ]:
        assert phrase in text, phrase
    assert "2025年12月5日" in text
    assert "中共青溪区委组织部" in text


def test_per_street_table_and_pictures(sample_docx):
    document, result, _ = sample_docx
    table = document.tables[0]
    rows = [[c.text.replace("\n", "") for c in r.cells] for r in table.rows]  # headers break between words
    assert rows[0][0] == "街道（乡镇）"
    assert len(rows) == 1 + 10 + 1 and rows[-1][0] == "合计"
    ledger = read_ledger(SAMPLE_DATA / "organizations_2025.csv")
    per_street = {}
    for r in ledger:
        per_street[r["所属街道"]] = per_street.get(r["所属街道"], 0) + 1
    assert {r[0]: int(r[1]) for r in rows[1:-1]} == per_street
    assert rows[-1][1] == "450"
    assert "表1　各街道（乡镇）“两新组织”党建工作基本情况" in body_text(document)
    pictures = document.inline_shapes
    assert len(pictures) == 3
    for shape in pictures:
        assert shape.width <= docx.shared.Mm(156)
        assert shape._inline.find(qn("wp:docPr")).get("descr")  # alt text
    assert "图1　" in body_text(document) and "图2　" in body_text(document)
    # Word and WPS clip a picture in an exact-spaced paragraph to one line: pictures are single-spaced.
    for shape_paragraph in (p for p in document.paragraphs if p._p.xpath(".//pic:pic")):
        assert shape_paragraph.style.name == "Figure"
    spacing = document.styles["Figure"].element.find(qn("w:pPr")).find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "auto"


def test_basic_official_layout(sample_docx):
    document, _, _ = sample_docx
    section = document.sections[0]
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx((210, 297), abs=0.1)
    assert section.top_margin.mm == pytest.approx(37, abs=0.1)
    assert section.left_margin.mm == pytest.approx(28, abs=0.1)
    assert section.bottom_margin.mm == pytest.approx(35, abs=0.1)
    assert section.right_margin.mm == pytest.approx(26, abs=0.1)
    normal = document.styles["Normal"].element
    fonts = normal.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert normal.find(qn("w:rPr")).find(qn("w:sz")).get(qn("w:val")) == "32"
    spacing = normal.find(qn("w:pPr")).find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    ind = normal.find(qn("w:pPr")).find(qn("w:ind"))
    assert (ind.get(qn("w:firstLineChars")), ind.get(qn("w:firstLine"))) == ("200", "640")
    h1 = document.styles["Heading 1"].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    h2 = document.styles["Heading 2"].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert h1.get(qn("w:eastAsia")) == "黑体" and h2.get(qn("w:eastAsia")) == "楷体_GB2312"
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    settings = document.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    assert settings.find(qn("w:themeFontLang")).get(qn("w:eastAsia")) == "zh-CN"
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and "— " in xml
        assert footer.paragraphs[0]._p.find(qn("w:pPr")).find(qn("w:jc")).get(qn("w:val")) == side
    from lxml import etree

    defaults = etree.tostring(document.styles.element.find(qn("w:docDefaults")), encoding="unicode")
    assert "Theme" not in defaults and "ja-JP" not in defaults


def test_figures_json_agrees_with_an_independent_computation(sample_build):
    _, out = sample_build
    data = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))
    listed = {f["id"]: f for f in data["figures"]}
    expected = ledger_figures(read_ledger(SAMPLE_DATA / "organizations_2025.csv"), 2025)
    expected["training_3y"] = training_person_times(SAMPLE_DATA / "trainings.csv", 2025)
    indicators = {f for f in listed if listed[f]["source"]["kind"] == "computed"}
    assert set(expected) == indicators  # the independent computation covers every indicator
    for fig_id, value in expected.items():
        assert listed[fig_id]["value"] == pytest.approx(value), fig_id
    assert listed["suggestions"]["source"] == {
        "kind": "manual",
        "note": listed["suggestions"]["source"]["note"],
        "year": 2025,
    }
    assert listed["org_total"]["source"]["file"] == "organizations_2025.csv"
    assert listed["org_total"]["definition"]
    assert "situation" in listed["org_total"]["sections"]


def test_every_listed_figure_appears_as_printed(sample_build):
    result, out = sample_build
    data = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))
    text = body_text(docx.Document(str(out / "qingxi-2025.docx")))
    for fig in data["figures"]:
        if fig["id"] == "streets":  # counted by kind from the names: 9个街道和1个镇
            assert "分布在9个街道和1个镇" in text
            continue
        if fig["stated"]:
            assert fig["text"] in text, fig["id"]
    assert sum(f["stated"] for f in data["figures"]) >= 30


def test_html_and_markdown_carry_the_same_report(sample_build):
    _, out = sample_build
    html = (out / "qingxi-2025.html").read_text(encoding="utf-8")
    md = (out / "qingxi-2025.md").read_text(encoding="utf-8")
    for heading in SECTION_HEADINGS:
        assert heading in html and heading in md
    assert html.count("<img") == 3 and "<table>" in html
    assert "关于青溪区“两新组织”<br>党建工作情况的调研报告" in html  # the same balanced title lines
    assert "| 合计 | 450 |" in md


# --- the command line ----------------------------------------------------------------------------


def cli(*args, capsys=None):
    ran = run_cli(*args)
    return ran.code, ran


def test_cli_build_writes_outputs_and_reports_changed_figures(tmp_path, capsys, sample_copy):
    out = tmp_path / "out"
    code, captured = cli("build", str(sample_copy), "--out", str(out), capsys=capsys)
    assert code == 0, captured.err
    assert (out / "qingxi-2025.docx").is_file() and (out / "qingxi-2025.figures.json").is_file()
    listed = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))["figures"]
    stated = [f for f in listed if f["stated"]]
    manual = sum(1 for f in stated if f["source"]["kind"] == "manual")
    problems = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))["problems"]
    found = sum(1 for p in problems if p["stated"] and p["condition"])
    assert found == 5
    assert f"报告陈述数据{len(stated)}项（其中人工录入{manual}项），据数据发现问题{found}项。" in captured.out
    # Change one cell in the ledger, rebuild with --data: the changed figure is named.
    ledger = sample_copy.parent.parent / "sample_data" / "organizations_2025.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[7] = str(int(cells[7]) + 5)  # 党员数
    lines[1] = ",".join(cells)
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, captured = cli(
        "build", str(sample_copy), "--out", str(out), "--data", f"organizations={edited}", capsys=capsys
    )
    assert code == 0, captured.err
    assert "党员数：2070名 → 2075名" in captured.out
    text = body_text(docx.Document(str(out / "qingxi-2025.docx")))
    assert "有党员2075名" in text


def test_cli_validate_lists_problems_and_writes_a_problem_sheet(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    text = (SAMPLE_DATA / "organizations_2025.csv").read_text(encoding="utf-8").splitlines()
    for line_no in (5, 9):
        cells = text[line_no - 1].split(",")
        cells[2] = "个体户"
        text[line_no - 1] = ",".join(cells)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    sheet = tmp_path / "problems.xlsx"
    code, captured = cli(
        "validate",
        str(SAMPLE_CONFIG),
        "--data",
        f"organizations={bad}",
        "--problems",
        str(sheet),
        capsys=capsys,
    )
    assert code == 2
    assert "第5行" in captured.err and "第9行" in captured.err
    import openpyxl

    rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("级别", "文件", "工作表", "行")
    assert {r[3] for r in rows[1:]} == {5, 9}
    code, captured = cli("validate", str(SAMPLE_CONFIG), capsys=capsys)
    assert code == 0 and "输入检查通过" in captured.out
    assert re.search(r"两新组织台账\s+organizations_2025.csv\s+-\s+450\s+0", captured.out)


def test_cli_config_and_option_errors(tmp_path, capsys):
    code, captured = cli(
        "build", str(SAMPLE_CONFIG), "--set", "report.date=2011-11-31", "--out", str(tmp_path), capsys=capsys
    )
    assert code == 2 and "report.date" in captured.err and "2011-11-31 is not a real date" in captured.err
    code, captured = cli(
        "build", str(SAMPLE_CONFIG), "--format", "odt", "--out", str(tmp_path), capsys=capsys
    )
    assert code == 2 and "--format" in captured.err
    code, captured = cli("build", str(tmp_path / "missing.yaml"), capsys=capsys)
    assert code == 2 and "配置文件不存在" in captured.err
    assert list(tmp_path.iterdir()) == [tmp_path / "missing.yaml"] or not any(tmp_path.iterdir())


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        run(["build", "--help"])
    assert "report-gen build config/sample.yaml" in capsys.readouterr().out
    assert run([]) == 0 and "example" in capsys.readouterr().out


# --- a district the project has never seen -------------------------------------------------------

OTHER_HEADERS = [
    "统一社会信用代码",
    "单位名称",
    "类别",
    "街道",
    "行业",
    "职工人数",
    "规模以上",
    "党员人数",
    "组建方式",
    "党组织名称",
    "成立时间",
    "党建指导员",
    "联系点领导",
]


def other_district_rows(seed: int) -> list[list[object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(rng.randint(60, 120)):
        social = rng.random() < 0.3
        form = rng.choice(["单独建", "联合建", "挂靠建", "未建", "无"])
        members = 0 if form in ("未建", "无") and rng.random() < 0.7 else rng.randint(1, 30)
        rows.append(
            [
                f"91{seed:02d}{i:06d}",
                f"白沙{i}号单位",
                rng.choice(["民办非企业单位", "社会团体"])
                if social
                else rng.choice(["企业", "非公有制企业"]),
                rng.choice(["沙头街道", "海滨街道", "新村镇"]),
                "服务业",
                f"{rng.randint(3, 400)}人",
                "" if social else rng.choice(["√", "×"]),
                members,
                form,
                "" if form in ("未建", "无") else f"白沙第{rng.randint(1, 25)}党支部",
                rng.choice(["2025年3月", "2024/6/1", "2019", "2025.10.1"])
                if form not in ("未建", "无")
                else "",
                rng.choice(["有", "无", ""]),
                rng.choice(["", "", "王某某"]),
            ]
        )
    return rows


def plain_rows(rows: list[list[object]]) -> list[dict[str, str]]:
    """The other district's rows in the sample's header names, decoded by hand (independently)."""
    out = []
    for r in rows:
        formed = r[8] not in ("未建", "无")
        out.append(
            {
                "组织类别": "社会组织" if r[2] in ("民办非企业单位", "社会团体") else "非公企业",
                "所属街道": r[3],
                "从业人员数": str(r[5]).rstrip("人"),
                "是否规模以上": "是" if r[6] == "√" else "否",
                "党员数": str(r[7]),
                "流动党员数": "0",
                "党组织组建方式": {"单独建": "单独组建", "联合建": "联合组建", "挂靠建": "挂靠组建"}.get(
                    r[8], "未组建"
                ),
                "所属党组织": r[9],
                "党组织成立时间": str(r[10])[:4] if formed else "",
                "是否派驻党建工作指导员": "是" if r[11] == "有" else "否",
                "联系领导": r[12],
            }
        )
    return out


def build_other_district(tmp_path, capsys, rows, *options):
    """The sample config run on another district's xlsx ledger (title row above the header)."""
    ledger = write_xlsx(tmp_path / "other.xlsx", rows, OTHER_HEADERS, before=[["白沙区两新组织台账"]])
    return cli(
        "build",
        str(SAMPLE_CONFIG),
        "--data",
        f"organizations={ledger}",
        "--set",
        "report.district=白沙区",
        "--set",
        "report.output_name=qingxi-2025",
        "--set",
        "narrative.results.items.model=null",  # 青溪区's own case, with its hand-entered figures
        "--out",
        str(tmp_path / "out"),
        *options,
        capsys=capsys,
    )


@pytest.mark.parametrize("seed", [7, 31])
def test_another_districts_xlsx_ledger_gives_its_own_figures(tmp_path, capsys, seed):
    rows = other_district_rows(seed)
    code, captured = build_other_district(
        tmp_path,
        capsys,
        rows,
        "--set",
        "data.organizations_previous=null",
        "--set",
        "report.output_name=baisha",
    )
    assert code == 0, captured.err
    expected = ledger_figures(plain_rows(rows), 2025)
    data = json.loads((tmp_path / "out" / "baisha.figures.json").read_text(encoding="utf-8"))
    listed = {f["id"]: f["value"] for f in data["figures"]}
    for fig_id in (
        "org_total",
        "enterprises",
        "social_orgs",
        "party_members",
        "party_orgs",
        "coverage_rate",
        "above_scale",
        "liaison_points",
        "new_party_orgs",
        "instructors",
        "small_share",
    ):
        assert listed[fig_id] == pytest.approx(expected[fig_id]), fig_id
    text = body_text(docx.Document(str(tmp_path / "out" / "baisha.docx")))
    for fig in data["figures"]:
        if fig["id"] == "streets":  # counted by kind from the names (3个街道)
            assert re.search(r"分布在\d+个(街道|镇|乡)", text)
        elif fig["stated"]:  # every stated figure is printed as listed
            assert fig["text"] in text, fig["id"]
    assert f"白沙区共有“两新组织”{expected['org_total']}家" in text
    assert "比上年" not in text  # no previous ledger, no year-on-year claims
    assert re.search(r"覆盖率为\d+(\.\d)?%", text)


def test_a_ledger_without_social_organisations_builds_cleanly(tmp_path, capsys):
    from .conftest import org_row, write_config, write_csv

    rows = [
        org_row(
            f"A{i}",
            employees=20 + i * 30,
            above_scale="是" if i < 2 else "否",
            members=i % 3,
            mobile=min(1, i % 3),
            form="单独组建" if i % 3 else "未组建",
        )
        for i in range(8)
    ]
    write_csv(tmp_path / "ledger.csv", rows)
    code, captured = cli("build", str(write_config(tmp_path)), "--out", str(tmp_path / "out"), capsys=capsys)
    assert code == 0, captured.err
    text = body_text(docx.Document(str(tmp_path / "out" / "test.docx")))
    assert "新社会组织0家" in text and "—" not in text
    assert "新社会组织党组织覆盖率" not in text


BAD_LEDGERS = {
    "not a number": (
        lambda lines: lines.__setitem__(56, lines[56].replace(",0,0,未组建", ",十二,0,未组建", 1)),
        "第57行，列“党员数”：“十二”不是整数",
    ),
    "duplicate id": (
        lambda lines: lines.__setitem__(9, lines[3].split(",")[0] + "," + lines[9].split(",", 1)[1]),
        "第10行，列“组织编号”",
    ),
    "bad category": (
        lambda lines: lines.__setitem__(
            20, lines[20].replace("非公企业", "个体户", 1).replace("社会组织", "个体户", 1)
        ),
        "第21行，列“组织类别”：“个体户”",
    ),
    "impossible date": (
        lambda lines: lines.__setitem__(2, lines[2].replace("2020-08-13", "2011-11-31")),
        "第3行，列“党组织成立时间”：“2011-11-31”不是有效日期",
    ),
    "stray quote": (lambda lines: lines.__setitem__(30, lines[30] + ',"'), "CSV 格式有误"),
}


@pytest.mark.parametrize("case", sorted(BAD_LEDGERS))
def test_each_bad_ledger_exits_2_names_the_place_and_keeps_the_last_report(
    case, tmp_path, capsys, sample_copy
):
    out = tmp_path / "out"
    assert cli("build", str(sample_copy), "--out", str(out), "--format", "docx,html", capsys=capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    change, expected = BAD_LEDGERS[case]
    lines = (SAMPLE_DATA / "organizations_2025.csv").read_text(encoding="utf-8").splitlines()
    change(lines)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, captured = cli(
        "build",
        str(sample_copy),
        "--out",
        str(out),
        "--format",
        "docx,html",
        "--data",
        f"organizations={bad}",
        capsys=capsys,
    )
    assert code == 2
    assert "bad.csv" in captured.err and expected in captured.err, captured.err
    assert "Traceback" not in captured.err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_appendix_lists_every_stated_figure_with_definition_source_and_last_year(sample_docx):
    document, result, _ = sample_docx
    listing = document.tables[-1]
    rows = [[c.text for c in r.cells] for r in listing.rows]
    assert rows[0] == ["指标", "单位", "2025年", "2024年", "口径"]
    groups = [r[0] for r in rows[1:] if len(set(r)) == 1]  # one cell across the table
    by_label = {r[0]: r for r in rows[1:] if len(set(r)) > 1}
    stated = [f for f in result.figures if f.id in result.stated]
    assert len(by_label) == len(stated)
    assert by_label["新社会组织数"][1:4] == ["家", "108", "108"]
    assert (
        groups[0]
        == "资料来源：青溪区“两新组织”党建工作台账（2025年）；上年数据来源：青溪区“两新组织”党建工作台账（2024年）"
    )
    assert groups[-1] == "人工录入，资料来源：望江非公企业第一联合党支部“双联”活动工作台账（2025年）"
    assert by_label["“两新组织”总数"][3] == str(result.figures["org_total"].previous)


def test_only_notable_changes_from_last_year_are_stated(tmp_path, capsys):
    out = tmp_path / "out"
    code, captured = cli(
        "build",
        str(SAMPLE_CONFIG),
        "--out",
        str(out),
        "--set",
        "year_on_year.min_change_percent=10",
        capsys=capsys,
    )
    assert code == 0, captured.err
    situation = [
        p.text for p in docx.Document(str(out / "qingxi-2025.docx")).paragraphs if "与上年相比" in p.text
    ][0]
    assert (
        situation
        == "与上年相比，全区党组织增加36个（增长42.4%），党组织覆盖率提高14.9个百分点，新社会组织党组织覆盖率提高5.6个百分点。"
    )
    assert "“两新组织”增加" not in situation  # +4.2% is under the 10% threshold
    code, captured = cli(
        "build",
        str(SAMPLE_CONFIG),
        "--out",
        str(out),
        "--set",
        "year_on_year.min_change_percent=1000",
        "--set",
        "year_on_year.min_change_points=1000",
        capsys=capsys,
    )
    assert code == 0
    assert "主要指标与上年基本持平。" in body_text(docx.Document(str(out / "qingxi-2025.docx")))


def test_another_districts_ledger_is_not_compared_with_the_samples_last_year(tmp_path, capsys):
    code, captured = build_other_district(tmp_path, capsys, other_district_rows(7))
    assert code == 0, captured.err
    assert "organizations_2024.csv" in captured.err and "不作同比比较" in captured.err
    text = body_text(docx.Document(str(tmp_path / "out" / "qingxi-2025.docx")))
    assert "比上年" not in text and "上年" not in text


def test_rebuilding_unchanged_inputs_gives_identical_files(sample_build, tmp_path):
    from report_gen.pipeline import build

    _, first = sample_build
    build(SAMPLE_CONFIG, out_dir=tmp_path, formats=["docx", "html", "md"])
    for name in ("qingxi-2025.docx", "qingxi-2025.html", "qingxi-2025.md", "qingxi-2025.figures.json"):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


def test_a_chart_no_template_places_is_pointed_out(tmp_path, capsys):
    code, captured = cli(
        "build",
        str(SAMPLE_CONFIG),
        "--out",
        str(tmp_path),
        "--set",
        "charts.members={caption: 各街道党员数, kind: barh, by: street, series: [party_members]}",
        capsys=capsys,
    )
    assert code == 0, captured.err
    assert "charts.members：配置了图表“members”，但模板中没有放置它" in captured.err


def test_a_figure_that_moved_less_than_its_text_shows_is_named_without_a_false_arrow():
    from report_gen.output import figure_changes

    def figures(members: int, share: float) -> dict:
        return {
            "figures": [
                {"id": "party_members", "label": "党员数", "value": members, "text": f"{members}名"},
                {"id": "mobile_share", "label": "流动党员占党员比例", "value": share, "text": "63.6%"},
            ]
        }

    assert figure_changes(figures(2070, 63.5714), figures(2071, 63.6137)) == [
        "党员数：2070名 → 2071名",
        "流动党员占党员比例：63.6%（未取整的数由63.5714变为63.6137）",
    ]
    from report_gen.output import figure_diff  # report-gen diff says the same

    assert figure_diff(figures(2070, 63.5714), figures(2071, 63.6137)) == [
        "党员数：2070名 → 2071名",
        "流动党员占党员比例：63.6%（未取整的数由63.5714变为63.6137）",
    ]
