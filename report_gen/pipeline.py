"""The pipeline, top to bottom: config → data → figures → findings → charts → compose → check → write.

Everything is computed before anything is written (the output folder is
touched last, atomically), so a failure at any stage leaves the previous
report as it was.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx

from . import __version__
from .charts import draw_charts
from .claims import check_claims
from .compose import Composer, check_templates
from .config import Config, load_config
from .document import Report
from .errors import ConfigError, OptionError, Problem, ReportCheckError
from .figures import FigureSet, compute_figures
from .findings import Findings, evaluate_findings
from .fingerprint import FINGERPRINT_SUFFIX, fingerprint, record_for, unchanged
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
from .textcheck import check_consistency, check_filled_template, check_report, repeated_statements
from .writers.docx_writer import write_docx
from .writers.layout import layout_from_config
from .writers.pdf_writer import docx_to_pdf, require_libreoffice
from .writers.text_writers import write_html, write_markdown
from .writers.word_template import fill_word_template

FORMATS = ("docx", "pdf", "html", "md")


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
    skipped: bool = False

    def summary(self) -> str:
        """One line for the build log: how many figures the report states, and problems found."""
        stated = [f for f in self.figures if f.sections]
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


def _word_document(config: Config, composer: Composer, report: Report, layout, charts) -> bytes:
    """The .docx: the district's Word template filled in, or the built-in official layout
    (on the district's reference document when it gives one)."""
    if config.word_template is not None:
        content = fill_word_template(
            config.word_template, composer.word_context(), charts, composer.all_tables()
        )
        composer.record_usage()  # the figures the Word template printed count as stated too
        check_filled_template(content, config.word_template.name)
        return content
    reference = _read_reference(config.reference_docx) if config.reference_docx else None
    return write_docx(report, layout, config.report.date, reference)


def _read_reference(path: Path) -> bytes:
    content = read_limited(path, "参考文档", ConfigError, DOCX_BYTES, "reference_docx")
    try:
        docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises several types for files that are not .docx
        raise ConfigError(
            Problem(f"参考文档无法打开（{type(exc).__name__}）", file=path.name, key="reference_docx")
        ) from None
    return content


def parse_formats(text: str | Sequence[str]) -> list[str]:
    items = [f.strip().lower() for f in (text.split(",") if isinstance(text, str) else text) if f.strip()]
    unknown = [f for f in items if f not in FORMATS]
    if unknown or not items:
        raise OptionError(
            Problem(f"--format 只能取 {','.join(FORMATS)} 中的若干项，收到“{','.join(unknown) or text}”")
        )
    return list(dict.fromkeys(items))


def validate(
    config_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    draft: bool = False,
) -> ValidationResult:
    """The checks of :func:`build` that need no charts and no Word writer: the whole config (style
    values included), the ledgers, every expression evaluated over them, the consistency checks,
    and every template found and compiled. Writes nothing. Raises on errors, returns warnings."""
    config = load_config(config_path, overrides, data, draft=draft)
    layout_from_config(config.section("style"))
    if config.reference_docx is not None:
        _read_reference(config.reference_docx)
    ledgers = load_ledgers(config)
    ledgers.warnings.extend(check_identity(config, ledgers))
    figures = compute_figures(config, ledgers)
    evaluate_findings(config, figures)
    problems = check_consistency(config, figures)
    if problems:
        raise ReportCheckError(problems)
    check_templates(config)
    return ValidationResult(config, ledgers)


def build(
    config_path: str | Path,
    *,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    out_dir: str | Path = "out",
    formats: str | Sequence[str] = ("docx",),
    draft: bool = False,
    skip_unchanged: bool = False,
    tables: Mapping[str, RawTable | None] | None = None,
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
    ``tables``: tables already read (a district's rows split from a city ledger), with
    ``table_digests`` their fingerprints; they are not read again from their files.
    ``chart_cache``: where drawn charts are kept by content (default: :func:`default_chart_cache`;
    pass a folder to use another).
    """
    formats = parse_formats(formats)
    soffice = require_libreoffice() if "pdf" in formats else None
    config = load_config(config_path, overrides, data, draft=draft)
    layout = layout_from_config(config.section("style"))
    out = Path(out_dir)
    name = config.report.output_name
    found = fingerprint(config, formats, table_digests)
    if skip_unchanged:
        record = unchanged(out, name, found)
        if record is not None:
            return SkippedBuild(config, [out / f for f in record.outputs], record.summary, record.warnings)
    ledgers = load_ledgers(config, tables)
    identity_warnings = check_identity(config, ledgers)
    figures = compute_figures(config, ledgers)
    findings = evaluate_findings(config, figures)
    charts = draw_charts(
        config.section("charts"),
        figures,
        config.section("style").get("charts"),
        config.report.whole,
        chart_cache or default_chart_cache(),
    )
    composer = Composer(config, figures, findings, charts)
    report = composer.compose()
    stale = check_manual_figures(config, figures)
    if stale:
        raise ConfigError(stale)
    check_claims(report, figures, composer.claims)
    check_report(report, config, figures)

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
    files: dict[str, bytes] = {}
    if "docx" in formats or soffice is not None:
        word = pin_zip_times(_word_document(config, composer, report, layout, charts), rep.date)
        if "docx" in formats:
            files[f"{name}.docx"] = word
        if soffice is not None:
            files[f"{name}.pdf"] = docx_to_pdf(word, soffice)
    if "html" in formats:
        files[f"{name}.html"] = write_html(report, layout)
    if "md" in formats:
        files[f"{name}.md"] = write_markdown(report)
    # after the .docx: a Word template adds usage
    figures_json = figures_document(figures, meta, figure_sentences(report))
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
            *([] if config.word_template else composer.unplaced()),
            *([damaged] if damaged else []),
            *repeated_statements(report),
        ],
        ignored=list(ignored_rows_summary(ledgers)),
        changes=changes,
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
