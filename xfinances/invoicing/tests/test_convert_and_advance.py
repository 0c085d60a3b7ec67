"""Proforma → invoice in one step, and advance invoices deducted by a final invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.invoicing import actions, queries
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, draft, issued, line

pytestmark = pytest.mark.django_db


def test_convert_proforma_carries_lines_and_party_and_links(company):
    proforma = issued(
        company, kind="proforma", lines=[line("200", "2"), line("10", vat="accommodation")]
    )
    result = actions.convert_proforma(SYSTEM, proforma)
    invoice = result.document
    assert (
        invoice.kind == "invoice" and invoice.status == "issued" and invoice.number == "0000000001"
    )
    assert invoice.proforma_id == proforma.pk and invoice.party_id == proforma.party_id
    assert invoice.total == proforma.total
    assert [ln.description for ln in queries.lines_of(invoice)] == [
        ln.description for ln in queries.lines_of(proforma)
    ]
    proforma.refresh_from_db()
    assert proforma.converted_at is not None
    with pytest.raises(Conflict):
        actions.convert_proforma(SYSTEM, proforma)


def test_failed_conversion_changes_nothing(company):
    proforma = issued(company, kind="proforma")
    from xfinances.catalog.models import VatTreatment

    VatTreatment.objects.filter(company=company, code="standard").update(rate=None, legal_basis="")
    with pytest.raises(InvalidInput):
        actions.convert_proforma(SYSTEM, proforma)
    proforma.refresh_from_db()
    assert proforma.converted_at is None
    assert not Document.objects.filter(kind="invoice").exists()


def test_only_issued_proformas_convert(company):
    with pytest.raises(Conflict):
        actions.convert_proforma(SYSTEM, draft(company, kind="proforma"))
    with pytest.raises(Conflict):
        actions.convert_proforma(SYSTEM, issued(company))


def test_convert_to_a_draft(company):
    proforma = issued(company, kind="proforma")
    invoice = actions.convert_proforma(SYSTEM, proforma, issue=False).document
    assert invoice.status == "draft" and invoice.proforma_id == proforma.pk


def test_final_invoice_deducts_the_advance_once(company):
    party = bg_client(company)
    advance = issued(
        company,
        party=party,
        is_advance=True,
        lines=[line("1000", description="Аванс по договор 12")],
    )
    assert advance.is_advance and advance.base == Decimal("1000.00")
    deduction = actions.advance_deduction_lines(advance)
    assert len(deduction) == 1 and deduction[0].quantity == Decimal("-1")
    final = issued(
        company, party=party, lines=[line("3000", description="Доставка по договор 12"), *deduction]
    )
    assert (
        final.base == Decimal("2000.00")
        and final.vat == Decimal("400.00")
        and final.total == Decimal("2400.00")
    )
    deducted_line = queries.lines_of(final).get(advance_document=advance)
    assert deducted_line.net == Decimal("-1000.00") and deducted_line.vat_code == "standard"
    assert queries.advance_deducted(advance) == Decimal("1000.00")
    assert actions.advance_deduction_lines(advance) == []

    second = draft(company, party=party, lines=[line("3000"), deduction[0]])
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, second)
    assert "lines.2.unit_price" in refused.value.errors
    with pytest.raises(Conflict):
        actions.void_document(SYSTEM, advance, reason="x")


def test_deduction_rules(company):
    party = bg_client(company)
    advance = issued(company, party=party, is_advance=True, lines=[line("500")])
    with pytest.raises(InvalidInput) as refused:
        draft(
            company,
            party=party,
            lines=[line("1000"), line("500", "1", advance_document_id=advance.pk)],
        )
    assert "lines.2.quantity" in refused.value.errors
    not_advance = issued(company, party=party)
    with pytest.raises(InvalidInput) as refused:
        draft(
            company,
            party=party,
            lines=[line("1000"), line("100", "-1", advance_document_id=not_advance.pk)],
        )
    assert "lines.2.advance_document_id" in refused.value.errors
    other_client = draft(
        company, lines=[line("1000"), line("100", "-1", advance_document_id=advance.pk)]
    )
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, other_client)
    assert "lines.2.advance_document_id" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        draft(company, kind="proforma", is_advance=True)
    assert "is_advance" in refused.value.errors
