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
    # Pictures of charts (HTML) need the font here; Word charts are drawn by Word on the reader's machine.
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path / "out"), "--format", "docx,html"]) == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install fonts-noto-cjk" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "qingxi-2025.docx").is_file()


def test_chart_pictures_and_alt_text(sample_build):
    result, _ = sample_build
    pictures = [b for b in result.report.blocks if type(b).__name__ == "Picture"]
    assert [p.caption for p in pictures] == [
        "各街道（乡镇）“两新组织”数量",
        "各街道（乡镇）党组织覆盖率",
        "“两新组织”党组织组建情况",
    ]
    for picture in pictures:
        assert picture.png.startswith(b"\x89PNG") and picture.width_mm <= 156
    assert "清河街道：非公企业37家，社会组织10家" in pictures[0].alt
    # Sorted by size: the ledger lists 清河街道 first, but 望江街道 has the most organisations.
    assert pictures[0].alt.index("望江街道") < pictures[0].alt.index("清河街道")
    assert "清河街道：2024年51.1%，2025年66.0%" in pictures[1].alt and "。全区64.4%" in pictures[1].alt


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
        assert all(image.png for image in images.values())  # drawn when asked for
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
        for image in charts.draw_charts(config.section("charts"), figures).values():
            assert image.png
    assert any("missing from font" in str(w.message) for w in caught)  # the check above can fail


@pytest.fixture(scope="module")
def sample_figures():
    from report_gen.config import load_config
    from report_gen.figures import compute_figures
    from report_gen.ledgers import load_ledgers

    config = load_config(SAMPLE_CONFIG)
    return config, compute_figures(config, load_ledgers(config))


def _grey_share(png: bytes) -> dict[int, float]:
    """Share of the picture's pixels at each grey level, as a black-and-white printer sees it."""
    import io

    from PIL import Image

    grey = Image.open(io.BytesIO(png)).convert("L")
    histogram = grey.histogram()
    total = sum(histogram)
    return {level: count / total for level, count in enumerate(histogram)}


def test_series_stay_apart_in_black_and_white(sample_figures):
    from report_gen.chart_style import ChartStyle, grey_level

    config, figures = sample_figures
    palette = ChartStyle().palette[:4]
    levels = sorted(grey_level(c) for c in palette)
    assert min(b - a for a, b in zip(levels, levels[1:], strict=False)) >= 40
    images = charts.draw_charts(config.section("charts"), figures)
    stacked = _grey_share(images["orgs_by_street"].png)
    # Both series of the stacked chart are in the printed picture, each as a large patch of its own
    # grey (the second broken by white hatching), far apart from each other.
    first, second = round(grey_level(palette[0])), round(grey_level(palette[1]))
    near = lambda level: sum(stacked.get(g, 0) for g in range(level - 3, level + 4))  # noqa: E731
    assert near(first) > 0.05 and near(second) > 0.03
    assert abs(first - second) >= 40
    # The main colours are printed exactly as the style gives them, on white paper.
    import io

    from PIL import Image

    counts = Image.open(io.BytesIO(images["org_forms"].png)).convert("RGB").getcolors(1 << 20)
    colours = {rgb for n, rgb in counts if n > 1000}
    assert (255, 255, 255) in colours
    assert all(tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) in colours for c in palette)
    donut = _grey_share(images["org_forms"].png)
    assert (
        sum(
            1
            for c in palette
            if sum(donut.get(g, 0) for g in range(round(grey_level(c)) - 3, round(grey_level(c)) + 4)) > 0.005
        )
        >= 4
    )


def test_same_data_same_png_bytes(sample_figures):
    config, figures = sample_figures
    first = charts.draw_charts(config.section("charts"), figures)
    second = charts.draw_charts(config.section("charts"), figures)
    assert {k: v.png for k, v in first.items()} == {k: v.png for k, v in second.items()}
    assert b"tIME" not in first["orgs_by_street"].png and b"Software" not in first["orgs_by_street"].png


def test_every_registered_kind_draws_and_an_unknown_kind_is_a_config_error(sample_figures, tmp_path):
    from report_gen.chart_kinds import CHART_KINDS
    from report_gen.config import load_config
    from report_gen.errors import ConfigError

    config, figures = sample_figures
    specs = {
        kind: {"caption": kind, "kind": kind, "by": "street", "series": ["enterprises", "social_orgs"]}
        for kind in CHART_KINDS
    }
    images = charts.draw_charts(specs, figures)
    drawings = {k.draw for k in CHART_KINDS.values()}  # bar and grouped are one drawing
    assert set(images) == set(CHART_KINDS) and len({i.png for i in images.values()}) == len(drawings)
    district = tmp_path / "d.yaml"
    district.write_text(
        f"extends: {SAMPLE_CONFIG}\ncharts:\n  org_forms:\n    kind: radar\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(district)
    message = str(caught.value)
    assert "charts.org_forms.kind" in message and "radar" in message
    assert all(kind in message for kind in CHART_KINDS)  # the choices are the registry's


def test_a_district_restyles_the_charts_and_a_palette_that_prints_as_one_grey_is_refused(sample_figures):
    from report_gen.errors import ConfigError
    from report_gen.writers.layout import layout_from_config

    config, figures = sample_figures
    plain = charts.draw_charts(config.section("charts"), figures)
    wide = charts.draw_charts(config.section("charts"), figures, {"height_mm": 60, "value_labels": False})
    assert wide["org_forms"].height_mm == 60 and wide["org_forms"].png != plain["org_forms"].png
    with pytest.raises(ConfigError) as caught:
        layout_from_config({"charts": {"palette": ["#B22222", "#3C5A82"], "dpi": 5, "colour": 1}})
    text = str(caught.value)
    assert "style.charts.palette" in text and "灰度几乎相同" in text
    assert "style.charts.dpi" in text and "style.charts.colour" in text
    from report_gen.chart_style import chart_style

    plain, problems = chart_style({"hatches": []})  # no hatching at all is a district's choice
    assert not problems and plain.hatches == ()
    assert chart_style({"palette": []})[1]  # no colours is not


def test_labels_of_thin_neighbouring_pie_slices_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from report_gen.chart_kinds import CHART_KINDS, ChartData, Series
    from report_gen.chart_style import ChartStyle

    data = ChartData(
        groups=["高中及中专", "大学专科", "大学本科", "初中及以下", "研究生"],
        series=[Series("书记", [44, 31, 22, 8, 2])],
        unit="名",
    )
    import matplotlib

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [charts.cjk_font_family()]}):
        fig = Figure(figsize=(6, 3.2), dpi=100)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.18, 0.06, 0.64, 0.88))
        CHART_KINDS["pie"].draw(ax, data, ChartStyle())
        canvas.draw()
        renderer = canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    assert len(boxes) == 5
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
    assert all(fig.bbox.contains(b.x0, b.y0) and fig.bbox.contains(b.x1, b.y1) for b in boxes)


def test_a_chart_mixing_units_or_years_with_several_series_is_refused(tmp_path):
    """One value axis carries one unit: a rate beside a count would be drawn against 单位：% ; and a
    year-on-year chart compares one series (the others would be dropped without a word)."""
    from report_gen.config import load_config
    from report_gen.errors import ConfigError

    config = tmp_path / "charts.yaml"
    config.write_text(
        f"extends: {SAMPLE_CONFIG}\n"
        "charts:\n"
        "  mixed: {caption: 混合, kind: line, by: street, series: [coverage_rate, org_total]}\n"
        "  two_years: {caption: 两年, kind: bar, by: street, series: [org_total, enterprises], years: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    keys = {p.key for p in caught.value.problems}
    assert keys == {"charts.mixed.series", "charts.two_years.years"}
