"""The files behind the web page: district configs found in the workspace, uploaded ledgers stored
under generated names, and what the page remembers for each district.

Nothing a browser sends is used as a path: a district is named by an id the server derived from
the configs it found, an upload is stored as ``.report-gen/uploads/<random>.<xlsx|csv>``, and its
original name is kept only as text to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError, OptionError, Problem, shown
from ..output import write_atomically

STATE_FOLDER = ".report-gen"
# A ledger of a few thousand organisations is well under a megabyte as .csv and a few as .xlsx.
UPLOAD_BYTES = 20 * 1024 * 1024
LEDGER_SUFFIXES = (".xlsx", ".csv")
# The tables a district page takes files for, with the words the page uses for them.
UPLOAD_TABLES = {
    "organizations": "本年度台账",
    "organizations_previous": "上年度台账",
    "trainings": "培训记录",
}
CONFIG_BYTES = 1024 * 1024
# Folders that hold no district configs (outputs, environments, caches, our own state).
_SKIPPED_FOLDERS = {"out", "node_modules", "__pycache__", "sample_data", "templates"}
_SEARCH_DEPTH = 3


@dataclass(frozen=True)
class District:
    """A district config found in the workspace. ``id`` names it in URLs; ``relative`` is its path
    from the workspace, for showing."""

    id: str
    config: Path
    relative: str
    district: str
    year: int | None
    broken: str | None = None  # why the file did not read as YAML (it is listed, to be fixed)

    @property
    def label(self) -> str:
        return f"{self.district} {self.year}年" if self.year else self.district

    @property
    def is_city(self) -> bool:
        """A city's config (江城市): its ledger covers several districts, built one report each."""
        return self.district.endswith("市")


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded ledger: where it is stored (generated name) and what the user called it."""

    path: Path
    original: str


def district_id(relative: str) -> str:
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:12]


def _config_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        subfolders[:] = sorted(
            s
            for s in subfolders
            if not s.startswith(".") and s not in _SKIPPED_FOLDERS and depth < _SEARCH_DEPTH
        )
        for name in sorted(files):
            if name.lower().endswith((".yaml", ".yml")) and not name.startswith("."):
                yield Path(folder) / name


def _read_district(path: Path) -> tuple[str, int | None, str | None] | None:
    """The district and year a config names in its own ``report`` block, or ``None`` when the file
    is not a district config (a base config, another YAML file, unreadable). A file that names a
    district but is not valid YAML (a hand edit gone wrong) is one, named by its file name, with
    the reason."""
    from ..config import load_yaml_text

    try:
        if not path.is_file() or path.stat().st_size > CONFIG_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if "district" not in text:
        return None
    try:
        data = load_yaml_text(text, path.name)
    except ConfigError as exc:
        if "report:" not in text:
            return None
        return path.stem, None, str(exc.problems[0])
    report = data.get("report") if isinstance(data, dict) else None
    if not isinstance(report, dict) or not isinstance(report.get("district"), str):
        return None
    district = report["district"].strip()
    if not district or "{" in district:
        return None
    year = report.get("year")
    return district, year if isinstance(year, int) and not isinstance(year, bool) else None, None


class Workspace:
    """A folder of district configs and ledgers, the page's state under ``.report-gen/`` and the
    reports under ``out/`` (where ``report-gen build`` run in the folder writes them too)."""

    def __init__(self, root: str | Path, upload_bytes: int = UPLOAD_BYTES):
        self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise OptionError(Problem(f"工作文件夹 {shown(self.root)} 不存在"))
        self.upload_bytes = upload_bytes
        self.state_folder = self.root / STATE_FOLDER
        self.out_dir = self.root / "out"
        self._lock = threading.Lock()

    # Districts -------------------------------------------------------------------------------

    def districts(self) -> dict[str, District]:
        """Every district config in the workspace (up to three folders deep), by id."""
        found: dict[str, District] = {}
        for path in _config_files(self.root):
            identity = _read_district(path)
            if identity is None:
                continue
            relative = path.relative_to(self.root).as_posix()
            found[district_id(relative)] = District(district_id(relative), path, relative, *identity)
        return found

    def district(self, id_: str) -> District | None:
        return self.districts().get(id_)

    def new_district_folder(self) -> Path:
        return self.root / "districts"

    # Uploads ---------------------------------------------------------------------------------

    def store_upload(self, content: bytes, original: str) -> StoredUpload:
        """Keep an uploaded ledger under a generated name; raises :class:`DataError` for a file
        that is too large, empty, or not an .xlsx/.csv ledger."""
        original = shown(Path(original.replace("\\", "/")).name, 120) or "（未命名）"
        suffix = Path(original).suffix.lower()
        if suffix not in LEDGER_SUFFIXES:
            raise DataError(
                Problem(f"只接受 .xlsx 或 .csv 格式的台账，收到“{suffix or '无扩展名'}”", file=original)
            )
        if not content:
            raise DataError(Problem("文件是空的", file=original))
        if len(content) > self.upload_bytes:
            raise DataError(Problem(f"文件超过上限 {self.upload_bytes // (1024 * 1024)} MB", file=original))
        is_zip = content.startswith(b"PK\x03\x04")
        if suffix == ".xlsx" and not is_zip:
            raise DataError(Problem("不是有效的 .xlsx 文件（内容不是 Excel 工作簿）", file=original))
        if suffix == ".csv" and (is_zip or b"\x00" in content[:4096]):
            raise DataError(
                Problem("不是文本格式的 .csv 文件（可能是改了扩展名的 Excel 文件）", file=original)
            )
        folder = self.state_folder / "uploads"
        name = f"{secrets.token_hex(8)}{suffix}"
        write_atomically(folder, {name: content}, lock=False)
        return StoredUpload(folder / name, original)

    def stored_path(self, relative: str) -> Path | None:
        """A stored upload named in the state file, or ``None`` when it is not one of ours."""
        if not re.fullmatch(r"uploads/[0-9a-f]{16}\.(xlsx|csv)", relative):
            return None
        path = self.state_folder / relative
        return path if path.is_file() else None

    # State -----------------------------------------------------------------------------------

    def _state_path(self, id_: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{12}", id_):
            raise ValueError("not a district id")
        return self.state_folder / "state" / f"{id_}.json"

    def state(self, id_: str) -> dict[str, Any]:
        """What the page remembers of a district: uploads in use, the last check and build."""
        try:
            data = json.loads(self._state_path(id_).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update_state(self, id_: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``changes`` into the district's state (a key set to ``None`` is removed)."""
        with self._lock:
            state = self.state(id_)
            for key, value in changes.items():
                if value is None:
                    state.pop(key, None)
                else:
                    state[key] = value
            path = self._state_path(id_)
            content = json.dumps(state, ensure_ascii=False, indent=1, default=str).encode("utf-8")
            write_atomically(path.parent, {path.name: content}, lock=False)
            return state

    def data_in_use(self, id_: str) -> dict[str, Path]:
        """The uploaded file standing in for each table, as ``build --data`` would take it."""
        uploads = self.state(id_).get("data") or {}
        data = {}
        for table, entry in uploads.items():
            if table in UPLOAD_TABLES and isinstance(entry, dict):
                path = self.stored_path(str(entry.get("stored", "")))
                if path is not None:
                    data[table] = path
        return data

    def upload_names(self, id_: str) -> dict[str, str]:
        """Stored file name → the name the user uploaded it under, to show in problems."""
        uploads = self.state(id_).get("data") or {}
        return {
            Path(str(e.get("stored", ""))).name: str(e.get("name", ""))
            for e in uploads.values()
            if isinstance(e, dict)
        }

    def city_archive(self, id_: str) -> Path:
        """The zip of every report of a city's last batch."""
        self._state_path(id_)  # checks the id
        return self.state_folder / "batch" / f"{id_}.zip"

    def problems_sheet(self, id_: str) -> Path:
        self._state_path(id_)  # checks the id
        return self.state_folder / "problems" / f"{id_}.xlsx"


def now_text() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
