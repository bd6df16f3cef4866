import pytest

from report_gen.config import load_config
from report_gen.errors import ConfigError
from report_gen.figures import compute_figures, format_value
from report_gen.findings import evaluate_findings
from report_gen.ledgers import load_ledgers

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA, org_row, write_config, write_csv
from .independent import ledger_figures, read_ledger, training_person_times


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE_CONFIG)
    return config, compute_figures(config, load_ledgers(config))


def test_every_indicator_matches_an_independent_computation(sample):
    _, figures = sample
    expected = ledger_figures(read_ledger(SAMPLE_DATA / "organizations_2025.csv"), 2025)
    for fig_id, value in expected.items():
        assert figures[fig_id].value == pytest.approx(value), fig_id
    assert figures["training_3y"].value == training_person_times(SAMPLE_DATA / "trainings.csv", 2025)


def test_seed_targets_and_their_printed_form(sample):
    _, f = sample
    printed = {
        k: f[k].text
        for k in (
            "social_orgs",
            "social_coverage_rate",
            "social_joint_branches",
            "above_scale",
            "above_scale_single_rate",
            "liaison_points",
            "new_party_orgs",
            "instructors",
            "training_3y",
            "small_share",
            "streets",
            "employees",
        )
    }
    assert printed == {
        "social_orgs": "108家",
        "social_coverage_rate": "100.0%",
        "social_joint_branches": "5个",
        "above_scale": "47家",
        "above_scale_single_rate": "100.0%",
        "liaison_points": "41个",
        "new_party_orgs": "36个",
        "instructors": "185名",
        "training_3y": "600多人次",
        "small_share": "88.9%",
        "streets": "10个",
        "employees": "近5万人",
    }


def test_year_on_year_uses_the_previous_ledger(sample):
    _, f = sample
    prev = ledger_figures(read_ledger(SAMPLE_DATA / "organizations_2024.csv"), 2024)
    assert f["org_total"].previous == prev["org_total"]
    assert f["coverage_rate"].previous == pytest.approx(prev["coverage_rate"])
    diff = f["org_total"].value - prev["org_total"]
    assert f["org_total"].change.startswith(f"比上年增加{diff}家")
    assert f["coverage_rate"].change.endswith("个百分点")
    assert f["training_3y"].previous is None  # compare: false


def test_breakdown_by_street_adds_up(sample):
    _, f = sample
    table = f.breakdown("street", ["org_total", "employees"])
    assert len(table) == 10
    assert table["org_total"].sum() == f["org_total"].value
    assert table["employees"].sum() == f["employees"].value


def test_manual_figures_are_marked_with_their_source(sample):
    _, f = sample
    assert f["suggestions"].text == "1100余条"
    assert f["suggestions"].manual and "台账" in f["suggestions"].source["note"]


def test_a_category_with_no_organisations_divides_by_nothing(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1", members=0, mobile=0), org_row("A2")])
    config = load_config(write_config(tmp_path))
    figures = compute_figures(config, load_ledgers(config))
    assert figures["social_orgs"].value == 0
    assert figures["social_coverage_rate"].value is None
    assert figures["social_coverage_rate"].text == "—"
    assert figures["above_scale_single_rate"].value is None
    findings = evaluate_findings(config, figures)  # undefined figures fire no rule
    assert "no_members" in {p.id for p in findings.problems}


def test_district_can_add_an_indicator_and_errors_name_the_key(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1", employees=300), org_row("A2")])
    extra = """
    indicators:
      big_orgs: {label: 大型组织数, agg: count, where: employees >= 300, unit: 家}
      broken: {label: 坏指标, agg: count, where: employes > 1, unit: 家}
    """
    with pytest.raises(ConfigError) as caught:  # when the config is loaded, before any data is read
        load_config(write_config(tmp_path, extra=extra))
    assert "indicators.broken.where" in str(caught.value) and "did you mean 'employees'" in str(caught.value)
    config = load_config(write_config(tmp_path, extra=extra.replace("employes > 1", "employees > 1")))
    assert compute_figures(config, load_ledgers(config))["big_orgs"].text == "1家"


def test_threshold_override_changes_which_problems_fire(sample):
    config, figures = sample
    fired = {p.id for p in evaluate_findings(config, figures).problems}
    assert {"small_scale", "no_members", "mobile_members"} <= fired
    config.raw["problems"]["small_scale"]["threshold"] = 95
    try:
        findings = evaluate_findings(config, figures)
    finally:
        config.raw["problems"]["small_scale"]["threshold"] = 80
    assert "small_scale" not in {p.id for p in findings.problems}
    assert "small_scale" in findings.not_fired


def test_formats():
    assert format_value(48612, "near", "人") == "近5万人"
    assert format_value(None, "count", "家") == "—"
    assert format_value(63.574, "percent", "%") == "63.6%"


def test_templates_can_say_it_the_same_year_on_year_way(sample):
    from report_gen.compose import FigureView, _UsageTracker

    _, figures = sample
    tracker = _UsageTracker()
    view = FigureView(figures["employees"], tracker)
    prev, now = figures["employees"].previous, figures["employees"].value
    assert view.yoy == f"同比增长{(now - prev) / prev * 100:.1f}%"
    assert tracker.used == {"employees": ["opening"]}
    assert FigureView(figures["training_3y"], tracker).yoy is None
