"""The VAT period close: a closed month's documents are locked; an owner may reopen it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.accounting import queries
from xfinances.accounting.actions.common import refused
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import PeriodReopenInput
from xfinances.accounting.models import (
    VatPeriodClose,
)
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can


@transaction.atomic
def close_vat_period(actor: Actor, company: Company, period: Period) -> VatPeriodClose:
    """Lock the period's documents (the company's lock date moves to the period's last day),
    and record who closed it and when. Refused with drafts or unexportable documents."""
    ensure_can(actor, company, "accounting.close_period")
    company = Company.objects.select_for_update().get(pk=company.pk)
    if queries.open_close(company, period) is not None:
        raise Conflict(_("%(period)s is already closed.") % {"period": period.label})
    view = queries.ledger_view(company, period, max_rows=0)
    if view.errors:
        raise refused(view.errors)
    close = VatPeriodClose.objects.create(
        company=company,
        period=period.code,
        closed_by=actor.user,
        previous_lock_date=company.lock_date,
    )
    before = audit.snapshot(company)
    if company.lock_date is None or company.lock_date < period.last:
        company.lock_date = period.last
        company.save(update_fields=["lock_date"])
        audit.record_update(actor, company, "close_vat_period", company, before)
    audit.record_create(actor, company, "close_vat_period", close)
    return close


@transaction.atomic
def reopen_vat_period(
    actor: Actor, close: VatPeriodClose, data: PeriodReopenInput
) -> VatPeriodClose:
    """An owner reopens a closed month (audited, with the reason): the lock date goes back to
    where it was before the close, when the close is the latest."""
    ensure_can(actor, close.company, "accounting.reopen_period")
    reason = data.reason
    close = VatPeriodClose.objects.select_for_update().get(pk=close.pk)
    if close.reopened_at is not None:
        raise Conflict(_("The period was already reopened."))
    company = Company.objects.select_for_update().get(pk=close.company_id)
    period = Period.parse(close.period)
    before_close = audit.snapshot(close)
    close.reopened_at = timezone.now()
    close.reopened_by = actor.user
    close.reopen_reason = reason
    close.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record_update(actor, company, "reopen_vat_period", close, before_close, reason)
    if company.lock_date == period.last:
        before = audit.snapshot(company)
        company.lock_date = close.previous_lock_date
        company.save(update_fields=["lock_date"])
        audit.record_update(actor, company, "reopen_vat_period", company, before, reason)
    return close
