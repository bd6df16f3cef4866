"""Decide which problems the figures reveal, in what order, and which recommendations answer them.

A problem rule in the config::

    problems:
      small_scale:
        when: small_share >= threshold     # over figure ids; absent = always stated (qualitative)
        threshold: 80
        severity: 2                        # 1 (minor) … 5 (most serious); default 3
        title: ...                         # may embed figures: {{ f.small_share }}
        text: ...

fires when its condition holds; an undefined figure (``None``) never fires a
rule. Problems that fire, and the qualitative ones, are stated most severe
first (ties in the config's order), at most ``findings.max_problems`` of them.
A recommendation is stated when a problem in its ``for`` list is stated, or
always when it says ``general: true``; recommendations follow the order of the
first problem each answers, general ones last.

Every rule leaves a :class:`RuleTrace` (its condition, the figures it tested
and their values, whether it fired and was stated, the recommendations it
called), written to ``figures.json`` so a reader can see why each problem is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .errors import ConfigError, Problem
from .expr import ExpressionError
from .figures import FigureSet

DEFAULT_SEVERITY = 3


@dataclass(frozen=True)
class Finding:
    """A problem stated in the report (why it is, its rule's trace says). ``data_backed``: its rule
    has a condition over figures, rather than being stated as found in the survey."""

    id: str
    title: str
    text: str
    data_backed: bool = False
    severity: int = DEFAULT_SEVERITY


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    text: str
    answers: tuple[str, ...] = ()
    """The stated problems it answers (empty for a general recommendation)."""


@dataclass
class RuleTrace:
    """Why a problem is, or is not, in the report."""

    rule: str
    condition: str | None
    threshold: float | None
    severity: int
    tested: dict[str, dict[str, Any]]
    fired: bool
    stated: bool = False
    reason: str = ""
    recommendations: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "condition": self.condition,
            "threshold": self.threshold,
            "severity": self.severity,
            "figures": self.tested,
            "fired": self.fired,
            "stated": self.stated,
            "reason": self.reason,
            "recommendations": self.recommendations,
        }


@dataclass
class Findings:
    problems: list[Finding] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    not_fired: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)
    """Problems that fired but fell beyond ``findings.max_problems``."""
    traces: list[RuleTrace] = field(default_factory=list)


def _tested(names: set[str], figures: FigureSet) -> dict[str, dict[str, Any]]:
    """The figures a condition read: value and printed text, last year's value when known."""
    tested = {}
    for name in sorted(names):
        fig = figures.figures.get(name)
        if fig is None:
            continue
        entry: dict[str, Any] = {"value": fig.value, "text": fig.text}
        if fig.previous is not None:
            entry["previous"] = fig.previous
        if fig.comparison is not None:
            entry["behind"] = {g.name: g.text for g in fig.groups}
        tested[name] = entry
    return tested


def _left_to_others(
    fired: list[tuple[int, int, Finding]], rules: dict[str, Any], traces: dict[str, RuleTrace]
) -> list[tuple[int, int, Finding]]:
    """The fired problems less those another stated problem already says (a rule's ``unless``).
    The least severe goes first, so of two rules naming each other the more serious is kept."""
    dropped: set[str] = set()
    ids = [item[2].id for item in fired]
    changed = True
    while changed:
        changed = False
        for rule_id in reversed(ids):
            if rule_id in dropped:
                continue
            covered = [r for r in rules[rule_id].get("unless") or [] if r in ids and r not in dropped]
            if covered:
                dropped.add(rule_id)
                traces[rule_id].reason = f"条件成立，但已由 {'、'.join(covered)} 陈述（unless）"
                changed = True
    return [item for item in fired if item[2].id not in dropped]


def evaluate_findings(config: Config, figures: FigureSet) -> Findings:
    """Evaluate every rule; raises :class:`ConfigError` naming the rule key for a bad condition."""
    result = Findings()
    errors: list[Problem] = []
    fired: list[tuple[int, int, Finding]] = []
    traces: dict[str, RuleTrace] = {}
    for order, (rule_id, rule) in enumerate(config.section("problems").items()):
        threshold = rule.get("threshold")
        severity = int(rule.get("severity", DEFAULT_SEVERITY))
        if "when" not in rule:
            traces[rule_id] = RuleTrace(rule_id, None, None, severity, {}, fired=True, reason="定性问题")
            fired.append((-severity, order, Finding(rule_id, rule["title"], rule["text"], severity=severity)))
            continue
        env = figures.condition_env(config, threshold=threshold)
        expr = config.expression(f"problems.{rule_id}.when")
        try:
            holds = bool(expr.evaluate(env))
        except ExpressionError as exc:
            errors.append(Problem(str(exc), key=f"problems.{rule_id}.when"))
            continue
        names = tuple(sorted(n for n in expr.names if n in figures.figures))
        traces[rule_id] = RuleTrace(
            rule_id, str(rule["when"]), threshold, severity, _tested(set(names), figures), fired=holds
        )
        if holds:
            finding = Finding(rule_id, rule["title"], rule["text"], data_backed=True, severity=severity)
            fired.append((-severity, order, finding))
        else:
            traces[rule_id].reason = "条件不成立"
            result.not_fired.append(rule_id)
    if errors:
        raise ConfigError(errors)

    fired.sort(key=lambda item: item[:2])
    fired = _left_to_others(fired, config.section("problems"), traces)
    limit = config.section("findings").get("max_problems")
    for rank, (_, _, finding) in enumerate(fired):
        trace = traces[finding.id]
        if limit is not None and rank >= limit:
            result.cut.append(finding.id)
            trace.reason = f"按严重程度排在第{rank + 1}位，超出 findings.max_problems（{limit}）"
            continue
        result.problems.append(finding)
        trace.stated = True
        trace.reason = trace.reason or "条件成立"

    stated = [p.id for p in result.problems]
    answering: list[tuple[int, int, Recommendation]] = []
    for order, (rec_id, rec) in enumerate(config.section("recommendations").items()):
        answers = tuple(a for a in stated if a in (rec.get("for") or ()))
        if rec.get("general") or answers:
            first = min((stated.index(a) for a in answers), default=len(stated))
            answering.append((first, order, Recommendation(rec_id, rec["title"], rec["text"], answers)))
            for problem_id in answers:
                traces[problem_id].recommendations.append(rec_id)
    answering.sort(key=lambda item: item[:2])
    result.recommendations = [rec for _, _, rec in answering]
    result.traces = list(traces.values())
    return result
