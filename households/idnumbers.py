"""Resident ID numbers (居民身份证号码, GB 11643) through python-stdnum.

Gender and birth date are read from the number, never typed separately.
"""

import datetime
import functools
import unicodedata

from django.utils import timezone
from stdnum import exceptions, numdb
from stdnum.cn import ric


class InvalidIdNumber(ValueError):
    pass


def upgrade_15(number: str) -> str:
    """A first-generation 15-digit number becomes 18 digits: century 19 and a check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def normalize(number: str) -> str:
    """The canonical 18-character form, or InvalidIdNumber with a Chinese message."""
    # Full-width digits (a Chinese input method) become ASCII, so one number has one form;
    # any other non-ASCII character is refused below (python-stdnum fails on some: a 500).
    number = ric.compact(unicodedata.normalize("NFKC", number or "")).upper()
    if not number.isascii():
        raise InvalidIdNumber("身份证号码只能包含数字，最后一位可以是 X。")
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
    if len(number) != 18:
        raise InvalidIdNumber("身份证号码应为 18 位（或 15 位旧号码）。")
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise InvalidIdNumber("身份证号码只能包含数字，最后一位可以是 X。")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidIdNumber("身份证号码校验位不正确，请核对。")
    try:
        born = ric.get_birth_date(number)
    except exceptions.ValidationError:
        raise InvalidIdNumber("身份证号码中的出生日期无效。") from None
    if born.year < 1900 or born > timezone.localdate():
        raise InvalidIdNumber("身份证号码中的出生日期无效。")
    if not _known_place(number[:6]):
        raise InvalidIdNumber("身份证号码中的地区代码无效。")
    return number


@functools.lru_cache(maxsize=8192)  # a county list (部门数据比对) holds a few codes many times
def _known_place(code: str) -> bool:
    """The area code is a county code of GB/T 2260 in any period. python-stdnum's own check
    also wants the code valid in the birth year, which refuses real numbers: people born in
    于都县 before 1998 and given their first ID card after it carry 360731."""
    found: dict = {}
    for _part, props in numdb.get("cn/loc").info(code):
        found.update(props)
    return "county" in found


def birth_date(number: str) -> datetime.date:
    return ric.get_birth_date(number)


def gender(number: str) -> str:
    """'male' or 'female' from the 17th digit (odd: male)."""
    return "male" if int(number[16]) % 2 else "female"


def mask(number: str) -> str:
    """110101********1234: for lists; the full number only on the detail page."""
    return f"{number[:6]}********{number[-4:]}" if len(number) == 18 else "****"
