import pytest

from report_gen.document import Heading, Paragraph, Report, Table
from report_gen.textcheck import check_numbering, check_tables, check_text, repeated_items


def texts(problems):
    return [p.message for p in problems]


def test_repeated_enumeration_item():
    assert repeated_items("采用集中、分散、集中、线上的学习方式") == ["集中"]
    assert repeated_items("支持党建、团建、工会和妇联工作") == []
    assert texts(check_text([Paragraph("坚持线上、线下、线上相结合。", "x")])) == ["列举中重复出现“线上”"]


def test_stray_space_between_chinese_characters():
    found = texts(check_text([Paragraph("全区共有党 员2070名", "x")]))
    assert len(found) == 1 and found[0].startswith("汉字之间有多余空格：“党 员”")
    assert check_text([Paragraph("使用 Word 2019 打开", "x")]) == []


def test_dates_must_exist_and_shares_stay_within_100():
    assert texts(check_text([Paragraph("2011年11月31日", "x")])) == ["日期“2011年11月31日”不存在"]
    assert texts(check_text([Paragraph("覆盖率为104.5%", "x")])) == ["比例“104.5%”超过100%"]
    assert check_text([Paragraph("同比增长150%", "x")]) == []


def test_leftover_template_markers():
    assert texts(check_text([Paragraph("共有***家", "x")])) == ["文中残留未替换的标记“***”"]


def test_duplicate_section_numbers_are_caught():
    report = Report(
        "a",
        "t",
        blocks=[
            Heading(1, "基本情况", "一、", "s"),
            Heading(1, "存在问题", "三、", "s"),
            Heading(1, "建议", "三、", "s"),
        ],
    )
    assert texts(check_numbering(report)) == ["标题编号应为“二、”，实为“三、”"]
    nested = Report(
        "a",
        "t",
        blocks=[
            Heading(1, "做法", "一、", "s"),
            Heading(2, "甲", "（一）", "s"),
            Heading(2, "乙", "（一）", "s"),
            Heading(3, "丙", "2.", "s"),
        ],
    )
    assert texts(check_numbering(nested)) == [
        "标题编号应为“（二）”，实为“（一）”",
        "标题编号应为“1.”，实为“2.”",
    ]


def test_table_rows_must_add_up_to_the_total():
    table = Table(
        "t",
        1,
        "cap",
        ["街道", "数"],
        [["甲", "2"], ["乙", "3"], ["合计", "6"]],
        "s",
        total_row=True,
        additive=[True],
    )
    assert texts(check_tables(Report("a", "t", blocks=[table]))) == ["“数”各行之和5与合计6不一致"]
    table.additive = [False]  # distinct counts need not add up
    assert check_tables(Report("a", "t", blocks=[table])) == []


@pytest.mark.parametrize("rule", ["enterprises + social_orgs == org_total"])
def test_consistency_rule_fires_on_contradiction(rule, tmp_path):
    from report_gen.config import load_config
    from report_gen.figures import compute_figures
    from report_gen.ledgers import load_ledgers
    from report_gen.textcheck import check_consistency

    from .conftest import org_row, write_config, write_csv

    write_csv(tmp_path / "ledger.csv", [org_row("A1"), org_row("S1", category="社会组织")])
    config = load_config(write_config(tmp_path))
    figures = compute_figures(config, load_ledgers(config))
    assert check_consistency(config, figures) == []
    figures["org_total"].value = 3
    found = texts(check_consistency(config, figures))
    assert found and found[0].startswith(f"数据自相矛盾：{rule} 不成立")
