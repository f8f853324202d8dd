"""Word (.docx) files written as a stream: the one A4 set-up with Chinese fonts.

python-docx makes only the shell, once per process and orientation: A4, the margins, the
Normal style in 宋体 (east-Asian font set too) and a centred 第 N 页，共 M 页 footer. The body is
our own WordprocessingML, written to a temporary file as it is made and copied into the zip
at the end (`StreamDocument`), so a file of a thousand pages is linear in time and holds
nothing but the caller's batch in memory; stock python-docx slows down with every table and
picture it has already placed. The QR door plates (archives.docx) and the printable sheets
(reports) are built on it; `run`, `para`, `table`, `row` and `cell` are the pieces.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from xml.sax.saxutils import escape

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "宋体"  # LibreOffice and Word substitute a CJK font where it is missing
# A4 in twentieths of a point (twips); the margins of every document.
PAGE_SHORT, PAGE_LONG = 11906, 16838
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 624, 624, 794  # 11 mm, 11 mm, 14 mm


def body_width(landscape: bool = False) -> int:
    return (PAGE_LONG if landscape else PAGE_SHORT) - 2 * MARGIN_X


@functools.cache
def shell(landscape: bool = False) -> dict[str, bytes]:
    """The parts of an empty A4 document with our fonts and the page-number footer, made
    once per process with python-docx (styles resolved here, never per table)."""
    document = docx.Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
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


def _field(paragraph: Any, instruction: str) -> None:
    run = paragraph.add_run()
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    run._r.addnext(field)


def split_document(xml: str) -> tuple[str, str]:
    """(root start tag with <w:body>, the section properties) of the shell's document."""
    head = xml[: xml.index("<w:body>") + len("<w:body>")]
    section = re.search(r"<w:sectPr[ >].*</w:sectPr>", xml, re.S)
    assert section is not None
    return head, section.group(0)


# --- pieces of the body ------------------------------------------------------------------

_FONTS = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}"/>'


def run(text: str, *, size: int = 21, bold: bool = False) -> str:
    """A run of text; `size` in half-points (21 = 10.5 pt). Line breaks become <w:br/>."""
    props = _FONTS + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    parts = str(text).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r><w:rPr>{props}</w:rPr>{body}</w:r>"


def para(runs: str, *, after: int = 40, align: str = "left", extra: str = "") -> str:
    return (
        f'<w:p><w:pPr>{extra}<w:spacing w:before="0" w:after="{after}"/>'
        f'<w:jc w:val="{align}"/></w:pPr>{runs}</w:p>'
    )


def heading(text: str, *, size: int = 32, page_break: bool = False) -> str:
    """A centred title (Heading 1, so that the navigation pane lists it)."""
    extra = '<w:pStyle w:val="Heading1"/>' + (
        '<w:pageBreakBefore w:val="1"/>' if page_break else ""
    )
    return para(run(text, size=size, bold=True), after=80, align="center", extra=extra)


def spacer() -> str:
    """A tiny paragraph: a table may not end the body or touch the next table."""
    return (
        '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
        "</w:pPr></w:p>"
    )


SINGLE = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def table(widths: Sequence[int], rows: Iterable[str], *, borders: str = SINGLE) -> str:
    """A fixed-layout table of the given column widths (twips) and rows (from `row`)."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="60" w:type="dxa"/><w:right w:w="60" w:type="dxa"/>'
        f"</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def row(cells: Iterable[str], *, header: bool = False, height: int = 0) -> str:
    """A table row that is never split across pages; a header row repeats on every page."""
    props = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
    if height:
        props += f'<w:trHeight w:val="{height}" w:hRule="atLeast"/>'
    return f"<w:tr><w:trPr>{props}</w:trPr>{''.join(cells)}</w:tr>"


def cell(
    text: str = "",
    width: int = 0,
    *,
    size: int = 18,
    bold: bool = False,
    shade: str = "",
    span: int = 1,
    align: str = "left",
    xml: str = "",
) -> str:
    """A cell of text (or of ready paragraphs in `xml`); `shade` a fill colour (RRGGBB)."""
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' if width else ""
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if shade:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
    props += '<w:vAlign w:val="center"/>'
    body = xml or para(run(text, size=size, bold=bold), after=0, align=align)
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


# --- the document ------------------------------------------------------------------------

REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


class StreamDocument:
    """One .docx at `target` (a path or a binary file), used as a context manager: write()
    body XML inside `with StreamDocument(target) as document:`; leaving the block finishes
    the file, or, on an exception, closes what is open and leaves an unfinished file for the
    caller to remove. add_image() stores a PNG at once and returns its relationship id."""

    def __init__(self, target: Any, *, landscape: bool = False) -> None:
        parts = shell(landscape)
        self._head, self._section = split_document(parts["word/document.xml"].decode())
        self._rels = parts["word/_rels/document.xml.rels"].decode()
        self._types = parts["[Content_Types].xml"].decode()
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        self._body: IO[bytes] = tempfile.TemporaryFile()
        try:
            for name, data in parts.items():
                if name not in (
                    "word/document.xml",
                    "word/_rels/document.xml.rels",
                    "[Content_Types].xml",
                ):
                    self._zip.writestr(name, data)
        except BaseException:  # a full disk already: no `with` block will close it
            self._abandon()
            raise
        self._body.write(self._head.encode())
        self._image_rels: list[str] = []
        self.images = 0

    def write(self, xml: str) -> None:
        self._body.write(xml.encode())

    def add_image(self, png: bytes) -> tuple[int, str]:
        """(number, relationship id) of a PNG stored in the package now."""
        self.images += 1
        number = self.images
        rel_id = f"rIdImg{number}"
        target = f"media/image{number}.png"
        self._zip.writestr(zipfile.ZipInfo(f"word/{target}", (2026, 1, 1, 0, 0, 0)), png)
        self._image_rels.append(
            f'<Relationship Id="{rel_id}" Type="{REL_IMAGE}" Target="{target}"/>'
        )
        return number, rel_id

    def __enter__(self) -> StreamDocument:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            try:
                self._finish()
            except BaseException:
                self._abandon()
                raise
        else:
            self._abandon()

    def _abandon(self) -> None:
        """Close what is open after a failure. On a full disk the zip cannot write its end
        record either (nor close an entry left open): its file is closed all the same, so the
        caller can remove it and the disk gets its space back."""
        self._body.close()
        try:
            self._zip.close()
        except (OSError, ValueError):
            if self._zip.fp is not None:
                self._zip.fp.close()
                self._zip.fp = None  # so that ZipFile.__del__ does not try again

    def _finish(self) -> None:
        self.write(self._section + "</w:body></w:document>")
        self._body.seek(0)
        with self._zip.open("word/document.xml", "w") as target:
            shutil.copyfileobj(self._body, target, 1 << 20)
        self._body.close()
        rels = self._rels.replace(
            "</Relationships>", "".join(self._image_rels) + "</Relationships>"
        )
        self._zip.writestr("word/_rels/document.xml.rels", rels)
        types = self._types
        if self._image_rels and 'Extension="png"' not in types:
            png_type = '<Default Extension="png" ContentType="image/png"/>'
            types = types.replace("</Types>", png_type + "</Types>")
        self._zip.writestr("[Content_Types].xml", types)
        self._zip.close()
