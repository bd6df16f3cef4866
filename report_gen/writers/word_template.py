"""Word-template mode: a district's own .docx with Jinja placeholders, filled by docxtpl.

The template sees what the built-in templates see: ``report``, ``f`` (every
figure: ``{{ f.party_orgs }}`` prints ``121个``), ``params``, ``narrative``,
``problems``, ``recommendations``, plus ``tables`` (caption, header, rows,
for ``{%tr for row in tables.streets.rows %}`` loops) and ``charts``
(``{{ charts.orgs_by_street }}`` places the picture).

Rendering is sandboxed and autoescaped: text from data is escaped for XML, so
an organisation named ``A<B & C公司`` appears exactly so, instead of cutting
off the document at ``<`` or ``&`` as docxtpl does by default.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ..charts import ChartImage
from ..document import Table
from ..errors import Problem, TemplateError
from ..input_files import DOCX_BYTES, read_limited
from ..sandbox import LimitedEnvironment
from .ooxml import xml_text

TEXT_WIDTH_MM = 156


def _xml_safe(value: Any) -> Any:
    """What a placeholder prints, without characters XML cannot hold (pictures pass as they are)."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(xml_text(value))
    # str(): a rendered text records the figures it states when it is printed.
    return xml_text(str(value)) if isinstance(value, str) else value


def fill_word_template(
    path: Path, context: Mapping[str, Any], charts: Mapping[str, ChartImage], tables: Mapping[str, Table]
) -> bytes:
    """The filled template as .docx bytes. Raises :class:`TemplateError` naming the file."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    content = read_limited(path, "Word 模板", TemplateError, DOCX_BYTES, "template")
    try:
        template = DocxTemplate(io.BytesIO(content))
        template.init_docx()
    except Exception as exc:  # python-docx raises several types for files that are not .docx
        raise TemplateError(
            Problem(f"无法打开 Word 模板（{type(exc).__name__}: {exc}）", file=path.name)
        ) from None
    values = dict(context)
    values["charts"] = {
        chart_id: InlineImage(template, io.BytesIO(image.png), width=Mm(min(image.width_mm, TEXT_WIDTH_MM)))
        for chart_id, image in charts.items()
    }
    values["tables"] = {
        table.id: {"caption": table.caption_text, "header": table.header, "rows": table.rows}
        for table in tables.values()
    }
    environment = LimitedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True, finalize=_xml_safe)
    try:
        template.render(values, jinja_env=environment, autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(Problem(f"Word 模板语法错误：{exc.message}", file=path.name)) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(Problem(f"Word 模板引用了未定义或不允许的内容：{exc}", file=path.name)) from None
    except (RecursionError, OverflowError, ValueError, TypeError, ArithmeticError) as exc:
        raise TemplateError(
            Problem(f"Word 模板无法填写：{type(exc).__name__}: {exc}", file=path.name)
        ) from None
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
