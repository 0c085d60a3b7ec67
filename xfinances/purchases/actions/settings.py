"""Purchase categories and the purchases settings of a company (seeded once, when the
company is created)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.inputs import Changes
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.purchases import queries
from xfinances.purchases.actions.common import (
    DEFAULT_CATEGORIES,
)
from xfinances.purchases.inputs import PurchaseSettingsInput
from xfinances.purchases.models import (
    PurchaseCategory,
    PurchaseSettings,
)

# --- categories and settings -------------------------------------------------------------------


@transaction.atomic
def ensure_purchase_categories(actor: Actor, company: Company) -> int:
    """Seed the default categories once (a company with any category keeps its own list)."""
    if PurchaseCategory.objects.filter(company=company).exists():
        return 0
    for order, name in enumerate(DEFAULT_CATEGORIES, start=1):
        PurchaseCategory.objects.get_or_create(
            company=company, name=_(name), defaults={"sort_order": order * 10}
        )
    return len(DEFAULT_CATEGORIES)


@transaction.atomic
def create_purchase_category(actor: Actor, company: Company, name: str) -> PurchaseCategory:
    ensure_can(actor, company, "purchases.approve")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter a name.")]})
    if PurchaseCategory.objects.filter(company=company, name__iexact=name).exists():
        raise Conflict(_("A category with this name exists."), field="name")
    category = PurchaseCategory.objects.create(company=company, name=name[:100])
    audit.record_create(actor, company, "create_purchase_category", category)
    return category


@transaction.atomic
def update_purchase_category(
    actor: Actor, category: PurchaseCategory, *, name: str, is_active: bool = True
) -> PurchaseCategory:
    ensure_can(actor, category.company, "purchases.approve")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter a name.")]})
    clash = PurchaseCategory.objects.filter(company=category.company, name__iexact=name)
    if clash.exclude(pk=category.pk).exists():
        raise Conflict(_("A category with this name exists."), field="name")
    before = audit.snapshot(category)
    category.name, category.is_active = name[:100], is_active
    category.save()
    audit.record_update(actor, category.company, "update_purchase_category", category, before)
    return category


@transaction.atomic
def update_purchase_settings(
    actor: Actor, company: Company, changes: Changes[PurchaseSettingsInput]
) -> PurchaseSettings:
    """Change the given settings; the company's row is created on its first change."""
    ensure_can(actor, company, "purchases.approve")
    current = queries.settings_of(company)
    before = audit.snapshot(current) if current.pk else {}
    for name, value in changes.items():
        setattr(current, name, value)
    current.save()
    if before:
        audit.record_update(actor, company, "update_purchase_settings", current, before)
    else:
        audit.record_create(actor, company, "update_purchase_settings", current)
    return current


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual purchase categories."""
    ensure_purchase_categories(event.actor, event.company)
