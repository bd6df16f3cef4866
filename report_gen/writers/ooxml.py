"""Everything this project knows about WordprocessingML, in one place.

The Word writer talks in styles, paragraphs, tables and pictures; this module
builds the elements python-docx has no API for (East Asian font slots, exact
line pitch, character grid, PAGE fields, three-line table borders, alt text),
always inserting children in the schema's order so Word, WPS and LibreOffice
all accept the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement

# Characters XML 1.0 cannot hold (control characters other than tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF): a ledger cell with a vertical tab would make the file unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by a space."""
    return _NOT_XML.sub(" ", text)


_RUN_CONTROLS = re.compile("[\t\r\n]")


def add_run(paragraph: CT_P, text: str) -> CT_R:
    """Append a run holding ``text`` to the ``w:p`` and return it, written as python-docx's
    ``add_run(text)`` writes it (one ``w:t``, marked ``xml:space="preserve"`` when the text starts
    or ends with white space). Text with a tab or line break is left to python-docx (``w:tab``,
    ``w:br``); any other text is set in one step instead of python-docx's pass character by
    character, which was a tenth of a report's writing time."""
    run = paragraph.add_r()
    if text:
        if _RUN_CONTROLS.search(text):
            run.text = text
        else:
            run.add_t(text)
    return run


PPR_SEQ = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
RPR_SEQ = (
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
)
SECTPR_SEQ = (
    "headerReference",
    "footerReference",
    "footnotePr",
    "endnotePr",
    "type",
    "pgSz",
    "pgMar",
    "paperSrc",
    "pgBorders",
    "lnNumType",
    "pgNumType",
    "cols",
    "formProt",
    "vAlign",
    "noEndnote",
    "titlePg",
    "textDirection",
    "bidi",
    "rtlGutter",
    "docGrid",
    "printerSettings",
    "sectPrChange",
)
TBLPR_SEQ = (
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
)
TCPR_SEQ = (
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
)
TRPR_SEQ = (
    "cnfStyle",
    "divId",
    "gridBefore",
    "gridAfter",
    "wBefore",
    "wAfter",
    "cantSplit",
    "trHeight",
    "tblHeader",
    "tblCellSpacing",
    "jc",
    "hidden",
)
TWIPS_PER_MM = 1440 / 25.4


def mm_to_twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


def child(parent: BaseOxmlElement, tag: str, seq: Sequence[str]) -> BaseOxmlElement:
    """The ``w:tag`` child of ``parent``, added at its schema position if missing."""
    found = parent.find(qn(f"w:{tag}"))
    if found is not None:
        return found
    element = OxmlElement(f"w:{tag}")
    later = seq[seq.index(tag) + 1 :]
    for sibling in parent:
        local = sibling.tag.rsplit("}", 1)[-1]
        if local in later:
            sibling.addprevious(element)
            return element
    parent.append(element)
    return element


def remove(parent: BaseOxmlElement, tag: str) -> None:
    for found in parent.findall(qn(f"w:{tag}")):
        parent.remove(found)


def set_attrs(element: BaseOxmlElement, **attrs: object) -> BaseOxmlElement:
    """Set ``w:`` attributes; ``None`` removes one. Python names drop the prefix (``firstLineChars``)."""
    for name, value in attrs.items():
        key = qn(f"w:{name}")
        if value is None:
            element.attrib.pop(key, None)
        else:
            element.set(key, str(value))
    return element


# --- runs ----------------------------------------------------------------------------------


def set_highlight(run: BaseOxmlElement, color: str = "yellow") -> None:
    """Mark a run with a highlighter colour (a draft's text still to be filled in)."""
    rpr = run.get_or_add_rPr()
    set_attrs(child(rpr, "highlight", RPR_SEQ), val=color)


def set_fonts(rpr: BaseOxmlElement, latin: str, east_asia: str, hint_east_asia: bool = False) -> None:
    """Name the fonts of every slot explicitly (no theme fonts): Latin and digits, and East Asian."""
    fonts = child(rpr, "rFonts", RPR_SEQ)
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)
    set_attrs(
        fonts,
        ascii=latin,
        hAnsi=latin,
        eastAsia=east_asia,
        cs=latin,
        hint="eastAsia" if hint_east_asia else None,
    )


def set_run_format(
    rpr: BaseOxmlElement,
    size_pt: float | None = None,
    bold: bool | None = None,
    char_spacing: int | None = None,
    color: str | None = None,
    lang_east_asia: str | None = None,
) -> None:
    """Size in points, bold on/off, character spacing in twentieths of a point, colour, language."""
    if bold is not None:
        for tag in ("b", "bCs"):
            set_attrs(child(rpr, tag, RPR_SEQ), val="1" if bold else "0")
        remove(rpr, "i")
        remove(rpr, "iCs")
    if color is not None:
        remove(rpr, "color")
        set_attrs(child(rpr, "color", RPR_SEQ), val=color)
    if char_spacing is not None:
        set_attrs(child(rpr, "spacing", RPR_SEQ), val=char_spacing)
    if size_pt is not None:
        half_points = round(size_pt * 2)
        set_attrs(child(rpr, "sz", RPR_SEQ), val=half_points)
        set_attrs(child(rpr, "szCs", RPR_SEQ), val=half_points)
    if lang_east_asia is not None:
        set_attrs(child(rpr, "lang", RPR_SEQ), val="en-US", eastAsia=lang_east_asia)


# --- paragraphs ----------------------------------------------------------------------------


def set_line_spacing(ppr: BaseOxmlElement, exact_twips: int | None, before: int = 0, after: int = 0) -> None:
    """Exact line spacing in twips, or single (``None``) for picture paragraphs that must not clip."""
    spacing = child(ppr, "spacing", PPR_SEQ)
    for attr in list(spacing.attrib):
        del spacing.attrib[attr]
    if exact_twips is None:
        set_attrs(spacing, before=before, after=after, line=240, lineRule="auto")
    else:
        set_attrs(spacing, before=before, after=after, line=exact_twips, lineRule="exact")


def set_indent(
    ppr: BaseOxmlElement,
    char_width_twips: int,
    first_line_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
) -> None:
    """Indents in characters, written both in chars (hundredths) and twips, as Word and WPS expect."""
    ind = child(ppr, "ind", PPR_SEQ)
    for attr in list(ind.attrib):
        del ind.attrib[attr]
    set_attrs(
        ind,
        firstLineChars=round(first_line_chars * 100),
        firstLine=round(first_line_chars * char_width_twips),
        leftChars=round(left_chars * 100) if left_chars else None,
        left=round(left_chars * char_width_twips) if left_chars else None,
        rightChars=round(right_chars * 100) if right_chars else None,
        right=round(right_chars * char_width_twips) if right_chars else None,
    )


def set_paragraph_style(paragraph_element: BaseOxmlElement, style_id: str) -> None:
    """Name the paragraph's style by id (python-docx's setter scans every style on each call)."""
    set_attrs(child(paragraph_element.get_or_add_pPr(), "pStyle", PPR_SEQ), val=style_id)


def set_alignment(ppr: BaseOxmlElement, value: str) -> None:
    """``both`` (justified), ``center``, ``left``, ``right``."""
    set_attrs(child(ppr, "jc", PPR_SEQ), val=value)


def set_widow_control(ppr: BaseOxmlElement, on: bool) -> None:
    """Off keeps every page on the full line grid (22 lines), as official documents are set."""
    set_attrs(child(ppr, "widowControl", PPR_SEQ), val="1" if on else "0")


def set_outline_level(ppr: BaseOxmlElement, level: int) -> None:
    set_attrs(child(ppr, "outlineLvl", PPR_SEQ), val=level)


def set_keep_next(ppr: BaseOxmlElement, keep: bool = True) -> None:
    if keep:
        child(ppr, "keepNext", PPR_SEQ)
    else:
        remove(ppr, "keepNext")


def strip_paragraph_borders_and_color(style_element: BaseOxmlElement) -> None:
    ppr = style_element.find(qn("w:pPr"))
    if ppr is not None:
        remove(ppr, "pBdr")


# --- document-wide -------------------------------------------------------------------------


def reset_doc_defaults(
    styles_element: BaseOxmlElement, latin: str, east_asia: str, size_pt: float, line_twips: int
) -> None:
    """Replace python-docx's defaults (theme fonts, Japanese East Asian language, 10 pt after, 1.15 lines)."""
    defaults = styles_element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles_element.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    set_fonts(rpr, latin, east_asia)
    set_run_format(rpr, size_pt=size_pt, lang_east_asia="zh-CN")
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    set_line_spacing(ppr, line_twips)


def set_theme_language(settings_element: BaseOxmlElement, east_asia: str = "zh-CN") -> None:
    lang = settings_element.find(qn("w:themeFontLang"))
    if lang is not None:
        set_attrs(lang, val="en-US", eastAsia=east_asia)


def set_page(
    sect_pr: BaseOxmlElement,
    width_mm: float,
    height_mm: float,
    top: float,
    bottom: float,
    left: float,
    right: float,
    footer_mm: float,
    line_pitch: int,
) -> None:
    """Page size, margins (mm), footer distance and a line grid of ``line_pitch`` twips."""
    set_attrs(child(sect_pr, "pgSz", SECTPR_SEQ), w=mm_to_twips(width_mm), h=mm_to_twips(height_mm))
    set_attrs(
        child(sect_pr, "pgMar", SECTPR_SEQ),
        top=mm_to_twips(top),
        right=mm_to_twips(right),
        bottom=mm_to_twips(bottom),
        left=mm_to_twips(left),
        header=851,
        footer=mm_to_twips(footer_mm),
        gutter=0,
    )
    grid = child(sect_pr, "docGrid", SECTPR_SEQ)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    set_attrs(grid, type="lines", linePitch=line_pitch)


def _field_char(run: BaseOxmlElement, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    set_attrs(element, fldCharType=kind)
    run.append(element)


def add_page_field(make_run) -> None:
    """``— PAGE —``: the page number as a field that Word, WPS and LibreOffice update themselves.

    ``make_run(text)`` appends a formatted run (empty when ``text`` is ``None``) and returns its ``w:r``.
    """
    make_run("— ")
    _field_char(make_run(None), "begin")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = " PAGE "
    make_run(None).append(instr)
    _field_char(make_run(None), "separate")
    make_run("1")
    _field_char(make_run(None), "end")
    make_run(" —")


# --- tables --------------------------------------------------------------------------------


def _border(parent: BaseOxmlElement, tag: str, size_eighths: int | None) -> None:
    element = OxmlElement(f"w:{tag}")
    if size_eighths:
        set_attrs(element, val="single", sz=size_eighths, space=0, color="000000")
    else:
        set_attrs(element, val="nil")
    parent.append(element)


def set_three_line_borders(tbl: BaseOxmlElement, outer_eighths: int = 12) -> None:
    """Top and bottom rules of ``outer_eighths``/8 pt; no other table borders."""
    tbl_pr = tbl.tblPr
    remove(tbl_pr, "tblStyle")
    remove(tbl_pr, "tblBorders")
    borders = child(tbl_pr, "tblBorders", TBLPR_SEQ)
    for tag in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _border(borders, tag, outer_eighths if tag in ("top", "bottom") else None)


def set_cell_bottom_border(tc: BaseOxmlElement, size_eighths: int) -> None:
    tc_pr = tc.get_or_add_tcPr()
    remove(tc_pr, "tcBorders")
    borders = child(tc_pr, "tcBorders", TCPR_SEQ)
    _border(borders, "bottom", size_eighths)


def set_table_widths(tbl: BaseOxmlElement, widths_twips: Sequence[int]) -> None:
    """Total width, fixed layout and ``w:gridCol`` widths (WPS follows the grid, not the table width)."""
    tbl_pr = tbl.tblPr
    set_attrs(child(tbl_pr, "tblW", TBLPR_SEQ), w=sum(widths_twips), type="dxa")
    set_attrs(child(tbl_pr, "jc", TBLPR_SEQ), val="center")
    set_attrs(child(tbl_pr, "tblLayout", TBLPR_SEQ), type="fixed")
    grid = tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_twips, strict=True):
        set_attrs(col, w=width)
    for row in tbl.tr_lst:
        cells = row.tc_lst
        for i, (tc, width) in enumerate(zip(cells, widths_twips, strict=False)):
            tc_pr = tc.get_or_add_tcPr()
            if len(cells) == 1 and len(widths_twips) > 1:  # a row spanning the table (span_row)
                width = sum(widths_twips[i:])
            set_attrs(child(tc_pr, "tcW", TCPR_SEQ), w=width, type="dxa")
            set_attrs(child(tc_pr, "vAlign", TCPR_SEQ), val="center")


def mark_header_row(tr: BaseOxmlElement) -> None:
    """Repeat the row at the top of each page the table runs onto."""
    child(tr.get_or_add_trPr(), "tblHeader", TRPR_SEQ)


def keep_row_whole(tr: BaseOxmlElement) -> None:
    """Never split the row across pages (``w:cantSplit``): a row's tail alone on a page is unreadable."""
    child(tr.get_or_add_trPr(), "cantSplit", TRPR_SEQ)


def span_row(tr: BaseOxmlElement, columns: int) -> BaseOxmlElement:
    """Make the row one cell across ``columns`` grid columns (``w:gridSpan``); returns that cell."""
    cells = tr.tc_lst
    for extra in cells[1:]:
        tr.remove(extra)
    first = cells[0]
    set_attrs(child(first.get_or_add_tcPr(), "gridSpan", TCPR_SEQ), val=columns)
    return first


def set_snap_to_grid(ppr: BaseOxmlElement, on: bool) -> None:
    """Off: the paragraph keeps its own line height instead of the page's line grid (table text in
    small type would otherwise take a whole 28.95 pt grid line per line)."""
    set_attrs(child(ppr, "snapToGrid", PPR_SEQ), val="1" if on else "0")


def set_picture_alt_text(inline: BaseOxmlElement, text: str) -> None:
    doc_pr = inline.find(qn("wp:docPr"))
    if doc_pr is not None:
        doc_pr.set("descr", xml_text(text))


_APP_PROPERTIES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>{application}</Application><Company>{company}</Company><DocSecurity>0</DocSecurity>"
    "</Properties>"
)
_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def set_app_properties(package, application: str, company: str) -> None:
    """The extended properties (docProps/app.xml): who made the file and for whom, nothing else.
    python-docx's template claims Microsoft Word wrote it, with a page and word count that are not
    this document's; counts are left out (Word and WPS fill them in when they save). The template's
    thumbnail, a picture of another document, is dropped."""
    from xml.sax.saxutils import escape

    for part in package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = _APP_PROPERTIES.format(
                application=escape(xml_text(application)), company=escape(xml_text(company))
            ).encode("utf-8")
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == _THUMBNAIL:
            package.rels.pop(rel_id)
