"""How amounts are shown, in one place for every page, list and log.

Two decimals and no thousands separator: the form an amount is typed in (the income form
takes 4000.00), so what a page shows reads the same as what was entered.
"""

from decimal import Decimal


def amount(value: Decimal | int | None) -> str:
    """4000.00; an empty value is an empty string."""
    return "" if value is None else f"{value:.2f}"


def yuan(value: Decimal | int | None) -> str:
    """4000.00 元: an amount of money with its unit, where no column header names it."""
    return "" if value is None else f"{amount(value)} 元"


def mask_phone(phone: str) -> str:
    """138****1234: phones in lists, exports and printouts."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ("****" if phone else "")


def mask_account(account: str) -> str:
    """****5678: bank accounts outside an audited reveal."""
    return f"****{account[-4:]}" if len(account) > 4 else ("****" if account else "")
