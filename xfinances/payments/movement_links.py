"""Provider of treasury's `movement_links`: the payments recorded on a movement, linked from its
page (the page that refuses to reverse money a payment stands on names it there)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.payments.models import Payment
from xfinances.treasury.events import MovementLink
from xfinances.treasury.models import Movement


def payments_on(movement: Movement) -> list[MovementLink]:
    rows = (
        Payment.objects.filter(company_id=movement.company_id, movement=movement)
        .select_related("party")
        .order_by("pk")
    )
    eik = movement.company.eik
    links = []
    for payment in rows:
        label = _("Payment of %(date)s, %(amount)s") % {
            "date": formatting.date(payment.date),
            "amount": formatting.money(payment.amount, payment.currency),
        }
        if payment.party is not None:
            label = f"{label}, {payment.party.name}"
        links.append(MovementLink(label, reverse("payments:payment", args=[eik, payment.pk])))
    return links
