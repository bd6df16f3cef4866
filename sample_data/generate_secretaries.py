"""Generate the sample ledger of village and community party secretaries of the fictional 青溪区
(deterministic; run from anywhere).

    python sample_data/generate_secretaries.py

Writes secretaries_2025.csv: one row per 村（社区）党组织书记, under a title row, as a district's
organisation department keeps it for the survey 村（社区）党组织书记队伍建设情况调研. The streets are
those of the organisations ledger; 石桥镇 has villages, the 街道 have communities and a few villages.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEAR = 2025
SEED = 20251128

# street → (villages, communities)
STREETS = {
    "清河街道": (0, 9),
    "望江街道": (0, 10),
    "东湖街道": (2, 8),
    "南苑街道": (1, 9),
    "西关街道": (0, 10),
    "北塘街道": (3, 7),
    "桂香街道": (4, 6),
    "柳岸街道": (5, 5),
    "枫林街道": (6, 4),
    "石桥镇": (16, 2),
}
# Streets where fewer secretaries also chair the village or residents' committee (一肩挑).
SLOW_ONE_SHOULDER = {"枫林街道": 0.55, "石桥镇": 0.62}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN_MALE = [
    "建国",
    "志强",
    "国庆",
    "伟",
    "军",
    "海涛",
    "永红",
    "明",
    "立新",
    "德华",
    "宏伟",
    "俊杰",
    "晓东",
    "文斌",
    "建华",
    "勇",
    "振华",
    "国平",
]
GIVEN_FEMALE = ["秀英", "丽", "桂兰", "慧", "晓燕", "红梅", "静", "玉兰", "海燕", "丹", "雪梅", "春花"]
VILLAGE_NAMES = "杨柳 桃源 柿子 杏花 麻石 樟树 桐木 茶岭 稻香 青山 石门 白沙 新塘 龙泉 金竹 长岭 双溪 梅林 荷塘 枫桥 上湾 下湾 黄泥 松林 竹园 河口 凤凰 东庄 西庄 南岗 北岗 清水 花园 高桥 田心 大坪 小坪".split()
COMMUNITY_NAMES = "阳光 幸福 和平 锦绣 春晖 滨江 翠苑 明珠 新华 文化 长安 康乐 丽景 金桂 书香 安居 紫荆 丰泽 清风 朝阳 桂园 望湖 海棠 光华 建设 东风 民主 团结 红星 晨曦 兴业 绿洲 欣园 华庭 怡景 嘉禾 泰和 宁安 瑞丰 美林 云锦 荣华 盛世 天祥 福星 友谊 前进 胜利 永安 富民 惠民 利民 乐民 善居 悦庭 碧水 青松 秀湖 雅苑 润园 和睦 长青 杏林 荷香 兰亭 竹韵 梅园 菊苑 松涛 柏林 银河 星光".split()

EDUCATION = [
    ("研究生", 0.03),
    ("大学本科", 0.27),
    ("大学专科", 0.33),
    ("高中及中专", 0.30),
    ("初中及以下", 0.07),
]
EDUCATION_SPELLINGS = {"研究生": ["研究生", "硕士研究生"], "大学本科": ["大学本科", "本科"], "大学专科": ["大学专科", "大专"],
                       "高中及中专": ["高中", "中专", "高中及中专"], "初中及以下": ["初中", "初中及以下"]}  # fmt: skip


def _choose(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    pick, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if pick < total:
            return value
    return weighted[-1][0]


def rows() -> list[list[str]]:
    rng = random.Random(SEED)
    villages, communities = iter(VILLAGE_NAMES), iter(COMMUNITY_NAMES)
    out = []
    for street, (n_villages, n_communities) in STREETS.items():
        for kind, count in (("村", n_villages), ("社区", n_communities)):
            for _ in range(count):
                place = (next(villages) + "村") if kind == "村" else (next(communities) + "社区")
                female = rng.random() < (0.12 if kind == "村" else 0.30)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
                # Villages' secretaries are older; a few young ones came in the 2021 election.
                age = int(rng.gauss(54 if kind == "村" else 47, 7))
                age = max(29, min(62, age))
                birth = dt.date(YEAR - age, rng.randint(1, 12), 1)
                education = _choose(rng, EDUCATION if kind == "社区" else EDUCATION[1:])
                if kind == "村" and education == "大学本科" and rng.random() < 0.5:
                    education = "高中及中专"
                spelling = rng.choice(EDUCATION_SPELLINGS[education])
                joined = dt.date(birth.year + rng.randint(20, min(age, 28)), rng.randint(1, 12), 1)
                earliest = max(joined.year + 1, birth.year + 25, 2003)
                start = rng.choice([2021, 2021, 2021, 2018, 2016, 2013, 2024, rng.randint(earliest, YEAR)])
                start = max(start, earliest)
                took_office = dt.date(start, rng.choice([1, 3, 11, 12]), 1)
                one_shoulder = rng.random() < SLOW_ONE_SHOULDER.get(street, 0.93)
                leadership = kind == "村" and age >= 45 and rng.random() < 0.15
                out.append(
                    [
                        place,
                        kind,
                        street,
                        name,
                        "女" if female else "男",
                        f"{birth.year}年{birth.month}月",
                        spelling,
                        f"{joined.year}.{joined.month:02d}",
                        f"{took_office.year}-{took_office.month:02d}",
                        "是" if one_shoulder else "否",
                        "是" if leadership else "否",
                    ]
                )
    return out


HEADER = ["村（社区）", "村社区类型", "所属街道（乡镇）", "姓名", "性别", "出生年月", "学历", "入党时间", "任职时间",
          "是否“一肩挑”", "是否进入街道（乡镇）领导班子"]  # fmt: skip


def main() -> None:
    path = HERE / f"secretaries_{YEAR}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"青溪区村（社区）党组织书记基本情况台账（{YEAR}年）"])
        writer.writerow(HEADER)
        writer.writerows(rows())
    print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
