"""Typed inputs of the purchases' actions (core/inputs.py): the one list of each one's fields."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from xfinances.core import inputs, readers
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.money import MoneyError, to_decimal

MAX_DAYS = 365


def _days(value: object) -> int:
    try:
        if isinstance(value, bool | float):
            raise ValueError
        days = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise readers.ReadError(_("Enter a whole number of days.")) from None
    if not 0 <= days <= MAX_DAYS:
        raise readers.ReadError(_("Enter between 0 and 365 days."))
    return days


def _tolerance(value: object) -> Decimal:
    try:
        tolerance = to_decimal(value)
    except MoneyError:
        raise readers.ReadError(_("Enter an amount.")) from None
    if not Decimal("0.01") <= tolerance <= Decimal("100"):
        raise readers.ReadError(_("Enter between 0.01 and 100."))
    return tolerance


@dataclass(frozen=True, kw_only=True)
class PurchaseSettingsInput(ActionInput):
    """A company's purchases settings (`update_purchase_settings`), with their defaults."""

    alert_days_before: int = reads(_days, default=3)
    escalation_days: int = reads(_days, default=5)
    approval_alert_days: int = reads(_days, default=5)
    vat_tolerance: Decimal = reads(_tolerance, default=Decimal("0.50"))
    approval_required: bool = reads(inputs.flag, default=False)
