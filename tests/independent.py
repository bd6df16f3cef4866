"""Figures computed the plain way, with the csv module and no code from report_gen.

Tests compare the tool's figures against these, so a bug in the indicator
engine cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path


def read_ledger(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def ledger_figures(rows: list[dict[str, str]], year: int) -> dict[str, float]:
    ent = [r for r in rows if r["组织类别"] == "非公企业"]
    soc = [r for r in rows if r["组织类别"] == "社会组织"]
    formed = [r for r in rows if r["党组织组建方式"] != "未组建"]
    above = [r for r in ent if r["是否规模以上"] == "是"]
    members = sum(int(r["党员数"]) for r in rows)
    mobile = sum(int(r["流动党员数"] or 0) for r in rows)
    return {
        "org_total": len(rows),
        "enterprises": len(ent),
        "social_orgs": len(soc),
        "streets": len({r["所属街道"] for r in rows}),
        "employees": sum(int(r["从业人员数"]) for r in rows),
        "party_members": members,
        "mobile_members": mobile,
        "mobile_share": mobile / members * 100,
        "party_orgs": len({r["所属党组织"] for r in formed}),
        "covered_orgs": len(formed),
        "coverage_rate": len(formed) / len(rows) * 100,
        "above_scale": len(above),
        "above_scale_single": sum(1 for r in above if r["党组织组建方式"] == "单独组建"),
        "above_scale_single_rate": sum(1 for r in above if r["党组织组建方式"] == "单独组建")
        / len(above)
        * 100,
        "social_joint_branches": len({r["所属党组织"] for r in soc if r["党组织组建方式"] == "联合组建"}),
        "social_coverage_rate": sum(1 for r in soc if r["党组织组建方式"] != "未组建") / len(soc) * 100,
        "liaison_points": sum(1 for r in rows if r["联系领导"].strip()),
        "new_party_orgs": len({r["所属党组织"] for r in formed if r["党组织成立时间"].startswith(str(year))}),
        "instructors": sum(1 for r in rows if r["是否派驻党建工作指导员"] == "是"),
        "small_orgs": sum(1 for r in rows if int(r["从业人员数"]) < 50),
        "small_share": sum(1 for r in rows if int(r["从业人员数"]) < 50) / len(rows) * 100,
        "no_member_orgs": sum(1 for r in rows if int(r["党员数"]) == 0),
        "no_member_share": sum(1 for r in rows if int(r["党员数"]) == 0) / len(rows) * 100,
        "enterprise_coverage_rate": sum(1 for r in ent if r["党组织组建方式"] != "未组建") / len(ent) * 100,
        "uncovered_enterprises": sum(1 for r in ent if r["党组织组建方式"] == "未组建"),
        **target_counts(rows),
    }


def _uncovered(row: dict[str, str]) -> bool:
    return row["党组织组建方式"] == "未组建"


def _instructor(row: dict[str, str]) -> bool:
    return row["是否派驻党建工作指导员"] == "是"


def target_counts(rows: list[dict[str, str]], branch_min: int = 3) -> dict[str, int]:
    """The counts that turn a problem into work: who could found a branch, who has no one."""
    members = {id(r): int(r["党员数"]) for r in rows}
    return {
        "uncovered_orgs": sum(1 for r in rows if _uncovered(r)),
        "joint_candidates": sum(1 for r in rows if _uncovered(r) and 1 <= members[id(r)] < branch_min),
        "single_candidates": sum(1 for r in rows if _uncovered(r) and members[id(r)] >= branch_min),
        "uncovered_no_member": sum(1 for r in rows if _uncovered(r) and members[id(r)] == 0),
        "above_scale_not_single": sum(
            1
            for r in rows
            if r["组织类别"] == "非公企业" and r["是否规模以上"] == "是" and r["党组织组建方式"] != "单独组建"
        ),
        "instructors_in_covered": sum(1 for r in rows if _instructor(r) and not _uncovered(r)),
        "unreached_orgs": sum(1 for r in rows if not _instructor(r) and _uncovered(r)),
    }


def _one_decimal(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def coverage_behind(
    rows: list[dict[str, str]], header: str, points: float, min_orgs: int = 1
) -> list[tuple[str, str, str]]:
    """Groups (by the column ``header``) whose coverage is more than ``points`` 百分点 below the
    district's, as (name, rate as printed, gap as printed), furthest behind first, ties in ledger order."""
    district = _one_decimal(sum(1 for r in rows if not _uncovered(r)) / len(rows) * 100)
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r[header].strip():
            groups.setdefault(r[header].strip(), []).append(r)
    behind = []
    for name, members in groups.items():
        if len(members) < min_orgs:
            continue
        rate = _one_decimal(sum(1 for r in members if not _uncovered(r)) / len(members) * 100)
        if district - rate > Decimal(str(points)):
            behind.append((name, rate, district - rate))
    behind.sort(key=lambda g: -g[2])
    return [
        (name, f"{rate}%", f"{gap}")  # one decimal, as every rate and gap in a report
        for name, rate, gap in behind
    ]


def training_person_times(path: Path, year: int) -> int:
    with path.open(encoding="utf-8-sig") as handle:
        return sum(
            int(r["参训人次"]) for r in csv.DictReader(handle) if year - 2 <= int(r["培训日期"][:4]) <= year
        )
