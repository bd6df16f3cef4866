"""scripts/install.sh on Debian's system Python: a virtual environment of the project's own.

Runs the script in a fresh copy of the repository with Debian's ``/usr/bin/python3`` (which pip
may not install into), with ``PIP_NO_DEPS`` so pip installs report-gen itself and not its large
dependencies, and with a stand-in ``apt-get`` that records what it is asked for (or none).
Linux only, and only where ``/usr/bin/python3`` can create virtual environments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _can_make_venvs() -> bool:
    if not sys.platform.startswith("linux") or not SYSTEM_PYTHON.exists() or shutil.which("git") is None:
        return False
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import venv, ensurepip"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _can_make_venvs(), reason="needs Linux, git and /usr/bin/python3 with venv and ensurepip"
)


def _install_env(path: str, log: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": path,
        "HOME": os.environ.get("HOME", "/root"),
        "PIP_NO_DEPS": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "APT_LOG": str(log),
        **extra,
    }


def _run_install(clone: Path, path: str, log: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", "scripts/install.sh"],
        cwd=clone,
        env=_install_env(path, log, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class _Background:
    """The full install (a venv and pip, about ten seconds of mostly waiting), started when the
    tests are collected so it runs beside the rest of the suite on another core."""

    folder: Path
    process: subprocess.Popen[str]

    @property
    def clone(self) -> Path:
        return self.folder / "clone"

    def result(self) -> tuple[int, str]:
        _, err = self.process.communicate(timeout=300)
        return self.process.returncode, err


_background: _Background | None = None


def start_full_install() -> None:
    """Called by conftest once the tests are collected, when a test of this module will run."""
    global _background
    if _background is not None or not _can_make_venvs():
        return
    folder = Path(tempfile.mkdtemp(prefix="report-gen-install-"))
    clone = _fresh_copy(folder / "clone")
    bare = folder / "bare"  # PATH with what the script needs, without apt-get
    bare.mkdir()
    for tool in ("bash", "dirname", "id", "rm", "python3"):
        (bare / tool).symlink_to(shutil.which(tool, path="/usr/bin:/bin") or tool)
    process = subprocess.Popen(
        ["/bin/bash", "scripts/install.sh"],
        cwd=clone,
        env=_install_env(str(bare), folder / "apt.log"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _background = _Background(folder, process)


@pytest.fixture
def full_install():
    start_full_install()  # when conftest did not (this module run on its own)
    assert _background is not None
    yield _background
    shutil.rmtree(_background.folder, ignore_errors=True)


def _fresh_copy(target: Path) -> Path:
    """The repository's files as a fresh clone would have them, from the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, os.fsdecode(listed).split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _stub(folder: Path, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    (folder / name).chmod(0o755)


def test_missing_debian_packages_go_to_apt_get_and_a_missing_python_is_named(tmp_path):
    clone = _fresh_copy(tmp_path / "clone")
    log = tmp_path / "apt.log"
    stubs = tmp_path / "stubs"
    _stub(stubs, "apt-get", 'echo "$@" >> "$APT_LOG"')
    _stub(stubs, "sudo", '"$@"')
    _stub(stubs, "dpkg-query", "exit 1")  # as if no Debian package were installed yet
    result = _run_install(clone, f"{stubs}:/usr/bin:/bin", log, PYTHON="python9.9")
    assert result.returncode == 1
    assert "install -y -qq --no-install-recommends fonts-noto-cjk" in log.read_text(encoding="utf-8")
    assert "python9.9 not found: install Python 3.10 or newer" in result.stderr
    assert not (clone / ".venv").exists()


def test_install_creates_its_own_venv_and_leaves_the_system_python_alone(full_install, tmp_path):
    """Without apt-get (the fonts are named for the user to install), from Debian's system Python."""
    code, err = full_install.result()
    clone = full_install.clone
    assert code == 0, err
    assert "apt-get not found" in err and "fonts-noto-cjk" in err
    config = (clone / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "executable = /usr/bin/python3" in config and "include-system-site-packages = false" in config
    version = subprocess.run(
        [str(clone / ".venv" / "bin" / "report-gen"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.strip().startswith("report-gen ")
    installed = subprocess.run(
        [str(clone / ".venv" / "bin" / "python"), "-c", "import report_gen; print(report_gen.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert installed.stdout.strip() == str(clone / "report_gen" / "__init__.py")  # editable, from the clone
    system = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import report_gen; print(report_gen.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert str(clone) not in system.stdout  # nothing of the clone reached the system Python
