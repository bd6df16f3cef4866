"""Regenerating across years and districts: every sentence stays true, or the build says what to fix."""

from __future__ import annotations

import json
import random
import shutil
import textwrap
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import ROOT, SAMPLE_CONFIG, SAMPLE_DATA, org_row, run_cli, write_config, write_csv, write_xlsx

SWAPPED = [
    "--data",
    f"organizations={SAMPLE_DATA / 'organizations_2024.csv'}",
    "--data",
    f"organizations_previous={SAMPLE_DATA / 'organizations_2025.csv'}",
]


def cli(capsys, *args):
    ran = run_cli(*args)
    return ran.code, ran


def text_of(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_swapped_ledgers_read_correctly_without_editing_the_config(tmp_path, capsys):
    code, captured = cli(capsys, "build", SAMPLE_CONFIG, *SWAPPED, "--out", tmp_path)
    assert code == 0, captured.err
    text = text_of(tmp_path / "qingxi-2025.docx")
    # Coverage fell 14.9 points: no heading or sentence says it grew, and the fall is a problem.
    assert "组织覆盖明显扩大" not in text and "覆盖面扩大" not in text
    assert "党组织覆盖率比上年下降14.9个百分点" in text
    assert "党组织覆盖率比上年下降14.9个百分点，组建工作需要加力" in text
    # No party organisation was founded in the (swapped) report year: no 新建…0个 as an achievement.
    assert "新建党组织0个" not in text
    assert "与上年相比，全区“两新组织”减少18家（下降4.0%）" in text
    # …but last year's ledger holds 2025 founding dates: the user is told they may be swapped,
    assert "上年台账中有76行的“党组织成立时间”在2025年或以后" in captured.err
    assert "是否把本年和上年的台账放反了" in captured.err
    # and the table's source names the file given, not the config's label for its own file.
    document = docx.Document(str(tmp_path / "qingxi-2025.docx"))
    notes = [p.text for p in document.paragraphs if p.text.startswith("资料来源：")]
    assert notes[0] == "资料来源：organizations_2024.csv"
    assert "台账（2025年）" not in "\n".join(notes)


def test_the_sample_states_its_growth_when_coverage_did_grow(sample_build):
    _, out = sample_build
    text = text_of(out / "qingxi-2025.docx")
    assert "组织覆盖明显扩大" in text and "覆盖面扩大" in text
    assert "党组织覆盖率提高14.9个百分点" in text
    assert "2025年新建党组织36个" in text


def district_with_narrative(tmp_path: Path, narrative: str, previous: bool = True) -> Path:
    """A district whose coverage fell from 3 in 4 to 1 in 4, with the narrative given."""
    forms = ["单独组建", "未组建", "未组建", "未组建"]
    this_year = [org_row(f"D{i}", form=f, founded="2019-03-01") for i, f in enumerate(forms)]
    last_year = [org_row(f"D{i}", form="单独组建" if i < 3 else "未组建") for i in range(4)]
    write_csv(tmp_path / "ledger.csv", this_year)
    write_csv(tmp_path / "last.csv", last_year)
    config = write_config(tmp_path, extra=textwrap.dedent(narrative))
    if previous:
        text = config.read_text(encoding="utf-8")
        text = text.replace(
            "  organizations: ledger.csv\n",
            "  organizations: ledger.csv\n  organizations_previous: last.csv\n",
        )
        config.write_text(text, encoding="utf-8")
    return config


def test_a_declared_claim_the_data_contradicts_stops_the_build(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path,
        """
        narrative:
          results:
            items:
              coverage:
                title: 组织覆盖持续巩固
                text: 党组织覆盖率为{{ f.coverage_rate }}。
                claims: {coverage_rate: up}
        """,
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 2
    assert "narrative.results.items.coverage.claims.coverage_rate" in captured.err
    assert "上年75.0%，本年25.0%" in captured.err and "组织覆盖持续巩固" in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("sentence", "refused"),
    [
        ("全区党组织覆盖率明显提高，达到{{ f.coverage_rate }}。", True),
        ("组织覆盖面进一步扩大。", True),
        ("党组织覆盖率为{{ f.coverage_rate }}，{{ f.coverage_rate.change }}。", False),
        ("党组织覆盖率为{{ f.coverage_rate }}，比上年有所下降。", False),
        ("党组织覆盖率有待提高。", False),  # an aim, not a claim
        ("党组织覆盖率未能提高。", False),  # negated, and true
        ("{{ f.coverage_rate.label }}{{ f.coverage_rate.say('扩大', '收窄') }}。", False),
    ],
)
def test_direction_words_in_results_are_checked_against_last_year(tmp_path, capsys, sentence, refused):
    config = district_with_narrative(
        tmp_path,
        f"""
        narrative:
          results:
            intro: "{sentence}"
        """,
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    if refused:
        assert code == 2, captured.err
        assert "narrative.results.intro" in captured.err
        assert "但数据显示下降" in captured.err and "上年75.0%，本年25.0%" in captured.err
    else:
        assert code == 0, captured.err


def test_a_direction_without_last_year_cannot_be_known_and_is_refused(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path, 'narrative:\n  results:\n    intro: "组织覆盖明显扩大。"\n', previous=False
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 2
    assert "没有上年数据，无法核实" in captured.err and "narrative.results.intro" in captured.err


def test_when_and_else_choose_the_passage_by_the_data(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path,
        """
        narrative:
          results:
            items:
              coverage:
                when: rose(coverage_rate)
                title: 组织覆盖明显扩大
                text: 覆盖率达到{{ f.coverage_rate }}。
                else:
                  when: fell(coverage_rate)
                  title: 组织覆盖需要巩固
                  text: 覆盖率为{{ f.coverage_rate }}，{{ f.coverage_rate.change }}。
        """,
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out", "--format", "md")
    assert code == 0, captured.err
    md = (tmp_path / "out" / "test.md").read_text(encoding="utf-8")
    assert "组织覆盖需要巩固" in md and "覆盖率为25.0%，比上年下降50.0个百分点" in md
    assert "明显扩大" not in md


def test_a_zero_stated_as_work_done_is_refused(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path,
        """
        narrative:
          practices:
            items:
              build:
                title: 推进组建
                text: 全年新建党组织{{ f.new_party_orgs }}，派驻党建工作指导员{{ f.instructors }}。
        """,
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 2
    assert "narrative.practices.items.build.text" in captured.err
    assert "把零作为成绩陈述" in captured.err and "派驻党建工作指导员0名" in captured.err


def test_another_district_needs_its_own_output_name_and_figures(tmp_path, capsys):
    code, captured = cli(capsys, "build", SAMPLE_CONFIG, "--set", "report.district=白沙区", "--out", tmp_path)
    assert code == 2
    assert "report.output_name" in captured.err
    code, captured = cli(
        capsys,
        "build",
        SAMPLE_CONFIG,
        "--set",
        "report.district=白沙区",
        "--set",
        "report.output_name=baisha",
        "--out",
        tmp_path,
    )
    assert code == 2
    # The sample ledger is 青溪区's, and its hand-entered case figures too.
    assert "像是青溪区的台账" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_another_districts_report_names_it_everywhere(tmp_path, capsys):
    rows = [
        org_row(f"B{i}", name=f"白沙区第{i}公司", street="白沙街道", form="单独组建" if i % 2 else "未组建")
        for i in range(12)
    ]
    ledger = write_xlsx(tmp_path / "baisha.xlsx", rows, before=[["白沙区“两新组织”党建工作台账（2025年）"]])
    code, captured = cli(
        capsys,
        "build",
        SAMPLE_CONFIG,
        "--data",
        f"organizations={ledger}",
        "--set",
        "report.district=白沙区",
        "--set",
        "report.output_name=baisha",
        "--set",
        "narrative.results.items.model=null",
        "--out",
        tmp_path / "out",
    )
    assert code == 0, captured.err
    document = docx.Document(str(tmp_path / "out" / "baisha.docx"))
    text = text_of(tmp_path / "out" / "baisha.docx")
    assert "中共白沙区委组织部" in text and "关于白沙区“两新组织”党建工作情况的调研报告" in text
    assert "青溪区" not in text
    assert document.core_properties.title == "关于白沙区“两新组织”党建工作情况的调研报告"
    assert document.core_properties.author == "中共白沙区委组织部"
    # The narrative's party organisation is not in 白沙区's ledger: a warning names the key.
    assert "narrative.results" not in captured.err or "不在本年台账中" in captured.err


def test_a_literal_name_left_in_a_copied_config_is_found(tmp_path, capsys, sample_copy):
    text = sample_copy.read_text(encoding="utf-8").replace(
        "\n  district: 青溪区\n",
        "\n  district: 白沙区\n  title: 关于青溪区“两新组织”党建工作情况的调研报告\n",
    )
    sample_copy.write_text(text, encoding="utf-8")
    code, captured = cli(capsys, "validate", sample_copy)
    assert code == 2
    assert "report.title" in captured.err and "仍写着青溪区" in captured.err


def test_a_ledger_title_naming_another_district_or_year_is_refused(tmp_path, capsys):
    rows = [org_row(f"X{i}") for i in range(5)]
    write_xlsx(tmp_path / "ledger.xlsx", rows, before=[["江北区“两新组织”党建工作台账（2024年）"]])
    config = write_config(tmp_path, ledger="ledger.xlsx")
    code, captured = cli(capsys, "validate", config)
    assert code == 2
    assert "写的是江北区" in captured.err and "写的是2024年" in captured.err
    assert "ledger.xlsx" in captured.err


def next_year_copy(tmp_path: Path) -> Path:
    """The sample with next year's ledgers beside this year's (the 2025 ledger as 2026's)."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    data = tmp_path / "sample_data"
    shutil.copytree(SAMPLE_DATA, data, ignore=shutil.ignore_patterns("*.py"))
    shutil.copy(data / "organizations_2025.csv", data / "organizations_2026.csv")
    return tmp_path / "config" / "sample.yaml"


def test_next_year_refuses_last_years_hand_entered_figures(tmp_path, capsys):
    config = next_year_copy(tmp_path)
    dates = [
        "--set",
        "report.survey_period={start: 2026-11-20, end: 2026-11-27}",
        "--set",
        "report.date=2026-12-04",
    ]
    code, captured = cli(
        capsys, "build", config, "--set", "report.year=2026", *dates, "--out", tmp_path / "out"
    )
    assert code == 2
    assert "manual_figures.suggestions" in captured.err and "manual_figures.loans" in captured.err
    assert "2025年" in captured.err
    # Their source notes name 2025 as well: listed as keys still naming the old year.
    code, captured = cli(
        capsys,
        "build",
        config,
        "--set",
        "report.year=2026",
        *dates,
        "--set",
        "manual_figures.suggestions.carry_over=同一活动的累计数，2026年未重新统计",
        "--set",
        "manual_figures.loans.carry_over=同上",
        "--out",
        tmp_path / "out",
    )
    assert code == 0, captured.err
    listed = json.loads((tmp_path / "out" / "qingxi-2026.figures.json").read_text(encoding="utf-8"))
    assert listed["inputs"]["organizations"]["file"] == "organizations_2026.csv"
    assert listed["inputs"]["organizations_previous"]["file"] == "organizations_2025.csv"


def test_year_paths_roll_over_and_a_missing_years_ledger_is_named(tmp_path, capsys):
    config = next_year_copy(tmp_path)
    dates = [
        "--set",
        "report.survey_period={start: 2027-11-20, end: 2027-11-27}",
        "--set",
        "report.date=2027-12-04",
    ]
    code, captured = cli(capsys, "validate", config, "--set", "report.year=2027", *dates)
    assert code == 2
    assert "organizations_2027.csv" in captured.err


def test_years_after_the_report_year_in_narrative_are_flagged(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path, 'narrative:\n  practices:\n    intro: "2027年全面完成组建任务。"\n'
    )
    code, captured = cli(capsys, "validate", config)
    assert code == 2
    assert "narrative.practices.intro" in captured.err and "2027年" in captured.err


def test_figures_json_lists_every_computed_figure_with_stated(sample_build):
    result, out = sample_build
    listed = json.loads((out / "qingxi-2025.figures.json").read_text(encoding="utf-8"))["figures"]
    assert {f["id"] for f in listed} == {f.id for f in result.figures}
    by_id = {f["id"]: f for f in listed}
    assert by_id["org_total"]["stated"] is True and "situation" in by_id["org_total"]["sections"]
    assert by_id["mobile_members"]["stated"] is True
    assert all(f["stated"] is bool(f["sections"]) for f in listed)


def test_figures_the_report_does_not_state_are_listed_as_not_stated(tmp_path, capsys):
    write_csv(tmp_path / "ledger.csv", [org_row(f"A{i}") for i in range(3)])
    config = write_config(tmp_path)
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 0, captured.err
    listed = json.loads((tmp_path / "out" / "test.figures.json").read_text(encoding="utf-8"))["figures"]
    by_id = {f["id"]: f for f in listed}
    assert by_id["liaison_points"]["stated"] is False and by_id["liaison_points"]["value"] == 0
    assert by_id["org_total"]["stated"] is True


def test_init_on_a_ledger_with_a_title_row_then_draft(tmp_path, capsys):
    folder = tmp_path / "baisha"
    rows = [org_row(f"B{i}", street="白沙街道") for i in range(6)]
    ledger = write_xlsx(
        tmp_path / "白沙区台账2025.xlsx", rows, before=[["白沙区“两新组织”党建工作台账（2025年）"]]
    )
    code, captured = cli(capsys, "init", folder, "--ledger", ledger)
    assert code == 0, captured.err
    config = folder / "白沙区.yaml"
    text = config.read_text(encoding="utf-8")
    assert "district: 白沙区" in text and "year: 2025" in text
    assert "白沙区台账{year}.xlsx" in text and "extends: base.yaml" in text
    assert code == 0 and cli(capsys, "init", folder, "--ledger", ledger)[0] == 2  # never overwrites

    code, captured = cli(capsys, "build", config, "--out", folder / "out")
    assert code == 2
    assert "report.date" in captured.err and "narrative.practices.items.practice_1.title" in captured.err
    assert "--draft" in captured.err

    code, captured = cli(capsys, "build", config, "--out", folder / "out", "--draft", "--format", "docx,html")
    assert code == 0, captured.err
    document = docx.Document(str(folder / "out" / "白沙区-2025.docx"))
    assert document.paragraphs[0].text == "征求意见稿"
    highlighted = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert any("【待填写：主要做法的总述" in t for t in highlighted)
    assert any("成文日期" in t for t in highlighted)
    assert "<mark>【待填写" in (folder / "out" / "白沙区-2025.html").read_text(encoding="utf-8")


def test_init_without_a_title_row_needs_district_and_year(tmp_path, capsys):
    ledger = write_csv(tmp_path / "ledger.csv", [org_row("A1")])
    code, captured = cli(capsys, "init", tmp_path / "cfg", "--ledger", ledger)
    assert code == 2
    assert "--district" in captured.err and "--year" in captured.err and "Traceback" not in captured.err
    code, captured = cli(
        capsys, "init", tmp_path / "cfg", "--ledger", ledger, "--district", "测试县", "--year", "2025"
    )
    assert code == 0, captured.err
    assert "district: 测试县" in (tmp_path / "cfg" / "测试县.yaml").read_text(encoding="utf-8")
    # Without a title row, the report's 资料来源 names the ledger by the label init writes, not
    # by its file name.
    code, captured = cli(
        capsys, "build", tmp_path / "cfg" / "测试县.yaml", "--out", tmp_path / "out", "--draft"
    )
    assert code == 0, captured.err
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "out" / "测试县-2025.docx")).paragraphs)
    assert "资料来源：测试县“两新组织”党建工作台账（2025年）" in text and "ledger.csv" not in text


# -- property: random pairs of ledgers never make the sample say a direction the data contradicts --


def _ledger_lines(name: str) -> tuple[str, list[str]]:
    lines = (SAMPLE_DATA / name).read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), keep_now=st.floats(0.3, 1.0), keep_before=st.floats(0.3, 1.0))
def test_random_ledger_pairs_never_assert_a_contradicted_direction(
    tmp_path_factory, seed, keep_now, keep_before
):
    folder = tmp_path_factory.mktemp("pair")
    rng = random.Random(seed)
    header, now = _ledger_lines("organizations_2025.csv")
    _, before = _ledger_lines("organizations_2024.csv")
    pick_now = [line for line in now if rng.random() < keep_now] or now[:5]
    pick_before = [line for line in before if rng.random() < keep_before] or before[:5]
    (folder / "now.csv").write_text("\n".join([header, *pick_now]) + "\n", encoding="utf-8")
    (folder / "before.csv").write_text("\n".join([header, *pick_before]) + "\n", encoding="utf-8")
    from report_gen.pipeline import build

    result = build(
        SAMPLE_CONFIG,
        data={"organizations": folder / "now.csv", "organizations_previous": folder / "before.csv"},
        out_dir=folder / "out",
        formats=["md"],
    )
    coverage = result.figures["coverage_rate"]
    text = (folder / "out" / "qingxi-2025.md").read_text(encoding="utf-8")
    grew = coverage.direction == 1
    assert ("组织覆盖明显扩大" in text) == grew
    assert ("覆盖面扩大" in text) == grew
    if coverage.direction == -1:
        assert "党组织覆盖率比上年下降" in text
    for fig in result.figures:  # every stated change reads the way the numbers moved
        if fig.change and fig.change in text:
            assert ("提高" in fig.change or "增加" in fig.change) == (fig.direction == 1)


@pytest.mark.parametrize(
    ("title", "district", "year"),
    [
        ("江城市青溪区“两新组织”党建工作台账（2025年）", "青溪区", 2025),
        ("白沙县“两新组织”台账（2024年度）", "白沙县", 2024),
        ("某某社区党建台账2024", None, 2024),
        ("“两新组织”党建工作台账", None, None),
    ],
)
def test_a_ledger_title_row_gives_its_district_and_year(title, district, year):
    from report_gen.identity import ledger_identity

    assert ledger_identity(title) == (district, year)


# -- sentences a reviewer wrote to catch the checks out ----------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "党员数和党组织覆盖率均有所提高。",  # both figures are the subject
        "党组织覆盖率实现翻番。",
        "党组织覆盖率较上年上涨。",
        "有效推动提升了党组织覆盖率。",  # done, not an aim
        "“两新组织”党组织覆盖率稳中有增。",
        "组织覆盖实现全覆盖。",
    ],
)
def test_more_ways_of_saying_a_figure_rose_are_checked(tmp_path, capsys, sentence):
    config = district_with_narrative(tmp_path, f'narrative:\n  results:\n    intro: "{sentence}"\n')
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 2, sentence
    assert "narrative.results.intro" in captured.err


@pytest.mark.parametrize(
    "sentence",
    [
        "党员教育管理水平不断提高。",  # 党员 alone names no figure
        "党组织书记队伍素质明显提升。",
        "党组织覆盖率还需进一步提高。",
        "下一步要进一步扩大组织覆盖。",
        "力争明年把党组织覆盖率提高到70%。",
        "以提高党组织覆盖率为目标。",
        "党组织覆盖率为{{ f.coverage_rate }}，较上年有所回落。",
    ],
)
def test_true_sentences_and_aims_are_not_refused(tmp_path, capsys, sentence):
    config = district_with_narrative(tmp_path, f'narrative:\n  results:\n    intro: "{sentence}"\n')
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 0, captured.err


def test_a_heading_without_a_figure_speaks_of_the_figure_its_text_leads_with(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path,
        """
        narrative:
          results:
            items:
              coverage:
                title: 覆盖工作稳步提升
                text: 党组织覆盖率为{{ f.coverage_rate }}。
        """,
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out")
    assert code == 2
    assert "narrative.results.items.coverage.title" in captured.err and "覆盖工作稳步提升" in captured.err


def test_a_small_rise_is_not_called_marked(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path, 'narrative:\n  results:\n    intro: "党组织覆盖率明显下降。"\n'
    )
    code, captured = cli(
        capsys, "build", config, "--set", "year_on_year.min_change_points=80", "--out", tmp_path / "o"
    )
    assert code == 2
    assert "不宜称“明显”" in captured.err


def test_a_figure_printed_by_its_value_counts_as_stated(tmp_path, capsys):
    config = next_year_copy(tmp_path)
    code, captured = cli(
        capsys,
        "build",
        config,
        "--set",
        "report.year=2026",
        "--set",
        "report.survey_period={start: 2026-11-20, end: 2026-11-27}",
        "--set",
        "report.date=2026-12-04",
        "--set",
        "manual_figures.suggestions.source=活动台账",
        "--set",
        "manual_figures.loans.source=活动台账",
        "--set",
        "narrative.results.items.model.text=经营建议{{ f.suggestions.value }}条。",
        "--out",
        tmp_path / "out",
    )
    assert code == 2
    assert "manual_figures.suggestions" in captured.err and "不能作为2026年的情况陈述" in captured.err


def test_init_refuses_a_ledger_that_names_another_district(tmp_path, capsys):
    ledger = SAMPLE_DATA / "organizations_2025.csv"
    code, captured = cli(capsys, "init", tmp_path / "cfg", "--ledger", ledger, "--district", "白沙区")
    assert code == 2
    assert "像是青溪区的台账" in captured.err
    assert not (tmp_path / "cfg").exists()


def test_a_county_report_says_county(tmp_path, capsys):
    write_csv(tmp_path / "ledger.csv", [org_row(f"A{i}", employees=10) for i in range(5)])
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace("测试区", "测试县")
    config.write_text(text, encoding="utf-8")
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out", "--format", "md")
    assert code == 0, captured.err
    md = (tmp_path / "out" / "test.md").read_text(encoding="utf-8")
    assert "全县“两新组织”" in md and "全区" not in md


def test_identity_placeholders_work_in_narrative_and_plans_name_later_years(tmp_path, capsys):
    config = district_with_narrative(
        tmp_path,
        'narrative:\n  practices:\n    intro: "{district}在{year}年持续推进组建，力争到2027年底实现应建尽建。"\n',
    )
    code, captured = cli(capsys, "build", config, "--out", tmp_path / "out", "--format", "md")
    assert code == 0, captured.err
    md = (tmp_path / "out" / "test.md").read_text(encoding="utf-8")
    assert "测试区在2025年持续推进组建" in md


@pytest.mark.parametrize(
    ("title", "district", "year"),
    [
        ("中共白沙区委组织部 “两新组织”党建工作台账（2025年）", "白沙区", 2025),
        ("白沙区台账 填报日期：2026年1月8日", "白沙区", None),
        ("2024-2025年度白沙区两新组织台账", "白沙区", 2025),
        ("关于白沙区两新组织情况（2025年）", "白沙区", 2025),
    ],
)
def test_title_rows_are_read_past_their_surroundings(title, district, year):
    from report_gen.identity import ledger_identity

    assert ledger_identity(title) == (district, year)
