"""Provider of payments' `waiting_bank_lines`: the bank lines in the review queue that may pay
a document, named on its payments panel so nobody types the money in a second time."""

from __future__ import annotations

from django.urls import reverse

from xfinances.banking import queries
from xfinances.invoicing.models import Document
from xfinances.payments.events import WaitingLine


def waiting_lines(document: Document) -> list[WaitingLine]:
    review = reverse("banking:review", args=[document.company.eik])
    return [
        WaitingLine(
            day=entry.booking_date,
            amount=entry.amount,
            currency=entry.currency,
            counterparty=entry.counterparty_name or "—",
            url=f"{review}#entry-{entry.pk}",
        )
        for entry in queries.lines_proposing(document)
    ]
