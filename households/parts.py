"""The seven parts of 扶贫对象登记表, in the manual's order (procedure 5): a part opens only
when the one before it is saved (Household.parts_done counts the saved parts)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    number: int
    slug: str
    label: str

    @property
    def url_name(self) -> str:
        return f"households:part_{self.slug}"


PARTS = (
    Part(1, "basic", "家庭基本情况"),
    Part(2, "production", "家庭生产情况"),
    Part(3, "income", "家庭收入情况"),
    Part(4, "causes", "致贫原因调查"),
    Part(5, "application", "扶贫对象申请表"),
    Part(6, "survey", "扶贫对象认定调查表"),
    Part(7, "approval", "扶贫对象审批表"),
)
BY_NUMBER = {part.number: part for part in PARTS}
LAST = PARTS[-1].number


def is_open(parts_done: int, number: int) -> bool:
    return number <= parts_done + 1
