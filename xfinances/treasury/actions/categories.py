"""Cash-flow categories: the defaults of a new company, create and update."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.treasury import balances
from xfinances.treasury.models import (
    CashflowCategory,
)

DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("sales", "Продажби"),
    ("suppliers", "Доставчици"),
    ("salaries", "Заплати"),
    ("taxes", "Данъци"),
    ("loans", "Кредити"),
    ("rent", "Наем"),
    ("internal", "Вътрешни трансфери"),
    ("bank_fees", "Банкови такси"),
    ("interest", "Лихви"),
    ("cards", "Картови плащания"),
    ("rounding", "Закръгления и курсови разлики"),
    ("other", "Други"),
]


def ensure_default_categories(company: Company) -> None:
    """Seed the default cash-flow categories once (idempotent)."""
    existing = set(CashflowCategory.objects.filter(company=company).values_list("code", flat=True))
    for code, name in DEFAULT_CATEGORIES:
        if code not in existing:
            CashflowCategory.objects.create(company=company, code=code, name=name)


def _category_by_code(company: Company, code: str) -> CashflowCategory | None:
    ensure_default_categories(company)
    return CashflowCategory.objects.filter(company=company, code=code).first()


@transaction.atomic
def create_category(
    actor: Actor, company: Company, *, name: str, parent: CashflowCategory | None = None
) -> CashflowCategory:
    ensure_can(actor, company, "treasury.change")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter the category's name.")]})
    if parent is not None and parent.company_id != company.pk:
        raise InvalidInput({"parent": [_("No such category.")]})
    category = CashflowCategory.objects.create(company=company, name=name[:120], parent=parent)
    audit.record_create(actor, company, "create_category", category)
    return category


@transaction.atomic
def update_category(
    actor: Actor,
    category: CashflowCategory,
    *,
    name: str | None = None,
    parent: CashflowCategory | object | None = ...,
    is_active: bool | None = None,
) -> CashflowCategory:
    """Rename, move or (de)activate a category. An inactive category keeps its movements and
    reports but cannot be chosen for new movements or planned items."""
    company = category.company
    ensure_can(actor, company, "treasury.change")
    category = CashflowCategory.objects.select_for_update().get(company=company, pk=category.pk)
    errors = InvalidInput.collect()
    before = audit.snapshot(category)
    if name is not None:
        name = name.strip()
        if not name:
            errors.add("name", _("Enter the category's name."))
        category.name = name[:120]
    if parent is not ...:
        if parent is not None and (
            not isinstance(parent, CashflowCategory) or parent.company_id != company.pk
        ):
            errors.add("parent", _("No such category."))
        elif isinstance(parent, CashflowCategory):
            parents = dict(
                CashflowCategory.objects.filter(company=company).values_list("id", "parent_id")
            )
            if balances.would_make_cycle(parents, category.pk, parent.pk):
                errors.add("parent", _("A category cannot be placed under itself."))
            category.parent = parent
        else:
            category.parent = None
    if is_active is not None:
        category.is_active = bool(is_active)
    errors.raise_if_any()
    category.save()
    audit.record_update(actor, company, "update_category", category, before)
    return category


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual cash-flow categories."""
    ensure_default_categories(event.company)
