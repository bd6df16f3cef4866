import pytest

from report_gen.errors import ConfigError
from report_gen.writers.layout import Layout, balanced_title_lines, layout_from_config, text_width_chars


def test_long_titles_break_into_balanced_lines():
    title = "关于青溪区“两新组织”党建工作情况的调研报告"
    lines = balanced_title_lines(title, 20)
    assert "".join(lines) == title and len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 3
    assert balanced_title_lines("关于青溪区党建工作的调研报告", 20) == ["关于青溪区党建工作的调研报告"]


def test_a_title_never_breaks_inside_a_quoted_or_bracketed_term():
    # no 的/和/与 near the middle: the break falls between terms, not inside “两新组织” or （社区）
    assert balanced_title_lines("关于江城市各区县“两新组织”党建工作情况的汇总报告", 20) == [
        "关于江城市各区县“两新组织”",
        "党建工作情况的汇总报告",
    ]
    assert balanced_title_lines("关于青溪区村（社区）党组织书记队伍建设情况的调研报告", 22) == [
        "关于青溪区村（社区）",
        "党组织书记队伍建设情况的调研报告",
    ]
    long = "关于进一步加强和改进全区非公有制经济组织与新社会组织党的建设工作情况及下一步工作打算的调研报告"
    assert all(len(line) <= 20 for line in balanced_title_lines(long, 20))


def test_text_width_counts_digits_as_half():
    assert text_width_chars("2025年12月5日") == 6.5
    assert text_width_chars("中共青溪区委组织部") == 9


def test_layout_overrides_are_typed():
    assert (
        layout_from_config({"body_size_pt": 15, "heading_bold": [True, True, True, True]}).body_size_pt == 15
    )
    with pytest.raises(ConfigError) as caught:
        layout_from_config({"heading_bold": [True], "margin_top_mm": "wide"})
    text = str(caught.value)
    assert "style.heading_bold" in text and "a list of 4 values" in text and "style.margin_top_mm" in text
    assert Layout().char_twips == 320
