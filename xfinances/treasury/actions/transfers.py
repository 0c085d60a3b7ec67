"""Transfers between two of the company's accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

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
from xfinances.treasury.events import party_money_reason
from xfinances.treasury.models import (
    MoneyAccount,
    Movement,
    MovementSource,
    Transfer,
)

# ---------------------------------------------------------------- transfers


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
    date: dt.date = reads(inputs.required(inputs.date), default=None)
    amount: Decimal = reads(inputs.required(_amount_sent), default=None)
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


# ---------------------------------------------------------------- pairing two bank movements


@dataclass(frozen=True, kw_only=True)
class TransferPairInput(ActionInput):
    """Two movements already on the company's accounts (from bank statements) that are one
    transfer: `sent` leaves one account, `received` arrives in another."""

    sent: Movement = reads(inputs.as_is, default=None)
    received: Movement = reads(inputs.as_is, default=None)
    description: str = reads(inputs.text(max_length=limit_of(Transfer, "description")), default="")


def _check_pair(company: Company, sent: Movement, received: Movement) -> None:
    errors = InvalidInput.collect()
    for field, movement in (("sent", sent), ("received", received)):
        if not isinstance(movement, Movement) or movement.company_id != company.pk:
            raise InvalidInput({field: [_("No such movement.")]})
        if movement.transfer_id is not None:
            errors.add(field, _("This movement is already part of a transfer."))
        if movement.reversal_of_id is not None:
            errors.add(field, _("A reversal cannot be part of a transfer."))
        for reason in party_money_reason.collect(movement=movement):
            errors.add(field, reason)
    if sent.account_id == received.account_id:
        errors.add("received", _("Choose a movement on a different account."))
    if sent.amount >= 0:
        errors.add("sent", _("The money sent must be a movement out of its account."))
    if received.amount <= 0:
        errors.add("received", _("The money received must be a movement into its account."))
    if sent.currency == received.currency and -sent.amount != received.amount:
        errors.add("received", _("The two amounts differ: they are not one transfer."))
    errors.raise_if_any()


@transaction.atomic
def pair_transfer(actor: Actor, company: Company, data: TransferPairInput) -> Transfer:
    """Record two existing movements (the two sides of money moved between own accounts, each
    from its account's statement) as one Transfer. Nothing is posted: the amounts and the
    balances stay as the banks reported them; both legs get the "internal" category unless a
    person gave them one."""
    sent, received = data.sent, data.received
    _check_pair(company, sent, received)
    accounts = locks.lock_accounts(company, [sent.account_id, received.account_id])
    source, target = accounts[sent.account_id], accounts[received.account_id]
    _ensure_can_move(actor, company, source)
    _ensure_can_move(actor, company, target)
    # Re-read under the locks: a concurrent run may have paired one of them meanwhile.
    legs = {
        m.pk: m
        for m in Movement.objects.select_for_update().filter(
            company=company, pk__in=[sent.pk, received.pk]
        )
    }
    sent, received = legs[sent.pk], legs[received.pk]
    _check_pair(company, sent, received)
    for account, leg in ((source, sent), (target, received)):
        _refuse_closed_period(company, account, leg.date)
    amount_from, amount_to = -sent.amount, received.amount
    difference = None
    if source.currency != target.currency:
        difference = balances.exchange_difference_eur(
            amount_from,
            rate_value(company, source.currency, sent.date),
            amount_to,
            rate_value(company, target.currency, received.date),
        )
    transfer = Transfer.objects.create(
        company=company,
        date=sent.date,
        from_account=source,
        to_account=target,
        amount_from=amount_from,
        currency_from=source.currency,
        amount_to=amount_to,
        currency_to=target.currency,
        rate=(amount_to / amount_from).quantize(Decimal("0.00000001")),
        exchange_difference_eur=difference,
        description=data.description,
    )
    audit.record_create(actor, company, "pair_transfer", transfer)
    category = _category_by_code(company, "internal")
    for leg in (sent, received):
        before = audit.snapshot(leg)
        leg.transfer = transfer
        fields = ["transfer", "updated_at"]
        if leg.category_id is None and category is not None:
            leg.category = category
            fields.append("category")
        leg.save(update_fields=fields)
        audit.record_update(actor, company, "pair_transfer", leg, before)
    return transfer
