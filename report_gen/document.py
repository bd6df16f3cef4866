"""The composed report, independent of any output format.

Writers (Word, HTML, Markdown) receive a :class:`Report` and render the same
blocks, so the three outputs never disagree on wording, numbers or order.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def caption_text(self) -> str:
        return f"表{self.number}　{self.caption}"


@dataclass
class Picture:
    """A chart with its caption below: ``图1 ……``. ``width_mm`` is its printed width."""

    id: str
    number: int
    caption: str
    png: bytes
    width_mm: float
    height_mm: float
    alt: str
    section: str

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

    def all_blocks(self) -> list[Block]:
        return [*self.blocks, *self.appendix]

    def text_blocks(self) -> list[Heading | Paragraph]:
        return [b for b in self.all_blocks() if isinstance(b, (Heading, Paragraph))]
