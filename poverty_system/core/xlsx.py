"""Excel (.xlsx) in and out, for every import and export of the project.

- `read_table`: a safe reader. The file must be a real .xlsx (a zip holding a workbook);
  the declared uncompressed sizes and ratios are checked before anything is parsed (zip
  bombs), rows and columns are bounded by the settings, formulas are refused, every cell is
  read as text, and the header row is found by its texts in the first rows (national exports
  put title rows above it), with full- and half-width brackets alike.
- `Report`: the problems of a file per row and column, in Chinese, and the same sheet written
  back with an error column and the bad cells marked.
- `XlsxWriter`: openpyxl's write-only (streaming) mode, with every text beginning with
  = + - @ or a tab stored as text with Excel's quote prefix, so that no formula runs and the
  value reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows searched for the header: national exports carry one to three title rows above it.
HEADER_SCAN_ROWS = 10
# Texts that a spreadsheet would run as a formula (or as DDE) when they begin a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERROR_COLUMN = "错误信息"
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEADER_FONT = Font(bold=True)

Source = str | os.PathLike[str] | bytes | IO[bytes]


class XlsxError(Exception):
    """The whole file is refused; `message` says why in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def limits() -> dict[str, int]:
    """The limits of an uploaded workbook, from the settings (shown on the import page)."""
    return {
        "max_bytes": settings.XLSX_MAX_BYTES,
        "max_uncompressed": settings.XLSX_MAX_UNCOMPRESSED,
        "max_rows": settings.XLSX_MAX_ROWS,
        "max_columns": settings.XLSX_MAX_COLUMNS,
    }


# --- reading ---------------------------------------------------------------------------

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "［": "[", "］": "]"})


def normalise_header(text: object) -> str:
    """A header cell as compared: no whitespace inside, half-width brackets, no leading *
    (the template marks required columns with it)."""
    return "".join(str(text or "").split()).translate(_BRACKETS).lstrip("*")


def cell_text(value: Any) -> str:
    """Every cell as text: an ID number typed into a number cell must not become 3.6E+17
    downstream, a month 202301 must not become 202301.0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class Row:
    number: int  # the Excel row number, as the user sees it
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        return self.cells[index] if index is not None and index < len(self.cells) else ""


@dataclass
class Table:
    """One sheet's data: the rows above the header, the header, and the rows below it."""

    sheet_name: str
    header_row: int
    headers: list[str]
    rows: list[Row]
    title_rows: list[tuple[str, ...]] = field(default_factory=list)
    raw_headers: list[str] = field(default_factory=list)  # as typed (brackets, *, spaces)

    def index(self, header: str) -> int | None:
        """The column of a header text (compared normalised), or None."""
        wanted = normalise_header(header)
        for i, text in enumerate(self.headers):
            if text == wanted:
                return i
        return None

    def shown(self, index: int) -> str:
        """The header of a column as the user typed it (without a leading *), for messages."""
        raw = self.raw_headers[index] if index < len(self.raw_headers) else ""
        return raw.strip().lstrip("*").strip() or (
            self.headers[index] if index < len(self.headers) else ""
        )

    def letter(self, header: str) -> str:
        i = self.index(header)
        return get_column_letter(i + 1) if i is not None else ""


def _open(source: Source) -> IO[bytes]:
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb")  # noqa: SIM115 -- closed by the caller
    if isinstance(source, bytes):
        return io.BytesIO(source)
    return source


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def check_container(handle: IO[bytes]) -> None:
    """Refuse what is not a bounded .xlsx before any XML is parsed."""
    size = _size(handle)
    if size == 0:
        raise XlsxError("文件是空的，请选择要导入的 Excel 文件。")
    if size > settings.XLSX_MAX_BYTES:
        raise XlsxError(
            f"文件有 {size / 1048576:.1f} MB，超过上限 {settings.XLSX_MAX_BYTES / 1048576:.0f} MB，"
            "请分批导入。"
        )
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise XlsxError(
            "这是旧版 Excel（.xls）文件或设置了密码的文件，请在 Excel 中取消密码并"
            "另存为“Excel 工作簿（.xlsx）”后再导入。"
        )
    if not zipfile.is_zipfile(handle):
        raise XlsxError("文件不是 Excel 工作簿（.xlsx），请选择 .xlsx 文件。")
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlsxError("文件已损坏，无法作为 Excel 工作簿打开。") from exc
    finally:
        handle.seek(0)
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise XlsxError(
            "文件是 zip 压缩包而不是 Excel 工作簿（可能只是改了扩展名），请选择 .xlsx 文件。"
        )
    if len(members) > 1000:
        raise XlsxError("文件中的部件过多，不是正常的 Excel 工作簿。")
    total = sum(m.file_size for m in members)
    # Python's zipfile never inflates beyond the declared size, so these bounds hold.
    bomb = total > settings.XLSX_MAX_UNCOMPRESSED or any(
        m.file_size > 1048576 and m.file_size > m.compress_size * settings.XLSX_MAX_RATIO
        for m in members
    )
    if bomb:
        raise XlsxError(
            "文件解压后过大（异常压缩的文件），为安全起见拒绝导入。请确认文件来源，或分批导入。"
        )


def _find_header(
    rows: Iterable[tuple[Any, ...]], required: Sequence[str]
) -> tuple[int, list[str], list[tuple[str, ...]], list[str]]:
    """(header row number, its texts, the rows above it, its texts as typed); number 0 when
    not found."""
    wanted = {normalise_header(r) for r in required}
    titles: list[tuple[str, ...]] = []
    for number, row in enumerate(rows, 1):
        raw = [cell_text(c.value) for c in row]
        texts = [normalise_header(t) for t in raw]
        if wanted <= set(texts):
            return number, texts, titles, raw
        title = [cell_text(c.value) for c in row]
        while title and not title[-1]:
            title.pop()
        titles.append(tuple(title))
        if number >= HEADER_SCAN_ROWS:
            break
    return 0, [], titles, []


def read_table(source: Source, required: Sequence[str], *, max_rows: int | None = None) -> Table:
    """The first sheet with a header row holding every `required` text. Raises XlsxError.
    `max_rows`: a larger bound than XLSX_MAX_ROWS for the imports that take long lists
    (部门数据比对: a department's whole county list)."""
    handle = _open(source)
    try:
        check_container(handle)
        try:
            book = load_workbook(handle, read_only=True, data_only=False, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise XlsxError("文件已损坏，无法作为 Excel 工作簿打开。") from exc
        try:
            return _read_book(book, required, max_rows or settings.XLSX_MAX_ROWS)
        finally:
            book.close()
    finally:
        if handle is not source:
            handle.close()


def _read_book(book: Any, required: Sequence[str], max_rows: int) -> Table:
    max_cols = settings.XLSX_MAX_COLUMNS
    any_data = False
    for sheet in book.worksheets:
        rows = sheet.iter_rows(max_col=max_cols + 1)
        header_row, headers, titles, raw = _find_header(rows, required)
        if not header_row:
            any_data = any_data or any(any(t) for t in titles)
            continue
        _check_header(headers, max_cols)
        declared = (sheet.max_row or 0) - header_row
        if declared > max_rows * 2:  # fail fast on a sheet declaring far too many rows
            raise XlsxError(_too_many_rows(declared, max_rows))
        data: list[Row] = []
        formulas: list[str] = []
        for number, row in enumerate(rows, header_row + 1):
            if len(row) > max_cols and row[max_cols].value is not None:
                raise XlsxError(_too_many_columns())
            cells = []
            for cell in row[:max_cols]:
                if cell.data_type == "f":
                    formulas.append(f"{get_column_letter(cell.column)}{number}")
                cells.append(cell_text(cell.value))
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            data.append(Row(number, tuple(cells)))
            if len(data) > max_rows:
                raise XlsxError(_too_many_rows(len(data), max_rows))
        if formulas:
            shown = "、".join(formulas[:5]) + ("等" if len(formulas) > 5 else "")
            raise XlsxError(
                f"单元格 {shown} 是公式。导入只接受数值：请复制这些列并"
                "“选择性粘贴 › 数值”后再导入。"
            )
        if not data:
            raise XlsxError(f"工作表“{sheet.title}”在表头下面没有数据行。")
        headers = headers[: max(len(r.cells) for r in data + [Row(0, tuple(headers))])]
        while headers and not headers[-1]:
            headers.pop()
        return Table(sheet.title, header_row, headers, data, titles, raw[: len(headers)])
    if not any_data:
        raise XlsxError("工作簿是空的，没有数据。")
    names = "、".join(f"“{r}”" for r in required)
    raise XlsxError(
        f"没有找到表头：前 {HEADER_SCAN_ROWS} 行中没有同时含有 {names} 的行。"
        "请使用本系统的导入模板，或确认表头的列名与模板一致。"
    )


def _check_header(headers: list[str], max_cols: int) -> None:
    if len(headers) > max_cols and headers[max_cols]:
        raise XlsxError(_too_many_columns())
    seen: dict[str, int] = {}
    for i, text in enumerate(headers[:max_cols]):
        if not text:
            continue
        if text in seen:
            raise XlsxError(
                f"表头“{text}”出现了两次（第 {get_column_letter(seen[text] + 1)} 列和"
                f"第 {get_column_letter(i + 1)} 列），请删除其中一列。"
            )
        seen[text] = i


def _too_many_rows(count: int, max_rows: int) -> str:
    return (
        f"文件约有 {count} 行数据，超过一次导入的上限 {max_rows} 行，请按村或乡镇分成几个文件导入。"
    )


def _too_many_columns() -> str:
    return f"文件超过 {settings.XLSX_MAX_COLUMNS} 列，超过导入上限，请删除多余的列。"


# --- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int  # Excel row number
    column: str  # header text ("" for the whole row)
    message: str


@dataclass
class Report:
    """The problems of one file, per row and column."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    @property
    def ok(self) -> bool:
        return not self.problems

    def __len__(self) -> int:
        return len(self.problems)

    def by_row(self) -> dict[int, list[Problem]]:
        rows: dict[int, list[Problem]] = {}
        for p in sorted(self.problems, key=lambda p: p.row):
            rows.setdefault(p.row, []).append(p)
        return rows

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]

    def annotated(self, table: Table, target: IO[bytes]) -> None:
        """The sheet as read, with an error column after the last one and the bad cells
        marked, for the user to correct and upload again."""
        rows = self.by_row()
        book = XlsxWriter()
        width = max(len(table.headers), 1)
        columns = [
            Column(table.shown(i) or get_column_letter(i + 1)) for i in range(len(table.headers))
        ]
        sheet = book.add_sheet(table.sheet_name, [*columns, Column(ERROR_COLUMN, width=60)])
        for title in table.title_rows:
            sheet.append_raw(title)
        sheet.append_header()
        for row in table.rows:
            problems = rows.get(row.number, [])
            bad = {table.index(p.column) for p in problems if p.column}
            cells = list(row.cells) + [""] * (width - len(row.cells))
            text = "；".join(
                f"{p.column}：{p.message}" if p.column else p.message for p in problems
            )
            sheet.append([*cells, text], marked={i for i in bad if i is not None} | {width})
        book.save(target)


# --- writing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    width: float = 12
    text: bool = False  # format the column as text, so that typed ID numbers stay text
    choices: Sequence[str] = ()  # a drop-down of these labels (data validation)


def escape_cell(sheet: Any, value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, stored as text with the quote
    prefix instead (shown and read back unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


class SheetWriter:
    def __init__(self, book: XlsxWriter, sheet: Any, columns: Sequence[Column]):
        self.book, self.sheet, self.columns = book, sheet, list(columns)
        self.rows = 0
        for i, col in enumerate(self.columns, 1):
            dim = sheet.column_dimensions[get_column_letter(i)]
            dim.width = col.width
            if col.text:
                dim.number_format = "@"

    def append_header(self) -> None:
        cells = []
        for col in self.columns:
            cell = WriteOnlyCell(self.sheet, col.name)
            cell.font = HEADER_FONT
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cells.append(cell)
        self.sheet.append(cells)
        self.rows += 1
        self._header_row = self.rows

    def append_raw(self, values: Sequence[Any]) -> None:
        self.sheet.append([escape_cell(self.sheet, v) for v in values])
        self.rows += 1

    def append(self, values: Sequence[Any], marked: Collection[int] = ()) -> None:
        """One data row; the columns in `marked` (0-based) are filled red."""
        if not marked:
            sheet = self.sheet
            out = [
                escape_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
                for v in values
            ]
        else:
            out = []
            for i, v in enumerate(values):
                cell = escape_cell(self.sheet, v)
                if i in marked:
                    if not isinstance(cell, Cell):
                        cell = WriteOnlyCell(self.sheet, v)
                    cell.fill, cell.font = BAD_FILL, BAD_FONT
                out.append(cell)
        self.sheet.append(out)
        self.rows += 1

    def add_choices(self, max_row: int) -> None:
        """Drop-downs on the data rows of every column with choices: the lists sit on a
        hidden sheet (a list typed into the rule is capped at 255 characters)."""
        for i, col in enumerate(self.columns, 1):
            if not col.choices:
                continue
            ref = self.book.choice_list(col)
            letter = get_column_letter(i)
            rule = DataValidation(type="list", formula1=ref, allow_blank=True)
            rule.error = f"请从下拉列表中选择{col.name}"
            rule.errorTitle = "取值不在列表中"
            rule.showErrorMessage = True
            rule.add(f"{letter}{self._header_row + 1}:{letter}{max_row}")
            self.sheet.data_validations.append(rule)


class XlsxWriter:
    """A streaming workbook: rows go to a temporary file as they are appended."""

    CHOICES_SHEET = "值列表"

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._lists: list[tuple[str, Sequence[str]]] = []

    def add_sheet(self, title: str, columns: Sequence[Column]) -> SheetWriter:
        return SheetWriter(self, self.workbook.create_sheet(title[:31]), columns)

    def choice_list(self, col: Column) -> str:
        self._lists.append((col.name, col.choices))
        letter = get_column_letter(len(self._lists))
        return f"'{self.CHOICES_SHEET}'!${letter}$2:${letter}${len(col.choices) + 1}"

    def save(self, target: str | os.PathLike[str] | IO[bytes]) -> None:
        if self._lists:
            sheet = self.workbook.create_sheet(self.CHOICES_SHEET)
            sheet.sheet_state = "hidden"
            longest = max(len(c) for _, c in self._lists)
            sheet.append([name for name, _ in self._lists])
            for i in range(longest):
                sheet.append([c[i] if i < len(c) else None for _, c in self._lists])
        self.workbook.save(target)
