"""One config model: every config ``build`` rejects for the config's sake, ``validate`` rejects too,
with the same message, before any ledger is read."""

from __future__ import annotations

import pytest

from report_gen.config import load_config
from report_gen.errors import ConfigError, ReportGenError
from report_gen.pipeline import build, validate

from .conftest import ROOT, SAMPLE_CONFIG

# (what is wrong, overrides over the sample config, a phrase the message must hold)
BAD_CONFIGS = [
    ("misspelt style key", {"style.body_fnt": "仿宋"}, "style.body_fnt"),
    ("year in circled digits", {"report.year": "①"}, "report.year"),
    ("style value of the wrong type", {"style.body_size_pt": "big"}, "style.body_size_pt"),
    ("indicator filter naming no column", {"indicators.enterprises.where": "categry == 1"}, "did you mean"),
    (
        "indicator filter that is not an expression",
        {"indicators.enterprises.where": "category =="},
        "not a valid",
    ),
    (
        "formula naming no figure",
        {"indicators.mobile_share.expr": "mobile / party_members"},
        "mobile_share.expr",
    ),
    (
        "formulas in a cycle",
        {
            "indicators.mobile_share.expr": "loop_b",
            "indicators.loop_b": {"label": "乙", "agg": "formula", "expr": "mobile_share"},
        },
        "cycle",
    ),
    ("column of no table", {"indicators.employees.column": "staff"}, "indicators.employees.column"),
    (
        "rule over an unknown figure",
        {"problems.small_scale.when": "smal_share >= threshold"},
        "small_scale.when",
    ),
    (
        "history function on an unknown figure",
        {"problems.coverage_fell.when": "fell(coverage)"},
        "coverage_fell.when",
    ),
    ("check naming no figure", {"checks": ["enterprises + social == org_total"]}, "checks[0]"),
    (
        "narrative condition naming no figure",
        {"narrative.results.intro.when": "rose(coverge_rate)"},
        "results.intro.when",
    ),
    (
        "narrative text printing no figure",
        {"narrative.practices.intro": "共有{{ f.org_totl }}。"},
        "f.org_totl",
    ),
    (
        "template syntax in a problem text",
        {"problems.small_scale.text": "{{ f.small_orgs "},
        "small_scale.text",
    ),
    ("chart grouped by no column", {"charts.org_forms.by": "form"}, "charts.org_forms.by"),
    ("table grouped by no column", {"tables.streets.by": "town"}, "tables.streets.by"),
    ("comparison of a count", {"comparisons.streets_behind.figure": "org_total"}, "不是百分比指标"),
    ("unknown chart kind", {"charts.org_forms.kind": "radar"}, "charts.org_forms.kind"),
    ("unknown aggregation", {"indicators.org_total.agg": "median"}, "indicators.org_total.agg"),
    ("unknown format", {"indicators.org_total.format": "roman"}, "indicators.org_total.format"),
]


def _message(exc: ReportGenError) -> str:
    return "\n".join(str(p) for p in exc.problems)


@pytest.mark.parametrize(
    "overrides,phrase", [case[1:] for case in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_validate_and_build_reject_a_bad_config_alike(overrides, phrase, tmp_path):
    with pytest.raises(ReportGenError) as by_validate:
        validate(SAMPLE_CONFIG, overrides=overrides)
    with pytest.raises(ReportGenError) as by_build:
        build(SAMPLE_CONFIG, overrides=overrides, out_dir=tmp_path / "out")
    assert phrase in _message(by_validate.value)
    assert _message(by_build.value) == _message(by_validate.value)
    assert type(by_build.value) is type(by_validate.value)
    assert not (tmp_path / "out").exists()
    # Found in the config alone: no ledger needs to exist for it.
    with pytest.raises(ReportGenError) as by_loading:
        load_config(SAMPLE_CONFIG, overrides, data={"organizations": tmp_path / "none.csv"})
    assert _message(by_loading.value) == _message(by_validate.value)


def test_checks_read_params_and_the_report_year():
    config = load_config(SAMPLE_CONFIG, {"checks": ["small_orgs <= org_total + small_org_employees"]})
    assert set(config.expressions["checks[0]"].names) == {"small_orgs", "org_total", "small_org_employees"}
    with pytest.raises(ReportGenError) as caught:  # evaluated over the figures: report_year is 2025
        validate(SAMPLE_CONFIG, overrides={"checks": ["report_year == 2024 and branch_min_members == 3"]})
    assert "report_year=2025" in str(caught.value) and "branch_min_members=3" in str(caught.value)


def test_every_expression_is_compiled_when_the_config_is_loaded():
    config = load_config(SAMPLE_CONFIG)
    keys = set(config.expressions)
    assert "indicators.coverage_rate.where" in keys and "indicators.mobile_share.expr" in keys
    assert "problems.coverage_fell.when" in keys and "checks[0]" in keys
    assert "narrative.results.items.coverage.else.when" in keys
    assert config.layout is not None and config.templates is not None


def test_a_config_error_names_the_config_file():
    with pytest.raises(ConfigError) as caught:
        load_config(SAMPLE_CONFIG, {"indicators.enterprises.where": "categry == 1"})
    assert caught.value.problems[0].file == str(SAMPLE_CONFIG)


def test_the_schema_accepts_exactly_the_registered_names():
    from report_gen.aggregations import AGGREGATIONS, NUMBER_FORMATS
    from report_gen.config import CONFIG_SCHEMA
    from report_gen.pipeline import FORMATS, OUTPUT_FORMATS, parse_formats

    indicator = CONFIG_SCHEMA.fields["indicators"].value.fields  # type: ignore[attr-defined]
    assert set(indicator["agg"].choices) == set(AGGREGATIONS)
    assert set(indicator["format"].choices) == set(NUMBER_FORMATS)
    assert all(a.total is not None or a.requires == ("expr",) for a in AGGREGATIONS.values())
    assert FORMATS == tuple(OUTPUT_FORMATS)
    with pytest.raises(ReportGenError, match="--format"):
        parse_formats("docx,odt")


def test_an_unregistered_block_in_a_template_fails_loudly(tmp_path):
    from report_gen.errors import TemplateError

    folder = tmp_path / "tpl"
    (folder / "sections").mkdir(parents=True)
    # the built-in section with one unregistered block added: everything else it places stays placed
    builtin = (ROOT / "templates" / "default" / "sections" / "situation.md.j2").read_text(encoding="utf-8")
    (folder / "sections" / "situation.md.j2").write_text(builtin + "\n::sidebar x\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="::sidebar"):
        build(SAMPLE_CONFIG, overrides={"template": str(folder)}, out_dir=tmp_path / "out")
