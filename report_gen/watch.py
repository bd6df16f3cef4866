"""Build again whenever an input is saved: ``report-gen build … --watch`` and ``batch … --watch``.

During the reporting season an office corrects its ledger cell by cell. Leaving the command
running spares it starting afresh after each correction: the libraries are loaded, the templates
compiled, and the rebuild does only what changed (an unchanged report is skipped by its
fingerprint), so a corrected cell is in the report about a second after it is saved.

The files are polled (their size, modification time and inode, a few times a second) rather than
watched through the operating system's notifications, which do not reach across the network
shares offices keep their ledgers on. A file that is still being written (a large ledger copied
in) is waited for until it has held still for :data:`SETTLE_SECONDS`; one that changes while it is
being built is built again at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.1
SETTLE_SECONDS = 0.2
"""How long every file must hold still before it is read: a save or a copy that pauses for longer
is read as it is then, and built again as soon as it changes again."""

Snapshot = dict[Path, tuple[int, int, int] | None]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Each file's (size, modification time in ns, inode), ``None`` for one that is missing."""
    found: Snapshot = {}
    for path in paths:
        try:
            info = os.stat(path)
            found[path] = (info.st_size, info.st_mtime_ns, info.st_ino)
        except (OSError, ValueError):
            found[path] = None
    return found


def wait_for_change(
    paths: Sequence[Path],
    since: Snapshot | None = None,
    poll: float = POLL_SECONDS,
    settle: float = SETTLE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[Path], Snapshot]:
    """Wait until any of ``paths`` differs from ``since`` (default: as they are now) — changed,
    created or removed — and then holds still for ``settle`` seconds. Returns the paths that
    differ and how they all are then (the ``since`` of the next wait).

    Give ``since`` as the files were when the last build began: a file saved while it ran is
    then built at once, not missed."""
    before = snapshot(paths) if since is None else {p: since.get(p) for p in paths}
    now = snapshot(paths)
    while now == before:
        sleep(poll)
        now = snapshot(paths)
    while True:  # still being written: wait until it holds still
        sleep(settle)
        again = snapshot(paths)
        if again == now:
            break
        now = again
    return [p for p in paths if now.get(p) != before.get(p)], now


def load_builders() -> None:
    """Import what building needs (pandas, python-docx, the pipeline) while waiting: a first pass
    that skipped every report did not, and the first save should not wait for it."""
    from . import pipeline, summary  # noqa: F401


def watched_files(config_paths: Sequence[str | Path], overrides: Any, data: Any) -> list[Path]:
    """Every file the builds of ``config_paths`` read (configs and what they extend, ledgers,
    Word files, a district's own template folder), or the configs themselves while one cannot be
    read (its fix is the change to wait for)."""
    from .batch import config_paths as configs_named
    from .config import load_config
    from .errors import ReportGenError

    # a folder of configs too: one added to it or removed changes the folder
    files: list[Path] = [Path(p) for p in config_paths if Path(p).is_dir()]
    try:
        paths = configs_named(config_paths)
    except ReportGenError:  # an empty folder: wait for a config to appear in it
        return [Path(os.path.abspath(p)) for p in config_paths]
    for path in paths:
        try:
            config = load_config(path, overrides, data, templates=False)
        except ReportGenError:
            files.append(path)
            continue
        files.extend(config.input_files())
        own = Path(config.template)
        if config.word_template is None and own.is_absolute() and own.is_dir():
            files.extend(p for p in sorted(own.rglob("*")) if p.is_file())
    return list(dict.fromkeys(Path(os.path.abspath(p)) for p in files))
