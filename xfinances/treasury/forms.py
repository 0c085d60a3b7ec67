"""Forms of the cash-and-bank pages. They check shape; the actions check meaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.core.forms import BoundedDateField
from xfinances.core.models import Currency
from xfinances.treasury.balances import depth_first
from xfinances.treasury.models import AccountKind, CashflowCategory, MoneyAccount, Schedule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def account_choices(
    accounts: Iterable[MoneyAccount], blank: str | None = None
) -> list[tuple[str, str]]:
    """Accounts in tree order, each sub-account indented by its depth ("↳" per level)."""
    choices = [("", blank)] if blank is not None else []
    by_id = {a.pk: a for a in accounts}
    parents = {pk: (a.parent_id if a.parent_id in by_id else None) for pk, a in by_id.items()}
    for pk, depth in depth_first(parents, list(by_id)):
        account = by_id[pk]
        prefix = "\u00a0\u00a0\u00a0" * depth + ("↳ " if depth else "")
        choices.append((str(pk), f"{prefix}{account.name} · {account.currency}"))
    return choices


def category_choices(categories: Iterable[CashflowCategory]) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(c.pk), c.name) for c in categories]


class AccountForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AccountKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ChoiceField(label=_("Sub-account of"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="EUR")
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(
        label=_("BIC"),
        max_length=11,
        required=False,
        help_text=_("Filled in from the IBAN when left empty."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=200, required=False)
    opening_balance = forms.CharField(label=_("Opening balance"), max_length=30, initial="0.00")
    opening_date = BoundedDateField(label=_("Opening date"), widget=DATE, initial=dt.date.today)
    allow_negative = forms.BooleanField(
        label=_("Cash register may go below zero"),
        required=False,
        help_text=_("Off: a payment that would leave the register below zero is refused."),
    )


class MovementForm(forms.Form):
    account = forms.ChoiceField(label=_("Account"))
    date = BoundedDateField(label=_("Date"), widget=DATE, initial=dt.date.today)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("in", _("Money in")), ("out", _("Money out"))]
    )
    amount = forms.CharField(label=_("Amount"), max_length=30)
    category = forms.ChoiceField(label=_("Cash-flow category"), required=False)
    counterparty_name = forms.CharField(label=_("Counterparty"), max_length=200, required=False)
    counterparty_iban = forms.CharField(label=_("Counterparty IBAN"), max_length=42, required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    remittance_info = forms.CharField(label=_("Payment reference"), max_length=500, required=False)


class MovementEditForm(MovementForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["account"]


class TransferForm(forms.Form):
    from_account = forms.ChoiceField(label=_("From account"))
    to_account = forms.ChoiceField(label=_("To account"))
    date = BoundedDateField(label=_("Date"), widget=DATE, initial=dt.date.today)
    amount = forms.CharField(label=_("Amount sent"), max_length=30)
    rate = forms.CharField(
        label=_("Rate"),
        max_length=30,
        required=False,
        help_text=_("Between currencies: units of the target currency per 1 unit sent."),
    )
    amount_to = forms.CharField(label=_("Amount received"), max_length=30, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class ReverseForm(forms.Form):
    date = BoundedDateField(label=_("Date of the reversal"), widget=DATE, initial=dt.date.today)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PeriodCloseForm(forms.Form):
    closed_until = BoundedDateField(label=_("Close up to and including"), widget=DATE)
    account = forms.ChoiceField(label=_("Account"), required=False)


class BalanceCheckForm(forms.Form):
    date = BoundedDateField(label=_("Date"), widget=DATE, initial=dt.date.today)
    reported_balance = forms.CharField(label=_("Balance reported by the bank"), max_length=30)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AccessForm(forms.Form):
    user = forms.ChoiceField(label=_("Employee"))
    can_view = forms.BooleanField(label=_("Can view"), required=False, initial=True)
    can_move = forms.BooleanField(label=_("Can enter movements"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = forms.ChoiceField(label=_("Under"), required=False)


class PeriodFilterForm(forms.Form):
    date_from = BoundedDateField(label=_("From"), widget=DATE, required=False)
    date_to = BoundedDateField(label=_("To"), widget=DATE, required=False)


class CategoryEditForm(CategoryForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive category stays on old movements but cannot be chosen."),
    )


class PlannedItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("out", _("Money out")), ("in", _("Money in"))]
    )
    amount = forms.CharField(label=_("Amount"), max_length=30)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=Currency.choices,
        initial="EUR",
        help_text=_("With an account: the account's currency."),
    )
    account = forms.ChoiceField(label=_("Account"), required=False)
    category = forms.ChoiceField(label=_("Cash-flow category"), required=False)
    schedule = forms.ChoiceField(label=_("Repeats"), choices=Schedule.choices, initial="monthly")
    day = forms.IntegerField(
        label=_("Day"),
        help_text=_("Day of the month (1–31), or for weekly items the weekday (1 = Monday)."),
    )
    start_date = BoundedDateField(label=_("From"), widget=DATE, initial=dt.date.today)
    end_date = BoundedDateField(label=_("Until"), widget=DATE, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
