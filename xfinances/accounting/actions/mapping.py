"""The account mapping: the accounts of the journal entries, the VAT return's submitter and the
partial credit coefficient."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.accounting import queries
from xfinances.accounting.models import (
    AccountMappingSettings,
)
from xfinances.accounting.records import AccountMapping
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can


@transaction.atomic
def update_account_mapping(actor: Actor, company: Company, **data: Any) -> AccountMappingSettings:
    """Change accounts (any of AccountMapping's fields, `revenue` as {treatment code: account}),
    the VAT return's submitter and the partial credit coefficient."""
    ensure_can(actor, company, "accounting.settings")
    row = AccountMappingSettings.objects.select_for_update().filter(company=company).first()
    row = row or AccountMappingSettings.objects.create(company=company)
    before = audit.snapshot(row)
    errors = InvalidInput.collect()
    for name in AccountMapping.SIMPLE_FIELDS:
        if name in data:
            setattr(row, name, str(data.pop(name) or "").strip())
    if "revenue" in data:
        revenue = data.pop("revenue") or {}
        row.revenue = {str(k): str(v).strip() for k, v in revenue.items() if str(v).strip()}
    if "submitter" in data:
        row.submitter = str(data.pop("submitter") or "").strip()[:50]
    if "credit_coefficient" in data:
        try:
            coefficient = Decimal(str(data.pop("credit_coefficient") or "0"))
        except ArithmeticError:
            coefficient = Decimal(-1)
        if not Decimal(0) <= coefficient <= Decimal(1):
            errors.add("credit_coefficient", _("Give a coefficient from 0.00 to 1.00."))
        else:
            row.credit_coefficient = coefficient.quantize(Decimal("0.01"))
    for unknown in data:
        errors.add(unknown, _("Unknown field."))
    for field, message in queries.mapping_from(row).problems().items():
        errors.add(field, message)
    errors.raise_if_any()
    row.save()
    audit.record_update(actor, company, "update_account_mapping", row, before)
    return row
