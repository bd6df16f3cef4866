"""Reading real ledgers: every spelling in the contract, and precise errors for broken files."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile

import pytest

from report_gen.config import load_config
from report_gen.errors import DataError
from report_gen.ledgers import load_ledgers

from .conftest import (
    HEADERS,
    SAMPLE_CONFIG,
    SAMPLE_DATA,
    figures_of,
    org_row,
    write_config,
    write_csv,
    write_xlsx,
)

MESSY_HEADERS = [
    "统一社会信用代码", "单位名称", "类别", "街道（乡镇）", "行业", "职工人数", "规模以上", "党员人数",
    "流动党员数", "组建方式", "党组织名称", "党组织类型", "成立时间", "党建指导员", "联系点领导",
]  # fmt: skip
CATEGORY = {
    "非公企业": ["非公有制企业", "企业", "非公有制经济组织"],
    "社会组织": ["民办非企业单位", "社会团体", "新社会组织", "社会服务机构"],
}
FORM = {"单独组建": ["单独建"], "联合组建": ["联合建"], "挂靠组建": ["挂靠建"], "未组建": ["未建", "无"]}
TRUE = ["是", "有", "Y", "yes", "TRUE", "1", "√"]
FALSE = ["否", "无", "N", "no", "FALSE", "0", "×"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _number(n: int, i: int) -> str:
    return [str(n), f"{n:,}", str(n).translate(FULL), f"{n}人", f"{n}.0"][i % 5]


def _date(text: str, i: int) -> object:
    if not text:
        return ""
    d = dt.date.fromisoformat(text)
    return [
        text,
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        text,
    ][i % 5]


def messy_rows() -> list[list[object]]:
    """The clean sample ledger, rewritten in every spelling the data contract accepts."""
    with (SAMPLE_DATA / "organizations_2025.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    out = []
    for i, r in enumerate(rows):
        r = list(r)
        r[0] = f" {r[0]}\u3000"  # whitespace of both widths around text
        r[2] = CATEGORY[r[2]][i % len(CATEGORY[r[2]])]
        r[5] = _number(int(r[5]), i)
        if r[6]:
            r[6] = (TRUE if r[6] == "是" else FALSE)[i % 7]
        r[7] = _number(int(r[7]), i + 1)
        r[9] = ([r[9]] + FORM[r[9]])[i % (1 + len(FORM[r[9]]))]
        r[12] = _date(r[12], i)
        r[13] = (TRUE if r[13] == "是" else FALSE)[i % 7] if i % 3 else ("" if r[13] == "否" else "是")
        out.append(r)
    return out


@pytest.fixture(scope="module")
def clean_figures():
    return figures_of(SAMPLE_CONFIG)


def test_messy_gb18030_csv_with_title_blank_and_total_rows(tmp_path, clean_figures):
    rows = messy_rows()
    rows.insert(40, [""] * len(MESSY_HEADERS))
    rows.append(["合计", "", "", "", "", "48612", "", "2070"])
    path = write_csv(
        tmp_path / "messy.csv",
        rows,
        MESSY_HEADERS,
        encoding="gb18030",
        before=[["青溪区两新组织台账（2025年）"], []],
    )
    assert figures_of(SAMPLE_CONFIG, organizations=path) == clean_figures
    ledgers = load_ledgers(load_config(SAMPLE_CONFIG, data={"organizations": path}))
    ignored = {(i.row, i.reason) for i in ledgers.tables["organizations"].ignored}
    # title row 1, blank row 2, header row 3: data starts on row 4; the blank row is the 41st data row
    assert (44, "空行") in ignored
    assert (len(rows) + 3, "合计行") in ignored


def test_utf8_bom_csv(tmp_path, clean_figures):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (SAMPLE_DATA / "organizations_2025.csv").read_bytes())
    assert figures_of(SAMPLE_CONFIG, organizations=path) == clean_figures


def test_xlsx_with_title_row_total_row_and_merged_street_cells(tmp_path, clean_figures):
    import openpyxl

    rows = messy_rows()
    for i, r in enumerate(rows):
        if r[12] and i % 2:
            r[12] = dt.datetime.fromisoformat(_iso(r[12]))  # a real Excel date cell
    path = write_xlsx(tmp_path / "ledger.xlsx", rows, MESSY_HEADERS, before=[["台账"], []])
    book = openpyxl.load_workbook(path)
    ws = book.active
    # Merge each run of equal street cells, as hand-kept ledgers do; only the top cell keeps a value.
    first = 4
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][3] != rows[first - 4][3]:
            last = i + 3
            if last > first:
                ws.merge_cells(start_row=first, start_column=4, end_row=last, end_column=4)
            first = last + 1
    book.save(path)
    assert figures_of(SAMPLE_CONFIG, organizations=path) == clean_figures


def _iso(text: object) -> str:
    value = str(text).strip()
    for sep in ("/", ".", "年", "月"):
        value = value.replace(sep, "-")
    parts = value.replace("日", "").split("-")
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def test_config_header_mapping_and_sheet_choice(tmp_path):
    header = ["编号", "名称", "类型", "所在街道", "员工", "规上", "党员", "建制", "支部", "成立"]
    rows = [["A1", "甲公司", "企业", "东街道", 80, "是", 5, "单独建", "甲支部", "2025-03-01"]]
    book_path = tmp_path / "multi.xlsx"
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为填报说明"])
    ws = book.create_sheet("2025台账")
    ws.append(header)
    ws.append(rows[0])
    book.save(book_path)
    config = write_config(
        tmp_path,
        ledger="multi.xlsx",
        reading="headers: {编号: org_id, 名称: name, 类型: category, 所在街道: street, 员工: employees, "
        "规上: above_scale, 党员: party_members, 建制: party_org_form, 支部: party_org_name, "
        "成立: party_org_founded}",
    )
    values = figures_of(config)
    assert values["org_total"] == 1 and values["new_party_orgs"] == 1 and values["above_scale"] == 1


# --- bad input ---------------------------------------------------------------------------------


def problems_for(tmp_path, rows, **kw) -> list[str]:
    path = write_csv(tmp_path / "ledger.csv", rows, **kw)
    config = write_config(tmp_path)
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(config))
    assert path.exists()
    return [str(p) for p in caught.value.problems if p.is_error]


GOOD = [org_row("A1"), org_row("A2"), org_row("S1", category="社会组织")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r[1].__setitem__(7, "十二"), "ledger.csv，第3行，列“党员数”：“十二”不是整数"),
        (lambda r: r[1].__setitem__(5, "-3"), "ledger.csv，第3行，列“从业人员数”：“-3”不能为负数"),
        (
            lambda r: r[0].__setitem__(2, "个体户"),
            "ledger.csv，第2行，列“组织类别”：“个体户”不是可接受的取值",
        ),
        (lambda r: r[2].__setitem__(8, 9), "ledger.csv，第4行，列“流动党员数”：“9”流动党员数不能多于党员数"),
        (
            lambda r: r[1].__setitem__(10, ""),
            "ledger.csv，第3行，列“所属党组织”：已组建党组织的须填写所属党组织名称",
        ),
        (
            lambda r: r[0].__setitem__(6, ""),
            "ledger.csv，第2行，列“是否规模以上”：非公企业须填写是否规模以上",
        ),
        (
            lambda r: r[1].__setitem__(12, "2011-11-31"),
            "ledger.csv，第3行，列“党组织成立时间”：“2011-11-31”不是有效日期",
        ),
        (
            lambda r: r[1].__setitem__(13, "可能"),
            "ledger.csv，第3行，列“是否派驻党建工作指导员”：“可能”不是是/否值",
        ),
        (
            lambda r: r[2].__setitem__(0, "A1"),
            "ledger.csv，第4行，列“组织编号”：“A1”组织编号重复，与第2行相同",
        ),
        (lambda r: r[0].__setitem__(1, ""), "ledger.csv，第2行，列“组织名称”：不能为空"),
    ],
)
def test_one_problem_is_located_exactly(tmp_path, change, expected):
    rows = [list(r) for r in GOOD]
    change(rows)
    found = problems_for(tmp_path, rows)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found[0]


def test_warnings_do_not_stop_the_build(tmp_path):
    rows = [org_row("A1", employees=2, members=5, mobile=0), org_row("A2", founded="2026-03-01")]
    write_csv(tmp_path / "ledger.csv", [[*r, "13800000000"] for r in rows], header=[*HEADERS, "负责人电话"])
    ledgers = load_ledgers(load_config(write_config(tmp_path)))
    warnings = [str(p) for p in ledgers.warnings]
    assert any("第2行" in w and "党员数多于从业人员数" in w for w in warnings)
    assert any("第3行" in w and "晚于成文日期" in w for w in warnings)
    assert any("未识别的列，已忽略：负责人电话" in w for w in warnings)


def test_many_problems_are_all_reported_and_capped_per_column(tmp_path):
    rows = [org_row(f"A{i}", members="很多") for i in range(30)] + [org_row("B1", category="别的")]
    found = problems_for(tmp_path, rows)
    member_rows = [f for f in found if "列“党员数”" in f and "第" in f and "行" in f and "不是整数" in f]
    assert len(member_rows) == 20  # the cap; then one summary line counts the rest
    assert any("此列另有10处同类问题" in f for f in found)
    assert any("第32行" in f and "组织类别" in f for f in found)


def test_missing_required_column_lists_what_was_found_and_the_closest(tmp_path):
    header = [h if h != "党员数" else "党员人" for h in HEADERS]
    found = problems_for(tmp_path, [org_row("A1")], header=header)
    assert len(found) == 1
    assert "缺少必需的列“党员数”" in found[0] and "党员人" in found[0] and "最接近的是“党员人”" in found[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ledger.csv", b"", "文件是空的"),
        ("ledger.xlsx", "组织编号,组织名称\nA1,甲\n".encode(), "不是有效的 .xlsx 文件"),
        ("ledger.csv", '组织编号,组织名称\n"A1,甲\n'.encode(), "CSV 格式有误"),
        ("ledger.txt", b"x", "不支持的文件类型"),
    ],
)
def test_broken_files(tmp_path, name, content, expected):
    (tmp_path / name).write_bytes(content)
    config = write_config(tmp_path, ledger=name)
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(config))
    assert expected in str(caught.value), str(caught.value)
    assert name in str(caught.value)


def test_header_only_file(tmp_path):
    found = problems_for(tmp_path, [])
    assert found == ["ledger.csv：表中没有任何组织（只有表头或全是空行），无法生成报告"]


def test_truncated_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", GOOD)
    data = good.read_bytes()
    (tmp_path / "ledger.xlsx").write_bytes(data[: len(data) // 2])
    config = write_config(tmp_path, ledger="ledger.xlsx")
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(config))
    assert "ledger.xlsx" in str(caught.value)
    assert not zipfile.is_zipfile(tmp_path / "ledger.xlsx") or "损坏" in str(caught.value)


def test_missing_file_is_named(tmp_path):
    config = write_config(tmp_path, ledger="nowhere.csv")
    with pytest.raises(DataError, match="nowhere.csv：文件不存在"):
        load_ledgers(load_config(config))


def test_row_numbers_count_truly_empty_lines(tmp_path):
    path = write_csv(tmp_path / "ledger.csv", [org_row("A1"), org_row("A2"), org_row("A3", members="x")])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # an empty line between the first and second organisation
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_ledgers(load_config(write_config(tmp_path)))
    errors = [str(p) for p in caught.value.problems if p.is_error]
    assert errors == ["ledger.csv，第5行，列“党员数”：“x”不是整数（应为如 1200、1,200 或 1200人 的整数）"]


def test_serial_number_column_and_total_row_labelled_in_it(tmp_path):
    rows = [[i + 1, *org_row(f"A{i}")] for i in range(3)] + [["合计", "", "", "", "", "", 60, "", 9]]
    write_xlsx(tmp_path / "ledger.xlsx", rows, ["序号", *HEADERS, "备注"])
    ledgers = load_ledgers(load_config(write_config(tmp_path, ledger="ledger.xlsx")))
    table = ledgers.tables["organizations"]
    assert len(table.frame) == 3
    assert [(i.row, i.reason) for i in table.ignored] == [(5, "合计行")]
    assert ledgers.warnings == []  # 序号 and 备注 carry no data and are skipped quietly


def test_dash_and_slash_mean_not_applicable(tmp_path):
    rows = [org_row("A1", mobile="/", instructor="—", founded="-"), org_row("S1", category="社会组织")]
    write_csv(tmp_path / "ledger.csv", rows)
    frame = load_ledgers(load_config(write_config(tmp_path))).frame("organizations")
    assert frame.loc[2, ["mobile_members", "instructor_assigned", "party_org_founded"]].isna().all()
    rows[0][7] = "—"  # 党员数 is required: a dash there is a blank to fix
    found = problems_for(tmp_path, rows)
    assert found == ["ledger.csv，第2行，列“党员数”：不能为空"]


def test_compact_dates_from_exports(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1", founded="20250301"), org_row("A2", founded="20251301")])
    found = problems_for(tmp_path, [org_row("A1", founded="20250301"), org_row("A2", founded="20251301")])
    assert found == [
        "ledger.csv，第3行，列“党组织成立时间”：“20251301”不是有效日期（应为如 2024-05-01、2024/5/1、"
        "2024年5月1日、2024年5月 或 2024）"
    ]


def test_district_spellings_of_values_and_sub_column_headers(tmp_path):
    header = [h if h != "流动党员数" else "其中：流动党员数" for h in HEADERS]
    rows = [org_row("A1", category="非公"), org_row("S1", category="民非", mobile=2)]
    rows[0][6] = "否"  # 是否规模以上, which org_row leaves blank for categories it does not know
    write_csv(tmp_path / "ledger.csv", rows, header=header)
    config = write_config(tmp_path, reading="values: {category: {非公: 非公企业, 民非: 社会组织}}")
    frame = load_ledgers(load_config(config)).frame("organizations")
    assert frame["category"].tolist() == ["非公企业", "社会组织"]
    assert frame["mobile_members"].tolist() == [1, 2]


def test_a_value_spelling_must_map_to_a_contract_value(tmp_path):
    write_csv(tmp_path / "ledger.csv", [org_row("A1")])
    config = write_config(tmp_path, reading="values: {category: {民非: 民办}, street: {甲: 乙}}")
    from report_gen.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_config(config)
    text = str(caught.value)
    assert "data.organizations.values.category.民非" in text and "'民办' is not one of" in text
    assert "data.organizations.values.street" in text and "not an enum column" in text


def test_two_row_header_with_merged_cells(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    top = [
        "组织编号",
        "组织名称",
        "组织类别",
        "所属街道",
        "从业人员数",
        "是否规模以上",
        "党员情况",
        "",
        "党组织组建方式",
        "所属党组织",
    ]
    second = ["", "", "", "", "", "", "党员数", "流动党员数", "", ""]
    ws.append(["某区两新组织台账"])
    ws.append(top)
    ws.append(second)
    for col in (1, 2, 3, 4, 5, 6, 9, 10):  # single headers span both header rows
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells(start_row=2, start_column=7, end_row=2, end_column=8)  # 党员情况 over two columns
    ws.append(["A1", "甲公司", "企业", "东街道", 60, "是", 5, 2, "单独建", "甲公司党支部"])
    ws.append(["S1", "乙协会", "社会团体", "西街道", 8, "", 1, 0, "联合建", "西街道联合党支部"])
    book.save(tmp_path / "ledger.xlsx")
    frame = load_ledgers(load_config(write_config(tmp_path, ledger="ledger.xlsx"))).frame("organizations")
    assert list(frame.index) == [4, 5]  # Excel rows under the two header rows
    assert frame["party_members"].tolist() == [5, 1] and frame["mobile_members"].tolist() == [2, 0]
    assert frame["category"].tolist() == ["非公企业", "社会组织"]
