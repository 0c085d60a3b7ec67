"""Bank lines named on the pages of the apps below: the lines in the review queue that may pay a
document (payments' `waiting_bank_lines`, on its payments panel, so nobody types the money in a
second time), and the line whose money a movement is (treasury's `movement_links`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xfinances.banking import queries
from xfinances.banking.models import BankEntry
from xfinances.core import formatting
from xfinances.invoicing.models import Document
from xfinances.payments.events import WaitingLine
from xfinances.treasury.events import MovementLink
from xfinances.treasury.models import Movement


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


def line_of_movement(movement: Movement) -> list[MovementLink]:
    """The bank line whose money `movement` is, linked on its statement's page (or the review
    queue, for a line that came without a statement and waits there)."""
    line = BankEntry.objects.filter(company_id=movement.company_id, movement=movement).first()
    if line is None:
        return []
    eik = movement.company.eik
    if line.statement_id is not None:
        url = reverse("banking:statement", args=[eik, line.statement_id])
        url = f"{url}?entry={line.pk}#line-{line.pk}"
    else:
        url = f"{reverse('banking:review', args=[eik])}#entry-{line.pk}"
    label = _("Bank line of %(date)s, %(amount)s") % {
        "date": formatting.date(line.booking_date),
        "amount": formatting.money(line.amount, line.currency),
    }
    return [MovementLink(label, url)]
