"""Private-data patterns that must never reach a public page or a board document (a national
rule after real leaks of full ID lists): ID numbers, mobile phones, bank cards."""

import re

from poverty_system.core.text import MOBILE as MOBILE_NUMBER

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(rf"(?<!\d){MOBILE_NUMBER}(?!\d)")
BANK_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
PATTERNS = (ID_NUMBER, MOBILE, BANK_CARD)


def find_private(text: str) -> list[str]:
    return [m.group(0) for pattern in PATTERNS for m in pattern.finditer(text or "")]


def redact(text: str) -> str:
    """Free text of a public field with any private-looking number starred out."""
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: "＊" * len(m.group(0)), text or "")
    return text
