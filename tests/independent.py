"""Figures computed the plain way, with the csv module and no code from report_gen.

Tests compare the tool's figures against these, so a bug in the indicator
engine cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import csv
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
        "uncovered_enterprises": sum(1 for r in ent if r["党组织组建方式"] == "未组建"),
    }


def training_person_times(path: Path, year: int) -> int:
    with path.open(encoding="utf-8-sig") as handle:
        return sum(
            int(r["参训人次"]) for r in csv.DictReader(handle) if year - 2 <= int(r["培训日期"][:4]) <= year
        )
