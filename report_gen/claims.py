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

_UP = (
    "增加", "增长", "提高", "提升", "上升", "扩大", "增多", "攀升", "增至", "升至", "升到", "拓宽", "拓展",
    "壮大", "翻番", "跃升", "上涨", "上扬", "攀高", "回升", "新高", "增幅", "多了", "高于上年", "稳中有增",
    "不降反升",
)  # fmt: skip
_DOWN = (
    "减少", "下降", "降低", "收窄", "缩小", "减至", "降至", "降到", "回落", "萎缩", "下滑", "下跌", "降幅",
    "少了", "低于上年", "新低", "稳中有降",
)  # fmt: skip
_FLAT = ("持平", "保持不变", "基本稳定")
_WORDS = {**dict.fromkeys(_UP, 1), **dict.fromkeys(_DOWN, -1), **dict.fromkeys(_FLAT, 0)}
_DIRECTION = re.compile("|".join(sorted(_WORDS, key=len, reverse=True)))
# A rate said to cover everyone must print as 100%.
_FULL = re.compile("全覆盖|全部覆盖|应建尽建")
# Words that make a change a large one: the figure's change must pass the year_on_year thresholds.
_MAGNITUDE = re.compile("(明显|大幅|显著|大大|迅速|快速|大幅度)")
# An aim or a need, not a statement of what happened: words anywhere earlier in the clause, or a
# preposition right before the direction word (为扩大, 以提高); 了 after it makes it done after all.
_AIM = re.compile(
    "有待|需要|亟需|亟待|力争|争取|努力|着力|着眼|推动|围绕|旨在|为了|以便|还需|仍需|应当|下一步|今后|计划|目标"
)
_AIM_BEFORE = re.compile("[为以把要将]$")
_AIM_AFTER = re.compile("^[^，。；]{0,12}(为目标|作为重点|作为目标|的目标|的任务)")
_NEGATION = re.compile(r"(未|没有|未能|没能|不再|尚未|并未)$")
# A count stated after one of these verbs is presented as something done.
_ACHIEVEMENT = re.compile(
    r"(新建|新增|派驻|选派|组建|成立|创建|打造|培训|开展|发展|吸纳|提出|解决|协助|帮助|确定|累计)"
)
# In 主要做法 and 主要成效 a state is presented as work done too (已建立党组织0个).
_ACHIEVEMENT_OF_WORK = re.compile(_ACHIEVEMENT.pattern[:-1] + "|建立|覆盖)")
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
    text = " ".join(text.split())
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
    """The names figures go by in prose: label (with and without its quotation marks) and keywords,
    longest first. Short labels are left out: 党员, 党组织 name far more than one figure."""

    def __init__(self, figures: FigureSet):
        words: list[tuple[str, str]] = []
        for fig in figures:
            if not fig.comparable:
                continue
            for word in {fig.label, re.sub('[“”"]', "", fig.label), *fig.keywords}:
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


def _is_aim(text: str, clause_start: int, start: int, end: int) -> bool:
    if text[end : end + 1] == "了":
        return False
    return bool(
        _AIM.search(text, clause_start, start)
        or _AIM_BEFORE.search(text[max(clause_start, start - 1) : start])
        or _AIM_AFTER.search(text[end:])
    )


def _verdict(fig: Figure, said: int, negated: bool, large: bool) -> str | None:
    """Why the figure contradicts what was said of it, or ``None`` when it does not."""
    if fig.direction is None:
        return "没有上年数据，无法核实"
    if negated:
        return f"但数据显示{_NAMES[fig.direction]}" if fig.direction == said else None
    if fig.direction != said:
        return f"但数据显示{_NAMES[fig.direction]}"
    if large and not fig.notable:
        return "但变化未达到 year_on_year 设定的幅度，不宜称“明显”“大幅”"
    return None


def _subjects(
    named: list[_Found], clause_start: int, sentence: tuple[int, int], start: int, end: int
) -> list[_Found]:
    """The figures a direction word speaks of: every figure named earlier in its clause (党员数和
    党组织覆盖率均有所提高), else the nearest named before it in the sentence, else the first after."""
    s0, s1 = sentence
    in_clause = [f for f in named if clause_start <= f.start and f.end <= start]
    if in_clause:
        return in_clause
    before = [f for f in named if s0 <= f.start and f.end <= start]
    if before:
        return [before[-1]]
    after = [f for f in named if f.start >= end and f.start < s1]
    return after[:1]


def check_directions(report: Report, figures: FigureSet) -> list[Problem]:
    """Direction words in 基本情况 and 主要成效 against the figures they are next to. A heading that
    names no figure speaks of the first figure its own text states."""
    vocabulary = _Vocabulary(figures)
    problems = []
    blocks = [b for b in report.blocks if isinstance(b, (Heading, Paragraph))]
    for index, block in enumerate(blocks):
        if block.section not in DIRECTION_SECTIONS:
            continue
        text = block.text
        mentions = block.provenance.mentions
        named = sorted(
            [
                _Found(m.figure, m.start, m.end)
                for m in mentions
                if m.kind == "figure" and figures.figures.get(m.figure) and figures[m.figure].comparable
            ]
            + vocabulary.find(text),
            key=lambda f: f.start,
        )
        lead = _lead_figure(blocks, index, figures) if isinstance(block, Heading) else None
        for sentence in _SENTENCE.finditer(text):
            s0, s1 = sentence.span()
            for word in _DIRECTION.finditer(text, s0, s1):
                start, end = word.span()
                if _inside(start, mentions):
                    continue
                clause_start = max((c.end() for c in _CLAUSE_END.finditer(text, s0, start)), default=s0)
                if _is_aim(text, clause_start, start, end):
                    continue
                subjects = _subjects(named, clause_start, (s0, s1), start, end)
                if not subjects and lead is not None:
                    subjects = [_Found(lead, 0, 0)]
                before = text[max(s0, start - 4) : start]
                negated = bool(_NEGATION.search(before))
                large = bool(_MAGNITUDE.search(text, max(clause_start, start - 4), start))
                for subject in dict.fromkeys(subjects):
                    fig = figures[subject.figure]
                    why = _verdict(fig, _WORDS[word.group(0)], negated, large)
                    if why is None:
                        continue
                    shown = ("未" if negated else "") + word.group(0)
                    problems.append(
                        Problem(
                            f"{_quote(text[s0:s1])}称{fig.label}“{shown}”，{why}（{_both_years(fig)}）",
                            key=_origin(block, start),
                        )
                    )
            for full in _FULL.finditer(text, s0, s1):
                subjects = _subjects(named, s0, (s0, s1), full.start(), full.end()) or (
                    [_Found(lead, 0, 0)] if lead else []
                )
                for subject in subjects:
                    fig = figures[subject.figure]
                    if fig.format == "percent" and (
                        fig.value is None or zn.round_half_up(fig.value, 1) < 100
                    ):
                        problems.append(
                            Problem(
                                f"{_quote(text[s0:s1])}称“{full.group(0)}”，但{fig.label}为{fig.text}",
                                key=_origin(block, full.start()),
                            )
                        )
    return problems


def _lead_figure(blocks: list[Heading | Paragraph], index: int, figures: FigureSet) -> str | None:
    """The first compared figure stated in the text under a heading (before the next heading)."""
    for block in blocks[index + 1 :]:
        if isinstance(block, Heading):
            return None
        for m in sorted(block.provenance.mentions, key=lambda m: m.start):
            fig = figures.figures.get(m.figure)
            if m.kind == "figure" and fig is not None and fig.comparable:
                return m.figure
    return None


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
            verbs = _ACHIEVEMENT if block.section == "situation" else _ACHIEVEMENT_OF_WORK
            if not verbs.search(clause):
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
