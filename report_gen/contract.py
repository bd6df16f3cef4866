"""The input data contract (docs/data-contract.md) as data: columns, headers, types, spellings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ENTERPRISE = "非公企业"
SOCIAL_ORG = "社会组织"
NOT_FORMED = "未组建"


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required``: ``"always"``, ``"no"``, ``"enterprise"`` (required for rows of
    category 非公企业) or ``"formed"`` (required unless the form is 未组建).
    ``choices`` maps every accepted spelling to its canonical value (enums).
    """

    name: str
    headers: tuple[str, ...]
    kind: str  # text | int | bool | date | enum
    required: str = "always"
    choices: dict[str, str] = field(default_factory=dict)
    expected: str = ""


@dataclass(frozen=True)
class TableContract:
    name: str
    label: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


DISTRICT_HEADERS = ("所属区县", "区县", "所属区（县）", "区县名称")


def _enum(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for canonical, aliases in mapping.items():
        choices[canonical] = canonical
        for alias in aliases:
            choices[alias] = canonical
    return choices


ORGANIZATIONS = TableContract(
    name="organizations",
    label="两新组织台账",
    columns=(
        Column("org_id", ("组织编号", "统一社会信用代码"), "text"),
        Column("name", ("组织名称", "单位名称"), "text"),
        Column(
            "category",
            ("组织类别", "类别"),
            "enum",
            choices=_enum(
                {
                    ENTERPRISE: ("非公有制企业", "非公有制经济组织", "企业"),
                    SOCIAL_ORG: ("新社会组织", "社会团体", "民办非企业单位", "社会服务机构", "基金会"),
                }
            ),
            expected="非公企业或社会组织",
        ),
        Column("street", ("所属街道", "街道", "街道（乡镇）"), "text"),
        Column("industry", ("所属行业", "行业"), "text", required="no"),
        Column("employees", ("从业人员数", "职工人数", "从业人员"), "int"),
        Column("above_scale", ("是否规模以上", "规模以上"), "bool", required="enterprise"),
        Column("party_members", ("党员数", "党员人数"), "int"),
        Column("mobile_members", ("流动党员数",), "int", required="no"),
        Column(
            "party_org_form",
            ("党组织组建方式", "组建方式"),
            "enum",
            choices=_enum(
                {
                    "单独组建": ("单独建",),
                    "联合组建": ("联合建",),
                    "挂靠组建": ("挂靠建",),
                    NOT_FORMED: ("未建", "无"),
                }
            ),
            expected="单独组建、联合组建、挂靠组建或未组建",
        ),
        Column("party_org_name", ("所属党组织", "党组织名称"), "text", required="formed"),
        Column(
            "party_org_type",
            ("党组织类型",),
            "enum",
            required="no",
            choices=_enum({"党委": (), "党总支": (), "党支部": ()}),
            expected="党委、党总支或党支部",
        ),
        Column("party_org_founded", ("党组织成立时间", "成立时间"), "date", required="no"),
        Column("instructor_assigned", ("是否派驻党建工作指导员", "党建指导员"), "bool", required="no"),
        Column("liaison_leader", ("联系领导", "联系点领导"), "text", required="no"),
        # A city's ledger names each organisation's district; `report-gen batch --split-by district`
        # builds one report per value. A ledger without the column is one district.
        Column("district", DISTRICT_HEADERS, "text", required="no"),
    ),
)

TRAININGS = TableContract(
    name="trainings",
    label="培训记录",
    columns=(
        Column("date", ("培训日期", "日期"), "date"),
        Column("topic", ("培训内容", "主题"), "text", required="no"),
        Column("participants", ("参训人次", "人次"), "int"),
        Column("organiser", ("主办单位", "组织单位"), "text", required="no"),
        Column("district", DISTRICT_HEADERS, "text", required="no"),
    ),
)

CONTRACTS = {
    "organizations": ORGANIZATIONS,
    "organizations_previous": ORGANIZATIONS,
    "trainings": TRAININGS,
}

TRUE_WORDS = ("是", "有", "y", "yes", "true", "1", "√", "✓", "✔")
FALSE_WORDS = ("否", "无", "n", "no", "false", "0", "×", "✗", "x", "")

_SPACE = re.compile(r"[\s\u3000]+")
_UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[)）]$")


_SUBTOTAL_PREFIX = re.compile(r"^其中[:：]?")


def normalise_header(text: object) -> str:
    """Header text as compared: no spaces of any width, no leading ``*`` required marks, no
    ``其中：`` (statistical tables head a sub-column 其中：流动党员数)."""
    return _SUBTOTAL_PREFIX.sub("", _SPACE.sub("", str(text)).lstrip("*＊"))


def header_index(contract: TableContract, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every accepted header (normalised) → canonical name: canonical names, contract headers, config extras."""
    index: dict[str, str] = {}
    for col in contract.columns:
        index[col.name.lower()] = col.name
        for header in col.headers:
            index[normalise_header(header)] = col.name
    for header, canonical in (extra or {}).items():
        index[normalise_header(header)] = canonical
    return index


def match_header(text: object, index: dict[str, str]) -> str | None:
    """Canonical name for a header cell, also when it carries a unit like ``从业人员数（人）``."""
    key = normalise_header(text)
    if not key:
        return None
    found = index.get(key) or index.get(key.lower())
    if found:
        return found
    stripped = _UNIT_SUFFIX.sub("", key)
    return index.get(stripped) if stripped != key else None
