"""File paths as users write them, read the same on Windows, macOS and Linux.

Most users keep their configs on Windows, where a data path reads
``sample_data\\organizations_2025.csv`` and a folder unzipped from a Windows
archive on Linux keeps its Chinese file names as GBK bytes. This module turns
such paths into paths of the machine the tool runs on, and file-name bytes
into readable text for messages and figures.json.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\[^\\])")
# Bytes of a file name that were not UTF-8 reach Python as these lone surrogates (PEP 383).
_UNDECODED = re.compile("[\udc80-\udcff]+")


class ForeignPathError(ValueError):
    """A Windows drive or network path (``C:\\…``, ``\\\\server\\…``) on a machine that is not Windows."""


def native(text: str | Path, base: Path | None = None) -> Path:
    """``text`` as a path on this machine, under ``base`` when it is relative (``None``: as given).

    On Windows both separators already work. Elsewhere a backslash is read as a folder
    separator, unless a file of that exact name exists. Raises :class:`ForeignPathError`
    for a Windows drive or network path, which cannot mean anything here.
    """
    raw = str(text)
    if os.name == "nt":
        return base / raw if base is not None else Path(raw)
    if _WINDOWS_ABSOLUTE.match(raw):
        raise ForeignPathError(raw)
    as_written = base / raw if base is not None else Path(raw)
    if "\\" not in raw or os.path.exists(as_written):
        return as_written
    converted = raw.replace("\\", "/")
    return base / converted if base is not None else Path(converted)


def foreign_path_message(text: str) -> str:
    """What to tell a user whose config names a Windows drive or network path on another OS."""
    return (
        f"“{text}”是 Windows 的盘符或网络路径，本机无法打开；"
        "请改为相对于配置文件的路径（如 sample_data/台账.csv），或本机上的完整路径"
    )


def locate(path: Path) -> Path:
    """``path``, or where it lies when folder or file names on disk are GBK bytes, not UTF-8.

    Archives made on Chinese Windows store names in GBK; unzipped on Linux they keep
    those bytes, so ``台账.csv`` in a config would not find the file. Returns ``path``
    unchanged when it exists, on Windows, or when no GBK-named match exists either.
    (``os.path.exists``, unlike ``Path.exists``, is false for a name too long to look up,
    which is then reported when the file is read.)
    """
    if os.name == "nt" or os.path.exists(path):
        return path
    found = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        candidate = found / part
        if not os.path.exists(candidate):
            try:
                gbk = os.fsdecode(part.encode("gb18030"))
            except UnicodeEncodeError:  # already undecoded bytes: nothing else to try
                return path
            if gbk == part or not os.path.exists(found / gbk):
                return path
            candidate = found / gbk
        found = candidate
    return found


def readable(text: str) -> str:
    """A path or file name for people: names whose bytes were not UTF-8 decoded as GB18030.

    Each folder or file name is decoded whole (GBK bytes may happen to contain valid UTF-8
    sequences, so decoding only the undecodable bytes would garble it); a name that is not
    GB18030 either keeps its readable parts, with the rest shown as replacement characters.
    """
    if not _UNDECODED.search(text):
        return text
    return os.sep.join(_readable_name(name) for name in text.split(os.sep))


def _readable_name(name: str) -> str:
    if not _UNDECODED.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("gb18030")
    except UnicodeDecodeError:
        return _UNDECODED.sub("\ufffd", name)
