"""Installed as a wheel (not run from the clone), the tool still finds its templates and base config."""

import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLE_DATA

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the tracked files")


def test_wheel_install_builds_a_district_config_outside_the_repository(tmp_path):
    source = tmp_path / "src"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(source)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path / "wheels"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (a virtual environment
    # has no "system site packages" of its own): its site-packages, after the new one's own.
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    wheel = next((tmp_path / "wheels").glob("report_gen-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    district = tmp_path / "district"
    district.mkdir()
    shutil.copy(SAMPLE_DATA / "organizations_2025.csv", district / "ledger.csv")
    (district / "d.yaml").write_text(
        "extends: base.yaml\n"
        "report: {district: 青溪区,\n"
        "         year: 2025, survey_period: {start: 2025-11-25, end: 2025-11-30}, date: 2025-12-05}\n"
        "data: {organizations: ledger.csv}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            str(python),
            "-c",
            "import report_gen, sys; print(report_gen.__file__); "
            "from report_gen.cli import run; code = run(['build', 'd.yaml', '--out', 'out']); "
            "sys.exit(code or run(['init', 'new', '--ledger', 'ledger.csv', '--district', '青溪区', '--year', '2025']))",
        ],
        cwd=district,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert str(env_dir) in result.stdout.splitlines()[0]  # the installed copy, not the clone
    assert (district / "out" / "d.docx").is_file()
    # The district config `init` writes comes from the installed package too.
    assert "extends: base.yaml" in (district / "new" / "青溪区.yaml").read_text(encoding="utf-8")
    # The web page's own templates are package data of the wheel too.
    page = subprocess.run(
        [
            str(python),
            "-c",
            "from report_gen.web.app import _pages; print(_pages.get_template('index.html').filename)",
        ],
        cwd=district,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert page.returncode == 0, page.stderr
    assert str(env_dir) in page.stdout
