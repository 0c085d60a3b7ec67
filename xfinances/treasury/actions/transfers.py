"""Transfers between two of the company's accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Company
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.queries import rate_value
from xfinances.core.text_limits import limit_of
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


def _required(reader: inputs.Reader) -> inputs.Reader:
    def read(value: object) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise readers.ReadError(_lazy("This field is required."))
        return reader(value)

    return read


def _amount_sent(value: object) -> Decimal:
    number = readers.amount(value, allow_negative=True)
    if number <= 0:
        raise readers.ReadError(_lazy("The amount must be greater than zero."))
    return number


def _rate(value: object) -> Decimal:
    try:
        return to_decimal(value)
    except MoneyError:
        raise readers.ReadError(_lazy("Enter the rate as a number, e.g. 0.92.")) from None


@dataclass(frozen=True, kw_only=True)
class TransferInput(ActionInput):
    """A transfer between two own accounts (MoneyAccount records the caller may see). Between
    currencies `rate` is units of the target per unit of the source, or give `amount_to`."""

    from_account: MoneyAccount = reads(inputs.as_is, default=None)
    to_account: MoneyAccount = reads(inputs.as_is, default=None)
    date: dt.date = reads(_required(inputs.date), default=None)
    amount: Decimal = reads(_required(_amount_sent), default=None)
    rate: Decimal | None = reads(inputs.optional(_rate), default=None)
    amount_to: Decimal | None = reads(
        inputs.optional(lambda v: readers.amount(v, allow_negative=True)), default=None
    )
    description: str = reads(inputs.text(max_length=limit_of(Transfer, "description")), default="")


def _amounts(
    source: MoneyAccount, target: MoneyAccount, data: TransferInput
) -> balances.TransferAmounts:
    """The amounts on both sides, or InvalidInput naming the field that does not fit."""
    try:
        return balances.transfer_amounts(
            data.amount, source.currency == target.currency, data.rate, data.amount_to
        )
    except balances.TransferAmountError as error:
        messages = {
            "rate": _(
                "Give the exchange rate (units of %(to)s per 1 %(from)s) or the amount received."
            )
            % {"to": target.currency, "from": source.currency},
            "amount_to": _("The amount received does not match the amount and the rate."),
        }
        raise InvalidInput({error.field: [messages[error.field]]}) from None


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
def create_transfer(actor: Actor, company: Company, data: TransferInput) -> Transfer:
    """Move money between two own accounts: one Transfer, a movement out and a movement in.
    The exchange difference against the reference rates is recorded in EUR."""
    from_account, to_account = data.from_account, data.to_account
    for account in (from_account, to_account):
        if not isinstance(account, MoneyAccount) or account.company_id != company.pk:
            raise InvalidInput({"to_account": [_("No such account.")]})
    _ensure_can_move(actor, company, from_account)
    _ensure_can_move(actor, company, to_account)
    errors = InvalidInput.collect()
    if from_account.pk == to_account.pk:
        errors.add("to_account", _("Choose a different account to transfer to."))
        errors.raise_if_any()
    accounts = locks.lock_accounts(company, [from_account.pk, to_account.pk])
    source, target = accounts[from_account.pk], accounts[to_account.pk]
    day = data.date
    _check_account_open(source, day, errors, "from_account")
    _check_account_open(target, day, errors, "to_account")
    errors.raise_if_any()
    amounts = _amounts(source, target, data)
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
        description=data.description,
    )
    audit.record_create(actor, company, "create_transfer", transfer)
    _post_movements(actor, transfer, source, target)
    return transfer
