"""Sentences that assert what the figures did: checked against the figures before anything is written.

A report is regenerated every year and reused by other districts, so a sentence
written when coverage rose (组织覆盖明显扩大) must not survive into a year when it
fell. Three checks stop the build, each naming the config key (or template) that
wrote the sentence, the sentence, the figure and both years' values:

- **declared claims**: a narrative passage's ``claims: {coverage_rate: up}``;
- **direction words** in 基本情况 and 主要成效, headings included: 提高/扩大/增加…
  and 下降/收窄/减少… next to a figure's label, keywords or printed value, for every
  figure compared with last year (a sentence about a figure that could not be
  compared this time cannot be known to be true, and is refused too);
- **zeros stated as achievements**: 新建党组织0个 in 基本情况, 主要做法 or 主要成效.

Aims are not claims (有待提高, 力争扩大), nor is a negated word (未提高 is checked as
"not up"). Text a figure generated itself (its ``change``, ``say()``) is true by
construction and is not re-read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import zh_numbers as zn
from .compose import Claim
from .document import Heading, Mention, Paragraph, Report
from .errors import Problem, ReportCheckError
from .figures import Figure, FigureSet, format_value

DIRECTION_SECTIONS = ("situation", "results")
ACHIEVEMENT_SECTIONS = ("situation", "practices", "results")

_UP = ("增加", "增长", "提高", "提升", "上升", "扩大", "增多", "攀升", "增至", "升至", "拓宽", "壮大")
_DOWN = ("减少", "下降", "降低", "收窄", "缩小", "减至", "降至", "回落", "萎缩", "下滑")
_FLAT = ("持平", "保持不变", "基本稳定")
_WORDS = {**dict.fromkeys(_UP, 1), **dict.fromkeys(_DOWN, -1), **dict.fromkeys(_FLAT, 0)}
_DIRECTION = re.compile("|".join(sorted(_WORDS, key=len, reverse=True)))
# Words before a direction word that make it an aim or a need, not a statement of what happened.
_AIM = re.compile(r"(有待|需要|亟需|亟待|力争|争取|努力|着力|推动|围绕|旨在|为了|以便|还需|仍需|应当|要)$")
_NEGATION = re.compile(r"(未|没有|未能|没能|不再|尚未|并未)$")
# A count stated after one of these verbs is presented as something done.
_ACHIEVEMENT = re.compile(
    r"(新建|新增|派驻|选派|组建|成立|创建|打造|培训|开展|发展|吸纳|提出|解决|协助|帮助|确定|累计)"
)
_SENTENCE = re.compile(r"[^。；！？]+[。；！？]?")
_CLAUSE_END = re.compile(r"[，。；：！？、]")

_NAMES = {1: "上升", -1: "下降", 0: "持平"}
_EXPECTED = {"up": "上升", "down": "下降", "flat": "持平", "full": "达到100%", "positive": "大于0"}


@dataclass(frozen=True)
class _Found:
    figure: str
    start: int
    end: int


def _value_text(fig: Figure, value: float | int | None) -> str:
    return format_value(value, fig.format, fig.unit)


def _both_years(fig: Figure) -> str:
    before = "无上年数据" if fig.previous is None else f"上年{_value_text(fig, fig.previous)}"
    return f"{fig.label}{before}，本年{_value_text(fig, fig.value)}"


def _quote(text: str) -> str:
    return f"“{text[:60]}{'…' if len(text) > 60 else ''}”"


def check_declared(claims: Iterable[Claim], figures: FigureSet) -> list[Problem]:
    """Each ``claims:`` entry of a stated narrative passage against its figure."""
    problems = []
    for claim in claims:
        fig = figures.figures.get(claim.figure)
        if fig is None:
            problems.append(Problem(f"声称的数据“{claim.figure}”本次没有计算（缺少所需的表）", key=claim.key))
            continue
        if claim.expected in ("up", "down", "flat"):
            want = {"up": 1, "down": -1, "flat": 0}[claim.expected]
            if fig.direction is None:
                holds, why = False, "没有上年数据，无法核实"
            else:
                holds, why = fig.direction == want, "与数据不符"
        elif claim.expected == "full":
            holds, why = fig.value is not None and zn.round_half_up(fig.value, 1) >= 100, "与数据不符"
        else:
            holds, why = fig.value is not None and fig.value > 0, "与数据不符"
        if not holds:
            problems.append(
                Problem(
                    f"文字声称{fig.label}{_EXPECTED[claim.expected]}，{why}（{_both_years(fig)}）：{_quote(claim.text)}",
                    key=f"{claim.key}.claims.{claim.figure}",
                )
            )
    return problems


class _Vocabulary:
    """The names figures go by in prose: label, short label and keywords, longest first."""

    def __init__(self, figures: FigureSet):
        words: list[tuple[str, str]] = []
        for fig in figures:
            if not fig.comparable:
                continue
            for word in {fig.label, fig.short_label, *fig.keywords}:
                word = word.strip('“”"')
                if len(word) >= 2:
                    words.append((word, fig.id))
        words.sort(key=lambda w: len(w[0]), reverse=True)
        self.words = words

    def find(self, text: str) -> list[_Found]:
        taken = [False] * len(text)
        found = []
        for word, fig_id in self.words:
            for match in re.finditer(re.escape(word), text):
                if any(taken[match.start() : match.end()]):
                    continue
                for i in range(match.start(), match.end()):
                    taken[i] = True
                found.append(_Found(fig_id, match.start(), match.end()))
        return found


def _origin(block: Heading | Paragraph, offset: int) -> str:
    return block.provenance.origin_at(offset) or f"模板 sections/{block.section}.md.j2"


def _inside(offset: int, mentions: Iterable[Mention]) -> bool:
    return any(m.kind == "change" and m.start <= offset < m.end for m in mentions)


def check_directions(report: Report, figures: FigureSet) -> list[Problem]:
    """Direction words in 基本情况 and 主要成效 against the figures they are next to."""
    vocabulary = _Vocabulary(figures)
    problems = []
    for block in report.blocks:
        if not isinstance(block, (Heading, Paragraph)) or block.section not in DIRECTION_SECTIONS:
            continue
        text = block.text
        mentions = block.provenance.mentions
        named = [
            _Found(m.figure, m.start, m.end)
            for m in mentions
            if m.kind == "figure" and figures.figures.get(m.figure) and figures[m.figure].comparable
        ]
        named += vocabulary.find(text)
        for sentence in _SENTENCE.finditer(text):
            s0, s1 = sentence.span()
            inside = sorted((f for f in named if s0 <= f.start < s1), key=lambda f: f.start)
            for word in _DIRECTION.finditer(text, s0, s1):
                if _inside(word.start(), mentions):
                    continue
                before = text[max(s0, word.start() - 4) : word.start()]
                if _AIM.search(before):
                    continue
                subject = _subject(inside, word.start(), word.end())
                if subject is None:
                    continue
                fig = figures[subject.figure]
                said = _WORDS[word.group(0)]
                negated = bool(_NEGATION.search(before))
                if fig.direction is None:
                    why = "没有上年数据，无法核实"
                elif (fig.direction != said) if not negated else (fig.direction == said):
                    why = f"但数据显示{_NAMES[fig.direction]}"
                else:
                    continue
                shown = ("未" if negated else "") + word.group(0)
                problems.append(
                    Problem(
                        f"{_quote(text[s0:s1])}称{fig.label}“{shown}”，{why}（{_both_years(fig)}）",
                        key=_origin(block, word.start()),
                    )
                )
    return problems


def _subject(inside: list[_Found], start: int, end: int) -> _Found | None:
    """The figure a direction word speaks of: the nearest one named before it in the sentence,
    else the first named after it (扩大了党组织覆盖面)."""
    before = [f for f in inside if f.end <= start]
    if before:
        return before[-1]
    after = [f for f in inside if f.start >= end]
    return after[0] if after else None


def check_zero_achievements(report: Report, figures: FigureSet) -> list[Problem]:
    """A count of zero presented as something done (新建党组织0个, 派驻指导员0名)."""
    problems = []
    for block in report.blocks:
        if not isinstance(block, (Heading, Paragraph)) or block.section not in ACHIEVEMENT_SECTIONS:
            continue
        for m in block.provenance.mentions:
            fig = figures.figures.get(m.figure)
            if m.kind != "figure" or fig is None or fig.value != 0 or fig.format == "percent":
                continue
            clause_start = max((c.end() for c in _CLAUSE_END.finditer(block.text, 0, m.start)), default=0)
            clause = block.text[clause_start : m.end]
            if not _ACHIEVEMENT.search(clause):
                continue
            problems.append(
                Problem(
                    f"把零作为成绩陈述：“{clause}”（{fig.label}为0；请用 when 条件在为0时改用其他表述或不写）",
                    key=_origin(block, m.start),
                )
            )
    return problems


def check_claims(report: Report, figures: FigureSet, declared: Iterable[Claim]) -> None:
    """Raise :class:`ReportCheckError` listing every claim the data contradicts or cannot support."""
    problems = [
        *check_declared(declared, figures),
        *check_directions(report, figures),
        *check_zero_achievements(report, figures),
    ]
    if problems:
        raise ReportCheckError(problems)
