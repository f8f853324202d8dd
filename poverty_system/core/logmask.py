"""A logging filter that masks personal data in every log line, as a second line of defence:
code never logs a full phone number, ID number, password or SMS code in the first place."""

import logging
import re

# An 18-character resident ID number (17 digits and a digit or X) or a mainland mobile
# number, not inside a longer run of digits (region codes, counts and ids stay readable).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask(text: str) -> str:
    text = ID_NUMBER.sub(r"\1********\2", text)
    return PHONE.sub(r"\1****\2", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
