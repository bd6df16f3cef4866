"""Jinja's sandbox with bounds: a template is the user's input too.

Without bounds, ``range(10**9)``, ``'a' * 10**9``, ``"%9999999999s" % x`` or a
macro calling itself would run for minutes or take gigabytes before any error.
Every bound ends as a :class:`jinja2.exceptions.SecurityError`, which the
composer reports as the user's template mistake, naming the template or key.
"""

from __future__ import annotations

import inspect
import re
import signal
import threading
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

# What one render may do.
MAX_RANGE = 10_000
MAX_RANGE_TOTAL = 200_000
MAX_TEXT = 1_000_000
MAX_POWER = 1_000
RENDER_SECONDS = 10


class TemplateLimitError(jinja2.exceptions.SecurityError):
    """A template asked for more than one render may do."""


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


_COMPILED: dict[tuple[Any, ...], Any] = {}
_COMPILED_ENTRIES = 2000


class LimitedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with bounds on what a template can make: ranges, repeated text, powers,
    formatted widths and the whole output; :func:`render_limited` adds a time limit."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.ranges_left = MAX_RANGE_TOTAL
        self.globals["range"] = self._range
        for name in ("center", "indent", "format", "wordwrap", "truncate"):
            self.filters[name] = self._checked(self.filters[name])

    def compile(  # type: ignore[override]
        self,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Jinja's compile, remembered for this process: a batch renders the same templates and
        narrative for every district, and compiling is most of a template's cost. The code depends
        only on the source and on settings that shape it, which are part of the key."""
        compile_now: Any = super().compile  # typed per overload of raw; passed through as given
        if not isinstance(source, str):
            return compile_now(source, name, filename, raw, defer_init)
        key = (
            type(self),
            self.block_start_string,
            self.variable_start_string,
            self.comment_start_string,
            self.line_statement_prefix,
            self.line_comment_prefix,
            self.trim_blocks,
            self.lstrip_blocks,
            self.keep_trailing_newline,
            self.newline_sequence,
            self.optimized,
            repr(self.autoescape),
            repr(self.finalize),  # the code calls it, or not, by what it is when compiled
            self.is_async,
            tuple(sorted(self.extensions)),
            # whether each filter and test takes the context: decided when the code is generated
            tuple(sorted((k, str(getattr(v, "jinja_pass_arg", ""))) for k, v in self.filters.items())),
            tuple(sorted((k, str(getattr(v, "jinja_pass_arg", ""))) for k, v in self.tests.items())),
            source,
            name,
            filename,
            raw,
            defer_init,
        )
        code = _COMPILED.get(key)
        if code is None:
            code = compile_now(source, name, filename, raw, defer_init)
            if len(_COMPILED) >= _COMPILED_ENTRIES:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = code
        return code

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        self.ranges_left -= len(numbers)
        if len(numbers) > MAX_RANGE or self.ranges_left < 0:
            raise TemplateLimitError(
                f"range 过大（单个不超过{MAX_RANGE}项，一次渲染共不超过{MAX_RANGE_TOTAL}项）"
            )
        return numbers

    def _checked(self, function: Any) -> Any:
        def bounded(*args: Any, **kwargs: Any) -> Any:
            self._check_arguments(args, kwargs)
            return _limit_text(function(*args, **kwargs))

        return bounded

    @staticmethod
    def _check_arguments(args: Any, kwargs: Any) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEXT:
                raise TemplateLimitError(f"参数 {value} 过大")
            if isinstance(value, str) and re.search(r"[0-9]{7,}", value):
                raise TemplateLimitError("格式中的宽度过大")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_POWER:
            raise TemplateLimitError(f"乘方的指数 {right} 过大")
        if operator == "*":
            count = right if _size(left) else left if _size(right) else None
            if isinstance(count, int) and count * max(_size(left), _size(right)) > MAX_TEXT:
                raise TemplateLimitError("重复的文字或列表过长")
        if operator == "%" and isinstance(left, str):
            self._check_arguments((left,), {})
        return _limit_text(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self._check_arguments(args, kwargs)
        bound = getattr(inspect.unwrap(__obj), "__self__", None)  # the sandbox wraps str.format
        if isinstance(bound, str):  # "{:>999999999}".format(x) and friends
            __self._check_arguments((bound,), {})
        return _limit_text(super().call(__context, __obj, *args, **kwargs))


def _limit_text(value: Any) -> Any:
    if _size(value) > MAX_TEXT:
        raise TemplateLimitError(f"生成的文字过长（超过{MAX_TEXT}字）")
    return value


class _RenderTimeout(Exception):
    pass


def render_limited(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """Render with the environment's bounds, a cap on the output and, in the main thread, a time
    limit (a loop nested in a loop can stay within every other bound and still run for hours)."""
    env = template.environment
    if isinstance(env, LimitedEnvironment):
        env.ranges_left = MAX_RANGE_TOTAL
    use_timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if use_timer:

        def expire(signum: int, frame: Any) -> None:
            raise _RenderTimeout

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, RENDER_SECONDS)
    try:
        parts: list[str] = []
        length = 0
        for part in template.generate(context):
            length += len(part)
            if length > MAX_TEXT:
                raise TemplateLimitError(f"生成的文字过长（超过{MAX_TEXT}字）")
            parts.append(part)
        return "".join(parts)
    except _RenderTimeout:
        raise TemplateLimitError(f"渲染超过{RENDER_SECONDS}秒（模板中的循环过多？）") from None
    except RecursionError:
        raise TemplateLimitError("宏或模板调用自身的层次过深") from None
    except (OverflowError, MemoryError, ValueError, TypeError, ArithmeticError) as exc:
        raise TemplateLimitError(f"{type(exc).__name__}: {exc}") from None
    finally:
        if use_timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
