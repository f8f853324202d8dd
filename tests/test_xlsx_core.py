"""The core's Excel primitives (poverty_system/core/xlsx.py) on real files: the safe reader
refuses what is not a bounded .xlsx before parsing it, finds the header below title rows,
reads every cell as text; the writer escapes formulas (checked in LibreOffice too); the
report writes the sheet back with an error column and the bad cells marked."""

import csv
import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from poverty_system.core import xlsx


def workbook_bytes(rows, title="Sheet") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(source, required=("姓名",)) -> str:
    with pytest.raises(xlsx.XlsxError) as caught:
        xlsx.read_table(source, list(required))
    return caught.value.message


def test_header_below_title_rows_found_by_text_with_either_brackets():
    data = workbook_bytes(
        [
            ["2020年贫困人口花名册"],
            ["单位：人"],
            [None],
            ["序号", "证件号码", "务工时间(月)", "姓名 ", "*人数"],
            [1, 360731001001, 3.0, "张三", 4],
            [None, None, None, None, None],
            [2, "36073119900101123X", 2.5, "李四", dt.datetime(2023, 5, 1)],  # noqa: DTZ001 -- Excel dates are naive,
        ]
    )
    table = xlsx.read_table(data, ["姓名", "证件号码"])
    assert table.header_row == 4
    assert table.headers == ["序号", "证件号码", "务工时间(月)", "姓名", "人数"]
    # Looked up in the full-width spelling of the national form.
    assert table.index("务工时间（月）") == 2 and table.letter("姓名") == "D"
    assert [r.number for r in table.rows] == [5, 7]  # the empty row is skipped, numbers kept
    assert table.rows[0].cells == ("1", "360731001001", "3", "张三", "4")
    assert table.rows[1].cells == ("2", "36073119900101123X", "2.5", "李四", "2023-05-01")
    assert table.title_rows[0][0] == "2020年贫困人口花名册"


def test_the_sheet_with_the_header_is_chosen():
    book = Workbook()
    book.active.append(["说明", "请在下一页填写"])
    data_sheet = book.create_sheet("花名册")
    data_sheet.append(["姓名"])
    data_sheet.append(["王五"])
    out = io.BytesIO()
    book.save(out)
    table = xlsx.read_table(out.getvalue(), ["姓名"])
    assert table.sheet_name == "花名册" and table.rows[0].cells == ("王五",)


def test_not_an_xlsx_a_renamed_zip_an_old_xls_and_an_empty_file_are_refused():
    assert "不是 Excel 工作簿" in refused("姓名,证件号码\n张三,1\n".encode())
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "zip 压缩包而不是 Excel 工作簿" in refused(zipped.getvalue())
    assert "旧版 Excel（.xls）" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "文件是空的" in refused(b"")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml")
    assert "已损坏" in refused(broken.getvalue())


def bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet unpacks from a few KB to `unpacked_mb` MB."""
    good = workbook_bytes([["姓名"], ["张三"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as sheet:
                    chunk = b" " * 1048576
                    for _ in range(unpacked_mb):
                        sheet.write(chunk)
            else:
                target.writestr(item, source.read(item))
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_parsing():
    data = bomb(8)
    assert len(data) < 100_000
    # The bomb message comes only from the container check, which runs before openpyxl.
    assert "解压后过大" in refused(data)


def test_a_file_unpacking_beyond_the_limit_is_refused(settings):
    settings.XLSX_MAX_RATIO = 10**9  # only the total counts here
    settings.XLSX_MAX_UNCOMPRESSED = 4 * 1048576
    assert "解压后过大" in refused(bomb(5))


def test_an_oversized_upload_is_refused_by_its_size(settings):
    settings.XLSX_MAX_BYTES = 1000
    data = workbook_bytes([["姓名"], ["张三"]] + [[f"人{i}"] for i in range(200)])
    assert "超过上限" in refused(data)


def test_too_many_rows_and_columns(settings):
    settings.XLSX_MAX_ROWS = 5
    data = workbook_bytes([["姓名"]] + [[f"人{i}"] for i in range(6)])
    assert "超过一次导入的上限 5 行" in refused(data)
    settings.XLSX_MAX_ROWS = 100
    settings.XLSX_MAX_COLUMNS = 5
    assert "超过 5 列" in refused(workbook_bytes([["姓名", "a", "b", "c", "d", "e", "f"]]))
    assert "超过 5 列" in refused(workbook_bytes([["姓名"], ["张三", 1, 2, 3, 4, 5, 6]]))


def test_formulas_are_refused_with_their_cells():
    message = refused(workbook_bytes([["姓名", "人数"], ["张三", "=1+1"], ["李四", "=SUM(B2)"]]))
    assert "B2、B3 是公式" in message


def test_empty_workbook_missing_header_duplicate_header_no_rows():
    assert "工作簿是空的" in refused(workbook_bytes([]))
    message = refused(workbook_bytes([["户主", "号码"], ["张三", "1"]]), ["姓名", "证件号码"])
    assert "没有找到表头" in message and "“姓名”、“证件号码”" in message
    assert "出现了两次" in refused(workbook_bytes([["姓名", "x", "姓名"], ["a", "b", "c"]]))
    assert "没有数据行" in refused(workbook_bytes([["标题"], ["姓名"]]))


DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", '=HYPERLINK("http://x")']


def write_dangerous(path):
    book = xlsx.XlsxWriter()
    sheet = book.add_sheet("数据", [xlsx.Column("姓名"), xlsx.Column("值")])
    sheet.append_header()
    for value in DANGEROUS:
        sheet.append(["张三", value])
    sheet.append(["李四", -5])
    book.save(path)


def test_the_writer_stores_formula_texts_as_text_that_reads_back_unchanged(tmp_path):
    path = tmp_path / "escaped.xlsx"
    write_dangerous(path)
    sheet = load_workbook(path)["数据"]
    cells = [sheet.cell(row=i + 2, column=2) for i in range(len(DANGEROUS))]
    assert [c.value for c in cells] == DANGEROUS
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert sheet.cell(row=len(DANGEROUS) + 2, column=2).value == -5  # numbers stay numbers
    table = xlsx.read_table(path, ["姓名"])  # and our reader takes them as texts
    assert [r.cells[1] for r in table.rows] == [v.strip() for v in DANGEROUS] + ["-5"]


def test_libreoffice_runs_none_of_the_escaped_formulas(tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice missing: run `make office`"
    path = tmp_path / "escaped.xlsx"
    write_dangerous(path)
    subprocess.run(  # noqa: S603 -- our own paths
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    rows = list(csv.reader((tmp_path / "escaped.csv").read_text(encoding="utf-8").splitlines()))
    assert [r[1] for r in rows[1 : len(DANGEROUS) + 1]] == DANGEROUS
    assert "2" not in [r[1] for r in rows]  # no =1+1 was computed


def test_template_columns_text_format_and_drop_downs(tmp_path):
    path = tmp_path / "template.xlsx"
    book = xlsx.XlsxWriter()
    sheet = book.add_sheet(
        "花名册",
        [xlsx.Column("证件号码", text=True), xlsx.Column("与户主关系", choices=["户主", "之子"])],
    )
    sheet.append_header()
    sheet.add_choices(500)
    book.save(path)
    loaded = load_workbook(path)
    data = loaded["花名册"]
    assert data.column_dimensions["A"].number_format == "@"
    (rule,) = data.data_validations.dataValidation
    assert rule.type == "list" and str(rule.sqref) == "B2:B500"
    lists = loaded[xlsx.XlsxWriter.CHOICES_SHEET]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]] == ["与户主关系", "户主", "之子"]
    assert rule.formula1 == "'值列表'!$A$2:$A$3"


def test_the_report_writes_the_sheet_back_with_errors_marked(tmp_path):
    data = workbook_bytes([["标题"], ["姓名", "证件号码"], ["张三", "123"], ["李四", "=x"[1:]]])
    table = xlsx.read_table(data, ["姓名", "证件号码"])
    report = xlsx.Report()
    assert report.ok
    report.add(3, "证件号码", "证件号码应为18位")
    report.add(3, "", "该户没有户主")
    assert not report.ok and len(report) == 2
    out = tmp_path / "errors.xlsx"
    with open(out, "wb") as target:
        report.annotated(table, target)
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "标题"
    assert [c.value for c in sheet[2]] == ["姓名", "证件号码", "错误信息"]
    assert sheet["C3"].value == "证件号码：证件号码应为18位；该户没有户主"
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["A3"].fill.fgColor.rgb in (None, "00000000")
    assert sheet["C4"].value is None  # a good row carries no message
