"""Demo bank statement: one day's camt.053 of the company's second bank account, imported
and matched like any other, so a new user sees what e-banking does: a payment with our RF
reference and one naming its invoice settle by themselves, a partial payment naming its invoice's
number without the leading zeros waits in the review queue with its candidate, the bank's fee is
filed under its category by the seeded rule, a supplier sending back what we overpaid it
closes our payment's rest by itself, and a client's payment a person had typed in by hand ten
days before waits with the question whether the line is that payment. Skipped when the company
has statements."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from xfinances.banking import actions
from xfinances.banking.models import Statement
from xfinances.banking.sample_files import Row, camt053
from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import PartyBankAccount
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Direction, Payment
from xfinances.treasury.models import AccountKind, MoneyAccount

DEMO_IBAN = "BG18RZBB91550123456789"  # the demo company's second bank account
TYPED_DAYS = 10  # a payment typed in this long before the bank's booking: asked about


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    if Statement.objects.filter(company=company).exists():
        return
    account = MoneyAccount.objects.filter(
        company=company, kind=AccountKind.BANK, iban=DEMO_IBAN
    ).first()
    open_invoices = list(
        Document.objects.filter(
            company=company,
            kind=DocumentKind.INVOICE,
            status=DocumentStatus.ISSUED,
            currency="EUR",
            outstanding_amount__gt=0,
            paid_amount=0,
        )
        .exclude(rf_reference="")
        .order_by("issue_date", "id")
    )
    if account is None or len(open_invoices) < 3:
        return
    progress("Importing a bank statement and matching it …")
    by_reference, by_number, partly = open_invoices[-3:]
    day = max(timezone.localdate() - dt.timedelta(days=1), partly.issue_date)
    fee = Decimal("-4.50")
    rows = [
        Row(
            day,
            by_reference.outstanding_amount,
            by_reference.recipient_name,
            "",
            "Плащане по фактура",
            reference=by_reference.rf_reference,
            bank_id="DEMO-1",
        ),
        Row(
            day,
            by_number.outstanding_amount,
            by_number.recipient_name,
            "",
            f"Плащане ф-ра № {by_number.number}",
            bank_id="DEMO-2",
        ),
        Row(
            day,
            (partly.outstanding_amount / 2).quantize(Decimal("0.01")),
            partly.recipient_name,
            "",
            f"Аванс по ф-ра {int(partly.number)}",
            bank_id="DEMO-3",
        ),
        Row(day, fee, "", "", "Такса обслужване на сметка", bank_id="DEMO-4"),
    ]
    returned = _overpaid_supplier(company)
    if returned is not None:
        payment, iban = returned
        rows.append(
            Row(
                day,
                payment.unallocated,
                payment.party.name if payment.party else "",
                iban,
                "Връщане на надплатена сума",
                bank_id="DEMO-5",
            )
        )
    typed = _typed_before(actor, company, account, open_invoices[:-3], day)
    if typed is not None:
        rows.append(
            Row(
                day, typed.amount, typed.party.name if typed.party else "", "", "", bank_id="DEMO-6"
            )
        )
    opening = account.opening_balance
    out = io.BytesIO()
    camt053(
        out,
        iban=DEMO_IBAN,
        rows=rows,
        opening=opening,
        date_from=day,
        date_to=day,
        statement_id=f"DEMO-{day:%Y%m%d}",
    )
    out.seek(0)
    summary = actions.import_statement(actor, company, out, file_name=f"camt053-{day:%Y%m%d}.xml")
    progress(
        f"  {summary.new} bank entries: {summary.matched} matched automatically, "
        f"{summary.review} waiting for review"
    )


def _typed_before(
    actor: Actor, company: Company, account: MoneyAccount, candidates: list[Document], day: dt.date
) -> Payment | None:
    """A client's payment a person typed in by hand (on the account, without the bank's
    reference) TYPED_DAYS before the bank booked it: too far from the booking for the import
    to pair them on its own, so the line waits with the question "the same payment?"."""
    for document in candidates:
        paid_on = day - dt.timedelta(days=TYPED_DAYS)
        if document.issue_date > paid_on:
            continue
        return payments_actions.record_payment(
            actor,
            company,
            payments_actions.PaymentInput.read(
                {
                    "direction": "in",
                    "date": paid_on,
                    "amount": str(document.outstanding_amount),
                    "currency": document.currency,
                    "party": document.party,
                    "account": account,
                    "note": "Клиентът изпрати платежното нареждане по имейл",
                    "allocations": [(document, str(document.outstanding_amount))],
                }
            ),
        )
    return None


def _overpaid_supplier(company: Company) -> tuple[Payment, str] | None:
    """Our outgoing payment that paid a supplier too much (payments/demo.py) and the
    supplier's IBAN, which sends the rest back."""
    for payment in (
        Payment.objects.filter(company=company, direction=Direction.OUT, refund_of__isnull=True)
        .filter(allocated__lt=F("amount"))
        .select_related("party")
        .order_by("id")
    ):
        iban = (
            PartyBankAccount.objects.filter(company=company, party_id=payment.party_id)
            .values_list("iban", flat=True)
            .first()
        )
        if iban:
            return payment, iban
    return None


def steps() -> list[DemoStep]:
    return [DemoStep(order=70, name="bank statement", load=load)]
