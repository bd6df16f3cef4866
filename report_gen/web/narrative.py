"""The district-written text of a config as form fields, and saving it back into the same file with
its comments, key order, quoting and anchors kept (ruamel.yaml's round-trip mode).

The fields are the report's year, survey dates and date (what changes from one year's report to the
next), every text under ``narrative`` (titles, texts, intros and ``else`` passages; not the ``when``
conditions nor ``claims``) and every value anywhere in the file still holding a 【待填写】
placeholder. Only the file itself is edited, never the configs it extends.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import PLACEHOLDER
from ..errors import ConfigError, Problem, ReportGenError
from ..output import write_atomically

FIELD_CHARS = 20_000
_NOT_TEXT = {"when", "claims", "for", "extends"}
# The report's details a writer changes from year to year, editable whatever they hold.
REPORT_DETAILS = {
    ("report", "year"),
    ("report", "date"),
    ("report", "survey_period", "start"),
    ("report", "survey_period", "end"),
}
# The words a report writer knows the parts of a config by.
_WORDS = {
    "narrative": "",
    "practices": "主要做法",
    "results": "主要成效",
    "items": "",
    "intro": "总述",
    "title": "标题",
    "text": "内容",
    "else": "条件不满足时",
    "report": "",
    "year": "报告年度",
    "date": "成文日期",
    "survey_period": "",
    "start": "调研开始日期",
    "end": "调研结束日期",
    "requested_by": "布置调研的单位",
    "scope": "调研内容",
}


@dataclass(frozen=True)
class NarrativeField:
    """One text of the config: its dotted key path, its text, and whether it is still a placeholder."""

    key: str
    text: str

    @property
    def label(self) -> str:
        """The key in words (主要做法 · leadership · 标题); item names stay as the config spells them."""
        parts = self.key.split(".")
        words = [_WORDS.get(part, part) for part in parts]
        return " · ".join(w for w in words if w) or self.key

    @property
    def placeholder(self) -> bool:
        return PLACEHOLDER in self.text

    @property
    def multiline(self) -> bool:
        return (
            "\n" in self.text.strip()
            or len(self.text) > 40
            or self.key.endswith((".text", ".intro", ".else"))
        )


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order, quoting and anchors survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long Chinese line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any, Any, Any]]:
    """(path, parent, key, value) for each string under ``node``, and each value of a report
    detail (a year is a number, a date a date)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        here = (*path, str(key))
        if isinstance(value, str) or (here in REPORT_DETAILS and isinstance(value, (int, dt.date))):
            yield here, node, key, value
        elif isinstance(value, (dict, list)):
            yield from _leaves(value, here)


def _editable(path: tuple[str, ...], value: Any) -> bool:
    if path in REPORT_DETAILS or PLACEHOLDER in str(value):
        return True
    return len(path) > 1 and path[0] == "narrative" and not (_NOT_TEXT & set(path[1:]))


def _anchor(value: Any) -> str | None:
    return getattr(getattr(value, "anchor", None), "value", None)


def _shared(path: tuple[str, ...], parent: Any, key: Any, value: Any) -> tuple[Any, ...]:
    """What identifies one value of the file: an anchored text and its aliases are one value
    (edited together); any other value is its own, wherever an equal one appears."""
    return ("anchor", id(value)) if _anchor(value) else ("site", id(parent), key)


def _load(config: Path) -> tuple[Any, str]:
    from ruamel.yaml.error import YAMLError

    from ..config import load_yaml_text

    try:
        text = config.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(Problem(f"无法读取配置文件（{type(exc).__name__}）", file=config.name)) from None
    load_yaml_text(text, config.name)  # the project's own safe, bounded reading first
    try:
        return _yaml().load(text), text
    except YAMLError as exc:
        raise ConfigError(Problem(f"YAML 格式有误：{exc}", file=config.name)) from None


def narrative_fields(config: Path) -> list[NarrativeField]:
    """The texts a district writes, in the file's order; an anchored text shared by an alias is
    listed once, under its first key."""
    document, _ = _load(config)
    seen: set[tuple[Any, ...]] = set()
    fields = []
    for path, parent, key, value in _leaves(document, ()):
        identity = _shared(path, parent, key, value)
        if not _editable(path, value) or identity in seen:
            continue
        seen.add(identity)
        fields.append(NarrativeField(".".join(path), str(value)))
    return fields


def _clean(text: str) -> str:
    """Form text as the config keeps it: Unix line ends, no trailing spaces (they would stop YAML
    writing the text as a readable block)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _scalar(old: Any, text: str) -> Any:
    """``text`` in the style of the value it replaces: a block for several lines, the old quoting
    for one line, and the old anchor so aliases keep pointing at it."""
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    anchor = _anchor(old)
    if "\n" in text:
        return LiteralScalarString(text + "\n", anchor=anchor)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(text, anchor=anchor)
    if isinstance(old, DoubleQuotedScalarString) or anchor:
        return DoubleQuotedScalarString(text, anchor=anchor)
    return text


def _typed(path: tuple[str, ...], text: str) -> Any:
    """A report detail as YAML would read it typed in the file: the year a number, a date a date
    (anything else stays text, and the config's check names it)."""
    if path == ("report", "year") and text.isdigit():
        return int(text)
    if path[-1] in ("date", "start", "end"):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def save_narrative(config: Path, values: Mapping[str, str]) -> list[str]:
    """Write the changed ``key → text`` of ``values`` into ``config``; return the keys changed.

    Keys that are not fields of the file are ignored. A text may leave the config with a problem
    (a date before the survey ended, say): :func:`config_problems` names it, and validation and
    the build refuse it, as they would after editing the file by hand.
    """
    from ..config import load_yaml_text

    document, _before = _load(config)
    sites: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
    for path, parent, key, value in _leaves(document, ()):
        sites.setdefault(_shared(path, parent, key, value), []).append((parent, key))
    changed = []
    for path, parent, key, value in list(_leaves(document, ())):
        dotted = ".".join(path)
        if dotted not in values or not _editable(path, value):
            continue
        new = _clean(values[dotted])
        if len(new) > FIELD_CHARS:
            raise ConfigError(Problem(f"文字超过{FIELD_CHARS}字", key=dotted, file=config.name))
        if new == _clean(str(value)):
            continue
        if not new and path[0] != "narrative" and isinstance(parent, dict):
            del parent[key]  # an optional item cleared (requested_by): the config no longer has it
        else:
            replacement = _typed(path, new) if path in REPORT_DETAILS else _scalar(value, new)
            for holder, site in sites[_shared(path, parent, key, value)]:
                holder[site] = replacement
        changed.append(dotted)
    if not changed:
        return []
    out = io.StringIO()
    _yaml().dump(document, out)
    load_yaml_text(out.getvalue(), config.name)  # what the build will read back
    write_atomically(config.parent, {config.name: out.getvalue().encode("utf-8")}, lock=False)
    return changed


def config_problems(config: Path) -> list[Problem]:
    """What keeps the config from loading, placeholders allowed; empty when it loads."""
    from ..config import load_config

    try:
        load_config(config, draft=True)
    except ReportGenError as exc:
        return exc.problems
    return []
