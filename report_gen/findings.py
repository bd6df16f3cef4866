"""Decide which problems the figures reveal and which recommendations follow from them.

A problem rule in the config::

    problems:
      small_orgs:
        when: small_share >= threshold     # over figure ids; absent = always stated
        threshold: 80
        title: ...
        text: ...                          # may embed figures: {{ f.small_share }}

fires when its condition holds; an undefined figure (``None``) never fires a
rule. A recommendation is stated when any problem in its ``for`` list fired,
or always when it has no ``for``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .errors import ConfigError, Problem
from .expr import ExpressionError, compile_expression
from .figures import FigureSet


@dataclass(frozen=True)
class Finding:
    """A problem stated in the report. ``figures`` are the ids its condition reads."""

    id: str
    title: str
    text: str
    threshold: float | None = None
    figures: tuple[str, ...] = ()
    data_backed: bool = False


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    text: str
    answers: tuple[str, ...] = ()


@dataclass
class Findings:
    problems: list[Finding] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    not_fired: list[str] = field(default_factory=list)


def evaluate_findings(config: Config, figures: FigureSet) -> Findings:
    """Evaluate every rule; raises :class:`ConfigError` naming the rule key for a bad condition."""
    values = figures.values()
    result = Findings()
    errors: list[Problem] = []
    for rule_id, rule in config.section("problems").items():
        threshold = rule.get("threshold")
        if "when" not in rule:
            result.problems.append(Finding(rule_id, rule["title"], rule["text"]))
            continue
        env = figures.condition_env(config, threshold=threshold)
        try:
            expr = compile_expression(rule["when"], env)
            fired = expr.evaluate(env)
        except ExpressionError as exc:
            errors.append(Problem(str(exc), key=f"problems.{rule_id}.when"))
            continue
        if fired:
            names = tuple(sorted(n for n in expr.names if n in values))
            result.problems.append(
                Finding(rule_id, rule["title"], rule["text"], threshold, names, data_backed=True)
            )
        else:
            result.not_fired.append(rule_id)
    if errors:
        raise ConfigError(errors)
    fired_ids = {p.id for p in result.problems}
    for rec_id, rec in config.section("recommendations").items():
        answers = tuple(rec.get("for") or ())
        if not answers or fired_ids.intersection(answers):
            result.recommendations.append(
                Recommendation(rec_id, rec["title"], rec["text"], tuple(a for a in answers if a in fired_ids))
            )
    return result
