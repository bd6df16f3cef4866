"""HTML (a browser preview laid out like the Word report) and Markdown outputs."""

from __future__ import annotations

import base64
import html
import re

from ..config import PLACEHOLDER_TEXT
from ..document import Heading, PageBreak, Paragraph, Picture, Report, Table
from .layout import Layout, balanced_title_lines, header_words


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _css(layout: Layout) -> str:
    return f"""
body {{ background: #eee; margin: 0; }}
.page {{ background: #fff; width: {layout.text_width_mm}mm; margin: 12mm auto;
  padding: {layout.margin_top_mm}mm {layout.margin_right_mm}mm {layout.margin_bottom_mm}mm {layout.margin_left_mm}mm;
  font-family: "{layout.body_font}", "仿宋", FangSong, "AR PL UMing CN", serif;
  font-size: {layout.body_size_pt}pt; line-height: {layout.line_pitch_twips / 20}pt;
  box-shadow: 0 0 4px #999; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
.authority {{ text-align: center; text-indent: 0; font-family: "{layout.authority_font}", SimHei, sans-serif; }}
h1.title {{ font-family: "{layout.title_font}", "Noto Serif CJK SC", serif; font-size: {layout.title_size_pt}pt;
  font-weight: normal; text-align: center; margin: 0 0 {layout.line_pitch_twips / 20}pt; line-height: 1.3; }}
h2, h3, h4, h5 {{ font-size: {layout.body_size_pt}pt; margin: 0; text-indent: 2em; font-weight: normal; }}
h2 {{ font-family: "{layout.heading_fonts[0]}", SimHei, sans-serif; }}
h3 {{ font-family: "{layout.heading_fonts[1]}", KaiTi, serif; }}
h4 {{ font-weight: bold; }}
table {{ border-collapse: collapse; margin: 0 auto 1em; width: 100%;
  border-top: 1.5pt solid #000; border-bottom: 1.5pt solid #000; font-size: {layout.table_size_pt}pt;
  line-height: 1.5; }}
th {{ border-bottom: 0.75pt solid #000; }}
th, td {{ padding: 2pt 4pt; text-align: center; }}
caption {{ font-family: "{layout.caption_font}", SimHei, sans-serif; font-size: {layout.caption_size_pt}pt; }}
figure {{ margin: 0.5em 0; text-align: center; }}
figure img {{ max-width: 100%; }}
figcaption {{ font-family: "{layout.caption_font}", SimHei, sans-serif; font-size: {layout.caption_size_pt}pt; }}
.signature {{ text-indent: 0; text-align: right; margin-right: 2em; margin-top: {layout.line_pitch_twips / 20}pt; }}
.date {{ text-indent: 0; text-align: right; margin-right: 2em; }}
.pagebreak {{ page-break-after: always; height: 2em; }}
td.num {{ text-align: right; }}
th .word {{ white-space: nowrap; }}
th.group {{ text-align: left; border-bottom: none; }}
tr {{ page-break-inside: avoid; }}
.table-note {{ text-indent: 0; font-size: {layout.table_size_pt}pt; line-height: 1.5; margin-top: -0.8em;
  margin-bottom: 1em; }}
.attachment-note.first {{ margin-top: {layout.line_pitch_twips / 20}pt; }}
.attachment-note.more {{ text-indent: 0; padding-left: 5em; }}
.attachment-label {{ text-indent: 0; font-family: "{layout.attachment_font}", SimHei, sans-serif; }}
"""


def write_html(report: Report, layout: Layout) -> bytes:
    def e(text: str) -> str:  # escaped, a draft's placeholders highlighted
        escaped = html.escape(text)
        return PLACEHOLDER_TEXT.sub(r"<mark>\1</mark>", escaped) if report.draft else escaped

    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f'<title>{e(report.title)}</title><style>{_css(layout)}</style></head><body><main class="page">',
        f'<p class="authority">{e(report.authority)}</p>',
        '<h1 class="title">'
        + "<br>".join(e(line) for line in balanced_title_lines(report.title, layout.title_chars_per_line))
        + "</h1>",
    ]

    if report.draft:
        parts.insert(4, '<p class="date">征求意见稿</p>')

    def block(b) -> None:
        if isinstance(b, Heading):
            if b.level == 0:
                parts.append(f'<h1 class="title">{e(b.text)}</h1>')
            else:
                parts.append(f"<h{b.level + 1}>{e(b.full_text)}</h{b.level + 1}>")
        elif isinstance(b, Paragraph):
            kind = ' class="attachment-label"' if b.kind == "attachment_label" else ""
            parts.append(f"<p{kind}>{e(b.text)}</p>")
        elif isinstance(b, Table):
            # A header breaks between its words only (非公企业 / （家）), never inside one.
            head = "".join(
                "<th>" + "".join(f'<span class="word">{e(w)}</span>' for w in header_words(h)) + "</th>"
                for h in b.header
            )
            numeric = b.numeric_columns()
            rows = "".join(
                f'<tr><th class="group" colspan="{len(b.header)}">{e(row[0])}</th></tr>'
                if i in b.spans
                else "<tr>"
                + "".join(
                    f'<td class="num">{e(c)}</td>' if numeric[k] else f"<td>{e(c)}</td>"
                    for k, c in enumerate(row)
                )
                + "</tr>"
                for i, row in enumerate(b.rows)
            )
            parts.append(
                f"<table><caption>{e(b.caption_text)}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
            parts.extend(f'<p class="table-note">{e(note)}</p>' for note in b.notes)
        elif isinstance(b, Picture):
            parts.append(
                f'<figure><img src="{_data_uri(b.png)}" alt="{e(b.alt)}">'
                f"<figcaption>{e(b.caption_text)}</figcaption></figure>"
            )
        elif isinstance(b, PageBreak):
            parts.append('<div class="pagebreak"></div>')

    for b in report.blocks:
        block(b)
    for i, line in enumerate(report.attachment_note()):
        # 附件说明: one blank line after the body, two characters in (GB/T 9704 §7.3.4).
        parts.append(f'<p class="attachment-note{" first" if not i else " more"}">{e(line)}</p>')
    parts.append(f'<p class="signature">{e(report.signature)}</p>')
    parts.append(f'<p class="date">{e(report.date_text)}</p>')
    for b in report.appendix:
        block(b)
    parts.append("</main></body></html>")
    return "\n".join(parts).encode("utf-8")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_MD_LINE_START = re.compile(r"^(?=[#>+-])|(?<=^[0-9])(?=[.)])|(?<=^[0-9][0-9])(?=[.)])")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]+")


def _md_escape(text: str) -> str:
    """Text as one line of Markdown that renders as itself: no line break that could start a
    heading or list, markup characters backslash-escaped, HTML (``<script>``) as entities."""
    text = _MD_SPECIAL.sub(r"\\\1", html.escape(_LINE_BREAKS.sub(" ", text), quote=False))
    return _MD_LINE_START.sub(r"\\", text, count=1)


def write_markdown(report: Report) -> bytes:
    lines = [f"**{_md_escape(report.authority)}**", "", f"# {_md_escape(report.title)}", ""]
    if report.draft:
        lines[:0] = ["（征求意见稿）", ""]

    def block(b) -> None:
        if isinstance(b, Heading):
            prefix = "#" * (b.level + 1) if b.level else "#"
            lines.extend([f"{prefix} {_md_escape(b.full_text)}", ""])
        elif isinstance(b, Paragraph):
            lines.extend([_md_escape(b.text), ""])
        elif isinstance(b, Table):
            lines.append(f"**{_md_escape(b.caption_text)}**")
            lines.append("")
            lines.append("| " + " | ".join(_md_escape(h) for h in b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            for i, row in enumerate(b.rows):
                if i in b.spans:  # a group's heading across the table: bold in the first cell
                    cells = [f"**{_md_escape(row[0])}**", *[""] * (len(row) - 1)]
                else:
                    cells = [_md_escape(c) for c in row]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
            for note in b.notes:
                lines.extend([_md_escape(note), ""])
        elif isinstance(b, Picture):
            lines.extend(
                [f"![{_md_escape(b.alt)}]({_data_uri(b.png)})", "", f"*{_md_escape(b.caption_text)}*", ""]
            )
        elif isinstance(b, PageBreak):
            lines.extend(["---", ""])

    for b in report.blocks:
        block(b)
    for line in report.attachment_note():
        lines.extend([_md_escape(line), ""])
    lines.extend([f"{_md_escape(report.signature)}  ", _md_escape(report.date_text), ""])
    for b in report.appendix:
        block(b)
    return "\n".join(lines).encode("utf-8")
