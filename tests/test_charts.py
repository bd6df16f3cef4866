import pytest

from report_gen import charts
from report_gen.cli import run
from report_gen.errors import EnvironmentProblem

from .conftest import SAMPLE_CONFIG


def test_without_a_cjk_font_the_build_says_what_to_install(monkeypatch, tmp_path, capsys):
    from matplotlib import font_manager

    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font SC",))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(EnvironmentProblem, match="fonts-noto-cjk"):
        charts.cjk_font_family()
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install fonts-noto-cjk" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_chart_pictures_and_alt_text(sample_build):
    result, _ = sample_build
    pictures = [b for b in result.report.blocks if type(b).__name__ == "Picture"]
    assert [p.caption for p in pictures] == ["各街道（乡镇）“两新组织”数量", "“两新组织”党组织组建方式分布"]
    for picture in pictures:
        assert picture.png.startswith(b"\x89PNG") and picture.width_mm <= 156
    assert "清河街道：非公企业37，社会组织10" in pictures[0].alt


def test_every_chinese_label_has_a_glyph():
    import warnings

    from report_gen.config import load_config
    from report_gen.figures import compute_figures
    from report_gen.ledgers import load_ledgers

    config = load_config(SAMPLE_CONFIG)
    figures = compute_figures(config, load_ledgers(config))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = charts.draw_charts(config.section("charts"), figures)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert images and not missing  # matplotlib warns for every character it would draw as a box


def test_a_font_without_chinese_glyphs_would_be_noticed(monkeypatch):
    import warnings

    from report_gen.config import load_config
    from report_gen.figures import compute_figures
    from report_gen.ledgers import load_ledgers

    monkeypatch.setattr(charts, "cjk_font_family", lambda: "DejaVu Sans")
    config = load_config(SAMPLE_CONFIG)
    figures = compute_figures(config, load_ledgers(config))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.draw_charts(config.section("charts"), figures)
    assert any("missing from font" in str(w.message) for w in caught)  # the check above can fail
