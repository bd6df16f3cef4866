"""The ledgers a report reads, as the config declares them (``ledgers:``): columns, headers, types,
spellings, row rules; and how a header cell is matched to a column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COLUMN_TYPES = ("text", "int", "bool", "date", "enum")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required``: ``"always"`` (the file must have the column and every row a value), ``"header"``
    (the file must have the column; which rows need a value, the ledger's row rules say) or
    ``"no"``. ``choices`` maps every accepted spelling to its canonical value (enums).
    """

    name: str
    headers: tuple[str, ...]
    kind: str  # one of COLUMN_TYPES
    required: str = "always"
    choices: dict[str, str] = field(default_factory=dict)
    expected: str = ""
    unique: bool = False
    """Every value occurs once in the table (an organisation's 组织编号)."""
    meaning: str = ""

    @property
    def label(self) -> str:
        """The column's name as ledgers write it (its first header)."""
        return self.headers[0] if self.headers else self.name


@dataclass(frozen=True)
class RowRule:
    """A check each row must pass: where ``when`` holds, the row is reported at ``column``."""

    when: Any  # a compiled Expression over the table's columns
    column: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class TableContract:
    """One ledger as the config declares it (``ledgers:``): its columns and the rules its rows obey."""

    name: str
    label: str
    columns: tuple[Column, ...]
    rules: tuple[RowRule, ...] = ()
    required: bool = False
    """A build needs this ledger (``data.NAME`` must be given)."""
    needs_rows: bool = False
    """A file of this ledger with no rows is an error (the required ledger, and last year's of it)."""
    row_noun: str = "数据"
    """What one row is (组织, 书记), for messages."""
    previous_of: str | None = None
    """This is last year's ledger of the named table (same columns): its figures are last year's."""
    district_column: str | None = None
    """The column naming each row's district, in a ledger that covers several."""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def key(self) -> Column | None:
        """The column that identifies a row (the first ``unique`` one), if any."""
        return next((c for c in self.columns if c.unique), None)


def _enum(mapping: Mapping[str, Any]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for canonical, aliases in mapping.items():
        choices[str(canonical)] = str(canonical)
        for alias in aliases or ():
            choices[str(alias)] = str(canonical)
    return choices


def _either(values: list[str]) -> str:
    """单独组建、联合组建或未组建: the canonical values as a reader expects them listed."""
    return values[0] if len(values) == 1 else "、".join(values[:-1]) + "或" + values[-1]


_REQUIRED = {True: "always", False: "no", "header": "header"}


def _clashes(name: str, columns: list[Column]) -> list[tuple[str, str]]:
    """Headers two columns both claim: a ledger's column would be read as either."""
    issues: list[tuple[str, str]] = []
    owner: dict[str, str] = {}
    for column in columns:
        for header in column.headers:
            key = normalise_header(header)
            if key in owner and owner[key] != column.name:
                issues.append(
                    (
                        f"ledgers.{name}.columns.{column.name}.headers",
                        f"header {header!r} is also a header of column {owner[key]!r}",
                    )
                )
            owner.setdefault(key, column.name)
    return issues


def _spelling_clashes(where: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Spellings of an enum value that are another value's own name, or listed for two values."""
    issues: list[tuple[str, str]] = []
    seen: dict[str, str] = {str(v): str(v) for v in values}
    for value, aliases in values.items():
        for alias in aliases or ():
            other = seen.setdefault(str(alias), str(value))
            if other != str(value):
                issues.append(
                    (f"{where}.values.{value}", f"spelling {str(alias)!r} also stands for {other!r}")
                )
    return issues


def contracts_from(
    declared: Mapping[str, Mapping[str, Any]], scalars: list[str]
) -> tuple[dict[str, TableContract], list[tuple[str, str]]]:
    """The config's ``ledgers:`` as contracts, their row rules compiled against the table's columns
    and ``scalars``; and (key path, message) for every problem found."""
    from .expr import ExpressionError, compile_expression

    contracts: dict[str, TableContract] = {}
    issues: list[tuple[str, str]] = []
    for name, spec in declared.items():
        if spec.get("previous_of"):
            continue
        columns = []
        for col_name, col in (spec.get("columns") or {}).items():
            required = col.get("required", True)
            if required not in _REQUIRED:
                issues.append(
                    (f"ledgers.{name}.columns.{col_name}.required", "expected true, false or header")
                )
                continue
            values = col.get("values") or {}
            # 男: [女] would count every 女 as 男
            issues.extend(_spelling_clashes(f"ledgers.{name}.columns.{col_name}", values))
            if (col.get("type") == "enum") != bool(values):
                issues.append(
                    (
                        f"ledgers.{name}.columns.{col_name}.values",
                        "an enum column lists its values, and only it",
                    )
                )
            columns.append(
                Column(
                    col_name,
                    tuple(col.get("headers") or ()),
                    col.get("type", "text"),
                    _REQUIRED[required],
                    choices=_enum(values),
                    expected=_either([str(v) for v in values]) if values else "",
                    unique=bool(col.get("unique")),
                    meaning=col.get("meaning", ""),
                )
            )
        issues.extend(_clashes(name, columns))
        known = [c.name for c in columns] + scalars
        rules = []
        for i, rule in enumerate(spec.get("rules") or []):
            key = f"ledgers.{name}.rules[{i}]"
            if rule["column"] not in [c.name for c in columns]:
                issues.append((f"{key}.column", f"{rule['column']!r} is not a column of {name}"))
                continue
            try:
                when = compile_expression(rule["when"], known)
            except ExpressionError as exc:
                issues.append((f"{key}.when", str(exc)))
                continue
            rules.append(RowRule(when, rule["column"], rule["message"], rule.get("severity", "error")))
        contracts[name] = TableContract(
            name,
            spec.get("label", name),
            tuple(columns),
            tuple(rules),
            required=bool(spec.get("required")),
            needs_rows=bool(spec.get("required")),
            row_noun=spec.get("row_noun", "数据"),
            district_column=spec.get("district_column"),
        )
        district = spec.get("district_column")
        if district is not None and district not in contracts[name].column_names:
            issues.append((f"ledgers.{name}.district_column", f"{district!r} is not a column of {name}"))
    for name, spec in declared.items():
        paired = spec.get("previous_of")
        if not paired:
            continue
        if paired not in contracts:
            issues.append((f"ledgers.{name}.previous_of", f"{paired!r} is not a ledger with its own columns"))
            continue
        base = contracts[paired]
        contracts[name] = TableContract(
            name,
            spec.get("label", f"上年{base.label}"),
            base.columns,
            base.rules,
            required=bool(spec.get("required")),
            needs_rows=base.needs_rows,
            row_noun=base.row_noun,
            previous_of=paired,
            district_column=base.district_column,
        )
    return contracts, issues


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


def builtin_ledgers() -> dict[str, TableContract]:
    """The ledgers the built-in base config declares (for reading a ledger before any config exists)."""
    from . import resources
    from .config import load_yaml_text

    path = resources.builtin_config("base")
    assert path is not None
    declared = load_yaml_text(path.read_text(encoding="utf-8"), path.name).get("ledgers") or {}
    contracts, issues = contracts_from(declared, ["report_year"])
    assert not issues, issues
    return contracts
