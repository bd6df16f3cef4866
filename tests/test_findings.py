"""Problems and recommendations drawn from the ledger's specifics, checked against a plain computation.

Each rule of the base config is tried on a ledger where it fires and one where it does not; the
streets and industries named behind the district, and the counts the problems and recommendations
carry, are compared with tests/independent.py, which reads the same CSV with the csv module.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import docx
import pytest

from report_gen.config import load_config
from report_gen.errors import ConfigError
from report_gen.figures import compute_figures
from report_gen.findings import evaluate_findings
from report_gen.ledgers import load_ledgers
from report_gen.pipeline import build

from .conftest import HEADERS, SAMPLE_CONFIG, org_row, write_config, write_csv
from .independent import coverage_behind, ledger_figures, read_ledger, target_counts

STREETS = ("甲街道", "乙街道")
INDUSTRIES = ("制造业", "批发和零售业")


def healthy() -> list[dict]:
    """Two streets of ten organisations, two industries of ten: every rule of the base stays quiet."""
    orgs = []
    for s, street in enumerate(STREETS):
        for i in range(10):
            social = i >= 8
            orgs.append(
                dict(
                    org_id=f"S{s}O{i}",
                    street=street,
                    industry=INDUSTRIES[i % 2],
                    category="社会组织" if social else "非公企业",
                    above_scale="是" if i == 0 else "否",
                    employees=60,
                    members=3,
                    mobile=0,
                )
            )
    return orgs


def uncovered(org: dict, members: int = 1) -> None:
    org.update(form="未组建", members=members, mobile=0)


def _enterprise_coverage(share_uncovered: int):
    def change(orgs):
        enterprises = [o for o in orgs if o["category"] == "非公企业"]
        for org in enterprises[:share_uncovered]:
            uncovered(org)

    return change


def _street_behind(orgs):
    for org in [o for o in orgs if o["street"] == "乙街道"][:2]:
        uncovered(org)


def _industry_behind(orgs):
    # Two 批发和零售业 enterprises in each street: the streets stay level, the industry falls behind.
    for street in STREETS:
        trade = [o for o in orgs if o["industry"] == "批发和零售业" and o["street"] == street]
        for org in [o for o in trade if o["category"] == "非公企业"][:2]:
            uncovered(org)


def _above_scale_joint(orgs):
    orgs[0].update(form="联合组建", party_org="联合党支部")
    orgs[1].update(form="联合组建", party_org="联合党支部")


# orgs[19] is a social organisation, untouched by the changes to enterprises above.
def _no_member(orgs):
    orgs[19].update(members=0, form="挂靠组建", party_org="社会组织综合党委")


def _uncover(socials: int, enterprises: int):
    def change(orgs):
        social = [o for o in orgs if o["category"] == "社会组织"][:socials]
        enterprise = [o for o in orgs if o["category"] == "非公企业"][:enterprises]
        for org in social + enterprise:
            uncovered(org)

    return change


def _instructor_misplaced(orgs):
    orgs[2].update(instructor="是")  # a covered organisation gets the instructor…
    _no_member(orgs)
    uncovered(orgs[18])  # …while this one has no party organisation and no one to guide it


def _instructor_where_needed(orgs):
    orgs[2].update(instructor="是")
    _no_member(orgs)
    uncovered(orgs[18])
    orgs[18].update(instructor="是")


def _mobile(share_of_three: int):
    def change(orgs):
        for org in orgs:
            org["mobile"] = min(share_of_three, org["members"])

    return change


def _small(orgs):
    for org in orgs:
        org["employees"] = 20


RULES = [
    # rule, change that makes it fire, change that comes near but does not
    ("enterprise_coverage", _enterprise_coverage(5), _enterprise_coverage(4)),  # 68.75% / 75% of 16
    ("coverage_low", _uncover(4, 7), _uncover(4, 5)),  # 45% / 55% of 20
    ("social_coverage", _uncover(2, 0), _uncover(1, 0)),  # 50% / 75% of 4, the whole at 90% / 95%
    ("coverage_uneven", _street_behind, lambda orgs: None),
    ("coverage_uneven", _industry_behind, lambda orgs: None),
    ("above_scale_gap", _above_scale_joint, lambda orgs: None),
    ("no_members", _no_member, lambda orgs: None),
    ("instructors_misplaced", _instructor_misplaced, _instructor_where_needed),
    ("mobile_members", _mobile(2), _mobile(1)),  # 66.7% / 33.3%
    ("small_scale", _small, lambda orgs: None),
]


def evaluate(folder: Path, orgs: list[dict], extra: str = "", overrides: dict | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    ledger = write_csv(folder / "ledger.csv", [org_row(**o) for o in orgs])
    config = load_config(write_config(folder, extra=extra), overrides)
    figures = compute_figures(config, load_ledgers(config))
    return figures, evaluate_findings(config, figures), read_ledger(ledger)


def assert_figures_match_the_plain_computation(figures, rows) -> None:
    for key, value in target_counts(rows).items():
        assert figures[key].value == value, key
    for comparison, header, points, min_orgs in (
        ("streets_behind", "所属街道", 3, 1),
        ("industries_behind", "所属行业", 10, 10),
    ):
        expected = coverage_behind(rows, header, points, min_orgs)
        got = [(g.name, g.text, f"{g.gap_text[:-4]}") for g in figures[comparison].groups]
        assert got == expected, comparison
        assert figures[comparison].value == len(expected)


def test_a_healthy_ledger_states_no_data_problem(tmp_path):
    figures, findings, rows = evaluate(tmp_path, healthy())
    assert [p.id for p in findings.problems] == []
    assert findings.recommendations == []
    assert_figures_match_the_plain_computation(figures, rows)


@pytest.mark.parametrize(("rule", "fire", "quiet"), RULES, ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)])
def test_each_rule_fires_on_its_ledger_and_not_on_the_other(tmp_path, rule, fire, quiet):
    for change, expected in ((fire, True), (quiet, False)):
        orgs = healthy()
        change(orgs)
        figures, findings, rows = evaluate(tmp_path / str(expected), orgs)
        stated = [p.id for p in findings.problems]
        assert (rule in stated) is expected, (rule, stated)
        assert_figures_match_the_plain_computation(figures, rows)


def test_lagging_streets_are_named_with_rate_and_gap(tmp_path):
    orgs = healthy()
    _street_behind(orgs)
    figures, _, rows = evaluate(tmp_path, orgs)
    # 18 of 20 covered: 90.0%; 乙街道 8 of 10: 80.0%, ten points behind.
    assert coverage_behind(rows, "所属街道", 3) == [("乙街道", "80.0%", "10.0")]
    assert figures["streets_behind"].groups[0].text == "80.0%"
    county, _, _ = evaluate(tmp_path / "county", orgs, overrides={"report.district": "白沙县"})
    assert county["streets_behind"].comparison["versus"] == "全县"


def test_lagging_industries_are_named_and_streets_level_are_not(tmp_path):
    orgs = healthy()
    _industry_behind(orgs)
    figures, _, rows = evaluate(tmp_path, orgs)
    # 16 of 20 covered: 80.0%; 批发和零售业 6 of 10: 60.0%.
    assert coverage_behind(rows, "所属行业", 10, 10) == [("批发和零售业", "60.0%", "20.0")]
    assert figures["industries_behind"].value == 1 and figures["streets_behind"].value == 0


def test_a_gap_exactly_at_the_threshold_is_not_named_and_a_district_can_change_it(tmp_path):
    orgs = healthy()
    uncovered([o for o in orgs if o["street"] == "乙街道"][0])  # 95.0% against 90.0%: 5 points
    gap_five = "comparisons: {streets_behind: {points: 5}}"
    figures, findings, _ = evaluate(tmp_path / "five", orgs, gap_five)
    assert figures["streets_behind"].value == 0 and "coverage_uneven" not in [p.id for p in findings.problems]
    figures, findings, _ = evaluate(tmp_path / "lower", orgs, "comparisons: {streets_behind: {points: 4.9}}")
    assert [g.name for g in figures["streets_behind"].groups] == ["乙街道"]
    assert "coverage_uneven" in [p.id for p in findings.problems]


def test_a_district_switches_a_rule_off_and_its_recommendation_goes_with_it(tmp_path):
    orgs = healthy()
    _instructor_misplaced(orgs)
    _, findings, _ = evaluate(tmp_path / "on", orgs)
    assert "instructors_misplaced" in [p.id for p in findings.problems]
    assert "instructors" in [r.id for r in findings.recommendations]
    for folder, extra, overrides in (
        ("config", "problems: {instructors_misplaced: null}", {}),
        ("command line", "", {"problems.instructors_misplaced": None}),
    ):
        _, findings, _ = evaluate(tmp_path / folder, orgs, extra, overrides)
        assert "instructors_misplaced" not in [p.id for p in findings.problems]
        assert "instructors" not in [r.id for r in findings.recommendations]
        assert "no_members" in [p.id for p in findings.problems]  # the rest still stand


def test_switching_off_one_problem_keeps_a_recommendation_that_answers_another(tmp_path):
    config = load_config(SAMPLE_CONFIG, {"problems.enterprise_coverage": None})
    assert "enterprise_coverage" not in config.section("problems")
    assert "enterprise_coverage" not in config.section("recommendations")["coverage"]["for"]
    figures = compute_figures(config, load_ledgers(config))
    findings = evaluate_findings(config, figures)
    coverage = next(r for r in findings.recommendations if r.id == "coverage")
    assert coverage.answers == ("coverage_uneven",)


def test_a_district_changes_a_threshold_and_rewords_a_rule(tmp_path):
    orgs = healthy()
    _no_member(orgs)
    _, findings, _ = evaluate(tmp_path / "two", orgs, "problems: {no_members: {threshold: 2}}")
    assert "no_members" not in [p.id for p in findings.problems]
    reworded = "problems: {no_members: {title: 有组织没有党员, severity: 5}}"
    _, findings, _ = evaluate(tmp_path / "reworded", orgs, reworded)
    assert [(p.id, p.title, p.severity) for p in findings.problems] == [("no_members", "有组织没有党员", 5)]


def test_problems_are_ordered_by_severity_and_capped(tmp_path):
    orgs = healthy()
    for change in (_enterprise_coverage(5), _no_member, _mobile(2), _small):
        change(orgs)
    _, findings, _ = evaluate(tmp_path / "all", orgs)
    stated = [p.id for p in findings.problems]
    assert stated[0] == "enterprise_coverage"  # severity 5
    assert [p.severity for p in findings.problems] == sorted(
        (p.severity for p in findings.problems), reverse=True
    )
    _, capped, _ = evaluate(tmp_path / "capped", orgs, "findings: {max_problems: 2}")
    assert [p.id for p in capped.problems] == stated[:2]
    assert capped.cut == stated[2:] + findings.cut  # (the default cap may already cut some)
    # A recommendation answering only problems beyond the cap is left out.
    assert "mobile" in [r.id for r in findings.recommendations]
    assert "mobile" not in [r.id for r in capped.recommendations]
    trace = next(t for t in capped.traces if t.rule == "mobile_members")
    assert trace.fired and not trace.stated and "max_problems" in trace.reason


def test_a_recommendation_must_answer_a_problem_or_say_it_is_general(tmp_path):
    orphan = "recommendations: {extra: {title: 加强宣传, text: 广泛宣传。}}"
    with pytest.raises(ConfigError) as err:
        evaluate(tmp_path / "orphan", healthy(), orphan)
    assert "recommendations.extra" in str(err.value.problems[0])
    general = "recommendations: {extra: {title: 加强宣传, text: 广泛宣传。, general: true}}"
    _, findings, _ = evaluate(tmp_path / "general", healthy(), general)
    assert [(r.id, r.answers) for r in findings.recommendations] == [("extra", ())]


def random_ledger(seed: int, n: int = 240) -> list[dict]:
    """A ledger the project has never seen: streets and industries of uneven coverage."""
    rng = random.Random(seed)
    streets = [f"{name}街道" for name in rng.sample("东南西北中上下左右前后", 6)]
    industries = ["制造业", "建筑业", "住宿和餐饮业", "交通运输业", "教育", "养老服务"]
    weights = {s: rng.uniform(0.3, 0.95) for s in [*streets, *industries]}
    orgs = []
    for i in range(n):
        street, industry = rng.choice(streets), rng.choice(industries)
        social = industry in ("教育", "养老服务")
        members = rng.choice([0, 0, 1, 2, 3, 5, 8])
        covered = rng.random() < (weights[street] + weights[industry]) / 2
        form = "未组建"
        if covered:
            form = rng.choice(["单独组建", "联合组建", "挂靠组建"]) if members else "挂靠组建"
        big = not social and rng.random() < 0.1
        orgs.append(
            dict(
                org_id=f"X{i:04d}",
                category="社会组织" if social else "非公企业",
                street=street,
                industry=industry,
                employees=rng.randint(100, 500) if big else rng.randint(3, 80),
                above_scale="是" if big else "否",
                members=members,
                mobile=rng.randint(0, members),
                form=form,
                party_org=None if form != "联合组建" else f"{street}联合党支部",
                instructor="是" if rng.random() < (0.7 if not covered else 0.15) else "否",
            )
        )
    return orgs


@pytest.mark.parametrize("seed", range(6))
def test_recommendations_are_never_orphaned(tmp_path, seed):
    _, findings, _ = evaluate(tmp_path, random_ledger(seed, 120))
    stated = {p.id for p in findings.problems}
    config = load_config(tmp_path / "district.yaml")
    for rec in findings.recommendations:
        assert rec.answers and set(rec.answers) <= stated, rec.id
    for rec_id, rec in config.section("recommendations").items():
        if stated & set(rec.get("for") or ()):
            assert rec_id in [r.id for r in findings.recommendations]


def expected_problems(rows) -> list[str]:
    """The base rules, recomputed from the CSV: the problems an unseen ledger calls for, in order."""
    f = ledger_figures(rows, 2025)
    ent = [r for r in rows if r["组织类别"] == "非公企业"]
    enterprise_rate = sum(1 for r in ent if r["党组织组建方式"] != "未组建") / len(ent) * 100
    social = [r for r in rows if r["组织类别"] == "社会组织"]
    social_rate = sum(1 for r in social if r["党组织组建方式"] != "未组建") / len(social) * 100
    overall = sum(1 for r in rows if r["党组织组建方式"] != "未组建") / len(rows) * 100
    rules = [  # (severity, id, fires), in the base config's order
        (5, "enterprise_coverage", enterprise_rate < 70 and enterprise_rate <= overall),
        (5, "coverage_low", overall < 50),
        (4, "social_coverage", social_rate < 70 and overall - social_rate >= 2),
        (
            4,
            "coverage_uneven",
            bool(coverage_behind(rows, "所属街道", 3) or coverage_behind(rows, "所属行业", 10, 10)),
        ),
        (4, "above_scale_gap", f["above_scale_not_single"] >= 1),
        (3, "no_members", f["no_member_orgs"] >= 1),
        (3, "instructors_misplaced", f["unreached_orgs"] >= 1),
        (2, "mobile_members", f["mobile_share"] >= 50),
        (2, "small_scale", f["small_share"] >= 80),
    ]
    return [rule for severity, rule, fires in sorted(rules, key=lambda r: -r[0]) if fires][:6]


def test_an_unseen_ledger_states_exactly_the_problems_its_figures_call_for(tmp_path):
    ledger = write_csv(tmp_path / "ledger.csv", [org_row(**o) for o in random_ledger(2025)])
    result = build(write_config(tmp_path), out_dir=tmp_path / "out", formats=["docx"])
    rows = read_ledger(ledger)
    assert [p.id for p in result.findings.problems] == expected_problems(rows)

    document = docx.Document(str(tmp_path / "out" / "test.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    streets = coverage_behind(rows, "所属街道", 3)
    assert streets, "the generated ledger should have a lagging street"
    for name, rate, gap in streets:
        assert name in text
        assert f"{rate}，低于全区{gap}个百分点" in text
    counts = target_counts(rows)
    if counts["joint_candidates"]:
        assert f"对有党员但不足3名的{counts['joint_candidates']}家未建组织" in text
    if "instructors_misplaced" in expected_problems(rows):
        assert f"未建党组织、又无指导员的{counts['unreached_orgs']}家组织" in text

    why = json.loads((tmp_path / "out" / "test.figures.json").read_text("utf-8"))["problems"]
    traced = {t["rule"]: t for t in why}
    uneven = traced["coverage_uneven"]
    assert uneven["condition"] == "streets_behind >= 1 or industries_behind >= 1"
    assert uneven["figures"]["streets_behind"]["value"] == len(streets)
    assert list(uneven["figures"]["streets_behind"]["behind"]) == [name for name, _, _ in streets]
    assert uneven["recommendations"] == ["coverage"]
    assert {t["rule"] for t in why if t["stated"]} == set(expected_problems(rows))


def test_comparisons_by_category_and_where_higher_is_worse(tmp_path):
    orgs = healthy()
    for org in orgs:
        if org["category"] == "非公企业" and org["org_id"].endswith(("1", "2", "3")):
            uncovered(org, members=0)
    extra = """\
    comparisons:
      categories_behind: {figure: coverage_rate, by: category, group_label: 组织类别, points: 5}
      streets_without_members: {figure: no_member_share, by: street, points: 1, worse: higher}
    """
    for org in orgs[11:14]:  # 乙街道's three without members move to 甲街道
        org["street"] = "甲街道"
    figures, _, rows = evaluate(tmp_path, orgs, extra)
    # 6 of 16 enterprises uncovered: 62.5%, against 70.0% overall; social organisations all covered.
    assert [(g.name, g.text, g.gap_text) for g in figures["categories_behind"].groups] == [
        ("非公企业", "62.5%", "7.5个百分点")
    ]
    no_members = figures["streets_without_members"].groups
    assert [g.name for g in no_members] == ["甲街道"] and no_members[0].gap > 0


def test_a_comparison_needs_a_rate_and_a_ledger_column(tmp_path):
    with pytest.raises(ConfigError) as err:
        evaluate(tmp_path / "a", healthy(), "comparisons: {x: {figure: org_total, by: street, points: 1}}")
    assert "comparisons.x.figure" in str(err.value.problems[0])
    with pytest.raises(ConfigError) as err:
        evaluate(tmp_path / "b", healthy(), "comparisons: {x: {figure: coverage_rate, by: 区域, points: 1}}")
    assert "comparisons.x.by" in str(err.value.problems[0])


def test_a_ledger_without_industries_names_none_and_says_nothing_of_them(tmp_path):
    orgs = healthy()
    _street_behind(orgs)
    for org in orgs:
        org["industry"] = ""
    figures, findings, _ = evaluate(tmp_path, orgs)
    assert figures["industries_behind"].value is None
    assert "coverage_uneven" in [p.id for p in findings.problems]
    result = build(tmp_path / "district.yaml", out_dir=tmp_path / "out", formats=["md"])
    text = (tmp_path / "out" / "test.md").read_text("utf-8")
    assert "分行业看" not in text and "行业党组织覆盖率与" not in text
    assert "乙街道党组织覆盖率为80.0%，低于全区10.0个百分点" in text
    assert result.findings.problems[0].id == "coverage_uneven"


def test_the_sample_leads_with_its_sharpest_figure_and_merges_its_own_finding():
    config = load_config(SAMPLE_CONFIG)
    findings = evaluate_findings(config, compute_figures(config, load_ledgers(config)))
    assert [p.id for p in findings.problems] == [
        "enterprise_coverage",  # 非公企业党组织覆盖率53.2%: its own problem, first
        "coverage_uneven",
        "no_members",
        # no instructors_misplaced: every organisation without a party organisation has an instructor
        "awareness",  # the district's qualitative finding, among those of equal severity
        "mobile_members",
        "small_scale",
    ]
    assert "{{ f.enterprise_coverage_rate }}" in findings.problems[0].title
    assert [(r.id, r.answers) for r in findings.recommendations] == [
        ("coverage", ("enterprise_coverage", "coverage_uneven")),
        ("members", ("no_members",)),
        ("guarantee", ("awareness",)),
        ("mobile", ("mobile_members",)),
        ("small_orgs", ("small_scale",)),
    ]


def test_a_low_coverage_is_said_once_not_again_as_the_enterprises_problem(tmp_path):
    """Below 50% overall, the district hears that first: the enterprises' own rule, which would
    restate the same uncovered organisations, gives way to it (``unless: [coverage_low]``) and the
    trace says so; a district may switch that off and have both."""
    orgs = healthy()
    for org in orgs[:12]:  # 12 of 20 uncovered, enterprises and social organisations alike
        uncovered(org)
    figures, findings, _ = evaluate(tmp_path / "low", orgs)
    assert figures["coverage_rate"].value < 50 and figures["enterprise_coverage_rate"].value < 70
    stated = [p.id for p in findings.problems]
    assert "coverage_low" in stated and "enterprise_coverage" not in stated
    trace = next(t for t in findings.traces if t.rule == "enterprise_coverage")
    assert trace.fired and not trace.stated and "coverage_low" in trace.reason
    _, both, _ = evaluate(
        tmp_path / "both", orgs, extra="problems:\n  enterprise_coverage:\n    unless: []\n"
    )
    assert {"coverage_low", "enterprise_coverage"} <= {p.id for p in both.problems}


def test_unless_must_name_another_problem(tmp_path):
    with pytest.raises(ConfigError) as caught:
        evaluate(
            tmp_path, healthy(), extra="problems:\n  coverage_low:\n    unless: [coverage_lo, coverage_low]\n"
        )
    keys = [p.key for p in caught.value.problems]
    assert keys == ["problems.coverage_low.unless[0]", "problems.coverage_low.unless[1]"]


def test_a_column_the_ledger_lacks_is_unknown_not_blank(tmp_path):
    """A ledger without the 是否派驻党建工作指导员 column says nothing about instructors: the
    figures that read it are unknown (not 0, which would make every uncovered organisation one
    "without an instructor"), the rule on them is not stated, and a warning names the column."""
    import csv

    orgs = healthy()
    for org in orgs[:4]:
        uncovered(org)
    dropped = HEADERS.index("是否派驻党建工作指导员")
    folder = tmp_path / "no_instructors"
    folder.mkdir()
    with (folder / "ledger.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in [HEADERS, *(org_row(**o) for o in orgs)]:
            writer.writerow([cell for i, cell in enumerate(row) if i != dropped])
    config = load_config(write_config(folder))
    ledgers = load_ledgers(config)
    figures = compute_figures(config, ledgers)
    assert figures["unreached_orgs"].value is None and figures["instructors"].value is None
    assert figures["uncovered_orgs"].value == 4  # what the ledger does say is counted as before
    findings = evaluate_findings(config, figures)
    assert "instructors_misplaced" not in [p.id for p in findings.problems]
    warned = [str(w) for w in ledgers.warnings if "是否派驻党建工作指导员" in str(w)]
    assert len(warned) == 1 and "无法计算" in warned[0] and "ledger.csv" in warned[0]


def test_a_section_with_nothing_written_is_left_out_with_a_warning(tmp_path):
    """A district that has not written its practices and results gets no bare 二、主要做法 heading:
    the sections are left out, numbered on without a gap, and the build says which keys to fill."""
    orgs = healthy()
    for org in orgs[:4]:
        uncovered(org)
    write_csv(tmp_path / "ledger.csv", [org_row(**o) for o in orgs])
    result = build(write_config(tmp_path), out_dir=tmp_path / "out")
    headings = [b.full_text for b in result.report.blocks if type(b).__name__ == "Heading" and b.level == 1]
    assert headings[0] == "一、基本情况" and not any("主要做法" in h or "主要成效" in h for h in headings)
    assert headings[1].startswith("二、")
    left_out = [w.key for w in result.warnings if "略去" in str(w)]
    assert left_out == ["narrative.practices", "narrative.results"]


def test_instructors_too_few_is_not_called_misplaced(tmp_path):
    """Every instructor already sits in an organisation without a party organisation: the problem is
    that there are too few of them, not that they were sent to the wrong places."""
    orgs = healthy()
    for i, org in enumerate(orgs[:6]):
        uncovered(org)
        org["instructor"] = "是" if i < 2 else "否"
    figures, findings, _ = evaluate(tmp_path, orgs)
    assert figures["instructors_in_covered"].value == 0 and figures["unreached_orgs"].value == 4
    stated = {p.id: p for p in findings.problems}
    assert "instructors_misplaced" in stated
    result = build(write_config(tmp_path), out_dir=tmp_path / "out")
    text = "\n".join(
        b.full_text if hasattr(b, "full_text") else getattr(b, "text", "") for b in result.report.blocks
    )
    assert "党建工作指导员力量不足，仍有4家未建党组织的组织无人指导" in text and "不够精准" not in text
