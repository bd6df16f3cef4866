"""The composed report, independent of any output format.

Writers (Word, HTML, Markdown) receive a :class:`Report` and render the same
blocks, so the three outputs never disagree on wording, numbers or order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .charts import ChartImage

_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


@dataclass(frozen=True)
class Mention:
    """Where a template printed a figure in a block's text: ``kind`` ``"figure"`` (its value) or
    ``"change"`` (its generated change from last year, true by construction)."""

    kind: str
    figure: str
    start: int
    end: int


@dataclass
class Provenance:
    """Which figures a block's text prints, and which config key or template wrote each stretch of it
    (``origins``: (offset, key) pairs in order). Read by the claim checks; writers ignore it."""

    mentions: list[Mention] = field(default_factory=list)
    origins: list[tuple[int, str]] = field(default_factory=list)

    def origin_at(self, offset: int) -> str:
        key = ""
        for start, origin in self.origins:
            if start > offset:
                break
            key = origin
        return key


@dataclass
class Heading:
    """A numbered heading. ``number`` is generated (``一、`` ``（一）`` ``1.`` ``（1）``), never typed."""

    level: int
    text: str
    number: str
    section: str
    provenance: Provenance = field(default_factory=Provenance, compare=False, repr=False)

    @property
    def full_text(self) -> str:
        return f"{self.number}{self.text}"


@dataclass
class Paragraph:
    """Body text; ``kind`` ``"attachment_label"`` is the 附件 line before an appendix."""

    text: str
    section: str
    kind: str = "body"
    provenance: Provenance = field(default_factory=Provenance, compare=False, repr=False)


@dataclass
class Table:
    """A table with its caption above: ``表1 各街道……``. ``total_row`` marks a last 合计 row."""

    id: str
    number: int
    caption: str
    header: list[str]
    rows: list[list[str]]
    section: str
    total_row: bool = False
    additive: list[bool] = field(default_factory=list)
    """Per data column (after the first): do its rows add up to the 合计 row (counts and sums)?"""
    spans: list[int] = field(default_factory=list)
    """Rows (indices into ``rows``) that are one cell across the whole table: a group's heading,
    such as the source the rows below were counted from. Their other cells are empty."""
    notes: list[str] = field(default_factory=list)
    """Lines printed under the table, each complete: ``资料来源：……``, ``注：……``."""

    def numeric_columns(self) -> list[bool]:
        """Per column: does every filled cell hold a number (``48612``, ``64.4``, ``—``)? Such columns
        are aligned to the right so digits line up; the header stays centred."""
        body = [row for i, row in enumerate(self.rows) if i not in self.spans]
        result = []
        for col in range(len(self.header)):
            cells = [row[col] for row in body if col < len(row) and row[col] not in ("", "—")]
            result.append(bool(cells) and all(_NUMBER.fullmatch(c) for c in cells))
        return result

    @property
    def caption_text(self) -> str:
        return f"表{self.number}　{self.caption}"


@dataclass
class Picture:
    """A chart with its caption below: ``图1 ……``. ``width_mm`` is its printed width; ``png`` its
    picture, drawn when a writer first asks (the Word writer writes a Word chart from
    ``chart.data`` instead)."""

    id: str
    number: int
    caption: str
    chart: ChartImage
    alt: str
    section: str

    @property
    def png(self) -> bytes:
        return self.chart.png

    @property
    def width_mm(self) -> float:
        return self.chart.width_mm

    @property
    def height_mm(self) -> float:
        return self.chart.height_mm

    @property
    def caption_text(self) -> str:
        return f"图{self.number}　{self.caption}"


@dataclass
class PageBreak:
    section: str = ""


Block = Heading | Paragraph | Table | Picture | PageBreak


@dataclass
class Report:
    authority: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    signature: str = ""
    date_text: str = ""
    appendix: list[Block] = field(default_factory=list)
    draft: bool = False
    """A 征求意见稿: marked as such, with its 【待填写】 placeholders highlighted."""
    attachments: list[str] = field(default_factory=list)
    """Names of the attachments (``数据附表``), listed in the 附件说明 between body and signature."""

    def attachment_note(self) -> list[str]:
        """The 附件说明 lines (GB/T 9704 §7.3.4): ``附件：数据附表`` for one attachment; for several,
        ``附件：1.……`` then ``2.……`` aligned under the first name. Empty without attachments."""
        if len(self.attachments) == 1:
            return [f"附件：{self.attachments[0]}"]
        return [
            ("附件：" if i == 1 else "") + f"{i}.{name}" for i, name in enumerate(self.attachments, start=1)
        ]

    def all_blocks(self) -> list[Block]:
        return [*self.blocks, *self.appendix]

    def text_blocks(self) -> list[Heading | Paragraph]:
        return [b for b in self.all_blocks() if isinstance(b, (Heading, Paragraph))]
