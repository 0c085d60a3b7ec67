"""Transfers between two of the company's accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.models import Company
from xfinances.core.money import ZERO, MoneyError, to_decimal
from xfinances.core.queries import rate_value
from xfinances.treasury import balances, locks
from xfinances.treasury.actions.categories import _category_by_code
from xfinances.treasury.actions.common import (
    _check_account_open,
    _ensure_can_move,
    _insert_movement,
    _refuse_closed_period,
)
from xfinances.treasury.models import (
    MoneyAccount,
    MovementSource,
    Transfer,
)

# ---------------------------------------------------------------- transfers


def _read_transfer(
    source: MoneyAccount,
    target: MoneyAccount,
    errors: ErrorCollector,
    date: object,
    amount: object,
    rate: object,
    amount_to: object,
) -> tuple[dt.date, balances.TransferAmounts]:
    """The transfer's day and amounts on both sides, or InvalidInput naming the fields."""
    day = readers.field(errors, "date", readers.date, date)
    value = readers.field(errors, "amount", readers.amount, amount, allow_negative=True) or ZERO
    if value <= 0 and "amount" not in errors.errors:
        errors.add("amount", _("The amount must be greater than zero."))
    rate_value_in: Decimal | None = None
    if rate not in (None, ""):
        try:
            rate_value_in = to_decimal(rate)
        except MoneyError:
            errors.add("rate", _("Enter the rate as a number, e.g. 0.92."))
    to_value = (
        (readers.field(errors, "amount_to", readers.amount, amount_to, allow_negative=True) or ZERO)
        if amount_to not in (None, "")
        else None
    )
    _check_account_open(source, day, errors, "from_account")
    _check_account_open(target, day, errors, "to_account")
    errors.raise_if_any()
    assert day is not None
    try:
        amounts = balances.transfer_amounts(
            value, source.currency == target.currency, rate_value_in, to_value
        )
    except balances.TransferAmountError as error:
        messages = {
            "rate": _(
                "Give the exchange rate (units of %(to)s per 1 %(from)s) or the amount received."
            )
            % {"to": target.currency, "from": source.currency},
            "amount_to": _("The amount received does not match the amount and the rate."),
        }
        raise InvalidInput({error.field: [messages[error.field]]})
    return day, amounts


def _post_movements(
    actor: Actor, transfer: Transfer, source: MoneyAccount, target: MoneyAccount
) -> None:
    """The movement out of the source and the movement into the target."""
    company = source.company
    category = _category_by_code(company, "internal")
    text = transfer.description or _("Transfer %(from)s → %(to)s") % {
        "from": source.name,
        "to": target.name,
    }
    for account, signed in ((source, -transfer.amount_from), (target, transfer.amount_to)):
        _insert_movement(
            actor,
            account,
            "create_transfer",
            date=transfer.date,
            amount=signed,
            category=category,
            description=text[:500],
            transfer=transfer,
            counterparty_name=company.name,
            source=MovementSource.CASH if account.is_cash_register else MovementSource.MANUAL,
        )


@transaction.atomic
def create_transfer(
    actor: Actor,
    company: Company,
    *,
    from_account: MoneyAccount,
    to_account: MoneyAccount,
    date: object,
    amount: object,
    rate: object = None,
    amount_to: object = None,
    description: str = "",
) -> Transfer:
    """Move money between two own accounts: one Transfer, a movement out and a movement in.
    Between currencies `rate` is units of the target per unit of the source (or give
    `amount_to`); the exchange difference against the reference rates is recorded in EUR."""
    for account in (from_account, to_account):
        if account.company_id != company.pk:
            raise InvalidInput({"to_account": [_("No such account.")]})
    _ensure_can_move(actor, company, from_account)
    _ensure_can_move(actor, company, to_account)
    errors = InvalidInput.collect()
    if from_account.pk == to_account.pk:
        errors.add("to_account", _("Choose a different account to transfer to."))
        errors.raise_if_any()
    accounts = locks.lock_accounts(company, [from_account.pk, to_account.pk])
    source, target = accounts[from_account.pk], accounts[to_account.pk]
    day, amounts = _read_transfer(source, target, errors, date, amount, rate, amount_to)
    for account in (source, target):
        _refuse_closed_period(company, account, day)
    difference = None
    if source.currency != target.currency:
        difference = balances.exchange_difference_eur(
            amounts.amount_from,
            rate_value(company, source.currency, day),
            amounts.amount_to,
            rate_value(company, target.currency, day),
        )
    transfer = Transfer.objects.create(
        company=company,
        date=day,
        from_account=source,
        to_account=target,
        amount_from=amounts.amount_from,
        currency_from=source.currency,
        amount_to=amounts.amount_to,
        currency_to=target.currency,
        rate=amounts.rate,
        exchange_difference_eur=difference,
        description=(description or "").strip()[:300],
    )
    audit.record_create(actor, company, "create_transfer", transfer)
    _post_movements(actor, transfer, source, target)
    return transfer
