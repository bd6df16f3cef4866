"""Generated ledgers and configs, from the data contract's own pieces plus hostile values: every
run ends with exit 0 or 2 (never 1, the internal error), prints no traceback, and a failed build
leaves the last good report as it was."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report_gen.contract import builtin_ledgers

from .conftest import HEADERS, org_row, run_cli, write_config, write_csv

HOSTILE_TEXT = [
    "",
    "=cmd|' /C calc'!A0",
    "\x0b",
    "\x1b[2J",
    "$\\foo{$",
    "<script>",
    "甲\n# 标题",
    "99999999999999999999",
    "①",
    "١٢",
    "9999-12-31",
    "1000-01-01",
    "-1",
    "1e400",
    "NaN",
    "合计",
    "\udcff",  # read from a file name or cell as a byte that is not UTF-8
    "x" * 5000,
]
CONTRACT_VALUES = sorted(
    {value for column in builtin_ledgers()["organizations"].columns for value in column.choices}
    | {"是", "否", "2024-05-01", "2024年5月", "20240501", "12", "1,200", "30人", "甲街道", "乙街道"}
)
cell = st.one_of(st.sampled_from(CONTRACT_VALUES), st.sampled_from(HOSTILE_TEXT), st.integers(-10, 10**6))

CONFIG_KEYS = [
    ("report", "title"),
    ("report", "year"),
    ("report", "date"),
    ("style", "title_chars_per_line"),
    ("style", "margin_left_mm"),
    ("style", "body_font"),
    ("params", "small_org_employees"),
    ("narrative", "opening"),
    ("indicators", "org_total"),
]
config_value = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from([0, -1, 10**30, 1e308, float("inf"), True, None, [], {}, "{{ f.org_total }}"]),
    st.sampled_from(["{% for i in range(10**9) %}x{% endfor %}", "{{ 'a' * 10**9 }}", "{{ x"]),
)

FUZZ = settings(
    max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _run(*args: str) -> tuple[int, str]:
    ran = run_cli(*args)
    return ran.code, ran.err


@pytest.fixture(scope="module")
def last_good(tmp_path_factory) -> Path:
    """A folder with a ledger, a config and a good build in ``out/``; each example works on a copy."""
    folder = tmp_path_factory.mktemp("last_good")
    write_csv(folder / "ledger.csv", [org_row(f"G{i}") for i in range(4)])
    config = write_config(folder)
    assert _run("build", str(config), "--out", str(folder / "out"), "-q")[0] == 0
    return folder


def _copy(last_good: Path, tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(last_good, folder, dirs_exist_ok=True)
    return folder / "district.yaml", _outputs(folder)


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (folder / "out").iterdir() if not p.name.startswith(".")}


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=len(HEADERS), max_size=len(HEADERS)), min_size=1, max_size=6))
def test_generated_ledgers_exit_0_or_2(last_good, tmp_path_factory, rows):
    config, before = _copy(last_good, tmp_path_factory)
    folder = config.parent
    text = io.StringIO()
    csv.writer(text).writerows([HEADERS, *([str(v) for v in row] for row in rows)])
    (folder / "ledger.csv").write_bytes(text.getvalue().encode("utf-8", "surrogateescape"))
    code, err = _run("build", str(config), "--out", str(folder / "out"))
    assert code in (0, 2), err
    assert "Traceback" not in err and "内部错误" not in err
    if code == 2:
        assert _outputs(folder) == before


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(CONFIG_KEYS), config_value), min_size=1, max_size=3))
def test_generated_configs_exit_0_or_2(last_good, tmp_path_factory, changes):
    config, before = _copy(last_good, tmp_path_factory)
    folder = config.parent
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    for (section, key), value in changes:
        if not isinstance(raw.get(section), dict):
            raw[section] = {}
        raw[section][key] = value
    try:
        config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be written as UTF-8 at all
        return
    for command in ("validate", "build"):
        extra = ["--out", str(folder / "out")] if command == "build" else []
        code, err = _run(command, str(config), *extra)
        assert code in (0, 2), err
        assert "Traceback" not in err and "内部错误" not in err
    if code == 2:
        assert _outputs(folder) == before
