"""Where the built-in template sets, configs and preview font settings are.

In a source checkout they are the repository's ``templates/`` and ``config/``
folders; an installed wheel carries the same folders as
``report_gen/_builtin/``. Both layouts are looked up, wheel first.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _builtin_root(name: str) -> Path:
    for candidate in (_PACKAGE / "_builtin" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"built-in folder {name!r} is missing from the installation")


def templates_root() -> Path:
    """The folder holding the built-in template sets (``default/`` ...)."""
    return _builtin_root("templates")


def builtin_config(name: str) -> Path | None:
    """The built-in config called ``name`` (``base`` or ``base.yaml``), or ``None``."""
    stem = name[:-5] if name.endswith(".yaml") else name
    if "/" in stem or "\\" in stem:
        return None
    path = _builtin_root("config") / f"{stem}.yaml"
    try:
        return path if path.is_file() else None
    except (OSError, ValueError):  # a name too long, or with a NUL: no such built-in config
        return None


def builtin_config_folder() -> Path:
    """The folder holding the built-in configs and the district config ``init`` writes."""
    return _builtin_root("config")


def preview_fonts_conf() -> Path | None:
    """``preview/fonts.conf``: fontconfig settings mapping the official fonts to free stand-ins for
    PDF output on Linux. ``None`` if the installation lacks it."""
    try:
        path = _builtin_root("preview") / "fonts.conf"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None
