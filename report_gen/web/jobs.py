"""Validation and builds for the web page, run in worker processes so a slow build never holds up
the page, and their outcome as plain data (what the page shows and remembers).

:func:`run_validation`, :func:`run_build` and :func:`create_district` run in a worker: they take
paths and return dictionaries of strings and numbers, never the pipeline's objects. :class:`Jobs`
is the server's side: the pool, and the builds it runs for the pages to follow. Two builds of one district write into the same output
folder one after the other: :func:`report_gen.output.write_atomically` holds the folder's lock.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import contextlib
import dataclasses
import multiprocessing
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, ReportGenError, shown

FORMATS = ("docx", "html")
_NOT_IN_NAME = re.compile(r"[^\w（）()【】\-. ]")
# Names Windows keeps for devices, whatever the extension.
_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


@contextlib.contextmanager
def as_uploaded(
    data: Mapping[str, Path], names: Mapping[str, str]
) -> Iterator[tuple[dict[str, Path], dict[str, str]]]:
    """The stored uploads copied, for the length of one job, into a private temporary folder under
    the names the user gave them (reduced to letters, digits and a few marks), so the report's
    appendix, figures.json and the problems name the ledger as the user knows it. Yields the
    table → copy mapping and copy name → uploaded name (for problems)."""
    with tempfile.TemporaryDirectory(prefix="report-gen-web-") as folder:
        copies: dict[str, Path] = {}
        shown_names = dict(names)
        for table, stored in data.items():
            original = names.get(stored.name, "")
            stem = _NOT_IN_NAME.sub("_", Path(original).stem).strip(" ._")[:80]
            if not stem or stem.split(".")[0].upper() in _DEVICE_NAMES:
                stem = table
            target = Path(folder) / table / f"{stem}{stored.suffix}"  # one folder per table
            target.parent.mkdir()
            shutil.copyfile(stored, target)
            copies[table] = target
            shown_names[target.name] = original or target.name
        yield copies, shown_names


def _problem_rows(problems: list[Problem], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Problems as dictionaries, each stored upload's generated name replaced by the user's."""
    return [
        dataclasses.asdict(dataclasses.replace(p, file=names.get(p.file or "", p.file))) for p in problems
    ]


def _write_sheet(sheet: Path | None, problems: list[Problem], names: Mapping[str, str]) -> None:
    if sheet is None:
        return
    from ..cli import write_problems_file

    shown_problems = [dataclasses.replace(p, file=names.get(p.file or "", p.file)) for p in problems]
    sheet.parent.mkdir(parents=True, exist_ok=True)
    write_problems_file(sheet, shown_problems)


def _failure(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ReportGenError):
        return {"ok": False, "kind": exc.kind, "problems": exc.problems}
    message = f"内部错误：{type(exc).__name__}: {shown(exc, 300)}"
    return {"ok": False, "kind": "内部错误", "problems": [Problem(message)]}


def run_validation(
    config: Path, data: Mapping[str, Path], names: Mapping[str, str], sheet: Path | None, draft: bool
) -> dict[str, Any]:
    """``report-gen validate`` with the uploads in use: the tables read and every problem, also
    written to ``sheet`` (the problems sheet to download)."""
    started = time.monotonic()
    with as_uploaded(data, names) as (copies, names):
        return _validation(config, copies, names, sheet, draft, started)


def _validation(
    config: Path,
    data: Mapping[str, Path],
    names: Mapping[str, str],
    sheet: Path | None,
    draft: bool,
    started: float,
) -> dict[str, Any]:
    from .. import pipeline

    try:
        result = pipeline.validate(config, data=dict(data), draft=draft)
        outcome: dict[str, Any] = {"ok": True, "kind": "", "problems": list(result.warnings)}
        outcome["tables"] = [
            {
                "table": key,
                "file": names.get(table.file_label, table.file_label),
                "sheet": table.sheet or "",
                "rows": len(table.frame),
                "ignored": len(table.ignored),
            }
            for key, table in result.ledgers.tables.items()
        ]
        outcome["ignored"] = list(pipeline.ignored_rows_summary(result.ledgers))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message on the page
        outcome = _failure(exc)
    _problems_with_sheet(outcome, sheet, names)
    outcome["seconds"] = round(time.monotonic() - started, 1)
    return outcome


def _problems_with_sheet(outcome: dict[str, Any], sheet: Path | None, names: Mapping[str, str]) -> None:
    """Write the outcome's problems to the downloadable sheet and turn them into the page's rows
    (a sheet that cannot be written is one more problem to show)."""
    try:
        _write_sheet(sheet, outcome["problems"], names)
    except ReportGenError as exc:
        outcome["problems"] = [*outcome["problems"], *exc.problems]
    outcome["problems"] = _problem_rows(outcome["problems"], names)


def run_build(
    config: Path,
    data: Mapping[str, Path],
    names: Mapping[str, str],
    out_dir: Path,
    sheet: Path | None,
    draft: bool,
) -> dict[str, Any]:
    """``report-gen build --format docx,html`` with the uploads in use: the files written, the
    figures changed since the last build, warnings; or every problem that stopped it. As the
    command, a build whose inputs did not change since the last one is not done again."""
    started = time.monotonic()
    existed = {p.name for p in out_dir.glob("*.figures.json")} if out_dir.is_dir() else set()
    with as_uploaded(data, names) as (copies, names):
        return _build(config, copies, names, out_dir, sheet, draft, started, existed)


def _build(
    config: Path,
    data: Mapping[str, Path],
    names: Mapping[str, str],
    out_dir: Path,
    sheet: Path | None,
    draft: bool,
    started: float,
    existed: set[str],
) -> dict[str, Any]:
    from .. import pipeline

    try:
        built = pipeline.build(
            config, data=dict(data), out_dir=out_dir, formats=FORMATS, draft=draft, skip_unchanged=True
        )
        outcome: dict[str, Any] = {
            "ok": True,
            "kind": "",
            "outputs": [p.name for p in built.outputs],
            "summary": built.summary(),
            "draft": draft,
        }
        if isinstance(built, pipeline.SkippedBuild):  # as report-gen build: nothing changed, kept
            outcome.update(unchanged=True, changes=[], first_build=False, ignored=[], problems=[])
        else:
            outcome.update(
                unchanged=False,
                changes=built.changes,
                first_build=f"{built.config.report.output_name}.figures.json" not in existed,
                ignored=built.ignored,
                problems=_problem_rows(built.warnings, names),
            )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message on the page
        outcome = _failure(exc)
        _problems_with_sheet(outcome, sheet, names)
    outcome["seconds"] = round(time.monotonic() - started, 1)
    return outcome


def _outcome_row(outcome: Any, names: Mapping[str, str]) -> dict[str, Any]:
    from ..batch import FAILED, STATUS_TEXT

    docx = next((p.name for p in outcome.outputs if p.suffix == ".docx"), "")
    html = next((p.name for p in outcome.outputs if p.suffix == ".html"), "")
    return {
        "name": outcome.name,
        "status": outcome.status,
        "status_text": STATUS_TEXT[outcome.status],
        "failed": outcome.status == FAILED,
        "kind": outcome.kind,
        "seconds": round(outcome.seconds, 1),
        "changes": list(outcome.changes),
        "summary": outcome.summary,
        "problems": _problem_rows(outcome.problems, names),
        "docx": docx,
        "html": html,
    }


def run_city(
    config: Path,
    data: Mapping[str, Path],
    names: Mapping[str, str],
    out_dir: Path,
    executor: concurrent.futures.Executor,
    progress: dict[str, Any],
    archive: Path,
) -> dict[str, Any]:
    """``report-gen batch CONFIG --split-by district --format docx,html`` with the uploads in use:
    one report per district of the city ledger and the city summary, built on ``executor``;
    ``progress`` counts the reports as they finish, for the page. Every .docx goes into one zip,
    ``archive``. Runs in a thread of the server (the reports themselves in the worker processes)."""
    import io
    import zipfile

    from ..batch import build_all
    from ..output import write_atomically

    started = time.monotonic()

    def start(total: int) -> None:
        progress["total"] = total

    def finished(outcome: Any) -> None:
        progress.setdefault("done", []).append(outcome.name)

    with as_uploaded(data, names) as (copies, names):
        try:
            result = build_all(
                [config],
                split_by="district",
                data={table: str(path) for table, path in copies.items()},
                out_dir=out_dir,
                formats=FORMATS,
                executor=executor,
                on_start=start,
                on_done=finished,
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message on the page
            outcome = _failure(exc)
            outcome["problems"] = _problem_rows(outcome["problems"], names)
            outcome["seconds"] = round(time.monotonic() - started, 1)
            return outcome
        rows = [_outcome_row(o, names) for o in result.outcomes]
        summary = _outcome_row(result.summary, names) if result.summary else None
        reports = [out_dir / row["docx"] for row in [*rows, *([summary] if summary else [])] if row["docx"]]
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bundle:
            for report in reports:
                bundle.write(report, report.name)
        write_atomically(archive.parent, {archive.name: packed.getvalue()}, lock=False)
        return {
            "ok": True,
            "kind": "",
            "rows": rows,
            "city_summary": summary,
            "failed": result.failed,
            "reports": len(reports),
            "problems": _problem_rows(result.problems, names),
            "warnings": _problem_rows(result.warnings, names),
            "ignored": list(result.ignored),
            "seconds": round(time.monotonic() - started, 1),
        }


def warm_up() -> None:
    """Import the pipeline (pandas, matplotlib) in a worker before the first job needs it."""
    from .. import pipeline  # noqa: F401


@dataclass
class Job:
    """A build running or done. ``id`` is random: knowing one district's id does not give its jobs."""

    id: str
    district_id: str
    kind: str
    future: concurrent.futures.Future[dict[str, Any]]
    started: float = field(default_factory=time.monotonic)
    recorded: threading.Event = field(default_factory=threading.Event)
    progress: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Finished and its outcome recorded (``when_done`` has run): a page that follows may
        read it from the district's state."""
        return self.recorded.is_set()

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)

    def outcome(self) -> dict[str, Any]:
        try:
            return self.future.result(timeout=0)
        except Exception as exc:  # noqa: BLE001 - a worker that died: say so on the page
            return {
                "ok": False,
                "kind": "内部错误",
                "problems": _problem_rows([_failure(exc)["problems"][0]], {}),
            }


class Jobs:
    """The worker pool and the jobs it runs, remembered while the server runs."""

    def __init__(self, executor: concurrent.futures.Executor | None = None, workers: int = 2):
        """``executor``: the caller's pool (left running by :meth:`shutdown`); default: a pool of
        ``workers`` processes of our own, started by :meth:`start` or the first job."""
        self._owned = executor is None
        self._executor = executor
        self._workers = workers
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        # A city's batch is run from a thread of the server, its reports in the worker processes.
        self._batches = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="report-gen-city")

    @property
    def executor(self) -> concurrent.futures.Executor:
        with self._lock:
            if self._executor is None:
                # Processes, not threads: a build is CPU-bound Python, and matplotlib's pyplot is
                # not thread-safe. "spawn": the server's threads must not be copied into a child.
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self._workers, mp_context=multiprocessing.get_context("spawn")
                )
            return self._executor

    def start(self) -> None:
        """Start the workers and have them import the pipeline before the first job needs it."""
        self.run(warm_up)

    def run(self, function: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        """``function(*args)`` in a worker. A pool of ours broken by a worker that died (killed,
        out of memory) is replaced, so one lost job does not take every later one with it."""
        try:
            return self.executor.submit(function, *args)
        except concurrent.futures.process.BrokenProcessPool:
            if not self._owned:
                raise
            with self._lock:
                self._executor = None
            return self.executor.submit(function, *args)

    def submit(
        self,
        district_id: str,
        kind: str,
        function: Callable[..., dict[str, Any]],
        *args: Any,
        when_done: Callable[[Job], None] | None = None,
        progress: dict[str, Any] | None = None,
    ) -> Job:
        """Run ``function(*args)`` in a worker process; or, given ``progress`` (a dictionary the
        function updates as it goes), in the server's batch thread. ``when_done`` records the
        outcome before the job counts as done."""
        if progress is None:
            future = self.run(function, *args)
        else:
            future = self._batches.submit(function, *args)
        job = Job(secrets.token_hex(8), district_id, kind, future)
        if progress is not None:
            job.progress = progress  # the very dictionary the function updates
        with self._lock:
            self._jobs[job.id] = job

        def finished(_future: concurrent.futures.Future[dict[str, Any]]) -> None:
            try:
                if when_done is not None:
                    when_done(job)
            finally:
                job.recorded.set()

        job.future.add_done_callback(finished)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self, district_id: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.district_id == district_id and not j.done]

    def shutdown(self) -> None:
        """Stop our own workers: queued jobs are dropped, a running build is let finish (its
        files are written whole or not at all either way), and no worker outlives the server."""
        self._batches.shutdown(wait=True, cancel_futures=True)
        if self._owned and self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


# The command line's options, as the page names its fields.
_OPTION_WORDS = {"--district": "“区县名称”", "--year": "“报告年度”", "--force": "覆盖"}


def create_district(
    districts_folder: Path, upload: Path, original: str, district: str | None, year: int | None
) -> dict[str, Any]:
    """``report-gen init`` for an uploaded ledger: the ledger is kept as
    ``districts/<district>/台账<year>.<ext>`` beside the new ``<district>.yaml`` (so next year's
    ledger saved beside it is found by ``{year}``). Returns the config's path or the problems.

    ``init`` itself reads the district and year (from the ledger's title row, or as given) and
    checks them, first into a scratch folder: the district's folder is made only once they are
    known and sound."""
    from ..config import load_yaml_text
    from ..errors import OptionError
    from ..output import write_atomically
    from ..scaffold import init_district

    names = {upload.name: original}
    created: Path | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="report-gen-init-") as scratch:
            trial = init_district(scratch, upload, district=district, year=year)
            report = load_yaml_text(trial.read_text(encoding="utf-8"), trial.name)["report"]
        district, year = str(report["district"]), int(report["year"])
        folder = districts_folder / district
        config = folder / f"{district}.yaml"
        if config.exists():
            raise OptionError(
                Problem(f"{district}的配置已经存在（{district}/{config.name}），请在首页选择它")
            )
        ledger = folder / f"台账{year}{upload.suffix}"
        if not ledger.exists():
            write_atomically(folder, {ledger.name: upload.read_bytes()}, lock=False)
            created = ledger
        written = init_district(folder, ledger, district=district, year=year)
        return {"ok": True, "config": str(written)}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message on the page
        if created is not None:
            created.unlink(missing_ok=True)
        outcome = _failure(exc)
        problems = []
        for problem in outcome["problems"]:
            message = problem.message
            for option, words in _OPTION_WORDS.items():
                message = message.replace(option, words)
            problems.append(dataclasses.replace(problem, message=message))
        outcome["problems"] = _problem_rows(problems, names)
        return outcome
