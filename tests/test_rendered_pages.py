"""The sample report as LibreOffice renders it (``--format pdf``): pages, 22 lines a page, page
numbers, fonts, charts, and every word of the .docx.

Runs where LibreOffice and poppler are installed (``scripts/install.sh --test`` installs them; CI
always has them) and is skipped elsewhere with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from xml.etree import ElementTree

import pytest

from .conftest import SAMPLE_CONFIG

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    not (SOFFICE and shutil.which("pdftotext")),
    reason="LibreOffice or poppler-utils not installed (scripts/install.sh --test installs them)",
)
LINE_PITCH_PT = 579 / 20
TEXT_BOTTOM_PT = 842 - 35 / 25.4 * 72  # A4 height minus the 35 mm bottom margin


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample built as .docx and .pdf (``--format docx,pdf``)."""
    from report_gen.pipeline import build

    out = tmp_path_factory.mktemp("render")
    build(SAMPLE_CONFIG, out_dir=out, formats=["docx", "pdf"])
    return out / "qingxi-2025.docx", out / "qingxi-2025.pdf"


@pytest.fixture(scope="module")
def pdf(built):
    return built[1]


def text_lines(pdf_path) -> list[tuple[float, list[tuple[float, float, float, float, str]]]]:
    """Each page's width and its lines of text as (top, bottom, left, right, text), in points."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ElementTree.fromstring(re.sub(r'xmlns="[^"]+"', "", xml))
    result = []
    for page in root.iter("page"):
        lines = []
        for line in page.iter("line"):
            words = "".join(w.text or "" for w in line.iter("word"))
            box = (float(line.get(k)) for k in ("yMin", "yMax", "xMin", "xMax"))
            lines.append((*box, words))
        result.append((float(page.get("width")), lines))
    return result


def pages(pdf_path):
    """Each page's width and its lines as (top, left, right, text)."""
    return [
        (width, [(top, left, right, text) for top, _, left, right, text in lines])
        for width, lines in text_lines(pdf_path)
    ]


def test_several_pages_and_22_lines_on_a_full_text_page(pdf):
    rendered = pages(pdf)
    assert len(rendered) > 1
    counts = []
    for _, lines in rendered:
        body = sorted({round(y, 1) for y, _, _, text in lines if y < TEXT_BOTTOM_PT})
        gaps = [b - a for a, b in zip(body, body[1:], strict=False)]
        if body and all(abs(g / LINE_PITCH_PT - round(g / LINE_PITCH_PT)) < 0.05 for g in gaps):
            counts.append(len(body))  # a page of text on the line grid (no table or chart)
    assert 22 in counts
    assert max(counts) == 22


def test_page_numbers_outside_on_odd_and_even_pages(pdf):
    rendered = pages(pdf)
    for number, (width, lines) in enumerate(rendered[:2], start=1):
        footer = [line for line in lines if line[0] > TEXT_BOTTOM_PT]
        assert footer, f"no page number on page {number}"
        y, x_min, x_max, text = footer[0]
        assert text == f"—{number}—"
        if number % 2:
            assert x_min > width / 2  # right-hand on odd pages
        else:
            assert x_max < width / 2  # left-hand on even pages
        assert 4 < (y - TEXT_BOTTOM_PT) / 72 * 25.4 < 10  # about 7 mm below the text block


def chart_regions(pdf_path):
    """For each chart caption (图N…): the small text drawn between the body text above it and the
    caption (the chart's labels, as LibreOffice draws the Word chart), and the caption's and the
    body text's positions. Body text lines are over 17 pt high; chart labels, even turned, are lower."""
    regions = []
    for _, lines in text_lines(pdf_path):
        lines.sort()
        for y_min, _, _, _, text in lines:
            if re.match(r"图[1-9][^\d，。、；]", text) and not re.search("[，。]", text):
                body_above = [ln[1] for ln in lines if ln[1] <= y_min and ln[1] - ln[0] > 17]
                top = max(body_above) if body_above else 37 / 25.4 * 72
                inside = [ln for ln in lines if top <= ln[0] and ln[1] <= y_min and ln[1] - ln[0] <= 17]
                regions.append((text, top, y_min, inside))
    return regions


def test_chinese_fonts_and_charts_are_rendered(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "UMing" in fonts  # body text (仿宋 stand-in)
    assert "UKai" in fonts  # level-2 headings (楷体 stand-in)
    regions = chart_regions(pdf)
    assert [r[0][:2] for r in regions] == ["图1", "图2", "图3"]
    labels = ["".join(ln[4] for ln in inside) for _, _, _, inside in regions]
    # Word charts are drawn from their numbers: the streets, the unit, the values, 全区's own bar.
    assert "望江街道" in labels[0] and "单位：家" in labels[0] and "49" in labels[0]
    assert "全区" in labels[1] and "64.4" in labels[1] and "2024年" in labels[1]
    assert "35.6%" in labels[2] and "未组建" in labels[2]
    left, right = 28 / 25.4 * 72, (210 - 26) / 25.4 * 72
    for _, _, _, inside in regions:
        assert inside and all(
            left - 1 <= ln[2] and ln[3] <= right + 1 for ln in inside
        )  # within the text block


def test_text_reads_in_order(pdf):
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = re.sub(r"\s+", "", text)
    positions = [
        squeezed.index(h)
        for h in (
            "一、基本情况",
            "二、主要做法",
            "三、主要成效",
            "四、存在问题",
            "五、意见和建议",
            "2025年12月5日",
        )
    ]
    assert positions == sorted(positions)
    assert "新社会组织108家" in squeezed and "600多人次" in squeezed


def test_charts_are_not_clipped_to_one_line(pdf):
    # Word and WPS cut a drawing in an exact-spaced paragraph to one line (about 29 pt); LibreOffice 7.4
    # does not, so the .docx itself is checked in test_end_to_end. Here: on the rendered page, each
    # caption sits a whole chart height (80 mm, scaled into the text block) under the text above.
    from report_gen.chart_style import ChartStyle

    expected_pt = ChartStyle().height_mm / 25.4 * 72 * 0.9
    for text, top, caption_y, _ in chart_regions(pdf):
        assert caption_y - top >= expected_pt, f"{text}: only {caption_y - top:.0f} pt above its caption"


def test_28_characters_on_a_full_line(pdf):
    lengths = []
    for _, lines in pages(pdf):
        for _, x_min, x_max, text in lines:
            # wide lines of Chinese text and punctuation only (digits take half a character)
            if re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）]+", text) and x_max - x_min > 400:
                lengths.append(len(text))
    assert lengths and max(lengths) == 28
    assert max(set(lengths), key=lengths.count) == 28


def test_pdf_pages_are_numbered_one_to_the_last(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    numbers = []
    for _, lines in pages(pdf):
        footer = [text for y, _, _, text in lines if y > TEXT_BOTTOM_PT]
        numbers.append(footer[-1] if footer else None)
    assert count > 1 and numbers == [f"—{n}—" for n in range(1, count + 1)]


def _words(text: str) -> str:
    """Characters, letters and digits only: no spaces, punctuation or page numbers.

    Punctuation is left out because LibreOffice 7.4 does not draw a comma that would hang past
    the end of a full 28-character line (once in the sample: 活动，鼓励 reads 活动鼓励); Word
    and WPS hang it in the margin.
    """
    return re.sub(r"[^\w]|_", "", re.sub(r"—\d+—", "", text))


def test_pdf_holds_every_paragraph_and_table_cell_of_the_docx_in_order(built):
    import docx

    word, pdf = built
    document = docx.Document(str(word))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    rendered = _words(re.sub(r"\s+", "", text))
    position = 0
    for paragraph in document.paragraphs:  # body text, in reading order
        wanted = _words(paragraph.text)
        if wanted:
            found = rendered.find(wanted, position)
            assert found >= 0, f"not in the PDF after position {position}: {paragraph.text[:40]}"
            position = found + len(wanted)
    # Table cells wrap and split across pages, so their text is compared character by character.
    # A cell spanning the row (a group's heading) is listed once per grid column by python-docx.
    unique = [{c._tc: c.text for c in row.cells} for t in document.tables for row in t.rows]
    cells = Counter(_words("".join(text for row in unique for text in row.values())))
    assert cells and not cells - Counter(rendered)


def test_the_attachment_is_three_pages_at_most_with_table_rows_off_the_line_grid(pdf):
    rendered = pages(pdf)
    start = next(i for i, (_, lines) in enumerate(rendered) if lines and min(lines)[3] == "附件")
    assert 1 <= len(rendered) - start <= 3
    # Table rows sit closer than the body's 28.95 pt grid lines (small type, single-spaced).
    _, lines = rendered[start]
    rows = sorted({round(y, 1) for y, _, _, text in lines if re.fullmatch(r".*\d+", text)})
    gaps = [b - a for a, b in zip(rows, rows[1:], strict=False)]
    assert gaps and min(gaps) < LINE_PITCH_PT * 0.75
