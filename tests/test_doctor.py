"""``report-gen doctor`` reports this machine as it is: with and without LibreOffice, fonts, packages."""

from __future__ import annotations

import shutil

import pytest

from report_gen import charts, system
from report_gen.cli import run
from report_gen.errors import EnvironmentProblem, Problem
from report_gen.writers.layout import Layout

from .conftest import SAMPLE_CONFIG


def _doctor(capsys, *args: str) -> tuple[int, list[str]]:
    code = run(["doctor", *args])
    return code, capsys.readouterr().out.splitlines()


def _line(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.lstrip().startswith(start))


@pytest.mark.skipif(system.find_libreoffice() is None, reason="LibreOffice not installed")
def test_doctor_with_libreoffice_names_it_and_its_version(capsys):
    code, lines = _doctor(capsys)
    assert code == 0
    soffice = system.find_libreoffice()
    assert _line(lines, "[有] LibreOffice").startswith(f"  [有] LibreOffice：{soffice}（LibreOffice ")
    assert _line(lines, "[有] 图表用中文字体").endswith(charts.cjk_font_family())
    assert lines[-1].startswith("可以生成 Word 报告")


def test_doctor_without_libreoffice_says_how_to_install_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, and no fc-list: fonts read from files
    if system.find_libreoffice() is not None:
        pytest.skip("LibreOffice is installed where its installer puts it, outside PATH")
    code, lines = _doctor(capsys)
    assert code == 0  # a Word report can still be built
    at = lines.index("  [缺] LibreOffice")
    assert lines[at + 1] == f"       安装：{system.how_to_install('libreoffice')}"
    assert lines[-1].startswith("可以生成 Word 报告；") and "PDF" in lines[-1]


def test_every_official_font_of_the_layout_is_reported(capsys):
    code, lines = _doctor(capsys, str(SAMPLE_CONFIG))
    installed = system.installed_font_families()
    for font in Layout().chinese_fonts():
        row = next(
            line for line in lines if line.startswith(("  [有] ", "  [替] ", "  [缺] ")) and font in line
        )
        assert row.startswith("  [有] " if font in installed else ("  [替] ", "  [缺] "))


def test_a_font_a_district_style_names_is_checked(capsys, sample_copy):
    with sample_copy.open("a", encoding="utf-8") as config:
        config.write("\nstyle:\n  body_font: 华文仿宋测试\n")
    code, lines = _doctor(capsys, str(sample_copy))
    assert any("华文仿宋测试" in line for line in lines)


def test_no_chinese_font_for_charts_is_essential_exit_1(capsys, monkeypatch):
    def missing():
        raise EnvironmentProblem(Problem("no font"))

    monkeypatch.setattr(charts, "cjk_font_family", missing)
    code, lines = _doctor(capsys)
    assert code == 1
    at = lines.index("  [缺] 图表用中文字体")
    assert lines[at + 1] == f"       安装：{system.how_to_install('cjk_font')}"
    assert lines[-1].startswith("缺少生成报告必需的组件")


def test_package_versions_come_from_the_installed_metadata(capsys):
    from importlib import metadata

    code, lines = _doctor(capsys)
    packages = _line(lines, "[有] 依赖包")
    for name in ("pandas", "python-docx", "matplotlib"):
        assert f"{name} {metadata.version(name)}" in packages


def test_install_commands_for_each_os():
    assert (
        system.how_to_install("libreoffice", system.DEBIAN) == "sudo apt-get install libreoffice-writer-nogui"
    )
    assert system.how_to_install("libreoffice", system.MACOS).startswith("brew install --cask libreoffice")
    assert "winget install" in system.how_to_install("libreoffice", system.WINDOWS)
    assert system.os_family("win32") == system.WINDOWS and system.os_family("darwin") == system.MACOS


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig not installed")
def test_font_file_names_agree_with_fontconfig():
    from_files = system._families_from_font_files()
    assert from_files and from_files <= system.installed_font_families()
