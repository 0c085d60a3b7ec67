"""Credit and debit notes: full cancellation, partial corrections, the ceiling (also under
concurrency on PostgreSQL), and notes in EUR to pre-2026 BGN invoices."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from xfinances.core.exceptions import InvalidInput
from xfinances.core.money import bgn_to_eur
from xfinances.invoicing import actions, queries
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, issued, line


@pytest.mark.django_db
def test_full_cancellation_copies_and_links_the_lines(company):
    invoice = issued(company, lines=[line("100"), line("50", "2", vat="accommodation")])
    result = actions.create_credit_note(SYSTEM, invoice, reason="развалена сделка", issue=True)
    note = result.document
    assert note.kind == "credit_note" and note.status == "issued"
    assert note.is_full_cancellation and note.total == invoice.total
    assert note.corrected_document_id == invoice.pk
    assert (note.corrected_number, note.corrected_issue_date) == (
        invoice.number,
        invoice.issue_date,
    )
    invoice_lines = list(queries.lines_of(invoice))
    assert [ln.corrected_line_id for ln in queries.lines_of(note)] == [
        ln.pk for ln in invoice_lines
    ]
    assert queries.remaining_to_credit(invoice) == Decimal("0.00")


@pytest.mark.django_db
def test_credit_ceiling_counts_debit_notes_and_ignores_voided_notes(company):
    invoice = issued(company)  # 120.00
    too_much = actions.create_credit_note(
        SYSTEM, invoice, reason="още", lines=[line("21")]
    ).document
    first = actions.create_credit_note(
        SYSTEM, invoice, reason="отстъпка", lines=[line("80")], issue=True
    ).document
    assert first.total == Decimal("96.00")
    with pytest.raises(InvalidInput) as early:  # a new draft over the ceiling is refused at once
        actions.create_credit_note(SYSTEM, invoice, reason="още", lines=[line("21")])
    assert "total" in early.value.errors
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, too_much)
    assert "total" in refused.value.errors
    assert Document.objects.get(pk=too_much.pk).number is None
    actions.create_debit_note(
        SYSTEM, invoice, reason="допълнителна услуга", lines=[line("10")], issue=True
    )
    assert actions.issue_document(SYSTEM, too_much).document.number  # 24 + 12 left ≥ 25.20
    actions.void_document(SYSTEM, first, reason="грешка")
    assert queries.remaining_to_credit(invoice) == Decimal("120.00") + Decimal("12.00") - Decimal(
        "25.20"
    )


@pytest.mark.django_db
def test_note_refusals_name_the_field(company):
    invoice = issued(company)
    with pytest.raises(InvalidInput) as refused:
        actions.create_credit_note(SYSTEM, invoice, reason="  ")
    assert "note_reason" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        actions.create_debit_note(SYSTEM, invoice, reason="x", lines=[])
    assert "lines" in refused.value.errors
    proforma = issued(company, kind="proforma")
    with pytest.raises(InvalidInput) as refused:
        actions.create_credit_note(SYSTEM, proforma, reason="x")
    assert "corrected_document_id" in refused.value.errors
    other = issued(company)
    foreign_line = queries.lines_of(other).first()
    with pytest.raises(InvalidInput) as refused:
        actions.create_credit_note(
            SYSTEM, invoice, reason="x", lines=[line("1", corrected_line_id=foreign_line.pk)]
        )
    assert "lines.1.corrected_line_id" in refused.value.errors
    assert not Document.objects.filter(kind="credit_note").exists()


@pytest.mark.django_db
def test_note_to_a_2025_bgn_invoice_is_in_eur_with_the_bgn_figures(company):
    day = dt.date(2025, 12, 15)
    invoice = issued(
        company,
        currency="BGN",
        issue_date=day,
        tax_event_date=day,
        lines=[line("100.00"), line("33.33")],
        today=dt.date(2025, 12, 16),
    )
    assert invoice.currency == "BGN" and invoice.total == Decimal("160.00")
    assert invoice.amount_in_words == "Сто и шестдесет лева"
    note = actions.create_credit_note(SYSTEM, invoice, reason="анулиране", issue=True).document
    assert note.currency == "EUR" and note.original_currency == "BGN"
    assert note.original_base == Decimal("133.33") and note.original_total == Decimal("160.00")
    assert note.base == bgn_to_eur(Decimal("133.33")) == Decimal("68.17")
    assert note.vat == Decimal("13.63") and note.total == Decimal("81.80")
    assert abs(note.total - bgn_to_eur(invoice.total)) <= Decimal("0.01")  # may differ by a cent
    first = queries.lines_of(note).first()
    assert first.original_unit_price == Decimal("100.0000") and first.unit_price == Decimal(
        "51.1292"
    )
    assert note.amount_in_words.endswith("цента")
    assert queries.remaining_to_credit(invoice) == Decimal("0.00")  # counted in BGN

    partial = actions.create_debit_note(
        SYSTEM, invoice, reason="доплащане", lines=[line("19.5583")], issue=True
    ).document
    assert partial.original_base == Decimal("19.56") and partial.base == Decimal("10.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_credit_notes_cannot_exceed_the_invoice(company):
    if connection.vendor != "postgresql":
        pytest.skip("NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to run the row-lock test")
    invoice = issued(company)  # 120.00
    drafts = [
        actions.create_credit_note(
            SYSTEM, invoice, reason=f"отстъпка {n}", lines=[line("70")]
        ).document
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue(document: Document) -> None:
        try:
            barrier.wait()
            actions.issue_document(
                SYSTEM, Document.objects.select_related("company").get(pk=document.pk)
            )
            outcomes.append("issued")
        except InvalidInput as error:
            outcomes.append("refused:" + ",".join(error.errors))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["issued", "refused:total"]
    assert queries.remaining_to_credit(invoice) == Decimal("120.00") - Decimal("84.00")
