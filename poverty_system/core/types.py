"""The shapes the core works on without importing an app (the core is the ground floor).

- `AccountLike`: what the access layer reads of an account (villages.User satisfies it);
  `Account` is that or Django's AnonymousUser: any account object a request or an Actor
  carries, the request's lazy user included.
- `AuthUser` (for type checking only): the account model itself, settings.AUTH_USER_MODEL
  (villages.User, resolved by django-stubs' plugin); `AnyUser` is that or AnonymousUser. It is what
  `request.user` and `Actor.user` are; apps above villages name `villages.models.User`
  directly where only a signed-in account will do.
- `RegionLike`: what the core reads of a region (villages.Region).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, _AnyUser, _User

    AuthUser: TypeAlias = _User
    AnyUser: TypeAlias = _AnyUser


class RegionLike(Protocol):
    """What the core reads of a region (villages.Region): its statistical code and its place
    in the tree."""

    pk: Any
    code: str
    level: str
    tree_id: int
    lft: int
    rght: int

    @property
    def code_range(self) -> tuple[str, str]: ...

    def contains(self, other: Any) -> bool: ...


class AccountLike(Protocol):
    """What the core reads of a signed-in account (villages.User): whether it is active, its
    role, and its slice (`slice_regions`, the regions of its `view_slice` grants)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    @property
    def role(self) -> str: ...

    def slice_regions(self) -> Iterable[RegionLike]: ...


Account: TypeAlias = "AccountLike | AnonymousUser"
