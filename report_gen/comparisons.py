"""Groups that lag the district on a rate: which streets, industries or categories, by how much.

A comparison in the config::

    comparisons:
      streets_behind:
        figure: coverage_rate     # a rate indicator (printed in %)
        by: street                # a ledger column: street, industry, category, …
        points: 3                 # named when more than this many 百分点 worse than the district
        min_orgs: 5               # groups with fewer rows than this are not named (default 1)
        limit: 5                  # at most this many named, the furthest behind first (default: all)
        worse: lower              # lower (default) or higher: which way is behind

is itself a figure: the number of groups behind (``4个``), which problem rules read
(``streets_behind >= 1``) and templates print; ``{{ f.streets_behind.named }}`` says
which and by how much (石桥镇党组织覆盖率为60.0%，低于全区4.4个百分点). Gaps are taken
between the rates as printed (one decimal), so a reader's subtraction agrees with the text.
Nothing here is picked by hand: the groups come from the ledger and the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from . import zh_numbers as zn


@dataclass(frozen=True)
class GroupGap:
    """One group behind the district: its rate, and the gap in 百分点 (at the printed precision)."""

    name: str
    value: float
    rows: int
    gap: Decimal

    @property
    def text(self) -> str:
        """One decimal always (60.0%), as in the tables, so the rates of a list line up."""
        return f"{zn.round_half_up(self.value, 1):f}%"

    @property
    def gap_text(self) -> str:
        return zn.points_text(self.gap)


def points_gap(value: float, reference: float) -> Decimal:
    """``value`` minus ``reference`` in 百分点, each rounded half up to one decimal as printed."""
    return zn.round_half_up(value, 1) - zn.round_half_up(reference, 1)


def groups_behind(
    rates: Mapping[Any, Any], sizes: Mapping[Any, int], district: float, spec: Mapping[str, Any]
) -> list[GroupGap]:
    """Every group more than ``spec["points"]`` 百分点 behind ``district``, furthest behind first
    (ties in the ledger's order). Groups with an undefined rate or too few rows are not compared."""
    sign = -1 if spec.get("worse", "lower") == "higher" else 1
    threshold = Decimal(str(spec["points"]))
    min_rows = int(spec.get("min_orgs", 1))
    found = []
    for name, value in rates.items():
        if value is None or value != value or sizes.get(name, 0) < min_rows:
            continue
        gap = sign * points_gap(district, value)
        if gap > threshold:
            found.append(GroupGap(str(name), float(value), int(sizes.get(name, 0)), gap))
    found.sort(key=lambda g: -g.gap)  # stable: equal gaps keep the ledger's order
    return found


def named_text(groups: Sequence[GroupGap], label: str, versus: str, worse: str = "lower") -> str:
    """``石桥镇党组织覆盖率为60.0%，低于全区4.4个百分点；桂香街道、柳岸街道均为61.0%，低于全区3.4个百分点``.

    Groups at the same rate share one clause; the figure's label is said once. Empty for no groups.
    """
    word = "高于" if worse == "higher" else "低于"
    clauses = []
    for i, (_, same) in enumerate(groupby(groups, key=lambda g: (g.text, g.gap))):
        members = list(same)
        names = "、".join(g.name for g in members)
        verb = "均为" if len(members) > 1 else "为"
        subject = f"{names}{label}{verb}" if i == 0 else f"{names}{verb}"
        clauses.append(f"{subject}{members[0].text}，{word}{versus}{members[0].gap_text}")
    return "；".join(clauses)
