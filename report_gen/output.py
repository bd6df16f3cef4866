"""Write a build's outputs atomically, and say which figures changed since the last good build.

Every output is first written to a temporary file in the output folder, then
renamed over its target, so a failed build never leaves half a report and
never destroys the last good one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import OutputError, Problem
from .figures import FigureSet


def figures_document(figures: FigureSet, meta: Mapping[str, Any]) -> dict[str, Any]:
    """``NAME.figures.json``: every figure computed for the report, with value, text, definition and
    source; ``stated`` says whether the report prints it, ``sections`` where."""
    listed = []
    for fig in figures:
        entry: dict[str, Any] = {
            "id": fig.id,
            "label": fig.label,
            "value": fig.value,
            "text": fig.text,
            "unit": fig.unit,
            "definition": fig.definition,
            "source": fig.source,
            "stated": bool(fig.sections),
            "sections": fig.sections,
        }
        if fig.previous is not None:
            entry["previous"] = fig.previous
            entry["change"] = fig.change
        listed.append(entry)
    return {**meta, "figures": listed}


def figure_changes(previous_json: Path, current: Mapping[str, Any]) -> list[str]:
    """Lines like ``两新组织总数：450家 → 452家`` against the figures.json of the last good build."""
    try:
        old = json.loads(previous_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    before = {f["id"]: f for f in old.get("figures", []) if isinstance(f, dict) and "id" in f}
    lines = []
    for fig in current["figures"]:
        prior = before.get(fig["id"])
        if prior is None:
            lines.append(f"{fig['label']}：新增 {fig['text']}")
        elif prior.get("text") != fig["text"] or prior.get("value") != fig["value"]:
            lines.append(f"{fig['label']}：{prior.get('text')} → {fig['text']}")
    now = {f["id"] for f in current["figures"]}
    for fig_id, prior in before.items():
        if fig_id not in now:
            lines.append(f"{prior.get('label', fig_id)}：不再出现（原为 {prior.get('text')}）")
    return lines


def pin_zip_times(content: bytes, day: dt.date) -> bytes:
    """The same .docx with every entry dated ``day``, so identical inputs give identical files.

    python-docx stamps each zip entry with the time of writing; a rebuild of an unchanged
    ledger would otherwise differ byte for byte from the last one.
    """
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = info.external_attr
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()


def safe_target(out_dir: Path, filename: str) -> Path:
    """``out_dir/filename``, refusing any name that would land outside ``out_dir``."""
    target = (out_dir / filename).resolve()
    if target.parent != out_dir.resolve():
        raise OutputError(Problem(f"输出文件名“{filename}”会写到输出文件夹之外"))
    return target


def write_atomically(out_dir: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every ``filename → bytes`` into ``out_dir``; all are complete before any is replaced."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(Problem(f"无法创建输出文件夹 {out_dir}（{exc.strerror}）")) from None
    staged: list[tuple[str, Path]] = []
    try:
        for filename, content in files.items():
            target = safe_target(out_dir, filename)
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        written = []
        for tmp, target in staged:
            try:
                os.replace(tmp, target)
            except PermissionError:
                raise OutputError(
                    Problem(f"无法覆盖 {target}（文件可能正在 Word 或 WPS 中打开，请关闭后重试）")
                ) from None
            written.append(target)
        return written
    except OSError as exc:
        raise OutputError(Problem(f"无法写入输出文件夹 {out_dir}（{exc.strerror or exc}）")) from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
