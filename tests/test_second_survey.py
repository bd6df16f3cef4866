"""A second survey shipped with the package, from config, templates and a ledger alone: the village
and community party secretaries (村（社区）党组织书记队伍建设情况调研)."""

from __future__ import annotations

import csv
import importlib.util
import json
import re

import docx
import pytest

from .conftest import ROOT, SAMPLE_DATA

CONFIG = ROOT / "config" / "secretaries.yaml"
LEDGER = SAMPLE_DATA / "secretaries_2025.csv"
YEAR = 2025


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from report_gen.pipeline import build

    out = tmp_path_factory.mktemp("secretaries")
    result = build(CONFIG, out_dir=out)
    document = docx.Document(str(out / "qingxi-secretaries-2025.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    listed = json.loads((out / "qingxi-secretaries-2025.figures.json").read_text("utf-8"))
    return result, document, text, {f["id"]: f for f in listed["figures"]}


def _rows() -> list[dict[str, str]]:
    with LEDGER.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()[1:]  # below the title row
    return list(csv.DictReader(lines))


def _year(text: str) -> int:
    return int(re.match(r"\d{4}", text).group())


def test_the_figures_are_the_ledgers(built):
    _, _, _, figures = built
    rows = _rows()
    ages = [YEAR - _year(r["出生年月"]) for r in rows]
    college = {"研究生", "硕士研究生", "大学本科", "本科", "大学专科", "大专"}
    assert figures["total"]["value"] == len(rows)
    assert figures["villages"]["value"] == sum(r["村社区类型"] == "村" for r in rows)
    assert figures["female"]["value"] == sum(r["性别"] == "女" for r in rows)
    assert figures["one_shoulder"]["value"] == sum(r["是否“一肩挑”"] == "是" for r in rows)
    assert figures["college"]["value"] == sum(r["学历"] in college for r in rows)
    assert figures["senior"]["value"] == sum(a >= 56 for a in ages)
    assert figures["avg_age"]["value"] == pytest.approx(sum(ages) / len(ages))
    tenure = [YEAR - _year(r["任职时间"]) for r in rows]
    assert figures["avg_tenure"]["value"] == pytest.approx(sum(tenure) / len(tenure))
    assert figures["avg_age"]["source"]["value"] == "report_year - year(birth)"


def test_the_report_states_them_as_a_reader_reads_them(built):
    result, document, text, figures = built
    rows = _rows()
    assert (
        document.paragraphs[1].text + document.paragraphs[2].text
        == ("关于青溪区村（社区）党组织书记队伍建设情况的调研报告")
        or "关于青溪区村（社区）党组织书记队伍建设情况的调研报告" in text
    )
    assert f"共有村（社区）党组织书记{len(rows)}名" in text
    assert f"书记平均年龄{figures['avg_age']['text']}" in text
    assert f"占{figures['one_shoulder_rate']['text']}" in text
    assert "两新组织" not in text and "非公" not in text  # nothing of the other survey's wording
    # Problems are the ones the figures call for, in order of severity.
    stated = [
        p["rule"] for p in json.loads((result.outputs[-1]).read_text("utf-8"))["problems"] if p["stated"]
    ]
    assert stated == ["one_shoulder_gap", "education", "few_women"]
    assert figures["senior_share"]["value"] < 25 and "年龄偏大" not in text  # the rule did not fire
    # The streets named as behind are those more than 10 points below the district.
    behind = [g["name"] for g in figures["streets_behind"]["source"]["behind"]]
    assert behind == ["枫林街道", "石桥镇"] and "枫林街道书记、主任“一肩挑”比例为60.0%" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[-1].cells][:2] == ["合计", str(len(rows))]
    assert len(document.inline_shapes) == 2


def test_each_figure_is_stated_once(built):
    """基本情况 states the counts; the practices and problems say what they amount to or add to
    them, so the report's own check finds nothing stated twice."""
    result, _, text, figures = built
    repeated = [str(w) for w in result.warnings if "此处重复" in str(w)]
    assert repeated == []
    # The problems add what 基本情况 does not: villages against communities, streets behind.
    assert f"村党组织书记“一肩挑”比例为{figures['village_one_shoulder_rate']['text']}" in text
    assert "大专及以上学历的刚过半数" in text and "女性书记偏少，占比不到三成" in text
    assert text.count(f"{figures['college_share']['text']}") == 1


def test_the_appendix_lists_the_figures_stated_with_their_ledger(built):
    _, document, text, figures = built
    assert "附件：数据附表" in text
    sheet = document.tables[-1]
    cells = [[c.text for c in row.cells] for row in sheet.rows]
    assert cells[0][:3] == ["指标", "单位", f"{YEAR}年"]
    assert cells[1][0] == "资料来源：青溪区村（社区）党组织书记基本情况台账（2025年）"
    listed = {row[0]: row[2] for row in cells[2:]}
    assert listed[figures["total"]["label"]] == str(len(_rows()))
    # Both sides of a comparison the text draws are there to check.
    assert {figures["village_female_share"]["label"], figures["community_female_share"]["label"]} <= set(
        listed
    )
    # An average is listed as counted; the note says the text's figure is it rounded.
    age = figures["avg_age"]
    assert listed[age["label"]] != age["text"].rstrip("岁") and age["text"] in sheet_note(document)


def sheet_note(document) -> str:
    """The 注 under the check sheet (the document's last note paragraph)."""
    return next(p.text for p in reversed(document.paragraphs) if p.text.startswith("注："))


def test_the_sample_ledger_is_what_its_script_writes():
    spec = importlib.util.spec_from_file_location(
        "generate_secretaries", SAMPLE_DATA / "generate_secretaries.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [list(r.values()) for r in _rows()] == module.rows()


def test_the_code_names_no_ledger_or_column_of_the_second_survey():
    import yaml

    declared = yaml.safe_load((ROOT / "config" / "secretaries_base.yaml").read_text(encoding="utf-8"))[
        "ledgers"
    ]
    names = [*declared, *(c for ledger in declared.values() for c in ledger.get("columns", {}))]
    names = [n for n in names if n not in ("street", "kind", "place")]  # words the code uses for itself
    code = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "report_gen").rglob("*.py")}
    for name in names:
        for file, text in code.items():
            assert not re.search(rf"\b{name}\b", text), (file, name)


def test_a_survey_the_project_has_never_seen_builds_from_the_documented_schema(tmp_path):
    """党员教育培训 from a ledger of study hours: declared, counted, worded and checked in config."""
    from report_gen.pipeline import build

    (tmp_path / "hours.csv").write_text(
        "党员姓名,所在支部,年度学时\n张三,一支部,40\n李四,一支部,28\n王五,二支部,35\n赵六,二支部,18\n",
        encoding="utf-8",
    )
    sections = tmp_path / "tpl" / "sections"
    sections.mkdir(parents=True)
    (sections / "situation.md.j2").write_text(
        "# 基本情况\n\n参加培训的党员{{ f.members }}，人均学时{{ f.avg_hours }}，"
        '学时达到{{ params.target }}学时的{{ f.on_target }}，占{{ f.on_target_share }}。\n\n{{ table("branches") }}\n',
        encoding="utf-8",
    )
    (tmp_path / "study.yaml").write_text(
        """\
report:
  authority: 中共测试区委组织部
  district: 测试区
  title: 关于测试区党员教育培训情况的调研报告
  year: 2025
  survey_period: {start: 2025-11-01, end: 2025-11-05}
  date: 2025-11-10
  scope: 党员教育培训情况
data: {study_hours: hours.csv}
template: tpl
sections: [situation, problems]
params: {target: 32}
ledgers:
  study_hours:
    label: 党员学时台账
    required: true
    row_noun: 党员
    columns:
      member: {headers: [党员姓名, 姓名], type: text, unique: true}
      branch: {headers: [所在支部], type: text}
      hours: {headers: [年度学时], type: int}
indicators:
  members: {label: 参训党员数, agg: count, unit: 名}
  avg_hours: {label: 人均学时, agg: mean, column: hours, unit: 学时, format: decimal}
  on_target: {label: 学时达标的党员数, agg: count, where: hours >= target, unit: 名}
  on_target_share: {label: 学时达标率, short_label: 达标率, agg: share, where: hours >= target}
checks: [on_target <= members]
tables:
  branches: {caption: 各支部党员学时情况, by: branch, by_label: 支部, columns: [members, avg_hours, on_target_share]}
problems:
  short_hours:
    when: on_target_share < threshold
    threshold: 80
    title: 学时达标率为{{ f.on_target_share }}，部分党员学习不够经常
    text: 还有{{ f.members.value - f.on_target.value }}名党员学时未达到{{ params.target }}学时。
narrative:
  problems: {intro: 调研中也发现一些问题。}
""",
        encoding="utf-8",
    )
    build(tmp_path / "study.yaml", out_dir=tmp_path / "out", formats=["md"])
    text = (tmp_path / "out" / "study.md").read_text(encoding="utf-8")
    assert "参加培训的党员4名，人均学时30.3学时，学时达到32学时的2名，占50.0%。" in text
    assert "学时达标率为50.0%，部分党员学习不够经常" in text and "还有2名党员学时未达到32学时。" in text
    assert "| 二支部 | 2 | 26\\.5 | 50\\.0 |" in text


def test_the_signature_keeps_to_the_last_paragraph_and_the_date(built):
    """A report whose body ends near the foot of a page: the authority and date are not left alone on
    the next page, nor split from each other (GB/T 9704 §7.3.5)."""
    _, document, _, _ = built
    paragraphs = document.paragraphs
    authority = max(i for i, p in enumerate(paragraphs) if p.text == "中共青溪区委组织部")
    assert paragraphs[authority + 1].text == "2025年11月28日"
    last_body = max(i for i in range(authority) if paragraphs[i].text.strip())
    assert all(paragraphs[i].paragraph_format.keep_with_next for i in range(last_body, authority + 1))
