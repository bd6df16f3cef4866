"""ruff's lint and format checks and mypy's type check are part of the test command.

The tools run from the interpreter running the tests (``.venv/bin/python -m pytest`` need not
have ``.venv/bin`` on PATH).
"""

import importlib.util
import subprocess
import sys

import pytest

from .conftest import ROOT


def _tool(module: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"{module} not installed (bash scripts/install.sh --test installs it)",
    )


@_tool("ruff")
@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    result = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@_tool("mypy")
def test_types():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
