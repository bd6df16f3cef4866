"""One exception root for everything the user can fix, and the problems it carries.

A :class:`Problem` says *where* (file, sheet, Excel row, column header as the
user wrote it, or a config key path) and *what* (the value and what was
expected). Stages collect problems and raise one error carrying all of them,
so a user fixes a ledger or a config in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .user_paths import readable

# What a message shows of text the user supplied (a cell, a key, a file name): terminal control
# characters and unpaired surrogates (a file name that is not UTF-8) escaped as Python writes
# them, so nothing printed can move the cursor or fail to encode, and long text cut short.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
VALUE_CHARS = 80
MESSAGE_CHARS = 600


def shown(text: object, limit: int = VALUE_CHARS) -> str:
    """``text`` safe to print in one line: control characters escaped, at most ``limit`` characters
    (the rest counted, not shown)."""
    text = str(text)
    if len(text) > limit:
        text = f"{text[:limit]}…（共{len(text)}字）"
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``severity="error"``) or worth a look (``"warning"``).

    Every location field is optional: ``None`` means the problem does not sit
    at that level (a missing column has no row; a config problem has no file
    row but has ``key``).
    """

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    key: str | None = None
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(shown(readable(self.file), 200))
        if self.sheet:
            parts.append(f"工作表“{shown(self.sheet)}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列“{shown(self.column)}”")
        if self.key:
            parts.append(shown(self.key, 200))
        return "，".join(parts)

    def __str__(self) -> str:
        """One line: where, the value (cut short) and what is wrong, control characters escaped."""
        where = self.location()
        value = f"“{shown(readable(self.value))}”" if self.value else ""
        message = shown(readable(self.message), MESSAGE_CHARS)
        text = f"{value}{message}" if value else message
        return f"{where}：{text}" if where else text


class ReportGenError(Exception):
    """Base of every error the user can act on. Exit status 2 unless a subclass says otherwise."""

    exit_code = 2
    kind = "输入有误"

    def __init__(self, problems: Problem | str | Iterable[Problem]):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ReportGenError):
    kind = "配置有误"


class DataError(ReportGenError):
    kind = "数据有误"


class TemplateError(ReportGenError):
    kind = "模板有误"


class ReportCheckError(ReportGenError):
    """The composed report failed a text check (dates, numbering, repeated items...)."""

    kind = "报告检查未通过"


class OptionError(ReportGenError):
    kind = "命令行参数有误"


class EnvironmentProblem(ReportGenError):
    """The machine lacks something the build needs (a CJK font, say). Not the user's input."""

    exit_code = 1
    kind = "运行环境缺少组件"


class OutputError(ReportGenError):
    """The outputs could not be written (folder not writable, file open in Word...)."""

    exit_code = 1
    kind = "无法写出结果"
