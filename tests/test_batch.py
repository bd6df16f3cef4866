"""A city's ledger split by district: one correct report per district, a city summary, a district
with broken data failing alone, unchanged districts skipped, a corrected cell rebuilding one."""

from __future__ import annotations

import io
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest

from report_gen import batch
from report_gen.cli import run
from report_gen.contract import builtin_ledgers, header_index, match_header

from .conftest import HEADERS, org_row, run_cli, write_csv

CITY = "江城市"
# (district, id prefix, organisations with a party organisation out of ten)
DISTRICTS = (("东湖区", "DH", 8), ("西山区", "XS", 7), ("南岭县", "NL", 2))
CITY_CONFIG = """\
extends: base.yaml
report:
  district: 江城市
  year: 2025
  survey_period: {start: 2025-11-25, end: 2025-11-30}
  date: 2025-12-05
data:
  organizations: city.csv
"""


def city_rows() -> list[list[object]]:
    """Ten organisations per district, the districts interleaved row by row (as a merged ledger
    is), so each district's rows keep their own row numbers of the city file."""
    rows = []
    for i in range(10):
        for district, prefix, formed in DISTRICTS:
            form = "单独组建" if i < formed else "未组建"
            row = org_row(
                f"{prefix}{i:03d}",
                street="甲街道" if i % 2 else "乙街道",
                category="社会组织" if i % 4 == 3 else "非公企业",
                members=3 if form != "未组建" else 0,
                mobile=0,
                form=form,
            )
            rows.append([*row, district])
    return rows


def write_city(folder: Path, rows: list[list[object]]) -> Path:
    return write_csv(folder / "city.csv", rows, header=[*HEADERS, "所属区县"])


cli = run_cli


def text_of(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def row_of(rows: list[list[object]], org_id: str) -> int:
    """The row number the city file shows for an organisation (the header is row 1)."""
    return next(i for i, row in enumerate(rows) if row[0] == org_id) + 2


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The city built once, then again unchanged, then with one cell corrected, then with one broken:
    the outputs of each step (exit code, stdout, stderr) and the folder."""
    folder = tmp_path_factory.mktemp("city")
    rows = city_rows()
    write_city(folder, rows)
    config = folder / "city.yaml"
    config.write_text(CITY_CONFIG, encoding="utf-8")
    out = folder / "out"
    command = ("batch", str(config), "--split-by", "district", "--out", str(out))
    summary = out / f"{CITY}-2025-汇总.docx"
    steps = {"first": cli(*command, "--jobs", "2")}
    steps["first_summary"] = text_of(summary)
    steps["docx_mtimes"] = {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")}
    shutil.copy(out / "东湖区-2025.figures.json", folder / "before.figures.json")
    steps["again"] = cli(*command, "--jobs", "1")
    steps["again_mtimes"] = {p.name: p.stat().st_mtime_ns for p in out.glob("*.docx")}
    corrected = [list(r) for r in rows]
    corrected[row_of(rows, "DH001") - 2][7] = 8  # 党员数 of one organisation of 东湖区: 3 → 8
    write_city(folder, corrected)
    steps["corrected"] = cli(*command, "--jobs", "1")
    steps["corrected_summary"] = text_of(summary)
    broken = [list(r) for r in corrected]
    broken[row_of(rows, "XS002") - 2][7] = "十二"
    write_city(folder, broken)
    steps["broken"] = cli(*command, "--jobs", "1")
    steps["broken_summary"] = text_of(summary)
    return folder, out, rows, steps


def test_the_district_headers_of_the_contract():
    index = header_index(builtin_ledgers()["organizations"])
    for header in ("所属区县", "区县", "所属区（县）", "区县名称", "district"):
        assert match_header(header, index) == "district", header


def test_one_correctly_titled_report_per_district(city):
    _, out, _, steps = city
    code, stdout, stderr = steps["first"]
    assert code == 0, stderr
    for district, _prefix, _ in DISTRICTS:
        text = text_of(out / f"{district}-2025.docx")
        assert f"关于{district}“两新组织”党建工作情况的调研报告" in text.replace("\n", "")
        assert f"中共{district}委组织部" in text
        for other in [d for d, _, _ in DISTRICTS if d != district] + [CITY, "青溪区"]:
            assert other not in text, (district, other)
        figures = json.loads((out / f"{district}-2025.figures.json").read_text(encoding="utf-8"))
        values = {f["id"]: f["value"] for f in figures["figures"]}
        assert values["org_total"] == 10 and figures["report"]["district"] == district
    assert "全县" in text_of(out / "南岭县-2025.docx")
    assert "共3份报告：已生成3份" in stdout


def test_the_city_summary_ranks_the_districts_and_names_the_one_far_behind(city):
    _, out, _, steps = city
    text = steps["first_summary"]
    assert f"关于{CITY}各区县“两新组织”党建工作情况的汇总报告" in text.replace("\n", "")
    # 17 of 30 organisations have a party organisation: the city's rate from its parts
    assert "全市：“两新组织”总数30家" in text and "党员51名" in text and "党组织覆盖率56.7%" in text
    assert "依次为东湖区（80.0%）、西山区（70.0%）、南岭县（20.0%）" in text
    assert "5个百分点以上的区县有1个：南岭县为20.0%，低于全市36.7个百分点" in text
    assert "\n".join(["合计", "30家", "24家", "6家", "51名", "17个", "56.7%"]) in text
    assert text.index("\n东湖区\n") < text.index("\n西山区\n") < text.index("\n南岭县\n")
    assert len(docx.Document(str(out / f"{CITY}-2025-汇总.docx")).inline_shapes) == 1


def test_an_unchanged_city_is_skipped(city):
    _, _, _, steps = city
    code, stdout, _ = steps["again"]
    assert code == 0
    assert "已生成0份，未变化跳过3份" in stdout and "（全市汇总）  未变化，跳过" in stdout
    assert steps["again_mtimes"] == steps["docx_mtimes"]


def test_a_corrected_cell_rebuilds_its_district_only_and_the_summary_names_what_moved(city):
    folder, out, _, steps = city
    code, stdout, stderr = steps["corrected"]
    assert code == 0, stderr
    assert "已生成1份，未变化跳过2份" in stdout
    assert "东湖区的数据变化：\n  党员数：24名 → 29名" in stdout
    summary = steps["corrected_summary"]
    assert "与上次汇总相比的变化" in summary and "东湖区党员数：24名 → 29名。" in summary
    code, diff, _ = cli("diff", str(folder / "before.figures.json"), str(out / "东湖区-2025.figures.json"))
    assert code == 0
    lines = diff.splitlines()
    at = lines.index("党员数：24名 → 29名")
    assert any(line.startswith("    现文：") and "29名" in line for line in lines[at + 1 :])


def test_a_district_with_a_broken_cell_fails_alone_with_its_row_named(city):
    _, out, rows, steps = city
    code, stdout, stderr = steps["broken"]
    assert code == 2
    assert "西山区" in stderr and f"第{row_of(rows, 'XS002')}行" in stderr and "党员数" in stderr
    assert "“十二”不是整数" in stderr
    assert "失败（数据有误）" in stdout and "已生成0份，未变化跳过2份，失败1份" in stdout
    assert (out / "西山区-2025.docx").is_file()  # the last good report stays
    # the summary adds up the districts that were built, and says which one is left out
    assert "西山区的台账数据有误，报告未生成，未计入以下汇总" in steps["broken_summary"]
    assert "以上2个区县合计：“两新组织”总数20家" in steps["broken_summary"]


def test_a_ledger_without_the_district_column_cannot_be_split(tmp_path):
    write_csv(tmp_path / "city.csv", [r[:-1] for r in city_rows()])
    (tmp_path / "city.yaml").write_text(CITY_CONFIG, encoding="utf-8")
    code, _, stderr = cli(
        "batch", str(tmp_path / "city.yaml"), "--split-by", "district", "--out", str(tmp_path)
    )
    assert code == 2 and "没有“所属区县”列" in stderr
    assert not list(tmp_path.glob("*.docx"))


def test_any_executor_runs_the_jobs(city):
    folder, out, _, _ = city
    split = batch.split_city(folder / "city.yaml")
    jobs = batch.district_jobs(split, folder / "city.yaml", out_dir=out)
    with ThreadPoolExecutor(2) as executor:
        outcomes = batch.run_jobs(jobs, executor=executor)
    assert [o.name for o in outcomes] == [d for d, _, _ in DISTRICTS]
    assert [o.status for o in outcomes] == [batch.SKIPPED, batch.FAILED, batch.SKIPPED]


def test_a_single_build_is_skipped_when_nothing_changed(city, tmp_path):
    folder, _, _, _ = city
    write_city(folder, city_rows())
    command = ("build", str(folder / "city.yaml"), "--set", "report.district=东湖区", "--out", str(tmp_path))
    # the whole city's ledger under one district's name: the identity check refuses it, so build
    # from the district's own rows
    rows = [r[:-1] for r in city_rows() if r[-1] == "东湖区"]
    write_csv(tmp_path / "dh.csv", rows)
    command += ("--data", f"organizations={tmp_path / 'dh.csv'}")
    assert cli(*command)[0] == 0
    code, stdout, _ = cli(*command)
    assert code == 0 and "未重新生成" in stdout
    code, stdout, _ = cli(*command, "--force")
    assert code == 0 and "已写出" in stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(city, monkeypatch):
    import functools

    import tqdm

    # tqdm redraws at most every 0.1 s: a batch finished sooner would never draw 3/3. Here every
    # update is drawn, so the test does not depend on how fast the reports are written.
    monkeypatch.setattr(tqdm, "tqdm", functools.partial(tqdm.tqdm, mininterval=0))
    folder, out, _, _ = city
    command = ["batch", str(folder / "city.yaml"), "--split-by", "district", "--out", str(out), "--jobs", "1"]
    terminal = _Terminal()
    run(command, stdout=io.StringIO(), stderr=terminal)
    assert "生成报告" in terminal.getvalue() and "3/3" in terminal.getvalue()
    plain = io.StringIO()
    run(command, stdout=io.StringIO(), stderr=plain)
    assert "[1/3] 东湖区：" in plain.getvalue()
    quiet = io.StringIO()
    run([*command, "-q"], stdout=io.StringIO(), stderr=quiet)
    assert "[1/3]" not in quiet.getvalue()


def test_a_row_without_a_district_is_named_and_the_districts_are_still_built(tmp_path):
    rows = city_rows()
    rows[4][-1] = " "
    write_city(tmp_path, rows)
    (tmp_path / "city.yaml").write_text(CITY_CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    command = ("batch", str(tmp_path / "city.yaml"), "--split-by", "district", "--out", str(out))
    code, stdout, stderr = cli(*command, "--jobs", "1", "--no-summary")
    assert code == 2
    assert "第6行" in stderr and "所属区县为空" in stderr and "所属区县" in stderr
    assert "已生成3份" in stdout and not list(out.glob("*汇总*"))
    # the same again: nothing is rebuilt, and the row is still named
    code, stdout, stderr = cli(*command, "--jobs", "1", "--no-summary")
    assert code == 2 and "第6行" in stderr and "未变化跳过3份" in stdout


def test_a_folder_of_district_configs_with_a_summary(tmp_path):
    folder = tmp_path / "districts"
    folder.mkdir()
    for district, _prefix, _formed in DISTRICTS[:2]:
        rows = [r[:-1] for r in city_rows() if r[-1] == district]
        write_csv(folder / f"{district}.csv", rows)
        text = CITY_CONFIG.replace("江城市", district).replace("city.csv", f"{district}.csv")
        text = text.replace(
            "  date: 2025-12-05\n", '  date: 2025-12-05\n  output_name: "{district}-{year}"\n'
        )
        (folder / f"{district}.yaml").write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not a config", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        "batch", str(folder), "--summary", "--city", CITY, "--out", str(out), "--jobs", "1"
    )
    assert code == 0, stderr
    assert sorted(p.name for p in out.glob("*.docx")) == sorted(
        ["东湖区-2025.docx", "西山区-2025.docx", f"{CITY}-2025-汇总.docx"]
    )
    summary = text_of(out / f"{CITY}-2025-汇总.docx")
    assert "依次为东湖区（80.0%）、西山区（70.0%）" in summary and "全市：“两新组织”总数20家" in summary
    assert cli("batch", str(folder), "--summary", "--out", str(out))[0] == 2  # a summary needs --city


def test_an_unchanged_city_is_known_without_reading_or_writing_machinery(tmp_path):
    """Finding that nothing changed reads the files' digests and the fingerprints only: neither
    pandas (reading ledgers) nor python-docx (writing reports) is imported, which is what makes the
    second batch of an unchanged city take a fraction of a second."""
    import subprocess
    import sys

    write_city(tmp_path, city_rows())
    config = tmp_path / "city.yaml"
    config.write_text(CITY_CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(config), "--split-by", "district", "--out", str(out), "-q"]
    assert cli(*args, "--jobs", "1")[0] == 0
    probe = (
        "import sys\n"
        "from report_gen.cli import run\n"
        f"code = run({args!r})\n"
        "print(code, sorted(m for m in ('pandas', 'docx', 'matplotlib', 'pyarrow') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "0 []", done.stdout + done.stderr


def test_a_district_rows_digest_reads_values_not_how_they_are_stored():
    """Two districts' rows are equal inputs exactly when their cells, row numbers and headers are:
    a slice of the whole city's column and the same values read alone give one digest; a changed
    cell, a blank turned empty text, or a row moved to another row number give another."""
    import pandas as pd
    import pyarrow as pa

    from report_gen.arrow_text import TEXT_DTYPE
    from report_gen.fingerprint import rows_digest

    city = pd.Series(["甲", "乙", None, "丁", "戊", "己"], dtype=TEXT_DTYPE, index=range(2, 8))
    piece = city.iloc[2:5]  # rows 4–6: a slice sharing the city's buffers
    alone = pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([[None], ["丁", "戊"]], type=pa.large_string())),
        index=range(4, 7),
    )
    headers = {"name": "组织名称"}

    def digest(column):
        return rows_digest({"name": column}, headers, "organizations")

    assert digest(piece) == digest(alone)
    assert digest(piece) != digest(pd.Series([None, "丁", "庚"], dtype=TEXT_DTYPE, index=range(4, 7)))
    assert digest(piece) != digest(pd.Series(["", "丁", "戊"], dtype=TEXT_DTYPE, index=range(4, 7)))
    assert digest(piece) != digest(pd.Series([None, "丁", "戊"], dtype=TEXT_DTYPE, index=range(5, 8)))
    assert digest(piece) != rows_digest({"name": piece}, {"name": "单位名称"}, "organizations")
