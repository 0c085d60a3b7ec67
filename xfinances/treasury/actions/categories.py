"""Cash-flow categories: the defaults of a new company, create and update."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
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


def _name(value: object) -> str:
    name = readers.text(value, max_length=limit_of(CashflowCategory, "name"))
    if not name:
        raise readers.ReadError(_lazy("Enter the category's name."))
    return name


@dataclass(frozen=True, kw_only=True)
class CategoryInput(ActionInput):
    """A cash-flow category: `parent` is one of the company's categories, or None (top)."""

    name: str = reads(_name, default="")
    parent: CashflowCategory | None = reads(inputs.as_is, default=None)
    is_active: bool = reads(inputs.flag, default=True)


def _check_parent(
    company: Company, category: CashflowCategory | None, parent: object, errors: ErrorCollector
) -> None:
    if parent is None:
        return
    if not isinstance(parent, CashflowCategory) or parent.company_id != company.pk:
        errors.add("parent", _("No such category."))
        return
    if category is not None:
        parents = dict(
            CashflowCategory.objects.filter(company=company).values_list("id", "parent_id")
        )
        if balances.would_make_cycle(parents, category.pk, parent.pk):
            errors.add("parent", _("A category cannot be placed under itself."))


@transaction.atomic
def create_category(actor: Actor, company: Company, data: CategoryInput) -> CashflowCategory:
    ensure_can(actor, company, "treasury.change")
    errors = InvalidInput.collect()
    if not data.name:
        errors.add("name", _("Enter the category's name."))
    _check_parent(company, None, data.parent, errors)
    errors.raise_if_any()
    category = CashflowCategory.objects.create(
        company=company, name=data.name, parent=data.parent, is_active=data.is_active
    )
    audit.record_create(actor, company, "create_category", category)
    return category


@transaction.atomic
def update_category(
    actor: Actor, category: CashflowCategory, changes: Changes[CategoryInput]
) -> CashflowCategory:
    """Rename, move or (de)activate a category. An inactive category keeps its movements and
    reports but cannot be chosen for new movements or planned items."""
    company = category.company
    ensure_can(actor, company, "treasury.change")
    category = CashflowCategory.objects.select_for_update().get(company=company, pk=category.pk)
    errors = InvalidInput.collect()
    if "name" in changes and not changes.values.name:
        errors.add("name", _("Enter the category's name."))
    if "parent" in changes:
        _check_parent(company, category, changes.values.parent, errors)
    errors.raise_if_any()
    before = audit.snapshot(category)
    for name, value in changes.items():
        setattr(category, name, value)
    category.save()
    audit.record_update(actor, company, "update_category", category, before)
    return category


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual cash-flow categories."""
    ensure_default_categories(event.company)
