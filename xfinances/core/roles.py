"""Roles inside a company and what each may do.

One table decides every permission; the UI, the API and the CLI all ask `can()`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "Owner")
    ACCOUNTANT = "accountant", pgettext_lazy("role", "Accountant")
    SALES = "sales", pgettext_lazy("role", "Sales")
    PURCHASING = "purchasing", pgettext_lazy("role", "Purchasing")
    VIEWER = "viewer", pgettext_lazy("role", "Viewer")


_ALL = frozenset(Role)
_STAFF = frozenset({Role.OWNER, Role.ACCOUNTANT})

# permission -> roles that hold it. Keep names "<area>.<verb>".
PERMISSIONS: dict[str, frozenset[Role]] = {
    "company.view": _ALL,
    "company.change": frozenset({Role.OWNER}),
    "members.view": _ALL,
    "members.manage": frozenset({Role.OWNER}),
    "audit.view": _STAFF,
    "parties.view": _ALL,
    "parties.change": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES, Role.PURCHASING}),
    "parties.delete": _STAFF,
    "parties.import": _STAFF,
    "rates.view": _ALL,
    "rates.change": _STAFF,
    "documents.view": _ALL,
    "documents.change": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES}),
    "documents.void": _STAFF,
    "documents.settings": _STAFF,
    "purchases.view": _ALL,
    "purchases.change": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.PURCHASING}),
    "purchases.approve": _STAFF,
    "purchases.pay": _STAFF,
    # paying a supplier whose IBAN changed recently: a classic fraud, so the owner decides
    "purchases.confirm_iban": frozenset({Role.OWNER}),
    "treasury.view": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.VIEWER}),
    "treasury.change": _STAFF,
    "treasury.all_accounts": _STAFF,
    "treasury.close_period": _STAFF,
    "treasury.reopen_period": frozenset({Role.OWNER}),
    "settings.change": frozenset({Role.OWNER}),
    "catalog.view": _ALL,
    "catalog.change": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES}),
    "delivery.view": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES}),
    "delivery.send": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES}),
    "delivery.settings": _STAFF,
    "webhooks.manage": frozenset({Role.OWNER}),
    "payments.view": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES, Role.VIEWER}),
    "payments.change": _STAFF,
    "dunning.manage": _STAFF,
    "portal.manage": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.SALES}),
    # accounting exports, VAT ledgers and the VAT period close
    "accounting.view": frozenset({Role.OWNER, Role.ACCOUNTANT, Role.VIEWER}),
    "accounting.export": _STAFF,
    "accounting.settings": _STAFF,
    "accounting.close_period": _STAFF,
    "accounting.reopen_period": frozenset({Role.OWNER}),
}


def can(role: str | None, permission: str) -> bool:
    """True when `role` holds `permission`. Unknown permissions are a programming error."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role is not None and role in PERMISSIONS[permission]


def permissions_of(role: str) -> frozenset[str]:
    return frozenset(name for name, roles in PERMISSIONS.items() if role in roles)
