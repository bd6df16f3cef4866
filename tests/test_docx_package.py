"""How the built-in layout's .docx is packaged: written once with pinned zip dates, and each report
written on a copy of a writer prepared once per layout (report_gen.writers.docx_writer)."""

import copy
import datetime as dt
import io
import zipfile

import docx
from lxml import etree

from report_gen.output import pin_zip_times, pinned_entry
from report_gen.writers import docx_writer
from report_gen.writers.docx_writer import DocxWriter, write_docx


def _sample(sample_build):
    result, _ = sample_build
    return result.report, result.config.layout, result.config.report.date


def test_two_writes_give_the_same_bytes_with_every_entry_dated_the_report_date(sample_build):
    report, layout, date = _sample(sample_build)
    first = write_docx(report, layout, date)
    assert write_docx(report, layout, date) == first
    package = zipfile.ZipFile(io.BytesIO(first))
    assert package.testzip() is None
    names = package.namelist()
    assert names[0] == "[Content_Types].xml" and "word/document.xml" in names
    for info in package.infolist():
        assert info.date_time == (date.year, date.month, date.day, 0, 0, 0), info.filename
        assert info.compress_type == zipfile.ZIP_DEFLATED, info.filename  # the sample has no pictures
    opened = docx.Document(io.BytesIO(first))
    assert opened.paragraphs[0].text  # the title (or the authority line) reads back
    assert opened.core_properties.created.date() == date


def test_the_package_is_python_docx_own_save_redated(sample_build):
    """Writing the zip directly gives byte for byte what python-docx's save() gave once re-dated."""
    report, layout, date = _sample(sample_build)
    writer = DocxWriter(layout)
    written = writer.write(report, date)
    saved = io.BytesIO()
    writer.doc.save(saved)
    assert written == pin_zip_times(saved.getvalue(), date)


def test_pictures_are_stored_and_everything_else_deflated():
    day = dt.date(2025, 12, 5)
    assert pinned_entry("word/media/image1.PNG", day).compress_type == zipfile.ZIP_STORED
    assert pinned_entry("word/document.xml", day).compress_type == zipfile.ZIP_DEFLATED
    assert pinned_entry("word/document.xml", day).date_time == (2025, 12, 5, 0, 0, 0)


def test_reports_written_one_after_another_do_not_leak_into_each_other(sample_build):
    report, layout, date = _sample(sample_build)
    alone = DocxWriter(layout).write(report, date)  # a fresh writer, no cache involved
    other = copy.deepcopy(report)
    other.title = "另一份报告"
    other.blocks = other.blocks[:3]
    assert write_docx(report, layout, date) == alone
    assert write_docx(other, layout, date) != alone
    assert write_docx(report, layout, date) == alone
    prepared = docx_writer._prepared_writer(layout, None)
    body = prepared.doc.element.body
    assert [etree.QName(e).localname for e in body] == ["sectPr"]  # nothing written into the cached one


def _elements(obj, seen):
    """Every lxml element reachable from ``obj`` through attributes, dicts and sequences."""
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type, type(None))):
        return
    seen.add(id(obj))
    if isinstance(obj, etree._Element):
        yield obj
        return
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
    for child in children:
        yield from _elements(child, seen)


def test_the_prepared_writer_refers_only_to_whole_parts(sample_build):
    """A deep copy of an lxml element copies it apart from its document. The prepared writer is
    deep-copied for every report, so it must refer to elements only through the root of each part:
    an element held on its own would be copied detached, and changes to it would never be saved."""
    _, layout, _ = _sample(sample_build)
    prepared = docx_writer._prepared_writer(layout, None)
    found = list(_elements(prepared, set()))
    assert any(etree.QName(e).localname == "styles" for e in found)
    inner = [e.tag for e in found if e.getparent() is not None]
    assert not inner, inner
