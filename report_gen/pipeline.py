"""The pipeline, top to bottom: config → data → figures → findings → charts → compose → check → write.

Everything is computed before anything is written (the output folder is
touched last, atomically), so a failure at any stage leaves the previous
report as it was.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx

from . import __version__
from .chart_style import ChartStyle
from .charts import ChartImage, draw_charts
from .claims import check_claims
from .compose import Composer, Composition
from .config import Config, load_config
from .document import Report
from .errors import ConfigError, Problem
from .figures import FigureSet, compute_figures
from .findings import Findings, evaluate_findings
from .fingerprint import FINGERPRINT_SUFFIX, fingerprint, forget_file_digests, record_for, unchanged
from .formats import FORMATS, parse_formats
from .identity import check_identity, check_manual_figures
from .ingest import RawTable
from .input_files import DOCX_BYTES, read_limited
from .ledgers import Ledgers, ignored_rows_summary, load_ledgers
from .output import (
    figure_changes,
    figure_sentences,
    figures_document,
    pin_zip_times,
    previous_figures,
    write_atomically,
)
from .textcheck import check_filled_template, check_report, repeated_statements
from .writers.docx_writer import write_docx
from .writers.pdf_writer import docx_to_pdf, require_libreoffice
from .writers.text_writers import write_html, write_markdown
from .writers.word_template import fill_word_template


@dataclass
class _Writing:
    """What an output format is written from; the .docx is made once, for docx and pdf both."""

    config: Config
    composed: _Composed
    soffice: Path | None
    _word: bytes | None = None
    word_stated: dict[str, tuple[str, ...]] | None = None
    """What a district's Word template printed, once it is filled: all the .docx states."""

    def word(self) -> bytes:
        if self._word is None:
            self._word = self._word_document()
        return self._word

    def _word_document(self) -> bytes:
        """The .docx: the district's Word template filled in, or the built-in official layout
        (on the district's reference document when it gives one); its zip entries dated the
        report's date either way, so a rebuild of unchanged inputs gives the same bytes."""
        config, c = self.config, self.composed
        if config.word_template is None:
            reference = _read_reference(config.reference_docx) if config.reference_docx else None
            return write_docx(c.composition.report, config.layout, config.report.date, reference)
        word = c.composer.word_context()
        content = fill_word_template(config.word_template, word.context, c.charts, c.composer.all_tables())
        self.word_stated = word.stated()
        stale = check_manual_figures(config, c.figures, self.word_stated)
        if stale:
            raise ConfigError(stale)
        check_filled_template(content, config.word_template.name)
        return pin_zip_times(content, config.report.date)  # docxtpl dates each entry with the time of writing

    @property
    def stated(self) -> dict[str, tuple[str, ...]]:
        """Where the report states each figure: the Word template's record when one was filled,
        else the composed report's (the same for .docx, .html and .md)."""
        return self.composed.composition.stated if self.word_stated is None else self.word_stated


def _pdf(out: _Writing) -> bytes:
    assert out.soffice is not None  # found before anything was computed
    return docx_to_pdf(out.word(), out.soffice)


OUTPUT_FORMATS: dict[str, Callable[[_Writing], bytes]] = {
    "docx": _Writing.word,
    "pdf": _pdf,
    "html": lambda out: write_html(out.composed.composition.report, out.config.layout),
    "md": lambda out: write_markdown(out.composed.composition.report),
}
"""What writes each output format (:data:`report_gen.formats.FORMATS`), in the order the files are written."""
if tuple(OUTPUT_FORMATS) != FORMATS:  # the names are read without importing this module
    raise RuntimeError(
        f"report_gen.formats.FORMATS {FORMATS} does not match the writers {tuple(OUTPUT_FORMATS)}"
    )


@dataclass
class BuildResult:
    """What a build produced and what the user should be told about it."""

    config: Config
    outputs: list[Path]
    figures: FigureSet
    findings: Findings
    report: Report
    warnings: list[Problem]
    ignored: list[str]
    changes: list[str]
    stated: dict[str, tuple[str, ...]]
    """Figure id → the sections that state it (a figure not stated is absent)."""
    skipped: bool = False

    def summary(self) -> str:
        """One line for the build log: how many figures the report states, and problems found."""
        stated = [f for f in self.figures if f.id in self.stated]
        manual = sum(1 for f in stated if f.manual)
        found = sum(p.data_backed for p in self.findings.problems)
        return f"报告陈述数据{len(stated)}项（其中人工录入{manual}项），据数据发现问题{found}项。"


@dataclass
class SkippedBuild:
    """A build not done because nothing it depends on changed since the last one (see
    :mod:`report_gen.fingerprint`): its outputs are those already in the output folder."""

    config: Config
    outputs: list[Path]
    summary_line: str
    warnings: list[str]
    skipped: bool = True

    def summary(self) -> str:
        return self.summary_line


@dataclass
class ValidationResult:
    config: Config
    ledgers: Ledgers

    @property
    def warnings(self) -> list[Problem]:
        return self.ledgers.warnings


def _read_reference(path: Path) -> bytes:
    content = read_limited(path, "参考文档", ConfigError, DOCX_BYTES, "reference_docx")
    try:
        docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises several types for files that are not .docx
        raise ConfigError(
            Problem(f"参考文档无法打开（{type(exc).__name__}）", file=path.name, key="reference_docx")
        ) from None
    return content


@dataclass
class _Composed:
    """Everything a build computes before it writes: the report and what it was made from."""

    config: Config
    ledgers: Ledgers
    identity_warnings: list[Problem]
    figures: FigureSet
    findings: Findings
    charts: dict[str, ChartImage]
    composer: Composer
    composition: Composition


def _compose(
    config: Config,
    *,
    draw: bool,
    tables: Mapping[str, Sequence[RawTable] | None] | None = None,
    chart_cache: Path | None = None,
) -> _Composed:
    """Read the ledgers, compute figures and findings, compose the report and check it: every check
    of a build but the writers'. ``draw=False`` composes with blank pictures in place of charts;
    ``tables`` and ``chart_cache`` as :func:`build`."""
    ledgers = load_ledgers(config, tables)
    identity_warnings = check_identity(config, ledgers)
    figures = compute_figures(config, ledgers)
    findings = evaluate_findings(config, figures)
    charts = (
        draw_charts(
            config.section("charts"),
            figures,
            config.section("style").get("charts"),
            config.report.whole,
            chart_cache or default_chart_cache(),
        )
        if draw
        else _blank_charts(config)
    )
    composer = Composer(config, figures, findings, charts)
    composition = composer.compose()
    stale = check_manual_figures(config, figures, composition.stated)
    if stale:
        raise ConfigError(stale)
    check_claims(composition.report, figures, composer.claims)
    check_report(composition.report, config, figures)
    return _Composed(config, ledgers, identity_warnings, figures, findings, charts, composer, composition)


def _blank_charts(config: Config) -> dict[str, ChartImage]:
    style = ChartStyle()
    return {
        chart_id: ChartImage(chart_id, spec["caption"], spec["kind"], None, style, spec.get("alt", ""))
        for chart_id, spec in config.section("charts").items()
    }


def validate(
    config_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    draft: bool = False,
) -> ValidationResult:
    """The checks of :func:`build` without drawing charts or writing anything: the whole config
    (compiled when loaded), the ledgers, the figures, findings and the composed report's checks.
    Raises on errors, returns warnings."""
    config = load_config(config_path, overrides, data, draft=draft)
    if config.reference_docx is not None:
        _read_reference(config.reference_docx)
    composed = _compose(config, draw=False)
    composed.ledgers.warnings.extend(composed.identity_warnings)
    return ValidationResult(config, composed.ledgers)


def build(
    config_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    out_dir: str | Path = "out",
    formats: str | Sequence[str] = ("docx",),
    draft: bool = False,
    skip_unchanged: bool = False,
    tables: Mapping[str, Sequence[RawTable] | None] | None = None,
    table_digests: Mapping[str, str] | None = None,
    chart_cache: Path | None = None,
) -> BuildResult | SkippedBuild:
    """Build one report. Raises a :class:`~report_gen.errors.ReportGenError` subclass on bad input.

    ``overrides`` sets config values by dotted key (``{"report.year": 2026}``), ``data`` names the
    file of a table (``{"organizations": "ledger_2026.xlsx"}``), both as :func:`load_config`.

    ``formats`` from :data:`FORMATS`; ``pdf`` is the .docx converted by LibreOffice, which must be
    installed (checked before anything else is done).
    ``draft`` builds a 征求意见稿 even while 【待填写】 placeholders remain (highlighted in it).

    ``skip_unchanged``: when the output folder holds this report built from the same inputs
    (``NAME.fingerprint.json``, see :mod:`report_gen.fingerprint`) and its outputs are intact,
    return a :class:`SkippedBuild` and write nothing. Without it, the report is always built.
    ``tables``: tables already read (a district's rows split from a city ledger, each table as
    the list of its files' parts), with ``table_digests`` their fingerprints; they are not read
    again from their files. ``chart_cache``: where drawn charts are kept by content (default:
    :func:`default_chart_cache`).
    """
    formats = parse_formats(formats)
    if tables is None:  # a batch's district job: the batch started afresh
        forget_file_digests()
    soffice = require_libreoffice() if "pdf" in formats else None
    config = load_config(config_path, overrides, data, draft=draft)
    out = Path(out_dir)
    name = config.report.output_name
    found = fingerprint(config, formats, table_digests)
    if skip_unchanged:
        record = unchanged(out, name, found)
        if record is not None:
            return SkippedBuild(config, [out / f for f in record.outputs], record.summary, record.warnings)
    composed = _compose(config, draw=True, tables=tables, chart_cache=chart_cache)
    ledgers, figures, findings = composed.ledgers, composed.figures, composed.findings
    composer, report = composed.composer, composed.composition.report
    identity_warnings = composed.identity_warnings

    rep = config.report
    meta = {
        "generator": f"report-gen {__version__}",
        "report": {
            "title": rep.title,
            "district": rep.district,
            "year": rep.year,
            "date": rep.date.isoformat(),
        },
        "inputs": {
            k: {
                "file": t.file_label,
                "sheet": t.sheet,
                "rows": len(t.frame),
                "ignored_rows": len(t.ignored),
            }
            for k, t in ledgers.tables.items()
        },
        "problems_stated": [p.id for p in findings.problems],
        "problems": [trace.as_json() for trace in findings.traces],
    }
    writing = _Writing(config, composed, soffice)
    files = {f"{name}.{fmt}": write(writing) for fmt, write in OUTPUT_FORMATS.items() if fmt in formats}
    # after the .docx: a Word template's own record of what it states
    figures_json = figures_document(figures, writing.stated, meta, figure_sentences(report))
    files[f"{name}.figures.json"] = (
        json.dumps(figures_json, ensure_ascii=False, indent=2, default=str) + "\n"
    ).encode("utf-8")

    old, damaged = previous_figures(out / f"{name}.figures.json")
    changes = figure_changes(old, figures_json)
    result = BuildResult(
        config=config,
        outputs=[],
        figures=figures,
        findings=findings,
        report=report,
        warnings=[
            *ledgers.warnings,
            *identity_warnings,
            *([] if config.word_template else [*composer.unplaced(), *composer.empty_sections(report)]),
            *([damaged] if damaged else []),
            *repeated_statements(report),
        ],
        ignored=list(ignored_rows_summary(ledgers)),
        changes=changes,
        stated=writing.stated,
    )
    lasting = [w for w in result.warnings if w is not damaged]  # said again when a rebuild is skipped
    files[f"{name}{FINGERPRINT_SUFFIX}"] = record_for(found, files, result.summary(), lasting)
    result.outputs = [
        p
        for p in write_atomically(out, files, config.input_files())
        if not p.name.endswith(FINGERPRINT_SUFFIX)
    ]
    return result


def default_chart_cache() -> Path:
    """Where drawn charts are kept by content between builds: ``$REPORT_GEN_CACHE/charts``, else the
    user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``; ``%LOCALAPPDATA%`` on Windows)."""
    root = os.environ.get("REPORT_GEN_CACHE")
    if root:
        return Path(root) / "charts"
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA") or str(Path.home() / ".cache")
    return Path(base) / "report-gen" / "charts"
