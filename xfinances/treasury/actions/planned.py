"""Planned items of the forecast: create, update, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, readers
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
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

PLANNED_FIELDS = (
    "name",
    "direction",
    "amount",
    "currency",
    "account",
    "category",
    "schedule",
    "day",
    "start_date",
    "end_date",
    "is_active",
)


def _clean_planned(
    company: Company, data: dict[str, Any], item: PlannedItem | None
) -> dict[str, Any]:
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = (data["name"] or "").strip()[:200]
        if not clean["name"]:
            errors.add("name", _("Enter a name, e.g. Salaries."))
    if "amount" in data or "direction" in data:
        amount = (
            readers.field(
                errors,
                "amount",
                readers.amount,
                data.get("amount", abs(item.amount) if item else ""),
                allow_negative=True,
            )
            or ZERO
        )
        direction = data.get("direction") or (("in" if item.amount > 0 else "out") if item else "")
        clean["amount"] = _signed(direction, amount, errors)
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
    if "category" in data:
        keep = item.category_id if item else None
        clean["category"] = _resolve_category(company, data["category"], errors, keep_id=keep)
    if "schedule" in data:
        if data["schedule"] not in Schedule.values:
            errors.add("schedule", _("Choose how often it repeats."))
        clean["schedule"] = data["schedule"]
    if "start_date" in data:
        clean["start_date"] = readers.field(errors, "start_date", readers.date, data["start_date"])
    if "end_date" in data:
        clean["end_date"] = (
            None
            if data["end_date"] in (None, "")
            else readers.field(errors, "end_date", readers.date, data["end_date"])
        )
    schedule = clean.get("schedule") or (item.schedule if item else "")
    if "day" in data or "schedule" in data:
        raw_day = data.get("day", item.day if item else None)
        try:
            day = int(str(raw_day))
        except ValueError:
            day = 0
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
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    errors.raise_if_any()
    return clean


@transaction.atomic
def create_planned_item(actor: Actor, company: Company, **data: Any) -> PlannedItem:
    """A recurring expected flow for the forecast: positive `amount` with `direction` in/out."""
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, PLANNED_FIELDS, "planned item")
    for key in ("name", "direction", "amount", "schedule", "day", "start_date"):
        data.setdefault(key, "")
    clean = _clean_planned(company, data, None)
    item = PlannedItem.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_planned_item", item)
    return item


@transaction.atomic
def update_planned_item(actor: Actor, item: PlannedItem, **data: Any) -> PlannedItem:
    company = item.company
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, PLANNED_FIELDS, "planned item")
    item = PlannedItem.objects.select_for_update().get(company=company, pk=item.pk)
    clean = _clean_planned(company, data, item)
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
