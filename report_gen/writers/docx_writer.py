"""Write a :class:`~report_gen.document.Report` as a Word file laid out to GB/T 9704-2012.

All formatting lives in named styles (a district that edits a style in Word
changes the whole document); paragraphs only name their style. The XML the
python-docx API cannot express is built by :mod:`.ooxml`.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import zipfile
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.package import OpcPackage
from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI, PackURI
from docx.opc.part import Part
from docx.opc.pkgwriter import _ContentTypesItem  # python-docx's own [Content_Types].xml, as save() writes it
from docx.oxml import OxmlElement, parse_xml
from docx.shared import Mm
from docx.styles import BabelFish
from docx.styles.style import ParagraphStyle, StyleFactory
from docx.text.paragraph import Paragraph as DocxParagraph

from .. import __version__
from ..config import PLACEHOLDER, PLACEHOLDER_TEXT
from ..document import Heading, PageBreak, Paragraph, Picture, Report, Table
from ..output import pinned_entry
from . import docx_chart, ooxml
from .layout import (
    CELL_PAD_CHARS,
    Layout,
    balanced_title_lines,
    cell_width_chars,
    column_widths,
    header_lines,
    text_width_chars,
)

HEADING_STYLES = ("Heading 1", "Heading 2", "Heading 3", "Heading 4")
# The report's own paragraph styles: (name, font setting, size setting, options). "grid": on the
# exact line grid (pictures and table cells are single-spaced instead, so nothing is clipped);
# "before"/"after": space in lines; "condensed": 28 characters a line like the body.
# Table cells: off the line grid, single-spaced with a little air above and below (in lines).
_CELL: dict[str, Any] = {"grid": False, "before": 0.06, "after": 0.06}
_NAMED_STYLES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("Report Title", "title_font", "title_size_pt", {"after": 1}),
    ("Authority", "authority_font", "authority_size_pt", {"after": 1}),
    ("Table Caption", "caption_font", "caption_size_pt", {"keep_next": True}),
    ("Figure Caption", "caption_font", "caption_size_pt", {"after": 0.5}),
    ("Figure", "body_font", "body_size_pt", {"grid": False, "before": 0.25, "keep_next": True}),
    ("Table Text", "table_font", "table_size_pt", _CELL),
    ("Table Text Left", "table_font", "table_size_pt", {**_CELL, "align": "left"}),
    ("Table Number", "table_font", "table_size_pt", {**_CELL, "align": "right"}),
    ("Table Header", "table_font", "table_size_pt", {**_CELL, "bold": True}),
    ("Table Group", "table_font", "table_size_pt", {**_CELL, "bold": True, "align": "left"}),
    ("Table Note", "table_font", "table_size_pt", {"grid": False, "align": "left"}),
    ("Signature", "body_font", "body_size_pt", {"align": "left", "condensed": True}),
    ("Attachment Label", "attachment_font", "body_size_pt", {"align": "left"}),
)

DRAFT_MARK = "征求意见稿"
KEEP_TABLE_ROWS = 20
"""Tables of at most this many rows (header included) are kept on one page: 20 rows of the table
font, single-spaced, take about half the type area, so such a table always fits on a page."""


class DocxWriter:
    """Builds the .docx. With a district reference document (``reference_docx``), the styles it
    defines, its page setup and its headers and footers are used as they are, as pandoc's
    ``--reference-doc`` does; only the styles it lacks are added, in the official layout."""

    def __init__(self, layout: Layout, reference_docx: bytes | None = None):
        self.layout = layout
        self.reference = reference_docx is not None
        self.doc = Document(io.BytesIO(reference_docx)) if reference_docx else Document()
        self._reference_styles = {s.name for s in self.doc.styles} if self.reference else set()
        self._style_ids: dict[str, str] = {}
        # While :meth:`prepare` runs: each style's w:style element by its name in styles.xml (the
        # first of a name, as python-docx's lookup finds it). python-docx scans every style of the
        # document (the default template has over 160) on each lookup and on each style added.
        self._styles_by_name: dict[str, Any] = {}
        self.prepared = False

    def _kept(self, style) -> bool:
        """A style the district's reference document defines: used as it is."""
        return style.name in self._reference_styles

    # -- styles -----------------------------------------------------------------------

    def _named_style(self, name: str):
        """The style called ``name`` (a name as Word shows it, ``Heading 1``), as ``styles[name]``
        finds it; ``KeyError`` when the document has none."""
        element = self._styles_by_name.get(BabelFish.ui2internal(name))
        if element is None:  # after prepare(), or a style id, which python-docx accepts with a warning
            return self.doc.styles[name]
        return StyleFactory(element)

    def _paragraph_style(self, name: str, base: str | None = "Normal"):
        """The paragraph style ``name``, added (based on ``base``) when the document lacks it, as
        python-docx's ``styles.add_style`` adds it."""
        try:
            style = self._named_style(name)
        except KeyError:
            internal = BabelFish.ui2internal(name)
            element = self.doc.styles.element.add_style_of_type(internal, WD_STYLE_TYPE.PARAGRAPH, False)
            self._styles_by_name[internal] = element
            style = ParagraphStyle(element)  # what StyleFactory gives for a paragraph style
            if base:
                style.base_style = self._named_style(base)
        style.quick_style = True
        return style

    def _format(
        self,
        style,
        *,
        font: str,
        size: float,
        bold: bool = False,
        align: str = "both",
        indent_chars: float = 0,
        line: int | None = None,
        before: int = 0,
        after: int = 0,
        keep_next: bool = False,
        char_spacing: int | None = None,
        snap: bool = True,
    ) -> None:
        if self._kept(style):
            return
        lay = self.layout
        rpr = style.element.get_or_add_rPr()
        ooxml.set_fonts(rpr, lay.latin_font, font)
        ooxml.set_run_format(rpr, size_pt=size, bold=bold, color="000000", char_spacing=char_spacing)
        ppr = style.element.get_or_add_pPr()
        ooxml.strip_paragraph_borders_and_color(style.element)
        ooxml.set_line_spacing(ppr, line, before, after)
        ooxml.set_indent(ppr, lay.char_twips, first_line_chars=indent_chars)
        ooxml.set_alignment(ppr, align)
        ooxml.set_keep_next(ppr, keep_next)
        ooxml.set_widow_control(ppr, False)
        if not snap:
            ooxml.set_snap_to_grid(ppr, False)

    def setup_styles(self) -> None:
        lay = self.layout
        pitch = lay.line_pitch_twips
        if not self.reference:
            ooxml.reset_doc_defaults(
                self.doc.styles.element, lay.latin_font, lay.body_font, lay.body_size_pt, pitch
            )
            ooxml.set_theme_language(self.doc.settings.element)
        self._format(
            self._named_style("Normal"),
            font=lay.body_font,
            size=lay.body_size_pt,
            indent_chars=2,
            line=pitch,
            char_spacing=lay.char_spacing,
        )
        for level, name in enumerate(HEADING_STYLES):
            style = self._paragraph_style(name)
            self._format(
                style,
                font=lay.heading_fonts[level],
                size=lay.body_size_pt,
                bold=lay.heading_bold[level],
                indent_chars=2,
                line=pitch,
                keep_next=True,
                char_spacing=lay.char_spacing,
            )
            if not self._kept(style):
                ooxml.set_outline_level(style.element.get_or_add_pPr(), level)
        for name, font, size, options in _NAMED_STYLES:
            grid = options.get("grid", True)
            self._format(
                self._paragraph_style(name),
                font=getattr(lay, font),
                size=getattr(lay, size),
                bold=options.get("bold", False),
                align=options.get("align", "center"),
                line=pitch if grid else None,
                before=round(pitch * options.get("before", 0)),
                after=round(pitch * options.get("after", 0)),
                keep_next=options.get("keep_next", False),
                char_spacing=lay.char_spacing if options.get("condensed") else None,
                snap=grid,
            )
        footer = self._paragraph_style("Page Number")
        if not self._kept(footer):
            self._format(
                footer, font=lay.page_number_font, size=lay.page_number_size_pt, align="right", line=None
            )
            ooxml.set_fonts(
                footer.element.get_or_add_rPr(),
                lay.page_number_font,
                lay.page_number_font,
                hint_east_asia=True,
            )

    # -- page -------------------------------------------------------------------------

    def setup_page(self) -> None:
        lay = self.layout
        section = self.doc.sections[0]
        if self.reference and _has_footer(section):
            return  # the district's page setup and footers stand
        ooxml.set_page(
            section._sectPr,
            lay.paper_mm[0],
            lay.paper_mm[1],
            lay.margin_top_mm,
            lay.margin_bottom_mm,
            lay.margin_left_mm,
            lay.margin_right_mm,
            lay.footer_mm,
            lay.line_pitch_twips,
        )
        self.doc.settings.odd_and_even_pages_header_footer = True
        self._page_number(section.footer, "right")
        self._page_number(section.even_page_footer, "left")

    def _page_number(self, footer, side: str) -> None:
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        self._style(paragraph, "Page Number")
        ppr = paragraph._p.get_or_add_pPr()
        ooxml.set_alignment(ppr, side)
        # One character in from the edge, on the outside of the page.
        if side == "right":
            ooxml.set_indent(ppr, self.layout.char_twips, right_chars=1)
        else:
            ooxml.set_indent(ppr, self.layout.char_twips, left_chars=1)

        def make_run(text: str | None):
            run = paragraph.add_run(ooxml.xml_text(text or ""))
            return run._r

        ooxml.add_page_field(make_run)

    # -- blocks -----------------------------------------------------------------------

    def _add(self, text: str, style: str) -> DocxParagraph:
        if PLACEHOLDER not in text:
            paragraph = self.doc.add_paragraph()
            if text:
                ooxml.add_run(paragraph._p, ooxml.xml_text(text))
        else:  # a draft: what is still to be filled in stands out in yellow
            paragraph = self.doc.add_paragraph()
            for piece in PLACEHOLDER_TEXT.split(text):
                if piece:
                    run = ooxml.add_run(paragraph._p, ooxml.xml_text(piece))
                    if PLACEHOLDER_TEXT.fullmatch(piece):
                        ooxml.set_highlight(run)
        self._style(paragraph, style)
        return paragraph

    def _style(self, paragraph: DocxParagraph, style: str) -> None:
        if style not in self._style_ids:
            self._style_ids[style] = self._named_style(style).style_id
        ooxml.set_paragraph_style(paragraph._p, self._style_ids[style])

    def title(self, report: Report) -> None:
        if report.draft:
            mark = self._add(DRAFT_MARK, "Normal")
            ppr = mark._p.get_or_add_pPr()
            ooxml.set_alignment(ppr, "right")
            ooxml.set_indent(ppr, self.layout.char_twips, first_line_chars=0)
        if report.authority:
            self._add(report.authority, "Authority")
        paragraph = self._add("", "Report Title")
        for i, line in enumerate(balanced_title_lines(report.title, self.layout.title_chars_per_line)):
            run = ooxml.add_run(paragraph._p, ooxml.xml_text(line))
            if i:
                run.addprevious(ooxml.OxmlElement("w:br"))

    def block(self, block) -> None:
        if isinstance(block, Heading):
            if block.level == 0:
                self._add(block.text, "Report Title")
            else:
                self._add(block.full_text, HEADING_STYLES[block.level - 1])
        elif isinstance(block, Paragraph):
            style = "Attachment Label" if block.kind == "attachment_label" else "Normal"
            self._add(block.text, style)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Picture):
            self.picture(block)
        elif isinstance(block, PageBreak):
            self.doc.add_page_break()

    def table(self, table: Table) -> None:
        """A three-line table: widths from its content, numbers aligned right, every row kept whole
        on one page, the header row repeated on each page, notes (资料来源/注) under it."""
        self._add(table.caption_text, "Table Caption")
        grid = self.doc.add_table(rows=len(table.rows) + 1, cols=len(table.header))
        tbl = grid._tbl
        numeric = table.numeric_columns()
        total = ooxml.mm_to_twips(self.layout.text_width_mm)
        char_twips = self.layout.table_size_pt * 20
        chars = column_widths(table.header, table.rows, numeric, total / char_twips, table.spans)
        widths = [int(w * char_twips) for w in chars]
        widths[-1] += total - sum(widths)
        # A text column that wraps reads better flush left than centred line by line.
        wraps = [
            not numeric[c]
            and any(
                cell_width_chars(row[c]) + CELL_PAD_CHARS > chars[c] for row in table.rows if c < len(row)
            )
            for c in range(len(table.header))
        ]
        spans = set(table.spans)
        # A table that fits on a page is kept on one (with its first note): each row's paragraphs
        # keep with the next, as the caption does with the table; a longer one breaks between
        # rows, its header repeated. A short table split after two rows reads as two tables.
        whole = len(table.rows) + 1 <= KEEP_TABLE_ROWS
        last = len(table.rows) if not table.notes else len(table.rows) + 1
        # Walk the XML rows once: python-docx's cell(r, c) rebuilds the whole grid on every call.
        for r, (tr, values) in enumerate(zip(tbl.tr_lst, [table.header, *table.rows], strict=True)):
            ooxml.keep_row_whole(tr)
            if whole and r < last:
                for tc in tr.tc_lst:
                    for p in tc.p_lst:
                        ooxml.set_keep_next(p.get_or_add_pPr())
            if r - 1 in spans:
                tc = ooxml.span_row(tr, len(table.header))
                paragraph = DocxParagraph(tc.p_lst[0], grid)
                ooxml.add_run(paragraph._p, ooxml.xml_text(values[0]))
                self._style(paragraph, "Table Group")
                continue
            for c, (tc, text) in enumerate(zip(tr.tc_lst, values, strict=True)):
                paragraph = DocxParagraph(tc.p_lst[0], grid)
                if r == 0:  # broken between words only, by explicit line breaks
                    for i, line in enumerate(header_lines(text, chars[c] - CELL_PAD_CHARS)):
                        run = paragraph.add_run()
                        if i:
                            run.add_break()
                        run.add_text(ooxml.xml_text(line))
                else:
                    ooxml.add_run(paragraph._p, ooxml.xml_text(text))
                if r == 0:
                    style = "Table Header"
                    ooxml.set_cell_bottom_border(tc, 6)
                elif numeric[c]:
                    style = "Table Number"
                else:
                    style = "Table Text Left" if wraps[c] else "Table Text"
                self._style(paragraph, style)
        ooxml.set_three_line_borders(tbl, 12)
        ooxml.mark_header_row(tbl.tr_lst[0])
        ooxml.set_table_widths(tbl, widths)
        for i, note in enumerate(table.notes):
            paragraph = self._add(note, "Table Note")
            if i == len(table.notes) - 1:  # half a line before the text resumes
                ooxml.set_line_spacing(
                    paragraph._p.get_or_add_pPr(), None, 0, round(self.layout.line_pitch_twips / 2)
                )

    def picture(self, picture: Picture) -> None:
        width = min(picture.width_mm, self.layout.text_width_mm)
        paragraph = self._add("", "Figure")
        if picture.chart.native:
            self._chart(paragraph, picture, width)
        else:
            shape = paragraph.add_run().add_picture(io.BytesIO(picture.png), width=Mm(width))
            ooxml.set_picture_alt_text(shape._inline, picture.alt)
        self._add(picture.caption_text, "Figure Caption")

    def _chart(self, paragraph: DocxParagraph, picture: Picture, width_mm: float) -> None:
        """A Word chart (:mod:`.docx_chart`): its part and embedded workbook added to the package,
        placed inline at the picture's size (narrowed to the text width, keeping its shape)."""
        chart = picture.chart
        assert chart.data is not None
        fonts = docx_chart.Fonts(self.layout.caption_font, self.layout.latin_font)
        xml, sheet = docx_chart.native_chart(chart.kind, chart.data, chart.style, fonts, chart.whole)
        document_part = self.doc.part
        package = document_part.package
        # numbered after any a reference document brings
        part = Part(
            package.next_partname("/word/charts/chart%d.xml"), docx_chart.CHART_CONTENT_TYPE, xml, package
        )
        book = Part(
            package.next_partname("/word/embeddings/Microsoft_Excel_Worksheet%d.xlsx"),
            docx_chart.WORKBOOK_CONTENT_TYPE,
            sheet,
            package,
        )
        part.relate_to(book, RT.PACKAGE)  # rId1, as the chart's externalData names it
        rel_id = document_part.relate_to(part, RT.CHART)
        height_mm = picture.height_mm * width_mm / picture.width_mm
        inline = parse_xml(
            docx_chart.inline_xml(rel_id, document_part.next_id, Mm(width_mm), Mm(height_mm), picture.alt)
        )
        run = paragraph.add_run()
        drawing = OxmlElement("w:drawing")
        drawing.append(inline)
        run._r.append(drawing)

    def signature(self, report: Report) -> None:
        """Authority two characters from the right; the date below, its first character two further right."""
        lay = self.layout
        char_mm = (lay.body_size_pt + lay.char_spacing / 20) * 25.4 / 72
        per_line = round(lay.text_width_mm / char_mm)
        sig_w, date_w = text_width_chars(report.signature), text_width_chars(report.date_text)
        sig_left = per_line - 2 - sig_w
        date_left = sig_left + 2
        if date_left + date_w > per_line - 2:
            date_left = per_line - 2 - date_w
            sig_left = date_left - 2
        # The signature page carries body text (GB/T 9704 §7.3.5): the last paragraph goes with it.
        body = self.doc.element.body.findall(ooxml.qn("w:p"))
        if body:
            ooxml.set_keep_next(body[-1].get_or_add_pPr())
        ooxml.set_keep_next(self._add("", "Normal")._p.get_or_add_pPr())
        for text, left, keep in ((report.signature, sig_left, True), (report.date_text, date_left, False)):
            paragraph = self._add(text, "Signature")
            ooxml.set_indent(paragraph._p.get_or_add_pPr(), self.layout.char_twips, left_chars=max(left, 0))
            paragraph.paragraph_format.keep_with_next = (
                keep  # the authority never ends a page without its date
            )

    def attachment_note(self, report: Report) -> None:
        """附件说明 (GB/T 9704 §7.3.4): one blank line after the body, then 附件：名称 two characters
        in; with several attachments the names after the first line up under the first."""
        lines = report.attachment_note()
        if not lines:
            return
        self._add("", "Normal")
        for i, text in enumerate(lines):
            paragraph = self._add(text, "Normal")
            if i:
                ooxml.set_indent(paragraph._p.get_or_add_pPr(), self.layout.char_twips, left_chars=5)

    # -- whole document ---------------------------------------------------------------

    def prepare(self) -> None:
        """What depends on the layout and the reference document only, never on the report: the
        styles, the page setup and footers, and a body emptied of the reference document's content.
        :func:`write_docx` does this once per layout and process and writes each report on a copy
        (:func:`_prepared_writer`)."""
        for element in self.doc.styles.element.style_lst:
            self._styles_by_name.setdefault(element.name_val, element)
        self.setup_styles()
        self.setup_page()
        body = self.doc.element.body
        for element in list(body):  # a reference document's own content goes; its sectPr stays
            if element.tag != ooxml.qn("w:sectPr"):
                body.remove(element)
        for name in ("Normal", *HEADING_STYLES, *(named[0] for named in _NAMED_STYLES)):
            self._style_ids[name] = self._named_style(name).style_id
        # The index points inside styles.xml. A deep copy of this writer would copy each of those
        # elements on its own, apart from the copied document; the ids kept above are all the
        # paragraphs need.
        self._styles_by_name = {}
        self.prepared = True

    def write(self, report: Report, date: dt.date) -> bytes:
        if not self.prepared:
            self.prepare()
        self.title(report)
        for block in report.blocks:
            self.block(block)
        self.attachment_note(report)
        self.signature(report)
        for block in report.appendix:
            self.block(block)
        props = self.doc.core_properties
        props.title = ooxml.xml_text(report.title)
        props.author = ooxml.xml_text(report.authority)
        props.last_modified_by = ooxml.xml_text(report.authority)
        props.revision = 1
        stamp = dt.datetime(date.year, date.month, date.day)
        props.created = stamp
        props.modified = stamp
        props.comments = "report-gen"
        ooxml.set_app_properties(self.doc.part.package, f"report-gen {__version__}", report.authority)
        return _save_pinned(self.doc.part.package, date)


@functools.lru_cache(maxsize=4)
def _prepared_writer(layout: Layout, reference_docx: bytes | None) -> DocxWriter:
    """A writer with the template parsed and :meth:`DocxWriter.prepare` done, kept per layout and
    reference document for the life of the process; never written with itself, only copied.

    Parsing python-docx's template (its styles.xml alone is 350 KB) and setting up the styles took
    about a third of each report's writing time; a deep copy of the prepared writer takes a few
    milliseconds. The copy is whole because the writer refers to elements only through the roots
    of its package's parts (tests/test_docx_package.py checks this).
    """
    writer = DocxWriter(layout, reference_docx)
    writer.prepare()
    return writer


def _save_pinned(package: OpcPackage, day: dt.date) -> bytes:
    """The package as .docx bytes, every zip entry dated ``day`` (see
    :func:`~report_gen.output.pinned_entry`), so identical inputs give identical files.

    The members and their order are those of python-docx's ``package.save()``: content types,
    the package's relationships, then each part followed by its relationships if it has any.
    python-docx would stamp each entry with the time of writing; re-dating its zip afterwards
    meant inflating and deflating the whole package a second time.
    """
    parts = package.parts
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:

        def member(uri: PackURI, blob: bytes) -> None:
            archive.writestr(pinned_entry(uri.membername, day), blob)

        member(CONTENT_TYPES_URI, _ContentTypesItem.from_parts(parts).blob)
        member(PACKAGE_URI.rels_uri, package.rels.xml)
        for part in parts:
            member(part.partname, part.blob)
            if len(part.rels):
                member(part.partname.rels_uri, part.rels.xml)
    return out.getvalue()


def _has_footer(section) -> bool:
    """Does the reference document's first section have a footer of its own with any content?"""
    for footer in (section.footer, section.even_page_footer):
        if footer.is_linked_to_previous:
            continue
        if any(p.text.strip() for p in footer.paragraphs) or "PAGE" in footer._element.xml:
            return True
    return False


def write_docx(report: Report, layout: Layout, date: dt.date, reference_docx: bytes | None = None) -> bytes:
    """The report as .docx bytes; ``date`` pins the file's timestamps so rebuilds are identical.

    ``reference_docx``: a district's reference document whose styles, page setup and footers are used.
    Written on a copy of the writer prepared for this layout and reference document (:func:`_prepared_writer`).
    """
    prepared = _prepared_writer(layout, reference_docx)
    # The copy shares the caller's layout (equal to the cached one, and immutable).
    writer = copy.deepcopy(prepared, {id(prepared.layout): layout})
    return writer.write(report, date)
