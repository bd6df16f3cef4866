"""Hostile and careless input: each case is refused with exit 2 and one line naming where, quickly,
without a traceback, and the last good report is never touched."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from report_gen import output

from .conftest import HEADERS, Ran, org_row, run_cli, write_config, write_csv, write_xlsx

FAST_SECONDS = 15


def cli(*args: str) -> Ran:
    start = time.monotonic()
    ran = run_cli(*args)
    assert time.monotonic() - start < FAST_SECONDS, args
    assert "\x1b" not in ran.err and "\x0b" not in ran.err  # control characters escaped
    return ran


def ledger(folder: Path, rows: list[list[object]] | None = None) -> Path:
    rows = (
        rows
        if rows is not None
        else [org_row(f"A{i}", street="甲街道乙街道丙街道"[3 * (i % 3) : 3 * (i % 3) + 3]) for i in range(6)]
    )
    return write_csv(folder / "ledger.csv", rows)


def district(folder: Path, extra: str = "", rows: list[list[object]] | None = None) -> Path:
    ledger(folder, rows)
    return write_config(folder, extra=extra)


def one_bad_cell(index: int, value: object) -> list[list[object]]:
    rows = [org_row(f"A{i}") for i in range(4)]
    rows[2][index] = value
    return rows


# --- ledger values --------------------------------------------------------------------------

EMPLOYEES = HEADERS.index("从业人员数")
FOUNDED = HEADERS.index("党组织成立时间")
STREET = HEADERS.index("所属街道")


@pytest.mark.parametrize(
    "index, value",
    [
        (EMPLOYEES, "99999999999999999999"),
        (EMPLOYEES, "1E+20"),
        (EMPLOYEES, "①"),
        (EMPLOYEES, "²"),
        (EMPLOYEES, "١٢"),
        (EMPLOYEES, "1" * 1_000_000),
        (FOUNDED, "9999-12-31"),
        (FOUNDED, "1000-01-01"),
        (EMPLOYEES, "\x1b[31m12\x1b[0m"),
    ],
    ids=["2^66", "1E+20", "circled", "superscript", "arabic-indic", "1MB", "9999", "1000", "escape"],
)
def test_values_out_of_range_are_data_errors_with_row_and_column(tmp_path, index, value):
    config = district(tmp_path, rows=one_bad_cell(index, value))
    code, _, err = cli("validate", str(config))
    assert code == 2
    line = next(line for line in err.splitlines() if "第4行" in line)
    assert "ledger.csv" in line and (HEADERS[index] in line or "CSV" in line)
    assert len(err) < 2000  # a 1 MB cell is not echoed whole


@pytest.mark.parametrize("value", [1e20, dt.datetime(9999, 12, 31), dt.datetime(1000, 1, 1)])
def test_excel_cells_out_of_range_are_data_errors(tmp_path, value):
    rows = [org_row(f"A{i}") for i in range(3)]
    rows[1][EMPLOYEES if isinstance(value, float) else FOUNDED] = value
    write_xlsx(tmp_path / "ledger.xlsx", rows)
    code, _, err = cli("validate", str(write_config(tmp_path, ledger="ledger.xlsx")))
    assert code == 2 and "ledger.xlsx" in err and "第3行" in err


def test_bad_gb18030_byte_late_in_the_file_names_the_line(tmp_path):
    rows = [org_row(f"A{i:05d}", name="某某某某某某某某有限公司" * 3) for i in range(3000)]
    path = write_csv(tmp_path / "ledger.csv", rows, encoding="gb18030")
    data = path.read_bytes()
    assert len(data) > 256 * 1024
    cut = data.rfind("有限公司".encode("gb18030"))
    path.write_bytes(data[:cut] + b"\x81\x20" + data[cut + 2 :])
    code, _, err = cli("validate", str(write_config(tmp_path)))
    assert code == 2 and "ledger.csv" in err and "第3001行" in err


def test_control_characters_and_maths_in_names_build(tmp_path):
    rows = [
        org_row("A1", street="甲\x0b街道"),
        org_row("A2", street="$\\foo{$"),
        org_row("A3", street="$\\sqrt{2}$"),
    ]
    config = district(tmp_path, rows=rows)
    code, _, err = cli("build", str(config), "--out", str(tmp_path / "out"), "--format", "docx,md,html")
    assert code == 0, err
    import docx

    document = docx.Document(str(tmp_path / "out" / "test.docx"))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "甲 街道" in cells and "$\\sqrt{2}$" in cells


def test_newlines_and_html_in_a_cell_stay_text_in_markdown(tmp_path):
    rows = [org_row("A1", street="甲街道\n# 注入的标题"), org_row("A2", street="<script>alert(1)</script>")]
    config = district(tmp_path, rows=rows)
    code, _, err = cli("build", str(config), "--out", str(tmp_path / "out"), "--format", "md")
    assert code == 0, err
    text = (tmp_path / "out" / "test.md").read_text(encoding="utf-8")
    assert not any(line.startswith("# 注入") for line in text.splitlines())
    assert "<script>" not in text and "&lt;script&gt;" in text


# --- files that are not files ---------------------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "loop", "long", "missing"])
def test_data_path_that_is_not_a_regular_file(tmp_path, kind):
    config = district(tmp_path)
    target = {
        "device": lambda: Path("/dev/zero"),
        "fifo": lambda: _fifo(tmp_path / "pipe.csv"),
        "folder": lambda: Path(tmp_path),
        "missing": lambda: tmp_path / "missing.csv",
        "long": lambda: tmp_path / ("长" * 300 + ".csv"),
        "loop": lambda: (
            (os.symlink("b.csv", tmp_path / "a.csv"), os.symlink("a.csv", tmp_path / "b.csv"))
            and tmp_path / "a.csv"
        ),
    }[kind]()
    suffix = "" if str(target).endswith(".csv") else ""
    code, _, err = cli("validate", str(config), "--data", f"organizations={target}{suffix}")
    assert code == 2, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize(
    "extra, key",
    [
        ("reference_docx: /dev/zero", "reference_docx"),
        ("reference_docx: pipe.docx", "reference_docx"),
        ("template: pipe.docx", "template"),
    ],
)
def test_word_files_that_are_not_regular_files(tmp_path, extra, key):
    _fifo(tmp_path / "pipe.docx")
    code, _, err = cli("validate", str(district(tmp_path, extra=extra)))
    assert code == 2 and key in err


def test_extends_a_device_fifo_or_any_other_file(tmp_path):
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("password: hunter2\ntoken: abc\n", encoding="utf-8")
    for parent in ("secrets.txt", "/dev/zero"):
        path = tmp_path / "c.yaml"
        path.write_text(f"extends: {parent}\n", encoding="utf-8")
        code, _, err = cli("validate", str(path))
        assert code == 2 and "extends" in err and "hunter2" not in err and "password" not in err
    if hasattr(os, "mkfifo"):
        _fifo(tmp_path / "pipe.yaml")
        path.write_text("extends: pipe.yaml\n", encoding="utf-8")
        code, _, err = cli("validate", str(path))
        assert code == 2 and "extends" in err


def test_config_symlink_loop_and_long_and_undecodable_names(tmp_path):
    os.symlink("y.yaml", tmp_path / "x.yaml")
    os.symlink("x.yaml", tmp_path / "y.yaml")
    assert cli("validate", str(tmp_path / "x.yaml"))[0] == 2
    assert cli("validate", str(tmp_path / ("名" * 300 + ".yaml")))[0] == 2
    config = district(tmp_path)
    odd = os.fsdecode(b"\xb2\xe2\xca\xd4.csv")  # GBK bytes, as unzipped from a Windows archive
    (tmp_path / odd).write_bytes((tmp_path / "ledger.csv").read_bytes())
    code, _, err = cli(
        "build", str(config), "--data", f"organizations={tmp_path / odd}", "--out", str(tmp_path / "o")
    )
    assert code == 0, err
    assert "测试.csv" in (tmp_path / "o" / "test.figures.json").read_text(encoding="utf-8")


# --- config and template mistakes -----------------------------------------------------------

LAUGHS = "\n".join(
    ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
)


@pytest.mark.parametrize(
    "extra, key",
    [
        ("params:\n  " + LAUGHS.replace("\n", "\n  "), "展开锚点"),
        ("manual_figures: {m: {label: 甲, value: .inf, source: 乙}}", "manual_figures.m.value"),
        ("style: {title_chars_per_line: 0}", "style.title_chars_per_line"),
        ("style: {margin_left_mm: 500}", "style.margin_left_mm"),
        ("style: {title_chars_per_lines: 20}", "style.title_chars_per_lines"),
        ("params: {big: " + "9" * 5000 + "}", "整数位数过多"),
        ("params: {a: 1}\nparams: {a: 2}", "重复出现"),
        ("params: " + "[" * 30000, "嵌套"),
        ('indicators: {bad: {label: 坏, agg: count, where: employees > "a"}}', "indicators.bad.where"),
        (
            'indicators: {bad: {label: 坏, agg: count, where: \'"a" * 2000000000 == "b"\'}}',
            "indicators.bad.where",
        ),
        (
            "indicators: {bad: {label: 坏, agg: formula, expr: '" + "+".join(["org_total"] * 100_000) + "'}}",
            "indicators.bad.expr",
        ),
        ("narrative: {opening: '{{ x'}", "narrative.opening"),
    ],
    ids=lambda v: str(v)[:24],
)
def test_config_and_template_mistakes_name_the_key(tmp_path, extra, key):
    code, _, err = cli("validate", str(district(tmp_path, extra=extra)))
    assert code == 2 and key in err, err
    assert len(err.splitlines()) < 40


@pytest.mark.parametrize(
    "text",
    [
        "{% for i in range(10**9) %}x{% endfor %}",
        '{{ "a" * 10**9 }}',
        '{{ ("a" * 900000) * 900000 }}',
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        '{{ "%999999999s" % 1 }}',
        '{{ "{:>999999999}".format(1) }}',
        "{{ 'a'|center(999999999) }}",
        "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}",
        "{{ 2 ** 99999999 }}",
    ],
)
def test_template_limits_end_as_template_errors_naming_the_key(tmp_path, text):
    extra = "narrative:\n  opening: '" + text.replace("'", "''") + "'"
    code, _, err = cli("build", str(district(tmp_path, extra=extra)), "--out", str(tmp_path / "o"))
    assert code == 2 and "narrative.opening" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "setting, key",
    [
        ("report.date=9999-01-01", "report.date"),
        ("report.title=" + "很长的标题" * 10_000, "report.title"),
        ("report.year=" + "9" * 5000, "整数位数过多"),
    ],
    ids=["year-9999", "long-title", "5000-digits"],
)
def test_overrides_out_of_range_name_the_key(tmp_path, setting, key):
    code, _, err = cli("build", str(district(tmp_path)), "--set", setting, "--out", str(tmp_path / "o"))
    assert code == 2 and key in err


def test_chart_grouped_by_twenty_thousand_values_is_refused_quickly(tmp_path):
    rows = [org_row(f"A{i:05d}", street=f"街道{i}") for i in range(20_000)]
    extra = "charts: {many: {caption: 多, kind: bar, by: street, series: [org_total]}}"
    code, _, err = cli("build", str(district(tmp_path, extra=extra, rows=rows)), "--out", str(tmp_path / "o"))
    assert code == 2 and "charts." in err and ".by" in err


# --- xlsx sheets larger than any ledger -----------------------------------------------------


def _xlsx_with_cell_at(path: Path, ref: str, dimension: bool) -> Path:
    write_xlsx(path, [org_row("A1")])
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                data = data.replace(
                    b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode()
                )
                if dimension:
                    data = data.replace(b'<dimension ref="A1:O2"/>', f'<dimension ref="A1:{ref}"/>'.encode())
            target.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576", "ZZ200000"])
def test_sheet_used_area_beyond_limits_is_refused_before_reading(tmp_path, ref):
    _xlsx_with_cell_at(tmp_path / "ledger.xlsx", ref, dimension=True)
    code, _, err = cli("validate", str(write_config(tmp_path, ledger="ledger.xlsx")))
    assert code == 2 and "ledger.xlsx" in err and "使用区域过大" in err


# --- writing --------------------------------------------------------------------------------

INJECTION = "=cmd|' /C calc'!A0"


def test_problem_sheets_never_hold_formulas(tmp_path):
    rows = one_bad_cell(EMPLOYEES, INJECTION)
    rows[1][EMPLOYEES] = '=HYPERLINK("http://x")'
    ledger_path = write_csv(tmp_path / "=1+2.csv", rows)
    config = write_config(tmp_path, ledger=ledger_path.name)
    assert cli("validate", str(config), "--problems", str(tmp_path / "p.xlsx"))[0] == 2
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert INJECTION in [c.value for c in cells]
    assert cli("validate", str(config), "--problems", str(tmp_path / "p.csv"))[0] == 2
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'" + INJECTION.replace('"', '""') in text and ",'=1+2.csv," in text
    assert cli("validate", str(config), "--problems", str(tmp_path / "p.csv"))[0] == 2  # replaces its own


def test_problem_sheet_or_output_never_replaces_an_input(tmp_path):
    config = district(tmp_path, rows=one_bad_cell(EMPLOYEES, "很多"))
    ledger_path = tmp_path / "ledger.csv"
    before = ledger_path.read_bytes()
    code, _, err = cli("validate", str(config), "--problems", str(ledger_path))
    assert code == 2 and ledger_path.read_bytes() == before
    other = tmp_path / "notes.csv"
    other.write_text("my notes\n", encoding="utf-8")
    assert cli("validate", str(config), "--problems", str(other))[0] == 2
    assert other.read_text(encoding="utf-8") == "my notes\n"
    fixed = district(tmp_path)
    assert cli("build", str(fixed), "--out", str(tmp_path / "o"))[0] == 0
    reference = tmp_path / "o" / "test.docx"
    before = reference.read_bytes()
    code, _, err = cli(
        "build", str(fixed), "--out", str(tmp_path / "o"), "--set", f"reference_docx={reference}"
    )
    assert code == 2 and "输入文件" in err and reference.read_bytes() == before


def test_outputs_replace_symlinks_keep_modes_and_clear_leftovers(tmp_path):
    config = district(tmp_path)
    out = tmp_path / "out"
    assert cli("build", str(config), "--out", str(out))[0] == 0
    keep = out / "keep.txt"
    keep.write_text("mine", encoding="utf-8")
    (out / "test.docx").unlink()
    os.symlink("keep.txt", out / "test.docx")
    os.chmod(out / "test.figures.json", 0o640)
    (out / ".test.docx.abc123.tmp").write_bytes(b"half")
    assert cli("build", str(config), "--out", str(out))[0] == 0
    assert keep.read_text(encoding="utf-8") == "mine"
    assert not (out / "test.docx").is_symlink()
    assert stat.S_IMODE(os.stat(out / "test.figures.json").st_mode) == 0o640
    assert not list(out.glob(".test.docx.*.tmp"))


def test_builds_into_one_folder_wait_for_each_other(tmp_path, monkeypatch):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(output, "LOCK_SECONDS", 0.2)
    with open(out / output.LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(output.OutputError, match="另一次生成"):
            output.write_atomically(out, {"a.txt": b"x"})
    assert output.write_atomically(out, {"a.txt": b"x"}) == [out / "a.txt"]


@pytest.mark.parametrize("content", [b"[]", b"null", b"\x00garbage{", b'{"figures": 3}', "fifo"])
def test_damaged_previous_figures_json_is_a_warning(tmp_path, content):
    config = district(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "test.figures.json"
    if content == "fifo":
        os.mkfifo(target)
    else:
        target.write_bytes(content)
    code, _, err = cli("build", str(config), "--out", str(out))
    assert code == 0 and "数据清单已损坏" in err
    assert target.is_file()
