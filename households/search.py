"""Searching households the way officials search (管理贫困户信息, 贫困户认领管理): by 户编号
(the full 16 digits or its last digits, e.g. the last 4), by the head's name, or by any
active member's ID number.

Full ID numbers never travel in URLs: a search that carries one is sent by POST and kept in
the session under a random key; the page's links carry only `?s=<key>`, and the search box
shows the masked number. Each search is one condition of the page's single statement (the
ID number through the member_id_number index, the household number on the slice's index).
"""

import re
import secrets
from dataclasses import dataclass, replace

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from . import idnumbers
from .models import Member

ID = "id"
NUMBER = "number"
NAME = "name"

SESSION_KEY = "household_searches"
KEEP = 20  # the newest searches kept in a session; older keys answer “已过期”
EXPIRED = "查询条件已过期，请重新输入查询内容。"

ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
NUMBER_LIKE = re.compile(r"^\d{1,16}$")
NUMBER_DIGITS = 16


@dataclass(frozen=True)
class Search:
    kind: str  # ID, NUMBER or NAME
    value: str  # for ID: the normalized 18-digit number
    key: str = ""  # the session key of an ID search (the only thing its URLs carry)

    @property
    def shown(self) -> str:
        """What the page shows back: an ID number masked, anything else as typed."""
        return idnumbers.mask(self.value) if self.kind == ID else self.value

    @property
    def is_id(self) -> bool:
        return self.kind == ID


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text or "")


def carries_id(text: str) -> bool:
    """True for anything that looks like an ID number (valid or not): it must not be put
    into a URL, a page or a log."""
    compact = _compact(text)
    return bool(ID_LIKE.match(compact)) or (compact.isdigit() and len(compact) > NUMBER_DIGITS)


def parse(text: str) -> Search | None:
    """The search a text asks for; raises idnumbers.InvalidIdNumber for a bad ID number."""
    compact = _compact(text)
    if ID_LIKE.match(compact):
        return Search(ID, idnumbers.normalize(compact))
    if compact.isdigit() and len(compact) > NUMBER_DIGITS:
        raise idnumbers.InvalidIdNumber("身份证号码应为 18 位（或 15 位旧号码）。")
    if NUMBER_LIKE.match(compact):
        return Search(NUMBER, compact)
    text = (text or "").strip()
    return Search(NAME, text) if text else None


# --- kept in the session ---------------------------------------------------------------------


def remember(session: SessionBase, text: str) -> str:
    """Keep a search text that carries an ID number in the session; its random key."""
    searches = dict(session.get(SESSION_KEY) or {})
    key = secrets.token_urlsafe(9)
    searches[key] = _compact(text)
    while len(searches) > KEEP:
        searches.pop(next(iter(searches)))
    session[SESSION_KEY] = searches
    return key


def recall(session: SessionBase, key: str) -> str | None:
    """The search text kept under `key`, or None (unknown or expired)."""
    if not key or len(key) > 40:
        return None
    text = (session.get(SESSION_KEY) or {}).get(key)
    return text if isinstance(text, str) else None


def with_key(search: Search | None, key: str) -> Search | None:
    return replace(search, key=key) if search is not None else None


def redirect_params(
    post: QueryDict, session: SessionBase, *, keep: tuple[str, ...]
) -> dict[str, str]:
    """The GET parameters a POSTed search form redirects to: the `keep` fields as posted, and
    the search as `q` (a name or household number) or `s` (a key, for an ID number). A box
    still showing the masked number of the current key search keeps that key."""
    params = {name: post.get(name) for name in keep if post.get(name)}
    text = (post.get("q") or "").strip()
    if not text:
        return params
    key = post.get("s") or ""
    kept = recall(session, key)
    if kept is not None and carries_id(kept) and text == _shown(kept):
        params["s"] = key
    elif carries_id(text):
        params["s"] = remember(session, text)
    else:
        params["q"] = text
    return params


def _shown(text: str) -> str:
    try:
        search = parse(text)
    except idnumbers.InvalidIdNumber:
        return ""
    return search.shown if search is not None else ""


# --- the query -----------------------------------------------------------------------------


def household_filter(search: Search, *, household: str = "", member_names: bool = False) -> Q:
    """The condition on households (or, with `household="household"`, on rows that point to
    one, e.g. claims) that the search asks for. `member_names`: a name matches any member's
    name as well as the head's."""
    field = f"{household}__" if household else ""
    pk = household or "pk"
    if search.kind == ID:
        holders = Member.objects.filter(id_number=search.value, active=True)
        return Q(**{f"{pk}__in": holders.values("household_id")})
    if search.kind == NUMBER:
        if len(search.value) == NUMBER_DIGITS:
            return Q(**{f"{field}number": search.value})
        return Q(**{f"{field}number__endswith": search.value})
    condition = Q(**{f"{field}head_name__icontains": search.value})
    if member_names:
        named = Member.objects.filter(
            household=OuterRef(pk if household else "pk"),
            name__icontains=search.value,
            active=True,
        )
        condition |= Q(Exists(named))
    return condition
