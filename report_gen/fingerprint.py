"""What made a report, as one hash: a rebuild whose inputs did not change is skipped.

The fingerprint of a build covers everything its outputs depend on: the config after
inheritance, overrides and ``--data`` (so a changed threshold or narrative counts), the
rows of every ledger it reads (the file's bytes, or for a district split from a city ledger,
that district's cells), the template files, the district's reference document or Word
template, the output formats and the package version. It is stored beside the outputs in
``NAME.fingerprint.json`` with a hash of every output file, so a report edited or damaged by
hand since is rebuilt, not skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, resources
from .config import Config
from .errors import DataError, Problem
from .input_files import LEDGER_BYTES, read_limited

FINGERPRINT_SUFFIX = ".fingerprint.json"
_RECORD_BYTES = 4 * 1024 * 1024


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def rows_digest(texts: Mapping[str, Any], headers: Mapping[str, str], label: str) -> str:
    """The digest of a table's cells as read (``RawTable.texts``): a changed cell, row or header changes it."""
    parts = [label.encode("utf-8"), _json_bytes(dict(headers))]
    index_done = False
    for name in sorted(texts):
        column = texts[name]
        if not index_done:  # the rows' numbers, which messages name
            parts.append(column.index.to_numpy().tobytes())
            index_done = True
        parts += [name.encode("utf-8"), _column_bytes(column)]
    return _digest(*parts)


def _column_bytes(column: Any) -> bytes:
    """A text column's values as bytes: its Arrow data written as one Arrow IPC record batch (the
    values and which are missing, never the buffers of a whole city a district's rows are a slice
    of; chunks combined first so the same values give the same bytes however they were cut)."""
    import pyarrow as pa

    to_arrow = getattr(column.array, "__arrow_array__", None)
    if to_arrow is None:  # not Arrow-backed: pandas' own hash of each value
        import pandas as pd

        return bytes(pd.util.hash_pandas_object(column.fillna("\x00"), index=False).to_numpy().tobytes())
    values = to_arrow()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    batch = pa.record_batch([values], names=["v"])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue())


_FILE_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (``missing`` when it cannot be read: the build says why).

    Kept for the rest of one build or batch (:func:`forget_file_digests` starts afresh) while the
    file's size, modification time and inode stay the same: a batch asks for a 20-MB city ledger's
    digest more than once, and hashing it costs tens of milliseconds each time."""
    try:
        info = os.stat(path)
        key = (str(path), info.st_size, info.st_mtime_ns, info.st_ino)
    except (OSError, ValueError):
        key = None
    if key is not None and key in _FILE_DIGESTS:
        return _FILE_DIGESTS[key]
    try:
        digest = _digest(read_limited(path, "文件", DataError, LEDGER_BYTES))
    except DataError:
        return "missing"  # the build itself reports it
    if key is not None:
        _FILE_DIGESTS[key] = digest
    return digest


def forget_file_digests() -> None:
    """Hash files afresh from here on: called as each build or batch starts, so a process that
    builds again later (a watch, the web page) never trusts a digest from an earlier run on a file
    system whose modification times are too coarse to show an edit."""
    _FILE_DIGESTS.clear()


def _tree_digest(folders: Iterable[Path]) -> str:
    parts: list[bytes] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = Path(root) / name
                try:
                    parts += [os.fsencode(path.relative_to(folder)), path.read_bytes()]
                except OSError:
                    parts.append(b"unreadable")
    return _digest(*parts)


def _template_folders(config: Config) -> list[Path]:
    folders = [resources.templates_root()]
    if config.word_template is None and config.template != "default":
        own = Path(config.template)
        folders.append(own if own.is_dir() else resources.templates_root() / config.template)
    return folders


def _without_data_paths(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The merged config less where its ledgers are: their content is fingerprinted instead, so
    the same rows given by another path (``--data``) are the same input."""
    data = {}
    for name, source in (raw.get("data") or {}).items():
        data[name] = {k: v for k, v in source.items() if k != "path"} if isinstance(source, dict) else {}
    return {**raw, "data": data}


def config_digest(config: Config) -> str:
    """The digest of the merged config, less the ledgers' paths."""
    return _digest(_json_bytes(_without_data_paths(config.raw)))


def digest_of(*parts: bytes) -> str:
    return _digest(*parts)


@dataclass(frozen=True)
class Fingerprint:
    """The digest of each input of one report, and of all of them together."""

    parts: dict[str, str]

    @property
    def digest(self) -> str:
        return _digest(_json_bytes(self.parts))

    def changed(self, other: Mapping[str, str]) -> list[str]:
        """The names of the parts that differ from ``other`` (a recorded fingerprint's parts)."""
        return sorted(k for k in {*self.parts, *other} if self.parts.get(k) != other.get(k))


def fingerprint(
    config: Config,
    formats: Iterable[str],
    read_digests: Mapping[str, str] | None = None,
) -> Fingerprint:
    """The fingerprint of building ``config`` into ``formats``. ``read_digests`` gives the digest of
    tables already read (a district's rows of a city ledger); other tables are hashed from their file."""
    parts = {
        "version": __version__,
        "config": config_digest(config),
        "options": _digest(_json_bytes({"formats": sorted(formats), "draft": config.draft})),
        "templates": _tree_digest(_template_folders(config)),
    }
    for name, sources in sorted(config.sources.items()):
        given = (read_digests or {}).get(name)
        # The files' names too: messages and figures.json name them.
        parts[f"data.{name}"] = (
            given
            if given is not None
            else _digest(
                *(part for s in sources for part in (os.fsencode(s.path.name), file_digest(s.path).encode()))
            )
        )
    for key, path in (("reference_docx", config.reference_docx), ("word_template", config.word_template)):
        if path is not None:
            parts[key] = file_digest(path)
    return Fingerprint(parts)


@dataclass
class Record:
    """What ``NAME.fingerprint.json`` keeps: the fingerprint, a hash of each output, and what the
    build said (its summary line, warnings), so a skipped build can say it again."""

    parts: dict[str, str]
    outputs: dict[str, str]
    summary: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_bytes(self) -> bytes:
        document = {
            "fingerprint": _digest(_json_bytes(self.parts)),
            "parts": self.parts,
            "outputs": self.outputs,
            "summary": self.summary,
            "warnings": self.warnings,
        }
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def record_for(
    found: Fingerprint, files: Mapping[str, bytes], summary: str, warnings: Iterable[Problem]
) -> bytes:
    """The content of ``NAME.fingerprint.json`` for a build that writes ``files`` (name → bytes)."""
    record = Record(
        dict(found.parts),
        {name: _digest(content) for name, content in sorted(files.items())},
        summary,
        [str(w) for w in warnings],
    )
    return record.as_bytes()


def recorded(out_dir: Path, name: str) -> Record | None:
    """The record of the last build of ``name`` in ``out_dir``; ``None`` when missing or unreadable."""
    path = out_dir / f"{name}{FINGERPRINT_SUFFIX}"
    try:
        if not path.is_file() or path.stat().st_size > _RECORD_BYTES:
            return None
        data = json.loads(path.read_bytes())
        return Record(
            dict(data["parts"]),
            dict(data["outputs"]),
            str(data.get("summary", "")),
            [str(w) for w in data.get("warnings", [])],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def unchanged(out_dir: Path, name: str, found: Fingerprint) -> Record | None:
    """The last build's record when ``found`` equals its fingerprint and every output it wrote is
    still there, byte for byte; ``None`` (rebuild) otherwise."""
    record = recorded(out_dir, name)
    if record is None or found.changed(record.parts) or not record.outputs:
        return None
    for filename, digest in record.outputs.items():
        try:
            content = (out_dir / filename).read_bytes()
        except OSError:
            return None
        if _digest(content) != digest:
            return None
    return record
