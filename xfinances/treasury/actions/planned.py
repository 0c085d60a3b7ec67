"""Planned items of the forecast: create, update, delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company, Currency
from xfinances.core.money import ZERO
from xfinances.core.permissions import ensure_can
from xfinances.treasury.actions.common import _resolve_category, _signed
from xfinances.treasury.models import (
    MoneyAccount,
    PlannedItem,
    Schedule,
)

# ---------------------------------------------------------------- planned items (forecast)


@dataclass(frozen=True, kw_only=True)
class PlannedItemInput(ActionInput):
    """A planned item: a positive `amount` with its `direction`; `account` (a MoneyAccount or
    its id) and `category` (a CashflowCategory or its id) are optional."""

    name: str = reads(inputs.text(max_length=200, required=True), default="")
    direction: str = reads(
        inputs.choice(["in", "out"], _lazy("Choose money in or money out.")), default=""
    )
    amount: Decimal = reads(inputs.amount(positive=True), default=Decimal(0))
    currency: str = reads(
        inputs.choice(["", *Currency.values], _lazy("Unknown currency."), upper=True), default=""
    )
    account: object = reads(inputs.as_is, default=None)
    category: object = reads(inputs.as_is, default=None)
    schedule: str = reads(
        inputs.choice(Schedule.values, _lazy("Choose how often it repeats.")), default=""
    )
    day: int = reads(inputs.integer(1, 31), default=0)
    start_date: dt.date | None = reads(inputs.date, default=None)
    end_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    is_active: bool = reads(inputs.flag, default=True)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        if values.get("schedule") == Schedule.WEEKLY and values.get("day", 1) > 7:
            errors.add("day", _("A weekly item needs a weekday 1 (Monday) to 7 (Sunday)."))
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            errors.add("end_date", _("The end is before the start."))


PLANNED_FIELDS = PlannedItemInput.field_names()


def _clean_planned_account(
    company: Company,
    data: dict[str, Any],
    item: PlannedItem | None,
    clean: dict[str, Any],
    errors: ErrorCollector,
) -> None:
    """The item's account (optional) and its currency: an account's own, else the company's."""
    if "account" in data:
        account = data["account"]
        if account in (None, ""):
            clean["account"] = None
        else:
            account_id = account.pk if isinstance(account, MoneyAccount) else account
            found = (
                MoneyAccount.objects.filter(company=company, pk=int(str(account_id))).first()
                if str(account_id).isdigit()
                else None
            )
            if found is None:
                errors.add("account", _("No such account."))
            clean["account"] = found
    if data.get("currency"):
        if data["currency"] not in Currency.values:
            errors.add("currency", _("Unknown currency."))
        clean["currency"] = data["currency"]
    account = clean.get("account", item.account if item else None)
    currency = clean.get("currency") or (item.currency if item else "")
    if account is not None:
        if currency and currency != account.currency and "currency" not in errors.errors:
            errors.add(
                "currency",
                _("The account holds %(currency)s only.") % {"currency": account.currency},
            )
        clean["currency"] = account.currency
    elif not currency:
        clean["currency"] = company.default_currency


def _clean_planned(
    company: Company, data: dict[str, Any], item: PlannedItem | None
) -> dict[str, Any]:
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = data["name"]
    if "amount" in data or "direction" in data:
        amount = data.get("amount", abs(item.amount) if item else ZERO)
        direction = data.get("direction") or (("in" if item.amount > 0 else "out") if item else "")
        clean["amount"] = _signed(direction, amount, errors)
    _clean_planned_account(company, data, item, clean, errors)
    if "category" in data:
        keep = item.category_id if item else None
        clean["category"] = _resolve_category(company, data["category"], errors, keep_id=keep)
    for name in ("schedule", "start_date", "end_date", "is_active"):
        if name in data:
            clean[name] = data[name]
    schedule = clean.get("schedule") or (item.schedule if item else "")
    if "day" in data or "schedule" in data:
        day = data.get("day", item.day if item else 0)
        top = 7 if schedule == Schedule.WEEKLY else 31
        if not 1 <= day <= top:
            errors.add(
                "day",
                _("A weekly item needs a weekday 1 (Monday) to 7 (Sunday).")
                if schedule == Schedule.WEEKLY
                else _("Enter a day of the month from 1 to 31."),
            )
        clean["day"] = day
    start = clean.get("start_date") or (item.start_date if item else None)
    end = clean.get("end_date", item.end_date if item else None)
    if start and end and end < start:
        errors.add("end_date", _("The end is before the start."))
    errors.raise_if_any()
    return clean


@transaction.atomic
def create_planned_item(actor: Actor, company: Company, data: PlannedItemInput) -> PlannedItem:
    """A recurring expected flow for the forecast: positive `amount` with `direction` in/out."""
    ensure_can(actor, company, "treasury.change")
    clean = _clean_planned(company, asdict(data), None)
    item = PlannedItem.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_planned_item", item)
    return item


@transaction.atomic
def update_planned_item(
    actor: Actor, item: PlannedItem, changes: Changes[PlannedItemInput]
) -> PlannedItem:
    company = item.company
    ensure_can(actor, company, "treasury.change")
    item = PlannedItem.objects.select_for_update().get(company=company, pk=item.pk)
    clean = _clean_planned(company, dict(changes.items()), item)
    before = audit.snapshot(item)
    for key, value in clean.items():
        setattr(item, key, value)
    item.save()
    audit.record_update(actor, company, "update_planned_item", item, before)
    return item


@transaction.atomic
def delete_planned_item(actor: Actor, item: PlannedItem) -> None:
    company = item.company
    ensure_can(actor, company, "treasury.change")
    audit.record_delete(actor, company, "delete_planned_item", item)
    item.delete()
