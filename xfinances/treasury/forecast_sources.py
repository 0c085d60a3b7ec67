"""Where the forecast's expected flows come from (database reads; the arithmetic is forecast.py).

Treasury owns one source, the planned items the user enters. Every other source lives in the
app that owns its documents and answers the `forecast_sources` hook from its `AppConfig.ready()`
(treasury stands below them and imports none of them):

- payments: open sales invoices and notes by due date, shifted by each client's typical days
  late (learned from its payments) — `payments/forecast.py`;
- invoicing: the invoices recurring templates will issue, expected on their period date plus
  the client's payment terms and typical delay — `invoicing/forecast.py`;
- purchases: open supplier invoices by due date — `purchases/forecast.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from django.urls import reverse

from xfinances.core.events import Hook
from xfinances.core.models import Company
from xfinances.treasury.forecast import ExpectedFlow, FlowKind, ForecastSource, occurrences
from xfinances.treasury.models import PlannedItem

# Documents due longer ago than this are left out of the forecast, so that years of unpaid
# history do not pile into week 1. The sources of the apps above treasury use it.
OPEN_INVOICE_LOOKBACK_DAYS = 90

#: Sources of expected flows that are tied to no money account (documents: we do not know where
#: a client will pay), so every flow they yield has `group=None`. Asked only for a user who sees
#: every account. `provider(company=Company, currency=str)` returns ForecastSources (or None).
forecast_sources: Hook[ForecastSource] = Hook("treasury.forecast_sources")


class PlannedItemSource:
    """The company's active planned items expanded over the window. `groups` maps an account id
    to its top-level account id (the forecast group); items on an account outside `groups`
    (not visible to the user) are left out."""

    def __init__(
        self,
        company: Company,
        currency: str,
        groups: Mapping[int, int],
        eik: str,
        include_unassigned: bool = True,
    ) -> None:
        self.company, self.currency, self.groups, self.eik = company, currency, groups, eik
        self.include_unassigned = include_unassigned

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        items = PlannedItem.objects.filter(
            company=self.company, is_active=True, currency=self.currency
        ).order_by("id")
        url = reverse("treasury:planned", args=[self.eik])
        for item in items:
            if item.account_id is None and not self.include_unassigned:
                continue
            if item.account_id is not None and item.account_id not in self.groups:
                continue
            group = self.groups.get(item.account_id) if item.account_id else None
            for day in occurrences(
                item.schedule, item.day, item.start_date, item.end_date, start, end
            ):
                yield ExpectedFlow(
                    date=day,
                    amount=item.amount,
                    currency=item.currency,
                    group=group,
                    label=item.name,
                    url=f"{url}#planned-{item.pk}",
                    kind=FlowKind.PLANNED,
                )


def sources_for(
    company: Company, currency: str, groups: Mapping[int, int], include_unassigned: bool
) -> list[ForecastSource]:
    """Every source that applies: the planned items, and for users who see every account the
    unassigned flows (documents, not tied to an account) of the apps above treasury."""
    found: list[ForecastSource] = [
        PlannedItemSource(company, currency, groups, company.eik, include_unassigned)
    ]
    if include_unassigned:
        found.extend(forecast_sources.collect(company=company, currency=currency))
    return found
