"""Write a build's outputs atomically, and say which figures changed since the last good build.

Every output is first written to a temporary file in the output folder, then
renamed over its target, so a failed build never leaves half a report and
never destroys the last good one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import io
import json
import os
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import Report
from .errors import OptionError, OutputError, Problem, shown
from .input_files import display_name, os_reason, read_limited

if TYPE_CHECKING:  # writing files needs no pandas
    from .figures import FigureSet


def figures_document(
    figures: FigureSet,
    stated: Mapping[str, Sequence[str]],
    meta: Mapping[str, Any],
    sentences: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """``NAME.figures.json``: every figure computed for the report, with value, text, definition and
    source; ``stated`` says whether the report prints it, ``sections`` where (from ``stated``), and
    ``sentences`` the sentences of the report that print it (what ``report-gen diff`` shows beside
    a change)."""
    listed = []
    for fig in figures:
        entry: dict[str, Any] = {
            "id": fig.id,
            "label": fig.label,
            "value": fig.value,
            "text": fig.text,
            "unit": fig.unit,
            "format": fig.format,
            "definition": fig.definition,
            "source": fig.source,
            "stated": fig.id in stated,
            "sections": list(stated.get(fig.id, ())),
        }
        if fig.previous is not None:
            entry["previous"] = fig.previous
            entry["change"] = fig.change
        if sentences is not None:
            entry["sentences"] = sentences.get(fig.id, [])
        listed.append(entry)
    return {**meta, "figures": listed}


FIGURES_JSON_BYTES = 64 * 1024 * 1024


def previous_figures(path: Path) -> tuple[dict[str, Any] | None, Problem | None]:
    """The figures of the last good build's ``NAME.figures.json``, or ``None`` when there is none.

    A damaged file (not JSON, not the expected shape, not a regular file, too large) is set
    aside with a warning: the new build replaces it and never fails because of it.
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None, None
    try:
        if not stat.S_ISREG(info.st_mode) or info.st_size > FIGURES_JSON_BYTES:
            raise ValueError("not a regular file of a sensible size")
        old = json.loads(read_limited(path, path.name, OutputError, FIGURES_JSON_BYTES))
        if not isinstance(old, dict) or not isinstance(old.get("figures", []), list):
            raise ValueError("not the expected shape")
    except (OutputError, ValueError, RecursionError):
        return None, Problem(
            "上次生成的数据清单已损坏，无法比较数据变化；本次生成会替换它",
            file=display_name(path.name),
            severity="warning",
        )
    return old, None


def figure_changes(old: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[str]:
    """Lines like ``两新组织总数：450家 → 452家`` against the figures.json of the last good build."""
    if old is None:
        return []
    before = {
        str(f["id"]): f
        for f in old.get("figures", [])
        if isinstance(f, dict) and isinstance(f.get("id"), str)
    }
    lines = []
    for fig in current["figures"]:
        prior = before.get(fig["id"])
        if prior is None:
            lines.append(f"{fig['label']}：新增 {fig['text']}")
        elif prior.get("text") != fig["text"]:
            lines.append(f"{fig['label']}：{shown(prior.get('text'))} → {fig['text']}")
        elif prior.get("value") != fig["value"]:  # moved by less than the text shows
            lines.append(
                f"{fig['label']}：{fig['text']}（未取整的数由{_unrounded(prior.get('value'))}变为{_unrounded(fig['value'])}）"
            )
    now = {f["id"] for f in current["figures"]}
    for fig_id, prior in before.items():
        if fig_id not in now:
            lines.append(f"{shown(prior.get('label', fig_id))}：不再出现（原为 {shown(prior.get('text'))}）")
    return lines


def _unrounded(value: Any) -> str:
    """A value with the decimals its printed text rounds away (63.5714 for 63.6%)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return shown(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


_COMPRESSED_MEDIA = (".png", ".jpg", ".jpeg", ".gif")


def pinned_entry(name: str, day: dt.date) -> zipfile.ZipInfo:
    """The zip entry header every .docx member is written with: dated ``day`` at midnight, so
    identical inputs give identical files, and readable by its owner (what ``ZipFile.writestr``
    gives a member by default).

    Pictures are stored as they are: they are compressed already, and deflating them again costs
    time and saves nothing. Everything else is deflated.
    """
    entry = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    entry.compress_type = (
        zipfile.ZIP_STORED if name.lower().endswith(_COMPRESSED_MEDIA) else zipfile.ZIP_DEFLATED
    )
    entry.external_attr = 0o600 << 16
    return entry


def pin_zip_times(content: bytes, day: dt.date) -> bytes:
    """The same .docx with every entry dated ``day``, so identical inputs give identical files.

    For packages written by someone else (a district's Word template filled in by docxtpl), which
    stamp each zip entry with the time of writing: a rebuild of an unchanged ledger would otherwise
    differ byte for byte from the last one. The built-in layout's .docx is written pinned in the
    first place (:func:`report_gen.writers.docx_writer.write_docx`).
    """
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = pinned_entry(info.filename, day)
            pinned.external_attr = info.external_attr
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()


def safe_target(out_dir: Path, filename: str) -> Path:
    """``out_dir/filename``, refusing any name that would land outside ``out_dir``.

    The name itself is not resolved: when ``out_dir/filename`` is a symlink, the link is what
    gets replaced, never the file it points to.
    """
    if not filename or filename in (".", "..") or "/" in filename or "\\" in filename or "\x00" in filename:
        raise OutputError(Problem(f"输出文件名“{shown(filename)}”会写到输出文件夹之外"))
    return out_dir / filename


LOCK_NAME = ".report-gen.lock"
LOCK_SECONDS = 120


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold an advisory lock on ``out_dir`` so two builds into one folder never interleave
    their outputs (the .docx of one beside the figures.json of the other). Where the system
    has no advisory locks, builds simply are not serialised."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one build at a time is the user's to keep
        yield
        return
    try:
        fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except IsADirectoryError:
        raise OptionError(
            Problem(
                f"输出文件夹 {display_name(out_dir)} 中的 {LOCK_NAME} 是一个文件夹：它是 report-gen 的锁文件名，"
                "请删除或改名这个文件夹"
            )
        ) from None
    except OSError as exc:
        raise OutputError(
            Problem(f"无法在输出文件夹 {display_name(out_dir)} 中建立锁文件（{os_reason(exc)}）")
        ) from None
    try:
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        Problem(
                            f"输出文件夹 {display_name(out_dir)} 正被另一次生成占用，等待{LOCK_SECONDS}秒后仍未释放"
                        )
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _new_file_mode() -> int:
    """The mode a new file gets here (0666 less the umask), as ``open`` would give it."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _remove_leftovers(out_dir: Path, filenames: Iterable[str]) -> None:
    """Temporary files an interrupted build left (``.NAME.docx.x1y2.tmp``); called under the lock,
    so no other build is still writing them."""
    for filename in filenames:
        for leftover in out_dir.glob(f".{glob.escape(filename)}.*.tmp"):
            with contextlib.suppress(OSError):
                if not stat.S_ISDIR(os.lstat(leftover).st_mode):
                    os.unlink(leftover)


def write_atomically(
    out_dir: Path, files: Mapping[str, bytes], inputs: Iterable[Path] = (), lock: bool = True
) -> list[Path]:
    """Write every ``filename → bytes`` into ``out_dir``; all are complete before any is replaced.

    Under the folder's lock: leftover temporary files of these names are removed, each file is
    written to a temporary file, given the mode of the file it replaces (or a new file's mode),
    and renamed over its target. A target that is one of ``inputs`` is refused before anything
    is written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(Problem(f"无法创建输出文件夹 {display_name(out_dir)}（{exc.strerror}）")) from None
    targets = {filename: safe_target(out_dir, filename) for filename in files}
    refuse_overwriting_inputs(targets.values(), inputs)
    with folder_lock(out_dir) if lock else contextlib.nullcontext():
        _remove_leftovers(out_dir, files)
        return _write_all(out_dir, files, targets)


def _write_all(out_dir: Path, files: Mapping[str, bytes], targets: Mapping[str, Path]) -> list[Path]:
    staged: list[tuple[str, Path]] = []
    new_mode = _new_file_mode()
    try:
        for filename, content in files.items():
            target = targets[filename]
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{filename}.", suffix=".tmp")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                old = os.lstat(target)
                mode = stat.S_IMODE(old.st_mode) if stat.S_ISREG(old.st_mode) else new_mode
            except OSError:
                mode = new_mode
            os.chmod(tmp, mode)
        written = []
        for tmp, target in staged:
            try:
                os.replace(tmp, target)
            except PermissionError:
                raise OutputError(
                    Problem(
                        f"无法覆盖 {display_name(target)}（文件可能正在 Word 或 WPS 中打开，或没有写权限，请关闭后重试）"
                    )
                ) from None
            except IsADirectoryError:
                raise OutputError(Problem(f"无法写出 {display_name(target)}：同名的文件夹挡住了它")) from None
            written.append(target)
        return written
    except OSError as exc:
        raise OutputError(
            Problem(f"无法写入输出文件夹 {display_name(out_dir)}（{exc.strerror or exc}）")
        ) from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def refuse_overwriting_inputs(targets: Iterable[Path], inputs: Iterable[Path]) -> None:
    """Raise :class:`OutputError` when an output would replace one of the build's input files."""
    existing = []
    for path in inputs:
        with contextlib.suppress(OSError, ValueError):
            existing.append(os.stat(path))
    for target in targets:
        try:  # the entry that would be replaced: a symlink there is replaced, not followed
            info = os.lstat(target)
        except (OSError, ValueError):
            continue
        if any(os.path.samestat(info, other) for other in existing):
            raise OptionError(
                Problem(
                    f"不能写到 {display_name(target)}：它是本次的输入文件，写出会覆盖它；请换一个输出位置"
                )
            )


_SENTENCE_END = "。；！？"


def figure_sentences(report: Report) -> dict[str, list[str]]:
    """For each figure, the sentences of the report's text that print it, in reading order."""
    found: dict[str, list[str]] = {}
    for block in report.text_blocks():
        text = block.text
        for mention in block.provenance.mentions:
            start = max((text.rfind(ch, 0, mention.start) for ch in _SENTENCE_END), default=-1) + 1
            ends = [i for i in (text.find(ch, mention.end) for ch in _SENTENCE_END) if i >= 0]
            end = min(ends) + 1 if ends else len(text)
            sentence = text[start:end].strip()
            listed = found.setdefault(mention.figure, [])
            if sentence and sentence not in listed:
                listed.append(sentence)
    return found


def _sentences(entry: Mapping[str, Any]) -> list[str]:
    """A figures.json entry's ``sentences``: a list of texts; anything else (a damaged file) is none."""
    found = entry.get("sentences")
    return [str(s) for s in found] if isinstance(found, list) else []


def figure_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Every figure that differs between two figures.json documents, old → new, each followed by
    the sentences that state it (the new report's, and the old report's where they read differently)."""
    before = {
        str(f["id"]): f
        for f in old.get("figures", [])
        if isinstance(f, dict) and isinstance(f.get("id"), str)
    }
    after = {
        str(f["id"]): f
        for f in new.get("figures", [])
        if isinstance(f, dict) and isinstance(f.get("id"), str)
    }
    lines: list[str] = []
    for fig_id, fig in after.items():
        prior = before.get(fig_id)
        label = shown(fig.get("label", fig_id))
        if prior is None:
            lines.append(f"{label}：新增 {shown(fig.get('text'))}")
        elif prior.get("text") != fig.get("text"):
            lines.append(f"{label}：{shown(prior.get('text'))} → {shown(fig.get('text'))}")
        elif prior.get("value") != fig.get("value"):
            unrounded = f"{_unrounded(prior.get('value'))}变为{_unrounded(fig.get('value'))}"
            lines.append(f"{label}：{shown(fig.get('text'))}（未取整的数由{unrounded}）")
        else:
            continue
        now = _sentences(fig)
        then = _sentences(prior or {})
        lines.extend(f"    原文：{shown(s, 300)}" for s in then if s not in now)
        lines.extend(f"    现文：{shown(s, 300)}" for s in now)
    for fig_id, prior in before.items():
        if fig_id not in after:
            lines.append(f"{shown(prior.get('label', fig_id))}：不再出现（原为 {shown(prior.get('text'))}）")
    return lines
