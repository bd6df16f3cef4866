"""Configs and ledgers as they come from Windows: backslash paths, drive letters, GBK file
names and config text, CRLF and CR line ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report_gen.cli import run
from report_gen.user_paths import ForeignPathError, locate, native, readable

from .conftest import SAMPLE_CONFIG, SAMPLE_DATA, figures_of

LEDGER = "../sample_data/organizations_{year}.csv"


@pytest.fixture(scope="module")
def sample_figures():
    return figures_of(SAMPLE_CONFIG)


def _rewrite(config: Path, old: str, new: str) -> Path:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")
    return config


def test_backslash_paths_in_a_config_read_as_folders(sample_copy, sample_figures):
    config = sample_copy
    for name in ("organizations_{year}", "organizations_{year-1}", "trainings"):
        _rewrite(config, f"../sample_data/{name}.csv", f"..\\sample_data\\{name}.csv")
    assert figures_of(config) == sample_figures


def test_a_backslash_config_path_on_the_command_line(sample_copy, monkeypatch, capsys):
    monkeypatch.chdir(sample_copy.parent.parent)
    assert run(["validate", "config\\sample.yaml", "--data", "trainings=sample_data\\trainings.csv"]) == 0
    assert "输入检查通过" in capsys.readouterr().out


@pytest.mark.skipif(os.name == "nt", reason="a drive letter is a real path on Windows")
def test_a_windows_drive_path_is_a_clear_config_error(sample_copy, capsys):
    _rewrite(sample_copy, LEDGER, "D:\\台账\\organizations_2025.csv")
    assert run(["validate", str(sample_copy)]) == 2
    err = capsys.readouterr().err
    assert "data.organizations" in err and "D:\\台账\\organizations_2025.csv" in err
    assert "Windows 的盘符或网络路径" in err and "Traceback" not in err
    assert run(["validate", str(SAMPLE_CONFIG), "--data", "organizations=C:\\a.csv"]) == 2
    assert "--data organizations" in capsys.readouterr().err


@pytest.mark.skipif(os.name == "nt", reason="Windows file names are Unicode")
def test_a_ledger_whose_file_name_is_gbk_bytes(sample_copy, sample_figures, tmp_path, capsys):
    """Unzipped on Linux from an archive made on Chinese Windows: the name on disk is GBK."""
    folder = os.fsencode(sample_copy.parent.parent / "sample_data")
    gbk_name = os.path.join(folder, "青溪区台账2025.csv".encode("gbk"))
    os.rename(os.path.join(folder, b"organizations_2025.csv"), gbk_name)
    config = _rewrite(sample_copy, LEDGER, "../sample_data/青溪区台账2025.csv")
    assert figures_of(config) == sample_figures  # the UTF-8 name in the config finds the GBK one

    assert run(["build", str(config), "--out", str(tmp_path), "-q", "--format", "md"]) == 0
    figures_json = (tmp_path / "qingxi-2025.figures.json").read_text(encoding="utf-8")
    assert '"file": "青溪区台账2025.csv"' in figures_json
    # Named on the command line as the shell passes it (undecodable bytes), a problem in it reads well.
    with open(gbk_name, "ab") as ledger:
        ledger.write("Z999,坏行公司,非公企业,甲街道,制造业,很多,否,1,0,未组建,,,,否,\r\n".encode())
    assert run(["validate", str(SAMPLE_CONFIG), "--data", f"organizations={os.fsdecode(gbk_name)}"]) == 2
    err = capsys.readouterr().err
    assert "青溪区台账2025.csv，第452行，列“从业人员数”" in err


def test_gbk_ledger_with_crlf_and_a_ledger_with_cr_line_ends(tmp_path, sample_figures):
    text = (SAMPLE_DATA / "organizations_2025.csv").read_text(encoding="utf-8-sig")
    lines = text.replace("\r\n", "\n")
    crlf = tmp_path / "crlf_gbk.csv"
    crlf.write_bytes(lines.replace("\n", "\r\n").encode("gbk"))
    cr = tmp_path / "mac.csv"
    cr.write_bytes(lines.replace("\n", "\r").encode("utf-8"))
    assert b"\r\n" in crlf.read_bytes() and b"\n" not in cr.read_bytes()
    assert figures_of(SAMPLE_CONFIG, organizations=crlf) == sample_figures
    assert figures_of(SAMPLE_CONFIG, organizations=cr) == sample_figures


def test_a_config_saved_by_notepad_in_gbk_with_crlf(sample_copy, sample_figures):
    text = sample_copy.read_text(encoding="utf-8")
    sample_copy.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    assert figures_of(sample_copy) == sample_figures


def test_native_paths(tmp_path):
    if os.name != "nt":
        assert native("data\\2025\\台账.csv", tmp_path) == tmp_path / "data" / "2025" / "台账.csv"
        (tmp_path / "odd\\name.csv").write_text("x")  # a POSIX name may hold a backslash: kept
        assert native("odd\\name.csv", tmp_path) == tmp_path / "odd\\name.csv"
        for foreign in ("C:\\data\\a.csv", "c:/data/a.csv", "\\\\server\\share\\a.csv"):
            with pytest.raises(ForeignPathError):
                native(foreign, tmp_path)
    assert native("sub/a.csv", tmp_path) == tmp_path / "sub" / "a.csv"
    assert native("/abs/a.csv", tmp_path) == Path("/abs/a.csv")
    assert locate(tmp_path / "nothing.csv") == tmp_path / "nothing.csv"
    assert readable(os.fsdecode("台账".encode("gbk")) + ".csv") == "台账.csv"
    assert readable("plain 台账.csv") == "plain 台账.csv"
