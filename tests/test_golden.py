"""The whole sample report as text, compared with a reviewed golden copy.

Any change to wording, numbering, figures or table content shows up here as a
diff to review. After an intended change, refresh the copy with:

    REPORT_GEN_REFRESH_GOLDEN=1 python3 -m pytest tests/test_golden.py
"""

import difflib
import os

import docx

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "qingxi-2025.txt"


def reader_view(path) -> str:
    """Every paragraph with its style, and every table row, in document order."""
    document = docx.Document(str(path))
    lines = []
    body = document.element.body
    tables = iter(document.tables)
    paragraphs = iter(document.paragraphs)
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = next(paragraphs)
            if paragraph.text or paragraph._p.xpath(".//pic:pic"):
                picture = " [图片]" if paragraph._p.xpath(".//pic:pic") else ""
                lines.append(f"[{paragraph.style.name}] {paragraph.text}{picture}")
        elif tag == "tbl":
            for row in next(tables).rows:
                # A cell across the row once, not once per grid column; a header's line breaks
                # (between words) are layout, not text.
                cells = {cell._tc: cell.text.replace("\n", "") for cell in row.cells}
                lines.append("| " + " | ".join(cells.values()) + " |")
    return "\n".join(lines) + "\n"


def test_sample_report_matches_the_golden_copy(sample_build):
    _, out = sample_build
    actual = reader_view(out / "qingxi-2025.docx")
    if os.environ.get("REPORT_GEN_REFRESH_GOLDEN"):
        GOLDEN.write_text(actual, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "now"))
    assert not diff, "the report changed; review and refresh (see this file's docstring):\n" + diff
