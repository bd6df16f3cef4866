"""The city summary of a batch: each district's headline figures in one table, the districts ranked,
those far behind the city named by a stated rule, the city's own totals, one chart.

Everything is read from the districts' ``NAME.figures.json`` (built now or skipped as unchanged),
so the summary states exactly what the district reports state. The city's figures are added up
from its districts: counts and sums add; a share is the districts' numerators over their
denominators (never an average of rates); a distinct count (党组织数) adds, since a party
organisation belongs to one district. The summary keeps every district's figures in its own
figures.json, so the next summary says which figures moved since.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from . import zh_numbers as zn
from .batch import BUILT, FAILED, SKIPPED, SUMMARY_NAME, Outcome
from .comparisons import points_gap
from .config import Config, fill_identity
from .document import Heading, Paragraph, Picture, Report, Table
from .errors import ConfigError, OutputError, Problem

ADDITIVE = ("count", "sum", "distinct")
_NUMBERS = ("一、", "二、", "三、", "四、", "五、")


@dataclass
class DistrictFigures:
    """One district's figures as its figures.json states them, by id."""

    name: str
    figures: dict[str, dict[str, Any]]


def read_district(outcome: Outcome) -> DistrictFigures | None:
    path = outcome.figures_json
    if outcome.status == FAILED or path is None:
        return None
    try:
        document = json.loads(path.read_bytes())
        listed = {str(f["id"]): f for f in document["figures"] if isinstance(f, dict) and "id" in f}
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(Problem("区县报告的数据清单无法读取，无法汇总", file=str(path.name))) from None
    return DistrictFigures(outcome.name, listed)


def city_value(fig_id: str, districts: Sequence[DistrictFigures], key: str) -> float | int | None:
    """The city's value of a figure from its districts' (see the module's note); raises
    :class:`ConfigError` at ``key`` for a figure that cannot be added up (a formula, a hand entry)."""
    entries = [d.figures.get(fig_id) for d in districts]
    if any(e is None for e in entries):
        raise ConfigError(Problem(f"“{fig_id}”不是各区县报告都有的数据，无法汇总", key=key))
    aggregation = (entries[0] or {}).get("source", {}).get("aggregation")
    if aggregation in ADDITIVE:
        values = [e.get("value") for e in entries if e]
        return sum(v for v in values if v is not None)
    if aggregation == "share":
        num = sum(int((e or {})["source"].get("rows") or 0) for e in entries)
        den = sum(int((e or {})["source"].get("within_rows") or 0) for e in entries)
        return None if den == 0 else num / den * 100
    raise ConfigError(
        Problem(
            f"“{fig_id}”不是计数、合计、不重复计数或占比（是公式或人工录入的数据），无法由各区县相加得出全市数",
            key=key,
        )
    )


@dataclass
class CitySummary:
    """The composed summary and the figures it states (``document``: its figures.json)."""

    report: Report
    document: dict[str, Any]
    name: str


def _counted(label: str) -> str:
    """A count's label before its value and unit: 党员881名, not 党员数881名 (总数 stays)."""
    return label[:-1] if label.endswith("数") and not label.endswith("总数") and len(label) > 2 else label


def _short(config: Config, fig_id: str, entry: Mapping[str, Any]) -> str:
    spec = config.section("indicators").get(fig_id) or {}
    return str(spec.get("short_label") or entry.get("label") or fig_id)


def compose_summary(
    config: Config, outcomes: Sequence[Outcome], changes: list[str] | None, chart: bool = True
) -> CitySummary:
    """The summary report of ``outcomes`` for the city ``config`` names (``report.district``).

    ``changes``: lines of figures that moved since the last summary (``None``: there was none).
    """
    spec = config.section("city_summary")
    ids = list(spec.get("figures") or [])
    rank_by = str(spec.get("rank_by") or "")
    points = float(spec.get("behind_points", 5))
    rep = config.report
    city, whole = rep.district, rep.whole
    districts = [d for d in (read_district(o) for o in outcomes) if d is not None]
    failed = [o.name for o in outcomes if o.status == FAILED]
    if not districts:
        raise OutputError(Problem("没有一个区县的报告生成成功，无法汇总"))
    if rank_by not in ids:
        raise ConfigError(
            Problem(f"“{rank_by}”应是 city_summary.figures 中的一项", key="city_summary.rank_by")
        )
    first = districts[0].figures
    city_values = {
        fig_id: city_value(fig_id, districts, f"city_summary.figures[{i}]") for i, fig_id in enumerate(ids)
    }
    if (first.get(rank_by) or {}).get("unit") != "%":
        raise ConfigError(
            Problem(f"“{rank_by}”应是一个比率（%），才能比较各区县", key="city_summary.rank_by")
        )

    from .figures import format_value  # pandas: only when there is a summary to write

    def text(fig_id: str, value: Any) -> str:
        entry = first[fig_id]
        return format_value(value, str(entry.get("format") or "count"), str(entry.get("unit") or ""))

    rank_label = str(first[rank_by]["label"])
    city_rate = city_values[rank_by]
    ranked = sorted(
        districts,
        key=lambda d: (d.figures[rank_by].get("value") is None, -(d.figures[rank_by].get("value") or 0)),
    )
    blocks: list[Any] = []
    n = len(districts)
    opening = f"根据{city}各区县“两新组织”党建工作台账（{rep.year}年），现将{n}个区县的主要数据汇总如下。" + (
        "" if not failed else f"{'、'.join(failed)}的台账数据有误，报告未生成，未计入以下汇总。"
    )
    blocks.append(Paragraph(opening, "overview"))
    totals = "，".join(f"{_counted(str(first[i]['label']))}{text(i, city_values[i])}" for i in ids)
    scope = f"以上{n}个区县合计" if failed else whole
    blocks.append(Heading(1, f"{whole}基本情况", _NUMBERS[0], "overview"))
    blocks.append(Paragraph(f"{scope}：{totals}。", "overview"))

    blocks.append(Heading(1, f"各区县{rank_label}排序", _NUMBERS[1], "ranking"))
    order = "、".join(f"{d.name}（{d.figures[rank_by]['text']}）" for d in ranked)
    blocks.append(Paragraph(f"按{rank_label}从高到低，依次为{order}。", "ranking"))
    behind = [
        d
        for d in ranked
        if city_rate is not None
        and d.figures[rank_by].get("value") is not None
        and city_rate - float(d.figures[rank_by]["value"]) > points
    ]
    rule = f"{rank_label}低于{scope}（{text(rank_by, city_rate)}）{points:g}个百分点以上的区县"
    if behind:
        # the gap between the rates as printed, as a reader subtracts them (and as district reports do)
        gaps = "；".join(
            f"{d.name}为{d.figures[rank_by]['text']}，低于{scope}"
            f"{zn.points_text(points_gap(float(city_rate or 0), float(d.figures[rank_by]['value'])))}"
            for d in reversed(behind)
        )
        blocks.append(Paragraph(f"{rule}有{len(behind)}个：{gaps}。", "ranking"))
    else:
        blocks.append(Paragraph(f"没有{rule}。", "ranking"))

    header = ["区县", *(_short(config, i, first[i]) for i in ids)]
    rows = [[d.name, *(str(d.figures[i]["text"]) for i in ids)] for d in ranked]
    rows.append([scope if failed else "合计", *(text(i, city_values[i]) for i in ids)])
    blocks.append(Heading(1, "各区县主要数据", _NUMBERS[2], "table"))
    blocks.append(
        Table(
            "districts",
            1,
            f"各区县“两新组织”党建工作主要数据（按{rank_label}排序）",
            header,
            rows,
            "table",
            total_row=True,
            additive=[(first[i].get("source") or {}).get("aggregation") in ADDITIVE for i in ids],
        )
    )
    if chart:
        from .charts import ranked_bars
        from .pipeline import default_chart_cache

        values = [float(d.figures[rank_by].get("value") or 0) for d in ranked]
        caption = f"各区县{rank_label}"
        image = ranked_bars(
            [d.name for d in ranked],
            values,
            float(city_rate or 0),
            rank_label,
            f"{scope}{text(rank_by, city_rate)}",
            "合计" if failed else whole,
            default_chart_cache(),
        )
        alt = f"{caption}。" + "；".join(f"{d.name}：{d.figures[rank_by]['text']}" for d in ranked)
        blocks.append(Picture("ranking", 1, caption, image, alt, "table"))

    if changes:  # a summary rebuilt because a district's figures moved: which ones
        blocks.append(Heading(1, "与上次汇总相比的变化", _NUMBERS[3], "changes"))
        for line in changes:
            blocks.append(Paragraph(f"{line}。", "changes"))

    title = fill_identity(
        str(spec.get("title") or "关于{district}各区县“两新组织”党建工作情况的汇总报告"), city, rep.year
    )
    report = Report(authority=rep.authority, title=title, blocks=blocks, signature=rep.authority)
    from . import zh_numbers

    report.date_text = zh_numbers.date_text(rep.date)
    document = summary_document(config, districts, ids, city_values, failed, text)
    return CitySummary(report, document, summary_name(config))


def summary_document(
    config: Config,
    districts: Sequence[DistrictFigures],
    ids: Sequence[str],
    city_values: Mapping[str, Any],
    failed: Sequence[str],
    text: Any,
) -> dict[str, Any]:
    """The summary's figures.json: the city's figures, then each district's under ``DISTRICT.ID``
    (so ``report-gen diff`` and the next summary compare them like any report's figures)."""
    first = districts[0].figures
    figures = [
        {
            "id": i,
            "label": f"{config.report.district}{first[i]['label']}",
            "value": city_values[i],
            "text": text(i, city_values[i]),
            "unit": first[i].get("unit"),
        }
        for i in ids
    ]
    for d in districts:
        for i in ids:
            entry = d.figures[i]
            figures.append(
                {
                    "id": f"{d.name}.{i}",
                    "label": f"{d.name}{entry['label']}",
                    "value": entry.get("value"),
                    "text": entry.get("text"),
                    "unit": entry.get("unit"),
                    "sentences": entry.get("sentences", []),
                }
            )
    return {
        "generator": f"report-gen {__version__}",
        "report": {"title": "city summary", "district": config.report.district, "year": config.report.year},
        "districts": [d.name for d in districts],
        "failed": list(failed),
        "figures": figures,
    }


def summary_name(config: Config) -> str:
    """The summary's file name stem: ``city_summary.output_name`` with the city and year filled in."""
    spec = config.section("city_summary")
    return fill_identity(
        str(spec.get("output_name") or "{district}-{year}-汇总"), config.report.district, config.report.year
    )


def _districts_digest(outcomes: Sequence[Outcome]) -> str:
    """What the summary is made from: each district's name, whether it failed, and its figures.json."""
    from .fingerprint import digest_of

    parts: list[bytes] = []
    for outcome in outcomes:
        path = outcome.figures_json
        try:
            content = path.read_bytes() if path is not None and outcome.status != FAILED else b"failed"
        except OSError:
            content = b"unreadable"
        parts += [outcome.name.encode("utf-8"), content]
    return digest_of(*parts)


def build_summary(
    config: Config,
    outcomes: Sequence[Outcome],
    out_dir: Path,
    formats: Sequence[str],
    force: bool = False,
) -> Outcome:
    """Compose and write the city summary beside the district reports; skipped when the districts'
    figures are those of the last summary. Raises :class:`ReportGenError` on bad input."""
    import time

    from .fingerprint import FINGERPRINT_SUFFIX, Fingerprint, config_digest, digest_of, record_for, unchanged
    from .output import figure_changes, previous_figures, write_atomically

    start = time.perf_counter()
    name = summary_name(config)
    found = Fingerprint(
        {
            "version": __version__,
            "config": config_digest(config),
            "options": digest_of(*(f.encode() for f in sorted(formats))),
            "districts": _districts_digest(outcomes),
        }
    )
    if not force:
        record = unchanged(out_dir, name, found)
        if record is not None:
            return Outcome(
                SUMMARY_NAME, SKIPPED, time.perf_counter() - start, [out_dir / f for f in record.outputs]
            )
    draft = compose_summary(config, outcomes, None, chart=False)  # the figures, to compare
    old, damaged = previous_figures(out_dir / f"{name}.figures.json")
    changes = figure_changes(old, draft.document) if old is not None else None
    summary = compose_summary(config, outcomes, changes)
    from .writers.docx_writer import write_docx  # the writers only once the summary is to be written
    from .writers.layout import layout_from_config
    from .writers.text_writers import write_html, write_markdown

    layout = layout_from_config(config.section("style"))
    files: dict[str, bytes] = {}
    if "docx" in formats or "pdf" in formats:
        word = write_docx(summary.report, layout, config.report.date)
        if "docx" in formats:
            files[f"{name}.docx"] = word
        if "pdf" in formats:
            from .writers.pdf_writer import docx_to_pdf, require_libreoffice

            files[f"{name}.pdf"] = docx_to_pdf(word, require_libreoffice())
    if "html" in formats:
        files[f"{name}.html"] = write_html(summary.report, layout)
    if "md" in formats:
        files[f"{name}.md"] = write_markdown(summary.report)
    files[f"{name}.figures.json"] = (
        json.dumps(summary.document, ensure_ascii=False, indent=2, default=str) + "\n"
    ).encode("utf-8")
    files[f"{name}{FINGERPRINT_SUFFIX}"] = record_for(found, files, "", [])
    written = write_atomically(out_dir, files, config.input_files())
    return Outcome(
        SUMMARY_NAME,
        BUILT,
        time.perf_counter() - start,
        outputs=[p for p in written if not p.name.endswith(FINGERPRINT_SUFFIX)],
        changes=changes or [],
        problems=[damaged] if damaged else [],
    )
