"""The region tree and the accounts that act on slices of it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from poverty_system.core import formatting
from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.periods import Period
from poverty_system.core.roles import SLICE, WHOLE_TREE_ROLES, Role
from poverty_system.core.versioning import Versioned


class Level(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县(区)"
    TOWNSHIP = "township", "乡镇(街道)"
    VILLAGE = "village", "村(居委会)"


LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
# Significant digits of the 12-digit statistical code at each level.
LEVEL_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
CODE_LENGTH = 12


def code_range(prefix: str) -> tuple[str, str]:
    """Half-open string range [lo, hi) holding every code that starts with prefix.

    An ordinary B-tree index can use it, unlike LIKE 'prefix%' on SQLite. The upper bound is
    made of digits only (3609 -> 361), so it holds under any collation; a bound such as
    '360:' would sort before the digits under ICU collations on PostgreSQL.
    """
    stripped = prefix.rstrip("9")
    if not stripped:
        raise ValueError(f"no statistical code consists only of nines: {prefix!r}")
    return prefix, stripped[:-1] + str(int(stripped[-1]) + 1)


class RegionManager(models.Manager.from_queryset(TreeQuerySet)):
    pass


class Region(MPTTModel):
    """One node of 行政区划: province, city, county, township or village."""

    # The significant digits of the statistical code (2/4/6/9/12 by level): every code starts
    # with its parent's, so a subtree is one index range on this column. Padded to 12 digits
    # only for display (东莞市 4419 and its county-level 441900 pad to the same 12 digits).
    code = models.CharField("统计用区划代码", max_length=CODE_LENGTH, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = TreeForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionManager()

    class MPTTMeta:
        level_attr = "depth"
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        # django-mptt does not put its (tree_id, lft) index in migrations unless declared here.
        indexes = [models.Index(fields=["tree_id", "lft"], name="region_tree_lft")]
        # The slice marker only: what an account may do follows from its role (roles.py).
        permissions = [(SLICE, "查看辖区数据")]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        return self.code.ljust(CODE_LENGTH, "0")

    @property
    def code_range(self) -> tuple[str, str]:
        return code_range(self.code)

    @property
    def has_children(self) -> bool:
        return self.rght - self.lft > 1

    def contains(self, other: Region) -> bool:
        return self.tree_id == other.tree_id and self.lft <= other.lft <= self.rght


class VillagePopulation(Versioned, models.Model):
    """农村人口 of a village (户籍人口, people): the denominator of 贫困发生率 in 统计. Filled
    by the township or county office (villages.population.set_rural_population), versioned
    and with a change-log row per save (who, which phone, when, old → new)."""

    village = models.OneToOneField(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="population"
    )
    village_code = models.CharField("村区划代码", max_length=12, unique=True, editable=False)
    rural_population = models.PositiveIntegerField("农村人口")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "村农村人口"
        verbose_name_plural = "村农村人口"

    def __str__(self) -> str:
        return f"{self.village_code} {self.rural_population}"


class User(AbstractUser):
    """An account. Its slice lives in guardian grants, not on this row (see access.py)."""

    role = models.CharField("角色", max_length=10, choices=Role.choices)
    full_name = models.CharField("姓名/机构名称", max_length=100, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    # When the password was last set (by the account or by a reset): past
    # settings.PASSWORD_MAX_AGE_DAYS the account must change it before anything else.
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now)
    created_by = models.ForeignKey(
        "self",
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args: object, **kwargs: object) -> None:
        """A new password (set_password before this save) also saves when it was set and
        goes into the account's PasswordHistory (its hash, never the password)."""
        new_password = self._password is not None
        update_fields = kwargs.get("update_fields")
        if new_password and update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "password_changed_at"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if new_password:
            PasswordHistory.remember(self)

    def password_expired(self, now: datetime.datetime | None = None) -> bool:
        """The password is older than PASSWORD_MAX_AGE_DAYS (0 turns expiry off)."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        age = (now or timezone.now()) - self.password_changed_at
        return bool(days) and age > datetime.timedelta(days=days)

    def password_change_required(self) -> bool:
        """The account may do nothing but change its password (and log out): a password set
        by someone else, or one past its age (ForcePasswordChangeMiddleware)."""
        return self.must_change_password or self.password_expired()

    def recent_password_hashes(self) -> list[str]:
        """The hashes of the last PasswordHistory.KEEP passwords, the current one first (an
        account from before the history has only that one): what
        poverty_system.core.passwords.PasswordHistoryValidator refuses."""
        if self.pk is None:
            return []
        kept = PasswordHistory.objects.filter(account=self).order_by("-pk")
        hashes = list(kept.values_list("password", flat=True)[: PasswordHistory.KEEP])
        current = [self.password] if self.password and self.password not in hashes else []
        return current + hashes

    def slice_regions(self) -> list[Region]:
        """The regions of this account's slice, what poverty_system.core.access reads through
        the account: its `view_slice` grants on Region; the administrator's slice is the whole
        tree, its roots."""
        if self.is_superuser or self.role in WHOLE_TREE_ROLES:
            return list(Region.objects.filter(parent__isnull=True).order_by("code"))
        rows = RegionUserObjectPermission.objects.filter(
            user=self, permission__codename=SLICE
        ).select_related("content_object")
        return [row.content_object for row in rows]

    @cached_property
    def locked_until(self) -> datetime.datetime | None:
        """When the account-wide lockout of this name ends, or None: the one record of it is
        the LoginThrottle row of the name without an address (villages.auth). Lists set it
        on each row with `with_lockout` instead of one query per row."""
        return (
            LoginThrottle.objects.filter(username=self.username, ip="")
            .values_list("locked_until", flat=True)
            .first()
        )

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class PasswordHistory(models.Model):
    """The hashes of an account's last passwords (never the passwords): a new password may be
    none of them. Every password set is kept (a change, a reset by an administrator, the
    first one), the KEEP newest per account."""

    KEEP = 5

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        indexes = [models.Index(fields=["account", "-id"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.created_at:%Y-%m-%d}"

    @classmethod
    def remember(cls, account: User) -> None:
        cls.objects.create(account=account, password=account.password)
        old = cls.objects.filter(account=account).order_by("-pk").values_list("pk", flat=True)
        stale = list(old[cls.KEEP :])
        if stale:
            cls.objects.filter(pk__in=stale).delete()


class VillagePhone(Period):
    """A phone number registered for a village account; it verifies logins and holds claims.
    A workflow period (poverty_system.core.periods): started when registered (by whom),
    ended when deactivated (停用)."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="村级账号",
        on_delete=models.PROTECT,
        related_name="phones",
    )
    phone = models.CharField("手机号码", max_length=11)
    holder = models.CharField("使用人", max_length=50)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "村级账号手机号"
        verbose_name_plural = "村级账号手机号"
        constraints = [Period.one_active("one_active_phone_per_account", "account", "phone")]

    def __str__(self) -> str:
        return f"{self.holder} {mask_phone(self.phone)}"

    @property
    def masked(self) -> str:
        return mask_phone(self.phone)


class NaturalVillage(Versioned, models.Model):
    """自然村（村民小组）of a village, as the national 自然村信息表 lists them: its name, households
    and population, and whether it is reached by road, water and electricity (通路, 通水, 通电).
    Kept by the village account and its township office; a group that households name is
    deactivated (停用) rather than deleted, so their 村民小组 stays readable."""

    village = models.ForeignKey(
        Region, verbose_name="所属村", on_delete=models.PROTECT, related_name="natural_villages"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    # The household's 村民小组 holds this name (households.Household.group, 30 characters).
    name = models.CharField("自然村（村民小组）名称", max_length=30)
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口数", default=0)
    has_road = models.BooleanField("是否通路", default=False)
    has_water = models.BooleanField("是否通水", default=False)
    has_power = models.BooleanField("是否通电", default=False)
    active = models.BooleanField("有效", default=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "自然村（村民小组）"
        verbose_name_plural = "自然村（村民小组）"
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="natural_village_name")
        ]
        indexes = [models.Index(fields=["village_code", "name"], name="natural_village_slice")]

    def __str__(self) -> str:
        return self.name


class SmsChallenge(models.Model):
    """One SMS code sent to verify a village login. Only a hash of the code is kept."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_challenges"
    )
    phone = models.CharField(max_length=11)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-sent_at"], name="sms_account_sent"),
            models.Index(fields=["account", "phone", "-sent_at"], name="sms_account_phone_sent"),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.sent_at:%Y-%m-%d %H:%M}"


class LoginThrottle(models.Model):
    """Failed password logins counted per typed username and client address (`ip`), and per
    username alone (`ip` empty: the account-wide ceiling against spraying from many addresses).

    Keyed by the name as typed, whether or not an account has it, so that the answers to an
    unknown name are the same as to a known one (villages.auth.check_password_login)."""

    username = models.CharField("用户名", max_length=150)
    ip = models.CharField("客户端地址", max_length=45, blank=True)
    failures = models.PositiveIntegerField("失败次数", default=0)
    last_failure_at = models.DateTimeField("最近失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录失败计数"
        verbose_name_plural = "登录失败计数"
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="one_throttle_per_name_ip")
        ]
        indexes = [models.Index(fields=["last_failure_at"], name="throttle_last_failure")]

    def __str__(self) -> str:
        return f"{self.username} {self.ip or '全部地址'} {self.failures}"


def mask_phone(phone: str) -> str:
    return formatting.mask_phone(phone) or "****"


class RegionUserObjectPermission(UserObjectPermissionBase):
    """A guardian grant on a region, with a real foreign key so slices are joinable in SQL."""

    content_object = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "区域授权"
        verbose_name_plural = "区域授权"


class RegionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        pass


def with_lockout(accounts: QuerySet[User]) -> QuerySet[User]:
    """Accounts with `locked_until` read in the same query (the account list)."""
    lock = LoginThrottle.objects.filter(username=models.OuterRef("username"), ip="")
    return accounts.annotate(locked_until=models.Subquery(lock.values("locked_until")[:1]))
