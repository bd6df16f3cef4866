"""The pipeline, top to bottom: config → data → figures → findings → charts → compose → check → write.

Everything is computed before anything is written (the output folder is
touched last, atomically), so a failure at any stage leaves the previous
report as it was.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx

from . import __version__
from .charts import ChartImage, draw_charts
from .claims import check_claims
from .compose import Composer
from .config import Config, load_config
from .document import Report
from .errors import ConfigError, OptionError, Problem
from .figures import FigureSet, compute_figures
from .findings import Findings, evaluate_findings
from .identity import check_identity, check_manual_figures
from .input_files import DOCX_BYTES, read_limited
from .ledgers import Ledgers, ignored_rows_summary, load_ledgers
from .output import figure_changes, figures_document, pin_zip_times, previous_figures, write_atomically
from .textcheck import check_filled_template, check_report
from .writers.docx_writer import write_docx
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

    def summary(self) -> str:
        """One line for the build log: how many figures the report states, and problems found."""
        stated = [f for f in self.figures if f.sections]
        manual = sum(1 for f in stated if f.manual)
        found = sum(p.data_backed for p in self.findings.problems)
        return f"报告陈述数据{len(stated)}项（其中人工录入{manual}项），据数据发现问题{found}项。"


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
    report: Report


def _compose(config: Config, *, draw: bool) -> _Composed:
    """Read the ledgers, compute figures and findings, compose the report and check it: every check
    of a build but the writers'. ``draw=False`` composes with blank pictures in place of charts."""
    ledgers = load_ledgers(config)
    identity_warnings = check_identity(config, ledgers)
    figures = compute_figures(config, ledgers)
    findings = evaluate_findings(config, figures)
    charts = draw_charts(config.section("charts"), figures) if draw else _blank_charts(config)
    composer = Composer(config, figures, findings, charts)
    report = composer.compose()
    stale = check_manual_figures(config, figures)
    if stale:
        raise ConfigError(stale)
    check_claims(report, figures, composer.claims)
    check_report(report, config, figures)
    return _Composed(config, ledgers, identity_warnings, figures, findings, charts, composer, report)


def _blank_charts(config: Config) -> dict[str, ChartImage]:
    return {
        chart_id: ChartImage(chart_id, spec["caption"], b"", 0, 0, spec.get("alt", ""))
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
) -> BuildResult:
    """Build one report. Raises a :class:`~report_gen.errors.ReportGenError` subclass on bad input.

    ``overrides`` sets config values by dotted key (``{"report.year": 2026}``), ``data`` names the
    file of a table (``{"organizations": "ledger_2026.xlsx"}``), both as :func:`load_config`.

    ``formats`` from :data:`FORMATS`; ``pdf`` is the .docx converted by LibreOffice, which must be
    installed (checked before anything else is done).
    ``draft`` builds a 征求意见稿 even while 【待填写】 placeholders remain (highlighted in it).
    """
    formats = parse_formats(formats)
    soffice = require_libreoffice() if "pdf" in formats else None
    config = load_config(config_path, overrides, data, draft=draft)
    layout = config.layout
    composed = _compose(config, draw=True)
    ledgers, figures, findings = composed.ledgers, composed.figures, composed.findings
    composer, report, charts = composed.composer, composed.report, composed.charts
    identity_warnings = composed.identity_warnings

    name = config.report.output_name
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
    figures_json = figures_document(figures, meta)  # after the .docx: a Word template adds usage
    files[f"{name}.figures.json"] = (
        json.dumps(figures_json, ensure_ascii=False, indent=2, default=str) + "\n"
    ).encode("utf-8")

    out = Path(out_dir)
    old, damaged = previous_figures(out / f"{name}.figures.json")
    changes = figure_changes(old, figures_json)
    outputs = write_atomically(out, files, config.input_files())
    return BuildResult(
        config=config,
        outputs=outputs,
        figures=figures,
        findings=findings,
        report=report,
        warnings=[
            *ledgers.warnings,
            *identity_warnings,
            *([] if config.word_template else composer.unplaced()),
            *([damaged] if damaged else []),
        ],
        ignored=list(ignored_rows_summary(ledgers)),
        changes=changes,
    )
