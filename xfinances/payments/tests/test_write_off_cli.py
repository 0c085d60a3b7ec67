"""`xfinances write-off`: a document's remainder, a supplier invoice's remainder, a payment's
rest, undo; the role of --user, bad input refused with its reason and nothing changed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xfinances.core.models import AuditEntry, Source
from xfinances.payments import actions
from xfinances.payments.models import DocumentSettlement, WriteOff
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment
from xfinances.purchases.models import PaymentStatus
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal
LATER = (DAY + dt.timedelta(days=5)).isoformat()


def run(*args: str) -> str:
    out = StringIO()
    call_command("write-off", *args, stdout=out)
    return out.getvalue()


def short_paid_invoice(company, paid="99.60"):
    document = invoice(company, price="100.00")
    money = payment(company, document.party, paid, day=DAY)
    actions.allocate(SYSTEM, money, [(document, None)])
    return document


def test_a_documents_remainder_by_its_number_without_zeros(company):
    document = short_paid_invoice(company)
    number = str(int(document.number))  # "123" for "0000000123"
    got = json.loads(
        run(
            "--company",
            company.eik,
            "--document",
            number,
            "--reason",
            "Такса на банката",
            "--date",
            LATER,
            "--json",
        )
    )
    item = WriteOff.objects.get(company=company)
    assert got == {
        "id": item.pk,
        "document_id": document.pk,
        "payment_id": None,
        "supplier_invoice_id": None,
        "date": LATER,
        "amount": "0.40",
        "reason": "Такса на банката",
        "undone": False,
    }
    assert DocumentSettlement.objects.get(pk=document.pk).written_off == D("0.40")
    entry = AuditEntry.objects.get(company=company, action="write_off")
    assert entry.source == Source.CLI


def test_part_of_a_remainder_then_undo(company):
    document = short_paid_invoice(company)
    text = run(
        "--company", company.eik, "--document", document.number, "--reason", "x", "--amount", "0.15"
    )
    item = WriteOff.objects.get(company=company)
    assert item.amount == D("0.15") and f"write-off {item.pk}, 0.15" in text
    text = run("--company", company.eik, "--undo", str(item.pk), "--reason", "Платено после")
    item.refresh_from_db()
    assert item.undone_at is not None and item.undo_reason == "Платено после"
    assert text.startswith("Undone")
    assert DocumentSettlement.objects.get(pk=document.pk).written_off == D("0.00")


def test_a_supplier_invoices_remainder_and_a_payments_rest(company):
    bill = make_invoice(company)
    out = payment(company, bill.supplier, "119.98", day=DAY, direction="out")
    actions.allocate(SYSTEM, out, [(bill, None)])
    run("--company", company.eik, "--supplier-invoice", str(bill.pk), "--reason", "Закръгляне")
    bill.refresh_from_db()
    assert bill.amount_written_off == D("0.02") and bill.payment_status == PaymentStatus.PAID

    document = invoice(company, price="100.00")
    money = payment(company, document.party, "100.03", day=DAY)
    actions.allocate(SYSTEM, money, [(document, None)])
    got = json.loads(
        run(
            "--company",
            company.eik,
            "--payment",
            str(money.pk),
            "--reason",
            "Надплатени центове",
            "--json",
        )
    )
    assert (got["payment_id"], got["amount"]) == (money.pk, "0.03")
    money.refresh_from_db()
    assert money.unallocated == D("0.00")


def test_refusals_name_the_reason_and_change_nothing(company, make_member):
    document = short_paid_invoice(company)
    other = short_paid_invoice(company, paid="50.00")  # 50.00 left: over the tolerance
    cases = [
        (
            ["--document", document.number, "--reason", "x", "--amount", "0.41"],
            "amount: Only 0.40 EUR is left.",
        ),
        (["--document", other.number, "--reason", "x"], "limited to"),
        (["--document", document.number, "--reason", " "], "reason"),
        (["--document", document.number, "--reason", "x", "--amount", "abc"], "amount"),
        (["--document", document.number, "--reason", "x", "--date", "31.02.2026"], "date"),
        (["--document", "9999999999", "--reason", "x"], "No invoice or debit note 9999999999"),
        (["--document", "12a", "--reason", "x"], "up to 10 digits"),
        (["--supplier-invoice", "999999", "--reason", "x"], "No supplier invoice 999999"),
        (["--payment", "999999", "--reason", "x"], "No payment 999999"),
        (["--undo", "999999", "--reason", "x"], "No write-off 999999"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError) as caught:
            run("--company", company.eik, *args)
        assert message in str(caught.value), (args, str(caught.value))
    viewer = make_member(company, "viewer")
    with pytest.raises(CommandError, match=r"role|allow"):
        run(
            "--company",
            company.eik,
            "--user",
            viewer.email,
            "--document",
            document.number,
            "--reason",
            "x",
        )
    with pytest.raises(CommandError, match="ЕИК"):
        run("--company", "000000000", "--document", document.number, "--reason", "x")
    assert not WriteOff.objects.filter(company=company).exists()
    assert not AuditEntry.objects.filter(company=company, action="write_off").exists()


def test_a_second_undo_is_refused(company):
    document = short_paid_invoice(company)
    run("--company", company.eik, "--document", document.number, "--reason", "x")
    item = WriteOff.objects.get(company=company)
    run("--company", company.eik, "--undo", str(item.pk), "--reason", "y")
    with pytest.raises(CommandError):
        run("--company", company.eik, "--undo", str(item.pk), "--reason", "y")
