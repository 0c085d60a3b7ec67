"""The class of defect behind a cent (or more) left on a party's account: whatever way foreign-
currency documents are settled — split payments at their own rates (or the bank's, typed), one
payment over several documents, a remainder written off, an overpayment refunded, a credit note at its own day's rate — once every
document is settled and every payment used, the export's entries leave the party's 411 (clients)
or 401 (suppliers) at zero in the ledger currency. Generated cases, each seed its own reproducible scenario."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

import pytest

from xfinances.accounting.building import Period
from xfinances.accounting.records import ExportRecord, RecordKind
from xfinances.accounting.tests.factories import (
    party_balance,
    period_records,
    set_write_off_tolerance,
)
from xfinances.core.models import ExchangeRate
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, line
from xfinances.payments import actions
from xfinances.payments.models import Payment
from xfinances.payments.tests.factories import DAY, invoice, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
MARCH = Period(2026, 3)
KINDS = [RecordKind.SALE, RecordKind.PURCHASE, RecordKind.PAYMENT, RecordKind.WRITE_OFF]


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return D(rng.randint(low * 100, high * 100)) / 100


def _rate(rng: random.Random) -> Decimal:
    return D(rng.randint(10500, 12500)) / 10000


def _cuts(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` cut into `parts` positive amounts (cents)."""
    cents = int(total * 100)
    parts = min(parts, cents)
    points = sorted(rng.sample(range(1, cents), parts - 1)) if parts > 1 else []
    edges = [0, *points, cents]
    return [D(b - a) / 100 for a, b in itertools.pairwise(edges)]


def _days(rng: random.Random, count: int) -> list[dt.date]:
    days = [DAY + dt.timedelta(days=n + 1) for n in range(count)]
    for day in days:
        ExchangeRate.objects.create(currency="USD", date=day, rate=_rate(rng))
    return days


def _records(company: Any) -> list[ExportRecord]:
    records = period_records(company, MARCH, KINDS)
    assert records and all(record.balanced for record in records)
    return records


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_a_clients_411_closes_however_its_documents_are_paid(company: Any, seed: int) -> None:
    rng = random.Random(seed)
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=_rate(rng))
    set_write_off_tolerance(company, "1.00")
    client = bg_client(company)
    documents = [
        invoice(company, client, str(_money(rng, 1, 3000)), currency="USD")
        for _ in range(rng.randint(1, 3))
    ]
    owed = sum((d.total for d in documents), ZERO)
    rest = D(rng.randint(0, 5)) / 100 if owed > CENT * 10 else ZERO  # written off at the end
    parts = _cuts(rng, owed - rest, rng.randint(1, 4))
    # Paid too much at the end (when nothing is left to write off): refunded later.
    over = D(rng.randint(0, 9)) / 100 if not rest else ZERO
    parts[-1] += over
    for day, amount in zip(_days(rng, len(parts)), parts, strict=True):
        typed = {"eur_rate": str(_rate(rng))} if rng.random() < 0.3 else {}  # the bank's rate
        paid = payment(company, client, str(amount), day=day, currency="USD", **typed)
        for document in documents:  # the oldest first, as far as the payment goes
            document.refresh_from_db()
            paid.refresh_from_db()
            if paid.unallocated and document.outstanding_amount > 0:
                actions.allocate(SYSTEM, paid, [(document, None)])
    for document in documents:
        document.refresh_from_db()
    if over:
        refund_day = DAY + dt.timedelta(days=10)
        ExchangeRate.objects.create(currency="USD", date=refund_day, rate=_rate(rng))
        data = actions.RefundInput.read({"amount": str(over), "date": refund_day})
        actions.refund_credit(SYSTEM, paid, data)
    if rest:
        last = next(d for d in documents if d.outstanding_amount > 0)
        actions.write_off(SYSTEM, last, reason="cents", date=DAY + dt.timedelta(days=9))
        last.refresh_from_db()
    assert all(d.outstanding_amount == 0 for d in documents)
    assert all(p.unallocated == 0 for p in Payment.objects.filter(company=company))
    assert party_balance(_records(company), "411", client.pk) == ZERO


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_a_suppliers_401_closes_however_its_invoices_are_paid(company: Any, seed: int) -> None:
    rng = random.Random(1000 + seed)
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=_rate(rng))
    set_write_off_tolerance(company, "1.00")
    supplier = make_supplier(company)
    bills = []
    for n in range(rng.randint(1, 3)):
        rows = []
        for _ in range(rng.randint(1, 3)):
            base = _money(rng, 1, 1000)
            rows.append({"vat_rate": "20", "base": str(base), "vat": str(base * D("0.2"))[:-1]})
        bills.append(
            make_invoice(
                company,
                number=f"{seed:03d}{n:07d}",
                supplier=supplier,
                currency="USD",
                exchange_rate=str(_rate(rng)),
                rows=rows,
            )
        )
    owed = sum((b.total for b in bills), ZERO)
    parts = _cuts(rng, owed, rng.randint(1, 4))
    for day, amount in zip(_days(rng, len(parts)), parts, strict=True):
        paid = payment(company, supplier, str(amount), day=day, currency="USD", direction="out")
        for bill in bills:
            bill.refresh_from_db()
            paid.refresh_from_db()
            if paid.unallocated and bill.remaining > 0:
                actions.allocate_supplier_invoices(SYSTEM, paid, [(bill, None)])
    for bill in bills:
        bill.refresh_from_db()
    assert all(b.remaining == 0 for b in bills)
    assert party_balance(_records(company), "401", supplier.pk) == ZERO


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "how"), [(s, h) for s in range(4) for h in ("recorded", "bank")])
def test_a_supplier_returning_our_overpayment_closes_its_401(
    company: Any, seed: int, how: str
) -> None:
    """The supplier is a client too: money in from it would follow its direction (411) but,
    returning our overpayment, it closes the 401 the outgoing payment was booked on."""
    rng = random.Random(2000 + seed)
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=_rate(rng))
    supplier = make_supplier(company)
    supplier.is_client = bool(seed)
    supplier.save(update_fields=["is_client"])
    base = _money(rng, 10, 1000)
    bill = make_invoice(
        company,
        number=f"R{seed:09d}",
        supplier=supplier,
        currency="USD",
        exchange_rate=str(_rate(rng)),
        rows=[{"vat_rate": "20", "base": str(base), "vat": str(base * D("0.2"))[:-1]}],
    )
    over = _money(rng, 1, 50)
    (day,) = _days(rng, 1)
    paid = payment(
        company, supplier, str(bill.total + over), day=day, currency="USD", direction="out"
    )
    actions.allocate_supplier_invoices(SYSTEM, paid, [(bill, None)])
    paid.refresh_from_db()
    back_day = DAY + dt.timedelta(days=10)
    ExchangeRate.objects.create(currency="USD", date=back_day, rate=_rate(rng))
    if how == "recorded":
        data = actions.RefundInput.read({"amount": str(over), "date": back_day})
        actions.refund_credit(SYSTEM, paid, data)
    else:
        came = payment(company, None, str(over), day=back_day, currency="USD")
        actions.link_refund(SYSTEM, came, paid)
    assert all(p.unallocated == 0 for p in Payment.objects.filter(company=company))
    records = _records(company)
    assert party_balance(records, "401", supplier.pk) == ZERO
    assert party_balance(records, "411", supplier.pk) == ZERO


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "how"), itertools.product(range(4), ["whole", "part", "after"]))
def test_a_credit_note_at_its_own_rate_closes_the_clients_411(
    company: Any, seed: int, how: str
) -> None:
    """A USD credit note is booked at the rate of its own day, not its invoice's: the EUR
    between the two is an exchange difference, or it would stay on the client's 411 once the
    note (and a payment for the rest) settled the invoice in USD."""
    rng = random.Random(seed)
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=_rate(rng))
    client = bg_client(company)
    document = invoice(company, client, str(_money(rng, 100, 3000)), currency="USD")
    pay_day, note_day = _days(rng, 2)
    if how == "after":  # paid in part first; the note takes what is left
        paid = payment(
            company, client, str(_cuts(rng, document.total, 2)[0]), day=pay_day, currency="USD"
        )
        actions.allocate(SYSTEM, paid, [(document, None)])
        document.refresh_from_db()
    lines = None  # the whole invoice cancelled
    if how != "whole":
        credited = (
            document.outstanding_amount if how == "after" else _cuts(rng, document.total, 2)[0]
        )
        lines = [line(str(credited), vat="exempt")]
    invoicing.create_credit_note(
        SYSTEM, document, reason="отстъпка", lines=lines, issue=True, today=note_day
    )
    document.refresh_from_db()
    if document.outstanding_amount:
        paid = payment(
            company, client, str(document.outstanding_amount), day=pay_day, currency="USD"
        )
        actions.allocate(SYSTEM, paid, [(document, None)])
        document.refresh_from_db()
    assert document.outstanding_amount == 0
    assert party_balance(_records(company), "411", client.pk) == ZERO


@pytest.mark.django_db
@pytest.mark.parametrize(("seed", "how"), itertools.product(range(4), ["whole", "part"]))
def test_a_suppliers_credit_note_at_its_own_rate_closes_its_401(
    company: Any, seed: int, how: str
) -> None:
    """A supplier's USD credit note, at its own rate, set off as it is registered against the
    invoice it corrects (at another rate), the rest paid: the supplier's 401 closes."""
    rng = random.Random(2000 + seed)
    supplier = make_supplier(company)
    base = _money(rng, 100, 3000)
    bill = make_invoice(
        company,
        number=f"F{seed:09d}",
        supplier=supplier,
        currency="USD",
        exchange_rate=str(_rate(rng)),
        rows=[{"vat_rate": "0", "base": str(base), "vat": "0.00"}],
    )
    credited = base if how == "whole" else _cuts(rng, base, 2)[0]
    make_invoice(
        company,
        number=f"N{seed:09d}",
        supplier=supplier,
        kind="credit_note",
        corrected_invoice=bill,
        issue_date=DAY + dt.timedelta(days=3),
        due_date=None,
        currency="USD",
        exchange_rate=str(_rate(rng)),
        rows=[{"vat_rate": "0", "base": str(credited), "vat": "0.00"}],
    )
    bill.refresh_from_db()
    assert bill.remaining == base - credited
    if bill.remaining:
        (day,) = _days(rng, 1)
        paid = payment(
            company, supplier, str(bill.remaining), day=day, currency="USD", direction="out"
        )
        actions.allocate_supplier_invoices(SYSTEM, paid, [(bill, None)])
        bill.refresh_from_db()
    assert bill.remaining == 0
    assert party_balance(_records(company), "401", supplier.pk) == ZERO
