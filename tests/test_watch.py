"""``--watch``: a report built again each time one of its inputs is saved, as an office corrects
its ledger; a broken save says why and the watch goes on; Ctrl+C ends it cleanly."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from report_gen.watch import snapshot, wait_for_change, watched_files

from .conftest import ROOT, SAMPLE_CONFIG
from .test_batch import CITY_CONFIG, city_rows, row_of, write_city


def test_a_change_is_returned_once_the_file_holds_still(tmp_path):
    ledger, other = tmp_path / "ledger.csv", tmp_path / "other.csv"
    ledger.write_text("a\n1\n", encoding="utf-8")
    other.write_text("b\n", encoding="utf-8")
    writes = iter(["a\n12\n", "a\n123\n"])  # written over two polls, as a slow copy would be
    looks = []

    def sleep(seconds: float) -> None:
        looks.append(seconds)
        if len(looks) in (3, 4):
            ledger.write_text(next(writes), encoding="utf-8")

    changed, state = wait_for_change([ledger, other], poll=0.2, settle=0.1, sleep=sleep)
    assert changed == [ledger] and ledger.read_text(encoding="utf-8") == "a\n123\n"
    assert looks == [0.2, 0.2, 0.2, 0.1, 0.1]  # changing at the 3rd look and the 4th, still at the 5th
    other.unlink()  # gone while the last build ran: seen at once, against the state it began from
    assert wait_for_change([ledger, other], since=state, sleep=lambda s: None)[0] == [other]
    assert snapshot([other]) == {other: None}


def test_the_files_watched_are_those_the_build_reads(tmp_path):
    files = watched_files([SAMPLE_CONFIG], None, None)
    names = {p.name for p in files}
    assert {"sample.yaml", "base.yaml", "organizations_2025.csv", "organizations_2024.csv"} <= names
    broken = tmp_path / "broken.yaml"
    broken.write_text("report: [\n", encoding="utf-8")
    assert watched_files([broken], None, None) == [broken]  # its fix is what to wait for


class Running:
    """A ``report-gen`` process whose output is read line by line as it comes."""

    def __init__(self, *args: str):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "report_gen", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, text: str, timeout: float = 60) -> list[str]:
        """The lines up to and including the next that contains ``text``."""
        got: list[str] = []
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in time; so far: {self.seen}") from None
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


def test_a_corrected_cell_rebuilds_only_its_district_while_watching(tmp_path):
    rows = city_rows()
    write_city(tmp_path, rows)
    config = tmp_path / "city.yaml"
    config.write_text(CITY_CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    watching = Running("batch", str(config), "--split-by", "district", "--out", str(out), "-q", "--watch")
    try:
        first = watching.until("正在监视")
        assert any("已生成3份" in line for line in first)
        corrected = [list(r) for r in rows]
        corrected[row_of(rows, "DH001") - 2][7] = 8  # 党员数 of one organisation of 东湖区: 3 → 8
        write_city(tmp_path, corrected)
        second = watching.until("正在监视")
        assert any("city.csv 有改动，重新生成" in line for line in second)
        assert any("已生成1份，未变化跳过2份" in line for line in second)
        assert any("东湖区" in line and "已生成" in line for line in second)
        broken = [list(r) for r in corrected]
        broken[row_of(rows, "XS002") - 2][7] = "十二"
        write_city(tmp_path, broken)
        third = watching.until("正在监视")  # the watch goes on after a failed build
        assert any("十二" in line for line in third) and any("失败1份" in line for line in third), third
        write_city(tmp_path, corrected)
        fourth = watching.until("正在监视")
        # 西山区 is back to the rows of its last report: skipped; the summary has all three again
        assert any("失败0份" in line for line in fourth), fourth
        assert any("（全市汇总）" in line and "已生成" in line for line in fourth), fourth
    finally:
        code = watching.stop()
    assert code == 0, watching.seen[-6:]
    assert watching.seen[-1] == "已停止监视。"
    assert not any("Traceback" in line for line in watching.seen)


def test_a_single_report_is_rebuilt_when_its_ledger_is_saved(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    ledger = tmp_path / "sample_data" / "organizations_2025.csv"
    watching = Running(
        "build", str(tmp_path / "config" / "sample.yaml"), "--out", str(tmp_path / "out"), "--watch"
    )
    try:
        watching.until("正在监视")
        lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].rstrip("\r\n").split(",")
        column = header.index("流动党员数")
        members = header.index("党员数")
        row = next(i for i, line in enumerate(lines) if i and int(line.split(",")[members]) > 5)
        cells = lines[row].rstrip("\r\n").split(",")
        cells[column] = str(int(cells[column]) + 1)
        lines[row] = ",".join(cells) + "\n"
        ledger.write_text("".join(lines), encoding="utf-8")
        rebuilt = watching.until("正在监视")
    finally:
        code = watching.stop()
    assert code == 0
    assert any("流动党员数：1316名 → 1317名" in line for line in rebuilt), rebuilt
    assert Path(tmp_path / "out" / "qingxi-2025.docx").is_file()
