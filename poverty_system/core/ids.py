"""The one parser of ids from a request (a path, a query string, ticked rows of a form).

An id is a positive integer a database row can have: text that is no number, zero, negative
or beyond a 64-bit integer names no row (and the SQLite driver fails on the last: a 500), so
it reads as None, and the caller answers 404 or leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """An id as an int, or None when it is not one a row can have."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The ids among the values (others are left out), in order."""
    return [number for number in map(parse_id, values) if number is not None]


def id_or_404(value: object) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def ids_or_404(values: Iterable[object]) -> list[int]:
    """Every value an id, sorted without repeats; 404 when one is not."""
    values = list(values)
    ids = parse_ids(values)
    if len(ids) != len(values):
        raise Http404
    return sorted(set(ids))
