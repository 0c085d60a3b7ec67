"""Movements: create, update, delete, reverse, attachments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, edit_guards, events, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.text_limits import limit_of
from xfinances.treasury import locks
from xfinances.treasury.actions.common import (
    _bump_month,
    _check_account_open,
    _ensure_can_move,
    _insert_movement,
    _refuse_closed_period,
    _refuse_negative_cash,
    _resolve_category,
    _signed,
)
from xfinances.treasury.events import MovementTypedIn, TypedMoneyGone, money_locked_reason
from xfinances.treasury.models import (
    AccountKind,
    MoneyAccount,
    Movement,
    MovementAttachment,
    MovementSource,
    MovementStatus,
)


@dataclass(frozen=True, kw_only=True)
class MovementEditInput(ActionInput):
    """What can change on a movement (`update_movement`): a positive `amount` with its
    `direction`; `category` is a CashflowCategory or its id."""

    date: dt.date | None = reads(inputs.date, default=None)
    direction: str = reads(
        inputs.choice(["in", "out"], _lazy("Choose money in or money out.")), default=""
    )
    amount: Decimal = reads(inputs.amount(positive=True), default=Decimal(0))
    counterparty_name: str = reads(inputs.text(max_length=200), default="")
    counterparty_iban: str = reads(inputs.iban, default="")
    category: object = reads(inputs.as_is, default=None)
    description: str = reads(inputs.text(max_length=500), default="")
    remittance_info: str = reads(inputs.text(max_length=500), default="")


MOVEMENT_EDIT_FIELDS = MovementEditInput.field_names()


def _text(name: str) -> inputs.Reader:
    return inputs.text(max_length=limit_of(Movement, name))


def _required_date(value: object) -> dt.date:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise readers.ReadError(_lazy("This field is required."))
    return readers.date(value)


def _amount(value: object) -> Decimal:
    # Below zero is read, so the action says "positive, and choose the direction".
    if value is None or (isinstance(value, str) and not value.strip()):
        raise readers.ReadError(_lazy("This field is required."))
    return readers.amount(value, allow_negative=True)


@dataclass(frozen=True, kw_only=True)
class MovementInput(ActionInput):
    """A new movement (`create_movement`): a positive `amount` with its `direction`;
    `currency`, when given, must be the account's; `category` is a CashflowCategory or its id.
    Bank data (`bank_reference`, `end_to_end_id`, `raw_data`, `source`) comes from imports."""

    date: dt.date = reads(_required_date, default=None)
    direction: str = reads(
        inputs.choice(["in", "out"], _lazy("Choose money in or money out.")), default=""
    )
    amount: Decimal = reads(_amount, default=None)
    currency: str = reads(_text("currency"), default="")
    counterparty_name: str = reads(_text("counterparty_name"), default="")
    counterparty_iban: str = reads(inputs.iban, default="")
    category: object = reads(inputs.as_is, default=None)
    description: str = reads(_text("description"), default="")
    bank_reference: str = reads(_text("bank_reference"), default="")
    end_to_end_id: str = reads(_text("end_to_end_id"), default="")
    remittance_info: str = reads(_text("remittance_info"), default="")
    raw_data: dict[str, Any] = reads(inputs.as_is, default={})
    source: str = reads(
        inputs.choice(MovementSource.values, _lazy("Unknown source.")),
        default=MovementSource.MANUAL,
    )


@transaction.atomic
def create_movement(actor: Actor, account: MoneyAccount, data: MovementInput) -> Movement:
    """Money in or out of one account. `amount` is positive; `direction` says which way."""
    company = account.company
    _ensure_can_move(actor, company, account)
    account = locks.lock_account(company, account.pk)
    errors = InvalidInput.collect()
    signed = _signed(data.direction, data.amount, errors)
    if data.currency and data.currency.upper() != account.currency:
        errors.add(
            "currency", _("The account holds %(currency)s only.") % {"currency": account.currency}
        )
    _check_account_open(account, data.date, errors)
    found_category = _resolve_category(company, data.category, errors)
    if data.source not in MovementSource.values:
        errors.add("source", _("Unknown source."))
    errors.raise_if_any()
    _refuse_closed_period(company, account, data.date)
    source = data.source
    if account.is_cash_register and source == MovementSource.MANUAL:
        source = MovementSource.CASH
    movement = _insert_movement(
        actor,
        account,
        "create_movement",
        date=data.date,
        amount=signed,
        counterparty_name=data.counterparty_name,
        counterparty_iban=data.counterparty_iban,
        category=found_category,
        description=data.description,
        bank_reference=data.bank_reference,
        end_to_end_id=data.end_to_end_id,
        remittance_info=data.remittance_info,
        raw_data=data.raw_data,
        source=source,
    )
    _tell_typed_in(actor, account, movement)
    return movement


def _typed_by_hand(account: MoneyAccount, movement: Movement) -> bool:
    return (
        movement.source == MovementSource.MANUAL
        and account.kind == AccountKind.BANK
        and not movement.bank_reference
    )


def tell_typed_gone(
    actor: Actor, account: MoneyAccount, movement: Movement, amount: Decimal, day: dt.date
) -> None:
    """Money typed in by hand on a bank account left the books as it was (`amount` on `day`):
    the apps above may have a bank line waiting to be compared with it."""
    if _typed_by_hand(account, movement):
        events.emit(TypedMoneyGone(actor, movement.company_id, account.pk, amount, day))


def _tell_typed_in(actor: Actor, account: MoneyAccount, movement: Movement) -> None:
    """Money typed in by hand on a bank account, without the bank's reference (new, or its
    amount or date edited): the apps above may know a bank line it is."""
    if _typed_by_hand(account, movement):
        events.emit(MovementTypedIn(actor, movement))


@transaction.atomic
def update_movement(
    actor: Actor, movement: Movement, changes: Changes[MovementEditInput]
) -> Movement:
    """Edit a movement of an open period (with audit). Closed periods, reversed movements,
    reversals and transfer legs change only by reversal."""
    company = movement.company
    data = dict(changes.items())
    _ensure_can_move(actor, company, movement.account)
    account = locks.lock_account(company, movement.account_id)
    movement = locks.lock_movement(company, movement.pk)
    _refuse_closed_period(company, account, movement.date)
    edit_guards.ensure_editable(movement)  # exported to accounting: reverse it instead
    if movement.status == MovementStatus.REVERSED or movement.reversal_of_id:
        raise Conflict(_("A reversed movement or a reversal cannot be edited."))
    errors = InvalidInput.collect()
    new_date = data.get("date") or movement.date
    amount = data.get("amount", abs(movement.amount))
    direction = data.get("direction", movement.direction)
    signed = _signed(direction, amount, errors)
    money_changes = signed != movement.amount or new_date != movement.date
    if movement.transfer_id and money_changes:
        errors.add("amount", _("Part of a transfer: reverse the transfer and enter it again."))
    if movement.source in (MovementSource.STATEMENT, MovementSource.PSD2) and money_changes:
        errors.add("amount", _("The bank's amount and date cannot be edited."))
    elif money_changes:
        for reason in money_locked_reason.collect(movement=movement):
            errors.add("amount", reason)
    if movement.cash_order_number is not None and (signed > 0) != (movement.amount > 0):
        errors.add("direction", _("A cash order keeps its direction: reverse it instead."))
    if new_date is not None:
        _check_account_open(account, new_date, errors)
    clean: dict[str, Any] = {}
    if "category" in data:
        clean["category"] = _resolve_category(
            company, data["category"], errors, keep_id=movement.category_id
        )
    for key in ("counterparty_name", "counterparty_iban", "description", "remittance_info"):
        if key in data:
            clean[key] = data[key]
    errors.raise_if_any()
    _refuse_closed_period(company, account, new_date)
    before = audit.snapshot(movement)
    before_date, before_amount = movement.date, movement.amount
    _bump_month(company, account.pk, movement.date, -movement.amount)
    movement.date, movement.amount = new_date, signed
    for key, value in clean.items():
        setattr(movement, key, value)
    movement.save()
    _bump_month(company, account.pk, movement.date, movement.amount)
    if money_changes:
        _refuse_negative_cash(account, min(movement.date, before_date))
    audit.record_update(actor, company, "update_movement", movement, before)
    if money_changes:
        tell_typed_gone(actor, account, movement, before_amount, before_date)
        _tell_typed_in(actor, account, movement)
    return movement


@transaction.atomic
def delete_movement(actor: Actor, movement: Movement) -> None:
    """Delete a hand-entered bank/card movement of an open period. Cash orders (numbered,
    gapless), bank data, transfers and reversals are reversed instead."""
    company = movement.company
    _ensure_can_move(actor, company, movement.account)
    locks.lock_account(company, movement.account_id)
    movement = locks.lock_movement(company, movement.pk)
    _refuse_closed_period(company, movement.account, movement.date)
    edit_guards.ensure_deletable(movement)  # sent to accounting once: reverse it instead
    if (
        movement.source != MovementSource.MANUAL
        or movement.cash_order_number is not None
        or movement.transfer_id
        or movement.reversal_of_id
        or movement.status == MovementStatus.REVERSED
    ):
        raise Conflict(_("This movement cannot be deleted: reverse it instead."))
    locked = money_locked_reason.collect(movement=movement)
    if locked:
        raise Conflict(" ".join(locked))
    _bump_month(company, movement.account_id, movement.date, -movement.amount)
    audit.record_delete(actor, company, "delete_movement", movement)
    movement.delete()
    tell_typed_gone(actor, movement.account, movement, movement.amount, movement.date)


@transaction.atomic
def reverse_movement(
    actor: Actor, movement: Movement, *, date: object, reason: str = ""
) -> list[Movement]:
    """Take a movement back with a new movement of the opposite amount dated in an open period.
    A transfer's legs are reversed together. Returns the new reversal movements."""
    company = movement.company
    legs = (
        list(Movement.objects.filter(company=company, transfer_id=movement.transfer_id))
        if movement.transfer_id
        else [movement]
    )
    for leg in legs:
        _ensure_can_move(actor, company, leg.account)
    accounts = locks.lock_accounts(company, [leg.account_id for leg in legs])
    errors = InvalidInput.collect()
    day = readers.field(errors, "date", readers.date, date)
    if not (reason or "").strip():
        errors.add("reason", _("Say why the movement is reversed."))
    errors.raise_if_any()
    assert day is not None
    created = []
    for leg in sorted(legs, key=lambda m: m.pk):
        leg = locks.lock_movement(company, leg.pk)
        account = accounts[leg.account_id]
        if leg.status == MovementStatus.REVERSED:
            raise Conflict(_("This movement is already reversed."))
        if leg.reversal_of_id:
            raise Conflict(_("A reversal cannot be reversed: enter a new movement instead."))
        held = money_locked_reason.collect(movement=leg)
        if held:  # a bank line's money, or a payment's: taken back where it is held
            raise Conflict(" ".join(held))
        if not account.is_active:
            raise InvalidInput(
                {"date": [_("The account %(name)s is closed.") % {"name": account.name}]}
            )
        if day < leg.date:
            raise InvalidInput({"date": [_("The reversal cannot be dated before the movement.")]})
        _refuse_closed_period(company, account, day)
        reversal = _insert_movement(
            actor,
            account,
            "reverse_movement",
            date=day,
            amount=-leg.amount,
            counterparty_name=leg.counterparty_name,
            counterparty_iban=leg.counterparty_iban,
            category=leg.category,
            description=(_("Reversal: %(reason)s") % {"reason": reason.strip()})[:500],
            source=leg.source if leg.source == MovementSource.CASH else MovementSource.MANUAL,
            reversal_of=leg,
            transfer=leg.transfer,
        )
        before = audit.snapshot(leg)
        leg.status = MovementStatus.REVERSED
        leg.save(update_fields=["status", "updated_at"])
        audit.record_update(actor, company, "reverse_movement", leg, before, reason=reason.strip())
        tell_typed_gone(actor, account, leg, leg.amount, leg.date)
        created.append(reversal)
    return created


@transaction.atomic
def add_attachment(actor: Actor, movement: Movement, upload: UploadedFile) -> MovementAttachment:
    company = movement.company
    _ensure_can_move(actor, company, movement.account)
    if not upload or not upload.name:
        raise InvalidInput({"file": [_("Choose a file.")]})
    if upload.size and upload.size > 10 * 1024 * 1024:
        raise InvalidInput({"file": [_("The file is larger than 10 MB.")]})
    attachment = MovementAttachment(company=company, movement=movement, name=upload.name[:200])
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit.record_create(actor, company, "add_attachment", attachment)
    return attachment
