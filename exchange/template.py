"""The import template (导入模板): our canonical layout with two title rows above the header
(as the national 花名册 has), drop-downs on the coded columns, text-formatted number
columns, and a 说明 sheet that says what each column takes."""

from __future__ import annotations

from typing import IO

from django.conf import settings

from poverty_system.core.xlsx import Column, XlsxWriter

from . import labels
from .layout import BOOL, COLUMNS, DANGER, GENDER, INFO, LABEL, REQUIRED, Col

# Drop-downs only on single-value columns: a list rule would refuse 残疾,长期慢性病.
DROP_DOWN_KINDS = (LABEL, DANGER, BOOL, GENDER)

SHEET = "贫困人口花名册"
TITLE = "贫困人口花名册（导入模板）"
HINT = "一人一行，同一户的成员填写相同的户编号；带 * 的列必须填写。填写说明和可选值见“说明”工作表。"
TEMPLATE_ROWS = 2000  # rows that carry the drop-downs
FILE_NAME = "贫困户导入模板.xlsx"

NOTES = {
    "serial": "导入时不读取。",
    "county": "可不填；填写时须与行政村所属的县一致。",
    "township": "乡镇扶贫办导入时用于区分同名的村；可不填。",
    "village": "户所在的村（村委会），须在本账号可导入的辖区内；村级账号可不填（即本村）。",
    "group": "村民小组。",
    "number": "已有的户填写系统中的户编号（导出的文件中已有）；新户填写临时编号（如 1、2、3），"
    "同一户的成员相同，导入后由系统生成正式户编号。",
    "person": "导入时不读取。",
    "name": "必填。",
    "id_number": "18 位居民身份证号码（15 位旧号码自动升级），须通过校验位检查；"
    "请将单元格设为文本格式。",
    "size": "可不填；填写时须等于该户在文件中的成员行数。",
    "relation": "每户有且只有一名“户主”。也可填写全国系统的代码（01 户主 … 99 其他）。",
    "health": "可填写多项，用逗号分隔（如“残疾,长期慢性病”），系统保留最重的一项"
    "（患有大病 > 残疾 > 长期慢性病 > 健康）。",
    "months_away": "一年内的月数，0–12。",
    "status": "导入时不读取：户的状态只能通过识别、脱贫、返贫等程序变更。",
    "lifted_year": "导入时不读取。",
    "net_income_per_capita": "导入时不读取：由各项收入、支出和在册人数计算。",
    "house_danger": "“是”表示危房：已登记危房等级的户保持原等级，未登记的按“C级危房”导入。",
    "phone": "11 位手机号码或带区号的固定电话。导出文件中脱敏的号码（138****5678）导入时保持原值。",
    "bank_account": "8–30 位数字。导出文件中脱敏的账号（****5678）导入时保持原值。",
    "other_causes": "可填写多项，用逗号分隔；不能与主要致贫原因相同。",
    "cause_note": "致贫原因选“其他”时必填。",
    "change": "已完成登记的户新增成员时必填（人口自然变更），新户不填。",
    "change_month": "与“新增原因”一起填写，格式 YYYYMM（如 202305），不能晚于本月。",
    "irrigated_area": "不能大于耕地面积。",
}

GENERAL = (
    "导入说明",
    "1. 每行一个家庭成员，户信息（贫困户属性、收入等）在同一户的每一行重复填写，"
    "只填在户主一行也可以。",
    "2. 系统按表头文字识别各列，列的顺序可以调整，不需要的列可以删除；"
    "也可以直接导入全国扶贫开发信息系统导出的贫困人口花名册（表头上方的标题行不影响导入）。",
    "3. 导入前系统先检查整个文件：只要有一行有错误，就不写入任何数据，并列出每行每列的问题；"
    "可下载标出错误单元格的文件，改正后重新导入。",
    "4. 文件全部正确时，新户按扶贫对象登记表登记（状态为“登记中”，随后进行识别申请），"
    "已有的户按文件更新；同一文件再次导入不会重复写入。",
    "5. 村级账号导入的新户由本次登录验证的手机号认领；乡镇扶贫办导入的新户为未认领，"
    "由村级账号认领后维护。已认领的户只能由认领手机号登录的村级账号导入修改。",
    "6. 已有的户减少成员请在系统中使用【人口自然变更】，文件中不能删除在册成员。",
    "7. 单元格不能是公式；证件号码、户编号等长数字请设为文本格式。",
)


def _required(col: Col) -> bool:
    return col.header in REQUIRED


def header_columns() -> list[Column]:
    """The layout as written: titles (required ones with *), widths, text formats and the
    drop-downs of the coded columns."""
    return [
        Column(
            ("*" if _required(col) else "") + col.title,
            width=col.width,
            text=col.text,
            choices=tuple(col.choices) if col.kind in DROP_DOWN_KINDS else (),
        )
        for col in COLUMNS
    ]


def _accepted(col: Col) -> str:
    if col.table is not None:
        return "、".join(col.table.choices)
    if col.kind == BOOL:
        return "是、否（空白为“" + labels.bool_label(col.default) + "”）"
    return ""


def write_template(target: str | IO[bytes]) -> None:
    book = XlsxWriter()
    sheet = book.add_sheet(SHEET, header_columns())
    sheet.append_raw([TITLE])
    sheet.append_raw([HINT])
    sheet.append_header()
    sheet.add_choices(TEMPLATE_ROWS + sheet.rows)
    notes = book.add_sheet(
        "说明",
        [Column("列名", width=22), Column("必填", width=6), Column("说明", width=70)],
    )
    for line in GENERAL:
        notes.append_raw([line])
    notes.append_raw(
        [f"8. 一次最多导入 {settings.XLSX_MAX_ROWS} 行、{settings.XLSX_MAX_COLUMNS} 列。"]
    )
    notes.append_raw([])
    notes.append_header()
    for col in COLUMNS:
        accepted = _accepted(col)
        text = NOTES.get(col.name, "")
        if accepted:
            text = f"{text}可填写：{accepted}。" if col.kind != INFO else text
        notes.append([col.title, "是" if _required(col) else "", text.strip()])
    book.save(target)
