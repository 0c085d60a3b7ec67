"""Background jobs of the payments area. Thin: they call actions; reruns are harmless (the
daily run is claimed per company and day, and each level reaches a document once)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.payments.actions import run_reminders
from xfinances.payments.models import DunningLevel, PaymentSettings, ReminderRun, RunKind


def companies_due(now: dt.datetime) -> list[Company]:
    """Companies with active reminder levels whose reminder hour has come today and whose
    scheduled run of today has not been claimed yet."""

    today = now.date()
    ids = set(
        DunningLevel.objects.filter(is_active=True).values_list("company_id", flat=True).distinct()
    )
    done = set(
        ReminderRun.objects.filter(
            company_id__in=ids, run_date=today, kind=RunKind.SCHEDULED
        ).values_list("company_id", flat=True)
    )
    hours = dict(
        PaymentSettings.objects.filter(company_id__in=ids).values_list(
            "company_id", "reminder_hour"
        )
    )
    off = set(
        PaymentSettings.objects.filter(company_id__in=ids, reminders_enabled=False).values_list(
            "company_id", flat=True
        )
    )
    due = [
        pk for pk in ids - done - off if now.hour >= hours.get(pk, PaymentSettings().reminder_hour)
    ]
    return list(Company.objects.filter(pk__in=due, is_active=True).order_by("pk"))


def run_due_reminders(now: dt.datetime | None = None) -> int:
    """Run today's reminders of every company that is due. Returns the e-mails queued."""

    now = timezone.localtime(now)
    sent = 0
    for company in companies_due(now):
        result = run_reminders(Actor.system(Source.TASK), company, now.date())
        sent += result.emails if result else 0
    return sent


@db_periodic_task(crontab(minute="*/10"))
def send_reminders_periodic() -> int:
    """Every ten minutes: the daily reminder run of each company once its hour has come (a
    worker that was down catches up at its next start)."""
    return run_due_reminders()
