"""Many reports in one run: a city's ledger split by district, or several districts' configs.

A city keeps one ledger with a ``district`` column (所属区县), or each district keeps its own
config and ledger. :func:`split_city` reads the city ledger once and cuts it into each
district's rows; :func:`district_jobs` and :func:`config_jobs` turn either into :class:`Job`\\ s;
:func:`run_jobs` builds them on an executor; :mod:`report_gen.summary` rolls the results up.

The runner takes any :class:`concurrent.futures.Executor`. By default it is a process pool
(one worker per core); a distributed engine plugs in by handing over its executor, e.g. Dask::

    from distributed import Client
    client = Client("tcp://scheduler:8786")
    run_jobs(jobs, executor=client.get_executor())

A :class:`Job` is a small picklable value (paths, overrides, a district's rows as a
DataFrame) and :func:`run_job` a module-level function, so any executor that pickles its
arguments can run it; the workers need report-gen installed and the configs, templates and
output folder at the same paths (a shared file system).

A district whose data is wrong fails alone: its problems are in its :class:`Outcome`, the
other districts are built.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import OptionError, Problem, ReportGenError, shown

SPLIT_COLUMNS = ("district",)
BUILT, SKIPPED, FAILED = "built", "skipped", "failed"
STATUS_TEXT = {BUILT: "已生成", SKIPPED: "未变化，跳过", FAILED: "失败"}
SUMMARY_NAME = "（全市汇总）"


@dataclass(frozen=True)
class Job:
    """One report to build: a config with its overrides, and for a district of a city ledger, its
    rows already read (``tables``, with their fingerprints in ``digests``)."""

    name: str
    config: Path
    overrides: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, str] = field(default_factory=dict)
    out_dir: Path = Path("out")
    formats: tuple[str, ...] = ("docx",)
    draft: bool = False
    force: bool = False
    tables: Mapping[str, Any] | None = None
    digests: Mapping[str, str] | None = None


@dataclass
class Outcome:
    """What became of one :class:`Job`: ``status`` is :data:`BUILT`, :data:`SKIPPED` or :data:`FAILED`.

    ``problems`` are the errors of a failed job (with ``kind`` naming them, e.g. 数据有误), or
    the warnings of one that was built; ``changes`` the figures that moved since the last build.
    """

    name: str
    status: str
    seconds: float
    outputs: list[Path] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    kind: str = ""
    summary: str = ""

    @property
    def figures_json(self) -> Path | None:
        return next((p for p in self.outputs if p.name.endswith(".figures.json")), None)


def run_job(job: Job) -> Outcome:
    """Build one job and say how it went; never raises for the user's input (a failed job is an
    :class:`Outcome` with its problems). Module-level, so a process pool or Dask can run it."""
    from . import pipeline

    start = time.perf_counter()
    try:
        result = pipeline.build(
            job.config,
            overrides=job.overrides,
            data=job.data,
            out_dir=job.out_dir,
            formats=job.formats,
            draft=job.draft,
            skip_unchanged=not job.force,
            tables=job.tables,
            table_digests=job.digests,
        )
    except ReportGenError as exc:
        return Outcome(job.name, FAILED, time.perf_counter() - start, problems=exc.problems, kind=exc.kind)
    except Exception as exc:  # noqa: BLE001 - one district's crash must not stop the others
        problem = Problem(f"内部错误：{type(exc).__name__}: {shown(exc, 300)}")
        return Outcome(job.name, FAILED, time.perf_counter() - start, problems=[problem], kind="内部错误")
    seconds = time.perf_counter() - start
    name = job.name if job.tables is not None else result.config.report.district
    if isinstance(result, pipeline.SkippedBuild):
        return Outcome(name, SKIPPED, seconds, outputs=result.outputs, summary=result.summary())
    return Outcome(
        name,
        BUILT,
        seconds,
        outputs=result.outputs,
        changes=result.changes,
        problems=result.warnings,
        summary=result.summary(),
    )


def default_jobs() -> int:
    """The number of workers by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# What a worker needs, imported once by the fork server that starts the workers.
# matplotlib is not among them: Word charts are written from their numbers; a worker that draws
# pictures (HTML output) imports it on its first chart.
_PRELOAD = ["report_gen.pipeline", "report_gen.summary"]


def warm_workers() -> None:
    """Start the fork server that will start the workers, importing pandas and python-docx once, in its own process: it does so on another core while this process reads
    the ledger. Where there is no fork server (Windows, macOS before 3.14's default), workers
    are spawned and import for themselves."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(_PRELOAD)
    forkserver.ensure_running()


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from a fork server that has report-gen imported (see
    :func:`warm_workers`); a fork of a process with no threads and no ledger in memory."""
    import multiprocessing

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "forkserver":
        warm_workers()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def summary_job(
    config: Any, outcomes: Sequence[Outcome], out_dir: Path, formats: Sequence[str], force: bool
) -> Outcome:
    """:func:`report_gen.summary.build_summary` as a job: a failure is an :class:`Outcome`."""
    from .summary import build_summary

    start = time.perf_counter()
    try:
        return build_summary(config, outcomes, out_dir, formats, force)
    except ReportGenError as exc:
        return Outcome(
            SUMMARY_NAME, FAILED, time.perf_counter() - start, problems=exc.problems, kind=exc.kind
        )


def run_jobs(
    jobs: Sequence[Job],
    executor: Executor | None = None,
    workers: int | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every job and return their outcomes in the order of ``jobs``.

    ``executor``: any :class:`concurrent.futures.Executor` (a Dask ``Client.get_executor()``,
    a thread pool); it is used, not shut down. Without one, ``workers`` processes (default: the
    cores) build the jobs, or this process alone when there is one worker or one job.
    ``on_done`` is called with each outcome as it finishes (for a progress bar).
    """
    workers = workers or default_jobs()
    outcomes: dict[int, Outcome] = {}
    if executor is None and (workers == 1 or len(jobs) <= 1):
        for i, job in enumerate(jobs):
            outcomes[i] = run_job(job)
            if on_done:
                on_done(outcomes[i])
        return [outcomes[i] for i in range(len(jobs))]
    own = executor is None
    pool = executor if executor is not None else _process_pool(min(workers, len(jobs)))
    try:
        futures: dict[Future[Outcome], int] = {pool.submit(run_job, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                outcomes[i] = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                problem = Problem(f"生成进程意外退出：{type(exc).__name__}: {shown(exc, 300)}")
                outcomes[i] = Outcome(jobs[i].name, FAILED, 0.0, problems=[problem], kind="内部错误")
            if on_done:
                on_done(outcomes[i])
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return [outcomes[i] for i in range(len(jobs))]


# --- a city ledger, split by district ------------------------------------------------------


@dataclass
class CitySplit:
    """A city's ledgers read once and cut by district.

    ``districts`` maps each district (in the order the ledger first lists them) to its rows of
    every table (``None``: the district has no rows in that table, e.g. last year's ledger);
    ``digests`` holds a fingerprint of each district's rows per table. ``problems`` are errors
    that concern no single district (a row without a district); ``warnings`` and ``ignored``
    concern the city's files as a whole and are reported once.
    """

    config: Any
    column: str
    districts: dict[str, dict[str, Any]]
    digests: dict[str, dict[str, str]]
    problems: list[Problem]
    warnings: list[Problem]
    ignored: list[str]


def _district_name(text: str) -> str:
    """A district's name as one report knows it: full-width letters and digits as ASCII (ＡＢ区 is
    AB区), invisible format characters (zero-width spaces, direction marks) removed."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").strip()


def _district_names(keys: Any) -> Any:
    """``keys`` with every name as :func:`_district_name` gives it; each distinct name is folded once."""
    names = {value: _district_name(value) for value in keys.dropna().unique()}
    changed = {k: v for k, v in names.items() if k != v}
    return keys.replace(changed) if changed else keys


def _district_header(raw: Any, column: str) -> str:
    known = [c.label for c in raw.contract.columns if c.name == column]
    return raw.headers.get(column) or (known[0] if known else column)


def split_city(
    config_path: str | Path,
    column: str = "district",
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    draft: bool = False,
) -> CitySplit:
    """Read every table the config names once and cut it by ``column`` (``district``).

    Raises :class:`OptionError` for a column nobody can split by, and :class:`DataError` for a
    table that cannot be read or lacks the column; a row whose district is blank is a problem of
    the split (it belongs to no report), returned in :attr:`CitySplit.problems`.
    """
    from .config import load_config
    from .errors import DataError
    from .fingerprint import rows_digest
    from .ingest import read_table

    if column not in SPLIT_COLUMNS:
        raise OptionError(Problem(f"--split-by 只能取 {', '.join(SPLIT_COLUMNS)}，收到“{shown(column)}”"))
    config = load_config(config_path, overrides, data, draft=draft)
    districts: dict[str, dict[str, Any]] = {}
    digests: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    ignored: list[str] = []
    read: dict[str, list[Any]] = {}
    for name, sources in config.sources.items():
        for source in sources:
            try:
                read.setdefault(name, []).append(read_table(source, config.ledgers[name]))
            except DataError as exc:
                problems.extend(exc.problems)
    for raw in (raw for parts in read.values() for raw in parts):
        if column not in raw.frame.columns:
            problems.append(
                Problem(
                    f"{raw.contract.label}没有“所属区县”列（也可写作：区县、所属区（县）、区县名称、district），"
                    "无法按区县拆分；请加上此列，或不用 --split-by 生成",
                    file=raw.file_label,
                    sheet=raw.sheet,
                )
            )
    if problems:
        raise DataError(problems)
    # The current ledger first: it decides which districts there are.
    main = config.main_ledger
    parts_digests: dict[str, dict[str, list[str]]] = {}
    raws = [(name, raw) for name, parts in read.items() for raw in parts]
    for name, raw in sorted(raws, key=lambda item: item[0] != main):
        warnings.extend(raw.warnings)
        for reason in sorted({i.reason for i in raw.ignored}):
            rows = [i.row for i in raw.ignored if i.reason == reason]
            listed = "、".join(str(r) for r in rows[:15]) + ("等" if len(rows) > 15 else "")
            ignored.append(f"{raw.file_label}：忽略{reason}{len(rows)}行（第{listed}行）")
        keys = _district_names(raw.texts[column])
        blank = keys.isna() | (keys == "")
        for row in keys.index[blank.to_numpy(dtype=bool)][:20]:
            problems.append(
                Problem(
                    "所属区县为空，这一行不属于任何区县的报告",
                    file=raw.file_label,
                    sheet=raw.sheet,
                    row=int(row),
                    column=_district_header(raw, column),
                )
            )
        if int(blank.sum()) > 20:
            problems.append(
                Problem(
                    f"……另有{int(blank.sum()) - 20}行所属区县为空",
                    file=raw.file_label,
                    sheet=raw.sheet,
                    column=_district_header(raw, column),
                )
            )
        for district, part in _parts(raw, keys, blank):
            if name == main or district in districts:
                districts.setdefault(district, {}).setdefault(name, []).append(part)
                parts_digests.setdefault(district, {}).setdefault(name, []).append(
                    rows_digest(part.texts, part.headers, part.file_label)
                )
    for district, by_table in parts_digests.items():
        digests[district] = {
            name: found[0] if len(found) == 1 else _combined_digest(found) for name, found in by_table.items()
        }
    for district, tables in districts.items():
        for name in read:
            if name not in tables:
                tables[name] = None
                digests[district][name] = "absent"
    return CitySplit(config, column, districts, digests, problems, warnings, ignored)


SPLIT_INDEX = ".report-gen-split.json"


def _combined_digest(digests: Sequence[str]) -> str:
    """One digest for a district's rows from several files of one ledger."""
    import hashlib

    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def _ledger_digests(config: Any) -> dict[str, str]:
    from .fingerprint import file_digest

    return {
        name: _combined_digest([file_digest(source.path) for source in sources])
        for name, sources in sorted(config.sources.items())
    }


def save_split_index(out_dir: Path, split: CitySplit) -> None:
    """Remember how the city's files split (each district's row digests, the problems of the split),
    keyed by the files' digests: while the files do not change, the next batch need not parse them
    to know that no district changed."""
    from dataclasses import asdict

    from . import __version__
    from .output import write_atomically

    index = {
        "version": __version__,
        "column": split.column,
        "files": _ledger_digests(split.config),
        "digests": split.digests,
        "problems": [asdict(p) for p in split.problems],
        "warnings": [asdict(p) for p in split.warnings],
        "ignored": split.ignored,
    }
    content = json.dumps(index, ensure_ascii=False, indent=1).encode("utf-8")
    with contextlib.suppress(ReportGenError):  # only a cache: the next batch parses the files again
        write_atomically(out_dir, {SPLIT_INDEX: content})


def split_from_index(
    out_dir: Path,
    config_path: str | Path,
    column: str,
    overrides: Mapping[str, Any] | None,
    data: Mapping[str, str | Path] | None,
    draft: bool,
) -> CitySplit | None:
    """The split the last batch made of the same files (districts and their row digests, without
    the rows), or ``None`` when the files changed or there is no index."""
    from . import __version__
    from .config import load_config

    config = load_config(config_path, overrides, data, draft=draft, templates=False)
    try:
        from .input_files import read_limited

        # a regular file of bounded size only: a FIFO or device in its place is not waited on
        index = json.loads(read_limited(out_dir / SPLIT_INDEX, "拆分索引", ReportGenError, 64 * 1024 * 1024))
        if (
            index.get("version") != __version__
            or index.get("column") != column
            or index.get("files") != _ledger_digests(config)
        ):
            return None
        digests = {
            str(d): {str(k): str(v) for k, v in parts.items()} for d, parts in index["digests"].items()
        }
        problems = [Problem(**p) for p in index["problems"]]
        warnings = [Problem(**p) for p in index["warnings"]]
        ignored = [str(line) for line in index["ignored"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ReportGenError):
        return None
    return CitySplit(config, column, {d: {} for d in digests}, digests, problems, warnings, ignored)


def skip_unchanged(jobs: Sequence[Job]) -> tuple[list[Job], dict[int, Outcome]]:
    """Jobs whose outputs are up to date, found without building (nor importing what building
    needs): their :data:`SKIPPED` outcomes by position, and the jobs left to build."""
    from .config import load_config
    from .fingerprint import fingerprint, unchanged

    todo: list[Job] = []
    done: dict[int, Outcome] = {}
    for i, job in enumerate(jobs):
        start = time.perf_counter()
        if not job.force:
            try:
                config = load_config(job.config, job.overrides, job.data, draft=job.draft, templates=False)
                record = unchanged(
                    job.out_dir, config.report.output_name, fingerprint(config, job.formats, job.digests)
                )
            except ReportGenError:  # the build reports it
                record = None
            if record is not None:
                name = job.name if job.digests is not None else config.report.district
                outputs = [job.out_dir / f for f in record.outputs]
                seconds = time.perf_counter() - start
                done[i] = Outcome(name, SKIPPED, seconds, outputs=outputs, summary=record.summary)
                continue
        todo.append(job)
    return todo, done


def _parts(raw: Any, keys: Any, blank: Any) -> Iterable[tuple[str, Any]]:
    """Each district's rows of ``raw``, in the order the ledger first lists the districts, each
    district's rows in ledger order. Rows are taken once, sorted by district, and each district is
    a slice of that (taking rows district by district would copy every column twenty times)."""
    import numpy as np
    import pandas as pd

    codes, names = pd.factorize(keys.where(~blank), use_na_sentinel=True)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    frame = raw.frame.take(order)
    texts = {c: t.take(order) for c, t in raw.texts.items()}
    start = 0
    for code, name in enumerate(names):
        end = start + int(counts[code])
        yield (
            str(name),
            replace(
                raw,
                frame=frame.iloc[start:end],
                texts={c: t.iloc[start:end] for c, t in texts.items()},
                ignored=[],
                warnings=[],
                title="",  # the city's title row names the city, not the district
            ),
        )
        start = end


def district_output_name(config: Any) -> str | None:
    """The output name for each district's report: the config's own when it holds ``{district}``,
    else ``{district}-{year}`` (a name written for the city would give every district one file)."""
    written = config.origin.output_name
    if written and "{district}" in written:
        return None
    return "{district}-{year}"


def district_jobs(
    split: CitySplit,
    config_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    out_dir: str | Path = "out",
    formats: Sequence[str] = ("docx",),
    draft: bool = False,
    force: bool = False,
) -> list[Job]:
    """One :class:`Job` per district of ``split``: the same config, with ``report.district`` set to
    the district, so title, authority, signature and output name follow it."""
    output_name = district_output_name(split.config)
    jobs = []
    for district, tables in split.districts.items():
        own: dict[str, Any] = {**(overrides or {}), "report.district": district}
        if output_name:
            own["report.output_name"] = output_name
        jobs.append(
            Job(
                name=district,
                config=Path(config_path),
                overrides=own,
                data=dict(data or {}),
                out_dir=Path(out_dir),
                formats=tuple(formats),
                draft=draft,
                force=force,
                tables=tables,
                digests=split.digests[district],
            )
        )
    return jobs


def config_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The configs named, a folder standing for every ``.yaml``/``.yml`` in it (sorted by name)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file()
            )
            if not inside:
                raise OptionError(Problem(f"文件夹 {shown(path, 200)} 中没有 .yaml 配置文件"))
            found.extend(inside)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def config_jobs(
    paths: Sequence[Path],
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    out_dir: str | Path = "out",
    formats: Sequence[str] = ("docx",),
    draft: bool = False,
    force: bool = False,
) -> list[Job]:
    """One :class:`Job` per config: districts that keep their own configs and ledgers."""
    return [
        Job(
            name=path.stem,
            config=path,
            overrides=dict(overrides or {}),
            data=dict(data or {}),
            out_dir=Path(out_dir),
            formats=tuple(formats),
            draft=draft,
            force=force,
        )
        for path in paths
    ]


@dataclass
class BatchResult:
    """What a batch did: an :class:`Outcome` per report, the summary's (``None`` when not asked for
    or impossible), and what concerned the city's files as a whole."""

    outcomes: list[Outcome]
    summary: Outcome | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        every = [*self.outcomes, *([self.summary] if self.summary else [])]
        return bool(self.problems) or any(o.status == FAILED for o in every)


def build_all(
    configs: Sequence[str | Path],
    *,
    split_by: str | None = None,
    summary: bool | None = None,
    city: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str] | None = None,
    out_dir: str | Path = "out",
    formats: str | Sequence[str] = ("docx",),
    draft: bool = False,
    force: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> BatchResult:
    """Build every report of a batch, then the city summary.

    With ``split_by="district"``, ``configs`` is one city config whose ledgers carry a district
    column: one report per district, and the summary (unless ``summary=False``) for the city the
    config names. Otherwise each config (or every config in a folder) is one report, and a
    summary is made only when ``summary`` is true, for ``city`` (its name) with the first config's
    settings. Unchanged reports are skipped unless ``force``. ``on_start`` receives the number of
    reports before they are built, ``on_done`` each outcome as it finishes.
    """
    from .config import load_config
    from .fingerprint import forget_file_digests
    from .formats import parse_formats

    forget_file_digests()
    chosen = parse_formats(formats)
    out = Path(out_dir)
    result = BatchResult([])
    if split_by is not None:
        if len(configs) != 1:
            raise OptionError(Problem("--split-by 时只能给一个（全市的）配置文件"))
        if split_by not in SPLIT_COLUMNS:
            raise OptionError(
                Problem(f"--split-by 只能取 {', '.join(SPLIT_COLUMNS)}，收到“{shown(split_by)}”")
            )
        first_time = force or not (out / SPLIT_INDEX).is_file()
        known = None if force else split_from_index(out, configs[0], split_by, overrides, data, draft)
        if known is None:
            if first_time and executor is None and (workers or default_jobs()) > 1:
                warm_workers()  # every district will be built: start the workers' imports now
            split = split_city(configs[0], split_by, overrides, data, draft)
            save_split_index(out, split)
        else:
            split = known
        result.problems, result.warnings, result.ignored = split.problems, split.warnings, split.ignored

        def make_jobs(split: CitySplit) -> list[Job]:
            return district_jobs(
                split,
                configs[0],
                overrides=overrides,
                data=data,
                out_dir=out,
                formats=chosen,
                draft=draft,
                force=force,
            )

        jobs = make_jobs(split)
        city_config = split.config
        summary = True if summary is None else summary
    else:
        paths = config_paths(configs)
        jobs = config_jobs(
            paths, overrides=overrides, data=data, out_dir=out, formats=chosen, draft=draft, force=force
        )
        known = None
        city_config = None
        if summary:
            if not city:
                raise OptionError(Problem("不按区县拆分时生成全市汇总，须用 --city 给出市的名称"))
            city_config = load_config(paths[0], {**(overrides or {}), "report.district": city}, data)
    if on_start:
        on_start(len(jobs))
    todo, done = skip_unchanged(jobs)
    for outcome in done.values():
        if on_done:
            on_done(outcome)
    if todo and known is not None:  # some district must be built: now its rows are needed
        split = split_city(configs[0], str(split_by), overrides, data, draft)
        save_split_index(out, split)
        result.problems, result.warnings, result.ignored = split.problems, split.warnings, split.ignored
        fresh = {job.name: job for job in make_jobs(split)}
        todo = [fresh[job.name] for job in todo if job.name in fresh]
    workers = workers or default_jobs()
    pool = executor
    if pool is None and workers > 1 and len(todo) > 1:
        pool = _process_pool(min(workers, len(todo)))
    try:
        built = iter(run_jobs(todo, executor=pool, workers=workers, on_done=on_done))
        result.outcomes = [done[i] if i in done else next(built) for i in range(len(jobs))]
        if summary and city_config is not None:
            args = (city_config, result.outcomes, out, chosen, force)
            # In the pool when there is one: its workers have the Word writer and charts imported.
            result.summary = pool.submit(summary_job, *args).result() if pool else summary_job(*args)
    finally:
        if pool is not None and pool is not executor:
            pool.shutdown(wait=True, cancel_futures=True)
    return result
