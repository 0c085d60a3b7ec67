"""The account mapping: the accounts of the journal entries, the VAT return's submitter and the
partial credit coefficient."""

from __future__ import annotations

from django.db import transaction

from xfinances.accounting import queries
from xfinances.accounting.inputs import AccountMappingInput
from xfinances.accounting.models import AccountMappingSettings
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import Changes
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can


@transaction.atomic
def update_account_mapping(
    actor: Actor, company: Company, changes: Changes[AccountMappingInput]
) -> AccountMappingSettings:
    """Change accounts (any of AccountMapping's fields, `revenue` as {treatment code: account}),
    the VAT return's submitter and the partial credit coefficient. Refused, naming each field,
    when an account of the resulting mapping is empty or not a number."""
    ensure_can(actor, company, "accounting.settings")
    row = AccountMappingSettings.objects.select_for_update().filter(company=company).first()
    row = row or AccountMappingSettings.objects.create(company=company)
    before = audit.snapshot(row)
    for name, value in changes.items():
        setattr(row, name, value)
    errors = InvalidInput.collect()
    for field, message in queries.mapping_from(row).problems().items():
        errors.add(field, message)
    errors.raise_if_any()
    row.save()
    audit.record_update(actor, company, "update_account_mapping", row, before)
    return row
