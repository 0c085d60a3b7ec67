"""The invoices recurring templates will issue, as a source of the treasury forecast.

Registered in `InvoicingConfig.ready()` on `treasury.forecast_sources`. Each period an active
template will invoice in the window is expected to be paid on its period date + the client's
payment terms + the client's typical delay. The typical delay is learned from payments, which
stand above invoicing: payments answers the `client_payment_delays` hook below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xfinances.catalog.models import VatTreatment
from xfinances.core.events import Hook
from xfinances.core.models import Company
from xfinances.invoicing.models import RecurringInvoice
from xfinances.invoicing.schedule import periods_between
from xfinances.invoicing.totals import LineInput, compute_totals
from xfinances.treasury.forecast import ExpectedFlow, FlowKind

#: Each client's usual delay in paying, in whole days:
#: `provider(company=Company, party_ids=set[int])` → {party id: days}. Payments learns it from
#: the allocations; without a provider every client pays on time (0). When several answer, a
#: later provider's figure for a client replaces an earlier one.
client_payment_delays: Hook[dict[int, int]] = Hook("invoicing.client_payment_delays")


def payment_delays(company: Company, party_ids: Iterable[int]) -> dict[int, int]:
    """The typical days late of each of `party_ids` (0 for a client nobody knows about)."""
    wanted = set(party_ids)
    late = dict.fromkeys(wanted, 0)
    if not wanted:
        return late
    for answer in client_payment_delays.collect(company=company, party_ids=wanted):
        late.update({pk: days for pk, days in answer.items() if pk in wanted})
    return late


def recurring_total(company: Company, lines: list[dict[str, Any]], currency: str) -> Decimal:
    """The total (with VAT) an invoice from these template lines would have."""
    rates = {
        t.code: t.effective_rate
        for t in VatTreatment.objects.filter(
            company=company, code__in=[str(line.get("vat_treatment")) for line in lines]
        )
    }
    inputs = [
        LineInput(
            quantity=Decimal(str(line.get("quantity") or "1")),
            unit_price=Decimal(str(line.get("unit_price") or "0")),
            discount_percent=Decimal(str(line.get("discount_percent") or "0")),
            vat_rate=rates.get(str(line.get("vat_treatment")), Decimal("0")),
            vat_key=str(line.get("vat_treatment")),
        )
        for line in lines
    ]
    return compute_totals(inputs, Decimal("0"), currency).total if inputs else Decimal("0")


class RecurringInvoicesSource:
    """Invoices that active recurring templates will issue in the window, each expected to be
    paid on its period date + the client's payment terms + the client's typical delay."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        templates = list(
            RecurringInvoice.objects.filter(
                company=self.company, active=True, currency=self.currency
            )
            .exclude(next_period_start__isnull=True)
            .select_related("party")
            .order_by("id")
        )
        late = payment_delays(self.company, {t.party_id for t in templates})
        for template in templates:
            total = recurring_total(self.company, list(template.lines), self.currency)
            if not total:
                continue
            terms = (
                template.party.payment_terms_days
                if template.party.payment_terms_days is not None
                else self.company.payment_terms_days
            )
            shift = dt.timedelta(days=terms + late.get(template.party_id, 0))
            assert template.next_period_start is not None
            for period in periods_between(
                template.next_period_start, template.schedule, template.day_of_month, end
            ):
                if template.end_date and period > template.end_date:
                    break
                expected = period + shift
                if expected < start or expected > end:
                    continue
                try:
                    url = reverse("invoicing:recurring_detail", args=[self.eik, template.pk])
                except NoReverseMatch:
                    url = ""
                yield ExpectedFlow(
                    date=expected,
                    amount=total,
                    currency=self.currency,
                    group=None,
                    label=_("Recurring: %(name)s") % {"name": template.name},
                    url=url,
                    kind=FlowKind.RECURRING_INVOICE,
                )


def forecast_sources(company: Company, currency: str) -> list[RecurringInvoicesSource]:
    """The provider of `treasury.forecast_sources`."""
    return [RecurringInvoicesSource(company, currency, company.eik)]
