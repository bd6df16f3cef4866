"""The district-written text of a config as form fields, and saving it back into the same file with
its comments, key order, quoting and anchors kept (ruamel.yaml's round-trip mode).

The fields are every text under ``narrative`` (titles, texts, intros and ``else`` passages; not the
``when`` conditions nor ``claims``) and every value anywhere in the file still holding a 【待填写】
placeholder (survey dates, the date of the report). Only the file itself is edited, never the
configs it extends.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class NarrativeField:
    """One text of the config: its dotted key path, its text, and whether it is still a placeholder."""

    key: str
    text: str

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


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any, Any, str]]:
    """(path, parent, key, text) for each string under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                yield (*path, str(key)), node, key, value
            elif isinstance(value, (dict, list)):
                yield from _leaves(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield (*path, str(index)), node, index, value
            elif isinstance(value, (dict, list)):
                yield from _leaves(value, (*path, str(index)))


def _editable(path: tuple[str, ...], text: str) -> bool:
    if PLACEHOLDER in text:
        return True
    return len(path) > 1 and path[0] == "narrative" and not (_NOT_TEXT & set(path[1:]))


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
    seen: set[int] = set()
    fields = []
    for path, _parent, _key, text in _leaves(document, ()):
        if not _editable(path, text) or id(text) in seen:
            continue
        seen.add(id(text))
        fields.append(NarrativeField(".".join(path), str(text)))
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

    anchor = getattr(getattr(old, "anchor", None), "value", None)
    if "\n" in text:
        return LiteralScalarString(text + "\n", anchor=anchor)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(text, anchor=anchor)
    if isinstance(old, DoubleQuotedScalarString) or anchor:
        return DoubleQuotedScalarString(text, anchor=anchor)
    return text


def save_narrative(config: Path, values: Mapping[str, str]) -> list[str]:
    """Write the changed ``key → text`` of ``values`` into ``config``; return the keys changed.

    Keys that are not fields of the file are ignored. The file is written only when the config
    still loads afterwards (with placeholders allowed); otherwise it is left as it was and the
    :class:`ConfigError` says why.
    """
    from ..config import load_config

    document, before = _load(config)
    try:
        load_config(config, draft=True)
        loaded_before = True
    except ReportGenError:
        loaded_before = False
    sites: dict[int, list[tuple[Any, Any]]] = {}
    for _path, parent, key, text in _leaves(document, ()):
        sites.setdefault(id(text), []).append((parent, key))
    changed = []
    for path, _parent, _key, text in list(_leaves(document, ())):
        key = ".".join(path)
        if key not in values or not _editable(path, text):
            continue
        new = _clean(values[key])
        if len(new) > FIELD_CHARS:
            raise ConfigError(Problem(f"文字超过{FIELD_CHARS}字", key=key, file=config.name))
        if new == _clean(str(text)):
            continue
        replacement = _scalar(text, new)
        for parent, site in sites.get(id(text), []):
            parent[site] = replacement
        changed.append(key)
    if not changed:
        return []
    out = io.StringIO()
    _yaml().dump(document, out)
    write_atomically(config.parent, {config.name: out.getvalue().encode("utf-8")}, lock=False)
    if not loaded_before:
        return changed
    try:
        load_config(config, draft=True)
    except ReportGenError as exc:
        write_atomically(config.parent, {config.name: before.encode("utf-8")}, lock=False)
        raise ConfigError(exc.problems) from None
    return changed
