"""A · 身份信息: ID numbers against their members and against each other."""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Length, Replace, Substr

from households.choices import Gender, MemberChange, Relation
from households.models import Member

from .base import OnlyChars, active_members, having_member, in_scope, members
from .registry import Context, rule

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ODD_DIGITS = ("1", "3", "5", "7", "9")


class Remainder11(Func):
    """x % 11 with the SQL operator on both databases (Django's Mod is a Python function on
    SQLite, called for every member)."""

    template = "(%(expressions)s %%%% 11)"  # %% in the SQL sent with parameters
    output_field = IntegerField()


def _remainder():
    """The weighted sum of the first 17 digits mod 11 (GB 11643), in SQL. The CASE guards the
    casts: only a well-formed number is cast digit by digit (PostgreSQL refuses 'X')."""
    total = sum(
        (
            Cast(Substr("id_number", i + 1, 1), IntegerField()) * Value(w)
            for i, w in enumerate(WEIGHTS)
        ),
        start=Value(0),
    )
    return Case(
        When(_well_formed(), then=Remainder11(total)),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _check_char():
    """The check character for the remainder: one position of "10X98765432" (a CASE of 11
    branches would repeat the whole sum in each branch)."""
    return Substr(Value(CHECK_CHARS), F("_r") + 1, 1, output_field=CharField())


def _well_formed():
    """18 characters: 17 digits and a digit or X."""
    return (
        Q(_n=18)
        & Q(OnlyChars(Substr("id_number", 1, 17), "0-9"))
        & Q(OnlyChars(Substr("id_number", 18, 1), "0-9X"))
    )


def _members():
    return members().annotate(_n=Length("id_number"))


@rule("A01", "身份信息", "成员身份证号码不是18位")
def id_length(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(pk__in=_members().exclude(_n=18).values("household_id"))


@rule("A02", "身份信息", "成员身份证号码含非法字符（只能为数字，末位可为X）")
def id_characters(households: QuerySet, ctx: Context) -> QuerySet:
    wrong = _members().filter(_n=18).exclude(_well_formed())
    return households.filter(pk__in=wrong.values("household_id"))


@rule("A03", "身份信息", "成员身份证号码校验位错误")
def id_check_digit(households: QuerySet, ctx: Context) -> QuerySet:
    members = (
        _members()
        .filter(_well_formed())
        .annotate(_r=_remainder())
        .annotate(_c=_check_char())
        .exclude(_c=Substr("id_number", 18, 1))
    )
    return households.filter(pk__in=members.values("household_id"))


@rule("A04", "身份信息", "成员性别与身份证号码不符")
def gender_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    digit = Substr("id_number", 17, 1)
    wrong = Q(gender=Gender.MALE) & ~Q(_d__in=ODD_DIGITS) | Q(gender=Gender.FEMALE) & Q(
        _d__in=ODD_DIGITS
    )
    wrong_members = members().annotate(_d=digit).filter(wrong)
    return households.filter(pk__in=wrong_members.values("household_id"))


@rule("A05", "身份信息", "成员出生日期与身份证号码不符")
def birth_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    dated = members().annotate(
        _born=Replace(Cast("birth_date", CharField()), Value("-"), Value("")),
        _id=Substr("id_number", 7, 8),
    )
    return households.filter(pk__in=dated.exclude(_born=F("_id")).values("household_id"))


@rule("A06", "身份信息", "成员出生日期晚于今天或年龄超过120岁")
def birth_absurd(households: QuerySet, ctx: Context) -> QuerySet:
    return having_member(
        households, Q(birth_date__gt=ctx.today) | Q(birth_date__lt=ctx.born_before(120))
    )


def _counted_members():
    # Rows a 分户 leaves in the old household are the same person by design, not a conflict.
    return Member.objects.exclude(active=False, change=MemberChange.SPLIT)


@rule("A07", "身份信息", "同一身份证号码在其他户出现（不同户重复人口）")
def id_in_other_household(households: QuerySet, ctx: Context) -> QuerySet:
    others = (
        _counted_members()
        .filter(id_number=OuterRef("id_number"))
        .exclude(household_id=OuterRef("household_id"))
    )
    members = Member.objects.filter(active=True).filter(Exists(others)).values("household_id")
    return households.filter(pk__in=members)


@rule("A08", "身份信息", "同一身份证号码在本户出现两次（同户重复人口）")
def id_twice_in_household(households: QuerySet, ctx: Context) -> QuerySet:
    repeated = (
        in_scope(_counted_members())
        .values("household_id", "id_number")
        .annotate(_n=Count("pk"))
        .filter(_n__gt=1)
        .values("household_id")
    )
    return households.filter(pk__in=repeated)


@rule("A09", "身份信息", "成员同时登记为帮扶干部（干部本人是贫困户成员）")
def member_is_cadre(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import Cadre

    cadres = Cadre.objects.filter(left_at__isnull=True).exclude(id_number="")
    members = Member.objects.filter(active=True, id_number__in=cadres.values("id_number"))
    return households.filter(pk__in=members.values("household_id"))


@rule("A10", "身份信息", "户主姓名与户主成员姓名不一致")
def head_name_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    heads = active_members(relation=Relation.HEAD).exclude(name=OuterRef("head_name"))
    return households.filter(Exists(heads))
