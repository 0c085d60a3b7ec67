"""The rates and exchange differences of payments (pure, no database): the rate at which a
document booked its amount, an amount's EUR value at a rate, and the company's gain or loss
when money settles a claim booked at another rate. The payments actions use them for
allocations and the write-off tolerance; the accounting export for a write-off's entry."""

from __future__ import annotations

from decimal import Decimal

from xfinances.core.money import BGN_PER_EUR, RoundingPoint, round_cent
from xfinances.payments.models import Direction


def booked_eur_rate(
    currency: str, total: Decimal, eur_total: Decimal, exchange_rate: Decimal | None
) -> Decimal | None:
    """Units of a sales document's currency per 1 EUR as the document booked it (its total
    over its EUR total, else the rate of its tax event date); None when it has neither."""
    if currency == "EUR":
        return Decimal(1)
    if currency == "BGN":
        return BGN_PER_EUR
    if total and eur_total:
        return total / eur_total
    return exchange_rate or None


def eur_value(amount: Decimal, units_per_eur: Decimal) -> Decimal:
    return round_cent(amount / units_per_eur, RoundingPoint.CONVERSION)


def exchange_difference(
    direction: str,
    payment_amount: Decimal,
    payment_rate: Decimal,
    document_amount: Decimal,
    document_rate: Decimal,
) -> Decimal:
    """The company's gain (+) or loss (−) in EUR: money received is worth more in EUR than the
    claim it settles was booked at (or money paid out is worth less). Pure."""
    received = eur_value(payment_amount, payment_rate)
    booked = eur_value(document_amount, document_rate)
    return received - booked if direction == Direction.IN else booked - received
