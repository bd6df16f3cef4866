"""The output formats ``--format`` names, readable without importing what writes them.

A batch checks its ``--format`` and finds its unchanged reports before deciding whether anything
is to be built; the writers (:data:`report_gen.pipeline.OUTPUT_FORMATS`, which must list exactly
these names in this order) are imported only when something is.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import OptionError, Problem

FORMATS = ("docx", "pdf", "html", "md")
"""Every output format, in the order the files are written."""


def parse_formats(text: str | Sequence[str]) -> list[str]:
    """The formats of ``--format docx,pdf`` (or a list), each once, in the order given."""
    items = [f.strip().lower() for f in (text.split(",") if isinstance(text, str) else text) if f.strip()]
    unknown = [f for f in items if f not in FORMATS]
    if unknown or not items:
        raise OptionError(
            Problem(f"--format 只能取 {','.join(FORMATS)} 中的若干项，收到“{','.join(unknown) or text}”")
        )
    return list(dict.fromkeys(items))
