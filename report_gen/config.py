"""Load, merge, override and check a report config; hand later stages typed values.

A district config is a small file that ``extends:`` a base (relative path, or
a built-in config of that name) and is deep-merged over it: mappings merge
key by key, lists and scalars replace, and ``null`` removes an inherited key.
``--set KEY=VALUE`` overrides apply after merging. The merged config is
checked against :data:`CONFIG_SCHEMA` before any data is read.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import resources
from .aggregations import AGGREGATIONS, NUMBER_FORMATS
from .chart_kinds import CHART_KINDS
from .contract import COLUMN_TYPES, SEVERITIES
from .errors import ConfigError, OptionError, Problem, shown
from .input_files import CONFIG_BYTES, DOCX_BYTES, check_regular, display_name, os_reason, read_limited
from .schema import Any_, Bool, Date, Either, Int, List, Map, MapOf, Num, OneOrMany, Str
from .user_paths import ForeignPathError, foreign_path_message, native

# libyaml's parser when installed (several times faster), with PyYAML's safe constructor either way.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Bounds on what a config may make the loader build. Anchors and aliases let a 500-byte file
# stand for a tree of billions of nodes ("billion laughs"); every stage after loading walks the
# tree as if it were expanded, so the expanded size is what is bounded. libyaml crashes on flow
# collections nested some ten thousand deep, so nesting is bounded before it parses.
MAX_NODES = 100_000
MAX_TEXT = 8_000_000
MAX_FLOW_DEPTH = 100
MAX_DEPTH = 40
MAX_INT_DIGITS = 30
_INT_TAG = "tag:yaml.org,2002:int"
# Config files already parsed in this process, by content: a batch loads the same base and city
# config once per district, and parsing YAML is the larger part of loading a config.
_PARSED: dict[tuple[str, str], Any] = {}
_PARSED_ENTRIES = 32
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """``safe_load`` without implicit timestamps (dates stay text so we can say which is not
    real), refusing duplicate keys and documents whose aliases expand beyond the bounds."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_tree(node)
        return self.construct_document(node)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refuse(problem: str, node: yaml.Node) -> yaml.YAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _check_tree(root: yaml.Node) -> None:
    """Refuse duplicate keys, aliases that refer to themselves, and trees whose expanded size
    (every alias counted as a copy) passes :data:`MAX_NODES` nodes, :data:`MAX_TEXT` characters
    or :data:`MAX_DEPTH` levels (every later stage walks the tree recursively).

    Sizes are memoised per node, so the walk is linear in the file, not in the expansion.
    """
    sizes: dict[int, tuple[int, int, int]] = {}  # nodes, characters, levels
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            children = [sizes[id(c)] for c in _children(node)]
            nodes = 1 + sum(c[0] for c in children)
            text = (len(node.value) if isinstance(node, yaml.ScalarNode) else 0) + sum(c[1] for c in children)
            levels = 1 + max((c[2] for c in children), default=0)
            if nodes > MAX_NODES or text > MAX_TEXT:
                raise _refuse(
                    f"展开锚点（&）和引用（*）后内容过多（超过{MAX_NODES}项或{MAX_TEXT}字），"
                    "请不要用引用层层复制内容",
                    node,
                )
            if levels > MAX_DEPTH:
                raise _refuse(f"嵌套超过{MAX_DEPTH}层", node)
            sizes[ident] = (nodes, text, levels)
            open_nodes.discard(ident)
            continue
        if ident in sizes:
            continue
        if ident in open_nodes:
            raise _refuse("引用（*）指向了包含它自身的内容", node)
        open_nodes.add(ident)
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node)
        elif node.tag == _INT_TAG and len(node.value) > MAX_INT_DIGITS:
            raise _refuse(f"整数位数过多（超过{MAX_INT_DIGITS}位）", node)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        if key.value in seen:
            raise _refuse(
                f"键“{key.value}”重复出现（第一次在第{seen[key.value]}行），后一个会悄悄覆盖前一个，请只保留一个",
                key,
            )
        seen[key.value] = key.start_mark.line + 1


def _flow_depth(text: str) -> int:
    """How deep ``[``/``{`` nest, counting brackets inside quotes too (an over-estimate is safe)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}" and depth:
            depth -= 1
    return deepest


def _parsed_config(text: str, origin: str) -> Any:
    """:func:`load_yaml_text`, remembered by content (a copy is returned: callers change it)."""
    key = (text, origin)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_ENTRIES:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = load_yaml_text(text, origin)
    return copy.deepcopy(_PARSED[key])


def load_yaml_text(text: str, origin: str) -> Any:
    """The YAML document in ``text``, safely constructed; raises :class:`ConfigError` naming ``origin``."""
    if ("[" in text or "{" in text) and _flow_depth(text) > MAX_FLOW_DEPTH:
        raise ConfigError(Problem(f"YAML 的 [ ] 或 {{ }} 嵌套超过{MAX_FLOW_DEPTH}层", file=origin))
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"，第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(Problem(f"YAML 格式有误{where}：{problem}", file=origin)) from None
    except ValueError as exc:  # a value the safe constructor cannot build
        raise ConfigError(Problem(f"YAML 中有无法读取的值：{exc}", file=origin)) from None
    except RecursionError:
        raise ConfigError(Problem("YAML 嵌套层次过深", file=origin)) from None


_SOURCE = Map(
    fields={
        "path": Str(doc="file path, relative to the config file", required=True),
        "label": Str(
            doc="the ledger's name as readers know it, for the appendix's sources when the file has no title row",
            max_length=200,
        ),
        "sheet": Str(doc="sheet name (xlsx); default: the first sheet whose header matches"),
        "header_row": Int(doc="header row as Excel numbers it; default: found automatically", minimum=1),
        "headers": MapOf(value=Str(), doc="extra header → canonical column name mappings"),
        "values": MapOf(
            value=MapOf(value=Str()),
            doc="extra spellings of enum values per column, e.g. {category: {民非: 社会组织}}",
        ),
        "constants": MapOf(
            value=Str(),
            doc="columns the file lacks, the same for every row, e.g. {组织类别: 社会组织}",
        ),
    }
)
_ONE_SOURCE = Either(full=_SOURCE)
_SOURCES = OneOrMany(item=_ONE_SOURCE, doc="a file, or a list of files read as one table")

_COLUMN = Map(
    fields={
        "headers": List(
            item=Str(), required=True, doc="headers ledgers give the column, the usual one first"
        ),
        "type": Str(choices=COLUMN_TYPES, required=True),
        "required": Any_(doc="true (default): every row has a value; header: the file has the column; false"),
        "values": MapOf(value=List(item=Str()), doc="enum: each canonical value with its other spellings"),
        "unique": Bool(doc="no two rows share a value"),
        "meaning": Str(doc="what the column holds, for docs/data-contract.md"),
    }
)
_LEDGER = Map(
    fields={
        "label": Str(doc="the ledger's name in Chinese, e.g. 两新组织台账"),
        "required": Bool(doc="a build needs this ledger, with at least one row"),
        "row_noun": Str(doc="what one row is, e.g. 组织"),
        "previous_of": Str(doc="this is last year's ledger of the named one (same columns)"),
        "district_column": Str(doc="the column naming each row's district"),
        "columns": MapOf(value=_COLUMN, doc="canonical column name → how the column is read"),
        "rules": List(
            item=Map(
                fields={
                    "when": Any_(required=True, doc="an expression over the row's columns: true = a problem"),
                    "column": Str(required=True, doc="the column the problem is reported at"),
                    "message": Str(required=True),
                    "severity": Str(choices=SEVERITIES, doc="error (default) stops the build; warning"),
                }
            ),
            doc="checks every row must pass",
        ),
    }
)

CLAIMS = ("up", "down", "flat", "full", "positive")
_CLAIMS = MapOf(
    value=Str(choices=CLAIMS),
    doc="what the passage asserts of each figure: up, down, flat (since last year), full (100%), positive",
)
_CONDITION = Any_(doc="a condition over figures (as problem rules); false → the else text, or nothing")

# A narrative paragraph: plain text, or text stated only when a condition holds, with an alternative.
_PASSAGE_FULL = Map(fields={"text": Str(required=True), "when": _CONDITION, "claims": _CLAIMS})
_PASSAGE = Either(short=Str(), full=_PASSAGE_FULL, expand=lambda v: {"text": v})
_PASSAGE_FULL.fields["else"] = _PASSAGE

# A narrative item (a numbered heading and its text), stated when its condition holds; ``else`` is
# another item (a chain of conditions) or just another text under the same heading.
_ITEM = Map(
    fields={
        "title": Str(required=True),
        "text": Str(required=True),
        "when": _CONDITION,
        "claims": _CLAIMS,
    }
)
_ITEM_ELSE = Map(fields={"title": Str(), "text": Str(required=True), "when": _CONDITION, "claims": _CLAIMS})
_ITEM_ELSE.fields["else"] = Either(short=Str(), full=_ITEM_ELSE, expand=lambda v: {"text": v})
_ITEM.fields["else"] = _ITEM_ELSE.fields["else"]

CONFIG_SCHEMA = Map(
    fields={
        "extends": Str(doc="a config to inherit from: relative path, or a built-in config name"),
        "report": Map(
            required=True,
            fields={
                "authority": Str(
                    doc="issuing authority line, e.g. 中共××区委组织部", required=True, max_length=100
                ),
                "district": Str(doc="district name, e.g. ××区", required=True, max_length=100),
                "title": Str(doc="report title", required=True, max_length=200),
                "year": Int(doc="the report year", required=True, minimum=1949, maximum=2200),
                "survey_period": Map(
                    required=True,
                    doc="when the survey ran",
                    fields={"start": Date(required=True), "end": Date(required=True)},
                ),
                "date": Date(doc="成文日期; must be a real date", required=True),
                "output_name": Str(doc="file name stem of the outputs", max_length=120),
                "requested_by": Str(doc="who asked for the survey, e.g. 市委组织部"),
                "scope": Str(doc="what the survey covered, for the opening paragraph"),
                "appendix": Bool(doc="add the 数据附表 appendix"),
            },
        ),
        "ledgers": MapOf(value=_LEDGER, doc="the ledgers the survey reads; see docs/config.md"),
        "data": MapOf(required=True, value=_SOURCES, doc="ledger name → its file or files"),
        "template": Str(
            doc="built-in template set name, a district's template folder, or a Word template (.docx)"
        ),
        "reference_docx": Str(doc="a district .docx whose styles, page setup and footers the report uses"),
        "sections": List(item=Str(), doc="section templates in order"),
        "style": MapOf(value=Any_(), doc="layout settings; see docs/official-format.md"),
        "params": MapOf(
            value=Any_(), doc="named values for expressions and templates, e.g. small_org_employees: 50"
        ),
        "indicators": MapOf(
            value=Map(
                fields={
                    "label": Str(required=True, doc="name of the figure in Chinese"),
                    "short_label": Str(doc="shorter name for table headers and chart legends"),
                    "definition": Str(doc="plain-Chinese definition, listed in figures.json"),
                    "table": Str(doc="the ledger it counts (default: the first required ledger)"),
                    "agg": Str(required=True, choices=tuple(AGGREGATIONS)),
                    "column": Str(doc="column to sum, average or count distinct values of"),
                    "value": Any_(
                        doc="instead of a column: an expression over each row, e.g. report_year - year(party_org_founded)"
                    ),
                    "where": Any_(doc="row filter expression"),
                    "within": Any_(doc="denominator filter of a share"),
                    "expr": Str(doc="formula over other figures"),
                    "unit": Str(),
                    "format": Str(choices=tuple(NUMBER_FORMATS)),
                    "compare": Bool(doc="state the year-on-year change when a previous ledger is given"),
                    "keywords": List(
                        item=Str(),
                        doc="other words that name this figure in prose (e.g. 覆盖面), for the direction check",
                    ),
                }
            )
        ),
        "manual_figures": MapOf(
            value=Map(
                fields={
                    "label": Str(required=True),
                    "value": Num(required=True),
                    "unit": Str(),
                    "format": Str(choices=tuple(NUMBER_FORMATS)),
                    "source": Str(required=True, doc="where the figure comes from"),
                    "definition": Str(),
                    "year": Int(
                        required=True,
                        minimum=1949,
                        maximum=2200,
                        doc="the year the figure describes; a report of another year refuses to state it",
                    ),
                    "date": Date(doc="the day the figure was taken, when it matters"),
                    "carry_over": Str(
                        doc="why the figure still holds in a later year's report (a note; it is then stated)"
                    ),
                }
            )
        ),
        "tables": MapOf(
            value=Map(
                fields={
                    "caption": Str(required=True),
                    "by": Str(required=True, doc="column to group rows by"),
                    "by_label": Str(doc="header of the group column"),
                    "columns": List(item=Str(), required=True, doc="indicator ids"),
                    "total_row": Bool(),
                    "source": Str(
                        doc="资料来源 line under the table (without the words 资料来源)", max_length=300
                    ),
                    "note": Str(doc="注 line under the table (without the word 注)", max_length=500),
                }
            )
        ),
        "charts": MapOf(
            value=Map(
                fields={
                    "caption": Str(required=True),
                    "kind": Str(choices=tuple(CHART_KINDS), required=True, doc="a registered chart kind"),
                    "by": Str(required=True),
                    "series": List(item=Str(), required=True),
                    "stacked": Bool(doc="with kind bar: the same as kind stacked"),
                    "sort": Str(
                        choices=("desc", "asc", "none"),
                        doc="order of the groups by size (default desc; none keeps the ledger's order)",
                    ),
                    "average": Bool(doc="mark the district's own value of the first series as a line"),
                    "years": Bool(doc="last year and this year of the first series side by side"),
                    "alt": Str(doc="alternative text for the picture"),
                }
            )
        ),
        "comparisons": MapOf(
            doc="groups (streets, industries, categories) behind the district on a rate; each is a figure",
            value=Map(
                fields={
                    "figure": Str(required=True, doc="a rate indicator (printed in %)"),
                    "by": Str(required=True, doc="ledger column to group by: street, industry, category…"),
                    "group_label": Str(doc="what a group is called, e.g. 街道（乡镇）"),
                    "label": Str(doc="the figure's name (default: derived from the rate and threshold)"),
                    "points": Num(required=True, doc="named when more than this many 百分点 behind"),
                    "min_orgs": Int(minimum=1, doc="groups with fewer rows than this are not named"),
                    "limit": Int(minimum=1, doc="name at most this many, furthest behind first"),
                    "worse": Str(choices=("lower", "higher"), doc="which way is behind (default lower)"),
                }
            ),
        ),
        "findings": Map(
            doc="how the problems found are stated",
            fields={
                "max_problems": Int(minimum=1, doc="state at most this many problems, the most severe first"),
            },
        ),
        "problems": MapOf(
            value=Map(
                fields={
                    "title": Str(required=True),
                    "text": Str(required=True),
                    "when": Any_(doc="condition over figures; absent = always stated"),
                    "threshold": Num(),
                    "severity": Int(
                        minimum=1,
                        maximum=5,
                        doc="1 (minor) to 5 (most serious); problems are stated in this order",
                    ),
                    "unless": List(
                        item=Str(),
                        doc="problem ids that say this one already: when one of them is stated, this is not",
                    ),
                }
            )
        ),
        "recommendations": MapOf(
            value=Map(
                fields={
                    "title": Str(required=True),
                    "text": Str(required=True),
                    "for": List(item=Str(), doc="problem ids it answers; stated when one of them is"),
                    "general": Bool(doc="answers no particular problem and is always stated"),
                }
            )
        ),
        "year_on_year": Map(
            doc="which changes from last year the situation section states",
            fields={
                "figures": List(item=Str(), doc="headline figure ids, in the order stated"),
                "min_change_percent": Num(doc="a count or sum is notable when it changed by at least this %"),
                "min_change_points": Num(doc="a rate is notable when it moved by at least this many points"),
                "themes": List(
                    item=List(item=Str()),
                    doc="figure ids grouped by theme: stated together, themes separated by ；",
                ),
                "names": MapOf(value=Str(), doc="how the sentence names a figure (default its label)"),
            },
        ),
        "checks": List(item=Any_(), doc="expressions over figures that must hold, e.g. a + b == total"),
        "city_summary": Map(
            doc="the city summary of `report-gen batch --split-by district` (report.district is the city)",
            fields={
                "title": Str(doc="its title; {district} is the city"),
                "output_name": Str(doc="file name stem; {district} is the city", max_length=120),
                "figures": List(item=Str(), doc="headline figure ids, one table column each"),
                "rank_by": Str(doc="the rate (one of figures) the districts are ranked by"),
                "behind_points": Num(doc="a district this many 百分点 below the city's rate is named"),
            },
        ),
        "narrative": MapOf(
            value=Either(
                full=Map(
                    fields={
                        "title": Str(),
                        "text": _PASSAGE,
                        "intro": _PASSAGE,
                        "items": MapOf(value=_ITEM),
                        "outro": _PASSAGE,
                    }
                ),
                expand=lambda v: {"text": v},
            )
        ),
    }
)


@dataclass(frozen=True)
class DataSource:
    """One input table: the file and how to read it. ``sheet``/``header_row`` ``None`` = automatic."""

    table: str
    path: Path
    sheet: str | None = None
    header_row: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    """Header → value of columns the file lacks, the same for every row (组织类别: 社会组织)."""
    label: str | None = None
    """The ledger's name as readers know it (``data.X.label``), for the appendix's sources."""


@dataclass(frozen=True)
class ReportInfo:
    authority: str
    district: str
    title: str
    year: int
    survey_start: dt.date
    survey_end: dt.date
    date: dt.date
    output_name: str
    requested_by: str | None
    scope: str | None
    appendix: bool
    date_placeholder: str | None = None
    """In a draft, the 【待填写】 text standing for a date not yet chosen (printed instead of it)."""
    period_placeholder: str | None = None

    @property
    def kind(self) -> str:
        """区, 县, 市 or 旗: the last character of the district's name when it is one of these."""
        return self.district[-1] if self.district[-1:] in ("区", "县", "市", "旗") else "区"

    @property
    def whole(self) -> str:
        """How the report names the whole district: 全区, 全县, 全市 or 全旗."""
        return "全" + self.kind


@dataclass(frozen=True)
class Origin:
    """The report's identity as the config files wrote it, before ``--set``: a build for another
    district or year reuses a config, and whatever still names the old one must be found."""

    district: str | None
    year: int | None
    output_name: str | None
    overridden: frozenset[str]


@dataclass
class Config:
    """A merged, checked config. ``raw`` keeps the merged mapping for the stages that own a subtree."""

    path: Path
    report: ReportInfo
    sources: dict[str, list[DataSource]]
    """Ledger name → its files (one table may come from several)."""
    template: str
    sections: list[str]
    raw: dict[str, Any]
    reference_docx: Path | None = None
    origin: Origin = field(default_factory=lambda: Origin(None, None, None, frozenset()))
    draft: bool = False
    placeholders: list[str] = field(default_factory=list)
    """Config keys whose text is still a 【待填写】 placeholder (a draft states them highlighted)."""
    config_files: tuple[Path, ...] = ()
    ledgers: dict[str, Any] = field(default_factory=dict)
    """Ledger name → its :class:`~report_gen.contract.TableContract`, from ``ledgers:``."""
    layout: Any = None
    """The report's :class:`~report_gen.writers.layout.Layout`, from ``style:``."""
    expressions: dict[str, Any] = field(default_factory=dict)
    """Every expression of the config, compiled, by key path (``indicators.x.where``, ``checks[0]``)."""
    templates: Any = None
    """The compiled templates (:class:`~report_gen.compose.CompiledTemplates`)."""

    def __getstate__(self) -> dict[str, Any]:
        """Sent to a worker process without the compiled templates (Jinja environments do not
        pickle); the composer compiles them again where they are needed."""
        return {**self.__dict__, "templates": None}

    def scalars(self, year: int | None = None) -> dict[str, Any]:
        """The values every expression and template may read besides columns and figures: ``params``
        and ``report_year`` (``year`` for last year's ledger)."""
        return {**self.section("params"), "report_year": self.report.year if year is None else year}

    def table_columns(self, table: str) -> list[str]:
        """The canonical columns of one ledger (none for a ledger the config does not declare)."""
        contract = self.ledgers.get(table)
        return contract.column_names if contract is not None else []

    @property
    def main_ledger(self) -> str:
        """The ledger indicators count, tables and charts group, when they name none: the first
        the build requires."""
        return next((name for name, c in self.ledgers.items() if c.required), next(iter(self.ledgers), ""))

    def previous_ledger(self, table: str) -> str | None:
        """The ledger holding last year's rows of ``table``, if the config pairs one with it."""
        return next((name for name, c in self.ledgers.items() if c.previous_of == table), None)

    def expression(self, key: str) -> Any:
        """The compiled expression at ``key`` (a key path); compiled on first use for a config
        assembled in code rather than loaded."""
        found = self.expressions.get(key)
        if found is None:
            from .model import compile_expressions

            self.expressions, problems = compile_expressions(self)
            if problems:
                raise ConfigError(problems)
            found = self.expressions[key]
        return found

    def input_files(self) -> list[Path]:
        """Every file the build reads: configs of the extends chain, ledgers, Word files.
        No output may be written over one of them."""
        files = [*self.config_files, *(s.path for parts in self.sources.values() for s in parts)]
        return files + [p for p in (self.reference_docx, self.word_template) if p is not None]

    @property
    def word_template(self) -> Path | None:
        """The district's own Word template (``template: something.docx``), or ``None``."""
        return Path(self.template) if self.template.lower().endswith(".docx") else None

    def section(self, key: str) -> dict[str, Any]:
        return self.raw.get(key) or {}


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``override`` replaces; ``None`` removes the key."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_config_file(
    path: Path, chain: tuple[Path, ...] = (), read: list[Path] | None = None
) -> dict[str, Any]:
    if read is not None:
        read.append(path)
    if path in chain:
        cycle = " → ".join(p.name for p in (*chain, path))
        raise ConfigError(Problem(f"extends 形成循环：{cycle}", file=str(path), key="extends"))
    what = "被继承的配置" if chain else "配置文件"
    key = "extends" if chain else None
    raw = read_limited(path, what, ConfigError, CONFIG_BYTES, key)
    data = _parsed_config(_config_text(raw, path), display_name(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(Problem(f"{what}的顶层应是键值映射", file=str(path), key=key))
    # Paths in a file are relative to that file, so resolve them before merging.
    here = _PathsIn(path)
    for name in list(data.get("data") or {}):
        _map_paths(data["data"], name, lambda text, key: here.resolve(text, key))
    template = data.get("template")
    if isinstance(template, str) and (
        _looks_like_path(template) or template.lower().endswith(".docx") or _is_dir(path.parent / template)
    ):
        data["template"] = here.resolve(template, "template")
    if isinstance(data.get("reference_docx"), str):
        data["reference_docx"] = here.resolve(data["reference_docx"], "reference_docx")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(Problem("extends 应是配置文件路径", file=str(path), key="extends"))
    if not parent.lower().endswith((".yaml", ".yml")) and resources.builtin_config(parent) is None:
        # Any other file would be read as YAML and its lines shown back as unknown keys.
        raise ConfigError(
            Problem(
                "extends 应指向 .yaml 或 .yml 配置文件，或内置配置名（如 base）",
                file=str(path),
                key="extends",
            )
        )
    parent_path = Path(here.resolve(parent, "extends"))
    if not os.path.lexists(parent_path):  # a dangling or looping link is reported when read
        builtin = resources.builtin_config(parent)
        if builtin is None:
            raise ConfigError(
                Problem(
                    f"找不到被继承的配置 {shown(parent)}（既不在 {display_name(path.parent)}，也不是内置配置）",
                    file=str(path),
                    key="extends",
                )
            )
        parent_path = builtin
    parent_data = _read_config_file(resolved(parent_path, "extends"), (*chain, path), read)
    return switch_off_problems(deep_merge(parent_data, data), _nulled(data.get("problems")))


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def resolved(path: Path, key: str | None = None) -> Path:
    """``path`` made absolute with symlinks resolved; a symlink loop or an impossible name is a
    :class:`ConfigError` naming ``key``."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
        reason = os_reason(exc) if isinstance(exc, OSError) else "符号链接形成循环"
        raise ConfigError(Problem(f"无法使用此路径：{reason}", file=display_name(path), key=key)) from None


def _nulled(problems: Any) -> list[str]:
    return [k for k, v in problems.items() if v is None] if isinstance(problems, dict) else []


def switch_off_problems(raw: dict[str, Any], off: list[str]) -> dict[str, Any]:
    """Problems a config removes (``problems: {x: null}``) leave the recommendations' ``for`` lists;
    a recommendation that answered only removed problems is removed too."""
    for key in off:
        (raw.get("problems") or {}).pop(key, None)
    for rule in (raw.get("problems") or {}).values():
        if isinstance(rule, dict) and isinstance(rule.get("unless"), list):
            rule["unless"] = [ref for ref in rule["unless"] if ref not in off]
    recommendations = raw.get("recommendations")
    if not off or not isinstance(recommendations, dict):
        return raw
    for rec_id, rec in list(recommendations.items()):
        answers = rec.get("for") if isinstance(rec, dict) else None
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not set(answers) & set(off):
            continue
        kept = [a for a in answers if a not in off]
        if kept:
            rec["for"] = kept
        else:
            del recommendations[rec_id]
    return raw


def _config_text(content: bytes, path: Path) -> str:
    """A config file's text: UTF-8 (with or without BOM), or GBK as Notepad on Chinese Windows
    saves it (“ANSI”)."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(Problem("无法识别配置文件的编码（应为 UTF-8 或 GBK）", file=str(path)))


@dataclass(frozen=True)
class _PathsIn:
    """Resolves the paths one config file names, relative to that file's folder."""

    config: Path

    def resolve(self, text: str, key: str) -> str:
        try:
            return str(native(text, self.config.parent))
        except ForeignPathError:
            raise ConfigError(Problem(foreign_path_message(text), file=str(self.config), key=key)) from None


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or name.startswith(".")


def parse_assignment(text: str, option: str) -> tuple[str, str]:
    """``KEY=VALUE`` as the command line writes it (``--set``, ``--data``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise OptionError(Problem(f"{option} 需要 KEY=VALUE 的形式，收到“{text}”"))
    return key.strip(), value


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set each dotted key (``report.year``) to its value; ``None`` removes the key."""
    for key, value in overrides.items():
        parts = str(key).split(".")
        node = raw
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return raw


# Identity fields may be written once for every district and year: 关于{district}……, {year}.
_IDENTITY = re.compile(r"\{(district|year|year-1|year\+1)\}")
IDENTITY_KEYS = ("title", "authority", "output_name", "scope", "requested_by")
PLACEHOLDER = "【待填写"
PLACEHOLDER_TEXT = re.compile(f"({re.escape(PLACEHOLDER)}[^】]*】)")
"""One placeholder as ``report-gen init`` writes it: 【待填写：…】."""


def fill_identity(text: str, district: Any, year: Any) -> str:
    """``{district}``, ``{year}``, ``{year-1}`` and ``{year+1}`` replaced by the report's own."""
    if not isinstance(year, int) or isinstance(year, bool):
        return text
    values = {"district": str(district), "year": str(year), "year-1": str(year - 1), "year+1": str(year + 1)}
    return _IDENTITY.sub(lambda m: values[m.group(1)], text)


def _fill_identity(raw: dict[str, Any]) -> None:
    rep = raw.get("report")
    if not isinstance(rep, dict):
        return
    district, year = rep.get("district", ""), rep.get("year")
    if isinstance(year, str) and year.strip().isascii() and year.strip().isdigit():
        year = int(year)
    for key in IDENTITY_KEYS:
        if isinstance(rep.get(key), str):
            rep[key] = fill_identity(rep[key], district, year)
    for section in ("narrative", "manual_figures", "problems", "recommendations", "tables"):
        if isinstance(raw.get(section), dict):
            raw[section] = _fill_all(raw[section], district, year)
    for name in list(raw.get("data") or {}):
        # the label names the file as readers know it: 青溪区……台账（{year}年）
        _map_paths(
            raw["data"], name, lambda text, key: fill_identity(text, district, year), ("path", "label")
        )


def _map_paths(
    data: dict[str, Any], name: str, change: Callable[[str, str], str], fields: tuple[str, ...] = ("path",)
) -> None:
    """Apply ``change(path, key)`` to every file path ``data[name]`` gives: one path, one
    ``{path: …}`` mapping, or a list of either."""

    def one(source: Any, key: str) -> Any:
        if isinstance(source, str):
            return change(source, key)
        if isinstance(source, dict):
            for field_name in fields:
                if isinstance(source.get(field_name), str):
                    source[field_name] = change(source[field_name], f"{key}.{field_name}")
        return source

    value = data[name]
    if isinstance(value, list):
        data[name] = [one(v, f"data.{name}[{i}]") for i, v in enumerate(value)]
    else:
        data[name] = one(value, f"data.{name}")


def _use_data_files(raw: dict[str, Any], data: Mapping[str, str | Path]) -> None:
    """``--data TABLE=PATH``: the file replaces the config's for that ledger (keeping how a single
    file is read: its sheet, header row, extra headers and spellings, but not its ``label``, which
    named the config's file: the new file is named by its own title row or its file name)."""
    declared: dict[str, Any] = raw["ledgers"] if isinstance(raw.get("ledgers"), dict) else {}
    for table, given in data.items():
        value = str(given)
        if table not in declared:
            raise OptionError(Problem(f"--data 的表名“{table}”未知，可用：{', '.join(declared)}"))
        source = raw.setdefault("data", {}).get(table)
        try:
            data_path = str(resolved(native(value).expanduser(), f"--data {table}"))
        except ForeignPathError:
            raise OptionError(Problem(f"--data {table}：{foreign_path_message(value)}")) from None
        if isinstance(source, dict):
            source["path"] = data_path
            source.pop("label", None)
        else:
            raw["data"][table] = data_path


def _fill_all(node: Any, district: Any, year: Any) -> Any:
    if isinstance(node, str):
        return fill_identity(node, district, year)
    if isinstance(node, dict):
        return {k: _fill_all(v, district, year) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_all(v, district, year) for v in node]
    return node


def placeholder_keys(node: Any, path: str = "") -> list[str]:
    """Key paths whose text still holds a 【待填写：…】 placeholder."""
    if isinstance(node, str):
        return [path] if PLACEHOLDER in node else []
    if isinstance(node, dict):
        return [k for key, v in node.items() for k in placeholder_keys(v, f"{path}.{key}" if path else key)]
    if isinstance(node, list):
        return [k for i, v in enumerate(node) for k in placeholder_keys(v, f"{path}[{i}]")]
    return []


def _draft_dates(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """In a draft, dates still to be filled in stand in as the year's last day; their placeholder
    text is what the report prints."""
    rep = raw.get("report") or {}
    year = rep.get("year") if isinstance(rep.get("year"), int) else dt.date.today().year
    stand_in = f"{year}-12-31"
    date_text = period_text = None
    if isinstance(rep.get("date"), str) and PLACEHOLDER in rep["date"]:
        date_text, rep["date"] = rep["date"], stand_in
    period = rep.get("survey_period")
    if isinstance(period, str) and PLACEHOLDER in period:
        period_text, rep["survey_period"] = period, {"start": stand_in, "end": stand_in}
    elif isinstance(period, dict) and any(PLACEHOLDER in str(v) for v in period.values()):
        period_text = next(str(v) for v in period.values() if PLACEHOLDER in str(v))
        rep["survey_period"] = {"start": stand_in, "end": stand_in}
    return date_text, period_text


def _origin(raw: dict[str, Any], overrides: Mapping[str, Any]) -> Origin:
    rep: dict[str, Any] = raw["report"] if isinstance(raw.get("report"), dict) else {}
    overridden = frozenset(str(key).split(".", 1)[1] for key in overrides if str(key).startswith("report."))
    year = rep.get("year")
    return Origin(
        district=rep.get("district") if isinstance(rep.get("district"), str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        output_name=rep.get("output_name") if isinstance(rep.get("output_name"), str) else None,
        overridden=overridden,
    )


_SAFE_NAME = re.compile(r"^[^/\\:*?\"<>|\x00-\x1f]+$")


def load_config(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    data: Mapping[str, str | Path] | None = None,
    *,
    draft: bool = False,
    templates: bool = True,
) -> Config:
    """Read ``path`` with its ``extends`` chain, apply overrides, check it, and return a :class:`Config`.

    ``overrides`` sets config values by dotted key (``{"report.year": 2026}``; ``None`` removes a
    key), after inheritance; ``data`` names the file of a table (``{"organizations": "x.xlsx"}``).

    ``draft`` accepts 【待填写】 placeholders left by ``report-gen init`` (they are listed in
    ``Config.placeholders``); without it they are errors. Raises :class:`ConfigError` listing
    every problem with its key path.

    ``templates=False`` leaves the narrative templates uncompiled (``Config.templates`` empty):
    for reading what a report would be built from (its fingerprint, its output name) when it may
    not be built at all; such a config cannot be composed.
    """
    try:
        path = resolved(native(path))
    except ForeignPathError:
        raise OptionError(Problem(foreign_path_message(str(path)))) from None
    config_files: list[Path] = []
    raw = _read_config_file(path, read=config_files)
    overrides = dict(overrides or {})
    origin = _origin(raw, overrides)
    raw = apply_overrides(raw, overrides)
    raw = switch_off_problems(raw, _nulled(raw.get("problems")))
    _use_data_files(raw, data or {})

    _fill_identity(raw)
    placeholders = _placeholders(raw, path, draft)
    date_placeholder, period_placeholder = _draft_dates(raw) if draft else (None, None)

    issues: list[tuple[str, str]] = []
    checked = CONFIG_SCHEMA.check(raw, "", issues)
    if checked is not None:
        _check_semantics(checked, issues)
    if issues:
        raise ConfigError([Problem(message, file=str(path), key=key) for key, message in issues])

    report = _report_info(checked["report"], path, date_placeholder, period_placeholder)
    sources = _data_sources(checked["data"])
    config = Config(
        path=path,
        report=report,
        sources=sources,
        template=checked.get("template") or "default",
        sections=checked.get("sections")
        or ["situation", "practices", "results", "problems", "recommendations"],
        raw=checked,
        reference_docx=Path(checked["reference_docx"]) if checked.get("reference_docx") else None,
        origin=origin,
        draft=draft,
        placeholders=placeholders,
        config_files=tuple(config_files),
    )
    from .model import compile_config

    compile_config(config, templates=templates)
    return config


def _placeholders(raw: dict[str, Any], path: Path, draft: bool) -> list[str]:
    """Keys still holding 【待填写】 placeholders: listed in a draft, errors otherwise."""
    placeholders = placeholder_keys(raw)
    if placeholders and not draft:
        raise ConfigError(
            [
                Problem(
                    "仍是待填写的占位内容，请填写后再生成（或加 --draft 生成征求意见稿）",
                    file=str(path),
                    key=k,
                )
                for k in placeholders
            ]
        )
    return placeholders


def _report_info(
    rep: Mapping[str, Any], path: Path, date_placeholder: str | None, period_placeholder: str | None
) -> ReportInfo:
    output_name = rep.get("output_name") or path.stem
    if not _SAFE_NAME.match(output_name) or output_name in (".", ".."):
        raise ConfigError(
            Problem(
                f"“{output_name}”不能用作文件名（不能含路径分隔符或特殊字符）",
                file=str(path),
                key="report.output_name",
            )
        )
    return ReportInfo(
        authority=rep["authority"],
        district=rep["district"],
        title=rep["title"],
        year=rep["year"],
        survey_start=rep["survey_period"]["start"],
        survey_end=rep["survey_period"]["end"],
        date=rep["date"],
        output_name=output_name,
        requested_by=rep.get("requested_by"),
        scope=rep.get("scope"),
        appendix=bool(rep.get("appendix", False)),
        date_placeholder=date_placeholder,
        period_placeholder=period_placeholder,
    )


def _data_sources(data: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, list[DataSource]]:
    return {
        name: [
            DataSource(
                table=name,
                path=Path(spec["path"]),
                sheet=spec.get("sheet"),
                header_row=spec.get("header_row"),
                headers=spec.get("headers") or {},
                values=spec.get("values") or {},
                constants=spec.get("constants") or {},
                label=spec.get("label"),
            )
            for spec in specs
        ]
        for name, specs in data.items()
    }


def _check_semantics(cfg: dict[str, Any], issues: list[tuple[str, str]]) -> None:
    """Rules across keys that a per-key schema cannot state."""
    _check_dates(cfg.get("report") or {}, issues)
    _check_word_files(cfg, issues)
    _check_figure_references(cfg, issues)
    _check_recommendations(cfg, issues)


def _check_dates(rep: Mapping[str, Any], issues: list[tuple[str, str]]) -> None:
    """The survey ends after it starts, within the report year, and before the report is dated."""
    period = rep.get("survey_period") or {}
    start, end = period.get("start"), period.get("end")
    if start and end and start > end:
        issues.append(("report.survey_period", f"start {start} is after end {end}"))
    if rep.get("date") and end and rep["date"] < end:
        issues.append(("report.date", f"{rep['date']} is before the survey ended ({end})"))
    if rep.get("year") and end and end.year not in (rep["year"], rep["year"] + 1):
        issues.append(("report.survey_period.end", f"{end} does not fall in report year {rep['year']}"))


def _check_word_files(cfg: Mapping[str, Any], issues: list[tuple[str, str]]) -> None:
    for key in ("reference_docx", "template"):
        value = cfg.get(key)
        if isinstance(value, str) and (key == "reference_docx" or value.lower().endswith(".docx")):
            try:
                check_regular(Path(value), "Word 文件", ConfigError, key, DOCX_BYTES)
            except ConfigError as exc:
                issues.append((key, f"{exc.problems[0].message}：{value}"))


def _check_figure_references(cfg: Mapping[str, Any], issues: list[tuple[str, str]]) -> None:
    """Every key that names an indicator or a figure names one that exists, once."""
    indicators = cfg.get("indicators") or {}
    manual = cfg.get("manual_figures") or {}
    for dup in sorted(set(indicators) & set(manual)):
        issues.append((f"manual_figures.{dup}", "has the same id as an indicator"))
    for key, ind in indicators.items():
        agg = ind.get("agg")
        for required in AGGREGATIONS[agg].requires if agg in AGGREGATIONS else ():
            if not ind.get(required) and not (required == "column" and ind.get("value") is not None):
                issues.append((f"indicators.{key}.{required}", f"is required for agg: {agg}"))
    for section in ("city_summary", "year_on_year"):
        for i, ref in enumerate((cfg.get(section) or {}).get("figures") or []):
            if ref not in indicators:
                issues.append((f"{section}.figures[{i}]", f"{ref!r} is not an indicator id"))
    for kind in ("tables", "charts"):
        for key, spec in (cfg.get(kind) or {}).items():
            for i, ref in enumerate(spec.get("columns") or spec.get("series") or []):
                if ref not in indicators:
                    which = "columns" if kind == "tables" else "series"
                    issues.append((f"{kind}.{key}.{which}[{i}]", f"{ref!r} is not an indicator id"))
    for key, spec in manual.items():
        if isinstance(spec.get("date"), dt.date) and spec.get("year") and spec["date"].year != spec["year"]:
            issues.append((f"manual_figures.{key}.date", f"{spec['date']} is not in year {spec['year']}"))
    figure_ids = {*indicators, *manual}
    for key, claims in _narrative_claims(cfg.get("narrative") or {}):
        for ref in claims:
            if ref not in figure_ids:
                issues.append((f"{key}.claims.{ref}", f"{ref!r} is not a figure id"))
    for key, spec in (cfg.get("comparisons") or {}).items():
        if spec.get("figure") is not None and spec["figure"] not in indicators:
            issues.append((f"comparisons.{key}.figure", f"{spec['figure']!r} is not an indicator id"))
        if key in figure_ids:
            issues.append((f"comparisons.{key}", "has the same id as an indicator or manual figure"))


def _check_recommendations(cfg: Mapping[str, Any], issues: list[tuple[str, str]]) -> None:
    """Each recommendation answers problems that exist, or says it is general; not both. A
    problem's ``unless`` names other problems (a problem switched off with ``null`` is dropped
    from it, as from ``for``)."""
    problems = cfg.get("problems") or {}
    for key, rule in problems.items():
        for i, ref in enumerate(rule.get("unless") or []):
            if ref not in problems or ref == key:
                issues.append((f"problems.{key}.unless[{i}]", f"{ref!r} is not another problem's id"))
    for key, rec in (cfg.get("recommendations") or {}).items():
        answers = [ref for ref in rec.get("for") or [] if ref is not None]
        for i, ref in enumerate(answers):
            if ref not in problems:
                issues.append((f"recommendations.{key}.for[{i}]", f"{ref!r} is not a problem id"))
        if not answers and not rec.get("general"):
            issues.append(
                (
                    f"recommendations.{key}",
                    "answers no problem: list the problems it answers in `for`, or say `general: true`",
                )
            )
        elif answers and rec.get("general"):
            issues.append((f"recommendations.{key}.general", "a recommendation with `for` is not general"))


def _narrative_claims(node: Any, path: str = "narrative") -> list[tuple[str, dict[str, str]]]:
    """Every ``claims`` mapping in the narrative, with the key path of the passage that makes it."""
    found: list[tuple[str, dict[str, str]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "claims" and isinstance(value, dict):
                found.append((path, value))
            else:
                found.extend(_narrative_claims(value, f"{path}.{key}"))
    return found
