"""Background jobs of the purchases area. Thin: they call actions; reruns are harmless."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xfinances.core.models import Company
from xfinances.purchases.actions import run_supplier_alerts

log = logging.getLogger(__name__)


def run_all_companies(today: dt.date | None = None) -> int:
    """The daily supplier payment alerts of every active company; returns the alerts sent.
    Each company's run claims (company, day): a second worker or a rerun sends nothing."""
    day = today or timezone.localdate()
    sent = 0
    for company_id in Company.objects.filter(is_active=True).values_list("pk", flat=True):
        company = Company.objects.get(pk=company_id)
        try:
            sent += run_supplier_alerts(company, day).alerts
        except Exception:  # one company's failure must not stop the others; rerun retries it
            log.exception("supplier alerts failed for company %s", company_id)
    return sent


@db_periodic_task(crontab(hour="6", minute="30"))
def supplier_payment_alerts() -> int:
    """Every morning: alerts before, on and after the due date, escalation, approvals."""
    return run_all_companies()
