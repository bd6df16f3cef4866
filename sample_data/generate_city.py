"""Generate the sample city ledger of the fictional 江城市 (deterministic; run from anywhere).

One ledger for four districts, with a 所属区县 column, as a city organisation department
collects it: ``city_2025.csv``. Built by ``report-gen batch config/city.yaml --split-by district``.
The districts differ on purpose: 云山县 lags well behind the others on party-organisation
coverage, so the city summary has a district to name.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEAR = 2025
HEADERS = [
    "组织编号", "组织名称", "组织类别", "所属街道", "所属行业", "从业人员数", "是否规模以上", "党员数",
    "流动党员数", "党组织组建方式", "所属党组织", "党组织类型", "党组织成立时间", "是否派驻党建工作指导员",
    "联系领导", "所属区县",
]  # fmt: skip
# district → (id prefix, streets, organisations, share with a party organisation)
DISTRICTS = {
    "临江区": ("LJ", ["滨河街道", "江岸街道", "新港街道", "临江镇"], 140, 0.62),
    "石门区": ("SM", ["石门街道", "北关街道", "西园街道"], 110, 0.58),
    "桂溪区": ("GX", ["桂溪街道", "南湖街道", "文昌街道", "桂花镇"], 120, 0.55),
    "云山县": ("YS", ["云山镇", "白石镇", "清泉乡"], 90, 0.34),
}
INDUSTRIES = ["制造业", "批发和零售业", "信息技术服务业", "建筑业", "住宿和餐饮业", "交通运输业"]
SOCIAL_KINDS = ["社会工作服务中心", "行业协会", "培训学校", "养老服务中心", "文化促进会"]
WORDS = "嘉华瑞丰宏远信诚恒通明德兴业博雅同创新源安泰永盛鸿运"


def organisations(district: str, rng: random.Random) -> list[list[object]]:
    prefix, streets, count, covered = DISTRICTS[district]
    rows: list[list[object]] = []
    joint: dict[str, str] = {}
    taken: set[str] = set()
    for i in range(count):
        street = streets[i % len(streets)]
        enterprise = rng.random() < 0.72
        word = "".join(rng.sample(WORDS, 2))
        if enterprise:
            industry = rng.choice(INDUSTRIES)
            name = f"江城{word}{industry[:2]}有限公司"
            kind = "非公企业"
        else:
            industry = "社会服务"
            name = f"{street[:2]}{word}{rng.choice(SOCIAL_KINDS)}"
            kind = "社会组织"
        while name in taken:
            name = f"{name[:-2]}{rng.choice(WORDS)}{name[-2:]}"
        taken.add(name)
        employees = max(3, int(rng.lognormvariate(3.2, 0.9)))
        above = "是" if enterprise and employees >= 100 else ("否" if enterprise else "")
        members = (
            0
            if rng.random() < 0.3
            else min(employees, 1 + int(rng.expovariate(1 / max(1.0, employees * 0.05))))
        )
        mobile = rng.randint(0, members // 3) if members >= 3 else 0
        if rng.random() < covered:
            if members >= 3:
                form, party_org, org_type = "单独组建", f"{name}党支部", "党支部"
            else:
                form = "联合组建"
                party_org = joint.setdefault(street, f"{street}非公企业联合党支部")
                org_type = "党支部"
            founded = f"{rng.randint(2012, YEAR)}-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        else:
            form, party_org, org_type, founded = "未组建", "", "", ""
        instructor = "是" if form == "未组建" and rng.random() < 0.4 else "否"
        leader = rng.choice(["张明", "李华", "王静"]) if rng.random() < 0.05 else ""
        rows.append(
            [
                f"{prefix}{i:04d}",
                name,
                kind,
                street,
                industry,
                employees,
                above,
                members,
                mobile,
                form,
                party_org,
                org_type,
                founded,
                instructor,
                leader,
                district,
            ]  # fmt: skip
        )
    return rows


def main() -> None:
    rng = random.Random(20251129)
    rows = [row for district in DISTRICTS for row in organisations(district, rng)]
    with (HERE / f"city_{YEAR}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
