"""The Word file of door-plate cards, written straight into the .docx zip.

Stock python-docx grows as N² with pictures: for each one it re-hashes every earlier image,
scans part names for the next free one, runs an XPath over the whole body for the next
shape id and scans the relationships (measured: 3,000 cards in 4–5½ minutes). The document
is the core's streaming writer (poverty_system.core.word: python-docx makes only the A4
shell with the Chinese fonts and the page-number footer, once); the cards are our own XML,
streamed to a temporary file village by village, and each image goes into the zip as it is
drawn, named and related from counters. Memory holds one village's cards at a time,
whatever the size of the export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from poverty_system.core.word import StreamDocument, body_width, para, spacer
from poverty_system.core.word import run as _run

BODY_W = body_width()
QR_COL = 2100  # twips: a 34 mm code and its cell padding
TEXT_COL = BODY_W // 2 - QR_COL
ROW_H = 3430  # 60.5 mm: four rows and a village heading fit on a page
QR_EMU = 34 * 36000
CARDS_PER_ROW = 2


@dataclass(frozen=True)
class Card:
    number: str
    head_name: str
    village: str
    group: str
    cadre: str
    unit: str


_para = para

_BORDERS = "".join(
    f'<w:{side} w:val="dashed" w:sz="4" w:space="0" w:color="808080"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)
TABLE_START = (
    '<w:tbl><w:tblPr><w:tblW w:w="{w}" w:type="dxa"/><w:jc w:val="center"/>'
    '<w:tblBorders>{b}</w:tblBorders><w:tblLayout w:type="fixed"/>'
    '<w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/>'
    "</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
).format(
    w=BODY_W,
    b=_BORDERS,
    grid=f'<w:gridCol w:w="{QR_COL}"/><w:gridCol w:w="{TEXT_COL}"/>' * CARDS_PER_ROW,
)
ROW_START = f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{ROW_H}" w:hRule="exact"/></w:trPr>'
# Between a card's code and its text: no line (the dashed lines are where to cut).
_NO_INNER = '<w:tcBorders><w:{side} w:val="nil"/></w:tcBorders>'


def _cell(width: int, body: str, inner_side: str) -> str:
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>'
        f"{_NO_INNER.format(side=inner_side)}"
        f'<w:vAlign w:val="center"/></w:tcPr>{body}</w:tc>'
    )


def _drawing(number: int, rel_id: str) -> str:
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{QR_EMU}" cy="{QR_EMU}"/><wp:docPr id="{number}" name="二维码 {number}"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="{number}" name="qr{number}.png"/><pic:cNvPicPr/>'
        f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel_id}"/><a:stretch><a:fillRect/>'
        '</a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{QR_EMU}" cy="{QR_EMU}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
        "</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline>"
        "</w:drawing></w:r>"
    )


def _card_text(card: Card) -> str:
    lines = [
        _para(_run("精准扶贫二维码档案", size=18, bold=True), after=60),
        _para(_run("户编号：", size=21) + _run(card.number, size=24, bold=True)),
        _para(_run(f"户主：{card.head_name or '（未填）'}")),
        _para(_run(f"村组：{card.village}{(' ' + card.group) if card.group else ''}")),
        _para(_run(f"帮扶干部：{card.cadre or '（待分配）'}")),
        _para(_run(f"帮扶单位：{card.unit or '（待分配）'}")),
    ]
    return "".join(lines)


class CardDocument(StreamDocument):
    """One .docx of cards at `path`, used as a context manager: cover(), then village() per
    village inside `with CardDocument(path) as document:`; leaving the block finishes the
    file, or, on an exception, closes what is open and leaves an unfinished file for the
    caller to remove."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self._villages = 0
        self.cards = 0

    def __enter__(self) -> CardDocument:
        return self

    def cover(self, text: str) -> None:
        self.write(_para(_run(text, size=22, bold=True), after=120, align="center"))

    def village(self, heading: str, cards: Iterable[tuple[Card, bytes]]) -> int:
        """A heading (on a new page after the first village) and a grid of cards, two by
        four per page. `cards` yields (card, PNG bytes) in order; each image is stored at
        once, so only the caller's batch is ever held."""
        page_break = '<w:pageBreakBefore w:val="1"/>' if self._villages else ""
        self._villages += 1
        self.write(
            _para(
                _run(heading, size=28, bold=True),
                after=120,
                extra=f'<w:pStyle w:val="Heading1"/>{page_break}',
            )
        )
        count = 0
        for card, png in cards:
            if count == 0:
                self.write(TABLE_START)
            if count % CARDS_PER_ROW == 0:
                if count:
                    self.write("</w:tr>")
                self.write(ROW_START)
            self.write(self._card_cells(card, png))
            count += 1
        if not count:
            self.write(_para(_run("本区域没有可导出的贫困户。")))
            return 0
        if count % CARDS_PER_ROW:
            empty = _para("")
            for _ in range(CARDS_PER_ROW - count % CARDS_PER_ROW):
                self.write(_cell(QR_COL, empty, "right") + _cell(TEXT_COL, empty, "left"))
        # A full page of cards must not push the spacer onto a blank page: it is tiny.
        self.write("</w:tr></w:tbl>" + spacer())
        self.cards += count
        return count

    def _card_cells(self, card: Card, png: bytes) -> str:
        number, rel_id = self.add_image(png)
        image = _para(_drawing(number, rel_id), after=0, align="center")
        return _cell(QR_COL, image, "right") + _cell(TEXT_COL, _card_text(card), "left")
