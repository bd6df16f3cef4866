"""Checks on the composed report before anything is written.

The hand-written model report had a date that does not exist, two sections
numbered 三, a list that repeats a word and stray spaces between characters.
These checks make such mistakes stop the build, each naming where it is.
Consistency rules (parts that add up to their whole) come from the config's
``checks`` list and from every table's 合计 row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from . import zh_numbers as zn
from .config import Config
from .document import Heading, Paragraph, Report, Table
from .errors import Problem, ReportCheckError
from .expr import ExpressionError
from .figures import FigureSet

_CJK = "\u4e00-\u9fff"
_STRAY_SPACE = re.compile(rf"[{_CJK}，。、；：“”（）][ \u3000\t]+[{_CJK}，。、；：“”（）]")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_SHARE = re.compile(r"(?:占|率|比例|比重)[^，。；\d]{0,6}?(\d+(?:\.\d+)?)%")
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\*\*\*")
_CLAUSE = re.compile(r"[，。；：！？（）“”\n]")


def _where(block: Heading | Paragraph) -> str:
    text = block.full_text if isinstance(block, Heading) else block.text
    return f"“{text[:24]}{'…' if len(text) > 24 else ''}”"


def check_numbering(report: Report) -> list[Problem]:
    problems = []
    expected = [0, 0, 0, 0]
    for block in report.blocks:
        if not isinstance(block, Heading) or block.level == 0:
            continue
        level = block.level
        expected[level - 1] += 1
        for deeper in range(level, 4):
            expected[deeper] = 0
        want = zn.section_number(level, expected[level - 1])
        if block.number != want:
            problems.append(Problem(f"标题编号应为“{want}”，实为“{block.number}”", key=_where(block)))
    return problems


def repeated_items(text: str) -> list[str]:
    """Items that appear twice in one 、-separated enumeration (``集中、分散、集中、线上`` → ``集中``).

    The first and last items carry the words around the list (``采用集中``, ``线上的学习方式``),
    so they are compared by their end and start against the inner items.
    """
    repeated: list[str] = []
    for clause in _CLAUSE.split(text):
        items = [i.strip() for i in clause.split("、")]
        if len(items) < 3:
            continue
        inner = [i for i in items[1:-1] if i]
        seen: set[str] = set()
        for item in inner:
            if item in seen and item not in repeated:
                repeated.append(item)
            seen.add(item)
        for item in sorted(seen, key=len, reverse=True):
            if (items[0].endswith(item) or items[-1].startswith(item)) and item not in repeated:
                repeated.append(item)
        # 线上、线下、线上相结合: the two ends repeat each other, at the length of the inner items.
        for size in sorted({len(i) for i in inner}):
            head, tail = items[0][-size:], items[-1][:size]
            if head == tail and len(items[0]) >= size and head not in repeated:
                repeated.append(head)
    return repeated


def check_text(blocks: Iterable[Heading | Paragraph]) -> list[Problem]:
    problems = []
    for block in blocks:
        text = block.full_text if isinstance(block, Heading) else block.text
        where = _where(block)
        for item in repeated_items(text):
            problems.append(Problem(f"列举中重复出现“{item}”", key=where))
        for match in _STRAY_SPACE.finditer(text):
            problems.append(
                Problem(
                    f"汉字之间有多余空格：“{match.group(0)}”（若文字来自配置，YAML 的 > 折行会在行间插入空格，"
                    "叙述文字请用 | 书写）",
                    key=where,
                )
            )
        for match in _DATE.finditer(text):
            year, month, day = (int(g) for g in match.groups())
            try:
                dt.date(year, month, day)
            except ValueError:
                problems.append(Problem(f"日期“{match.group(0)}”不存在", key=where))
        for match in _SHARE.finditer(text):
            if float(match.group(1)) > 100:
                problems.append(Problem(f"比例“{match.group(1)}%”超过100%", key=where))
        for match in _LEFTOVER.finditer(text):
            problems.append(Problem(f"文中残留未替换的标记“{match.group(0)}”", key=where))
    return problems


def check_tables(report: Report) -> list[Problem]:
    """Rows of additive columns must add up to the 合计 row."""
    problems = []
    for table in report.all_blocks():
        if not isinstance(table, Table) or not table.total_row:
            continue
        body, total = table.rows[:-1], table.rows[-1]
        for col, additive in enumerate(table.additive, start=1):
            if not additive:
                continue
            try:
                column_sum = sum(float(row[col]) for row in body)
                stated = float(total[col])
            except ValueError:
                continue
            if abs(column_sum - stated) > 1e-6:
                problems.append(
                    Problem(
                        f"“{table.header[col]}”各行之和{column_sum:g}与合计{stated:g}不一致",
                        key=table.caption_text,
                    )
                )
    return problems


def repeated_statements(report: Report) -> list[Problem]:
    """Warnings for a figure printed again after the paragraph (or heading) that first states it:
    a later passage should refer to it (见表1) or add to it. Recommendations, which name the
    organisations they are for, are not counted."""
    first: dict[str, str] = {}
    warned: set[str] = set()
    problems = []
    for block in report.blocks:
        if not isinstance(block, (Heading, Paragraph)) or block.section == "recommendations":
            continue
        for mention in block.provenance.mentions:
            if mention.kind != "figure":
                continue
            text = block.text[mention.start : mention.end]
            where = block.text[:24]
            if mention.figure not in first:
                first[mention.figure] = where
            elif first[mention.figure] != where and mention.figure not in warned:
                warned.add(mention.figure)
                problems.append(
                    Problem(
                        f"“{text}”已在“{first[mention.figure]}…”中陈述，此处重复；后文宜改为引用（见表1）或补充新的内容",
                        key=block.provenance.origin_at(mention.start) or None,
                        severity="warning",
                    )
                )
    return problems


def check_consistency(config: Config, figures: FigureSet) -> list[Problem]:
    """The config's ``checks``: expressions over figures that must hold (``enterprises + social_orgs == org_total``)."""
    problems = []
    values = figures.condition_env(config)
    for i, rule in enumerate(config.raw.get("checks") or []):
        expr = config.expression(f"checks[{i}]")
        try:
            # A figure this build cannot compute (its table not given) leaves the check undecided.
            holds = any(values.get(n) is None for n in expr.names) or expr.evaluate(values)
        except ExpressionError as exc:
            problems.append(Problem(str(exc), key=f"checks[{i}]"))
            continue
        if not holds:
            shown = "，".join(f"{n}={values[n]}" for n in sorted(expr.names))
            problems.append(Problem(f"数据自相矛盾：{rule} 不成立（{shown}）", key=f"checks[{i}]"))
    for fig in figures:
        if fig.format == "percent" and fig.source.get("aggregation") == "share" and fig.value is not None:
            if not 0 <= fig.value <= 100:
                problems.append(Problem(f"比例 {fig.value} 不在0–100之间", key=f"indicators.{fig.id}"))
        mismatch = unit_mismatch(fig.label, fig.unit)
        if mismatch:
            key = f"{'manual_figures' if fig.manual else 'indicators'}.{fig.id}.unit"
            problems.append(Problem(mismatch, key=key))
    return problems


# What a label says it counts (by its ending), and the units that cannot go with it.
_COUNTS_ORGANISATIONS = ("的组织数", "企业数", "组织总数", "单位数")
_COUNTS_PEOPLE = ("人数", "党员数", "指导员数", "人员数", "人次")
_PEOPLE_UNITS = ("名", "人", "人次")
_THING_UNITS = ("家", "个")


def unit_mismatch(label: str, unit: str) -> str | None:
    """A unit that does not fit what the label counts (185名 beside a label counting organisations,
    which a reviewer reads as a mistake in the figure), as a message; ``None`` when they agree."""
    if label.endswith(_COUNTS_ORGANISATIONS) and unit in _PEOPLE_UNITS:
        return f"“{label}”数的是组织，单位却是“{unit}”（应为“家”或“个”，或改写名称，说明数的是人）"
    if label.endswith(_COUNTS_PEOPLE) and unit in _THING_UNITS:
        return f"“{label}”数的是人，单位却是“{unit}”（应为“名”“人”或“人次”，或改写名称）"
    return None


def check_filled_template(content: bytes, name: str) -> None:
    """The text checks on a filled Word template, paragraph by paragraph (tables included)."""
    import io

    import docx

    document = docx.Document(io.BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        paragraphs.extend(cell.text for row in table.rows for cell in row.cells)
    problems = check_text(Paragraph(text, name) for text in paragraphs if text.strip())
    if problems:
        raise ReportCheckError([Problem(p.message, file=name, key=p.key) for p in problems])


def check_report(report: Report, config: Config, figures: FigureSet) -> None:
    """Raise :class:`ReportCheckError` with every problem found; return quietly when all is well."""
    problems = [
        *check_numbering(report),
        *check_text(report.text_blocks()),
        *check_text([Paragraph(report.date_text, "date")]),
        *check_tables(report),
        *check_consistency(config, figures),
    ]
    if problems:
        raise ReportCheckError(problems)
