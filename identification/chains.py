"""The chains of steps, as data: one tuple of steps per kind of case.

新识别 and 返贫 go through 两公示一比对一公告 (农户申请 → 民主评议 → 村内公示 → 乡镇审核 → 乡镇公示
→ 县级比对 → 县级审批 → 公告); exits through 民主评议/核实 → 村内公示 → 乡镇审核 → (县级核查) →
公告, with or without the county step as the county's rules say. identification.states runs
any chain; a higher app (monitoring) registers its own chain with `register` and its own
effect, and reuses the engine, the events and the attachments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from households.choices import HouseholdStatus as S
from poverty_system.core.roles import Role

from .access import COUNTY_STEPS, TOWNSHIP_STEPS, VILLAGE_STEPS

# Kinds of step: what the step's form asks and what the engine checks.
RECORD = "record"  # a dated record (申请 with the 民主评议 date and result)
PUBLICITY = "publicity"  # start and end dates; the next step waits until the end has passed
REVIEW = "review"  # approve, or return to the first step with a reason
CHECK = "check"  # the system's checks shown, then approve or return (县级比对)
NOTICE = "notice"  # 公告: the dates, then the chain's effect


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    role: str
    perm: str
    form: str
    date_label: str = "日期"
    opinion_label: str = "意见"
    # The 扶贫对象审批表 fields (date, result) this step fills when a 新识别 is announced.
    approval_fields: tuple[str, str] | None = None
    # A review step that may also end the case (不纳入): its chain's `on_decline` applies.
    declines: bool = False

    @property
    def role_label(self) -> str:
        """Who does the step, as the pages say it (由县扶贫办办理)."""
        return Role(self.role).label


@dataclass(frozen=True)
class Chain:
    kind: str
    label: str  # as on the notice: 新识别 / 返贫 / 脱贫
    steps: tuple[Step, ...]
    start_statuses: tuple[str, ...]
    targets: tuple[str, ...]
    fills_approval_form: bool = False
    # effect(actor, case, locked_household, reason) after 公告; None: the status transition.
    effect: Callable[..., Any] | None = None
    # on_decline(actor, case, reason) when a `declines` step ends the case (不纳入).
    on_decline: Callable[..., Any] | None = None
    # publicity_days(case) -> the least days of the chain's 公示; None: the CountyRules'.
    publicity_days: Callable[..., int] | None = None
    # facts(case) -> [(label, value, late)] shown on the case page (e.g. 识别办结期限).
    facts: Callable[..., list[tuple[str, str, bool]]] | None = None
    codes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(s.code for s in self.steps))

    def step(self, code: str) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def after(self, code: str) -> Step | None:
        i = self.index(code) + 1
        return self.steps[i] if i < len(self.steps) else None


APPLY = Step(
    "apply",
    "农户申请、民主评议",
    Role.VILLAGE,
    VILLAGE_STEPS,
    RECORD,
    date_label="民主评议日期",
    opinion_label="民主评议结果",
    approval_fields=("appraisal_date", "appraisal_result"),
)
VILLAGE_PUBLICITY = Step(
    "village_publicity",
    "村内公示",
    Role.VILLAGE,
    VILLAGE_STEPS,
    PUBLICITY,
    opinion_label="公示结果",
    approval_fields=("first_publicity_date", "first_publicity_result"),
)
TOWNSHIP_REVIEW = Step(
    "township_review",
    "乡镇审核",
    Role.TOWNSHIP,
    TOWNSHIP_STEPS,
    REVIEW,
    opinion_label="审核意见",
    approval_fields=("township_review_date", "township_review_result"),
)
TOWNSHIP_PUBLICITY = Step(
    "township_publicity",
    "乡镇公示",
    Role.TOWNSHIP,
    TOWNSHIP_STEPS,
    PUBLICITY,
    opinion_label="公示结果",
    approval_fields=("second_publicity_date", "second_publicity_result"),
)
COUNTY_CHECK = Step(
    "county_check", "县级比对", Role.COUNTY, COUNTY_STEPS, CHECK, opinion_label="比对意见"
)
COUNTY_APPROVAL = Step(
    "county_approval",
    "县级审批",
    Role.COUNTY,
    COUNTY_STEPS,
    REVIEW,
    opinion_label="审批意见",
    approval_fields=("county_approval_date", "county_approval_result"),
)
ANNOUNCEMENT = Step(
    "announcement", "公告", Role.COUNTY, COUNTY_STEPS, NOTICE, opinion_label="公告说明"
)
EXIT_START = Step(
    "exit_start",
    "民主评议、村两委和驻村工作队核实",
    Role.TOWNSHIP,
    TOWNSHIP_STEPS,
    RECORD,
    date_label="民主评议日期",
    opinion_label="脱贫意见",
)
COUNTY_VERIFICATION = Step(
    "county_verification",
    "县级核查",
    Role.COUNTY,
    COUNTY_STEPS,
    REVIEW,
    opinion_label="核查意见",
)
EXIT_ANNOUNCEMENT = Step(
    "exit_announcement", "公告", Role.TOWNSHIP, TOWNSHIP_STEPS, NOTICE, opinion_label="公告说明"
)

NEW, RETURN, EXIT, EXIT_COUNTY = "new", "return", "exit", "exit_county"
ADMISSION_STEPS = (
    APPLY,
    VILLAGE_PUBLICITY,
    TOWNSHIP_REVIEW,
    TOWNSHIP_PUBLICITY,
    COUNTY_CHECK,
    COUNTY_APPROVAL,
    ANNOUNCEMENT,
)
CHAINS: dict[str, Chain] = {}
KIND_LABELS: dict[str, str] = {}


def register(chain: Chain) -> Chain:
    CHAINS[chain.kind] = chain
    KIND_LABELS.setdefault(chain.kind, chain.label)
    return chain


register(
    Chain(NEW, "新识别", ADMISSION_STEPS, (S.REGISTERING,), (S.POOR,), fills_approval_form=True)
)
register(Chain(RETURN, "返贫", ADMISSION_STEPS, (S.LIFTED, S.LIFTED_NO_SUPPORT), (S.RETURNED,)))
EXIT_TARGETS = (S.LIFTED, S.LIFTED_NO_SUPPORT)
register(
    Chain(
        EXIT,
        "脱贫",
        (EXIT_START, VILLAGE_PUBLICITY, TOWNSHIP_REVIEW, EXIT_ANNOUNCEMENT),
        (S.POOR, S.RETURNED),
        EXIT_TARGETS,
    )
)
register(
    Chain(
        EXIT_COUNTY,
        "脱贫",
        (EXIT_START, VILLAGE_PUBLICITY, TOWNSHIP_REVIEW, COUNTY_VERIFICATION, EXIT_ANNOUNCEMENT),
        (S.POOR, S.RETURNED),
        EXIT_TARGETS,
    )
)
KIND_LABELS[EXIT_COUNTY] = "脱贫（县级核查）"


def chain_of(kind: str) -> Chain:
    return CHAINS[kind]
