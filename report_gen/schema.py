"""A declarative description of the config's shape, checked with key paths in every message.

Each key is declared once with its type and a one-line doc. Checking collects
every problem as ``(key path, message)`` and never stops at the first; unknown
keys are problems with a did-you-mean suggestion.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .dates import FIRST_YEAR, LAST_YEAR, parse_date


@dataclass
class Spec:
    """Base of all value specs. ``doc`` is shown in the config reference."""

    doc: str = ""
    required: bool = False

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        raise NotImplementedError


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return f"{value!r} ({type(value).__name__})"


# Bounds on config values: text no template needs longer, numbers no report states larger.
TEXT_CHARS = 20_000
NUMBER_LIMIT = 1e15


@dataclass
class Str(Spec):
    choices: tuple[str, ...] = ()
    max_length: int = TEXT_CHARS

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            out.append((path, f"expected text, got {_describe(value)}"))
            return None
        text = str(value)
        if len(text) > self.max_length:
            out.append((path, f"is {len(text)} characters long; at most {self.max_length} are allowed"))
            return None
        if self.choices and text not in self.choices:
            hint = difflib.get_close_matches(text, self.choices, n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            out.append((path, f"{text!r} is not one of {', '.join(self.choices)}{extra}"))
            return None
        return text


@dataclass
class Int(Spec):
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
                value = int(value)
            else:
                out.append((path, f"expected a whole number, got {_describe(value)}"))
                return None
        if self.minimum is not None and value < self.minimum:
            out.append((path, f"{value} is below the minimum {self.minimum}"))
        if self.maximum is not None and value > self.maximum:
            out.append((path, f"{value} is above the maximum {self.maximum}"))
        return value


@dataclass
class Num(Spec):
    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append((path, f"expected a number, got {_describe(value)}"))
            return None
        if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
            out.append((path, f"{value!r} is not a number a report can state (at most {NUMBER_LIMIT:.0e})"))
            return None
        return value


@dataclass
class Bool(Spec):
    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if not isinstance(value, bool):
            out.append((path, f"expected true or false, got {_describe(value)}"))
            return None
        return value


@dataclass
class Date(Spec):
    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        parsed = parse_date(value) if isinstance(value, (str, int, dt.date)) else None
        if parsed is None:
            out.append((path, f"{value} is not a real date (expected YYYY-MM-DD)"))
        elif not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            out.append((path, f"{parsed} is outside the years {FIRST_YEAR}–{LAST_YEAR}"))
            return None
        return parsed


@dataclass
class List(Spec):
    item: Spec = field(default_factory=Str)

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            out.append((path, f"expected a list, got {_describe(value)}"))
            return None
        return [self.item.check(v, f"{path}[{i}]", out) for i, v in enumerate(value)]


@dataclass
class Map(Spec):
    """A mapping with declared keys. Keys whose spec is ``required`` must be present."""

    fields: dict[str, Spec] = field(default_factory=dict)

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if not isinstance(value, Mapping):
            out.append((path or "(top)", f"expected a mapping of keys, got {_describe(value)}"))
            return None
        result: dict[str, Any] = {}
        for key, sub in value.items():
            sub_path = f"{path}.{key}" if path else str(key)
            spec = self.fields.get(key)
            if spec is None:
                hint = difflib.get_close_matches(str(key), list(self.fields), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                known = ", ".join(self.fields)
                out.append((sub_path, f"unknown key{extra} (known keys here: {known})"))
                continue
            if sub is None:
                continue
            checked = spec.check(sub, sub_path, out)
            if checked is not None:  # a value that failed its check is reported, not passed on
                result[key] = checked
        for key, spec in self.fields.items():
            if spec.required and value.get(key) is None:
                sub_path = f"{path}.{key}" if path else key
                out.append((sub_path, f"is required ({spec.doc})" if spec.doc else "is required"))
        return result


@dataclass
class MapOf(Spec):
    """A mapping from user-chosen ids to values of one spec; ``null`` values are removed."""

    value: Spec = field(default_factory=Str)

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if not isinstance(value, Mapping):
            out.append((path, f"expected a mapping of ids, got {_describe(value)}"))
            return None
        checked = {str(k): self.value.check(v, f"{path}.{k}", out) for k, v in value.items() if v is not None}
        return {k: v for k, v in checked.items() if v is not None}


@dataclass
class Either(Spec):
    """A scalar shorthand or the full mapping (``data.organizations: PATH`` or ``{path: PATH, ...}``)."""

    short: Spec = field(default_factory=Str)
    full: Map = field(default_factory=Map)
    expand: Callable[[Any], dict[str, Any]] = lambda v: {"path": v}

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if isinstance(value, Mapping):
            return self.full.check(value, path, out)
        checked = self.short.check(value, path, out)
        return None if checked is None else self.full.check(self.expand(checked), path, out)


@dataclass
class OneOrMany(Spec):
    """One value of ``item``, or a list of them; always a list once checked."""

    item: Spec = field(default_factory=Str)

    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        if not isinstance(value, list):
            checked = self.item.check(value, path, out)
            return None if checked is None else [checked]
        if not value:
            out.append((path, "expected at least one file"))
            return None
        items = [self.item.check(v, f"{path}[{i}]", out) for i, v in enumerate(value)]
        return None if any(i is None for i in items) else items


@dataclass
class Any_(Spec):
    def check(self, value: Any, path: str, out: list[tuple[str, str]]) -> Any:
        return value
