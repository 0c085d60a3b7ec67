"""The daily payment alerts of supplier documents (one digest e-mail per person)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xfinances.core import formatting
from xfinances.core.models import Company, User
from xfinances.notifications.actions import notify, queue_email
from xfinances.purchases import alerts, queries
from xfinances.purchases.actions.common import (
    invoice_url,
)
from xfinances.purchases.models import (
    ApprovalStatus,
    SupplierAlert,
    SupplierAlertRun,
    SupplierInvoice,
)

# --- daily payment alerts ----------------------------------------------------------------------


def _open_invoice(invoice: SupplierInvoice) -> alerts.OpenInvoice:
    return alerts.OpenInvoice(
        id=invoice.pk,
        label=f"{invoice.supplier.name} № {invoice.supplier_number}",
        due_date=invoice.due_date,
        remaining=invoice.remaining,
        currency=invoice.currency,
        responsible_id=invoice.responsible_id,
        approver_id=invoice.approver_id,
        approval_pending=invoice.approval_status == ApprovalStatus.PENDING,
    )


def _alert_line(alert: alerts.PlannedAlert) -> str:
    invoice = alert.invoice
    amount = formatting.money(invoice.remaining, invoice.currency)
    due = formatting.date(invoice.due_date)
    days = abs(alert.days)
    values = {"invoice": invoice.label, "amount": amount, "due": due, "days": days}
    if alert.kind == alerts.DUE_SOON:
        return (
            ngettext(
                "%(invoice)s: %(amount)s due on %(due)s (in %(days)s day).",
                "%(invoice)s: %(amount)s due on %(due)s (in %(days)s days).",
                days,
            )
            % values
        )
    if alert.kind == alerts.DUE_TODAY:
        return _("%(invoice)s: %(amount)s due today.") % values
    if alert.kind == alerts.OVERDUE:
        return _("%(invoice)s: %(amount)s overdue since %(due)s.") % values
    if alert.kind == alerts.ESCALATED:
        return (
            ngettext(
                "%(invoice)s: %(amount)s still unpaid %(days)s day after %(due)s.",
                "%(invoice)s: %(amount)s still unpaid %(days)s days after %(due)s.",
                days,
            )
            % values
        )
    return _("%(invoice)s: waits for your approval; due on %(due)s.") % values


def _send_digest(company: Company, user: User, lines: list[str], today: dt.date) -> bool:
    """The e-mail digest through the notifications outbox (one per user, company and day:
    the idempotency key makes a second worker's copy a no-op)."""
    if not user.email:
        return False
    with translation.override(user.language or "bg"):
        subject = _("Supplier payments: %(count)s to look at (%(company)s)") % {
            "count": len(lines),
            "company": company.name,
        }
        link = f"{settings.BASE_URL}{reverse('purchases:due', args=[company.eik])}"
        text = "\n".join(
            [_("Supplier invoices that need you:"), "", *[f"- {line}" for line in lines], "", link]
        )

    _message, created = queue_email(
        company,
        to=[user.email],
        subject=subject,
        body_text=text + "\n",
        kind="supplier_alerts",
        idempotency_key=f"supplier-alerts:{today.isoformat()}:{user.pk}",
    )
    return created


@dataclass
class AlertRunResult:
    claimed: bool
    alerts: int = 0
    emails: int = 0


@transaction.atomic
def run_supplier_alerts(company: Company, today: dt.date) -> AlertRunResult:
    """The daily run for one company. Claims (company, day) first: a second worker, or a rerun
    the same day, finds the claim and does nothing. One transaction: a crash leaves no claim
    and no alert, so the next run sends everything."""
    try:
        with transaction.atomic():
            run = SupplierAlertRun.objects.create(company=company, run_date=today)
    except IntegrityError:
        return AlertRunResult(claimed=False)
    config = queries.settings_of(company)
    open_invoices = list(queries.open_payables(company).select_related("supplier"))
    sent = set(
        SupplierAlert.objects.filter(company=company, invoice__in=open_invoices).values_list(
            "invoice_id", "kind"
        )
    )
    planned = alerts.plan_alerts(
        (_open_invoice(invoice) for invoice in open_invoices),
        alerts.AlertSettings(
            config.alert_days_before, config.escalation_days, config.approval_alert_days
        ),
        sent,
        queries.owner_ids(company),
        today,
    )
    by_id = {invoice.pk: invoice for invoice in open_invoices}
    for alert in planned:
        SupplierAlert.objects.create(
            company=company,
            invoice_id=alert.invoice.id,
            kind=alert.kind,
            run_date=today,
            recipients=list(alert.recipients),
        )
    users = {
        u.pk: u for u in User.objects.filter(pk__in={r for a in planned for r in a.recipients})
    }
    emails = 0

    for digest in alerts.digests(planned):
        user = users.get(digest.user_id)
        if user is None or not user.is_active:
            continue
        with translation.override(user.language or "bg"):
            lines = [_alert_line(item) for item in digest.items]
            for item in digest.items:
                invoice = by_id[item.invoice.id]
                notify(
                    company,
                    [user],
                    f"supplier_{item.kind}",
                    _alert_line(item),
                    link=invoice_url(invoice),
                )
        if _send_digest(company, user, lines, today):
            emails += 1
    run.alerts_sent = len(planned)
    run.emails_queued = emails
    run.save(update_fields=["alerts_sent", "emails_queued"])
    return AlertRunResult(claimed=True, alerts=len(planned), emails=emails)
