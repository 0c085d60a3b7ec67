"""The rates and exchange differences of payments (pure, no database): the rate at which a
document booked its amount, an amount's EUR value at a rate, and the company's gain or loss
when money settles a claim booked at another rate. The payments actions use them for
allocations and the write-off tolerance; the accounting export for a write-off's entry."""

from __future__ import annotations

from decimal import Decimal

from xfinances.core.money import BGN_PER_EUR, RoundingPoint, round_cent
from xfinances.payments.models import Direction

#: Currencies at a fixed rate to the euro: what they settle has no exchange difference.
FIXED_RATE = ("EUR", "BGN")


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
    return difference_of(
        direction,
        eur_value(payment_amount, payment_rate),
        eur_value(document_amount, document_rate),
    )


#: How far the part that closes a whole may move from its own value: the roundings of its
#: other parts (half a cent each) and of the whole's EUR figure (per VAT row for a supplier
#: invoice). Beyond it the figures disagree for another reason (a credit note at another rate,
#: a corrected total) and the part keeps its own value.
_SLACK_PER_PART = Decimal("0.01")


def part_eur(
    amount: Decimal,
    units_per_eur: Decimal,
    *,
    closes: bool,
    whole_eur: Decimal,
    others_eur: Decimal,
    others: int,
) -> Decimal:
    """The EUR value of one part of a whole — an allocation or a write-off of a document, a
    supplier invoice or a payment — rounded to the cent at the whole's rate; the part that
    `closes` the whole takes what its `others` (their EUR sum) left of the whole's EUR figure,
    so the parts add up to it exactly and no cent stays on the party's account. Pure."""
    own = eur_value(amount, units_per_eur)
    if not closes:
        return own
    rest = round_cent(whole_eur - others_eur)  # cents already; stored sums may carry more places
    if abs(rest - own) <= _SLACK_PER_PART * (others + 2):
        return rest
    return own


def difference_of(direction: str, received_eur: Decimal, booked_eur: Decimal) -> Decimal:
    """`exchange_difference` of values already in EUR: money received against the claim it
    settles, signed as a gain (+) or loss (−) for the company."""
    return received_eur - booked_eur if direction == Direction.IN else booked_eur - received_eur
