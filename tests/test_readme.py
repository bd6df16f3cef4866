"""The README's promises: its two commands, the CI script running the same test command, the tour."""

import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    return re.findall(r"```\n(bash scripts/install\.sh[^\n]*)\n```", README)


def test_readme_has_two_commands_and_ci_runs_the_test_command():
    build, tests = readme_commands()
    assert build == "bash scripts/install.sh && .venv/bin/report-gen build config/sample.yaml"
    assert tests == "bash scripts/install.sh --test && .venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_build_command_runs(tmp_path):
    """The build command after the install, run by the ``report-gen`` script of the environment
    running the tests (``.venv/bin/report-gen`` under the README's test command)."""
    words = readme_commands()[0].split("&&")[1].split()
    script = Path(sys.executable).parent / "report-gen"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "report_gen"]
    result = subprocess.run(
        [*command, *words[1:], "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "qingxi-2025.docx").stat().st_size > 20_000
    assert "已写出" in result.stdout


def test_readme_runs_the_tool_from_its_virtual_environment():
    """Every command the README gives starts the tool, pip or the tests from an environment of
    the project's own, never from a system Python (Debian 12 and Ubuntu 23.04 let pip install
    nothing there)."""
    fenced = [
        line.strip() for block in re.findall(r"```\n(.*?)```", README, re.S) for line in block.splitlines()
    ]
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", README, flags=re.S))
    commands = [c for c in fenced + inline if c]
    system = ("python3 -m report_gen", "python3 -m pytest", "python3 -m pip", "pip install", "pip3 install")
    assert not [c for c in commands if c.startswith(system)]
    assert any(c.startswith(".venv/bin/report-gen") for c in commands)
    assert ".venv\\Scripts\\report-gen build config\\sample.yaml" in commands


def test_readme_documents_every_doc_it_links():
    """Every docs/ link names a file that exists, and an anchor a heading of it (GitHub's slugs)."""
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        path, _, anchor = link.partition("#")
        assert (ROOT / path).is_file(), link
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, link
