"""Issue 10: an exported archive printed by a real office suite. LibreOffice converts the
.docx to PDF, pdftoppm renders its pages, and every card's QR code is read back from the
pixels (zxing-cpp), with the Chinese text from pdftotext (scripts/ensure-office)."""

import io
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from archives import tokens

from .archives_data import HEADS_1, HEADS_2, make_archives


@pytest.fixture(autouse=True)
def office_tools():
    """`make test` installs them (scripts/ensure-office); without them this is a failure."""
    missing = [t for t in ("soffice", "pdftoppm", "pdftotext") if not shutil.which(t)]
    assert not missing, f"LibreOffice/poppler missing ({', '.join(missing)}): run `make office`"


def run(tool: str, *args: str, timeout: int) -> bytes:
    """One of the office tools, by its absolute path; the arguments are our own paths."""
    path = shutil.which(tool)
    assert path is not None
    done = subprocess.run([path, *args], check=True, capture_output=True, timeout=timeout)  # noqa: S603
    return done.stdout


def test_a_printed_export_gives_back_every_code_and_the_chinese_text(
    world, login, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path / "exports"
    archives = make_archives(world)
    client = login(world.township_office)
    response = client.post("/archives/export/start/", {"region": world.township.pk})
    download = client.get(response.url + "download/")
    source = tmp_path / "archive.docx"
    source.write_bytes(b"".join(download.streaming_content))

    run(
        "soffice",
        f"-env:UserInstallation=file://{tmp_path}/lo-profile",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(source),
        timeout=180,
    )
    pdf = tmp_path / "archive.pdf"
    assert pdf.exists()
    run("pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page"), timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    # Two villages, each starting on its own page, 2 × 4 cards a page.
    assert len(pages) == 2
    found = set()
    for page in pages:
        image = Image.open(io.BytesIO(page.read_bytes()))
        found |= {r.text for r in zxingcpp.read_barcodes(image)}
    expected = {tokens.public_url(tokens.active_token(h).token) for h in archives["all"]}
    assert found == expected

    text = run("pdftotext", "-layout", str(pdf), "-", timeout=60).decode()
    for name in HEADS_1 + HEADS_2:
        assert name in text
    for household in archives["all"]:
        assert household.number in text
    assert "二维码档案" in text and "第 1 页" in text and world.village.name in text
