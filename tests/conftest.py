"""Shared fixtures: the sample built once per session, and small builders for ledgers and configs."""

from __future__ import annotations

import csv
import io
import os
import shutil
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

# Pure functions, but CI machines are shared: a slow moment must not fail a property test.
settings.register_profile("report-gen", deadline=None)
settings.load_profile("report-gen")

# Charts the tests draw are kept in a cache folder of this test run, not the user's own.
if "REPORT_GEN_CACHE" not in os.environ:
    import atexit
    import tempfile

    _CACHE = tempfile.mkdtemp(prefix="report-gen-test-cache-")
    os.environ["REPORT_GEN_CACHE"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, True)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "config" / "sample.yaml"
SAMPLE_DATA = ROOT / "sample_data"

HEADERS = [
    "组织编号", "组织名称", "组织类别", "所属街道", "所属行业", "从业人员数", "是否规模以上", "党员数",
    "流动党员数", "党组织组建方式", "所属党组织", "党组织类型", "党组织成立时间", "是否派驻党建工作指导员",
    "联系领导",
]  # fmt: skip


def org_row(
    org_id: str,
    *,
    name: str | None = None,
    category: str = "非公企业",
    street: str = "甲街道",
    industry: str = "制造业",
    employees: object = 20,
    above_scale: object = "否",
    members: object = 3,
    mobile: object = 1,
    form: str = "单独组建",
    party_org: str | None = None,
    founded: object = "2020-05-01",
    instructor: object = "否",
    leader: str = "",
) -> list[object]:
    """One ledger row in the contract's default Chinese headers (see HEADERS)."""
    if party_org is None:
        party_org = "" if form == "未组建" else f"{org_id}党支部"
    return [
        org_id, name or f"{org_id}有限公司", category, street, industry, employees,
        above_scale if category == "非公企业" else "", members, mobile, form, party_org,
        "" if form == "未组建" else "党支部", founded, instructor, leader,
    ]  # fmt: skip


class Ran(NamedTuple):
    """What a run of the command line did: its exit status and what it printed."""

    code: int
    out: str
    err: str


def run_cli(*args: object) -> Ran:
    """Run ``report-gen ARGS`` in this process (paths may be given as they are), capturing what it
    prints. An expected failure is never a traceback."""
    from report_gen.cli import run

    out, err = io.StringIO(), io.StringIO()
    code = run([str(a) for a in args], stdout=out, stderr=err)
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return Ran(code, out.getvalue(), err.getvalue())


def write_csv(
    path: Path,
    rows: list[list[object]],
    header: list[str] | None = None,
    encoding: str = "utf-8",
    before: list[list[object]] | None = None,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for row in before or []:
            writer.writerow(row)
        writer.writerow(header or HEADERS)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    rows: list[list[object]],
    header: list[str] | None = None,
    before: list[list[object]] | None = None,
    sheet: str = "台账",
) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in before or []:
        ws.append(row)
    ws.append(header or HEADERS)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


DISTRICT_CONFIG = """\
extends: base.yaml
report:
  authority: 中共测试区委组织部
  district: 测试区
  title: 关于测试区“两新组织”党建工作情况的调研报告
  year: 2025
  survey_period: {{start: 2025-11-25, end: 2025-11-30}}
  date: 2025-12-05
  output_name: test
data:
  organizations: {source}
{extra}
"""


def sample_workspace(root: Path) -> Path:
    """``root`` holding a copy of the built-in configs and the sample ledgers, as an office's
    folder for ``report-gen serve`` (the ledgers' generator scripts left out)."""
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(SAMPLE_DATA, root / "sample_data", ignore=shutil.ignore_patterns("*.py"))
    return root


def write_config(folder: Path, ledger: str = "ledger.csv", extra: str = "", reading: str = "") -> Path:
    """A minimal district config extending the built-in base, beside its ledger.

    ``reading``: options for reading the ledger, as YAML flow-mapping entries
    (``"values: {category: {民非: 社会组织}}"``).
    """
    source = f"{{path: {ledger}, {reading}}}" if reading else ledger
    path = folder / "district.yaml"
    path.write_text(DISTRICT_CONFIG.format(source=source, extra=textwrap.dedent(extra)), encoding="utf-8")
    return path


def figures_of(config_path, **data) -> dict[str, object]:
    """Every figure's value for a config, with ``table=path`` ledgers in place of its own."""
    from report_gen.config import load_config
    from report_gen.figures import compute_figures
    from report_gen.ledgers import load_ledgers

    config = load_config(config_path, data=data)
    return compute_figures(config, load_ledgers(config)).values()


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The sample report built once (docx, html, md) into a temporary folder."""
    from report_gen.pipeline import build

    out = tmp_path_factory.mktemp("sample_out")
    result = build(SAMPLE_CONFIG, out_dir=out, formats=["docx", "html", "md"])
    return result, out


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A copy of config/ and sample_data/ that a test may change."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(SAMPLE_DATA, tmp_path / "sample_data", ignore=shutil.ignore_patterns("*.py"))
    return tmp_path / "config" / "sample.yaml"


def pytest_collection_finish(session):
    """Start the slow install-script run in the background when one of its tests was selected.
    Under pytest-xdist every worker collects every test: the worker that runs them starts it."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(item.nodeid.startswith("tests/test_install_script.py") for item in session.items):
        from . import test_install_script

        test_install_script.start_full_install()
