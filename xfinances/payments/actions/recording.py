"""Recording a payment (and its bank or cash movement) and the webhooks of payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, formatting, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Company, Currency
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.permissions import ensure_can
from xfinances.core.queries import rate_value
from xfinances.core.text_limits import limit_of
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments import reference_matching
from xfinances.payments.actions.allocation import allocate_checked
from xfinances.payments.actions.webhooks import _emit_payment_received
from xfinances.payments.models import (
    Direction,
    Payment,
    PaymentMethod,
    PaymentSource,
)
from xfinances.payments.rates import eur_value
from xfinances.treasury import actions as treasury_actions

# --- payments ------------------------------------------------------------------------------------


def _payment_currency(
    company: Company,
    currency: str,
    account: Any,
    movement: Any,
    direction: str,
    value: Decimal | None,
    errors: ErrorCollector,
) -> str:
    """The payment's currency: as given, else its account's or movement's, else the company's;
    the account and the movement must be the company's and agree with the payment."""
    currency = (currency or "").upper()
    if account is not None:
        if account.company_id != company.pk:
            errors.add("account", _("No such account in this company."))
        elif currency and currency != account.currency:
            errors.add(
                "currency",
                _("The account holds %(currency)s only.") % {"currency": account.currency},
            )
        currency = currency or account.currency
    if movement is not None:
        if movement.company_id != company.pk:
            errors.add("movement", _("No such movement in this company."))
        else:
            if value is not None and abs(movement.amount) != value:
                errors.add("movement", _("The movement's amount differs from the payment's."))
            if (movement.amount > 0) != (direction == Direction.IN):
                errors.add("movement", _("The movement goes the other way."))
            currency = currency or movement.currency
            if Payment.objects.filter(company=company, movement=movement).exists():
                errors.add("movement", _("This movement is already a payment."))
    currency = currency or company.default_currency
    if currency not in Currency.values:
        errors.add("currency", _("Unknown currency."))
    return currency


def _rate(value: object) -> Decimal:
    try:
        rate = to_decimal(value)
        if rate <= 0:
            raise MoneyError
    except MoneyError:
        message = _lazy("Enter the rate as units of the currency per 1 EUR.")
        raise readers.ReadError(message) from None
    return rate


@dataclass(frozen=True, kw_only=True)
class PaymentInput(ActionInput):
    """A payment in or out. With `account` (a treasury MoneyAccount) the movement is created
    there through the treasury's action; with `movement` an existing movement is linked;
    otherwise it is entered by hand. `allocations`: (document, amount in the payment currency)
    pairs allocated in the same transaction. Without them, an incoming payment whose bank
    reference or note names exactly one open document (its RF reference or number,
    `reference_matching`) is allocated to it (`match_reference=False` to leave it open).
    `eur_rate` left None is the day's reference rate."""

    direction: str = reads(
        inputs.choice(Direction.values, _lazy("Choose incoming or outgoing.")), default=""
    )
    date: dt.date = reads(inputs.required(inputs.date), default=None)
    amount: Decimal = reads(
        inputs.required(lambda v: readers.amount(v, positive=True), _lazy("Enter the amount.")),
        default=None,
    )
    currency: str = reads(lambda v: readers.text(v, max_length=10).upper(), default="")
    party: Party | None = reads(inputs.as_is, default=None)
    method: str = reads(
        inputs.choice(PaymentMethod.values, _lazy("Unknown payment method.")),
        default=PaymentMethod.BANK_TRANSFER,
    )
    account: Any = reads(inputs.as_is, default=None)
    movement: Any = reads(inputs.as_is, default=None)
    bank_reference: str = reads(
        inputs.text(max_length=limit_of(Payment, "bank_reference")), default=""
    )
    note: str = reads(inputs.text(max_length=limit_of(Payment, "note")), default="")
    eur_rate: Decimal | None = reads(inputs.optional(_rate), default=None)
    allocations: Sequence[tuple[Document, object] | tuple[Document, object, object]] = reads(
        inputs.as_is, default=()
    )
    match_reference: bool = reads(inputs.flag, default=True)


def _eur_rate(
    company: Company,
    eur_rate: Decimal | None,
    day: dt.date,
    currency: str,
    errors: ErrorCollector,
) -> Decimal | None:
    """The rate as given (units per 1 EUR), else the day's reference rate."""
    if eur_rate is not None:
        return eur_rate
    rate: Decimal | None = None
    if currency in Currency.values:
        rate = rate_value(company, currency, day)
        if rate is None:
            errors.add(
                "eur_rate",
                _("No exchange rate for %(currency)s on %(date)s: enter it.")
                % {"currency": currency, "date": formatting.date(day)},
            )
    return rate


@transaction.atomic
def record_payment(actor: Actor, company: Company, data: PaymentInput) -> Payment:
    """A payment in or out (see `PaymentInput`), with its movement and allocations."""
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    direction, day, value = data.direction, data.date, data.amount
    party, account, movement = data.party, data.account, data.movement
    bank_reference, note, method = data.bank_reference, data.note, data.method
    currency = _payment_currency(
        company, data.currency, account, movement, direction, value, errors
    )
    if party is not None and party.company_id != company.pk:
        errors.add("party", _("No such client or supplier in this company."))
    if direction not in Direction.values:  # an input built directly is not read
        errors.add("direction", _("Choose incoming or outgoing."))
    if method not in PaymentMethod.values:
        errors.add("method", _("Unknown payment method."))
    rate = _eur_rate(company, data.eur_rate, day, currency, errors)
    errors.raise_if_any()
    assert rate is not None
    source = PaymentSource.MANUAL
    if account is not None:
        movement = treasury_actions.create_movement(
            actor,
            account,
            treasury_actions.MovementInput(
                date=day,
                direction=direction,
                amount=value,
                counterparty_name=party.name if party else "",
                bank_reference=bank_reference,
                description=note or _("Payment"),
            ),
        )
    if movement is not None:
        source = PaymentSource.CASH if movement.account.kind == "cash" else PaymentSource.BANK
    payment = Payment.objects.create(
        company=company,
        direction=direction,
        party=party,
        date=day,
        amount=value,
        currency=currency,
        eur_rate=rate,
        eur_amount=eur_value(value, rate),
        method=method,
        source=source,
        movement=movement,
        bank_reference=(bank_reference or "").strip()[:100],
        note=(note or "").strip()[:500],
        created_by=actor.user,
    )
    audit.record_create(actor, company, "record_payment", payment)
    if direction == Direction.IN:
        _emit_payment_received(payment)
    if data.allocations:
        allocate_checked(actor, payment, data.allocations)
    elif data.match_reference and direction == Direction.IN:
        _allocate_by_reference(actor, payment)
    return payment


def _allocate_by_reference(actor: Actor, payment: Payment) -> None:
    references = reference_matching.references_in(payment.bank_reference, payment.note)
    document = reference_matching.document_for_reference(
        payment.company, references, currency=payment.currency, party=payment.party
    )
    if document is None:
        return
    if payment.party_id is None and document.party_id is not None:
        payment.party = document.party
        payment.save(update_fields=["party"])
    allocate_checked(actor, payment, [(document, None)])
    payment.refresh_from_db(fields=["allocated"])
