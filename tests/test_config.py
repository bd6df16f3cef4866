import pytest

from report_gen.config import deep_merge, load_config
from report_gen.errors import ConfigError, OptionError

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA, write_config


def messages(exc: ConfigError) -> list[str]:
    return [str(p) for p in exc.problems]


def test_sample_extends_base_and_resolves_paths():
    config = load_config(SAMPLE_CONFIG)
    assert config.report.district == "青溪区"
    assert "org_total" in config.section("indicators")  # from base.yaml
    assert config.sources["organizations"][0].path.name == "organizations_2025.csv"
    assert config.sources["organizations"][0].path.is_file()


def test_set_overrides_and_data_override(tmp_path):
    config = load_config(
        SAMPLE_CONFIG,
        {
            "report.year": 2026,
            "report.district": "白沙区",
            "problems.small_scale.threshold": 95,
            "report.survey_period": {"start": "2026-11-20", "end": "2026-11-27"},
            "report.date": "2026-12-01",
        },
        {"organizations": tmp_path / "x.xlsx"},
    )
    assert config.report.year == 2026
    assert config.report.district == "白沙区"
    assert config.section("problems")["small_scale"]["threshold"] == 95
    assert config.sources["organizations"][0].path == tmp_path / "x.xlsx"


def test_impossible_date_is_named_with_its_key(tmp_path):
    path = write_config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides={"report.date": "2011-11-31"})
    assert any("report.date" in m and "2011-11-31 is not a real date" in m for m in messages(caught.value))


def test_unknown_keys_get_a_suggestion_and_all_problems_are_listed(tmp_path):
    path = write_config(tmp_path, extra="reprot_style: x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides={"report.yeer": "2025", "report.survey_period.start": "2025-13-01"})
    text = "\n".join(messages(caught.value))
    assert "report.yeer" in text and "did you mean 'year'" in text
    assert "reprot_style" in text
    assert "report.survey_period.start" in text


def test_output_name_cannot_escape_the_output_folder(tmp_path):
    path = write_config(tmp_path)
    with pytest.raises(ConfigError, match="output_name"):
        load_config(path, overrides={"report.output_name": "../../etc/x"})


def test_bad_option_forms():
    from report_gen.cli import data_from, overrides_from

    with pytest.raises(OptionError):
        overrides_from(["novalue"])
    with pytest.raises(OptionError):
        data_from(["=x.csv"])
    assert overrides_from(["report.year=2026", "data.trainings=null"]) == {
        "report.year": 2026,
        "data.trainings": None,
    }
    with pytest.raises(OptionError, match="organisations"):
        load_config(SAMPLE_CONFIG, data={"organisations": "x.csv"})


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("report: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_config(path)


def test_deep_merge_semantics():
    base = {"a": {"x": 1, "y": 2}, "l": [1, 2], "gone": {"k": 1}}
    merged = deep_merge(base, {"a": {"y": 3}, "l": [9], "gone": None})
    assert merged == {"a": {"x": 1, "y": 3}, "l": [9]}
    assert base["a"]["y"] == 2


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="循环"):
        load_config(tmp_path / "a.yaml")


def test_dates_must_agree_with_each_other_and_the_year(tmp_path):
    path = write_config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides={"report.year": "2026", "report.date": "2025-11-01"})
    text = "\n".join(messages(caught.value))
    assert "report.date" in text and "before the survey ended" in text
    assert "does not fall in report year 2026" in text


def test_the_library_api_takes_python_values(tmp_path):
    import report_gen

    assert set(report_gen.__all__) == {"__version__", "build", "validate"}
    result = report_gen.validate(
        SAMPLE_CONFIG, overrides={"report.appendix": False}, data={"trainings": SAMPLE_DATA / "trainings.csv"}
    )
    assert result.config.report.appendix is False
    built = report_gen.build(
        SAMPLE_CONFIG, overrides={"problems.awareness": None}, out_dir=tmp_path, formats=["md"]
    )
    assert "awareness" not in [p.id for p in built.findings.problems]
    assert (tmp_path / "qingxi-2025.md").is_file()
