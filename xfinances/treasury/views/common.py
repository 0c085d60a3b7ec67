"""Helpers shared by the pages of this package."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.forms import apply_errors
from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import queries
from xfinances.treasury.models import MoneyAccount


def _access(request: CompanyRequest) -> queries.AccountAccessMap:
    return queries.access_map(request.company, request.user.pk, request.role)


def _role_can(request: CompanyRequest, permission: str) -> bool:
    return can(request.role, permission)


def _date_param(request: HttpRequest, name: str, default: dt.date | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _movable(request: CompanyRequest) -> list[MoneyAccount]:
    access = _access(request)
    accounts = (
        queries.visible_accounts(request.company, access).filter(is_active=True).order_by("name")
    )
    return [a for a in accounts if access.can_move(a.pk)]


def _refused(request: HttpRequest, form: Any, error: Exception) -> None:
    if isinstance(error, InvalidInput | Conflict):
        apply_errors(form, error)
    else:
        form.add_error(None, str(error))


CURRENCIES = ["EUR", "BGN", "USD", "GBP", "CHF", "RON", "TRY"]


def _currency(request: CompanyRequest) -> str:
    currency = request.GET.get("currency", "")
    return currency if currency in CURRENCIES else request.company.default_currency
