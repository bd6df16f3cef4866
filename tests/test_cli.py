"""Command-line promises: quiet mode, the problem sheet as CSV, internal errors, outputs that cannot be written."""

from __future__ import annotations

import csv
import os

from report_gen import output
from report_gen.cli import run

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA


def test_quiet_build_prints_nothing_but_problems(tmp_path, capsys):
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (tmp_path / "qingxi-2025.docx").is_file()


def test_problem_sheet_as_csv_opens_in_excel(tmp_path, capsys):
    lines = (SAMPLE_DATA / "organizations_2025.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[7] = "很多"
    lines[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sheet = tmp_path / "problems.csv"
    assert (
        run(["validate", str(SAMPLE_CONFIG), "--data", f"organizations={bad}", "--problems", str(sheet)]) == 2
    )
    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 CSV only with a BOM
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["级别", "文件", "工作表", "行", "列", "值", "配置项", "问题"]
    assert rows[1][:6] == ["错误", "bad.csv", "", "4", "党员数", "很多"]
    assert run(["validate", str(SAMPLE_CONFIG), "--problems", str(tmp_path / "p.txt")]) == 2
    assert "应以 .csv 或 .xlsx 结尾" in capsys.readouterr().err


def test_an_internal_error_is_one_line_unless_debugging(monkeypatch, capsys):
    import report_gen.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_gen.pipeline, "build", broken)
    assert run(["build", str(SAMPLE_CONFIG)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "内部错误，未生成报告：RuntimeError: boom（加 --debug 查看详情）"
    assert run(["build", str(SAMPLE_CONFIG), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_report_open_in_word_keeps_the_last_good_one(monkeypatch, tmp_path, capsys):
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = os.replace

    def locked(source, target):
        if str(target).endswith(".docx"):
            raise PermissionError(13, "in use")
        real_replace(source, target)

    monkeypatch.setattr(output.os, "replace", locked)
    code = run(["build", str(SAMPLE_CONFIG), "--out", str(tmp_path), "--set", "report.date=2025-12-08"])
    assert code == 1
    assert "文件可能正在 Word 或 WPS 中打开" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temporary files left either
