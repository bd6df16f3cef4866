"""A small, safe expression language for filters, formulas and rule conditions in YAML.

Config text is never given to ``eval``. It is parsed with :mod:`ast` and
only a whitelist of node types is accepted: literals, names, arithmetic,
comparisons, ``and``/``or``/``not``, ``in`` with a list, and a few named
functions. Names stand for ledger columns (evaluated as whole pandas columns,
so a filter over a million rows is one vectorised operation) or for figures
and parameters (scalars).

Examples::

    category == "非公企业" and above_scale
    year(party_org_founded) == report_year
    mobile_members / party_members * 100
    small_share >= threshold
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import functools
import math
import operator
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


class ExpressionError(ValueError):
    """The expression text is not in the language, or names something unknown."""


def _is_series(value: Any) -> bool:
    """A column of a ledger (a pandas Series). Checked without importing pandas: a config is
    compiled and its conditions on figures evaluated before, or without, any ledger being read."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.Series)


def _blank(value: Any) -> Any:
    if _is_series(value):
        import pandas as pd

        result = value.isna()
        if value.dtype == object or pd.api.types.is_string_dtype(value.dtype):
            result = result | (value.astype(pd.StringDtype("pyarrow")).fillna("") == "")
        return result
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _year(value: Any) -> Any:
    if _is_series(value):
        import pandas as pd

        if not pd.api.types.is_datetime64_any_dtype(value.dtype):
            raise ExpressionError(f"year() needs a date column, got a column of {value.dtype}")
        return value.dt.year
    if value is None:
        return None
    if isinstance(value, dt.date):  # a pandas Timestamp is a datetime
        return value.year
    raise ExpressionError(f"year() needs a date, got {value!r}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "year": _year,
    "blank": _blank,
    "present": lambda v: ~_blank(v) if _is_series(v) else not _blank(v),
    "abs": lambda v: v.abs() if _is_series(v) else (None if v is None else abs(v)),
}

# Functions over a figure's history. Their one argument is a figure id, not its value, and they read
# the figures placed in the environment under HISTORY (rule and narrative conditions have them).
HISTORY = "@figures"
HISTORY_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "rose": lambda fig: fig.direction == 1,
    "fell": lambda fig: fig.direction == -1,
    "held": lambda fig: fig.direction == 0,
    "compared": lambda fig: fig.direction is not None,
    "notable": lambda fig: fig.notable,
    "previous": lambda fig: fig.previous,
}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


# Bounds that keep every expression cheap to check and to evaluate: no formula in a report
# needs more, and without them a config could ask for a 100,000-term sum or a 2-GB string.
MAX_CHARS = 2_000
MAX_NODES = 400
MAX_TEXT_CONSTANT = 500
MAX_NUMBER = 10**15
MAX_RESULT = 10**18


class Expression:
    """A parsed, checked expression. ``names`` is every name it reads."""

    def __init__(self, text: str):
        self.text = str(text)
        if len(self.text) > MAX_CHARS:
            raise ExpressionError(f"expression is {len(self.text)} characters long; at most {MAX_CHARS}")
        try:
            tree = ast.parse(self.text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            reason = exc.msg if isinstance(exc, SyntaxError) else "too deeply nested or too large"
            raise ExpressionError(f"not a valid expression: {self.text!r} ({reason})") from None
        nodes = sum(1 for _ in ast.walk(tree))
        if nodes > MAX_NODES:
            raise ExpressionError(f"expression has {nodes} parts; at most {MAX_NODES} ({self.text[:60]!r}…)")
        self._tree = tree.body
        self.names: set[str] = set()
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            self._check(node.operand)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.Compare):
            self._check(node.left)
            for op, right in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _COMPARE and not isinstance(op, (ast.In, ast.NotIn)):
                    raise ExpressionError(f"operator not allowed in {self.text!r}")
                if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(right, (ast.List, ast.Tuple)):
                    raise ExpressionError(f'\'in\' needs a list like ["a", "b"] in {self.text!r}')
                self._check(right)
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
            self._check_constant(node.value)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for elt in node.elts:
                if not isinstance(elt, ast.Constant):
                    raise ExpressionError(f"lists may hold only literal values in {self.text!r}")
                self._check_constant(elt.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in HISTORY_FUNCTIONS
        ):
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name) or node.keywords:
                raise ExpressionError(
                    f"{node.func.id}() takes one figure id, e.g. {node.func.id}(coverage_rate)"
                )
            self.names.add(node.args[0].id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                allowed = ", ".join(sorted({*FUNCTIONS, *HISTORY_FUNCTIONS}))
                raise ExpressionError(f"only these functions may be called: {allowed} ({self.text!r})")
            if node.keywords:
                raise ExpressionError(f"functions take positional arguments only ({self.text!r})")
            for arg in node.args:
                self._check(arg)
        else:
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions ({self.text!r})")

    def _check_constant(self, value: Any) -> None:
        if isinstance(value, str) and len(value) > MAX_TEXT_CONSTANT:
            raise ExpressionError(f"text in an expression may be at most {MAX_TEXT_CONSTANT} characters")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
            raise ExpressionError(
                f"number {value!r} is out of range (at most {MAX_NUMBER:.0e}) in {self.text!r}"
            )

    def check_names(self, known: Iterable[str]) -> None:
        """Raise :class:`ExpressionError` naming the first unknown name, with a suggestion."""
        known = list(known)
        for name in sorted(self.names):
            if name not in known:
                hint = difflib.get_close_matches(name, known, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ExpressionError(f"unknown name {name!r} in {self.text!r}{suggestion}")

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate over ``env``. ``None`` in scalar arithmetic (an undefined figure) yields ``None``.

        Raises :class:`ExpressionError` for operations on values of the wrong kind (text compared
        with a number, arithmetic on text) and results out of range."""
        try:
            return self._eval(self._tree, env)
        except ExpressionError:
            raise
        except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:
            raise ExpressionError(f"cannot evaluate {self.text!r}: {type(exc).__name__}: {exc}") from None

    def _eval(self, node: ast.AST, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [elt.value for elt in node.elts]  # type: ignore[attr-defined]
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ExpressionError(f"unknown name {node.id!r} in {self.text!r}")
            return env[node.id]
        if isinstance(node, ast.Call) and node.func.id in HISTORY_FUNCTIONS:  # type: ignore[attr-defined]
            name = node.args[0].id  # type: ignore[attr-defined]
            figures = env.get(HISTORY)
            if figures is None or name not in figures:
                raise ExpressionError(
                    f"{node.func.id}({name}) needs a figure with last year's value; "  # type: ignore[attr-defined]
                    "only rule and narrative conditions can read figures' history"
                )
            return HISTORY_FUNCTIONS[node.func.id](figures[name])  # type: ignore[attr-defined]
        if isinstance(node, ast.Call):
            args = [self._eval(arg, env) for arg in node.args]
            return FUNCTIONS[node.func.id](*args)  # type: ignore[attr-defined]
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env)
            if isinstance(node.op, ast.Not):
                return ~_as_bool(value) if _is_series(value) else (not value)
            if value is None:
                return None
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BoolOp):
            values = [self._eval(v, env) for v in node.values]
            if any(_is_series(v) for v in values):
                combined = _as_bool(values[0])
                for v in values[1:]:
                    v = _as_bool(v)
                    combined = (combined & v) if isinstance(node.op, ast.And) else (combined | v)
                return combined
            if isinstance(node.op, ast.And):
                return all(bool(v) for v in values)
            return any(bool(v) for v in values)
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            return _arith(_BINARY[type(node.op)], left, right)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, env)
            result: Any = None
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, env)
                part = _compare(op, left, right)
                result = part if result is None else _and(result, part)
                left = right
            return result
        raise ExpressionError(f"cannot evaluate {self.text!r}")  # unreachable after _check


def _as_bool(value: Any) -> Any:
    if _is_series(value):
        return value.fillna(False).astype(bool)
    return bool(value)


def _and(a: Any, b: Any) -> Any:
    if _is_series(a) or _is_series(b):
        return _as_bool(a) & _as_bool(b)
    return bool(a) and bool(b)


def _arith(fn: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    if isinstance(left, str) or isinstance(right, str):
        raise ExpressionError("arithmetic (+ - * / %) works on numbers, not on text")
    if not (_is_series(left) or _is_series(right)):
        if left is None or right is None:
            return None
        try:
            result = fn(left, right)
        except ZeroDivisionError:
            return None
        if isinstance(result, (int, float)) and not abs(result) <= MAX_RESULT:
            return None  # overflowed to inf, or past any figure a report states: undefined
        return result
    import numpy as np
    import pandas as pd

    with np.errstate(divide="ignore", invalid="ignore"):
        result = fn(left, right)
    if _is_series(result) and pd.api.types.is_float_dtype(result.dtype):
        result = result.replace([np.inf, -np.inf], np.nan)
    return result


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, (ast.In, ast.NotIn)):
        if _is_series(left):
            hit = left.isin(right)
        else:
            hit = left in right
        return (
            ~hit
            if isinstance(op, ast.NotIn) and _is_series(hit)
            else ((not hit) if isinstance(op, ast.NotIn) else hit)
        )
    fn = _COMPARE[type(op)]
    if not (_is_series(left) or _is_series(right)) and (left is None or right is None):
        return False
    result = fn(left, right)
    return _as_bool(result) if _is_series(result) else result


def compile_expression(text: Any, known: Iterable[str] | None = None) -> Expression:
    """Parse ``text`` (a YAML scalar: string, number or boolean) and check its names."""
    expr = _parsed(text if isinstance(text, str) else repr(text))
    if known is not None:
        expr.check_names(known)
    return expr


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Expression:
    """An expression parsed once per process: a city's twenty district configs hold the same
    hundred-odd conditions and formulas. Expressions are not changed once checked."""
    return Expression(text)


# -- in words -------------------------------------------------------------------------------

_COMPARE_WORDS = {
    ast.Eq: "为",
    ast.NotEq: "不是",
    ast.Lt: "少于",
    ast.LtE: "不多于",
    ast.Gt: "多于",
    ast.GtE: "不少于",
}
_BINARY_WORDS = {ast.Add: "加", ast.Sub: "减", ast.Mult: "乘以", ast.Div: "除以", ast.Mod: "除以后的余数"}


def describe(expression: Expression, words: Mapping[str, str], flags: Iterable[str] = ()) -> str:
    """The expression in plain Chinese for a reader, not a programmer: each name as ``words`` calls
    it (a column by its ledger header, a figure by its label, a parameter by its value), operators as
    words (``党员数不少于3``, ``组织类别为“非公企业”``). ``flags`` are yes/no columns, which read as
    ``是否规模以上为“是”`` where they stand alone. Never shows an identifier ``words`` does not name."""
    flag_names = set(flags)

    def name(node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return words.get(node.id, node.id)
        return text(node)

    def constant(value: Any) -> str:
        if isinstance(value, bool):
            return "“是”" if value else "“否”"
        if isinstance(value, str):
            return f"“{value}”"
        return format(value, "g") if isinstance(value, float) else str(value)

    def text(node: ast.AST) -> str:
        if isinstance(node, ast.Constant):
            return constant(node.value)
        if isinstance(node, ast.Name):
            if node.id in flag_names:
                return f"{words.get(node.id, node.id)}为“是”"
            return words.get(node.id, node.id)
        if isinstance(node, ast.BoolOp):
            joiner = "且" if isinstance(node.op, ast.And) else "或"
            parts = [f"（{text(v)}）" if isinstance(v, ast.BoolOp) else text(v) for v in node.values]
            return joiner.join(parts)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                inner = node.operand
                if isinstance(inner, ast.Name) and inner.id in flag_names:
                    return f"{words.get(inner.id, inner.id)}为“否”"
                return f"不满足“{text(inner)}”"
            return ("负" if isinstance(node.op, ast.USub) else "") + text(node.operand)
        if isinstance(node, ast.BinOp):
            return f"{text(node.left)}{_BINARY_WORDS[type(node.op)]}{text(node.right)}"
        if isinstance(node, ast.Compare):
            parts = [name(node.left)]
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple)):
                    values = "、".join(constant(e.value) for e in right.elts if isinstance(e, ast.Constant))
                    parts.append(("为" if isinstance(op, ast.In) else "不是") + values + "之一")
                else:
                    parts.append(_COMPARE_WORDS.get(type(op), "") + text(right))
            return "".join(parts)
        if isinstance(node, (ast.List, ast.Tuple)):
            return "、".join(text(e) for e in node.elts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            arg = name(node.args[0]) if node.args else ""
            return {
                "year": f"{arg}的年份",
                "present": f"填写了{arg}",
                "blank": f"{arg}为空",
                "abs": f"{arg}的绝对值",
                "previous": f"上年{arg}",
                "rose": f"{arg}比上年上升",
                "fell": f"{arg}比上年下降",
                "held": f"{arg}与上年持平",
                "compared": f"{arg}可与上年比较",
                "notable": f"{arg}变化明显",
            }.get(node.func.id, arg)
        return ""

    return text(expression._tree)
