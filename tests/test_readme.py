"""The README's promises: its two commands, the CI script running the same test command, the tour."""

import re
import subprocess
import sys

from .conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```\n(bash scripts/install\.sh[^\n]*)\n```", text)


def test_readme_has_two_commands_and_ci_runs_the_test_command():
    build, tests = readme_commands()
    assert build.endswith("python3 -m report_gen build config/sample.yaml")
    assert tests == "bash scripts/install.sh --test && python3 -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_build_command_runs(tmp_path):
    build = readme_commands()[0].split("&&")[1].split()
    result = subprocess.run(
        [sys.executable, *build[1:], "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "qingxi-2025.docx").stat().st_size > 20_000
    assert "已写出" in result.stdout


def test_readme_documents_every_doc_it_links():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((docs/[^)]+)\)", text):
        assert (ROOT / link).is_file(), link
