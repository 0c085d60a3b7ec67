"""Issuing: every refusal names the field and changes nothing; warnings do not block;
snapshots freeze the printed parties; totals, words, RF reference and audit are written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from xfinances.catalog.models import VatTreatment
from xfinances.core import actions as core_actions
from xfinances.core.company_inputs import CompanyInput
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs
from xfinances.invoicing.models import Document, NumberSeries
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, draft, eu_client, issued, line
from xfinances.parties.actions import update_party
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import party_changes

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def _refused(document: Document, field: str, **kwargs) -> InvalidInput:
    next_number = (
        NumberSeries.objects.filter(company=document.company, group="tax")
        .values_list("next_number", flat=True)
        .first()
    )
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, document, today=kwargs.get("today", TODAY))
    assert field in refused.value.errors, refused.value.errors
    fresh = Document.objects.get(pk=document.pk)
    assert fresh.status == "draft" and fresh.number is None
    assert (
        NumberSeries.objects.filter(company=document.company, group="tax")
        .values_list("next_number", flat=True)
        .first()
        == next_number
    )
    assert not AuditEntry.objects.filter(
        action="issue_document", object_id=str(document.pk)
    ).exists()
    return refused.value


def _day(**extra):
    return {"issue_date": TODAY, "tax_event_date": TODAY, **extra}


def test_no_lines(company):
    empty = actions.create_draft(
        SYSTEM, company, inputs.draft(party=bg_client(company), lines=[], **_day())
    )
    _refused(empty, "lines")


def test_zero_total(company):
    _refused(draft(company, lines=[line("0")], **_day()), "lines")


def test_bulgarian_company_without_eik(company):
    party = bg_client(company)
    Party.objects.filter(pk=party.pk).update(eik="", vat_number="")  # an old record
    _refused(draft(company, party=Party.objects.get(pk=party.pk), **_day()), "recipient_eik")


def test_reverse_charge_needs_the_recipients_vat_number(company):
    party = eu_client(company)
    Party.objects.filter(pk=party.pk).update(vat_number="")
    document = draft(
        company, party=Party.objects.get(pk=party.pk), lines=[line(vat="eu_services")], **_day()
    )
    _refused(document, "recipient_vat_number")


def test_zero_rate_without_legal_basis(company):
    VatTreatment.objects.filter(company=company, code="export").update(legal_basis="")
    _refused(draft(company, lines=[line(vat="export")], **_day()), "lines.1.vat_treatment")


def test_future_tax_event(company):
    document = draft(company, issue_date=TODAY, tax_event_date=TODAY + dt.timedelta(days=2))
    _refused(document, "tax_event_date")
    with override_settings(INVOICING_TAX_EVENT_MAX_DAYS_AFTER_ISSUE=3):
        assert actions.issue_document(SYSTEM, document, today=TODAY).document.number == "0000000001"


def test_future_issue_date(company):
    _refused(
        draft(company, issue_date=TODAY + dt.timedelta(days=1), tax_event_date=TODAY), "issue_date"
    )


def test_foreign_currency_needs_a_rate_for_the_tax_event_date(company):
    document = draft(company, currency="USD", **_day())
    _refused(document, "exchange_rate")
    core_actions.load_reference_rates(SYSTEM, [(TODAY, "USD", Decimal("1.0800"))], "ecb")
    result = actions.issue_document(SYSTEM, document, today=TODAY)
    usd = result.document
    assert usd.exchange_rate == Decimal("1.08") and usd.total == Decimal("120.00")
    assert usd.eur_base == Decimal("92.59") and usd.eur_vat == Decimal("18.52")
    assert usd.eur_total == Decimal("111.11")


def test_bgn_after_the_euro_day_and_eur_before_it(company):
    _refused(draft(company, currency="BGN", **_day()), "currency")
    old_day = dt.date(2025, 12, 15)
    _refused(draft(company, currency="EUR", issue_date=old_day, tax_event_date=old_day), "currency")


def test_several_errors_at_once(company):
    VatTreatment.objects.filter(company=company, code="export").update(legal_basis="")
    document = draft(
        company,
        lines=[line(vat="export")],
        issue_date=TODAY,
        tax_event_date=TODAY + dt.timedelta(days=1),
    )
    error = _refused(document, "tax_event_date")
    assert "lines.1.vat_treatment" in error.errors


def test_missed_deadline_warns_but_issues(company):
    late = draft(company, issue_date=TODAY, tax_event_date=TODAY - dt.timedelta(days=6))
    result = actions.issue_document(SYSTEM, late, today=TODAY)
    assert result.document.number and len(result.warnings) == 1
    on_time = draft(company, issue_date=TODAY, tax_event_date=TODAY - dt.timedelta(days=5))
    assert actions.issue_document(SYSTEM, on_time, today=TODAY).warnings == []


def test_intra_eu_goods_deadline_is_the_15th_of_next_month(company):
    party = eu_client(company)
    document = draft(
        company,
        party=party,
        lines=[line(vat="eu_goods")],
        issue_date=TODAY,
        tax_event_date=dt.date(2026, 11, 2),
    )
    result = actions.issue_document(SYSTEM, document, today=TODAY)
    assert result.warnings == []
    assert result.document.vat == Decimal("0.00")
    group = result.document.vat_groups.get()
    assert group.legal_basis == "чл. 53, ал. 1 от ЗДДС" and group.nap_column == "02-15"


def test_snapshots_do_not_change_when_the_party_or_company_changes(company):
    party = bg_client(company, name="Стара Фирма ООД")
    invoice = issued(company, party=party, **_day(), today=TODAY)
    update_party(SYSTEM, party, party_changes(name="Нова Фирма ООД", address="друг адрес"))
    core_actions.update_company(
        SYSTEM,
        company,
        CompanyInput.read_changes({"name": "Преименувана ООД", "mol": "Нов Управител"}),
    )
    invoice.refresh_from_db()
    assert invoice.recipient_name == "Стара Фирма ООД"
    assert invoice.supplier_name == "Алфа Трейд ООД"
    assert invoice.supplier_vat_number == "BG" + company.eik


def test_issue_writes_totals_words_rf_and_audit(company):
    document = draft(
        company, lines=[line("33.3333", "3"), line("10", "1", vat="accommodation")], **_day()
    )
    result = actions.issue_document(SYSTEM, document, today=TODAY)
    invoice = result.document
    assert invoice.base == Decimal("110.00")  # 100.00 + 10.00
    assert invoice.vat == Decimal("20.90")  # 20.00 + 0.90
    assert invoice.total == Decimal("130.90")
    assert invoice.amount_in_words == "Сто и тридесет евро и деветдесет цента"
    assert invoice.rf_reference.startswith("RF") and invoice.rf_reference.endswith("0000000001")
    assert {(g.vat_code, g.base, g.vat) for g in invoice.vat_groups.all()} == {
        ("standard", Decimal("100.00"), Decimal("20.00")),
        ("accommodation", Decimal("10.00"), Decimal("0.90")),
    }
    entry = AuditEntry.objects.get(action="issue_document", object_id=str(invoice.pk))
    assert entry.changes["number"] == [None, "0000000001"]
    assert entry.changes["status"] == ["draft", "issued"]
    assert "exchange_rate" not in entry.changes  # EUR stays 1: no change worth recording
    assert AuditEntry.objects.filter(action="create_draft", object_id=str(invoice.pk)).exists()


def test_viewer_cannot_create_or_issue(company, make_member):
    from xfinances.core.audit import Actor
    from xfinances.core.exceptions import NotAllowed

    viewer = Actor(make_member(company, "viewer"))
    with pytest.raises(NotAllowed):
        actions.create_draft(
            viewer, company, inputs.draft(party=bg_client(company), lines=[line()])
        )
    document = draft(company, **_day())
    with pytest.raises(NotAllowed):
        actions.issue_document(viewer, document, today=TODAY)
