"""ID numbers for generated members: 18 digits with the GB 11643 check digit, whose area
code is the county's code in force in the birth year (python-stdnum's table), unique across
the table without retries."""

import datetime
import zlib
from functools import cache

from django.db import connection
from stdnum import numdb


def check_digit(body17: str) -> str:
    """GB 11643 check digit of the first 17 digits (the same formula as python-stdnum)."""
    checksum = (1 - 2 * int(body17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


@cache
def _province_areas(province: str) -> tuple[tuple[str, str, int, int], ...]:
    """(code, name, first year, last year) of every county-level code of a province in
    python-stdnum's table, with the years the code was in force."""
    entries = []
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if not (length == 2 and low <= province <= high):
            continue
        for _clen, clow, chigh, cprops, _ in children:
            for raw in cprops.get("county", "").split(","):
                start, end, name = 0, 9999, raw
                if raw.startswith("["):
                    years, name = raw[1:].split("]", 1)
                    first, last = years.split("-")
                    start, end = int(first or 0), int(last or 9999)
                for number in range(int(clow), int(chigh) + 1):
                    entries.append((f"{province}{number:04d}", name, start, end))
    return tuple(entries)


def _stem(name: str) -> str:
    for suffix in ("自治县", "县", "市", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class AreaCodes:
    """The area code (first 6 digits) of ID numbers issued in a county, by birth year.

    The county's current code, or the code it had in that year: the same name in the same
    province (于都县 362132 before 1998), else the code of the city it was carved from
    (章贡区 was 赣州市 362101). Years no code covers are moved to the nearest covered year.
    """

    def __init__(self, county_code: str, county_name: str, city_name: str = ""):
        entries = _province_areas(county_code[:2])
        own = [e for e in entries if e[0] == county_code]
        stem = _stem(county_name)
        same = [e for e in entries if _stem(e[1]) == stem and e[0] != county_code]
        self.periods = own + same or [(county_code, county_name, 0, 9999)]
        if self._first_year() > 1900:  # a district carved from a county-level city
            self.periods += [
                e for e in entries if city_name and e[1] == city_name and not e[0].endswith("00")
            ]
        self.codes = sorted({code for code, *_ in self.periods})

    def _first_year(self) -> int:
        return min(start for _code, _name, start, _end in self.periods)

    def code_for(self, year: int) -> tuple[str, int]:
        """(area code, year): the year is kept when some code covers it."""
        for code, _name, start, end in self.periods:
            if start <= year <= end:
                return code, year
        nearest = min(self.periods, key=lambda p: min(abs(p[2] - year), abs(p[3] - year)))
        year = nearest[2] if year < nearest[2] else nearest[3]
        return nearest[0], year


class IdNumbers:
    """Unique valid ID numbers: a sequence per (area, birth date, gender) in the serial."""

    def __init__(self, taken: set[str]):
        self.taken = taken  # first 17 characters of numbers already stored or issued
        self.next: dict[str, int] = {}

    def issue(self, area: str, birth: datetime.date, male: bool) -> str:
        while True:
            key = f"{area}{birth:%Y%m%d}{1 if male else 0}"
            offset = zlib.crc32(key.encode()) % 500
            k = self.next.get(key, 0)
            while k < 500:
                serial = 2 * ((offset + k) % 500) + (1 if male else 0)
                body = f"{key[:14]}{serial:03d}"
                k += 1
                if body not in self.taken:
                    self.next[key] = k
                    self.taken.add(body)
                    return body + check_digit(body)
            self.next[key] = k
            birth -= datetime.timedelta(days=1)  # 500 of one gender born that day: next day


def stored_id_prefixes(area_codes) -> set[str]:
    """First 17 characters of the ID numbers stored under these area codes (any member)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for code in area_codes:
            cursor.execute(
                "SELECT id_number FROM households_member WHERE id_number >= %s AND id_number < %s",
                [code, code[:-1] + chr(ord(code[-1]) + 1)],
            )
            found.update(row[0][:17] for row in cursor.fetchall())
    return found
