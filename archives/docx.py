"""The Word file of door-plate cards, written straight into the .docx zip.

Stock python-docx grows as N² with pictures: for each one it re-hashes every earlier image,
scans part names for the next free one, runs an XPath over the whole body for the next
shape id and scans the relationships (measured: 3,000 cards in 4–5½ minutes). Here
python-docx builds only the shell once (page size, margins, fonts, the page-number footer);
the body is our own XML, streamed to a temporary file village by village, and each image
goes into the zip as it is drawn, named and related from counters. Memory holds one
village's cards at a time, whatever the size of the export.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import docx
from docx.enum.section import WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# A4, in twentieths of a point; 1 mm = 36,000 EMU.
PAGE_W, PAGE_H = 11906, 16838
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, FOOTER = 624, 624, 794, 397
BODY_W = PAGE_W - 2 * MARGIN_X
QR_COL = 2100  # twips: a 34 mm code and its cell padding
TEXT_COL = BODY_W // 2 - QR_COL
ROW_H = 3430  # 60.5 mm: four rows and a village heading fit on a page
QR_EMU = 34 * 36000
CARDS_PER_ROW = 2
FONT = "宋体"  # LibreOffice and Word substitute a CJK font where it is missing

REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


@dataclass(frozen=True)
class Card:
    number: str
    head_name: str
    village: str
    group: str
    cadre: str
    unit: str


@functools.cache
def shell() -> dict[str, bytes]:
    """The parts of an empty A4 document with our fonts and the page-number footer, made
    once per process with python-docx (styles resolved here, never per table)."""
    document = docx.Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(11)
    section.top_margin, section.bottom_margin = Mm(11), Mm(14)
    section.footer_distance = Mm(7)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = FONT
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = 1  # centred
    paragraph.add_run("第 ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" 页，共 ")
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(" 页")
    out = io.BytesIO()
    document.save(out)
    with zipfile.ZipFile(out) as package:
        return {name: package.read(name) for name in package.namelist()}


def _field(paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    run._r.addnext(field)


def _split_document(xml: str) -> tuple[str, str]:
    """(root start tag with <w:body>, the section properties) of the shell's document."""
    head = xml[: xml.index("<w:body>") + len("<w:body>")]
    section = re.search(r"<w:sectPr[ >].*</w:sectPr>", xml, re.S)
    assert section is not None
    return head, section.group(0)


def _run(text: str, *, size: int = 21, bold: bool = False) -> str:
    props = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}"/>'
    if bold:
        props += "<w:b/>"
    props += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(runs: str, *, after: int = 40, align: str = "left", extra: str = "") -> str:
    return (
        f'<w:p><w:pPr>{extra}<w:spacing w:before="0" w:after="{after}"/>'
        f'<w:jc w:val="{align}"/></w:pPr>{runs}</w:p>'
    )


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


class CardDocument:
    """One .docx of cards at `path`, used as a context manager: cover(), then village() per
    village inside `with CardDocument(path) as document:`; leaving the block finishes the
    file, or, on an exception, closes what is open and leaves an unfinished file for the
    caller to remove."""

    def __init__(self, path):
        parts = shell()
        self._head, self._section = _split_document(parts["word/document.xml"].decode())
        self._rels = parts["word/_rels/document.xml.rels"].decode()
        self._types = parts["[Content_Types].xml"].decode()
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        for name, data in parts.items():
            if name not in (
                "word/document.xml",
                "word/_rels/document.xml.rels",
                "[Content_Types].xml",
            ):
                self._zip.writestr(name, data)
        self._body = tempfile.TemporaryFile()
        self._body.write(self._head.encode())
        self._image_rels: list[str] = []
        self._images = 0
        self._villages = 0
        self.cards = 0

    def _write(self, xml: str) -> None:
        self._body.write(xml.encode())

    def cover(self, text: str) -> None:
        self._write(_para(_run(text, size=22, bold=True), after=120, align="center"))

    def village(self, heading: str, cards: Iterable[tuple[Card, bytes]]) -> int:
        """A heading (on a new page after the first village) and a grid of cards, two by
        four per page. `cards` yields (card, PNG bytes) in order; each image is stored at
        once, so only the caller's batch is ever held."""
        page_break = '<w:pageBreakBefore w:val="1"/>' if self._villages else ""
        self._villages += 1
        self._write(
            _para(
                _run(heading, size=28, bold=True),
                after=120,
                extra=f'<w:pStyle w:val="Heading1"/>{page_break}',
            )
        )
        count = 0
        for card, png in cards:
            if count == 0:
                self._write(TABLE_START)
            if count % CARDS_PER_ROW == 0:
                if count:
                    self._write("</w:tr>")
                self._write(ROW_START)
            self._write(self._card_cells(card, png))
            count += 1
        if not count:
            self._write(_para(_run("本区域没有可导出的贫困户。")))
            return 0
        if count % CARDS_PER_ROW:
            empty = _para("")
            for _ in range(CARDS_PER_ROW - count % CARDS_PER_ROW):
                self._write(_cell(QR_COL, empty, "right") + _cell(TEXT_COL, empty, "left"))
        self._write("</w:tr></w:tbl>")
        # A table may not end the body or touch the next table; keep the spacer tiny so
        # that a full page of cards does not push it onto a blank page.
        self._write(
            '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
            "</w:pPr></w:p>"
        )
        self.cards += count
        return count

    def _card_cells(self, card: Card, png: bytes) -> str:
        self._images += 1
        number = self._images
        rel_id = f"rIdQr{number}"
        target = f"media/qr{number}.png"
        self._zip.writestr(zipfile.ZipInfo(f"word/{target}", (2026, 1, 1, 0, 0, 0)), png)
        self._image_rels.append(
            f'<Relationship Id="{rel_id}" Type="{REL_IMAGE}" Target="{target}"/>'
        )
        image = _para(_drawing(number, rel_id), after=0, align="center")
        return _cell(QR_COL, image, "right") + _cell(TEXT_COL, _card_text(card), "left")

    def __enter__(self) -> CardDocument:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self._finish()
        else:
            self._body.close()
            self._zip.close()

    def _finish(self) -> None:
        self._write(self._section + "</w:body></w:document>")
        self._body.seek(0)
        with self._zip.open("word/document.xml", "w") as target:
            shutil.copyfileobj(self._body, target, 1 << 20)
        self._body.close()
        rels = self._rels.replace(
            "</Relationships>", "".join(self._image_rels) + "</Relationships>"
        )
        self._zip.writestr("word/_rels/document.xml.rels", rels)
        types = self._types
        if 'Extension="png"' not in types:
            png_type = '<Default Extension="png" ContentType="image/png"/>'
            types = types.replace("</Types>", png_type + "</Types>")
        self._zip.writestr("[Content_Types].xml", types)
        self._zip.close()
