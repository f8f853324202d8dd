"""扶贫项目与资金: the project library, its events and attachments, the fund ledger, the
beneficiaries, the assets and the public notices."""

from .assets import Asset, AssetIncome, IncomeShare
from .disclosure import Feedback, Notice
from .ledger import FundAccount, FundMovement
from .library import Attachment, Beneficiary, Holiday, Project, ProjectEvent

__all__ = [
    "Asset",
    "AssetIncome",
    "Attachment",
    "Beneficiary",
    "Feedback",
    "FundAccount",
    "FundMovement",
    "Holiday",
    "IncomeShare",
    "Notice",
    "Project",
    "ProjectEvent",
]
