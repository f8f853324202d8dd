"""Households in two villages of 贡江镇 for the QR archive tests, through the real actions."""

import io
import zipfile

import zxingcpp
from PIL import Image

from households import services
from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages.accounts import add_village_phone, create_account

from .conftest import PASSWORD
from .households_data import member, register

HEADS_1 = ["张三", "李四", "王五"]
HEADS_2 = ["赵六", "钱七"]


def make_archives(world):
    """Three households in world.village, two in world.village2, one in the sibling
    township (out of slice for world.township_office)."""
    village2_account, _ = create_account(
        Actor.system(world.county_office),
        username="village2",
        role=Role.VILLAGE,
        regions=[world.village2],
        full_name="二村",
        password=PASSWORD,
        must_change_password=False,
    )
    phone2 = add_village_phone(
        Actor.system(world.township_office), village2_account, phone="13900000003", holder="赵书记"
    )
    first = [register(world.village_account, world.phone, [member(n)]) for n in HEADS_1]
    second = [register(village2_account, phone2, [member(n)], group="第二组") for n in HEADS_2]
    other = register(world.other_village_account, world.other_phone, [member("孙八")])
    return {"first": first, "second": second, "other": other, "all": first + second}


def remove(world, household):
    services.remove_household(
        Actor(world.village_account, world.phone), household, "识别错误，经核实不符合条件"
    )


def decode_png(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def cards_of(docx_bytes: bytes) -> dict[str, str]:
    """household number -> the URL its card's QR image decodes to, read from the .docx with
    python-docx (cells: code, text, code, text per row)."""
    import docx

    document = docx.Document(io.BytesIO(docx_bytes))
    found: dict[str, str] = {}
    for table in document.tables:
        for row in table.rows:
            cells = row.cells
            for qr_cell, text_cell in zip(cells[::2], cells[1::2], strict=True):
                blips = qr_cell._tc.xpath(".//a:blip/@r:embed")
                if not blips:
                    continue
                blob = document.part.related_parts[blips[0]].blob
                texts = decode_png(blob)
                number = next(
                    line.split("：", 1)[1]
                    for line in (p.text for p in text_cell.paragraphs)
                    if line.startswith("户编号：")
                )
                found[number] = texts[0] if texts else ""
    return found


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}
