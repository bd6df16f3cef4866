"""Compose the report: render the template set in Jinja's sandbox, then parse its light markup.

Templates write plain text in a small markup, one block per paragraph::

    # 基本情况                  level-1 heading (numbered 一、 二、 …)
    ## 强化组织领导              level-2 heading (（一）（二）…); ### and #### for 1. and （1）
    {{ table("streets") }}      a table from the config's ``tables``
    {{ chart("org_forms") }}    a chart from the config's ``charts``

Blank lines separate paragraphs. Numbers are generated here, so a district can
add, drop or reorder sections without renumbering anything. Figures are
printed by ``{{ f.id }}`` (their display text); which sections use which
figure is recorded for ``figures.json``.

Templates are looked up in the district's folder first, then in the built-in
set; ``{% extends "builtin/default/sections/practices.md.j2" %}`` lets a
district override one block of a built-in template.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.nodes
from jinja2.sandbox import SandboxedEnvironment

from . import resources
from . import zh_numbers as zn
from .charts import ChartImage
from .comparisons import named_text, points_gap
from .config import Config
from .document import Heading, Mention, PageBreak, Paragraph, Picture, Provenance, Report, Table
from .errors import ConfigError, TemplateError
from .errors import Problem as ProblemNote
from .expr import ExpressionError
from .figures import ROUNDED_FORMATS, Figure, FigureSet, exact_text
from .findings import Findings
from .input_files import MB, TEMPLATE_BYTES
from .sandbox import LimitedEnvironment, render_limited

_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*$")
_DIRECTIVE = re.compile(r"^::([a-z_]+)(?:\s+(\S+))?\s*$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]$")
_NARRATIVE_TEXTS = ("title", "text", "intro", "outro")
_REF = re.compile(r"\x00ref:([^\x00]+)\x00")
MAX_TABLE_ROWS = 200
APPENDIX_TITLE = "数据附表"

# Marks around what templates print, read back when the markup is parsed and never passed to a
# writer: \x01F{id}\x02…\x03 a figure's value, \x01C{id}\x02…\x03 its generated change from last
# year, \x01K{key}\x02 … \x01/\x02 text written by a config key (narrative.results.intro, say).
_MARK = re.compile("\x01([FCK/])([^\x02]*)\x02|\x03")


def unmarked(text: str) -> str:
    """``text`` without provenance marks (for a Word template, which prints the context as it is)."""
    return _MARK.sub("", text)


class _Marked(str):
    """Text that compares and measures as itself but prints with provenance marks in templates."""

    marked: str

    def __new__(cls, text: str, marked: str) -> _Marked:
        obj = super().__new__(cls, text)
        obj.marked = marked
        return obj

    def __str__(self) -> str:
        return self.marked


def _unmark(line: str, keys: list[str]) -> tuple[str, list[Mention], list[tuple[int, str]]]:
    """A markup line without its marks; the figures it prints and which key wrote which part.
    ``keys`` is the stack of keys open at the start of the line, updated in place."""
    out: list[str] = []
    length = 0
    mentions: list[Mention] = []
    open_: list[tuple[str, str, int]] = []
    origins = [(0, keys[-1] if keys else "")]
    pos = 0
    for match in _MARK.finditer(line):
        piece = line[pos : match.start()]
        out.append(piece)
        length += len(piece)
        pos = match.end()
        kind, ident = match.group(1), match.group(2)
        if match.group(0) == "\x03":
            if open_:
                k, fig, start = open_.pop()
                mentions.append(Mention("figure" if k == "F" else "change", fig, start, length))
        elif kind in "FC":
            open_.append((kind, ident, length))
        elif kind == "K":
            keys.append(ident)
            origins.append((length, ident))
        elif keys:
            keys.pop()
            origins.append((length, keys[-1] if keys else ""))
    out.append(line[pos:])
    return "".join(out), mentions, origins


class _UsageTracker:
    def __init__(self) -> None:
        self.current = "opening"
        self.used: dict[str, list[str]] = {}
        self.marking = True  # off for a Word template, which prints values as they are
        self.places: dict[str, str] = {}  # figure id → 9个街道和1个镇, for figures counting places

    def use(self, fig_id: str) -> None:
        sections = self.used.setdefault(fig_id, [])
        if self.current not in sections:
            sections.append(self.current)

    def stated(self) -> dict[str, tuple[str, ...]]:
        """Figure id → the sections that printed it so far."""
        return {fig_id: tuple(sections) for fig_id, sections in self.used.items()}


class FigureView:
    """What templates see of a figure: ``{{ f.x }}`` prints its text; ``.value``, ``.change`` and more."""

    def __init__(self, figure: Figure, tracker: _UsageTracker):
        self._figure = figure
        self._tracker = tracker

    def __str__(self) -> str:
        self._tracker.use(self._figure.id)
        if not self._tracker.marking:
            return self._figure.text
        return f"\x01F{self._figure.id}\x02{self._figure.text}\x03"

    def _generated(self, text: str) -> str:
        return _Marked(text, f"\x01C{self._figure.id}\x02{text}\x03" if self._tracker.marking else text)

    def __bool__(self) -> bool:
        return self._figure.value is not None

    @property
    def value(self) -> Any:
        """The number, for conditions and arithmetic; printed as it is (``{{ f.x.value }}``), it counts
        as stated, exactly as ``{{ f.x }}`` does."""
        value = self._figure.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        printed = _PrintedInt(value) if isinstance(value, int) else _PrintedFloat(value)
        printed._view = self
        return printed

    def _printed_value(self) -> str:
        self._tracker.use(self._figure.id)
        text = zn.decimal_text(self._figure.value) if self._figure.value is not None else "—"
        return f"\x01F{self._figure.id}\x02{text}\x03" if self._tracker.marking else text

    @property
    def text(self) -> str:
        return str(self)

    @property
    def label(self) -> str:
        return self._figure.label

    @property
    def defined(self) -> bool:
        return self._figure.value is not None

    @property
    def change(self) -> str | None:
        if self._figure.change is None:
            return None
        self._tracker.use(self._figure.id)
        return self._generated(self._figure.change)

    @property
    def previous(self) -> Any:
        return self._figure.previous

    @property
    def yoy(self) -> str | None:
        """``同比增长5.9%`` / ``同比下降1.3%`` / ``同比持平``; ``None`` without last year's value."""
        fig = self._figure
        if fig.value is None or fig.previous is None:
            return None
        self._tracker.use(fig.id)
        return self._generated(zn.yoy_text(fig.value, fig.previous))

    # -- wording that follows the data -------------------------------------------------

    @property
    def trend(self) -> str | None:
        """``"up"``, ``"down"`` or ``"flat"`` since last year (rates at the printed precision);
        ``None`` without last year's value."""
        return {1: "up", -1: "down", 0: "flat", None: None}[self._figure.direction]

    def say(self, up: str | None = None, down: str | None = None, flat: str = "持平", none: str = "") -> str:
        """The word for this figure's direction: ``{{ f.coverage_rate.say("扩大", "收窄") }}``.
        Defaults: 提高/下降 for rates, 增加/减少 for counts; ``none`` without last year's value."""
        rate = self._figure.format == "percent"
        words = {
            "up": up or ("提高" if rate else "增加"),
            "down": down or ("下降" if rate else "减少"),
            "flat": flat,
            None: none,
        }
        return self._generated(words[self.trend]) if self.trend else none

    @property
    def places(self) -> str:
        """A count of places told by kind from their names: ``9个街道和1个镇`` (``分布在{{ f.streets.places }}``);
        for a figure that does not count places, its value and 街道（乡镇）."""
        text = self._tracker.places.get(self._figure.id)
        if text is None:
            return f"{self}街道（乡镇）"
        self._tracker.use(self._figure.id)
        return self._generated(text)

    @property
    def zero(self) -> bool:
        """The value is 0 (templates say nothing rather than state a zero as an achievement)."""
        return self._figure.value == 0

    @property
    def full(self) -> bool:
        """A rate that prints as 100% (全部 / 实现全覆盖)."""
        value = self._figure.value
        return value is not None and zn.round_half_up(value, 1) >= 100

    # -- comparisons and gaps --------------------------------------------------------

    def below(self, other: FigureView, at_least: float = 0) -> str | None:
        """How far this rate is below ``other``, as printed: ``11.2个百分点``; ``None`` when it is
        not below by more than ``at_least`` points (or either is undefined).
        ``{% set gap = f.a.below(f.b) %}{% if gap %}…``"""
        mine, theirs = self._figure.value, other._figure.value
        if mine is None or theirs is None:
            return None
        gap = points_gap(theirs, mine)
        if gap <= 0 or gap < at_least:
            return None
        self._tracker.use(self._figure.id)
        other._tracker.use(other._figure.id)
        return self._generated(zn.points_text(gap))

    @property
    def named(self) -> str:
        """A comparison's groups with their rates and gaps, furthest behind first (at most its
        ``limit``): 石桥镇党组织覆盖率为60.0%，低于全区4.4个百分点；…; empty when none."""
        spec = self._figure.comparison
        if spec is None:
            raise jinja2.UndefinedError(f"{self._figure.id} is not a comparison: it has no .named")
        groups = self._figure.groups[: spec.get("limit") or None]
        if not groups:
            return ""
        self._tracker.use(self._figure.id)
        return self._generated(named_text(groups, spec["label"], spec["versus"], spec.get("worse", "lower")))

    @property
    def names(self) -> str:
        """A comparison's groups, furthest behind first (at most its ``limit``): 石桥镇、桂香街道."""
        spec = self._figure.comparison or {}
        return "、".join(g.name for g in self._figure.groups[: spec.get("limit") or None])

    @property
    def omitted(self) -> int:
        """How many groups behind the district a comparison counts but does not name (its ``limit``)."""
        spec = self._figure.comparison or {}
        return max(0, len(self._figure.groups) - (spec.get("limit") or len(self._figure.groups)))

    @property
    def points(self) -> str:
        """A comparison's threshold as a reader reads it: ``3个百分点`` (groups further behind are named)."""
        spec = self._figure.comparison
        if spec is None:
            raise jinja2.UndefinedError(f"{self._figure.id} is not a comparison: it has no .points")
        return zn.points_text(Decimal(str(spec["points"])))

    @property
    def groups(self) -> list[dict[str, str]]:
        """A comparison's groups behind the district: ``name``, ``text`` (60.0%), ``gap`` (4.4个百分点)."""
        return [{"name": g.name, "text": g.text, "gap": g.gap_text} for g in self._figure.groups]

    @property
    def first(self) -> bool:
        """Something this year where there was none last year (首次 rather than 继续)."""
        fig = self._figure
        return fig.previous == 0 and bool(fig.value)


class _Printed:
    """A figure's value that records the figure as stated when a template prints it."""

    _view: FigureView

    def __str__(self) -> str:
        return self._view._printed_value()


class _PrintedInt(_Printed, int):
    pass


class _PrintedFloat(_Printed, float):
    pass


class _Figures(Mapping[str, FigureView]):
    def __init__(self, figures: FigureSet, tracker: _UsageTracker):
        self._views = {f.id: FigureView(f, tracker) for f in figures}

    def __getitem__(self, key: str) -> FigureView:
        return self._views[key]

    def __iter__(self):
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)


class _TemplateFiles(jinja2.FileSystemLoader):
    """Template files no larger than :data:`~report_gen.input_files.TEMPLATE_BYTES`, in UTF-8."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        for folder in self.searchpath:
            filename = os.path.join(folder, *jinja2.loaders.split_template_path(template))
            if os.path.isfile(filename) and os.path.getsize(filename) > TEMPLATE_BYTES:
                raise TemplateError(
                    ProblemNote(f"模板文件过大（上限 {TEMPLATE_BYTES // MB} MB）", file=filename)
                )
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            raise TemplateError(ProblemNote("模板文件不是 UTF-8 编码的文本", file=template)) from None


def template_environment(config: Config) -> SandboxedEnvironment:
    """A sandboxed environment searching the district's template folder, then the built-in set."""
    root = resources.templates_root()
    loaders: list[jinja2.BaseLoader] = []
    # A Word template fills the .docx; the built-in set still composes the HTML/Markdown and checks.
    name = "default" if config.word_template else config.template
    district_dir = Path(name)
    if name != "default" and (district_dir.is_dir() or "/" in name or "\\" in name):
        if not district_dir.is_dir():
            raise TemplateError(ProblemNote(f"模板文件夹不存在：{name}", key="template"))
        loaders.append(_TemplateFiles(str(district_dir)))
    elif name != "default":
        if not (root / name).is_dir():
            sets = ", ".join(sorted(p.name for p in root.iterdir() if p.is_dir()))
            raise TemplateError(ProblemNote(f"没有名为“{name}”的内置模板（可用：{sets}）", key="template"))
        loaders.append(_TemplateFiles(str(root / name)))
    loaders.append(_TemplateFiles(str(root / "default")))
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"builtin": _TemplateFiles(str(root))}), *loaders])
    return LimitedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )


class _CompiledCode(jinja2.BytecodeCache):
    """Compiled template files kept in memory for the process, so loading a config again (a
    validate then a build, or one build after another) does not compile them again. Jinja checks
    each file's source against the cached code's checksum, so an edited file is compiled anew.
    Every environment sharing it is made by :func:`template_environment`, with the same options."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self._code) < _MAX_CACHED:
            self._code[bucket.key] = bucket.bytecode_to_string()


_MAX_CACHED = 500
_COMPILED = _CompiledCode()
_TEXT_CODE: dict[str, Any] = {}
"""Config texts compiled to code, by text (for environments of :func:`template_environment`)."""


def _text_template(env: SandboxedEnvironment, text: str) -> jinja2.Template:
    """``env.from_string(text)``, compiling each text once per process."""
    code = _TEXT_CODE.get(text)
    if code is None:
        code = env.compile(text)
        if len(_TEXT_CODE) < _MAX_CACHED:
            _TEXT_CODE[text] = code
    return env.template_class.from_code(env, code, env.make_globals(None))


def _template_problem(exc: Exception, where: str) -> TemplateError:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(
            ProblemNote(
                f"模板语法错误：{exc.message}", file=exc.filename or exc.name or where, row=exc.lineno
            )
        )
    line = None
    file = where
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2") or frame.filename == "<template>":
            line, file = frame.lineno, (frame.filename if frame.filename != "<template>" else where)
    message = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        message = f"模板引用了未定义的内容：{message}"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message = f"模板中有不允许的操作：{message}"
    return TemplateError(ProblemNote(message, file=file, row=line))


@dataclass(frozen=True)
class Claim:
    """What a narrative passage says it asserts of a figure (``claims: {coverage_rate: up}``)."""

    key: str
    figure: str
    expected: str
    text: str


class Composer:
    """Renders the templates and narrative into a :class:`Report`."""

    def __init__(
        self, config: Config, figures: FigureSet, findings: Findings, charts: Mapping[str, ChartImage]
    ):
        self.config = config
        self.figures = figures
        self.findings = findings
        self.charts = charts
        self.templates = config.templates or compile_templates(config)
        self.env = self.templates.env
        self.tracker = _UsageTracker()
        self.tables_used: list[str] = []
        self.charts_used: list[str] = []
        self.claims: list[Claim] = []
        self.condition_env = figures.condition_env(config)
        self.tracker.places = self._places()
        self.context = self._context()

    def _places(self) -> dict[str, str]:
        """For figures counting the ledger's streets, towns and townships (distinct values of the street
        column, unfiltered): the count by kind, read from the names."""
        frame = self.figures.engine.frames.get("organizations")
        if frame is None or "street" not in frame:
            return {}
        names = [str(n) for n in frame["street"].dropna().unique()]
        return {
            fig.id: zn.places_text(names)
            for fig in self.figures
            if fig.source.get("aggregation") == "distinct"
            and fig.source.get("column") == "street"
            and not fig.source.get("filter")
        }

    def _context(self) -> dict[str, Any]:
        rep = self.config.report
        report = {
            "authority": rep.authority,
            "district": rep.district,
            "title": rep.title,
            "year": rep.year,
            "requested_by": rep.requested_by,
            "scope": rep.scope,
            "date_text": rep.date_placeholder or zn.date_text(rep.date),
            "survey_period_text": rep.period_placeholder or zn.period_text(rep.survey_start, rep.survey_end),
            "has_previous": any(f.previous is not None for f in self.figures),
            # 全区 / 全县 and 区委 / 县委, after the kind of district this report is about.
            "whole": rep.whole,
            "committee": rep.kind + "委",
        }
        views = _Figures(self.figures, self.tracker)
        return {
            "report": report,
            "f": views,
            "params": dict(self.config.section("params")),
            "sections": self.config.sections,
            "table": self._table_directive,
            "chart": self._chart_directive,
            "enter": self._enter,
            "ref": self._ref,
            "notable_changes": self._notable_changes(views),
            "year_on_year_text": self._year_on_year_text(views),
        }

    def _notable_changes(self, views: _Figures) -> list[FigureView]:
        """Headline figures whose change from last year passes the config's thresholds, in order
        (templates print ``{{ c.label }}{{ c.change }}``)."""
        ids = self.config.section("year_on_year").get("figures") or []
        return [views[i] for i in ids if i in self.figures.figures and self.figures[i].notable]

    def _year_on_year_text(self, views: _Figures) -> str:
        """The notable changes as one official sentence, grouped by theme (``year_on_year.themes``):
        与上年相比，全区“两新组织”增加18家（增长4.2%），从业人员增加2704人（增长5.9%）；党员增加130名
        （增长6.7%）；…。Each figure is named as ``year_on_year.names`` says, else by its label. Empty
        when nothing changed notably."""
        spec = self.config.section("year_on_year")
        changes = [v for v in self._notable_changes(views)]
        if not changes:
            return ""
        names = spec.get("names") or {}
        themes: list[list[str]] = [list(t) for t in spec.get("themes") or []]
        placed = {i for theme in themes for i in theme}
        themes.append([v._figure.id for v in changes if v._figure.id not in placed])
        clauses = []
        for theme in themes:
            pieces = []
            for view in changes:
                fig = view._figure
                if fig.id not in theme or fig.value is None or fig.previous is None:
                    continue
                self.tracker.use(fig.id)
                phrase = zn.change_phrase(fig.value, fig.previous, fig.unit, rate=fig.format == "percent")
                pieces.append(view._generated(f"{names.get(fig.id, fig.label)}{phrase}"))
            if pieces:
                clauses.append("，".join(str(p) for p in pieces))
        return f"与上年相比，{self.config.report.whole}" + "；".join(clauses) + "。"

    def _enter(self, section: str) -> str:
        """Start a section: figures printed from here on are recorded under it, and the
        blocks that follow in the markup belong to it."""
        self.tracker.current = section
        return f"\n::section {section}\n"

    def _ref(self, ident: str) -> str:
        """A cross-reference (``表1``, ``图2``), resolved once tables and charts are numbered."""
        if ident not in self.config.section("tables") and ident not in self.charts:
            raise jinja2.UndefinedError(f"ref({ident!r}): no such table or chart in the config")
        return f"\x00ref:{ident}\x00"

    def _table_directive(self, table_id: str) -> str:
        if table_id not in self.config.section("tables"):
            raise jinja2.UndefinedError(f"no table {table_id!r} in the config's tables")
        return f"\n::table {table_id}\n"

    def _chart_directive(self, chart_id: str) -> str:
        if chart_id not in self.charts:
            raise jinja2.UndefinedError(f"no chart {chart_id!r} in the config's charts")
        return f"\n::chart {chart_id}\n"

    def render_text(self, text: str, key: str, section: str) -> str:
        """Render one narrative string from the config (it may embed figures); the result is marked
        as written by ``key``, so a claim found in it names that key."""
        self.tracker.current = section
        try:
            rendered = render_limited(self.templates.from_string(text), self.context)
        except jinja2.TemplateError as exc:
            raise _template_problem(exc, f"{self.config.path.name}: {key}") from None
        if not self.tracker.marking:
            return rendered
        # Each line is marked on its own: a blank line in the text starts a new paragraph.
        return "\n".join(
            f"{m.group(1)}\x01K{key}\x02{m.group(2)}\x01/\x02" if line.strip() else line
            for line in rendered.split("\n")
            for m in [re.match(r"(\s*(?:#{1,4}\s+)?)(.*)$", line, re.S)]
            if m is not None
        )

    def holds(self, condition: Any, key: str) -> bool:
        """A narrative ``when``: the same safe expressions as problem rules; undefined is false."""
        expr = self.config.expression(key)
        try:
            return bool(expr.evaluate(self.condition_env))
        except ExpressionError as exc:
            raise ConfigError(ProblemNote(str(exc), key=key)) from None

    def _branch(self, spec: Mapping[str, Any], key: str) -> tuple[Mapping[str, Any], str] | None:
        """The passage or item that is stated: ``spec`` when its ``when`` holds (or it has none),
        else its ``else`` (itself conditional), else nothing."""
        while True:
            if "when" not in spec or self.holds(spec["when"], f"{key}.when"):
                return spec, key
            alternative = spec.get("else")
            if alternative is None:
                return None
            spec, key = alternative, f"{key}.else"

    def _claims(self, spec: Mapping[str, Any], key: str, text: str) -> None:
        for figure, expected in (spec.get("claims") or {}).items():
            self.claims.append(Claim(key, figure, expected, unmarked(text)))

    def _narrative(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        for name, block in self.config.section("narrative").items():
            section = name if name in self.config.sections else "opening"
            out: dict[str, Any] = dict.fromkeys(_NARRATIVE_TEXTS)
            if block.get("title"):
                out["title"] = self.render_text(block["title"], f"narrative.{name}.title", section)
            for field in ("text", "intro", "outro"):
                if not block.get(field):
                    continue
                chosen = self._branch(block[field], f"narrative.{name}.{field}")
                if chosen is not None:
                    spec, key = chosen
                    text_key = key if set(spec) == {"text"} else f"{key}.text"
                    out[field] = self.render_text(spec["text"], text_key, section)
                    self._claims(spec, key, out[field])
            out["items"] = []
            for item_id, item in (block.get("items") or {}).items():
                chosen = self._branch(item, f"narrative.{name}.items.{item_id}")
                if chosen is None:
                    continue
                spec, key = chosen
                title_key = f"{key}.title" if spec.get("title") else f"narrative.{name}.items.{item_id}.title"
                title = self.render_text(spec.get("title") or item["title"], title_key, section)
                text = self.render_text(spec["text"], f"{key}.text", section)
                self._claims(spec, key, title + "。" + text)
                out["items"].append({"id": item_id, "title": title, "text": text})
            rendered[name] = out
        return rendered

    def _findings(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        titles = {p.id: p.title for p in self.findings.problems}
        problems = [
            {
                "id": p.id,
                "title": self.render_text(p.title, f"problems.{p.id}.title", "problems"),
                "text": self.render_text(p.text, f"problems.{p.id}.text", "problems"),
                "data_backed": p.data_backed,
            }
            for p in self.findings.problems
        ]
        recommendations = [
            {
                "id": r.id,
                "title": self.render_text(r.title, f"recommendations.{r.id}.title", "recommendations"),
                "text": self.render_text(r.text, f"recommendations.{r.id}.text", "recommendations"),
                "answers": [titles[a] for a in r.answers],
            }
            for r in self.findings.recommendations
        ]
        return problems, recommendations

    def compose(self) -> Composition:
        """The report, and where it states each figure."""
        self.context["narrative"] = _NarrativeAccess(self._narrative())
        self.context["problems"], self.context["recommendations"] = self._findings()
        try:
            markup = render_limited(self.env.get_template("report.md.j2"), self.context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(ProblemNote(f"找不到模板文件：{exc.name}", key="template")) from None
        except jinja2.TemplateError as exc:
            raise _template_problem(exc, "report.md.j2") from None
        rep = self.config.report
        report = Report(
            authority=rep.authority,
            title=rep.title,
            signature=rep.authority,
            date_text=rep.date_placeholder or zn.date_text(rep.date),
            draft=self.config.draft,
        )
        report.blocks = self._parse(self._resolve_refs(markup))
        # Texts are rendered before the report template decides which to print: a figure counts as
        # stated when a printed block carries it (the marks read back from the markup).
        printed = {m.figure for b in report.blocks for m in getattr(b, "provenance", Provenance()).mentions}
        stated = {k: v for k, v in self.tracker.stated().items() if k in printed}
        if rep.appendix:
            report.appendix = self._appendix(len([b for b in report.blocks if isinstance(b, Table)]), stated)
            report.attachments = [APPENDIX_TITLE]
        return Composition(report, stated)

    def unplaced(self) -> list[ProblemNote]:
        """Warnings for tables and charts the config defines but no template places (after :meth:`compose`)."""
        warnings = []
        for kind, used, label in (("tables", self.tables_used, "表格"), ("charts", self.charts_used, "图表")):
            for item in self.config.section(kind):
                if item not in used:
                    warnings.append(
                        ProblemNote(
                            f'配置了{label}“{item}”，但模板中没有放置它（用 {{{{ {kind[:-1]}("{item}") }}}}）',
                            key=f"{kind}.{item}",
                            severity="warning",
                        )
                    )
        return warnings

    def empty_sections(self, report: Report) -> list[ProblemNote]:
        """Warnings for sections the config lists (``sections``) that came out with nothing in them
        (practices with no narrative written): the report leaves them out."""
        filled = {block.section for block in report.blocks}
        return [
            ProblemNote(
                f"sections 列出了“{name}”，但这一部分没有内容（narrative.{name} 未填写），报告中略去了这一部分",
                key=f"narrative.{name}",
                severity="warning",
            )
            for name in self.config.sections
            if name not in filled
        ]

    def word_context(self) -> WordContext:
        """What a district's Word template sees (after :meth:`compose`): the same names as the
        built-in templates, without the markup directives or provenance marks, plus every
        configured table. Its own tracker records what the Word template prints: that, and only
        that, is what the .docx states."""
        tracker = _UsageTracker()
        tracker.current = "word_template"
        tracker.marking = False
        views = _Figures(self.figures, tracker)
        context = {k: v for k, v in self.context.items() if k not in ("table", "chart", "ref", "enter")}
        context["f"] = views
        context["notable_changes"] = self._notable_changes(views)
        context["narrative"] = _NarrativeAccess(_without_marks(self.context["narrative"]._data, tracker))
        context["problems"] = _without_marks(self.context["problems"], tracker)
        context["recommendations"] = _without_marks(self.context["recommendations"], tracker)
        return WordContext(context, tracker)

    def all_tables(self) -> dict[str, Table]:
        return {
            table_id: build_table(table_id, spec, self.figures, number, "word_template")
            for number, (table_id, spec) in enumerate(self.config.section("tables").items(), start=1)
        }

    # -- markup -----------------------------------------------------------------------

    def _parse(self, markup: str) -> list[Any]:
        blocks: list[Any] = []
        counters = [0, 0, 0, 0]
        state = _ParseState()
        lines: list[tuple[str, Provenance]] = []
        keys: list[str] = []

        def flush() -> None:
            if lines:
                text = ""
                provenance = Provenance()
                for line, marks in lines:
                    if text and _ASCII_WORD.search(text) and re.match(r"[A-Za-z0-9]", line):
                        text += " "
                    _shifted(marks, len(text), provenance)
                    text += line
                blocks.append(Paragraph(text, state.section, provenance=provenance))
                lines.clear()

        for raw in markup.splitlines():
            clean, mentions, origins = _unmark(raw, keys)
            line = clean.strip()
            marks = Provenance(mentions, origins)
            lead = len(clean) - len(clean.lstrip())
            if not line:
                flush()
                continue
            heading = _HEADING.match(line)
            directive = _DIRECTIVE.match(line)
            if heading:
                flush()
                level = len(heading.group(1))
                counters[level - 1] += 1
                for deeper in range(level, 4):
                    counters[deeper] = 0
                number = zn.section_number(level, counters[level - 1])
                provenance = Provenance()
                _shifted(marks, -(lead + heading.start(2)), provenance)
                blocks.append(Heading(level, heading.group(2), number, state.section, provenance=provenance))
            elif directive:
                flush()
                kind, ident = directive.group(1), directive.group(2)
                make = BLOCKS.get(kind)
                if make is None:
                    raise TemplateError(
                        ProblemNote(
                            f"模板中的“::{kind}”不是可用的版块（可用：{'、'.join(BLOCKS)}）", key="template"
                        )
                    )
                block = make(self, ident, state)
                if block is not None:
                    blocks.append(block)
            else:
                shifted = Provenance()
                _shifted(marks, -lead, shifted)
                lines.append((line, shifted))
        flush()
        return blocks

    def _resolve_refs(self, markup: str) -> str:
        """Cross-references as 表N/图N, numbered in the order the markup places tables and charts
        (resolved before parsing, so positions recorded in the text stay right)."""
        numbers: dict[str, str] = {}
        counts = {"table": 0, "chart": 0}
        for line in markup.splitlines():
            directive = _DIRECTIVE.match(line.strip())
            if directive and directive.group(1) in counts:
                counts[directive.group(1)] += 1
                prefix = "表" if directive.group(1) == "table" else "图"
                numbers.setdefault(directive.group(2), f"{prefix}{counts[directive.group(1)]}")
        return _REF.sub(lambda m: self._resolve_ref(m.group(1), numbers), markup)

    def _resolve_ref(self, ident: str, numbers: dict[str, str]) -> str:
        if ident not in numbers:
            raise TemplateError(ProblemNote(f"ref(“{ident}”) 引用的表或图没有出现在报告中", key="template"))
        return numbers[ident]

    def _table(self, table_id: str, number: int, section: str) -> Table:
        spec = self.config.section("tables")[table_id]
        self.tables_used.append(table_id)
        return build_table(table_id, spec, self.figures, number, section)

    def _picture(self, chart_id: str, number: int, section: str) -> Picture:
        image = self.charts[chart_id]
        self.charts_used.append(chart_id)
        return Picture(chart_id, number, image.caption, image, image.alt, section)

    def _appendix(self, tables_before: int, stated: Mapping[str, Any]) -> list[Any]:
        """The 数据附表: configured tables the body does not already show, then the check sheet of
        every figure the report states (:meth:`_figure_list`)."""
        blocks: list[Any] = [
            PageBreak("appendix"),
            Paragraph("附件", "appendix", kind="attachment_label"),
            Heading(0, APPENDIX_TITLE, "", "appendix"),
        ]
        number = tables_before + 1
        in_body = set(self.tables_used)
        for table_id, spec in self.config.section("tables").items():
            if table_id in in_body:
                continue  # a table is printed once: the body's copy is the one readers cite
            blocks.append(build_table(table_id, spec, self.figures, number, "appendix"))
            self.tables_used.append(table_id)
            number += 1
        blocks.append(self._figure_list(number, stated))
        return blocks

    def _figure_list(self, number: int, stated_ids: Mapping[str, Any]) -> Table:
        """A reviewer's check sheet: every figure the report states, exactly as counted (48612, not
        近5万人), this year and last under year headers, its definition in words, grouped under
        the source it was counted from (a ledger as readers name it, or a manual figure's document)."""
        year = self.config.report.year
        stated = [fig for fig in self.figures if fig.id in stated_ids]
        with_previous = any(fig.previous is not None for fig in stated)
        names = self.figures.engine.names
        groups: dict[str, list[Figure]] = {}
        for fig in stated:
            groups.setdefault(_source_heading(fig, names, self.config), []).append(fig)
        header = ["指标", "单位", f"{year}年", *([f"{year - 1}年"] if with_previous else []), "口径"]
        rows: list[list[str]] = []
        spans: list[int] = []
        for heading, figs in groups.items():
            spans.append(len(rows))
            rows.append([heading] + [""] * (len(header) - 1))
            for fig in figs:
                values = [exact_text(fig.value, fig.format)]
                if with_previous:
                    values.append(exact_text(fig.previous, fig.format) if fig.comparable else "—")
                unit = "%" if fig.format == "percent" else fig.unit
                definition = (
                    fig.definition if not fig.manual or fig.definition != fig.label else "按来源材料所载数值"
                )
                rows.append([fig.label, unit, *values, definition])
        notes = []
        rounded = [
            f"“{fig.text}”" for fig in stated if fig.format in ROUNDED_FORMATS and fig.value is not None
        ]
        if rounded:
            notes.append(
                f"表中计数为统计所得的精确数，比例保留一位小数；正文中{''.join(rounded[:3])}等约数据此取整"
            )
        fractional = [  # averages and the like: the table has the digits the text rounds away
            f"“{fig.text}”"
            for fig in stated
            if fig.format not in (*ROUNDED_FORMATS, "percent")
            and isinstance(fig.value, (int, float))
            and not float(fig.value).is_integer()
            and exact_text(fig.value, fig.format) not in fig.text
        ]
        if fractional:
            notes.append(
                f"正文中{''.join(fractional[:3])}{'等' if len(fractional) > 1 else ''}是表中数四舍五入后的数"
            )
        if with_previous and any(not fig.comparable for fig in stated):
            notes.append(f"{year - 1}年一栏为“—”的指标不作上年比较")
        return Table(
            "figure_list",
            number,
            "报告所用数据及口径",
            header,
            rows,
            "appendix",
            spans=spans,
            notes=["注：" + "；".join(notes) + "。"] if notes else [],
        )


def _source_heading(fig: Figure, names: Mapping[str, str], config: Config) -> str:
    """The line over a group of figures in the check sheet: where they were counted from."""
    if fig.manual:
        return f"人工录入，资料来源：{fig.source.get('note')}"
    table = fig.source.get("table") or config.main_ledger
    contract = config.ledgers.get(table)
    name = fig.source.get("name") or names.get(table) or (contract.label if contract else table)
    previous = config.previous_ledger(table)
    if previous and names.get(previous):
        return f"资料来源：{name}；上年数据来源：{names[previous]}"
    return f"资料来源：{name}"


@dataclass
class _ParseState:
    """Where the markup parser is: the section blocks belong to, and how many of each are placed."""

    section: str = "opening"
    placed: dict[str, int] = dataclasses.field(default_factory=dict)

    def next(self, kind: str) -> int:
        self.placed[kind] = self.placed.get(kind, 0) + 1
        return self.placed[kind]

    def enter(self, section: str | None) -> None:
        self.section = section or self.section


BLOCKS: dict[str, Callable[[Composer, str | None, _ParseState], Any]] = {
    "table": lambda c, ident, state: c._table(str(ident), state.next("table"), state.section),
    "chart": lambda c, ident, state: c._picture(str(ident), state.next("chart"), state.section),
    "pagebreak": lambda c, ident, state: PageBreak(state.section),
    "section": lambda c, ident, state: state.enter(ident),
}
"""The document blocks a ``::name ident`` line of the markup places (``None``: no block, a change of state)."""


def _without_marks(value: Any, tracker: _UsageTracker) -> Any:
    """Rendered texts as a Word template prints them: without marks, but recording the figures
    they state when printed."""
    if isinstance(value, str):
        figures = [m.group(2) for m in _MARK.finditer(value) if m.group(1) in ("F", "C")]
        return (
            _Stating(unmarked(value), tuple(dict.fromkeys(figures)), tracker) if figures else unmarked(value)
        )
    if isinstance(value, dict):
        return {k: _without_marks(v, tracker) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_marks(v, tracker) for v in value]
    return value


class _Stating(str):
    """A rendered text that records the figures it states when a template prints it."""

    figures: tuple[str, ...]
    tracker: _UsageTracker

    def __new__(cls, text: str, figures: tuple[str, ...], tracker: _UsageTracker) -> _Stating:
        obj = super().__new__(cls, text)
        obj.figures, obj.tracker = figures, tracker
        return obj

    def __str__(self) -> str:
        for fig_id in self.figures:
            self.tracker.use(fig_id)
        return str.__str__(self)


@dataclass(frozen=True)
class Composition:
    """What composing made: the report, and where it states each figure (figure id → sections,
    in the order first stated; a figure not stated is absent)."""

    report: Report
    stated: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class WordContext:
    """What a Word template is filled with, and the record of what it printed."""

    context: dict[str, Any]
    tracker: _UsageTracker

    def stated(self) -> dict[str, tuple[str, ...]]:
        return self.tracker.stated()


class _NarrativeAccess(Mapping[str, Any]):
    """Narrative blocks by section name; a section the config does not describe is empty, not an error."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data.get(key, {**dict.fromkeys(_NARRATIVE_TEXTS), "items": []})

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _shifted(marks: Provenance, offset: int, into: Provenance) -> None:
    """Add ``marks`` to ``into`` with every position moved by ``offset`` (never before 0)."""
    for m in marks.mentions:
        into.mentions.append(Mention(m.kind, m.figure, max(0, m.start + offset), max(0, m.end + offset)))
    for start, key in marks.origins:
        into.origins.append((max(0, start + offset), key))


def table_cell(value: Any, figure: Figure) -> str:
    """A value as a table cell prints it: percentages to one decimal in every row, counts whole."""
    if value is None or value != value:  # NaN
        return "—"
    if figure.format == "percent":
        return f"{zn.round_half_up(value, 1):f}"  # one decimal in every row, so the column lines up
    if figure.format in ("count",):
        return zn.integer_text(value)
    return zn.decimal_text(value)


def build_table(
    table_id: str, spec: Mapping[str, Any], figures: FigureSet, number: int, section: str
) -> Table:
    """A per-group table (one row per value of ``by``) with the district figures as the 合计 row."""
    columns = spec["columns"]
    frame = figures.breakdown(spec["by"], columns)
    if len(frame) > MAX_TABLE_ROWS:
        raise ConfigError(
            ProblemNote(
                f"按“{spec['by']}”分组有{len(frame)}类，报告中的表格最多列{MAX_TABLE_ROWS}行；请改按类别较少的列分组",
                key=f"tables.{table_id}.by",
            )
        )
    header = [spec.get("by_label", spec["by"])]
    for col in columns:
        fig = figures[col]
        header.append(f"{fig.column_label}（{fig.unit}）" if fig.unit else fig.column_label)
    rows = [
        [str(group)] + [table_cell(frame.at[group, c], figures[c]) for c in columns] for group in frame.index
    ]
    total = spec.get("total_row", True)
    if total:
        rows.append(["合计"] + [table_cell(figures[c].value, figures[c]) for c in columns])
    additive = [figures[c].additive for c in columns]
    # {ledger}: the ledger the table counts, as a reader names it (its title row, its label, its file)
    ledger = figures.engine.names.get(spec.get("table") or figures.engine.main, "")
    notes = [
        f"{word}：{str(spec[key]).replace('{ledger}', ledger)}"
        for key, word in (("source", "资料来源"), ("note", "注"))
        if spec.get(key)
    ]
    return Table(
        table_id,
        number,
        spec["caption"],
        header,
        rows,
        section,
        total_row=total,
        additive=additive,
        notes=notes,
    )


def _config_texts(config: Config) -> list[tuple[str, str]]:
    """(key, text) of every config string rendered as a template, in every ``else`` branch too."""
    texts: list[tuple[str, str]] = []

    def branches(spec: Any, key: str) -> None:
        while isinstance(spec, Mapping):
            texts.extend((f"{key}.{k}", spec[k]) for k in ("title", "text") if isinstance(spec.get(k), str))
            spec, key = spec.get("else"), f"{key}.else"

    for name, block in config.section("narrative").items():
        if isinstance(block.get("title"), str):
            texts.append((f"narrative.{name}.title", block["title"]))
        for field in ("text", "intro", "outro"):
            branches(block.get(field), f"narrative.{name}.{field}")
        for item_id, item in (block.get("items") or {}).items():
            branches(item, f"narrative.{name}.items.{item_id}")
    for kind in ("problems", "recommendations"):
        for rule_id, rule in config.section(kind).items():
            texts += [(f"{kind}.{rule_id}.{k}", rule[k]) for k in ("title", "text")]
    return texts


@dataclass
class CompiledTemplates:
    """A config's template environment, its templates compiled, and every config text compiled
    (by its text: the same text under two keys is compiled once)."""

    env: SandboxedEnvironment
    texts: dict[str, jinja2.Template]

    def from_string(self, text: str) -> jinja2.Template:
        found = self.texts.get(text)
        if found is None:
            found = self.texts[text] = _text_template(self.env, text)
        return found


def compile_templates(config: Config) -> CompiledTemplates:
    """Find and compile, without rendering, every template a build would use and every config
    text rendered as one. Raises :class:`TemplateError` naming the first file or key that fails."""
    env = template_environment(config)
    try:
        env.get_template("report.md.j2")
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(ProblemNote(f"找不到模板文件：{exc.name}", key="template")) from None
    except jinja2.TemplateError as exc:
        raise _template_problem(exc, "report.md.j2") from None
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            raise _template_problem(exc, name) from None
    texts: dict[str, jinja2.Template] = {}
    figure_ids = {
        *config.section("indicators"),
        *config.section("manual_figures"),
        *config.section("comparisons"),
    }
    for key, text in _config_texts(config):
        try:
            if text not in texts:
                texts[text] = _text_template(env, text)
            unknown = sorted(_figures_named(env, text) - figure_ids)
        except jinja2.TemplateError as exc:
            raise _template_problem(exc, f"{config.path.name}: {key}") from None
        if unknown:
            hint = difflib.get_close_matches(unknown[0], figure_ids, n=1)
            extra = f"；是否应为 f.{hint[0]}？" if hint else ""
            raise TemplateError(
                ProblemNote(f"模板引用了未定义的指标：f.{unknown[0]}{extra}", file=config.path.name, key=key)
            )
    return CompiledTemplates(env, texts)


_NAMED: dict[str, frozenset[str]] = {}


def _figures_named(env: SandboxedEnvironment, text: str) -> frozenset[str]:
    """The figure ids a template text reads as ``f.ID`` or ``f["ID"]`` (once per text and process)."""
    named = _NAMED.get(text)
    if named is None:
        named = frozenset(_figure_references(env.parse(text)))
        if len(_NAMED) < _MAX_CACHED:
            _NAMED[text] = named
    return named


def _figure_references(tree: jinja2.nodes.Template) -> set[str]:
    found: set[str] = set()
    for node in tree.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        target = getattr(node, "node", None)
        if not (isinstance(target, jinja2.nodes.Name) and target.name == "f"):
            continue
        if isinstance(node, jinja2.nodes.Getattr):
            found.add(node.attr)
        elif isinstance(node, jinja2.nodes.Getitem):
            arg = node.arg
            if isinstance(arg, jinja2.nodes.Const) and isinstance(arg.value, str):
                found.add(arg.value)
    return found
