"""Generate the sample ledgers of the fictional 青溪区 (deterministic; run from anywhere).

    python sample_data/generate.py

Writes organizations_2025.csv, organizations_2024.csv (the previous year),
trainings.csv, and organizations_2025.xlsx (the same ledger as exported from
a ledger system: a title row above the header, a 合计 row at the bottom).

The ledger is built by construction to reproduce the figures of the model
survey report: 108 social organisations, all covered; 5 joint branches of
social organisations; 47 above-scale enterprises, all with their own branch;
41 liaison points; 36 party organisations founded in the report year; 185
instructors; 600多 training person-times over three years; 88.9% of
organisations with fewer than 50 employees; 10 streets. The script checks
these targets itself before writing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEAR = 2025
SEED = 20251205

STREETS = [
    "清河街道",
    "望江街道",
    "东湖街道",
    "南苑街道",
    "西关街道",
    "北塘街道",
    "桂香街道",
    "柳岸街道",
    "枫林街道",
    "石桥镇",
]
ENTERPRISE_INDUSTRIES = [
    "制造业",
    "批发和零售业",
    "信息技术服务业",
    "建筑业",
    "住宿和餐饮业",
    "租赁和商务服务业",
    "交通运输业",
    "科学研究和技术服务业",
]
WORDS = [
    "华泰",
    "恒信",
    "瑞丰",
    "鸿达",
    "嘉禾",
    "卓越",
    "天成",
    "锦程",
    "博远",
    "新源",
    "汇通",
    "宏业",
    "金桥",
    "永安",
    "明德",
    "远航",
    "同创",
    "正和",
    "盛世",
    "启明",
    "众联",
    "佳音",
    "通达",
    "康宁",
    "润泽",
    "中科",
    "广益",
    "德润",
    "安泰",
    "兴隆",
    "泰和",
    "清源",
    "长青",
    "丰收",
    "朗润",
    "华章",
]
TRADES = {
    "制造业": ["机械制造", "电子科技", "精密部件", "新材料", "食品加工"],
    "批发和零售业": ["商贸", "百货", "医药连锁", "建材经营"],
    "信息技术服务业": ["软件", "网络科技", "数据服务", "信息技术"],
    "建筑业": ["建设工程", "装饰工程", "市政工程"],
    "住宿和餐饮业": ["餐饮管理", "酒店管理"],
    "租赁和商务服务业": ["物业服务", "人力资源", "商务咨询"],
    "交通运输业": ["物流", "运输"],
    "科学研究和技术服务业": ["检测技术", "工程设计", "环保科技"],
}
SOCIAL_GROUPS = [
    # (industry, joint branch name, kind of organisation)
    ("教育", "青溪区民办教育机构联合党支部", ["培训学校", "幼儿园", "艺术学校"]),
    ("养老服务", "青溪区养老服务机构联合党支部", ["养老院", "颐养中心", "居家养老服务中心"]),
    ("社会工作", "青溪区社会工作服务机构联合党支部", ["社会工作服务中心", "社区服务中心"]),
    ("行业协会商会", "青溪区行业协会商会联合党支部", ["商会", "行业协会"]),
    ("文化体育", "青溪区文体类社会组织联合党支部", ["文化促进会", "体育俱乐部", "书画研究会"]),
]
LEADERS = [
    "区委书记",
    "区长",
    "区委副书记",
    "常务副区长",
    "组织部部长",
    "宣传部部长",
    "统战部部长",
    "纪委书记",
    "政法委书记",
    "副区长",
    "人大常委会主任",
    "政协主席",
]
HEADERS = [
    "组织编号",
    "组织名称",
    "组织类别",
    "所属街道",
    "所属行业",
    "从业人员数",
    "是否规模以上",
    "党员数",
    "流动党员数",
    "党组织组建方式",
    "所属党组织",
    "党组织类型",
    "党组织成立时间",
    "是否派驻党建工作指导员",
    "联系领导",
]


class Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, template: str) -> str:
        for _ in range(1000):
            name = template.format(w=self.rng.choice(WORDS), w2=self.rng.choice(WORDS))
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of names")


def _date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, rng.randint(1, 11), rng.randint(1, 28))


def build_orgs(rng: random.Random) -> list[dict]:
    names = Names(rng)
    orgs: list[dict] = []

    def add(**row) -> dict:
        row.setdefault("mobile", 0)
        row.setdefault("leader", "")
        row.setdefault("instructor", False)
        row.setdefault("form", "未组建")
        row.setdefault("party_org", "")
        row.setdefault("org_type", "")
        row.setdefault("founded", None)
        row.setdefault("above_scale", False)
        orgs.append(row)
        return row

    def enterprise_name(industry: str) -> str:
        trade = rng.choice(TRADES[industry])
        return names.make("青溪{w}" + trade + "有限公司")

    # 47 above-scale enterprises, each with its own party organisation; the 41 largest are
    # leading cadres' liaison points.
    sizes = sorted((rng.randint(60, 1500) for _ in range(47)), reverse=True)
    for i, employees in enumerate(sizes):
        industry = ENTERPRISE_INDUSTRIES[i % 4] if i % 3 else "制造业"
        name = enterprise_name(industry)
        members = max(5, employees // 25 + rng.randint(0, 6))
        org_type = "党委" if employees > 1200 else ("党总支" if employees > 700 else "党支部")
        short = name.removesuffix("有限公司")
        add(
            category="非公企业",
            name=name,
            street=STREETS[i % 10],
            industry=industry,
            employees=employees,
            above_scale=True,
            members=members,
            mobile=round(members * rng.uniform(0.5, 0.7)),
            form="单独组建",
            party_org=f"{short}{org_type}",
            org_type=org_type,
            founded=_date(rng, 2025 if i >= 41 else rng.randint(2008, 2023)),
            leader=LEADERS[i % len(LEADERS)] + ("同志" if i % 2 else "") if i < 41 else "",
        )

    # 30 small enterprises with their own branch (3+ members); 14 of them founded this year.
    for i in range(30):
        industry = ENTERPRISE_INDUSTRIES[(i + 2) % len(ENTERPRISE_INDUSTRIES)]
        name = enterprise_name(industry)
        members = rng.randint(3, 7)
        employees = rng.randint(max(members, 12), 48) if i >= 2 else rng.randint(50, 80)
        add(
            category="非公企业",
            name=name,
            street=STREETS[(i * 3) % 10],
            industry=industry,
            employees=employees,
            members=members,
            mobile=rng.randint(2, members),
            form="单独组建",
            party_org=name.removesuffix("有限公司") + "党支部",
            org_type="党支部",
            founded=_date(rng, 2025 if i < 14 else rng.randint(2015, 2024)),
        )

    # 16 joint branches of small enterprises, 5 each, within one street; 10 founded this year.
    for j in range(16):
        street = STREETS[j % 10]
        branch = f"{street.removesuffix('街道').removesuffix('镇')}非公企业第{'一二'[j // 10]}联合党支部"
        founded = _date(rng, 2025 if j < 10 else rng.randint(2016, 2024))
        for _ in range(5):
            industry = rng.choice(ENTERPRISE_INDUSTRIES)
            members = rng.randint(1, 3)
            add(
                category="非公企业",
                name=enterprise_name(industry),
                street=street,
                industry=industry,
                employees=rng.randint(max(members, 5), 45),
                members=members,
                mobile=rng.randint(1, members),
                form="联合组建",
                party_org=branch,
                org_type="党支部",
                founded=founded,
            )

    # 25 enterprises attached to their street's comprehensive party organisation, with an instructor.
    for i in range(25):
        street = STREETS[i % 10]
        industry = rng.choice(ENTERPRISE_INDUSTRIES)
        members = rng.randint(1, 2)
        add(
            category="非公企业",
            name=enterprise_name(industry),
            street=street,
            industry=industry,
            employees=rng.randint(5, 40),
            members=members,
            mobile=members,
            form="挂靠组建",
            party_org=f"{street}非公企业综合党委",
            org_type="党委",
            instructor=True,
            founded=dt.date(2012, 6, 30),
        )

    # 160 enterprises without a party organisation yet, each with an instructor assigned; most of
    # them have no party member at all.
    for i in range(160):
        industry = rng.choice(ENTERPRISE_INDUSTRIES)
        members = 0 if i % 4 else rng.randint(1, 2)
        add(
            category="非公企业",
            name=enterprise_name(industry),
            street=STREETS[(i * 7) % 10],
            industry=industry,
            employees=rng.randint(2, 35),
            members=members,
            mobile=members if members and i % 3 else 0,
            instructor=True,
        )

    # 108 social organisations, all covered: 80 in five joint branches by trade, 12 with their own
    # branch (6 founded this year), 16 attached to the civil affairs bureau's party organisation.
    for g, (industry, branch, kinds) in enumerate(SOCIAL_GROUPS):
        founded = _date(rng, rng.randint(2017, 2022))
        for i in range(16):
            members = rng.randint(1, 3)
            add(
                category="社会组织",
                name=names.make("青溪区{w}" + rng.choice(kinds)),
                street=STREETS[(g * 2 + i) % 10],
                industry=industry,
                employees=rng.randint(max(members, 6), 40) if (g, i) != (0, 0) else 55,
                members=members,
                mobile=rng.randint(0, members),
                form="联合组建",
                party_org=branch,
                org_type="党支部",
                founded=founded,
            )
    for i in range(12):
        industry, _, kinds = SOCIAL_GROUPS[i % 5]
        name = names.make("青溪区{w}" + rng.choice(kinds))
        members = rng.randint(3, 6)
        add(
            category="社会组织",
            name=name,
            street=STREETS[(i * 3 + 1) % 10],
            industry=industry,
            employees=rng.randint(max(members, 10), 45),
            members=members,
            mobile=rng.randint(1, members),
            form="单独组建",
            party_org=name + "党支部",
            org_type="党支部",
            founded=_date(rng, 2025 if i < 6 else rng.randint(2018, 2024)),
        )
    for i in range(16):
        industry, _, kinds = SOCIAL_GROUPS[i % 5]
        members = rng.randint(0, 2)
        add(
            category="社会组织",
            name=names.make("青溪区{w}" + rng.choice(kinds)),
            street=STREETS[(i * 3 + 2) % 10],
            industry=industry,
            employees=rng.randint(3, 30),
            members=members,
            mobile=rng.randint(0, members),
            form="挂靠组建",
            party_org="青溪区民政局机关党总支",
            org_type="党总支",
            founded=dt.date(2010, 7, 1),
        )

    # Bring total employment to 48,6xx ("近5万人") by adjusting the largest enterprise.
    orgs[0]["employees"] += 48_612 - sum(o["employees"] for o in orgs)
    rng.shuffle(orgs)
    counters = {"非公企业": 0, "社会组织": 0}
    for org in orgs:
        counters[org["category"]] += 1
        prefix = "QXE" if org["category"] == "非公企业" else "QXS"
        org["org_id"] = f"{prefix}{counters[org['category']]:04d}"
    orgs.sort(key=lambda o: (STREETS.index(o["street"]), o["org_id"]))
    return orgs


def previous_year(orgs: list[dict], rng: random.Random) -> list[dict]:
    """The 2024 ledger: 18 organisations registered in 2025 are absent; branches founded in 2025 did not
    exist yet; employment and membership were a little lower."""
    new_ids = {o["org_id"] for o in rng.sample([o for o in orgs if o["form"] == "未组建"], 18)}
    rows = []
    for org in orgs:
        if org["org_id"] in new_ids:
            continue
        row = dict(org)
        row["employees"] = max(1, round(org["employees"] * rng.uniform(0.9, 1.0)))
        if org["founded"] and org["founded"].year == YEAR:
            row.update(
                form="未组建",
                party_org="",
                org_type="",
                founded=None,
                members=max(0, org["members"] - rng.randint(1, 3)),
                leader="",
            )
            row["mobile"] = min(row["mobile"], row["members"])
        row["instructor"] = org["instructor"] and rng.random() < 0.85
        rows.append(row)
    return rows


def check_targets(orgs: list[dict]) -> None:
    enterprises = [o for o in orgs if o["category"] == "非公企业"]
    social = [o for o in orgs if o["category"] == "社会组织"]
    above = [o for o in enterprises if o["above_scale"]]
    small = [o for o in orgs if o["employees"] < 50]
    joint_social = {o["party_org"] for o in social if o["form"] == "联合组建"}
    new = {
        o["party_org"] for o in orgs if o["form"] != "未组建" and o["founded"] and o["founded"].year == YEAR
    }
    assert len(social) == 108 and all(o["form"] != "未组建" for o in social)
    assert len(joint_social) == 5
    assert len(above) == 47 and all(o["form"] == "单独组建" for o in above)
    assert sum(1 for o in orgs if o["leader"]) == 41
    assert len(new) == 36, len(new)
    assert sum(1 for o in orgs if o["instructor"]) == 185
    assert round(len(small) / len(orgs) * 1000) == 889, len(small) / len(orgs)
    assert len({o["street"] for o in orgs}) == 10
    assert 47_000 <= sum(o["employees"] for o in orgs) < 50_000
    assert max(o["employees"] for o in orgs) < 8_000


def write_ledger(path: Path, orgs: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for o in orgs:
            writer.writerow(ledger_row(o))


def ledger_row(o: dict) -> list[object]:
    return [
        o["org_id"],
        o["name"],
        o["category"],
        o["street"],
        o["industry"],
        o["employees"],
        ("是" if o["above_scale"] else "否") if o["category"] == "非公企业" else "",
        o["members"],
        o["mobile"],
        o["form"],
        o["party_org"],
        o["org_type"],
        o["founded"].isoformat() if o["founded"] else "",
        "是" if o["instructor"] else "否",
        o["leader"],
    ]


def write_xlsx(path: Path, orgs: list[dict]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([f"青溪区“两新组织”党建工作台账（{YEAR}年）"])
    sheet.append([])
    sheet.append(HEADERS)
    for o in orgs:
        row = ledger_row(o)
        if o["founded"]:
            row[12] = o["founded"]  # a real Excel date cell
        sheet.append(row)
    sheet.append(
        ["合计", "", "", "", "", sum(o["employees"] for o in orgs), "", sum(o["members"] for o in orgs)]
    )
    book.save(path)


def trainings(rng: random.Random) -> list[list[object]]:
    topics = ["党的理论学习", "党务知识培训", "企业经营管理", "党支部书记轮训", "发展党员工作培训"]
    organisers = ["区委组织部", "区委党校", "区工商联", "区民政局"]
    sessions: list[list[object]] = []
    # 2022 is outside the three-year window (2023–2025) and must not be counted.
    plan = {2022: [40, 35], 2023: [58, 62, 45, 38], 2024: [66, 52, 70, 41], 2025: [75, 48, 57]}
    for year, counts in plan.items():
        for n in counts:
            sessions.append([_date(rng, year).isoformat(), rng.choice(topics), n, rng.choice(organisers)])
    assert sum(n for y, c in plan.items() if y >= YEAR - 2 for n in c) == 612
    return sorted(sessions)


def main() -> None:
    rng = random.Random(SEED)
    orgs = build_orgs(rng)
    check_targets(orgs)
    write_ledger(HERE / f"organizations_{YEAR}.csv", orgs)
    write_ledger(HERE / f"organizations_{YEAR - 1}.csv", previous_year(orgs, rng))
    write_xlsx(HERE / f"organizations_{YEAR}.xlsx", orgs)
    with (HERE / "trainings.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["培训日期", "培训内容", "参训人次", "主办单位"])
        writer.writerows(trainings(rng))
    print(f"wrote {len(orgs)} organisations for {YEAR} to {HERE}")


if __name__ == "__main__":
    main()
