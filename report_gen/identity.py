"""Whose report and which year: found wherever a config or ledger names them, and checked.

A config is reused: next year with ``--set report.year=2026``, for another district
with ``--set report.district=白沙区``, or copied and edited. Title, authority and
signature follow ``report.district`` and ``report.year`` through ``{district}`` and
``{year}`` (the base config derives them), but text written for one district or
year can survive into another's report. These checks stop such a build, listing
every key that still names the old district or year:

- the district and year the config files themselves state, when ``--set`` changed them;
- district names in a literal authority line (中共青溪区委组织部) or title;
- the district and year in a ledger's title row (青溪区……台账（2025年）), which must
  also agree with the report (last year's ledger with last year);
- years after the report year written into narrative;
- hand-entered figures of another year (``manual_figures.KEY.year``) unless they carry over.

Names of streets, towns and party organisations in narrative that the ledger does
not contain are warnings (a typo, or another district's text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .config import Config
from .errors import ConfigError, Problem
from .figures import FigureSet
from .ledgers import Ledgers

_AUTHORITY = re.compile(r"中共(\S{1,10}?[区县市旗])委")
_TITLE = re.compile(r"关于(\S{1,10}?[区县市旗])")
_LEDGER_DISTRICT = re.compile(r"([\u4e00-\u9fff]{1,8}?[区县旗])")
# Words in a title row around the district's name that are not part of it, and dates that are
# not the ledger's year (填报日期：2026年1月8日).
_TITLE_NOISE = re.compile(r"中共|关于|填报|\d{4}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?|\d{4}-\d{1,2}-\d{1,2}")
_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20|21)\d\d)\s*(?:[-—–至到]\s*((?:19|20|21)\d\d))?\s*年度?")
_ORG_DISTRICT = re.compile(r"^([\u4e00-\u9fff]{2,3}[区县旗])")
_NOT_DISTRICT = (
    "社区",
    "园区",
    "城区",
    "辖区",
    "小区",
    "景区",
    "片区",
    "全区",
    "各区",
    "本区",
    "该区",
    "市区",
    "郊区",
)
_YEAR = re.compile(r"(?<!\d)((?:19|20|21)\d\d)年")
_DIGIT_YEAR = re.compile(r"(?<!\d)((?:19|20|21)\d\d)(?!\d)")
_PLAN = re.compile("力争|争取|计划|目标|预计|规划|展望|下一步|到$")
# A street or town named in prose: two characters and 街道 or 镇, standing at the start of a clause
# or after a preposition (在望江街道), so that 纳入街道 or 各街道 are not taken for names.
_STREET = re.compile(
    r"(?:^|(?<=[^\u4e00-\u9fff])|(?<=[在由对和与及经把将向从为是、]))([\u4e00-\u9fff]{2})(街道|镇)"
)
_NOT_STREET_PREFIX = set("各全个该本每所辖属城乡村")
_PARTY_ORG = re.compile(r"([\u4e00-\u9fff]{2,16}?)(联合党总支|党总支|联合党支部|党支部|综合党委)")

# Words before a party organisation's name that are not part of it (按行业类别组建联合党支部).
_ORG_LEAD = re.compile(
    "组建|建立|成立|设立|依托|通过|推动|指导|推行|按照|按|由|在|的|和|与|及|、|类别|行业|单独|联合建|挂靠"
)
# A district or county named in prose (白沙区, 云山县), standing at a boundary or after a preposition.
_DISTRICT_IN_TEXT = re.compile(
    r"(?:^|(?<=[^\u4e00-\u9fff])|(?<=[在由对和与及经把将向从为是、]))([\u4e00-\u9fff]{2}[区县])(?![\u4e00-\u9fff]?[委])"
)

# Config keys whose text a district writes for itself, and so may name it.
_TEXT_SECTIONS = ("narrative", "manual_figures", "problems", "recommendations")


def _texts(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def _config_texts(config: Config) -> list[tuple[str, str]]:
    rep = config.raw.get("report") or {}
    texts = [
        (f"report.{k}", str(rep[k])) for k in ("title", "authority", "scope", "requested_by") if rep.get(k)
    ]
    texts.append(("report.output_name", config.report.output_name))
    for section in _TEXT_SECTIONS:
        texts.extend(_texts(config.raw.get(section) or {}, section))
    return texts


def _is_district(name: str) -> bool:
    return len(name) >= 2 and not name.endswith(_NOT_DISTRICT)


def ledger_identity(title: str) -> tuple[str | None, int | None]:
    """The district and year a ledger's title row names (either may be absent). A span of years
    (2024-2025年度) gives its last; a full date (填报日期：2026年1月8日) is not the ledger's year."""
    clean = _TITLE_NOISE.sub(" ", title)
    years = [int(m.group(2) or m.group(1)) for m in _TITLE_YEAR.finditer(clean)]
    years += [int(y) for y in _DIGIT_YEAR.findall(clean)]  # 台账2024: a bare year, after any 2024年
    district_text = _TITLE_YEAR.sub(" ", clean)
    district = next(
        (m.group(1) for m in _LEDGER_DISTRICT.finditer(district_text) if _is_district(m.group(1))), None
    )
    if district and "市" in district[:-1]:  # 江城市青溪区: the city is not the district
        district = district.rsplit("市", 1)[1] or None
    return district, (years[0] if years else None)


def ledger_district(frame: Any) -> tuple[str | None, int]:
    """The district most organisation names in a ledger begin with (青溪区民政局…), and how many."""
    counts: dict[str, int] = {}
    for column in ("name", "party_org_name"):
        if column not in frame:
            continue
        found = frame[column].astype("string").str.extract(_ORG_DISTRICT.pattern, expand=False).dropna()
        for name, count in found.value_counts().items():
            if _is_district(str(name)):
                counts[str(name)] = max(counts.get(str(name), 0), int(count))
    if not counts:
        return None, 0
    name = max(counts, key=lambda k: counts[k])
    return name, counts[name]


def _old_districts(config: Config, ledgers: Ledgers) -> dict[str, str]:
    """Districts other than this report's that the inputs name, each with where it was seen."""
    current = config.report.district
    old: dict[str, str] = {}
    origin = config.origin
    if origin.district and origin.district != current:
        old[origin.district] = "配置文件中的 report.district"
    rep = config.raw.get("report") or {}
    for key, pattern in (("authority", _AUTHORITY), ("title", _TITLE)):
        match = pattern.search(str(rep.get(key) or ""))
        if match and match.group(1) != current and _is_district(match.group(1)):
            old.setdefault(match.group(1), f"report.{key}")
    return old


def check_ledger_titles(config: Config, ledgers: Ledgers) -> list[Problem]:
    """A ledger whose title row names another district, or a year other than the one it is for."""
    problems = []
    main = config.main_ledger
    expected_year = {main: config.report.year}
    previous = config.previous_ledger(main)
    if previous is not None:
        expected_year[previous] = config.report.year - 1
    for name, table in ledgers.tables.items():
        if not table.title or name not in expected_year:
            continue
        district, year = ledger_identity(table.title)
        if district and district != config.report.district and not config.report.district.endswith(district):
            problems.append(
                Problem(
                    f"台账标题“{table.title}”写的是{district}，而报告是{config.report.district}的"
                    "（请核对所用台账，或 report.district）",
                    file=table.file_label,
                    key="report.district",
                )
            )
        if year and year != expected_year[name]:
            which = "本年" if name == main else "上年"
            problems.append(
                Problem(
                    f"台账标题“{table.title}”写的是{year}年，而{which}台账应为{expected_year[name]}年"
                    f"（报告年度 report.year={config.report.year}；请核对所用台账或报告年度）",
                    file=table.file_label,
                    key=f"data.{name}",
                )
            )
    return problems


def check_ledger_names(config: Config, ledgers: Ledgers) -> list[Problem]:
    """An organisations ledger whose names mostly carry another district's name (青溪区民政局……)
    while the report is for this one: another district's ledger under this district's name."""
    main = config.main_ledger
    table = ledgers.tables.get(main)
    if table is None or table.frame.empty:
        return []
    other, named = ledger_district(table.frame)
    current = config.report.district
    if other is None or other == current or current.endswith(other) or named < max(3, len(table.frame) // 10):
        return []
    return [
        Problem(
            f"报告是{current}的，但台账中有{named}个组织或党组织的名称以“{other}”开头，"
            f"像是{other}的台账（请核对 data.{main} 或 report.district）",
            file=table.file_label,
            key=f"data.{main}",
        )
    ]


def check_reuse(config: Config, ledgers: Ledgers) -> list[Problem]:
    """Keys that still name another district or year, and narrative naming years to come."""
    problems = []
    texts = _config_texts(config)
    for old, seen in _old_districts(config, ledgers).items():
        keys = [key for key, text in texts if old in text]
        if keys:
            problems.append(
                Problem(
                    f"报告是{config.report.district}的，但这些配置项仍写着{old}（见{seen}）："
                    f"{'、'.join(keys)}；请改写，或用 {{district}} 代替区名",
                    key=keys[0],
                )
            )
    origin = config.origin
    year = config.report.year
    if origin.year and origin.year != year:
        carried = {
            f"manual_figures.{k}"
            for k, v in (config.raw.get("manual_figures") or {}).items()
            if v.get("carry_over")
        }
        keys = [
            key
            for key, text in texts
            if not any(key.startswith(c + ".") for c in carried)
            and (
                origin.year in {int(y) for y in _YEAR.findall(text)}
                or (key == "report.output_name" and str(origin.year) in _DIGIT_YEAR.findall(text))
            )
        ]
        if keys:
            problems.append(
                Problem(
                    f"报告年度是{year}年，但这些配置项仍写着{origin.year}年（配置文件中的 report.year）："
                    f"{'、'.join(keys)}；请改写，或用 {{year}} / {{{{ report.year }}}} 代替年份",
                    key=keys[0],
                )
            )
    if (
        origin.district
        and origin.district != config.report.district
        and origin.output_name
        and "{district}" not in origin.output_name
        and "output_name" not in origin.overridden
    ):
        problems.append(
            Problem(
                f"输出文件名“{config.report.output_name}”是为{origin.district}写的；"
                f"生成{config.report.district}的报告时请同时设置 report.output_name（或在其中使用 {{district}}）",
                key="report.output_name",
            )
        )
    for key, text in texts:
        if not key.startswith("narrative"):
            continue
        later = sorted(
            {
                int(m.group(1))
                for m in _YEAR.finditer(text)
                if int(m.group(1)) > year and not _PLAN.search(_clause_before(text, m.start()))
            }
        )
        if later:
            problems.append(
                Problem(
                    f"写到了报告年度{year}年之后的年份：{'、'.join(f'{y}年' for y in later)}"
                    "（若是计划，请写明“力争”“计划”等；若是笔误或沿用旧文，请改写）",
                    key=key,
                )
            )
    return problems


def _clause_before(text: str, at: int) -> str:
    start = max((m.end() for m in re.finditer("[，。；！？]", text[:at])), default=0)
    return text[start:at]


def check_manual_figures(config: Config, figures: FigureSet, stated: Mapping[str, Any]) -> list[Problem]:
    """Hand-entered figures the report states (in ``stated``) must be this district's, and describe
    the report year or say they carry over."""
    problems = []
    origin = config.origin.district
    for fig in figures:
        if not fig.manual or fig.id not in stated:
            continue
        if origin and origin != config.report.district:
            problems.append(
                Problem(
                    f"人工录入的“{fig.label}”（{fig.text}）是配置文件为{origin}录入的，"
                    f"不能写进{config.report.district}的报告；请为本区录入，或删去引用它的叙述",
                    key=f"manual_figures.{fig.id}",
                )
            )
            continue
        year = fig.source.get("year")
        if year != config.report.year and not fig.source.get("carry_over"):
            problems.append(
                Problem(
                    f"人工录入的“{fig.label}”（{fig.text}）是{year}年的数据，不能作为{config.report.year}年的情况陈述；"
                    f"请更新 value 和 year，或写明 carry_over（沿用的理由）",
                    key=f"manual_figures.{fig.id}",
                )
            )
    return problems


def narrative_names(config: Config, ledgers: Ledgers) -> list[Problem]:
    """Streets, towns and party organisations named in narrative that the ledger does not contain."""
    table = ledgers.tables.get(config.main_ledger)
    if table is None:
        return []
    frame = table.frame
    streets = {str(s) for s in frame["street"].dropna().unique()} if "street" in frame else set()
    orgs = {str(s) for s in frame["party_org_name"].dropna().unique()} if "party_org_name" in frame else set()
    known = " ".join(sorted(streets | orgs))
    warnings = []
    for key, text in _texts(config.raw.get("narrative") or {}, "narrative"):
        unknown: list[str] = []
        for match in _STREET.finditer(text):
            prefix, kind = match.group(1), match.group(2)
            name = prefix + kind
            if set(prefix) & _NOT_STREET_PREFIX or name in known or name in unknown:
                continue
            unknown.append(name)
        for match in _PARTY_ORG.finditer(text):
            name = _ORG_LEAD.split(match.group(0))[-1]
            if len(name) - len(match.group(2)) < 3 or name in known or name in unknown:
                continue  # 组建联合党支部: a kind of organisation, not one organisation's name
            unknown.append(name)
        for match in _DISTRICT_IN_TEXT.finditer(text):
            name = match.group(1)
            if _is_district(name) and name != config.report.district and name not in unknown:
                unknown.append(name)
        if unknown:
            warnings.append(
                Problem(
                    f"叙述中提到的{'、'.join(unknown)}不在本年台账中，也不是本报告的区县（是否笔误，或沿用了其他地区的文字？）",
                    key=key,
                    severity="warning",
                )
            )
    return warnings


def check_identity(config: Config, ledgers: Ledgers) -> list[Problem]:
    """Raise :class:`ConfigError` for every key naming another district or year; return warnings."""
    errors = [
        *check_ledger_titles(config, ledgers),
        *check_ledger_names(config, ledgers),
        *check_reuse(config, ledgers),
    ]
    if errors:
        raise ConfigError(errors)
    return [*previous_ledger_dates(config, ledgers), *narrative_names(config, ledgers)]


def previous_ledger_dates(config: Config, ledgers: Ledgers) -> list[Problem]:
    """A warning for last year's ledger holding dates of the report year or later (党组织成立时间
    2025-11-25 in the ledger given as 2024's): the two ledgers may have been swapped, and every
    change from last year would then be stated the wrong way round."""
    warnings = []
    year = config.report.year
    for name, contract in config.ledgers.items():
        table = ledgers.tables.get(name)
        if contract.previous_of is None or table is None:
            continue
        for column in (c for c in contract.columns if c.kind == "date"):
            if column.name not in table.frame.columns:
                continue
            values = table.frame[column.name].dropna()
            late = values[values.dt.year >= year]
            if late.empty:
                continue
            header = table.headers.get(column.name, column.label)
            warnings.append(
                Problem(
                    f"上年台账中有{len(late)}行的“{header}”在{year}年或以后（最晚为"
                    f"{late.max():%Y-%m-%d}，第{int(late.idxmax())}行），不像是{year - 1}年的台账："
                    f"请核对是否把本年和上年的台账放反了（data.{name} 和 data.{contract.previous_of}）",
                    file=table.file_label,
                    column=header,
                    severity="warning",
                )
            )
    return warnings
