"""PDF output without depending on a real LibreOffice: how it is run, its failures, its absence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from report_gen import system
from report_gen.cli import run
from report_gen.errors import OutputError
from report_gen.writers.pdf_writer import docx_to_pdf

from .conftest import ROOT, SAMPLE_CONFIG

posix_only = pytest.mark.skipif(os.name != "posix", reason="the stand-in soffice is a shell script")


def _fake_soffice(folder: Path, body: str) -> Path:
    """A program that LibreOffice's command line reaches: ``$OUTDIR`` and ``$SOURCE`` are its last
    arguments, as soffice receives them."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "soffice"
    script.write_text(
        '#!/bin/sh\nfor a in "$@"; do OUTDIR="$SOURCE"; SOURCE="$a"; done\n' + body + "\n", encoding="utf-8"
    )
    script.chmod(0o755)
    return script


@posix_only
def test_conversion_runs_headless_with_a_private_profile_and_the_preview_fonts(tmp_path):
    log = tmp_path / "log"
    soffice = _fake_soffice(
        tmp_path / "bin",
        f'echo "$@" > {log}; echo "FONTCONFIG_FILE=$FONTCONFIG_FILE" >> {log}; '
        'cp "$SOURCE" "$OUTDIR/report.pdf"',
    )
    assert docx_to_pdf(b"PK fake docx", soffice) == b"PK fake docx"
    args, fonts = log.read_text(encoding="utf-8").splitlines()
    assert "--headless" in args and "--convert-to pdf" in args
    profile = next(a for a in args.split() if a.startswith("-env:UserInstallation=file:///"))
    assert not Path(profile.split("file://", 1)[1]).exists()  # a temporary profile, removed afterwards
    assert fonts == f"FONTCONFIG_FILE={ROOT / 'preview' / 'fonts.conf'}"


@posix_only
def test_a_failed_or_stuck_conversion_is_an_output_error(tmp_path):
    silent = _fake_soffice(tmp_path / "a", "echo 'Error: source file could not be loaded'")
    with pytest.raises(OutputError, match="未能把报告转换为 PDF（Error: source file could not be loaded）"):
        docx_to_pdf(b"x", silent)
    stuck = _fake_soffice(tmp_path / "b", "sleep 30")
    with pytest.raises(OutputError, match="超过1秒仍未完成"):
        docx_to_pdf(b"x", stuck, timeout_s=1)


def test_without_libreoffice_pdf_is_one_line_exit_1_and_nothing_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    if system.find_libreoffice() is not None:
        pytest.skip("LibreOffice is installed where its installer puts it, outside PATH")
    out = tmp_path / "out"
    assert run(["build", str(SAMPLE_CONFIG), "--format", "docx,pdf", "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("运行环境缺少组件，未生成报告：生成 PDF 需要 LibreOffice")
    assert system.how_to_install("libreoffice") in err[0]
    assert not out.exists()


@posix_only
def test_a_failed_conversion_keeps_the_last_good_outputs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert run(["build", str(SAMPLE_CONFIG), "--out", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _fake_soffice(tmp_path / "bin", "exit 1")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    code = run(
        ["build", str(SAMPLE_CONFIG), "--format", "docx,pdf", "--out", str(out), "--set", "report.year=2025"]
    )
    assert code == 1
    assert "未能把报告转换为 PDF" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_libreoffice_where_windows_and_macos_installers_put_it(tmp_path):
    program_files = tmp_path / "Program Files"
    soffice = program_files / "LibreOffice" / "program" / "soffice.exe"
    soffice.parent.mkdir(parents=True)
    soffice.write_bytes(b"")
    found = system.find_libreoffice(
        "win32", {"PATH": str(tmp_path / "none"), "ProgramFiles": str(program_files)}
    )
    assert found == soffice
    home = tmp_path / "home"
    mac = home / "Applications" / "LibreOffice.app" / "Contents" / "MacOS" / "soffice"
    mac.parent.mkdir(parents=True)
    mac.write_bytes(b"")
    assert system.find_libreoffice("darwin", {"PATH": str(tmp_path / "none"), "HOME": str(home)}) == mac
    assert system.find_libreoffice("linux", {"PATH": str(tmp_path / "none")}) is None
