"""``report-gen doctor``: what this machine has and lacks for each output, and how to install it.

The .docx (and .html, .md) needs Python, the package's dependencies and a CJK
font for the charts: without them no report is built, so they are essential.
The official fonts the .docx names matter only for an accurate preview or PDF
on this machine (Word and WPS use the reader's fonts), and LibreOffice only
for ``--format pdf``: both are optional.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .errors import EnvironmentProblem
from .resources import preview_fonts_conf
from .system import (
    DEBIAN,
    LINUX,
    MACOS,
    WINDOWS,
    find_libreoffice,
    how_to_install,
    installed_font_families,
    os_family,
    preview_stand_ins,
)
from .writers.layout import Layout

OS_NAMES = {DEBIAN: "Linux（Debian/Ubuntu）", LINUX: "Linux", MACOS: "macOS", WINDOWS: "Windows"}
DISTRIBUTION = "report-gen"


@dataclass(frozen=True)
class Check:
    """One thing an output needs. ``found`` says what is there (``None``: nothing); ``fix`` how
    to install what is missing or only stood in for (``None``: nothing to do)."""

    name: str
    found: str | None
    fix: str | None = None

    @property
    def mark(self) -> str:
        if self.found is None:
            return "缺"
        return "替" if self.fix else "有"


@dataclass
class Output:
    """The checks for one kind of output; ``essential``: no report at all without them."""

    name: str
    detail: str
    essential: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(c.fix is None for c in self.checks)


def examine(layout: Layout | None = None) -> list[Output]:
    """Everything ``doctor`` reports, for the fonts of ``layout`` (``None``: the default layout)."""
    layout = layout or Layout()
    family = os_family()
    word = Output("Word 报告", "NAME.docx，以及 .html、.md", essential=True)
    word.checks += [_python(), *_packages(), _chart_font()]
    fonts = Output("正式字体", "本机预览与 PDF 用；Word/WPS 打开报告时用读者本机的字体", essential=False)
    fonts.checks += _official_fonts(layout, family)
    pdf = Output("PDF", "--format pdf，由 LibreOffice 转换", essential=False)
    pdf.checks.append(_libreoffice())
    return [word, fonts, pdf]


def report_lines(outputs: list[Output]) -> list[str]:
    """The doctor's report as text lines, with the verdict last."""
    version = _version(DISTRIBUTION) or f"{_source_version()}（源码目录，未安装）"
    lines = [f"report-gen {version}，{OS_NAMES[os_family()]}"]
    for output in outputs:
        lines += ["", f"[{'必需' if output.essential else '可选'}] {output.name}（{output.detail}）"]
        told: set[str] = set()
        for check in output.checks:
            lines.append(f"  [{check.mark}] {check.name}" + (f"：{check.found}" if check.found else ""))
            if check.fix and check.fix not in told:  # once per output: several fonts share one way
                lines.append(f"       安装：{check.fix}")
                told.add(check.fix)
    lines.append("")
    if ready_for_docx(outputs):
        lacking = [o.name for o in outputs if not o.ready]
        more = f"；{'、'.join(lacking)}缺少组件，见上" if lacking else "；所有输出所需的组件齐全"
        lines.append(f"可以生成 Word 报告{more}。")
    else:
        lines.append("缺少生成报告必需的组件：请按上面的“安装”一行补齐。")
    return lines


def ready_for_docx(outputs: list[Output]) -> bool:
    return all(c.found is not None for o in outputs if o.essential for c in o.checks)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3])


def _python() -> Check:
    running = ".".join(str(n) for n in sys.version_info[:3])
    needed = "3.10"
    try:
        needed = (metadata.metadata(DISTRIBUTION)["Requires-Python"] or ">=3.10").lstrip(">=")
    except metadata.PackageNotFoundError:
        pass
    if sys.version_info[:3] < _numbers(needed):
        return Check(f"Python {needed} 或更高", None, f"安装 Python {needed} 或更高，再运行安装步骤")
    return Check("Python", f"{running}（{sys.executable}；需要 {needed} 或更高）")


def _packages() -> list[Check]:
    """The package's own dependencies, as its metadata lists them, with the versions installed."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # run from a source checkout
        requirements = _source_requirements()
    found, checks = [], []
    for requirement in requirements:
        if "extra ==" in requirement:  # test tools, not needed to build reports
            continue
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:>=\s*([\w.]+))?", requirement)
        if match is None:
            continue
        name, minimum = match.groups()
        installed = _version(name)
        if installed is None or (minimum and _numbers(installed) < _numbers(minimum)):
            have = f"（已装 {installed}）" if installed else ""
            spec = f"{name}>={minimum}" if minimum else name
            checks.append(Check(f"{spec}{have}", None, f'"{sys.executable}" -m pip install "{spec}"'))
        else:
            found.append(f"{name} {installed}")
    return [Check("依赖包", "、".join(found)), *checks]


def _pyproject() -> str:
    try:
        return (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return ""


def _source_requirements() -> list[str]:
    """The dependencies ``pyproject.toml`` lists, when the package runs uninstalled from its folder."""
    block = re.search(r"^dependencies = \[(.*?)^\]", _pyproject(), re.S | re.M)
    return re.findall(r'^\s*"([^"]+)"', block.group(1), re.M) if block else []


def _source_version() -> str:
    found = re.search(r'^version = "([^"]+)"', _pyproject(), re.M)
    return found.group(1) if found else "?"


def _chart_font() -> Check:
    name = "图表用中文字体"
    try:
        from .charts import cjk_font_family

        return Check(name, cjk_font_family())
    except EnvironmentProblem:
        return Check(name, None, how_to_install("cjk_font"))
    except ImportError:
        return Check(name, None, "先安装上面缺少的依赖包（matplotlib）")


def _official_fonts(layout: Layout, family: str) -> list[Check]:
    installed = installed_font_families()
    # LibreOffice on Linux draws through fontconfig, where the preview settings name stand-ins.
    stand_ins = preview_stand_ins(preview_fonts_conf()) if family in (DEBIAN, LINUX) else {}
    checks = []
    for font in layout.chinese_fonts():
        if font in installed:
            checks.append(Check(font, "已安装"))
            continue
        stand_in = stand_ins.get(font)
        if stand_in and stand_in in installed:
            found = f"未安装，预览与 PDF 中以 {stand_in} 代替（preview/fonts.conf）"
            checks.append(Check(font, found, how_to_install("official_fonts", family)))
        elif stand_in:
            fix = f"{how_to_install('official_fonts', family)}；或装替代字体：{how_to_install('preview_fonts', family)}"
            checks.append(Check(f"{font}（替代字体 {stand_in} 也未安装）", None, fix))
        else:
            checks.append(Check(font, None, how_to_install("official_fonts", family)))
    return checks


def _libreoffice() -> Check:
    soffice = find_libreoffice()
    if soffice is None:
        return Check("LibreOffice", None, how_to_install("libreoffice"))
    return Check("LibreOffice", f"{soffice}（{_libreoffice_version(soffice)}）")


def _libreoffice_version(soffice: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="report-gen-doctor-") as profile:
        try:
            said = subprocess.run(
                [str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--version"],
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "版本未知：无法运行"
    return " ".join(said.split()[:2]) if said else "版本未知"
