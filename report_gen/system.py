"""What this machine offers the outputs: LibreOffice, fonts, and how to install what is missing.

The tool never installs anything itself and never runs a shell: it finds
programs by name and at their usual install paths, and tells the user the
command that installs a missing piece on their operating system.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

DEBIAN = "debian"  # Debian, Ubuntu and their derivatives: apt-get
LINUX = "linux"  # any other Linux or Unix
MACOS = "macos"
WINDOWS = "windows"

# How to install each piece, per OS family. Commands a user can paste; the licensed official
# fonts come from the office's own font files, not from a package.
INSTALL: dict[str, dict[str, str]] = {
    "cjk_font": {
        DEBIAN: "sudo apt-get install fonts-noto-cjk",
        LINUX: "用发行版的包管理器安装 Noto Sans CJK SC（如 Fedora：sudo dnf install google-noto-sans-cjk-fonts）",
        MACOS: "系统自带 PingFang SC；或 brew install --cask font-noto-sans-cjk-sc",
        WINDOWS: "系统自带 SimHei（黑体）；若已删除，从 https://github.com/notofonts/noto-cjk/releases 下载 Noto Sans CJK SC 安装",
    },
    "libreoffice": {
        DEBIAN: "sudo apt-get install libreoffice-writer-nogui",
        LINUX: "用发行版的包管理器安装 LibreOffice Writer（如 Fedora：sudo dnf install libreoffice-writer）",
        MACOS: "brew install --cask libreoffice",
        WINDOWS: "winget install TheDocumentFoundation.LibreOffice（或从 https://www.libreoffice.org/download/ 下载安装）",
    },
    "preview_fonts": {
        DEBIAN: "sudo apt-get install fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai",
        LINUX: "用发行版的包管理器安装 Noto CJK 与 AR PL UMing/UKai 字体",
        MACOS: "brew install --cask font-noto-serif-cjk-sc font-noto-sans-cjk-sc",
        WINDOWS: "无需替代字体：安装正式字体即可",
    },
    "official_fonts": {
        DEBIAN: "正式字体需授权，无软件包：把单位的字体文件（.ttf）复制到 ~/.local/share/fonts/ 后运行 fc-cache -f",
        LINUX: "正式字体需授权，无软件包：把单位的字体文件复制到 ~/.local/share/fonts/ 后运行 fc-cache -f",
        MACOS: "正式字体需授权：双击单位的字体文件（.ttf），在“字体册”中点“安装”",
        WINDOWS: "正式字体需授权：右键单位的字体文件（.ttf），选择“为所有用户安装”",
    },
}


def os_family(platform: str | None = None, os_release: Path = Path("/etc/os-release")) -> str:
    """``DEBIAN``, ``LINUX``, ``MACOS`` or ``WINDOWS`` for ``platform`` (``None``: this machine)."""
    platform = platform or sys.platform
    if platform == "win32":
        return WINDOWS
    if platform == "darwin":
        return MACOS
    try:
        release = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return LINUX
    for line in release.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE") and {"debian", "ubuntu"} & set(value.strip("\"'").split()):
            return DEBIAN
    return LINUX


def how_to_install(piece: str, family: str | None = None) -> str:
    """The command (or steps) that install ``piece`` of :data:`INSTALL` on ``family`` (``None``: here)."""
    return INSTALL[piece][family or os_family()]


def find_libreoffice(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """LibreOffice's ``soffice`` program: on PATH, or where its installer puts it on Windows and
    macOS (which do not add it to PATH). ``None`` when it is not installed."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    search = environ.get("PATH", os.defpath)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name, path=search)
        if found:
            return Path(found)
    candidates: list[Path] = []
    if platform == "win32":
        program = Path("LibreOffice") / "program" / "soffice.exe"
        for root, below in (("ProgramFiles", ""), ("ProgramFiles(x86)", ""), ("LOCALAPPDATA", "Programs")):
            if environ.get(root):  # the last: an install for the current user only
                candidates.append(Path(environ[root]) / below / program)
    elif platform == "darwin":
        app = Path("LibreOffice.app") / "Contents" / "MacOS" / "soffice"
        candidates.append(Path("/Applications") / app)
        if environ.get("HOME"):
            candidates.append(Path(environ["HOME"]) / "Applications" / app)
    return next((c for c in candidates if c.is_file()), None)


def installed_font_families(environ: Mapping[str, str] | None = None) -> set[str]:
    """Every family name of the fonts installed here, in each language the font gives.

    fontconfig's ``fc-list`` where present (what LibreOffice on Linux sees); elsewhere the
    name table of each system font file, read through matplotlib's FreeType binding.
    """
    environ = os.environ if environ is None else environ
    fc_list = shutil.which("fc-list", path=environ.get("PATH", os.defpath))
    if fc_list:
        import subprocess

        try:
            listed = subprocess.run(
                [fc_list, ":", "family"], capture_output=True, text=True, timeout=60, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = None
        if listed is not None:
            return {n.replace("\\", "").strip() for line in listed.splitlines() for n in line.split(",")} - {
                ""
            }
    return _families_from_font_files()


def _families_from_font_files() -> set[str]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    families: set[str] = set()
    for path in font_manager.findSystemFonts():
        try:
            names = FT2Font(path).get_sfnt()
        except (OSError, RuntimeError, ValueError):
            continue
        for (platform, _, _, name_id), raw in names.items():
            if name_id in (1, 16):  # family, typographic family
                families.add(raw.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace"))
    return families


def preview_stand_ins(fonts_conf: Path | None) -> dict[str, str]:
    """The free stand-in fontconfig uses for each official font name under ``fonts_conf``."""
    if fonts_conf is None:
        return {}
    from xml.etree import ElementTree

    try:
        root = ElementTree.parse(fonts_conf).getroot()
    except (OSError, ElementTree.ParseError):
        return {}
    stand_ins = {}
    for alias in root.iter("alias"):
        name, accept = alias.findtext("family"), alias.findtext("accept/family")
        if name and accept:
            stand_ins[name] = accept
    return stand_ins
