"""The problem rules of 数据质量检查 in 县级比对 (identification): each case's household checked
against the rules about one household's own record, shown beside the ID-number hits.

identification lies below quality and may not import it, so quality's app config registers
`rule_hits` with identification.checks.add_household_check. Chosen: the rules of a
household's own data (identity, members, the basic situation, causes, income); not those
comparing households (A07 and A09 are the ID-number hits themselves, G03 counts a phone
over households), nor those of later work (exits, pairing), which a household under
identification cannot meet yet. A county that switched a rule off does not see it here
either. One query per rule for any number of cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from households.models import Household

from . import rules as pack
from .rules.base import scoped_to
from .services import effective, switches

if TYPE_CHECKING:
    from identification.models import Case

GROUPS = ("身份信息", "家庭成员", "基本情况", "致贫原因", "收入")
ACROSS_HOUSEHOLDS = frozenset({"A07", "A09", "G03"})


def identification_rules() -> list[pack.Rule]:
    return [r for r in pack.all_rules() if r.group in GROUPS and r.code not in ACROSS_HOUSEHOLDS]


def rule_hits(cases: Sequence[Case]) -> dict[int, list[dict[str, Any]]]:
    """case id -> a hit per rule its household breaks (问题清单's code and problem)."""
    by_household: dict[int, list[int]] = {}
    for case in cases:
        by_household.setdefault(case.household_id, []).append(case.pk)
    hits: dict[int, list[dict[str, Any]]] = {case.pk: [] for case in cases}
    households = Household.objects.filter(pk__in=list(by_household))
    ctx, off = pack.Context.now(), switches()
    with scoped_to(by_household):  # the rules read these households' members only
        found = [
            (rule, list(effective(rule, households, ctx, off).values_list("pk", flat=True)))
            for rule in identification_rules()
        ]
    for rule, pks in found:
        for pk in set(pks):
            for case_pk in by_household[pk]:
                hits[case_pk].append(
                    {
                        "kind": "rule",
                        "rule": rule.code,
                        "name": f"数据质量 {rule.code}",
                        "id_number": "",
                        "detail": f"{rule.group}：{rule.title}",
                    }
                )
    return hits
