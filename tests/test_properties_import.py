"""Property-based tests of the Excel import parser (issue 14, item 6): whatever the file
(random bytes, a random zip, a random workbook built with openpyxl: headers of the real
templates mixed with junk, cells of every type, control characters, huge numbers, formulas),
poverty_system.core.xlsx.read_table returns a table or refuses with a Chinese XlsxError;
exchange.reader.parse_table and the department reader (exchange.department.read_lines) then
report every bad row in Chinese and never raise anything else; and through the real upload
pages (数据导入, 部门数据比对) the answer is a page or a job that says why, never a 500, with
nothing written when the file is refused. PROPERTY_EXAMPLES sets the examples (default 6;
the parser tests take four times that)."""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from exchange import department
from exchange.layout import HEADER_MARKS
from exchange.models import Job, JobStatus
from exchange.reader import Parsed, Villages, parse_table
from households.models import Household
from poverty_system.core.xlsx import Table, XlsxError, read_table

from .exchange_data import person, template_headers, workbook
from .households_data import make_id, no_sms_throttle  # noqa: F401
from .test_properties_forms import project_tables, row_counts

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "6"))
DERANDOMIZE = not os.environ.get("PROPERTY_RANDOM")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FAST = settings(
    max_examples=EXAMPLES * 4,
    deadline=None,
    database=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=list(HealthCheck),
)
SLOW = settings(
    max_examples=EXAMPLES * 2,
    deadline=None,
    database=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=list(HealthCheck),
)

# --- the files ----------------------------------------------------------------------------

DEPARTMENT_HEADERS = sorted(
    {f.header for kind in department.KINDS.values() for f in kind.fields}
    | {a for kind in department.KINDS.values() for f in kind.fields for a in f.aliases}
)


def clean(text: str) -> str:
    """What a cell may hold (openpyxl refuses the other control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


HEADERS = st.one_of(
    st.sampled_from(sorted({h.lstrip("*") for h in template_headers()})),
    st.sampled_from(template_headers()),
    st.sampled_from(DEPARTMENT_HEADERS),
    st.text(max_size=12).map(clean),
    st.none(),
)
text_cells = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from("\t\n\r\x00\x07\x1b\u200b\u202e")
    ),
    max_size=30,
).map(clean)
CELLS = st.one_of(
    text_cells,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 1, 1)),
    st.sampled_from(["=1/0", "=A1", "=SUM(1,2)", "#N/A", "0x1F", "9" * 40, "1e400", ""]),
    st.builds(make_id),
    st.sampled_from(["户主", "配偶", "汉族", "仓前村", "贡江镇", "于都县", "一般贫困户"]),
    st.none(),
)


@st.composite
def workbooks(draw) -> bytes:
    """A workbook: maybe title rows, a header row of real and odd headers, rows of cells; now
    and then a second sheet, a merged range or an odd sheet name."""
    book = Workbook()
    sheet = book.active
    sheet.title = draw(st.sampled_from(["贫困人口花名册", "Sheet1", "说明", "第 1 页"])) or "Sheet"
    for _ in range(draw(st.integers(0, 2))):
        sheet.append([draw(text_cells)])
    headers = draw(st.lists(HEADERS, min_size=0, max_size=14))
    sheet.append(headers)
    for _ in range(draw(st.integers(0, 6))):
        sheet.append(draw(st.lists(CELLS, max_size=len(headers) + 2)))
    if draw(st.booleans()) and sheet.max_row > 2:
        sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=2)
    if draw(st.booleans()):
        book.create_sheet("第二页").append(draw(st.lists(HEADERS, max_size=4)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@st.composite
def zips(draw) -> bytes:
    names = st.sampled_from(
        [
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
            "_rels/.rels",
            "xl/_rels/workbook.xml.rels",
            "xl/sharedStrings.xml",
            "../evil",
            "a.txt",
        ]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in draw(st.lists(names, max_size=6, unique=True)):
            archive.writestr(name, draw(st.binary(max_size=300)))
    return out.getvalue()


def mangled(data: bytes, cut: int, flips: list[int]) -> bytes:
    """A real workbook cut short or with bytes flipped (a broken download)."""
    body = bytearray(data[: max(1, len(data) - cut)])
    for at in flips:
        body[at % len(body)] ^= 0xFF
    return bytes(body)


FILES = st.one_of(
    workbooks(),
    zips(),
    st.binary(max_size=2048),
    st.binary(max_size=64).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=64).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b),
    st.builds(
        mangled, workbooks(), st.integers(0, 400), st.lists(st.integers(0, 10**6), max_size=4)
    ),
)


# --- the parser ---------------------------------------------------------------------------


def read_or_refuse(data: bytes, marks) -> Table | None:
    try:
        return read_table(data, marks)
    except XlsxError as exc:
        assert CHINESE.search(exc.message), exc.message
        return None


@pytest.fixture
def villages(world):
    return Villages(world.township_office)


def real_household_file() -> bytes:
    return workbook([person("1", "张三"), person("1", "李梅", "配偶", 民族="外星族")])


def real_department_file(kind: department.Kind) -> bytes:
    book = Workbook()
    book.active.append([f.header for f in kind.fields])
    book.active.append([make_id() if f.kind == "id" else "1200" for f in kind.fields])
    book.active.append(["张三", "12345", "-5"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_household_reader_returns_a_table_and_a_report_or_a_chinese_refusal(villages):
    reached = []

    @FAST
    @given(FILES)
    @example(b"")
    @example(b"PK\x03\x04")
    @example(real_household_file())
    def prop(data: bytes) -> None:
        table = read_or_refuse(data, HEADER_MARKS)
        if table is None:
            return
        reached.append(table)
        try:
            parsed = parse_table(table, villages)
        except XlsxError as exc:
            assert CHINESE.search(exc.message), exc.message
            return
        assert isinstance(parsed, Parsed)
        for problem in parsed.report.problems:
            assert CHINESE.search(problem.message), problem

    prop()
    assert reached  # the random workbooks get past the container checks


@pytest.mark.parametrize("kind", sorted(department.KINDS))
def test_the_department_reader_reports_every_bad_row_in_chinese(db, kind):
    found = department.KINDS[kind]

    reached = []

    @FAST
    @given(FILES)
    @example(real_department_file(found))
    def prop(data: bytes) -> None:
        table = read_or_refuse(data, department.marks(found))
        if table is None:
            return
        reached.append(table)
        outcome = department.Outcome()
        try:
            lines = department.read_lines(table, found, outcome)
        except XlsxError as exc:
            assert CHINESE.search(exc.message), exc.message
            return
        assert outcome.rows == len(table.rows)
        assert len(lines) + outcome.bad <= outcome.rows
        for problem in outcome.problems:
            assert CHINESE.search(problem.message), problem

    prop()
    assert reached


# --- the upload pages ---------------------------------------------------------------------


def uploaded(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("导入.xlsx", data, content_type="application/octet-stream")


def check_upload(client, url: str, form: dict, data: bytes, tables) -> None:
    before = row_counts(tables)
    households = Household.objects.count()
    response = client.post(url, {**form, "file": uploaded(data)})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        # Refused on the page: a Chinese message next to the file, nothing written.
        assert 'class="error"' in response.content.decode()
        assert row_counts(tables) == before
        return
    job = Job.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    page = client.get(response.url)
    assert page.status_code == 200
    if job.status in (JobStatus.INVALID, JobStatus.FAILED):
        assert CHINESE.search(job.error or "") or job.error is None
        assert Household.objects.count() == households


@pytest.fixture
def exchange_dir(settings, tmp_path):
    settings.EXCHANGE_DIR = tmp_path / "exchange"


def test_the_household_import_page_answers_every_file(world, login, exchange_dir):
    client = login(world.township_office)
    tables = project_tables()

    @SLOW
    @given(FILES)
    @example(real_household_file())
    def prop(data: bytes) -> None:
        check_upload(client, "/exchange/import/upload/", {}, data, tables)

    prop()


def test_the_department_upload_answers_every_file(world, login, exchange_dir):
    client = login(world.county_office)
    tables = project_tables()

    @SLOW
    @given(FILES, st.sampled_from(sorted(department.KINDS)))
    @example(real_department_file(department.KINDS["medical"]), "medical")
    def prop(data: bytes, kind: str) -> None:
        check_upload(client, "/exchange/department/upload/", {"department": kind}, data, tables)

    prop()
