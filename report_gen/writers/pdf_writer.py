"""The finished .docx as PDF, converted by LibreOffice running headless.

Each conversion has its own LibreOffice profile in a temporary folder (two
conversions sharing a profile make each other fail), a time limit, and on
Linux the preview fontconfig file, so the licensed official fonts the .docx
names are drawn with their free stand-ins rather than whatever fontconfig
picks. The PDF comes back as bytes: the build writes it with its other
outputs, atomically.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import EnvironmentProblem, OutputError, Problem
from ..resources import preview_fonts_conf
from ..system import find_libreoffice, how_to_install

TIMEOUT_S = 180.0  # the first start of a fresh profile takes several seconds on a slow machine


def require_libreoffice() -> Path:
    """LibreOffice's ``soffice``; raises :class:`EnvironmentProblem` with the install command."""
    soffice = find_libreoffice()
    if soffice is None:
        raise EnvironmentProblem(
            Problem(
                "生成 PDF 需要 LibreOffice，本机未找到（PATH 上没有 soffice 或 libreoffice，常用安装位置也没有）。"
                f"安装：{how_to_install('libreoffice')}"
            )
        )
    return soffice


def docx_to_pdf(docx: bytes, soffice: Path, timeout_s: float = TIMEOUT_S) -> bytes:
    """Convert a .docx to PDF with ``soffice``. Raises :class:`OutputError` when LibreOffice fails
    or takes longer than ``timeout_s`` seconds."""
    with tempfile.TemporaryDirectory(prefix="report-gen-pdf-") as work:
        folder = Path(work)
        # A plain ASCII name: LibreOffice mangles non-ASCII file names under some locales.
        source = folder / "report.docx"
        source.write_bytes(docx)
        command = [
            str(soffice),
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        env = dict(os.environ)
        fonts_conf = preview_fonts_conf()
        if fonts_conf is not None and sys.platform not in ("win32", "darwin"):  # fontconfig: Linux only
            env["FONTCONFIG_FILE"] = str(fonts_conf)
        output = _run(command, env, timeout_s)
        pdf = folder / "report.pdf"
        if not pdf.is_file():
            said = output.strip().splitlines()[-1] if output.strip() else "没有输出"
            raise OutputError(Problem(f"LibreOffice 未能把报告转换为 PDF（{said}）"))
        return pdf.read_bytes()


def _run(command: list[str], env: dict[str, str], timeout_s: float) -> str:
    """Run LibreOffice in a process group of its own, so a timeout stops every process it started
    (``soffice`` is a launcher for ``soffice.bin``). Returns what it printed."""
    posix = os.name == "posix"
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=posix,
        )
    except OSError as exc:
        raise OutputError(Problem(f"无法启动 LibreOffice（{command[0]}：{exc.strerror or exc}）")) from None

    def stop() -> None:
        if posix:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()

    try:
        out, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop()
        raise OutputError(Problem(f"LibreOffice 转换 PDF 超过{timeout_s:g}秒仍未完成，已停止")) from None
    except BaseException:  # Ctrl+C: its own session never hears it, so it is stopped here
        stop()
        raise
    return out.decode("utf-8", "replace")
